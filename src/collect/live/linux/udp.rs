//! Peers of connected UDP sockets, from `/proc/net/udp` and `/proc/net/udp6`.
//!
//! netstat2's UDP records carry only the local end, yet a connected UDP socket (a DNS client,
//! QUIC, a tunnel) has a peer that the rules must see. The proc tables give it per inode.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use super::proctables::{TABLES, read_table};
use crate::model::Protocol;

/// Reads both UDP tables under `proc_net` (`/proc/net`, or `/proc/thread-self/net` in a thread
/// that entered another namespace): inode → (peer address, port), for connected sockets only.
/// A missing or unreadable table yields no entries for it.
pub fn connected_peers(proc_net: &Path) -> HashMap<u64, (IpAddr, u16)> {
    let mut rows = Vec::new();
    for (table, proto) in TABLES.iter().filter(|(_, p)| *p == Protocol::Udp) {
        if let Ok(file) = std::fs::File::open(proc_net.join(table)) {
            // A read error midway keeps the rows read so far.
            let _ = read_table(file, *proto, &mut rows);
        }
    }
    rows.into_iter()
        .filter(|row| row.remote.1 != 0)
        .map(|row| (row.inode, row.remote))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_a_connected_udp_socket() -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let server = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let client = std::net::UdpSocket::bind("127.0.0.1:0")?;
        client.connect(server.local_addr()?)?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&client);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))?.ino();
        let server_fd = std::os::fd::AsRawFd::as_raw_fd(&server);
        let server_inode = std::fs::metadata(format!("/proc/self/fd/{server_fd}"))?.ino();
        let peers = connected_peers(Path::new("/proc/net"));
        let expected = server.local_addr()?;
        assert_eq!(peers.get(&inode), Some(&(expected.ip(), expected.port())));
        assert_eq!(
            peers.get(&server_inode),
            None,
            "an unconnected socket has no peer"
        );
        Ok(())
    }
}
