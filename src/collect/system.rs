//! The live collector: the only code that talks to `netstat2` and `sysinfo`.
//!
//! Linux: netstat2's netlink dump without its PID walk, run beside our own `/proc/PID/fd` walk
//! ([`super::linux::fds`]); SYN_RECV request sockets attributed through their listener; UDP
//! peers from `/proc/net/udp*`; process facts from sysinfo for the owning PIDs only. Other
//! systems: netstat2 with its own PID attachment.

use std::collections::{BTreeMap, BTreeSet};

use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, SocketInfo};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};

use super::CollectError;
use crate::model::{
    Attribution, Coverage, Family, Host, Process, Protocol, SCHEMA_VERSION, Snapshot, Socket,
    TcpState, Unattributed,
};

/// What the live collector should gather.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Find owning processes (the `/proc` walk and process facts). Off when nothing needs them.
    pub attribute: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions { attribute: true }
    }
}

/// Reads every TCP and UDP socket of this network namespace, with owners.
pub fn collect_live(options: &LiveOptions) -> Result<Snapshot, CollectError> {
    let collected_at = jiff::Timestamp::now();
    let started = std::time::Instant::now();
    let (mut sockets, mut coverage, stdio) = platform::sockets(options)?;
    let sockets_done = started.elapsed();
    let mut processes = if options.attribute {
        process_facts(&sockets, &mut coverage)
    } else {
        BTreeMap::new()
    };
    #[cfg(target_os = "linux")]
    coverage.notes.extend(super::linux::exe_gap::notes(
        std::path::Path::new("/proc"),
        &processes,
    ));
    tracing::debug!(
        "collected {} sockets in {:.1} ms, facts for {} processes in {:.1} ms",
        sockets.len(),
        sockets_done.as_secs_f64() * 1e3,
        processes.len(),
        (started.elapsed() - sockets_done).as_secs_f64() * 1e3
    );
    for (pid, fd) in stdio {
        if let Some(p) = processes.get_mut(&pid) {
            p.stdio_sockets.push(fd);
        }
    }
    sockets.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        host: host_facts(),
        collected_at,
        source: "live".to_string(),
        sockets,
        processes,
        coverage,
        // Read separately, and only when needed (src/app/routes.rs).
        routes: None,
    };
    snapshot.recount_coverage();
    Ok(snapshot)
}

fn host_facts() -> Host {
    #[cfg(target_os = "linux")]
    let ephemeral_ports = super::linux::procfs::ephemeral_ports();
    // Windows and macOS default to the IANA range.
    #[cfg(not(target_os = "linux"))]
    let ephemeral_ports = Some([49152, 65535]);
    Host {
        hostname: System::host_name().ok(),
        os: System::long_os_version().ok(),
        kernel: System::kernel_version().ok(),
        ephemeral_ports,
    }
}

