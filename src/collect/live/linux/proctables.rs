//! The kernel's text socket tables, `/proc/net/{tcp,tcp6,udp,udp6}` (what `netstat` reads).
//!
//! They are the second view of the hidden-socket check (sock_diag is the first), the way to
//! read a namespace that cannot be entered (`/proc/PID/net/...` shows the namespace of PID),
//! and the source of connected UDP peers, which netstat2's records lack.

use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::model::{Protocol, Socket, TcpState};

/// A table line is under 200 bytes; a longer one is not the kernel's format.
const MAX_LINE_BYTES: u64 = 4096;

/// One row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `tcp` or `udp`.
    pub proto: Protocol,
    /// Local address and port.
    pub local: (IpAddr, u16),
    /// Remote address and port (`0.0.0.0:0` when unconnected).
    pub remote: (IpAddr, u16),
    /// The kernel's state number (`0A` is LISTEN; UDP uses 01 connected, 07 unconnected).
    pub state: u8,
    /// For a listener the accept queue length, else bytes waiting to be read.
    pub rx_queue: u32,
    /// Socket owner uid.
    pub uid: u32,
    /// Socket inode (0 for TIME_WAIT and request sockets).
    pub inode: u64,
}

/// The four tables, by file name and protocol.
pub const TABLES: [(&str, Protocol); 4] = [
    ("tcp", Protocol::Tcp),
    ("tcp6", Protocol::Tcp),
    ("udp", Protocol::Udp),
    ("udp6", Protocol::Udp),
];

/// Reads the four tables under `net_dir` (`/proc/net`, `/proc/thread-self/net`,
/// `/proc/PID/net`). A table that does not exist (no IPv6) is empty; any other read error is
/// returned.
pub fn read_all(net_dir: &Path) -> std::io::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (name, proto) in TABLES {
        match std::fs::File::open(net_dir.join(name)) {
            Ok(file) => read_table(file, proto, &mut rows)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(rows)
}

/// Reads one table's rows (the header line is skipped; unparsable lines are skipped).
pub fn read_table(file: impl Read, proto: Protocol, rows: &mut Vec<Row>) -> std::io::Result<()> {
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut first = true;
    loop {
        line.clear();
        let n = (&mut reader).take(MAX_LINE_BYTES).read_line(&mut line)?;
        if n == 0 {
            return Ok(());
        }
        if std::mem::take(&mut first) {
            continue;
        }
        if let Some(row) = parse_row(&line, proto) {
            rows.push(row);
        }
    }
}

/// `  714: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000  0 123456 ...`
fn parse_row(line: &str, proto: Protocol) -> Option<Row> {
    let mut fields = line.split_whitespace();
    let _slot = fields.next()?;
    let local = parse_hex_endpoint(fields.next()?)?;
    let remote = parse_hex_endpoint(fields.next()?)?;
    let state = u8::from_str_radix(fields.next()?, 16).ok()?;
    let (_, rx) = fields.next()?.split_once(':')?;
    let rx_queue = u32::from_str_radix(rx, 16).ok()?;
    let _timer = fields.next()?;
    let _retransmits = fields.next()?;
    let uid = fields.next()?.parse().ok()?;
    let _timeout = fields.next()?;
    let inode = fields.next()?.parse().ok()?;
    Some(Row {
        proto,
        local,
        remote,
        state,
        rx_queue,
        uid,
        inode,
    })
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

/// The kernel's TCP state numbers (include/net/tcp_states.h).
pub(crate) fn tcp_state(code: u8) -> TcpState {
    match code {
        1 => TcpState::Established,
        2 => TcpState::SynSent,
        // 12 is TCP_NEW_SYN_RECV: a request socket, which ss and netstat show as SYN_RECV.
        3 | 12 => TcpState::SynRecv,
        4 => TcpState::FinWait1,
        5 => TcpState::FinWait2,
        6 => TcpState::TimeWait,
        7 => TcpState::Close,
        8 => TcpState::CloseWait,
        9 => TcpState::LastAck,
        10 => TcpState::Listen,
        11 => TcpState::Closing,
        _ => TcpState::Unknown,
    }
}

impl Row {
    /// The row as a socket (owners not filled in), shaped like a sock_diag record.
    pub fn to_socket(&self) -> Socket {
        let state = (self.proto == Protocol::Tcp).then(|| tcp_state(self.state));
        let (raddr, rport) = self.remote;
        let connected = state != Some(TcpState::Listen) && !(rport == 0 && raddr.is_unspecified());
        Socket {
            remote_addr: connected.then_some(raddr),
            remote_port: connected.then_some(rport),
            state,
            uid: Some(self.uid),
            inode: Some(self.inode),
            ..Socket::new(self.proto, self.local.0, self.local.1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_kernel_rows() {
        let row = "  714: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 123456 2 0000000000000000 0";
        let parsed = parse_row(row, Protocol::Udp).unwrap_or_else(|| panic!("row parses"));
        assert_eq!(parsed.inode, 123456);
        assert_eq!(parsed.uid, 1000);
        assert_eq!(parsed.remote, (IpAddr::from([127, 0, 0, 1]), 53));
        let listener = "   0: 00000000:0016 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 17263 1 0000000000000000 100 0 0 10 0";
        let socket = parse_row(listener, Protocol::Tcp)
            .unwrap_or_else(|| panic!("row parses"))
            .to_socket();
        assert_eq!(socket.state, Some(TcpState::Listen));
        assert_eq!(socket.local_port, 22);
        assert_eq!(socket.remote_addr, None);
        let v6 = parse_hex_endpoint("00000000000000000000000001000000:0035");
        assert_eq!(v6, Some((IpAddr::V6(Ipv6Addr::LOCALHOST), 53)));
        assert_eq!(parse_hex_endpoint("zz:0035"), None);
        assert_eq!(parse_row("garbage", Protocol::Tcp), None);
    }

    #[test]
    fn sees_this_processs_listener_with_its_queue() -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let _waiting = std::net::TcpStream::connect(listener.local_addr()?)?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))?.ino();
        let rows = read_all(Path::new("/proc/self/net"))?;
        let row = rows.iter().find(|r| r.inode == inode);
        assert_eq!(row.map(|r| (r.state, r.rx_queue)), Some((10, 1)));
        assert_eq!(
            row.map(|r| r.local),
            Some((IpAddr::from([127, 0, 0, 1]), listener.local_addr()?.port()))
        );
        Ok(())
    }
}
