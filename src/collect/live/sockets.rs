//! The socket table through `netstat2`: its records in our types, and on Linux the netlink
//! dump of one namespace (owners come from our own `/proc` walk, src/collect/live/linux/).

use netstat2::{AddressFamilyFlags, ProtocolFlags, ProtocolSocketInfo, SocketInfo};

#[cfg(target_os = "linux")]
use crate::collect::error::CollectError;
use crate::model::{Coverage, Protocol, Socket, TcpState};

/// What a platform collector returns.
pub struct PlatformSockets {
    /// Every socket, owners filled in.
    pub sockets: Vec<Socket>,
    /// What could not be seen.
    pub coverage: Coverage,
    /// (pid, fd) of TCP/UDP sockets on fds 0-2.
    pub stdio: Vec<(u32, u32)>,
    /// Stdio pipes and ptys leading to a process that holds a TCP/UDP socket (Linux).
    pub stdio_peers: std::collections::BTreeMap<u32, Vec<crate::model::StdioPeer>>,
    /// Processes to describe although they own no socket: the keys of `stdio_peers`, and
    /// processes named like kernel threads (Linux).
    pub extra_pids: Vec<u32>,
    /// The network namespaces read (Linux, every namespace).
    pub namespaces: Vec<crate::model::NetNamespace>,
    /// The hidden-socket cross-check, when asked for (Linux).
    pub deep: Option<crate::model::deep::DeepCheck>,
    /// Processes hidden from `/proc`, with their facts as far as they could be read (Linux,
    /// root): they replace what `/proc/PID` shows for them.
    pub hidden_processes: Vec<crate::model::Process>,
    /// Raw IP and packet sockets, owners filled in (Linux).
    pub raw_sockets: Vec<crate::model::RawSocket>,
}

pub(super) fn flags() -> (AddressFamilyFlags, ProtocolFlags) {
    (
        AddressFamilyFlags::IPV4 | AddressFamilyFlags::IPV6,
        ProtocolFlags::TCP | ProtocolFlags::UDP,
    )
}

/// A socket as netstat2 reports it, in our types; owners filled in later.
pub(super) fn convert(info: &SocketInfo) -> Socket {
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
pub(super) fn new_socket(
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

pub(super) fn tcp_state(state: netstat2::TcpState) -> TcpState {
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

#[cfg(target_os = "linux")]
/// The netlink dump of the calling thread's namespace, converted as it is read
/// (netstat2's records are not kept: at 100k sockets that copy alone costs several MiB).
/// With `traffic`, TCP comes from our own dump that carries each connection's counters
/// (src/collect/live/linux/traffic.rs) instead of netstat2's, and netstat2 reads UDP only.
pub fn dump(traffic: bool) -> Result<Vec<Socket>, CollectError> {
    let (af, mut proto) = flags();
    let mut sockets = Vec::new();
    if traffic {
        proto = ProtocolFlags::UDP;
        crate::collect::live::linux::traffic::tcp_sockets(&mut sockets, &mut |record| {
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