fn flags() -> (AddressFamilyFlags, ProtocolFlags) {
    (
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
}

/// A socket as netstat2 reports it, in our types; owners filled in later.
fn convert(info: &SocketInfo) -> Socket {
    let (proto, local_addr, local_port, remote, state) = match &info.protocol_socket_info {
        ProtocolSocketInfo::Tcp(tcp) => {
            let state = tcp_state(tcp.state);
            let remote = (state != TcpState::Listen
                && !(tcp.remote_port == 0 && tcp.remote_addr.is_unspecified()))
            .then_some((tcp.remote_addr, tcp.remote_port));
            (
                Protocol::Tcp,
                tcp.local_addr,
                tcp.local_port,
                remote,
                Some(state),
            )
        }
        ProtocolSocketInfo::Udp(udp) => (Protocol::Udp, udp.local_addr, udp.local_port, None, None),
    };
    Socket {
        proto,
        family: Family::of(&local_addr),
        local_addr,
        local_port,
        remote_addr: remote.map(|r| r.0),
        remote_port: remote.map(|r| r.1),
        state,
        uid: None,
        inode: None,
        pids: Vec::new(),
        attribution: None,
        unattributed: None,
        capture: None,
    }
}

fn tcp_state(state: netstat2::TcpState) -> TcpState {
    use netstat2::TcpState as N;
    match state {
        N::Closed => TcpState::Close,
        N::Listen => TcpState::Listen,
        N::SynSent => TcpState::SynSent,
        N::SynReceived => TcpState::SynRecv,
        N::Established => TcpState::Established,
        N::FinWait1 => TcpState::FinWait1,
        N::FinWait2 => TcpState::FinWait2,
        N::CloseWait => TcpState::CloseWait,
        N::Closing => TcpState::Closing,
        N::LastAck => TcpState::LastAck,
        N::TimeWait => TcpState::TimeWait,
        N::DeleteTcb => TcpState::DeleteTcb,
        N::Unknown => TcpState::Unknown,
    }
}

/// Process facts for every PID that owns a socket, and only those.
fn process_facts(sockets: &[Socket], coverage: &mut Coverage) -> BTreeMap<u32, Process> {
    let pids: BTreeSet<u32> = sockets
        .iter()
        .flat_map(|s| s.pids.iter().copied())
        .collect();
    if pids.is_empty() {
        return BTreeMap::new();
    }
    let sys_pids: Vec<Pid> = pids.iter().map(|&p| Pid::from_u32(p)).collect();
    let mut system = match System::new() {
        Ok(system) => system,
        Err(err) => {
            tracing::warn!("cannot read process facts ({err}); sockets keep their PIDs only");
            coverage
                .notes
                .push(format!("process facts unavailable: {err}"));
            return BTreeMap::new();
        }
    };
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&sys_pids), true, refresh_kind());
    let users = Users::new_with_refreshed_list().ok();
    let mut processes = BTreeMap::new();
    let mut missing = 0usize;
    for pid in pids {
        let Some(proc_) = system.process(Pid::from_u32(pid)) else {
            missing += 1;
            continue;
        };
        // Numeric uids exist on Unix only (Windows has SIDs; the user name still resolves).
        #[cfg(unix)]
        let uid = proc_.user_id().map(|u| **u);
        #[cfg(not(unix))]
        let uid = None;
        let user = proc_.user_id().and_then(|uid| {
            users
                .as_ref()
                .and_then(|users| users.get_user_by_id(uid))
                .map(|u| u.name().to_string())
        });
        let (exe, exe_deleted, exe_raw) = exe_facts(pid, proc_.exe());
        let (name, name_raw) = crate::raw::decode_os(proc_.name());
        let cmd = super::names::command_line(pid, proc_.cmd());
        processes.insert(
            pid,
            Process {
                pid,
                ppid: proc_.parent().map(|p| p.as_u32()),
                name,
                exe_replaced: exe_deleted
                    && exe
                        .as_deref()
                        .is_some_and(|e| std::path::Path::new(e).is_file()),
                exe,
                exe_deleted,
                cmdline: cmd.0,
                name_raw,
                exe_raw,
                cmdline_raw: cmd.1,
                truncated: cmd.2,
                user,
                uid,
                start_time: i64::try_from(proc_.start_time())
                    .ok()
                    .and_then(|secs| jiff::Timestamp::from_second(secs).ok()),
                stdio_sockets: Vec::new(),
                services: Vec::new(),
            },
        );
    }
    if missing > 0 {
        coverage.notes.push(format!(
            "{missing} owning process(es) exited before their facts could be read"
        ));
    }
    processes
}

/// What a platform collector returns: sockets, coverage, and (pid, fd) of inet sockets on
/// fds 0-2.
type SocketsAndCoverage = (Vec<Socket>, Coverage, Vec<(u32, u32)>);

/// The exe path, whether it was deleted, and its bytes when not UTF-8. sysinfo strips the
/// kernel's ` (deleted)` marker, so on Linux the link is read again here.
fn exe_facts(
    pid: u32,
    sysinfo_exe: Option<&std::path::Path>,
) -> (Option<String>, bool, Option<crate::raw::RawBytes>) {
    #[cfg(target_os = "linux")]
    if let Some(link) = super::linux::procfs::exe_link(pid) {
        return (Some(link.path), link.deleted, link.raw);
    }
    let _ = pid;
    let (exe, raw) = sysinfo_exe.map_or((None, None), |p| {
        let (text, raw) = crate::raw::decode_os(p.as_os_str());
        (Some(text), raw)
    });
    (exe, false, raw)
}

/// What sysinfo reads per process. Not the command line on Linux: sysinfo reads it whole, and a
/// process chooses its length (`names::command_line` reads it with a bounded buffer instead).
fn refresh_kind() -> ProcessRefreshKind {
    let kind = ProcessRefreshKind::nothing()
        .with_exe(UpdateKind::Always)
        .with_user(UpdateKind::Always);
    #[cfg(not(target_os = "linux"))]
    let kind = kind.with_cmd(UpdateKind::Always);
    kind
}

#[cfg(target_os = "linux")]
mod platform {
    //! netlink dump + our own fd walk, run at the same time.

    use std::collections::HashMap;
    use std::net::IpAddr;
    use std::path::Path;

    use super::*;
    use crate::collect::linux::{fds, udp};

