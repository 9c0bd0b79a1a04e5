//! packet_diag (`CONFIG_PACKET_DIAG`): every `AF_PACKET` socket of the calling thread's
//! namespace over sock_diag. netlink-packet-sock-diag 0.4 knows inet and unix diag only, so
//! the request (`struct packet_diag_req`) and the answer (`struct packet_diag_msg` and its
//! attributes) are written and read here.

use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader, NetlinkSerializable};
use netlink_sys::protocols::NETLINK_SOCK_DIAG;

use super::netlink::{Conn, DumpError};
use crate::model::rawsock::{PacketType, protocol_name};
use crate::model::{RawKind, RawSocket};

/// Every packet socket over packet_diag (`CONFIG_PACKET_DIAG`).
pub fn dump_packet() -> Result<Vec<RawSocket>, DumpError> {
    let mut conn = Conn::open(NETLINK_SOCK_DIAG)?;
    let answers = conn.dump(PacketDiag::Request, "packet socket table")?;
    Ok(answers
        .into_iter()
        .filter_map(|a| match a {
            PacketDiag::Response(socket) => Some(*socket),
            PacketDiag::Request => None,
        })
        .collect())
}

/// `SOCK_DIAG_BY_FAMILY`, the message type of every sock_diag request and answer.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `AF_PACKET`.
const AF_PACKET: u8 = 17;
/// `PACKET_SHOW_INFO`: ask for `PACKET_DIAG_INFO` (the bound interface).
const PACKET_SHOW_INFO: u32 = 0x1;
/// Attribute types of a packet_diag answer (`linux/packet_diag.h`).
const PACKET_DIAG_INFO: u16 = 0;
const PACKET_DIAG_UID: u16 = 5;

/// A packet_diag request or answer. netlink-packet-sock-diag 0.4 knows inet and unix diag
/// only, so the request bytes (`struct packet_diag_req`) and the answer (`struct
/// packet_diag_msg` and its attributes) are written and read here.
#[derive(Debug, Clone)]
enum PacketDiag {
    /// A dump of every packet socket with its info.
    Request,
    /// One socket.
    Response(Box<RawSocket>),
}

/// Why a packet_diag answer did not decode.
#[derive(Debug, thiserror::Error)]
#[error("packet_diag answer: {0}")]
struct PacketDiagError(&'static str);

impl NetlinkSerializable for PacketDiag {
    fn message_type(&self) -> u16 {
        SOCK_DIAG_BY_FAMILY
    }

    fn buffer_len(&self) -> usize {
        // family, protocol, pad (u16), ino, show, cookie[2]
        20
    }

    fn serialize(&self, buffer: &mut [u8]) {
        buffer.fill(0);
        if let Some(b) = buffer.first_mut() {
            *b = AF_PACKET;
        }
        // sdiag_protocol 0: every protocol; pdiag_ino 0: every socket.
        if let Some(show) = buffer.get_mut(8..12) {
            show.copy_from_slice(&PACKET_SHOW_INFO.to_ne_bytes());
        }
    }
}

impl NetlinkDeserializable for PacketDiag {
    type Error = PacketDiagError;

    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, Self::Error> {
        if header.message_type != SOCK_DIAG_BY_FAMILY {
            return Err(PacketDiagError("unexpected message type"));
        }
        parse_packet_msg(payload).map(|s| PacketDiag::Response(Box::new(s)))
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at + 2)?;
    Some(u16::from_ne_bytes([b[0], b[1]]))
}

/// `struct packet_diag_msg { u8 family, type; u16 num; u32 ino; u32 cookie[2]; }` and its
/// attributes (4-byte aligned `struct nlattr`s).
fn parse_packet_msg(payload: &[u8]) -> Result<RawSocket, PacketDiagError> {
    let sock_type = *payload.get(1).ok_or(PacketDiagError("too short"))?;
    // pdiag_num is the protocol in host order (the kernel applies ntohs).
    let protocol = u16_at(payload, 2).ok_or(PacketDiagError("too short"))?;
    let inode = u32_at(payload, 4).ok_or(PacketDiagError("too short"))?;
    let mut socket = packet_socket(u32::from(sock_type), protocol, 0, u64::from(inode), None);
    let mut at = 16;
    while let (Some(len), Some(kind)) = (u16_at(payload, at), u16_at(payload, at + 2)) {
        let len = usize::from(len);
        if len < 4 {
            return Err(PacketDiagError("attribute shorter than its header"));
        }
        let data = payload
            .get(at + 4..at + len)
            .ok_or(PacketDiagError("attribute past the end"))?;
        match kind & 0x3fff {
            // struct packet_diag_info: pdi_index first.
            PACKET_DIAG_INFO => socket.ifindex = u32_at(data, 0).unwrap_or(0),
            PACKET_DIAG_UID => socket.uid = u32_at(data, 0),
            _ => {}
        }
        at += (len + 3) & !3;
    }
    Ok(socket)
}

/// A packet socket of either view, no owners yet.
pub(super) fn packet_socket(
    sock_type: u32,
    protocol: u16,
    ifindex: u32,
    inode: u64,
    uid: Option<u32>,
) -> RawSocket {
    RawSocket {
        kind: RawKind::Packet,
        family: None,
        protocol,
        protocol_name: protocol_name(RawKind::Packet, protocol),
        packet_type: Some(PacketType::from_sock_type(sock_type)),
        ifindex,
        interface: None,
        local_addr: None,
        remote_addr: None,
        inode,
        uid,
        pids: Vec::new(),
        netns: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_diag_answer_decodes_with_its_attributes() {
        // The answer strace showed for `socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))` bound
        // to ifindex 4, uid 1000.
        let mut msg = vec![AF_PACKET, 3];
        msg.extend(3u16.to_ne_bytes());
        msg.extend(10947u32.to_ne_bytes());
        msg.extend([0u8; 8]);
        // PACKET_DIAG_INFO: nla_len 28, then 6 u32s (index first).
        msg.extend(28u16.to_ne_bytes());
        msg.extend(PACKET_DIAG_INFO.to_ne_bytes());
        msg.extend(4u32.to_ne_bytes());
        msg.extend([0u8; 20]);
        msg.extend(8u16.to_ne_bytes());
        msg.extend(PACKET_DIAG_UID.to_ne_bytes());
        msg.extend(1000u32.to_ne_bytes());
        let socket = parse_packet_msg(&msg).map_err(|e| e.to_string());
        let socket = socket
            .as_ref()
            .map(|s| (s.inode, s.protocol, s.ifindex, s.uid));
        assert_eq!(socket, Ok((10947, 3, 4, Some(1000))));
        assert!(parse_packet_msg(&msg[..3]).is_err());
        let mut bad = msg.clone();
        bad[16] = 200; // an attribute longer than the message
        assert!(parse_packet_msg(&bad).is_err());
    }

    #[test]
    fn the_request_is_a_packet_diag_req() {
        let mut buf = vec![0xffu8; PacketDiag::Request.buffer_len()];
        PacketDiag::Request.serialize(&mut buf);
        assert_eq!(buf.len(), 20);
        assert_eq!(buf[0], AF_PACKET);
        assert_eq!(u32_at(&buf, 8), Some(PACKET_SHOW_INFO));
        assert!(buf[1..8].iter().chain(&buf[12..]).all(|b| *b == 0));
    }
}
