//! The record the BPF programs write into the ring buffer (`struct event` in
//! bpf/events.bpf.c), decoded field by field from its bytes: no `unsafe` cast, and a record of
//! the wrong size (an object out of step with this file) is refused, never misread.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Size of `struct event`: 88 bytes of socket facts, then the 112-byte `struct owner`.
pub const EVENT_SIZE: usize = 200;

/// `enum kind` of bpf/events.bpf.c.
pub const EV_CONNECT: u16 = 1;
/// An accept.
pub const EV_ACCEPT: u16 = 2;
/// A listen.
pub const EV_LISTEN: u16 = 3;
/// A close.
pub const EV_CLOSE: u16 = 4;
/// A first UDP send.
pub const EV_UDP_SEND: u16 = 5;
/// A raw or packet socket creation.
pub const EV_RAW_SOCKET: u16 = 6;

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// One decoded record, kernel numbers as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// CLOCK_MONOTONIC nanoseconds.
    pub ts_ns: u64,
    /// Close: nanoseconds since the start (when `start_seen`).
    pub duration_ns: u64,
    /// Close: bytes acknowledged by the peer.
    pub bytes_sent: u64,
    /// Close: bytes received.
    pub bytes_received: u64,
    /// Network namespace inode.
    pub netns: u32,
    /// `EV_*`.
    pub kind: u16,
    /// `AF_*`.
    pub family: u16,
    /// Local port.
    pub sport: u16,
    /// Peer port.
    pub dport: u16,
    /// `SOCK_*`.
    pub sock_type: u16,
    /// Protocol number.
    pub protocol: u16,
    /// Close: the TCP state left (kernel number).
    pub old_state: u8,
    /// Close: the start of the socket was seen.
    pub start_seen: bool,
    /// Local address bytes (4 or 16 used).
    pub saddr: [u8; 16],
    /// Peer address bytes.
    pub daddr: [u8; 16],
    /// Owner facts were recorded.
    pub owner_known: bool,
    /// cgroup v2 id.
    pub cgroup_id: u64,
    /// The process's start, nanoseconds since boot (its leader's `start_boottime`; 0 when
    /// unknown): with `tgid`, names one process for ever, whatever PIDs are reused.
    pub start_ns: u64,
    /// Thread group id.
    pub tgid: u32,
    /// Thread id.
    pub tid: u32,
    /// Real uid.
    pub uid: u32,
    /// `comm`, NUL-terminated bytes.
    pub comm: Vec<u8>,
    /// Executable file name, NUL-terminated bytes.
    pub exe: Vec<u8>,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_ne_bytes(a)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_ne_bytes(a)
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn c_string(b: &[u8]) -> Vec<u8> {
    b.iter().take_while(|&&c| c != 0).copied().collect()
}

fn array16(b: &[u8], at: usize) -> [u8; 16] {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[at..at + 16]);
    a
}

/// Decodes one ring-buffer record; `None` when its size is not [`EVENT_SIZE`].
pub fn decode(b: &[u8]) -> Option<Record> {
    // The ring hands out records of the reserved size rounded up to 8: exactly ours.
    if b.len() != EVENT_SIZE {
        return None;
    }
    Some(Record {
        ts_ns: u64_at(b, 0),
        duration_ns: u64_at(b, 8),
        bytes_sent: u64_at(b, 16),
        bytes_received: u64_at(b, 24),
        netns: u32_at(b, 32),
        kind: u16_at(b, 36),
        family: u16_at(b, 38),
        sport: u16_at(b, 40),
        dport: u16_at(b, 42),
        sock_type: u16_at(b, 44),
        protocol: u16_at(b, 46),
        old_state: b[48],
        start_seen: b[49] != 0,
        saddr: array16(b, 56),
        daddr: array16(b, 72),
        cgroup_id: u64_at(b, 88),
        start_ns: u64_at(b, 96),
        tgid: u32_at(b, 104),
        tid: u32_at(b, 108),
        uid: u32_at(b, 112),
        owner_known: u32_at(b, 116) != 0,
        comm: c_string(&b[120..136]),
        exe: c_string(&b[136..200]),
    })
}

/// The address in `bytes` for `family`; `None` for families without one.
pub fn addr(family: u16, bytes: &[u8; 16]) -> Option<IpAddr> {
    match family {
        AF_INET => Some(IpAddr::V4(Ipv4Addr::new(
            bytes[0], bytes[1], bytes[2], bytes[3],
        ))),
        AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(*bytes))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields_at_their_offsets_and_refuses_other_sizes() {
        let mut b = vec![0u8; EVENT_SIZE];
        b[36..38].copy_from_slice(&EV_CLOSE.to_ne_bytes());
        b[38..40].copy_from_slice(&AF_INET.to_ne_bytes());
        b[42..44].copy_from_slice(&443u16.to_ne_bytes());
        b[72..76].copy_from_slice(&[192, 0, 2, 7]);
        b[96..104].copy_from_slice(&7_000_000_000u64.to_ne_bytes());
        b[104..108].copy_from_slice(&4242u32.to_ne_bytes());
        b[116] = 1;
        b[120..124].copy_from_slice(b"curl");
        b[136..140].copy_from_slice(b"curl");
        let r = decode(&b).unwrap();
        assert_eq!((r.kind, r.dport, r.tgid), (EV_CLOSE, 443, 4242));
        assert_eq!(r.start_ns, 7_000_000_000);
        assert!(r.owner_known);
        assert_eq!(r.comm, b"curl");
        assert_eq!(addr(r.family, &r.daddr), Some("192.0.2.7".parse().unwrap()));
        assert!(decode(&b[..EVENT_SIZE - 8]).is_none());
    }
}