    /// Sockets, coverage, and (pid, fd) for inet sockets held on stdio.
    pub(super) fn sockets(options: &LiveOptions) -> Result<SocketsAndCoverage, CollectError> {
        let (af, proto) = flags();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let started = std::time::Instant::now();
        let (dump, walk) = std::thread::scope(|scope| {
            let walker = options.attribute.then(|| {
                scope.spawn(move || {
                    let walk = fds::walk(Path::new("/proc"), threads);
                    tracing::debug!("fd walk: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
                    walk
                })
            });
            let dump = dump(af, proto);
            tracing::debug!(
                "netlink dump: {:.1} ms",
                started.elapsed().as_secs_f64() * 1e3
            );
            let walk = walker.map(|h| h.join());
            (dump, walk)
        });
        let mut sockets = dump?;
        let inodes: Vec<u64> = sockets.iter().map(|s| s.inode.unwrap_or(0)).collect();
        if sockets.iter().any(|s| s.proto == Protocol::Udp) {
            let udp_peers = udp::connected_peers(Path::new("/proc/net"));
            for socket in sockets.iter_mut().filter(|s| s.proto == Protocol::Udp) {
                if let Some(&(addr, port)) = socket.inode.and_then(|i| udp_peers.get(&i)) {
                    socket.remote_addr = Some(addr);
                    socket.remote_port = Some(port);
                }
            }
        }
        let euid = rustix::process::geteuid().as_raw();
        let mut stdio = Vec::new();
        let mut coverage = Coverage {
            privileged: Some(euid == 0),
            ..Coverage::default()
        };
        match walk {
            None => coverage
                .notes
                .push("process attribution skipped: nothing asked for it".to_string()),
            Some(Ok(Ok(walk))) => {
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
                attribute(&mut sockets, &inodes, &walk, euid);
                // Only TCP/UDP sockets count: services' stdio is often a journald unix socket.
                let inet: std::collections::HashSet<u64> = inodes.iter().copied().collect();
                stdio = walk
                    .stdio
                    .iter()
                    .filter(|(_, _, inode)| inet.contains(inode))
                    .map(|&(pid, fd, _)| (pid, fd))
                    .collect();
                stdio.sort_unstable();
            }
            Some(Ok(Err(err))) => {
                tracing::warn!(
                    "cannot read /proc ({err}); no socket can be attributed to a process"
                );
                coverage.notes.push(format!("/proc unreadable: {err}"));
                let empty = fds::FdWalk {
                    denied: 1,
                    ..fds::FdWalk::default()
                };
                attribute(&mut sockets, &inodes, &empty, euid);
            }
            Some(Err(_)) => {
                return Err(CollectError::Internal(
                    "the /proc walk thread failed".to_string(),
                ));
            }
        }
        Ok((sockets, coverage, stdio))
    }

    /// The netlink dump, converted as it is read (netstat2's records are not kept: at 100k
    /// sockets that copy alone costs several MiB).
    fn dump(af: AddressFamilyFlags, proto: ProtocolFlags) -> Result<Vec<Socket>, CollectError> {
        let mut sockets = Vec::new();
        for info in netstat2::iterate_sockets_info_without_pids(af, proto)
            .map_err(|e| CollectError::Enumerate(e.to_string()))?
        {
            let info = info.map_err(|e| CollectError::Enumerate(e.to_string()))?;
            let mut socket = convert(&info);
            socket.uid = Some(info.uid);
            socket.inode = Some(u64::from(info.inode));
            sockets.push(socket);
        }
        Ok(sockets)
    }

    /// Fills `pids`, `attribution` and `unattributed` for every socket.
    pub(super) fn attribute(sockets: &mut [Socket], inodes: &[u64], walk: &fds::FdWalk, euid: u32) {
        for (socket, &inode) in sockets.iter_mut().zip(inodes) {
            if inode == 0 {
                continue;
            }
            match walk.pids_of(inode) {
                pids if !pids.is_empty() => {
                    socket.pids = pids;
                    socket.attribution = Some(Attribution::Fd);
                }
                _ => {
                    // As non-root, other users' processes are unreadable or hidden (hidepid).
                    let hidden = if euid == 0 {
                        walk.denied > 0
                    } else {
                        socket.uid != Some(euid)
                    };
                    socket.unattributed = Some(if hidden {
                        Unattributed::Permission
                    } else {
                        Unattributed::Exited
                    });
                }
            }
        }
        attribute_request_sockets(sockets, inodes);
    }

    /// SYN_RECV request sockets have inode 0 and no fd: they belong to the process of the
    /// LISTEN socket on the same address and port, or of the wildcard listener on that port.
    fn attribute_request_sockets(sockets: &mut [Socket], inodes: &[u64]) {
        let mut exact: HashMap<(IpAddr, u16), usize> = HashMap::new();
        let mut wildcard: HashMap<u16, Vec<usize>> = HashMap::new();
        for (idx, s) in sockets.iter().enumerate() {
            if s.proto == Protocol::Tcp && s.state == Some(TcpState::Listen) {
                exact.insert((s.local_addr, s.local_port), idx);
                if s.local_addr.is_unspecified() {
                    wildcard.entry(s.local_port).or_default().push(idx);
                }
            }
        }
        for idx in 0..sockets.len() {
            if inodes[idx] != 0 {
                continue;
            }
            let s = &sockets[idx];
            if s.state != Some(TcpState::SynRecv) {
                sockets[idx].unattributed = Some(Unattributed::NoOwner);
                continue;
            }
            let listener = exact
                .get(&(s.local_addr, s.local_port))
                .copied()
                .or_else(|| {
                    let candidates = wildcard.get(&s.local_port)?;
                    // Same family first; an IPv4 client of a dual-stack [::] listener shows as IPv4.
                    candidates
                        .iter()
                        .copied()
                        .find(|&l| sockets[l].family == s.family)
                        .or_else(|| candidates.first().copied())
                });
            let (pids, attribution, unattributed) = match listener {
                Some(l) if !sockets[l].pids.is_empty() => {
                    (sockets[l].pids.clone(), Some(Attribution::Listener), None)
                }
                Some(l) => (Vec::new(), None, sockets[l].unattributed),
                None => (Vec::new(), None, Some(Unattributed::NoOwner)),
            };
            let s = &mut sockets[idx];
            s.pids = pids;
            s.attribution = attribution;
            s.unattributed = unattributed;
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    //! Windows and macOS: netstat2 reports owning PIDs itself.

    use super::*;

    pub(super) fn sockets(options: &LiveOptions) -> Result<SocketsAndCoverage, CollectError> {
        let (af, proto) = flags();
        let raw = netstat2::get_sockets_info(af, proto)
            .map_err(|e| CollectError::Enumerate(e.to_string()))?;
        let sockets = raw
            .iter()
            .map(|info| {
                let mut socket = convert(info);
                if options.attribute {
                    let mut pids: Vec<u32> = info
                        .associated_pids
                        .iter()
                        .copied()
                        .filter(|&p| p != 0)
                        .collect();
                    pids.sort_unstable();
                    pids.dedup();
                    if pids.is_empty() {
                        socket.unattributed = Some(Unattributed::NoOwner);
                    } else {
                        socket.attribution = Some(Attribution::Reported);
                    }
                    socket.pids = pids;
                }
                socket
            })
            .collect();
        Ok((sockets, Coverage::default(), Vec::new()))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::IpAddr;

    use super::platform::attribute;
    use super::*;
    use crate::collect::linux::fds::FdWalk;

    fn tcp(local: [u8; 4], port: u16, state: TcpState, uid: u32) -> Socket {
        Socket {
            proto: Protocol::Tcp,
            family: Family::Ipv4,
            local_addr: IpAddr::from(local),
            local_port: port,
            remote_addr: (state != TcpState::Listen).then(|| IpAddr::from([127, 0, 0, 1])),
            remote_port: (state != TcpState::Listen).then_some(40000),
            state: Some(state),
            uid: Some(uid),
            inode: None,
            pids: Vec::new(),
            attribution: None,
            unattributed: None,
            capture: None,
        }
    }

    #[test]
    fn request_sockets_inherit_their_listeners_owner() {
        let mut sockets = vec![
            tcp([0, 0, 0, 0], 8080, TcpState::Listen, 1000),
            tcp([127, 0, 0, 1], 8080, TcpState::SynRecv, 0),
            tcp([127, 0, 0, 1], 9090, TcpState::SynRecv, 0),
            tcp([127, 0, 0, 1], 7070, TcpState::TimeWait, 0),
            tcp([127, 0, 0, 1], 6060, TcpState::Established, 0),
        ];
        let inodes = [11, 0, 0, 0, 12];
        let mut walk = FdWalk::default();
        walk.owners.push((11, 42));
        attribute(&mut sockets, &inodes, &walk, 0);
        assert_eq!(sockets[1].pids, vec![42]);
        assert_eq!(sockets[1].attribution, Some(Attribution::Listener));
        assert_eq!(sockets[2].unattributed, Some(Unattributed::NoOwner));
        assert_eq!(sockets[3].unattributed, Some(Unattributed::NoOwner));
        assert_eq!(sockets[4].unattributed, Some(Unattributed::Exited));
    }

    #[test]
    fn non_root_gaps_are_permission_gaps() {
        let mut sockets = vec![
            tcp([127, 0, 0, 1], 22, TcpState::Listen, 0),
            tcp([127, 0, 0, 1], 8000, TcpState::Listen, 1000),
        ];
        attribute(&mut sockets, &[5, 6], &FdWalk::default(), 1000);
        assert_eq!(sockets[0].unattributed, Some(Unattributed::Permission));
        assert_eq!(sockets[1].unattributed, Some(Unattributed::Exited));
    }
}
