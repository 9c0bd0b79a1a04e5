//! Asking a held socket what it is: the fd duplicated with `pidfd_getfd` (read-only use:
//! `getsockname`, `getpeername`, `SO_ACCEPTCONN`), so a socket no table lists can be told
//! apart from one that is merely not bound, not listening or closed.

use crate::model::{Protocol, Socket, TcpState};
use rustix::process::{Pid, PidfdFlags, PidfdGetfdFlags, pidfd_getfd, pidfd_open};
use std::net::SocketAddr;
use std::os::fd::OwnedFd;

/// Whether the socket on `/proc/PID/fd/FD` is TCP or UDP (over IPv4 or IPv6), by its
/// `system.sockprotoname` attribute: `TCP`, `TCPv6`, `UDP`, `UDPv6` (not UDP-Lite, MPTCP,
/// SCTP, raw or unix sockets, which the TCP/UDP tables never list).
pub fn is_tcp_or_udp(pid: u32, fd: u32) -> bool {
    let mut buf = [0u8; 32];
    match rustix::fs::getxattr(
        format!("/proc/{pid}/fd/{fd}").as_str(),
        "system.sockprotoname",
        &mut buf[..],
    ) {
        Ok(len) => matches!(
            buf.get(..len).map(|b| b.strip_suffix(b"\0").unwrap_or(b)),
            Some(b"TCP" | b"TCPv6" | b"UDP" | b"UDPv6")
        ),
        Err(_) => false,
    }
}

/// What a held socket says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// Not bound to a port: no table lists it yet.
    Unbound,
    /// Bound but neither listening nor connected (bind without listen, or closed): no table
    /// lists it, though its port is taken.
    Inactive(Protocol, SocketAddr),
    /// Listening (TCP) or bound (UDP) on this address: every table should list it.
    Bound(Protocol, SocketAddr),
    /// Connected: every table should list it.
    Connected(Protocol, SocketAddr, SocketAddr),
    /// It could not be asked.
    Failed(String),
}

/// Duplicates the fd (pidfd_getfd needs CAP_SYS_PTRACE over the process) and asks the socket.
pub fn inspect(pid: u32, fd: u32) -> Inspection {
    match duplicate(pid, fd) {
        Ok(sock) => classify(&sock),
        Err(e) => Inspection::Failed(e.to_string()),
    }
}

fn duplicate(pid: u32, fd: u32) -> std::io::Result<OwnedFd> {
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let fd =
        i32::try_from(fd).map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let pidfd = pidfd_open(pid, PidfdFlags::empty())?;
    Ok(pidfd_getfd(&pidfd, fd, PidfdGetfdFlags::empty())?)
}

fn classify(sock: &OwnedFd) -> Inspection {
    use rustix::net::{SocketType, getpeername, getsockname, sockopt};
    let proto = match sockopt::socket_type(sock) {
        Ok(SocketType::STREAM) => Protocol::Tcp,
        Ok(SocketType::DGRAM) => Protocol::Udp,
        Ok(_) => return Inspection::Failed("not a stream or datagram socket".to_string()),
        Err(e) => return Inspection::Failed(e.to_string()),
    };
    let local = match getsockname(sock).map(SocketAddr::try_from) {
        Ok(Ok(addr)) => addr,
        Ok(Err(_)) => return Inspection::Failed("not an inet address".to_string()),
        Err(e) => return Inspection::Failed(e.to_string()),
    };
    if local.port() == 0 {
        return Inspection::Unbound;
    }
    if let Ok(Some(peer)) = getpeername(sock)
        && let Ok(peer) = SocketAddr::try_from(peer)
    {
        return Inspection::Connected(proto, local, peer);
    }
    match proto {
        Protocol::Udp => Inspection::Bound(proto, local),
        Protocol::Tcp if sockopt::socket_acceptconn(sock).unwrap_or(false) => {
            Inspection::Bound(proto, local)
        }
        Protocol::Tcp => Inspection::Inactive(proto, local),
    }
}

/// Whether `/proc/PID/fd/FD` still holds socket `inode`.
pub(super) fn still_holds(pid: u32, fd: u32, inode: u64) -> bool {
    std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).is_ok_and(|target| {
        super::fds::parse_socket_link(target.as_os_str().as_encoded_bytes()) == Some(inode)
    })
}

/// A socket built from what a held socket said about itself.
pub(super) fn socket_of(
    inspection: &Inspection,
    inode: u64,
    netns: Option<&str>,
) -> Option<Socket> {
    let (proto, local, remote, state) = match inspection {
        Inspection::Bound(p, local) => (
            *p,
            *local,
            None,
            (*p == Protocol::Tcp).then_some(TcpState::Listen),
        ),
        // Connected: the exact TCP state is not asked (it needs TCP_INFO); UNKNOWN says so.
        Inspection::Connected(p, local, peer) => (
            *p,
            *local,
            Some(*peer),
            (*p == Protocol::Tcp).then_some(TcpState::Unknown),
        ),
        _ => return None,
    };
    Some(Socket {
        remote_addr: remote.map(|r| r.ip()),
        remote_port: remote.map(|r| r.port()),
        state,
        inode: Some(inode),
        netns: netns.map(std::sync::Arc::from),
        ..Socket::new(proto, local.ip(), local.port())
    })
}
