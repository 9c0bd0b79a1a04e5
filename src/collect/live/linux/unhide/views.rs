//! The views of the process list that a `/proc` mount or a readdir hook does not change: a
//! private procfs instance, the cgroup tree's `cgroup.procs` files, and (`--deep`) a signal-0
//! probe of every PID.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{Dir, Mode, OFlags, openat};
use rustix::mount::{FsMountFlags, FsOpenFlags, MountAttrFlags, fsconfig_create, fsmount, fsopen};
use rustix::process::{Pid, PidfdFlags, pidfd_open, test_kill_process};

use super::super::fds::parse_u32;

/// A procfs instance of our own, mounted nowhere (`fsopen` + `fsmount`, Linux >= 5.2, needs
/// CAP_SYS_ADMIN): no mount in any namespace covers its `PID` directories, and it goes away
/// with the fd. Reached through the `/proc/self/fd/N` magic link so path-based readers work.
pub struct PrivateProc {
    mount: OwnedFd,
}

impl PrivateProc {
    /// Creates it.
    pub fn open() -> io::Result<PrivateProc> {
        let context = fsopen("proc", FsOpenFlags::FSOPEN_CLOEXEC)?;
        fsconfig_create(&context)?;
        let mount = fsmount(
            &context,
            FsMountFlags::FSMOUNT_CLOEXEC,
            MountAttrFlags::MOUNT_ATTR_RDONLY
                | MountAttrFlags::MOUNT_ATTR_NOSUID
                | MountAttrFlags::MOUNT_ATTR_NODEV
                | MountAttrFlags::MOUNT_ATTR_NOEXEC,
        )?;
        Ok(PrivateProc { mount })
    }

    /// A path to its root.
    pub fn root(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.mount.as_raw_fd()))
    }

    /// The PIDs its listing shows.
    pub fn pids(&self) -> io::Result<BTreeSet<u32>> {
        list_pids(&self.root())
    }
}

/// The numeric entries of a procfs root, read with the raw `getdents64` syscall (rustix), so
/// a readdir hook preloaded into this process does not filter them.
pub fn list_pids(root: &Path) -> io::Result<BTreeSet<u32>> {
    let dir = openat(
        rustix::fs::CWD,
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut entries = Dir::new(dir)?;
    let mut pids = BTreeSet::new();
    while let Some(entry) = entries.read() {
        if let Some(pid) = parse_u32(entry?.file_name().to_bytes()) {
            pids.insert(pid);
        }
    }
    Ok(pids)
}

/// The numeric entries of `/proc` as libc's `readdir` gives them to this process: what `ps`,
/// `ls` and every dynamically linked tool see. A readdir hook preloaded into this process
/// (`LD_PRELOAD`, `/etc/ld.so.preload`) filters this listing and not [`list_pids`].
pub fn libc_pids() -> io::Result<BTreeSet<u32>> {
    let mut pids = BTreeSet::new();
    for entry in std::fs::read_dir("/proc")? {
        if let Some(pid) = parse_u32(entry?.file_name().as_encoded_bytes()) {
            pids.insert(pid);
        }
    }
    Ok(pids)
}

/// What preloads libraries into this process: `LD_PRELOAD` and `/etc/ld.so.preload`.
pub fn preloads() -> Vec<String> {
    let mut found = Vec::new();
    if let Some(env) = std::env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
        found.push(format!("LD_PRELOAD={}", env.to_string_lossy()));
    }
    if let Ok(text) = std::fs::read_to_string("/etc/ld.so.preload")
        && !text.trim().is_empty()
    {
        found.push(format!(
            "/etc/ld.so.preload: {}",
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    found
}

/// Directories of the cgroup tree read at most, so a host with a huge tree costs bounded time.
const MAX_CGROUPS: usize = 20_000;

/// Every PID the `cgroup.procs` files under `root` list (0 is a process outside our PID
/// namespace, skipped), and how many directories were read.
pub fn cgroup_pids(root: &Path) -> (BTreeSet<u32>, usize) {
    let mut pids = BTreeSet::new();
    let mut pending = vec![root.to_path_buf()];
    let mut read = 0;
    while let Some(dir) = pending.pop() {
        if read >= MAX_CGROUPS {
            break;
        }
        read += 1;
        if let Ok(text) = std::fs::read_to_string(dir.join("cgroup.procs")) {
            pids.extend(
                text.lines()
                    .filter_map(|l| l.parse::<u32>().ok())
                    .filter(|p| *p != 0),
            );
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(entry.path());
            }
        }
    }
    (pids, read)
}

/// The highest PID the kernel hands out (`/proc/sys/kernel/pid_max`).
pub fn pid_max() -> Option<u32> {
    std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// PIDs in `1..=max` that are not in `listed` but answer signal 0 (`kill(pid, 0)`: no signal
/// is sent) and are a process, not another thread of one (`pidfd_open` refuses those).
pub fn probe_unlisted(max: u32, listed: &BTreeSet<u32>) -> BTreeSet<u32> {
    (1..=max)
        .filter(|pid| !listed.contains(pid))
        .filter(|&pid| alive(pid) && is_process(pid))
        .collect()
}

/// Whether `pid` exists: signal 0 succeeds, or is refused (EPERM) for a process we may not
/// signal.
pub fn alive(pid: u32) -> bool {
    let Some(pid) = to_pid(pid) else {
        return false;
    };
    match test_kill_process(pid) {
        Ok(()) => true,
        Err(err) => err == rustix::io::Errno::PERM,
    }
}

/// Whether `pid` is a thread-group leader (a process): `pidfd_open` refuses other threads.
pub fn is_process(pid: u32) -> bool {
    to_pid(pid).is_some_and(|pid| pidfd_open(pid, PidfdFlags::empty()).is_ok())
}

fn to_pid(pid: u32) -> Option<Pid> {
    i32::try_from(pid).ok().and_then(Pid::from_raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_sees_this_process() -> io::Result<()> {
        let me = std::process::id();
        let listed = list_pids(Path::new("/proc"))?;
        assert!(listed.contains(&me));
        assert!(alive(me) && is_process(me));
        // A thread of ours answers signal 0 but is no process.
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let _ = tx.send(rustix::thread::gettid().as_raw_nonzero().get());
            std::thread::sleep(std::time::Duration::from_millis(200));
        });
        let tid = u32::try_from(rx.recv().map_err(io::Error::other)?).map_err(io::Error::other)?;
        assert!(alive(tid));
        assert!(!is_process(tid));
        assert!(!listed.contains(&tid));
        // The probe finds nothing beyond the listing, threads included (they are not listed
        // but are no processes), except processes started meanwhile.
        let unlisted = probe_unlisted(pid_max().unwrap_or(32768).min(1 << 16), &listed);
        assert!(!unlisted.contains(&tid));
        let _ = thread.join();
        Ok(())
    }

    #[test]
    fn a_private_procfs_lists_what_proc_lists_when_root() {
        // Creating one needs CAP_SYS_ADMIN; without it there is nothing to compare.
        let Ok(private) = PrivateProc::open() else {
            return;
        };
        let me = std::process::id();
        let pids = private.pids().unwrap_or_default();
        assert!(pids.contains(&me));
        assert!(private.root().join(me.to_string()).join("fd").is_dir());
    }
}
