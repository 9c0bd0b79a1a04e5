//! The live Linux collection: every network namespace's socket table, with owners from one
//! `/proc` walk.
//!
//! Our own namespace is dumped on the calling thread while the fd walk runs beside it (which
//! also reads every process's namespace link); then each other namespace is read from a thread
//! that entered it, or from its `/proc/PID/net` tables when it cannot be entered. Socket inodes
//! are unique machine-wide, so one walk attributes the sockets of every namespace.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::attribute::attribute;
use super::cgroup;
use super::deep::deep_check;
use super::fds::{self, FdWalk, WalkOptions};
use super::namespace::{NsRead, read_here, read_other};
use super::netns::{self, Found};
use crate::collect::CollectError;
use crate::collect::live::LiveOptions;
use crate::collect::live::sockets::PlatformSockets;
use crate::model::{Attribution, Container, Coverage, NetNamespace, ReadVia, namespace::HOST};

/// Every socket of the namespaces `options` asks for, with owners.
pub(crate) fn sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
    let euid = rustix::process::geteuid().as_raw();
    let all = options.namespaces.all(euid == 0);
    let walk_options = WalkOptions {
        // The hidden-socket check compares against the sockets processes hold.
        fds: options.attribute || options.deep,
        netns: all || options.deep,
        kernel_threads: options.kernel_thread_names,
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = std::time::Instant::now();
    let (own, walk) = std::thread::scope(|scope| {
        let walker = (walk_options.fds || walk_options.netns).then(|| {
            scope.spawn(move || {
                let walk = fds::walk(Path::new("/proc"), threads, walk_options);
                tracing::debug!("fd walk: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
                walk
            })
        });
        let own = read_here(Path::new("/proc/self/net"), options.deep, options.traffic);
        tracing::debug!(
            "netlink dump: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        (own, walker.map(|h| h.join()))
    });
    let own = own?;
    let mut coverage = Coverage {
        privileged: Some(euid == 0),
        ..Coverage::default()
    };
    coverage.notes.extend(own.note.clone());
    let mut walk = match walk {
        None => None,
        Some(Ok(Ok(walk))) => Some(walk),
        Some(Ok(Err(err))) => {
            tracing::warn!("cannot read /proc ({err}); no socket can be attributed to a process");
            coverage.notes.push(format!("/proc unreadable: {err}"));
            Some(FdWalk {
                denied: 1,
                ..FdWalk::default()
            })
        }
        Some(Err(_)) => {
            return Err(CollectError::Internal(
                "the /proc walk thread failed".to_string(),
            ));
        }
    };

    // As root, owners hidden from /proc are looked for before anything uses the walk.
    let hidden_processes = match walk.as_mut() {
        Some(walk) if euid == 0 && options.attribute => unhide(walk, options.deep, &mut coverage),
        _ => Vec::new(),
    };

    let own_inode = netns::own();
    // PID 1's namespace is the host's; when its link is unreadable (not root, or a sandbox's
    // init that hides itself even from root), the one we run in stands for it.
    let host_inode = netns::host().or(own_inode);
    let mut found = match (&walk, all) {
        (Some(walk), true) => netns::discover(&walk.netns, Path::new(netns::RUN_NETNS)),
        _ => BTreeMap::new(),
    };
    // Our own namespace is always described, with its names, even when others are not read.
    if let Some(own) = own_inode {
        let entry = found.entry(own).or_insert_with(|| Found {
            inode: own,
            ..Found::default()
        });
        if entry.names.is_empty() {
            entry.names = netns::names(Path::new(netns::RUN_NETNS))
                .into_iter()
                .filter(|(_, inode)| *inode == own)
                .map(|(name, _)| name)
                .collect();
        }
    }
    let containers: BTreeMap<u64, Container> = found
        .values()
        .filter(|f| Some(f.inode) != host_inode)
        .filter_map(|f| {
            let pid = f.pids.first()?;
            let (container, _) = cgroup::classify(&cgroup::read(*pid)?);
            Some((f.inode, container?))
        })
        .collect();
    let labels = labels(&found, host_inode, &containers);

    let mut groups: Vec<(Option<u64>, NsRead)> = vec![(own_inode, own)];
    let mut namespaces = Vec::new();
    for f in found.values() {
        let own = Some(f.inode) == own_inode;
        let (read_via, error) = if own {
            (Some(ReadVia::Netlink), None)
        } else {
            let started = std::time::Instant::now();
            let read = read_other(f, options.deep, options.traffic);
            tracing::debug!(
                "netns {}: {} sockets in {:.1} ms",
                labels.get(&f.inode).map_or("?", String::as_str),
                read.sockets.len(),
                started.elapsed().as_secs_f64() * 1e3
            );
            let result = (read.via, read.error.clone());
            groups.push((Some(f.inode), read));
            result
        };
        if let Some(error) = &error {
            tracing::warn!(
                "network namespace {}: {error}",
                labels.get(&f.inode).map_or("?", String::as_str)
            );
        }
        namespaces.push(NetNamespace {
            label: labels.get(&f.inode).cloned().unwrap_or_default(),
            inode: f.inode,
            own,
            names: f.names.clone(),
            container: containers.get(&f.inode).cloned(),
            processes: f.pids.len(),
            read_via,
            error,
        });
    }
    namespaces.sort_by(|a, b| (a.label != HOST, &a.label).cmp(&(b.label != HOST, &b.label)));
    note_namespace_gaps(options, euid, walk.as_ref(), &namespaces, &mut coverage);

    let label_of = |inode: Option<u64>| inode.and_then(|i| labels.get(&i)).cloned();
    let mut deep = match (&walk, options.deep) {
        (Some(walk), true) => Some(deep_check(
            options,
            walk,
            &mut groups,
            &found,
            own_inode,
            &label_of,
        )),
        _ => None,
    };

    let inet: HashSet<u64> = groups
        .iter()
        .flat_map(|(_, g)| g.sockets.iter().filter_map(|s| s.inode))
        .collect();
    let mut stdio = Vec::new();
    if let Some(walk) = &walk {
        if options.attribute {
            coverage.unreadable_processes = walk.denied;
            if let Some(err) = &walk.first_error {
                tracing::warn!(
                    "could not read the fd tables of {} process(es) ({err}); their sockets are counted as unattributed",
                    walk.other_errors
                );
                coverage.notes.push(format!(
                    "{} process(es) unreadable for another reason: {err}",
                    walk.other_errors
                ));
            }
            // Only TCP/UDP sockets count: services' stdio is often a journald unix socket.
            stdio = walk
                .stdio
                .iter()
                .filter(|(_, _, inode)| inet.contains(inode))
                .map(|&(pid, fd, _)| (pid, fd))
                .collect();
            stdio.sort_unstable();
        }
    } else {
        coverage
            .notes
            .push("process attribution skipped: nothing asked for it".to_string());
    }

    let mut sockets = Vec::with_capacity(groups.iter().map(|(_, g)| g.sockets.len()).sum());
    let mut raw_sockets = Vec::new();
    let raw_read_here = super::rawsock::note_gaps(
        groups
            .iter()
            .map(|(i, g)| (i.and_then(|i| labels.get(&i)), &g.raw)),
        &mut coverage,
    );
    for (inode, mut read) in groups {
        let mut group = read.sockets;
        if let Some(walk) = walk.as_ref().filter(|_| options.attribute) {
            let inodes: Vec<u64> = group.iter().map(|s| s.inode.unwrap_or(0)).collect();
            // Request sockets find their listener within their own namespace only.
            attribute(&mut group, &inodes, walk, euid);
        }
        let label: Option<Arc<str>> = inode
            .and_then(|i| labels.get(&i))
            .map(|l| Arc::from(l.as_str()));
        for socket in &mut group {
            socket.netns.clone_from(&label);
        }
        sockets.append(&mut group);
        let walk = walk.as_ref().filter(|_| options.attribute);
        super::rawsock::attribute(&mut read.raw.sockets, walk, label.as_deref());
        raw_sockets.append(&mut read.raw.sockets);
    }
    if raw_read_here {
        coverage.collected.push(crate::model::Fact::RawSockets);
    }
    let (stdio_peers, extra_pids) = match walk.as_ref().filter(|_| options.attribute) {
        Some(walk) => {
            let net_owners: std::collections::BTreeSet<u32> = sockets
                .iter()
                .flat_map(|s| s.pids.iter().copied())
                .collect();
            let names = options.stdio_peer_names.clone().unwrap_or_else(|| {
                crate::collect::live::SHELL_LIKE
                    .iter()
                    .map(|s| (*s).to_string())
                    .collect()
            });
            let peers = super::relay::stdio_peers(walk, &net_owners, &names);
            let mut extra: Vec<u32> = peers.keys().copied().collect();
            extra.extend(&walk.kernel_thread_lookalikes);
            (peers, extra)
        }
        None => Default::default(),
    };
    // The check's own copies of what it found get their owners too.
    if let (Some(deep), Some(walk)) = (deep.as_mut(), walk.as_ref()) {
        for socket in deep.hidden.iter_mut().map(|h| &mut h.socket) {
            if let Some(inode) = socket.inode.filter(|i| *i != 0) {
                socket.pids = walk.pids_of(inode);
                socket.attribution = (!socket.pids.is_empty()).then_some(Attribution::Fd);
            }
        }
    }
    let mut extra_pids = extra_pids;
    extra_pids.extend(raw_sockets.iter().flat_map(|s| s.pids.iter().copied()));
    Ok(PlatformSockets {
        sockets,
        coverage,
        stdio,
        stdio_peers,
        extra_pids,
        namespaces,
        deep,
        hidden_processes,
        raw_sockets,
    })
}

/// Runs the hidden-process check, puts what hidden processes hold into the walk in place of
/// what was read under their covered `/proc/PID`, and returns their facts.
fn unhide(
    walk: &mut FdWalk,
    probe_all: bool,
    coverage: &mut Coverage,
) -> Vec<crate::model::Process> {
    let listed = walk.listed.iter().copied().collect();
    let found = super::unhide::find(&listed, probe_all);
    tracing::debug!(
        "hidden-process check ({}): {} candidate(s), {} hidden, {} ms",
        found.views.join(", "),
        found.candidates,
        found.hidden.len(),
        found.millis
    );
    coverage.notes.extend(found.notes);
    coverage.hidden_process_check = Some(crate::model::HiddenProcessCheck {
        views: found.views.iter().map(|v| (*v).to_string()).collect(),
        candidates: found.candidates,
        hidden: found.hidden.len(),
        millis: found.millis,
    });
    walk.forget(&found.masked);
    let mut processes = Vec::new();
    for owner in found.hidden {
        walk.add_sockets(owner.pid, &owner.sockets);
        tracing::warn!(
            "process {} is hidden from /proc: {}",
            owner.pid,
            owner.how.describe(owner.pid)
        );
        let mut process = owner
            .process
            .unwrap_or_else(|| crate::model::Process::unknown(owner.pid));
        process.hidden = Some(owner.how);
        processes.push(process);
    }
    processes
}

/// Coverage notes about namespaces that were not read.
fn note_namespace_gaps(
    options: &LiveOptions,
    euid: u32,
    walk: Option<&FdWalk>,
    namespaces: &[NetNamespace],
    coverage: &mut Coverage,
) {
    use crate::collect::live::Namespaces;
    let all = options.namespaces.all(euid == 0);
    if !all {
        // Not root, the command says so on stderr too (crate::collect::live::NOT_ROOT_NAMESPACES,
        // folded into its other not-root warning); asked for, it is only a detail.
        coverage.notes.push(match options.namespaces {
            Namespaces::Own => "only this network namespace was read (--no-all-namespaces): sockets of containers and other namespaces are not shown".to_string(),
            _ => crate::collect::live::NOT_ROOT_NAMESPACES.to_string(),
        });
        return;
    }
    if let Some(denied) = walk.map(|w| w.netns_denied).filter(|n| *n > 0) {
        let why = if euid == 0 {
            "not readable even as root"
        } else {
            "not root"
        };
        // In the notes only: these are mostly the processes whose fd tables were unreadable
        // too, already warned about as one attribution gap.
        coverage.notes.push(format!(
            "the network namespace of {denied} process(es) could not be read ({why}): namespaces only they live in are missing"
        ));
    }
    let unread = namespaces.iter().filter(|n| n.read_via.is_none()).count();
    if unread > 0 {
        let note = format!(
            "{unread} network namespace(s) could not be read (see `namespaces` in the JSON for why)"
        );
        tracing::warn!("{note}");
        coverage.notes.push(note);
    }
}

/// A unique label for each namespace: `host` (PID 1's), its `ip netns` name, its container
/// (`docker:0123456789ab`), or `net:[INODE]`.
pub fn labels(
    found: &BTreeMap<u64, Found>,
    host: Option<u64>,
    containers: &BTreeMap<u64, Container>,
) -> BTreeMap<u64, String> {
    let mut used: HashSet<String> = HashSet::new();
    let mut labels = BTreeMap::new();
    for f in found.values() {
        let preferred = if Some(f.inode) == host {
            Some(HOST.to_string())
        } else if let Some(name) = f.names.first() {
            Some(name.clone())
        } else {
            containers.get(&f.inode).map(Container::short)
        };
        let label = preferred
            .filter(|l| !used.contains(l) && (l != HOST || Some(f.inode) == host))
            .unwrap_or_else(|| format!("net:[{}]", f.inode));
        used.insert(label.clone());
        labels.insert(f.inode, label);
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(inode: u64, names: &[&str]) -> Found {
        Found {
            inode,
            pids: vec![inode as u32],
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn labels_prefer_host_then_names_then_containers() {
        let mut spaces = BTreeMap::new();
        for f in [
            found(1, &[]),
            found(2, &["blue"]),
            found(3, &[]),
            found(4, &[]),
            found(5, &["host"]),
        ] {
            spaces.insert(f.inode, f);
        }
        let mut containers = BTreeMap::new();
        let id = "4f3b1c0e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b";
        containers.insert(
            3,
            Container {
                runtime: "docker".to_string(),
                id: id.to_string(),
                pod: None,
            },
        );
        let labels = labels(&spaces, Some(1), &containers);
        assert_eq!(labels[&1], "host");
        assert_eq!(labels[&2], "blue");
        assert_eq!(labels[&3], "docker:4f3b1c0e9a8d");
        assert_eq!(labels[&4], "net:[4]");
        // A namespace someone named "host" is not mistaken for the host's.
        assert_eq!(labels[&5], "net:[5]");
    }
}
