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
use crate::model::{Coverage, Host, Process, Protocol, SCHEMA_VERSION, Snapshot, Socket, TcpState};

/// What the live collector should gather.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Find owning processes (the `/proc` walk and process facts). Off when nothing needs them.
    pub attribute: bool,
    /// Which network namespaces to read (Linux).
    pub namespaces: Namespaces,
    /// Cross-check the views of the socket table for hidden sockets (Linux, `--deep`).
    pub deep: bool,
    /// With `deep`: also try `bind()` on every port of our namespace (`--probe-ports`).
    pub probe_ports: bool,
    /// Per-connection TCP counters (bytes, segments, RTT, retransmissions; Linux): `list
    /// --wide`, `top`, and rules with byte thresholds. Off by default: it makes the TCP dump
    /// several times larger.
    pub traffic: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            attribute: true,
            namespaces: Namespaces::Auto,
            deep: false,
            probe_ports: false,
            traffic: false,
        }
    }
}

/// Which network namespaces a live collection reads (Linux; elsewhere there is one table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Namespaces {
    /// Every namespace when running as root, else only our own (reading others needs
    /// CAP_SYS_ADMIN), saying what could not be seen.
    #[default]
    Auto,
    /// Every namespace, whatever the privileges; what cannot be read is reported.
    All,
    /// Only the namespace sockaudit runs in.
    Own,
}

impl Namespaces {
    /// Whether to read every namespace, given whether we run as root.
    pub fn all(self, root: bool) -> bool {
        match self {
            Namespaces::Auto => root,
            Namespaces::All => true,
            Namespaces::Own => false,
        }
    }
}

/// Reads every TCP and UDP socket of this network namespace, with owners.
pub fn collect_live(options: &LiveOptions) -> Result<Snapshot, CollectError> {
    let collected_at = jiff::Timestamp::now();
    let started = std::time::Instant::now();
    let PlatformSockets {
        mut sockets,
        mut coverage,
        stdio,
        namespaces,
        deep,
    } = platform::sockets(options)?;
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
    super::docker_proxy::label(&mut sockets, &processes);
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
        namespaces,
        deep,
        // Read separately, and only when needed (src/app/counters.rs).
        counters: Vec::new(),
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
    match &info.protocol_socket_info {
        ProtocolSocketInfo::Tcp(tcp) => new_socket(
            Protocol::Tcp,
            (tcp.local_addr, tcp.local_port),
            Some((tcp.remote_addr, tcp.remote_port)),
            Some(tcp_state(tcp.state)),
        ),
        ProtocolSocketInfo::Udp(udp) => {
            new_socket(Protocol::Udp, (udp.local_addr, udp.local_port), None, None)
        }
    }
}

/// A socket of the dump, nothing else known yet. A listener, or a remote `0.0.0.0:0`, has no
/// remote.
fn new_socket(
    proto: Protocol,
    (local_addr, local_port): (std::net::IpAddr, u16),
    remote: Option<(std::net::IpAddr, u16)>,
    state: Option<TcpState>,
) -> Socket {
    let remote = remote.filter(|(addr, port)| {
        state != Some(TcpState::Listen) && !(*port == 0 && addr.is_unspecified())
    });
    Socket {
        remote_addr: remote.map(|r| r.0),
        remote_port: remote.map(|r| r.1),
        state,
        ..Socket::new(proto, local_addr, local_port)
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
        let (name, name_raw) = crate::model::raw::decode_os(proc_.name());
        let cmd = super::names::command_line(pid, proc_.cmd());
        let (container, unit) = container_facts(pid);
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
                container,
                unit,
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

/// What a platform collector returns.
pub(crate) struct PlatformSockets {
    /// Every socket, owners filled in.
    pub sockets: Vec<Socket>,
    /// What could not be seen.
    pub coverage: Coverage,
    /// (pid, fd) of TCP/UDP sockets on fds 0-2.
    pub stdio: Vec<(u32, u32)>,
    /// The network namespaces read (Linux, every namespace).
    pub namespaces: Vec<crate::model::NetNamespace>,
    /// The hidden-socket cross-check, when asked for (Linux).
    pub deep: Option<crate::model::deep::DeepCheck>,
}

/// The container and systemd unit of a process, from its cgroup (Linux).
fn container_facts(pid: u32) -> (Option<crate::model::Container>, Option<String>) {
    #[cfg(target_os = "linux")]
    if let Some(path) = super::linux::cgroup::read(pid) {
        return super::linux::cgroup::classify(&path);
    }
    let _ = pid;
    (None, None)
}

/// The exe path, whether it was deleted, and its bytes when not UTF-8. sysinfo strips the
/// kernel's ` (deleted)` marker, so on Linux the link is read again here.
fn exe_facts(
    pid: u32,
    sysinfo_exe: Option<&std::path::Path>,
) -> (Option<String>, bool, Option<crate::model::raw::RawBytes>) {
    #[cfg(target_os = "linux")]
    if let Some(link) = super::linux::procfs::exe_link(pid) {
        return (Some(link.path), link.deleted, link.raw);
    }
    let _ = pid;
    let (exe, raw) = sysinfo_exe.map_or((None, None), |p| {
        let (text, raw) = crate::model::raw::decode_os(p.as_os_str());
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
    //! Every namespace's netlink dump beside our own fd walk (src/collect/linux/live.rs).

    use super::*;

    pub(super) fn sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
        crate::collect::linux::live::sockets(options)
    }

    /// The netlink dump of the calling thread's namespace, converted as it is read
    /// (netstat2's records are not kept: at 100k sockets that copy alone costs several MiB).
    /// With `traffic`, TCP comes from our own dump that carries each connection's counters
    /// (src/collect/linux/traffic.rs) instead of netstat2's, and netstat2 reads UDP only.
    pub(crate) fn dump(traffic: bool) -> Result<Vec<Socket>, CollectError> {
        let (af, mut proto) = flags();
        let mut sockets = Vec::new();
        if traffic {
            proto = ProtocolFlags::UDP;
            crate::collect::linux::traffic::tcp_sockets(&mut sockets, &mut |record| {
                let mut socket = new_socket(
                    Protocol::Tcp,
                    (record.local.ip(), record.local.port()),
                    Some((record.remote.ip(), record.remote.port())),
                    Some(tcp_state(netstat2::TcpState::from(record.state))),
                );
                socket.uid = Some(record.uid);
                socket.inode = Some(u64::from(record.inode));
                socket.traffic = record.traffic.map(Box::new);
                socket
            })
            .map_err(|e| CollectError::Enumerate(format!("TCP socket table: {e}")))?;
        }
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
}

#[cfg(target_os = "linux")]
pub(crate) use platform::dump;

#[cfg(not(target_os = "linux"))]
mod platform {
    //! Windows and macOS: netstat2 reports owning PIDs itself.

    use super::*;
    use crate::model::{Attribution, Unattributed};

    pub(super) fn sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
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
        Ok(PlatformSockets {
            sockets,
            coverage: Coverage::default(),
            stdio: Vec::new(),
            namespaces: Vec::new(),
            deep: None,
        })
    }
}
