//! Processes hidden from `/proc` (root, Linux): the owners a socket table cannot name.
//!
//! `ps`, `netstat -p`, `ss -p` and `lsof` all find a socket's owner by reading `/proc/PID/fd`.
//! A process hides from all of them with a mount over its `/proc/PID` (an empty tmpfs, or
//! another process's entry bound over it), or with a hook that drops its PID from the `/proc`
//! listing (an `LD_PRELOAD` readdir hook, a kernel rootkit's `getdents` filter). Its sockets
//! then read as owned by nobody, which looks like a permission gap. Like unhide, this asks
//! views such hiding does not change: the mount table, a private procfs instance no mount
//! covers, the cgroup tree's `cgroup.procs`, and with `--deep` a signal-0 probe of every PID;
//! and it lists `/proc` twice, with the raw `getdents64` system call and with libc's
//! `readdir`, so a readdir hook preloaded into processes shows as the difference.
//! Whatever disagrees is looked at again after a pause (processes start and exit all the
//! time); what still disagrees is hidden, and is read through a view that shows it.
//!
//! A process whose fd table is unreadable even to root (a sandbox's init) is listed and not
//! covered: it stays a coverage gap, not a hidden process.

pub mod facts;
pub mod views;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use super::mountinfo;
use crate::model::{HiddenFromProc, Process};
use views::PrivateProc;

/// How long the re-check waits before reading the views again.
pub const RECHECK_PAUSE: Duration = Duration::from_millis(250);

/// More PIDs than this missing from the listing alone is a view mismatch (a `/proc` of
/// another PID namespace), not a rootkit hiding a few processes: noted, not reported one by
/// one.
const MAX_UNLISTED: usize = 64;

/// A hidden process and what could be read about it.
#[derive(Debug, Clone)]
pub struct HiddenOwner {
    /// Its PID.
    pub pid: u32,
    /// How it is hidden, and what shows it.
    pub how: HiddenFromProc,
    /// Its facts, when a view shows them.
    pub process: Option<Process>,
    /// (socket inode, fd) of the sockets it holds.
    pub sockets: Vec<(u64, u32)>,
}

/// What the check found.
#[derive(Debug, Clone, Default)]
pub struct Unhide {
    /// Hidden processes, by PID.
    pub hidden: Vec<HiddenOwner>,
    /// PIDs whose `/proc/PID` is covered by a mount: what the fd walk read there is not theirs.
    pub masked: BTreeSet<u32>,
    /// Disagreements found at first (those gone at the re-check were races).
    pub candidates: usize,
    /// The views compared.
    pub views: Vec<&'static str>,
    /// What limited the check, for the coverage notes.
    pub notes: Vec<String>,
    /// How long it took, milliseconds.
    pub millis: u64,
}

/// Compares the `/proc` listing the fd walk used (`listed`) with the other views; with
/// `probe_all`, also probes every PID up to `pid_max` (about 130 ns each: 4 ms at the
/// default 32768, 0.5 s at 4194304).
pub fn find(listed: &BTreeSet<u32>, probe_all: bool) -> Unhide {
    let started = Instant::now();
    let mut out = Unhide {
        views: vec!["mountinfo"],
        ..Unhide::default()
    };
    let mounts = mountinfo::read();
    let private = match PrivateProc::open() {
        Ok(private) => {
            out.views.push("private-procfs");
            Some(private)
        }
        Err(err) => {
            out.notes.push(format!(
                "hidden-process check: no private procfs ({err}); processes hidden by a mount over /proc/PID are read through pidfd_getfd only"
            ));
            None
        }
    };
    // What the fd walk read under these PIDs is whatever was mounted there, not theirs.
    out.masked = mountinfo::masked_pids(&mounts).into_keys().collect();
    let mut seen: BTreeMap<u32, BTreeSet<&'static str>> = BTreeMap::new();
    for pid in &out.masked {
        seen.entry(*pid).or_default();
    }
    if let Ok(libc) = views::libc_pids() {
        out.views.push("libc-readdir");
        for pid in listed.difference(&libc) {
            seen.entry(*pid).or_default();
        }
    }
    if let Some(pids) = private.as_ref().and_then(|p| p.pids().ok()) {
        for pid in pids.difference(listed) {
            seen.entry(*pid).or_default().insert("private-procfs");
        }
    }
    if let Some(root) = mountinfo::cgroup_root(&mounts) {
        out.views.push("cgroup.procs");
        for pid in views::cgroup_pids(&root).0.difference(listed) {
            seen.entry(*pid).or_default().insert("cgroup.procs");
        }
    }
    if probe_all && let Some(max) = views::pid_max() {
        out.views.push("kill-probe");
        for pid in views::probe_unlisted(max, listed) {
            seen.entry(pid).or_default().insert("kill-probe");
        }
    }
    out.candidates = seen.len();
    // Most disagreements are processes (kernel workers too) that started or exited between
    // two reads: a fresh look drops them at once, so only what survives it costs the pause.
    let first = if seen.is_empty() {
        Vec::new()
    } else {
        survivors(seen, private.as_ref())
    };
    if !first.is_empty() {
        std::thread::sleep(RECHECK_PAUSE);
        let again = first.into_iter().map(|c| (c.pid, c.seen_by)).collect();
        let confirmed = survivors(again, private.as_ref());
        describe(&mut out, confirmed, private.as_ref());
    }
    out.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    out
}

