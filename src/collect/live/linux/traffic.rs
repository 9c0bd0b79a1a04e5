//! The TCP table with per-connection counters: a sock_diag dump that asks for `INET_DIAG_INFO`
//! (the kernel's `struct tcp_info`: bytes, segments, round-trip time, retransmissions).
//!
//! netstat2 asks for no extension, so when counters are wanted this dump replaces netstat2's
//! TCP dump instead of running beside it (one walk of the kernel's TCP hash, not two;
//! docs/top.md has the measurements). UDP still comes from netstat2.

use std::net::SocketAddr;

use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::inet::nlas::Nla;
use netlink_packet_sock_diag::inet::{ExtensionFlags, StateFlags};

use crate::collect::live::linux::netlink::DumpError;
use crate::model::Traffic;

/// One TCP socket of the dump.
#[derive(Debug, Clone)]
pub struct TcpRecord {
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port (unspecified for listeners).
    pub remote: SocketAddr,
    /// The kernel's TCP state number (`TCP_ESTABLISHED` = 1 ... `TCP_CLOSING` = 11).
    pub state: u8,
    /// Owner uid.
    pub uid: u32,
    /// Inode (0 for TIME_WAIT and request sockets).
    pub inode: u32,
    /// Its counters; `None` for sockets the kernel gives no `tcp_info` for (TIME_WAIT and
    /// SYN_RECV mini-sockets), or a `tcp_info` too short to hold them.
    pub traffic: Option<Traffic>,
}

/// Every TCP socket of the caller's namespace (IPv4 and IPv6), each converted by `convert` as
/// it is read and appended to `out`.
pub fn tcp_sockets<T>(
    out: &mut Vec<T>,
    convert: &mut dyn FnMut(TcpRecord) -> T,
) -> Result<(), DumpError> {
    super::diag::dump_tcp(
        StateFlags::all(),
        ExtensionFlags::INFO,
        "TCP socket table",
        out,
        &mut |answer| match answer {
            SockDiagMessage::InetResponse(response) => {
                let h = &response.header;
                let id = &h.socket_id;
                let traffic = response.nlas.iter().find_map(|nla| match nla {
                    Nla::TcpInfo(bytes) => traffic_of(bytes),
                    _ => None,
                });
                Some(convert(TcpRecord {
                    local: SocketAddr::new(id.source_address, id.source_port),
                    remote: SocketAddr::new(id.destination_address, id.destination_port),
                    state: h.state,
                    uid: h.uid,
                    inode: h.inode,
                    traffic,
                }))
            }
            _ => None,
        },
    )
}

/// The counters out of a raw `struct tcp_info` (native endian, offsets from
/// `include/uapi/linux/tcp.h`).
///
/// Read here by offset rather than through the crate's `rich_nlas` feature: that feature
/// rejects a `tcp_info` shorter than the 232 bytes of Linux 5.4+, and a rejected attribute
/// fails the decoding of the whole dump. The structure only ever grows at its end, so each
/// kernel's prefix is read as it is: everything used here is in the first 144 bytes
/// (Linux 4.2+); a shorter one gives no counters rather than wrong ones.
pub fn traffic_of(info: &[u8]) -> Option<Traffic> {
    let u32_at = |at: usize| {
        info.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_ne_bytes)
    };
    let u64_at = |at: usize| {
        info.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_ne_bytes)
    };
    Some(Traffic {
        rtt_us: u32_at(68)?,
        retrans: u32_at(100)?,
        bytes_acked: u64_at(120)?,
        bytes_received: u64_at(128)?,
        segs_out: u32_at(136)?,
        segs_in: u32_at(140)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_counters_at_their_uapi_offsets() {
        let mut info = vec![0u8; 232];
        info[68..72].copy_from_slice(&1500u32.to_ne_bytes());
        info[100..104].copy_from_slice(&3u32.to_ne_bytes());
        info[120..128].copy_from_slice(&123_456_789_012u64.to_ne_bytes());
        info[128..136].copy_from_slice(&42u64.to_ne_bytes());
        info[136..140].copy_from_slice(&7u32.to_ne_bytes());
        info[140..144].copy_from_slice(&9u32.to_ne_bytes());
        let t = traffic_of(&info).unwrap();
        assert_eq!(
            t,
            Traffic {
                bytes_acked: 123_456_789_012,
                bytes_received: 42,
                segs_out: 7,
                segs_in: 9,
                rtt_us: 1500,
                retrans: 3,
            }
        );
        // An old kernel's shorter structure: no counters rather than a misread.
        assert_eq!(traffic_of(&info[..143]), None);
        assert!(traffic_of(&info[..144]).is_some());
    }

    #[test]
    fn counts_bytes_over_a_real_loopback_connection() -> Result<(), Box<dyn std::error::Error>> {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let mut client = std::net::TcpStream::connect(listener.local_addr()?)?;
        let (mut server, _) = listener.accept()?;
        let payload = vec![7u8; 100_000];
        client.write_all(&payload)?;
        let mut got = vec![0u8; payload.len()];
        server.read_exact(&mut got)?;
        let client_local = client.local_addr()?;
        // The acknowledgement may trail the read by a moment: bounded polling.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let mut records = Vec::new();
            tcp_sockets(&mut records, &mut |r| r)?;
            let sent = records
                .iter()
                .find(|r| r.local == client_local)
                .and_then(|r| r.traffic)
                .map_or(0, |t| t.bytes_acked);
            let received = records
                .iter()
                .find(|r| r.remote == client_local)
                .and_then(|r| r.traffic)
                .map_or(0, |t| t.bytes_received);
            if sent >= 100_000 && received >= 100_000 {
                return Ok(());
            }
            assert!(
                std::time::Instant::now() < deadline,
                "sent {sent}, received {received}: expected at least 100000 each"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
