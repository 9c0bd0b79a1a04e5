//! `--deep` across namespaces: every namespace's views handed to the hidden-socket check,
//! re-read after the pause, and the port probe of our own namespace.

use super::fds::FdWalk;
use super::hidden::{self, CheckInput, NsViews};
use super::namespace::{NsRead, read_here, read_other};
use super::netns::Found;
use super::probe;
use crate::collect::live::LiveOptions;
use crate::model::deep::{DeepCheck, HiddenSocket, PortProbe, View};
use crate::model::{Protocol, ReadVia, Socket, namespace::HOST};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

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
pub(super) fn deep_check(
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