/// The candidates a fresh read of every view still shows as hidden: alive processes still
/// covered by a mount, still unlisted, or still dropped by libc's readdir.
fn survivors(
    seen: BTreeMap<u32, BTreeSet<&'static str>>,
    private: Option<&PrivateProc>,
) -> Vec<Candidate> {
    let masked = mountinfo::masked_pids(&mountinfo::read());
    let relisted = views::list_pids(Path::new("/proc")).unwrap_or_default();
    let private_pids = private.and_then(|p| p.pids().ok()).unwrap_or_default();
    // Dropped by libc's readdir but listed by getdents64: a hook in this very process.
    let libc = views::libc_pids().ok();
    let preloads = views::preloads();
    let mut hidden = Vec::new();
    for (pid, mut seen_by) in seen {
        let mount = masked.get(&pid);
        let unlisted = !relisted.contains(&pid);
        let hooked = !unlisted && libc.as_ref().is_some_and(|l| !l.contains(&pid));
        if (mount.is_none() && !unlisted && !hooked)
            || !views::alive(pid)
            || !views::is_process(pid)
        {
            continue;
        }
        if private_pids.contains(&pid) {
            seen_by.insert("private-procfs");
        }
        if hooked {
            seen_by.insert("getdents64");
        }
        let hook = hooked.then(|| {
            if preloads.is_empty() {
                "not set by LD_PRELOAD or /etc/ld.so.preload".to_string()
            } else {
                preloads.join(", ")
            }
        });
        hidden.push(Candidate {
            pid,
            mount: mount.map(mountinfo::Mount::describe),
            unlisted,
            hook,
            seen_by,
        });
    }
    hidden
}

/// Reports the confirmed hidden processes, read through the best view that shows them.
fn describe(out: &mut Unhide, mut hidden: Vec<Candidate>, private: Option<&PrivateProc>) {
    let unlisted_only = hidden
        .iter()
        .filter(|h| h.mount.is_none() && h.hook.is_none())
        .count();
    if unlisted_only > MAX_UNLISTED {
        out.notes.push(format!(
            "hidden-process check: {unlisted_only} PIDs are missing from the /proc listing but shown by other views: /proc is probably mounted from another PID namespace, so they are not reported one by one"
        ));
        hidden.retain(|h| h.mount.is_some() || h.hook.is_some());
    }
    for c in hidden {
        let (process, sockets, read_via) = read(c.pid, c.mount.is_some(), private);
        out.hidden.push(HiddenOwner {
            pid: c.pid,
            how: HiddenFromProc {
                mount: c.mount,
                unlisted: c.unlisted,
                readdir_hook: c.hook,
                seen_by: c.seen_by.into_iter().map(str::to_string).collect(),
                read_via: read_via.to_string(),
            },
            process,
            sockets,
        });
    }
}

/// A disagreement that survived the re-check.
struct Candidate {
    pid: u32,
    mount: Option<String>,
    unlisted: bool,
    hook: Option<String>,
    seen_by: BTreeSet<&'static str>,
}

/// Facts and sockets through the private procfs, else `/proc` when no mount covers the PID
/// (only the listing hides it), else the fds one by one.
fn read(
    pid: u32,
    covered: bool,
    private: Option<&PrivateProc>,
) -> (Option<Process>, Vec<(u64, u32)>, &'static str) {
    let roots = [
        private.map(|p| (p.root(), "private-procfs")),
        (!covered).then(|| (Path::new("/proc").to_path_buf(), "proc")),
    ];
    for (root, via) in roots.into_iter().flatten() {
        if let Some(sockets) = facts::sockets(&root, pid) {
            return (facts::process(&root, pid), sockets, via);
        }
    }
    match facts::sockets_by_pidfd(pid) {
        Some(sockets) => (None, sockets, "pidfd"),
        None => (None, Vec::new(), "none"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_hidden_here_and_our_process_is_in_the_cgroup_tree() -> std::io::Result<()> {
        let listed = views::list_pids(Path::new("/proc"))?;
        if let Some(root) = mountinfo::cgroup_root(&mountinfo::read()) {
            let (pids, dirs) = views::cgroup_pids(&root);
            assert!(dirs >= 1);
            assert!(pids.contains(&std::process::id()), "{root:?}");
        }
        let found = find(&listed, true);
        // Processes that started after the listing are re-listed at the re-check.
        assert!(found.hidden.is_empty(), "{:?}", found.hidden);
        assert!(found.views.contains(&"mountinfo") && found.views.contains(&"kill-probe"));
        Ok(())
    }
}
