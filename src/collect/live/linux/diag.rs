//! TCP sock_diag dumps netstat2 cannot make ([`dump_tcp`]), and the accept-queue sizes of
//! TCP listeners from a dump of LISTEN sockets only.
//!
//! netstat2's records drop `idiag_rqueue`/`idiag_wqueue`, which for a listener are the accept
//! queue length and its backlog (what `ss -lt` prints as Recv-Q and Send-Q). A dump restricted
//! to LISTEN makes the kernel walk only its listening hash, so this costs microseconds even
//! beside 100k connections.

use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
use netlink_sys::protocols::NETLINK_SOCK_DIAG;

use crate::collect::live::linux::netlink::{Conn, DumpError};

/// Every TCP socket in `states` of the caller's namespace, IPv4 then IPv6, with the
/// `extensions` asked for; `convert` turns each answer it wants into an item of `out`.
/// Shared by the listener-queue dump here and the counters dump (src/collect/live/linux/traffic.rs).
pub fn dump_tcp<T>(
    states: StateFlags,
    extensions: ExtensionFlags,
    what: &str,
    out: &mut Vec<T>,
    convert: &mut dyn FnMut(SockDiagMessage) -> Option<T>,
) -> Result<(), DumpError> {
    let mut conn = Conn::open(NETLINK_SOCK_DIAG)?;
    for (family, socket_id) in [
        (AF_INET, SocketId::new_v4()),
        (AF_INET6, SocketId::new_v6()),
    ] {
        let request = SockDiagMessage::InetRequest(InetRequest {
            family,
            protocol: IPPROTO_TCP,
            extensions,
            states,
            socket_id,
        });
        match conn.dump_into(request, what, out, convert) {
            Ok(()) => {}
            // A kernel without IPv6 has no IPv6 table to dump.
            Err(e) if family == AF_INET6 && e.raw_os_error() == Some(EAFNOSUPPORT) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// (inode, accept queue, backlog) of every TCP listener of the caller's namespace, sorted by
/// inode.
pub fn listen_queues() -> Result<Vec<(u64, u32, u32)>, DumpError> {
    let mut queues = Vec::new();
    dump_tcp(
        StateFlags::LISTEN,
        ExtensionFlags::empty(),
        "listening sockets",
        &mut queues,
        &mut |answer| match answer {
            SockDiagMessage::InetResponse(response) => {
                let h = &response.header;
                Some((u64::from(h.inode), h.recv_queue, h.send_queue))
            }
            _ => None,
        },
    )?;
    queues.sort_unstable();
    Ok(queues)
}

/// `EAFNOSUPPORT` on Linux (every architecture).
const EAFNOSUPPORT: i32 = 97;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_a_listeners_backlog() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::MetadataExt;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))?.ino();
        // One connection that nobody accepts waits in the accept queue.
        let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
        let queues = listen_queues()?;
        let (_, queue, backlog) = queues
            .iter()
            .find(|(i, ..)| *i == inode)
            .copied()
            .ok_or("our listener is not in the dump")?;
        // std listens with a backlog of 128, capped by net.core.somaxconn.
        let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")?
            .trim()
            .parse()?;
        assert_eq!(backlog, 128.min(somaxconn));
        assert_eq!(queue, 1);
        Ok(())
    }
}
