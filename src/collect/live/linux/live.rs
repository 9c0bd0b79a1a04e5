//! The live Linux collection: every network namespace's socket table, with owners from one
//! `/proc` walk.
//!
//! Our own namespace is dumped on the calling thread while the fd walk runs beside it (which
//! also reads every process's namespace link); then each other namespace is read from a thread
//! that entered it, or from its `/proc/PID/net` tables when it cannot be entered. Socket inodes
//! are unique machine-wide, so one walk attributes the sockets of every namespace.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::attribute::attribute;
use super::fds::{self, FdWalk, WalkOptions};
use super::hidden::{self, CheckInput, NsViews};
use super::netns::{self, Found};
use super::proctables::Row;
use super::{cgroup, diag, probe, proctables, udp};
use crate::collect::CollectError;
use crate::collect::live::LiveOptions;
use crate::collect::live::sockets::{PlatformSockets, dump};
use crate::model::deep::{DeepCheck, HiddenSocket, PortProbe, View};
use crate::model::{
    Attribution, Container, Coverage, ListenFacts, NetNamespace, Protocol, ReadVia, Socket,
    TcpState, namespace::HOST,
};

/// Where `ip netns add` mounts named namespaces.
const RUN_NETNS: &str = "/run/netns";

/// Every socket of the namespaces `options` asks for, with owners.
pub(crate) fn sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
    let euid = rustix::process::geteuid().as_raw();
    let all = options.namespaces.all(euid == 0);
    let walk_options = WalkOptions {
        // The hidden-socket check compares against the sockets processes hold.
        fds: options.attribute || options.deep,
        netns: all || options.deep,
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
    let walk = match walk {
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

    let own_inode = netns::own();
    // PID 1's namespace is the host's; when its link is unreadable (not root, or a sandbox's
    // init that hides itself even from root), the one we run in stands for it.
    let host_inode = netns::host().or(own_inode);
    let mut found = match (&walk, all) {
        (Some(walk), true) => netns::discover(&walk.netns, Path::new(RUN_NETNS)),
        _ => BTreeMap::new(),
    };
    // Our own namespace is always described, with its names, even when others are not read.
    if let Some(own) = own_inode {
        let entry = found.entry(own).or_insert_with(|| Found {
            inode: own,
            ..Found::default()
        });
        if entry.names.is_empty() {
            entry.names = netns::names(Path::new(RUN_NETNS))
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
    for (inode, read) in groups {
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
    }
    // The check's own copies of what it found get their owners too.
    if let (Some(deep), Some(walk)) = (deep.as_mut(), walk.as_ref()) {
        for socket in deep.hidden.iter_mut().map(|h| &mut h.socket) {
            if let Some(inode) = socket.inode.filter(|i| *i != 0) {
                socket.pids = walk.pids_of(inode);
                socket.attribution = (!socket.pids.is_empty()).then_some(Attribution::Fd);
            }
        }
    }
    Ok(PlatformSockets {
        sockets,
        coverage,
        stdio,
        namespaces,
        deep,
    })
}

/// What was read of one namespace.
struct NsRead {
    /// Its sockets (netlink, or `/proc` when it could not be entered).
    sockets: Vec<Socket>,
    /// Its `/proc/net` rows, for the hidden-socket check (`deep` only).
    proc: Option<Vec<Row>>,
    /// How its sockets were read; `None` when they could not be.
    via: Option<ReadVia>,
    /// Why it could not be read as asked.
    error: Option<String>,
    /// A lesser gap (no queue sizes).
    note: Option<String>,
}

/// The calling thread's namespace: the netlink dump (with per-connection counters when
/// `traffic`), connected UDP peers from `net_dir`, listener queues, and with `deep` the
/// `/proc/net` tables as a second view. A failing queue dump only costs the queue sizes (a
/// note).
fn read_here(net_dir: &Path, deep: bool, traffic: bool) -> Result<NsRead, CollectError> {
    let mut sockets = dump(traffic)?;
    // Read right after the dump, so the two views are as close in time as they can be.
    let proc = deep.then(|| proctables::read_all(net_dir));
    if sockets.iter().any(|s| s.proto == Protocol::Udp) {
        let udp_peers = udp::connected_peers(net_dir);
        for socket in sockets.iter_mut().filter(|s| s.proto == Protocol::Udp) {
            if let Some(&(addr, port)) = socket.inode.and_then(|i| udp_peers.get(&i)) {
                socket.remote_addr = Some(addr);
                socket.remote_port = Some(port);
            }
        }
    }
    let mut note = match diag::listen_queues() {
        Ok(queues) => {
            for socket in sockets
                .iter_mut()
                .filter(|s| s.state == Some(TcpState::Listen))
            {
                let inode = socket.inode.unwrap_or(0);
                if let Ok(i) = queues.binary_search_by_key(&inode, |(i, ..)| *i) {
                    let (_, queue, backlog) = queues[i];
                    socket.listen = Some(Box::new(ListenFacts {
                        accept_queue: Some(queue),
                        backlog: Some(backlog),
                        forwards_to: None,
                    }));
                }
            }
            None
        }
        Err(err) => Some(format!("listener queue sizes unavailable: {err}")),
    };
    let proc = match proc {
        Some(Ok(rows)) => Some(rows),
        Some(Err(err)) => {
            note = Some(format!("{}: {err}", net_dir.display()));
            None
        }
        None => None,
    };
    Ok(NsRead {
        sockets,
        proc,
        via: Some(ReadVia::Netlink),
        error: None,
        note,
    })
}

/// Another namespace, entered from a thread; else its `/proc/PID/net` tables (which carry
/// no traffic counters).
fn read_other(found: &Found, deep: bool, traffic: bool) -> NsRead {
    let entered = found.handle(Path::new(RUN_NETNS)).map(|handle| {
        netns::within(&handle, || {
            read_here(Path::new("/proc/thread-self/net"), deep, traffic)
        })
    });
    let why = match entered {
        Some(Ok(Ok(read))) => return read,
        Some(Ok(Err(e))) => e.to_string(),
        Some(Err(e)) => e.to_string(),
        None => "no process or name refers to it".to_string(),
    };
    let failed = |error: String| NsRead {
        sockets: Vec::new(),
        proc: None,
        via: None,
        error: Some(error),
        note: None,
    };
    let Some(pid) = found.pids.first() else {
        return failed(why);
    };
    match proctables::read_all(Path::new(&format!("/proc/{pid}/net"))) {
        Ok(rows) => {
            let sockets = rows
                .iter()
                .map(|row| {
                    let mut socket = row.to_socket();
                    if socket.state == Some(TcpState::Listen) {
                        socket.listen = Some(Box::new(ListenFacts {
                            accept_queue: Some(row.rx_queue),
                            ..ListenFacts::default()
                        }));
                    }
                    socket
                })
                .collect();
            NsRead {
                sockets,
                proc: deep.then_some(rows),
                via: Some(ReadVia::Proc),
                error: Some(format!("{why}; read from /proc/{pid}/net instead")),
                note: None,
            }
        }
        Err(e) => failed(format!("{why}; /proc/{pid}/net: {e}")),
    }
}

/// The two table views of a namespace read, for the hidden-socket check (the netlink view only
/// when the namespace was dumped over netlink).
fn views_of(read: &NsRead, label: String) -> NsViews {
    NsViews {
        label,
        netlink: (read.via == Some(ReadVia::Netlink)).then(|| read.sockets.clone()),
        proc: read.proc.clone(),
    }
}

/// Runs the hidden-socket check (and the port probe) over what was read, and adds the
/// sockets the netlink dumps missed to their namespace's group.
fn deep_check(
    options: &LiveOptions,
    walk: &FdWalk,
    groups: &mut [(Option<u64>, NsRead)],
    found: &BTreeMap<u64, Found>,
    own_inode: Option<u64>,
    label_of: &dyn Fn(Option<u64>) -> Option<String>,
) -> DeepCheck {
    let started = std::time::Instant::now();
    // A namespace that was not read (not every namespace was asked for) has no label of its
    // own: its inode names it, so its processes' sockets are not compared with our tables.
    let label = |inode: Option<u64>| {
        label_of(inode).unwrap_or_else(|| inode.map_or(HOST.to_string(), |i| format!("net:[{i}]")))
    };
    let views: Vec<NsViews> = groups
        .iter()
        .map(|(inode, read)| views_of(read, label(*inode)))
        .collect();
    let netns_of_pid: HashMap<u32, String> = walk
        .netns
        .iter()
        .map(|&(pid, inode)| (pid, label(Some(inode))))
        .collect();
    // Not compared: namespaces whose two views were not both read, and those not read at all.
    let mut skipped: Vec<String> = views
        .iter()
        .filter(|v| v.netlink.is_none() || v.proc.is_none())
        .map(|v| v.label.clone())
        .chain(
            netns_of_pid
                .values()
                .filter(|l| !views.iter().any(|v| &v.label == *l))
                .cloned(),
        )
        .collect();
    skipped.sort();
    skipped.dedup();
    let reread = || {
        let mut again = Vec::new();
        if let Ok(read) = read_here(Path::new("/proc/self/net"), true, false) {
            again.push(views_of(&read, label(own_inode)));
        }
        for f in found.values().filter(|f| Some(f.inode) != own_inode) {
            again.push(views_of(&read_other(f, true, false), label(Some(f.inode))));
        }
        again
    };
    let input = CheckInput {
        views: &views,
        held: &walk.owners,
        netns_of_pid: &netns_of_pid,
        skipped,
    };
    let (mut check, extra) = hidden::run(input, hidden::RECHECK_PAUSE, reread);
    if options.probe_ports {
        let own_views: Vec<NsViews> = views
            .iter()
            .filter(|v| v.label == label(own_inode))
            .cloned()
            .collect();
        probe_ports(&own_views, walk, &label(own_inode), &mut check);
    }
    for socket in extra {
        let target = groups
            .iter_mut()
            .find(|(inode, _)| Some(label(*inode).as_str()) == socket.netns.as_deref());
        if let Some((_, read)) = target {
            read.sockets.push(socket);
        }
    }
    if walk.denied > 0 || walk.netns_denied > 0 {
        let why = if rustix::process::geteuid().is_root() {
            format!(
                "the fd tables of {} process(es) were not readable even as root: their sockets were not compared",
                walk.denied
            )
        } else {
            "not root: only this user's processes' fds and this namespace were compared; run as root for the whole machine".to_string()
        };
        tracing::warn!("hidden-socket check: {why}");
        check.limited = Some(why);
    }
    check.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    check
}

/// The port probe of our own namespace: ports in use that neither table nor a held socket
/// explains, probed again after the re-check pause.
fn probe_ports(own_views: &[NsViews], walk: &FdWalk, own_label: &str, check: &mut DeepCheck) {
    let explained = |views: &[NsViews]| {
        let mut ports: HashSet<(Protocol, u16)> = HashSet::new();
        for v in views {
            for s in v.netlink.iter().flatten() {
                ports.insert((s.proto, s.local_port));
            }
            for r in v.proc.iter().flatten() {
                ports.insert((r.proto, r.local.1));
            }
        }
        ports.extend(hidden::held_unlisted_ports(views, &walk.owners));
        ports
    };
    let mut stats = PortProbe::default();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let first = probe::probe_all(&explained(own_views), threads, &mut stats);
    let mut confirmed = Vec::new();
    if !first.is_empty() {
        std::thread::sleep(hidden::RECHECK_PAUSE);
        let again = match read_here(Path::new("/proc/self/net"), true, false) {
            Ok(read) => vec![views_of(&read, own_label.to_string())],
            Err(_) => own_views.to_vec(),
        };
        let ports: Vec<u16> = first.iter().map(|u| u.port).collect();
        let second = probe::probe(ports.iter().copied(), &explained(&again), &mut stats);
        confirmed = first
            .into_iter()
            .filter(|u| {
                second
                    .iter()
                    .any(|s| s.proto == u.proto && s.port == u.port)
            })
            .collect();
        check.candidates += ports.len();
    }
    for in_use in confirmed {
        let local_addr = if in_use.ipv4 {
            std::net::IpAddr::from([0, 0, 0, 0])
        } else {
            std::net::IpAddr::from([0u16; 8])
        };
        check.hidden.push(HiddenSocket {
            socket: Socket {
                netns: Some(Arc::from(own_label)),
                ..Socket::new(in_use.proto, local_addr, in_use.port)
            },
            seen_by: vec![View::Bind],
            missing_from: vec![View::Netlink, View::Proc, View::Fds],
            held_by: None,
        });
    }
    check.probe = Some(stats);
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
