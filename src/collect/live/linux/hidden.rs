//! The hidden-socket cross-check (`scan --deep`): the netlink dump, `/proc/net/{tcp,udp}*` and
//! the socket inodes processes hold must agree. What does not is looked at again after a short
//! pause (sockets open and close all the time), and only what still disagrees is reported.
//!
//! A held socket that no table lists is normal when it is not bound or not active yet (created
//! but not connected, bound but not listening, closed): the kernel lists only hashed sockets.
//! Those are told apart by duplicating the fd (`pidfd_getfd`, read-only use: `getsockname`,
//! `getpeername`, `SO_ACCEPTCONN`) and asking the socket itself.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use super::held::{Inspection, inspect, is_tcp_or_udp, socket_of, still_holds};
use super::proctables::Row;
use crate::model::deep::{DeepCheck, HiddenSocket, View};
use crate::model::{Protocol, Socket};

/// How long the re-check waits before reading every view again.
pub const RECHECK_PAUSE: Duration = Duration::from_millis(250);

/// The views of one namespace.
#[derive(Debug, Clone, Default)]
pub struct NsViews {
    /// Its label.
    pub label: String,
    /// The netlink dump's sockets; `None` when the namespace could not be dumped (read
    /// through `/proc` only), then nothing is compared in it.
    pub netlink: Option<Vec<Socket>>,
    /// Its `/proc/net` rows; `None` when unreadable.
    pub proc: Option<Vec<Row>>,
}

/// A disagreement between views.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Candidate {
    /// Dumped over netlink in a namespace, missing from its `/proc` tables.
    NetlinkOnly {
        /// Namespace label.
        ns: String,
        /// Socket inode.
        inode: u64,
    },
    /// In a namespace's `/proc` tables, missing from its netlink dump.
    ProcOnly {
        /// Namespace label.
        ns: String,
        /// Socket inode.
        inode: u64,
    },
    /// A TCP/UDP socket a process holds that no table of any namespace lists.
    FdsOnly {
        /// Socket inode.
        inode: u64,
        /// A holder.
        pid: u32,
        /// Its fd.
        fd: u32,
    },
}

/// Compares the views. `held` is every (inode, pid, fd) of the fd walk; `is_inet(pid, fd)`
/// says whether a held socket no table lists is TCP or UDP (others, e.g. unix sockets, are in
/// no inet table by nature).
pub fn compare(
    views: &[NsViews],
    held: &[(u64, u32, u32)],
    mut is_inet: impl FnMut(u32, u32) -> bool,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut listed: HashSet<u64> = HashSet::new();
    for view in views {
        let netlink: Option<BTreeSet<u64>> = view.netlink.as_ref().map(|s| {
            s.iter()
                .filter_map(|s| s.inode)
                .filter(|i| *i != 0)
                .collect()
        });
        let proc: Option<BTreeSet<u64>> = view
            .proc
            .as_ref()
            .map(|rows| rows.iter().map(|r| r.inode).filter(|i| *i != 0).collect());
        if let (Some(n), Some(p)) = (&netlink, &proc) {
            out.extend(n.difference(p).map(|&inode| Candidate::NetlinkOnly {
                ns: view.label.clone(),
                inode,
            }));
            out.extend(p.difference(n).map(|&inode| Candidate::ProcOnly {
                ns: view.label.clone(),
                inode,
            }));
        }
        listed.extend(netlink.into_iter().flatten());
        listed.extend(proc.into_iter().flatten());
    }
    let mut seen = HashSet::new();
    for &(inode, pid, fd) in held {
        if listed.contains(&inode) || !seen.insert(inode) {
            continue;
        }
        if is_inet(pid, fd) {
            out.push(Candidate::FdsOnly { inode, pid, fd });
        }
    }
    out.sort();
    out
}

