//! Peers of connected UDP sockets, from `/proc/net/udp` and `/proc/net/udp6`.
//!
//! netstat2's UDP records carry only the local end, yet a connected UDP socket (a DNS client,
//! QUIC, a tunnel) has a peer that the rules must see. The proc tables give it per inode.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// Reads both UDP tables under `proc_net` (normally `/proc/net`): inode → (peer address, port),
/// for connected sockets only. A missing or unreadable table yields no entries for it.
pub fn connected_peers(proc_net: &Path) -> HashMap<u64, (IpAddr, u16)> {
    let mut peers = HashMap::new();
    for table in ["udp", "udp6"] {
        let Ok(file) = std::fs::File::open(proc_net.join(table)) else {
            continue;
        };
        for line in BufReader::new(file).lines().skip(1) {
            let Ok(line) = line else { break };
            if let Some((inode, peer)) = parse_line(&line) {
                peers.insert(inode, peer);
            }
        }
    }
    peers
}

/// One table row → (inode, peer) when the socket is connected.
fn parse_line(line: &str) -> Option<(u64, (IpAddr, u16))> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let remote = fields.get(2)?;
    let inode: u64 = fields.get(9)?.parse().ok()?;
    let (addr, port) = parse_hex_endpoint(remote)?;
    if port == 0 {
        return None;
    }
    Some((inode, (addr, port)))
}

/// `0100007F:0035` (IPv4) or 32 hex digits + port (IPv6). The kernel prints each 32-bit word
/// of the network-order address as a native-endian number.
pub fn parse_hex_endpoint(text: &str) -> Option<(IpAddr, u16)> {
    let (addr_hex, port_hex) = text.split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let addr = match addr_hex.len() {
        8 => IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(addr_hex, 16).ok()?.to_ne_bytes(),
        )),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                let word = addr_hex.get(i * 8..i * 8 + 8)?;
                chunk.copy_from_slice(&u32::from_str_radix(word, 16).ok()?.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some((addr, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_kernel_rows() {
        let row = "  714: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 123456 2 0000000000000000 0";
        let (inode, (addr, port)) = parse_line(row).unwrap_or_else(|| panic!("row parses"));
        assert_eq!(inode, 123456);
        assert_eq!(addr, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(port, 53);
        let unconnected = "  714: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 999 2 0000000000000000 0";
        assert_eq!(parse_line(unconnected), None);
        let v6 = parse_hex_endpoint("00000000000000000000000001000000:0035");
        assert_eq!(v6, Some((IpAddr::V6(Ipv6Addr::LOCALHOST), 53)));
        assert_eq!(parse_hex_endpoint("zz:0035"), None);
    }

    #[test]
    fn sees_a_connected_udp_socket() -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let client = std::net::UdpSocket::bind("127.0.0.1:0")?;
        client.connect(server.local_addr()?)?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&client);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))?.ino();
        let peers = connected_peers(Path::new("/proc/net"));
        let expected = server.local_addr()?;
        assert_eq!(peers.get(&inode), Some(&(expected.ip(), expected.port())));
        Ok(())
    }
}