/// The ports of held TCP/UDP sockets that no table lists (bound but inactive ones included):
/// what the port probe must not take for hidden.
pub fn held_unlisted_ports(
    views: &[NsViews],
    held: &[(u64, u32, u32)],
) -> HashSet<(Protocol, u16)> {
    compare(views, held, is_tcp_or_udp)
        .into_iter()
        .filter_map(|c| match c {
            Candidate::FdsOnly { pid, fd, .. } => match inspect(pid, fd) {
                Inspection::Inactive(proto, local)
                | Inspection::Bound(proto, local)
                | Inspection::Connected(proto, local, _) => Some((proto, local.port())),
                Inspection::Unbound | Inspection::Failed(_) => None,
            },
            _ => None,
        })
        .collect()
}

/// Inputs of one check.
pub struct CheckInput<'a> {
    /// The first reading of every namespace's views.
    pub views: &'a [NsViews],
    /// Every (inode, pid, fd) the fd walk saw.
    pub held: &'a [(u64, u32, u32)],
    /// The namespace label of each process (for fd-only sockets, and to skip processes whose
    /// namespace could not be read).
    pub netns_of_pid: &'a HashMap<u32, String>,
    /// Labels of namespaces whose views could not all be read.
    pub skipped: Vec<String>,
}

/// Runs the check: compare, wait, read again (`reread`), keep what still disagrees. Returns
/// the result and the sockets it found that the netlink dump does not list (to add to the
/// snapshot, with their namespace label).
pub fn run(
    input: CheckInput<'_>,
    pause: Duration,
    reread: impl FnOnce() -> Vec<NsViews>,
) -> (DeepCheck, Vec<Socket>) {
    let started = Instant::now();
    let mut check = DeepCheck {
        recheck_pause_ms: u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
        skipped_namespaces: input.skipped.clone(),
        ..DeepCheck::default()
    };
    let unread: HashSet<&str> = input.skipped.iter().map(String::as_str).collect();
    let first = compare(input.views, input.held, is_tcp_or_udp);
    check.candidates = first.len();
    let mut extra = Vec::new();
    if first.is_empty() {
        check.millis = elapsed_ms(started);
        return (check, extra);
    }
    // Held sockets that are not bound or not active are absent from the tables by design;
    // ask them before waiting, so only real candidates are re-checked.
    let mut inspections: BTreeMap<u64, Inspection> = BTreeMap::new();
    for c in &first {
        if let Candidate::FdsOnly { inode, pid, fd } = c {
            let pid_ns = input.netns_of_pid.get(pid).map(String::as_str);
            if pid_ns.is_some_and(|ns| unread.contains(ns)) {
                check.inconclusive += 1;
                continue;
            }
            match inspect(*pid, *fd) {
                Inspection::Unbound | Inspection::Inactive(..) => check.inactive_held += 1,
                Inspection::Failed(why) => {
                    tracing::debug!("cannot inspect fd {fd} of pid {pid}: {why}");
                    check.inconclusive += 1;
                }
                active => {
                    inspections.insert(*inode, active);
                }
            }
        }
    }
    let worth_rechecking = first.iter().any(|c| match c {
        Candidate::FdsOnly { inode, .. } => inspections.contains_key(inode),
        _ => true,
    });
    if !worth_rechecking {
        check.millis = elapsed_ms(started);
        return (check, extra);
    }
    std::thread::sleep(pause);
    let views = reread();
    let held_again: Vec<(u64, u32, u32)> = first
        .iter()
        .filter_map(|c| match c {
            Candidate::FdsOnly { inode, pid, fd }
                if inspections.contains_key(inode) && still_holds(*pid, *fd, *inode) =>
            {
                Some((*inode, *pid, *fd))
            }
            _ => None,
        })
        .collect();
    let second: HashSet<Candidate> = compare(&views, &held_again, |_, _| true)
        .into_iter()
        .collect();
    let by_label: HashMap<&str, &NsViews> = views.iter().map(|v| (v.label.as_str(), v)).collect();
    for candidate in first.iter().filter(|c| second.contains(c)) {
        let hidden = match candidate {
            Candidate::NetlinkOnly { ns, inode } => by_label
                .get(ns.as_str())
                .and_then(|v| v.netlink.as_ref())
                .and_then(|s| s.iter().find(|s| s.inode == Some(*inode)))
                .map(|s| HiddenSocket {
                    socket: labelled(s.clone(), ns),
                    seen_by: vec![View::Netlink, View::Fds],
                    missing_from: vec![View::Proc],
                    held_by: None,
                }),
            Candidate::ProcOnly { ns, inode } => by_label
                .get(ns.as_str())
                .and_then(|v| v.proc.as_ref())
                .and_then(|rows| rows.iter().find(|r| r.inode == *inode))
                .map(|row| {
                    let socket = labelled(row.to_socket(), ns);
                    extra.push(socket.clone());
                    HiddenSocket {
                        socket,
                        seen_by: vec![View::Proc, View::Fds],
                        missing_from: vec![View::Netlink],
                        held_by: None,
                    }
                }),
            Candidate::FdsOnly { inode, pid, fd } => inspections
                .get(inode)
                .and_then(|i| socket_of(i, *inode, input.netns_of_pid.get(pid).map(String::as_str)))
                .map(|socket| {
                    extra.push(socket.clone());
                    HiddenSocket {
                        socket,
                        seen_by: vec![View::Fds],
                        missing_from: vec![View::Netlink, View::Proc],
                        held_by: Some((*pid, *fd)),
                    }
                }),
        };
        check.hidden.extend(hidden);
    }
    check
        .hidden
        .sort_by(|a, b| a.socket.sort_key().cmp(&b.socket.sort_key()));
    check.millis = elapsed_ms(started);
    (check, extra)
}

fn labelled(mut socket: Socket, ns: &str) -> Socket {
    socket.netns = Some(std::sync::Arc::from(ns));
    socket
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::model::Protocol;

    fn socket(inode: u64) -> Socket {
        row(inode).to_socket()
    }

    fn row(inode: u64) -> Row {
        Row {
            proto: Protocol::Tcp,
            local: (IpAddr::from([127, 0, 0, 1]), 1000 + inode as u16),
            remote: (IpAddr::from([0, 0, 0, 0]), 0),
            state: 10,
            rx_queue: 0,
            uid: 0,
            inode,
        }
    }

    fn views(label: &str, netlink: &[u64], proc: &[u64]) -> NsViews {
        NsViews {
            label: label.to_string(),
            netlink: Some(netlink.iter().map(|&i| socket(i)).collect()),
            proc: Some(proc.iter().map(|&i| row(i)).collect()),
        }
    }

    #[test]
    fn agreeing_views_give_nothing() {
        let v = [views("host", &[1, 2, 0], &[1, 2, 0])];
        let held = [(1, 10, 3), (2, 10, 4), (99, 10, 5)];
        // Inode 99 is held but listed nowhere: a unix socket, say.
        assert!(compare(&v, &held, |_, _| false).is_empty());
    }

    #[test]
    fn each_way_the_views_can_disagree() {
        let v = [views("host", &[1, 2], &[1, 3]), views("blue", &[7], &[7])];
        let held = [
            (1, 10, 3),
            (2, 10, 4),
            (3, 11, 3),
            (7, 12, 3),
            (8, 13, 9),
            (9, 14, 1),
        ];
        let found = compare(&v, &held, |pid, _| pid != 14);
        assert_eq!(
            found,
            vec![
                Candidate::NetlinkOnly {
                    ns: "host".to_string(),
                    inode: 2
                },
                Candidate::ProcOnly {
                    ns: "host".to_string(),
                    inode: 3
                },
                Candidate::FdsOnly {
                    inode: 8,
                    pid: 13,
                    fd: 9
                },
            ]
        );
    }

    #[test]
    fn a_namespace_without_a_netlink_view_is_not_compared_but_its_sockets_count_as_listed() {
        let v = [NsViews {
            label: "rootless".to_string(),
            netlink: None,
            proc: Some(vec![row(5)]),
        }];
        let held = [(5, 20, 3)];
        assert!(compare(&v, &held, |_, _| true).is_empty());
    }

    #[test]
    fn a_race_resolved_at_the_recheck_is_not_reported() {
        // At first sight inode 2 is only in netlink (opened between the two reads); at the
        // re-check both tables list it.
        let first = [views("host", &[1, 2], &[1])];
        let input = CheckInput {
            views: &first,
            held: &[],
            netns_of_pid: &HashMap::new(),
            skipped: Vec::new(),
        };
        let (check, extra) = run(input, Duration::ZERO, || {
            vec![views("host", &[1, 2], &[1, 2])]
        });
        assert_eq!(check.candidates, 1);
        assert!(check.hidden.is_empty());
        assert!(extra.is_empty());
    }

    #[test]
    fn a_disagreement_that_stays_is_reported_with_its_views() {
        let first = [views("host", &[1, 2], &[1, 3])];
        let input = CheckInput {
            views: &first,
            held: &[],
            netns_of_pid: &HashMap::new(),
            skipped: Vec::new(),
        };
        let (check, extra) = run(input, Duration::ZERO, || {
            vec![views("host", &[1, 2], &[1, 3])]
        });
        assert_eq!(check.hidden.len(), 2);
        let classes: Vec<String> = check.hidden.iter().map(HiddenSocket::class).collect();
        // Sorted by socket: inode 2 (netlink only, so /proc misses it), then inode 3.
        assert_eq!(classes, ["proc-missing", "netlink-missing"]);
        // Only the socket netlink missed is new to the snapshot.
        assert_eq!(extra.len(), 1);
        assert_eq!(extra[0].inode, Some(3));
        assert_eq!(extra[0].netns.as_deref(), Some("host"));
    }

    #[test]
    fn this_processs_sockets_are_tcp_or_udp_and_a_pipe_is_not() -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        let me = std::process::id();
        let tcp = std::net::TcpListener::bind("127.0.0.1:0")?;
        let udp = std::net::UdpSocket::bind("[::1]:0")?;
        assert!(is_tcp_or_udp(me, tcp.as_raw_fd() as u32));
        assert!(is_tcp_or_udp(me, udp.as_raw_fd() as u32));
        let unix = std::os::unix::net::UnixDatagram::unbound()?;
        assert!(!is_tcp_or_udp(me, unix.as_raw_fd() as u32));
        Ok(())
    }

    #[test]
    fn inspection_tells_unbound_inactive_listening_and_connected_apart() -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        let me = std::process::id();
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let client = std::net::TcpStream::connect(addr)?;
        let unbound = rustix::net::socket(
            rustix::net::AddressFamily::INET,
            rustix::net::SocketType::STREAM,
            None,
        )?;
        let bound_only = rustix::net::socket(
            rustix::net::AddressFamily::INET,
            rustix::net::SocketType::STREAM,
            None,
        )?;
        rustix::net::bind(
            &bound_only,
            &std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        )?;
        match inspect(me, listener.as_raw_fd() as u32) {
            // pidfd_getfd on ourselves needs no privilege beyond owning the process.
            Inspection::Bound(Protocol::Tcp, local) => assert_eq!(local, addr),
            Inspection::Failed(why) => {
                eprintln!("skipped: pidfd_getfd unavailable here ({why})");
                return Ok(());
            }
            other => panic!("listener: {other:?}"),
        }
        match inspect(me, client.as_raw_fd() as u32) {
            Inspection::Connected(Protocol::Tcp, _, peer) => assert_eq!(peer, addr),
            other => panic!("client: {other:?}"),
        }
        assert_eq!(inspect(me, unbound.as_raw_fd() as u32), Inspection::Unbound);
        let bound_at = std::net::SocketAddr::try_from(rustix::net::getsockname(&bound_only)?)
            .map_err(|_| std::io::Error::other("not inet"))?;
        assert_eq!(
            inspect(me, bound_only.as_raw_fd() as u32),
            Inspection::Inactive(Protocol::Tcp, bound_at)
        );
        Ok(())
    }
}
