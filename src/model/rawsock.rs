//! Raw IP sockets (`ss -w`) and packet sockets (`AF_PACKET`, `ss -0`): sockets without ports.
//!
//! They are kept apart from [`Socket`](crate::model::Socket) because everything that reads a
//! `Socket` assumes a port and an IP address; a packet socket has neither, and a raw socket's
//! "port" is its IP protocol number. A sniffer (`AF_PACKET`) or an ICMP backdoor (a raw ICMP
//! socket) is visible only here.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{Family, namespace};

/// Which of the two kinds of portless socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawKind {
    /// A raw IP socket (`socket(AF_INET|AF_INET6, SOCK_RAW, PROTOCOL)`): sees and sends whole
    /// IP payloads of one protocol (ICMP for ping, or any).
    Raw,
    /// A packet socket (`socket(AF_PACKET, ...)`): sees link-layer frames, a sniffer's tool.
    Packet,
}

impl RawKind {
    /// `raw` or `packet`, as in JSON and the `list` proto column.
    pub fn as_str(self) -> &'static str {
        match self {
            RawKind::Raw => "raw",
            RawKind::Packet => "packet",
        }
    }
}

impl std::fmt::Display for RawKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The socket type of a packet socket: whole frames, or frames without the link header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PacketType {
    /// `SOCK_RAW`: frames with their link-layer header (what tcpdump opens).
    Raw,
    /// `SOCK_DGRAM`: the link-layer header removed (dhclient, arping).
    Dgram,
    /// Another type number (the obsolete `SOCK_PACKET`).
    Other,
}

impl PacketType {
    /// From the kernel's `sk_type` number.
    pub fn from_sock_type(sock_type: u32) -> PacketType {
        match sock_type {
            3 => PacketType::Raw,
            2 => PacketType::Dgram,
            _ => PacketType::Other,
        }
    }
}

/// A raw or packet socket, with its owners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawSocket {
    /// `raw` or `packet`.
    pub kind: RawKind,
    /// `ipv4` or `ipv6` for a raw socket; absent for a packet socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// Raw: the IP protocol number (1 ICMP, 58 ICMPv6, 255 any). Packet: the ethertype it
    /// receives, host order (`0x0003` every frame, `0x0800` IPv4, 0 none until bound).
    pub protocol: u16,
    /// The protocol's name (`icmp`, `icmpv6`, `all`, `ip`, `arp`...) or its number.
    pub protocol_name: String,
    /// Packet sockets: `raw` (with link headers) or `dgram`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet_type: Option<PacketType>,
    /// Interface index it is bound to; 0 = every interface.
    #[serde(default)]
    pub ifindex: u32,
    /// That interface's name, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// Raw sockets: the local address it is bound to (absent when unbound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_addr: Option<IpAddr>,
    /// Raw sockets: the address it is connected to (absent when unconnected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_addr: Option<IpAddr>,
    /// Socket inode.
    pub inode: u64,
    /// Owner uid of the socket.
    #[serde(default)]
    pub uid: Option<u32>,
    /// PIDs holding it, ascending.
    #[serde(default)]
    pub pids: Vec<u32>,
    /// Network namespace label (`host`, an `ip netns` name, `docker:...`); absent: the
    /// collector's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns: Option<String>,
}

impl RawSocket {
    /// Namespace label, `host` when unlabelled.
    pub fn netns_label(&self) -> &str {
        self.netns.as_deref().unwrap_or(namespace::HOST)
    }

    /// Whether it lives in the host's namespace.
    pub fn in_host_netns(&self) -> bool {
        self.netns_label() == namespace::HOST
    }

    /// The deterministic output order: namespace, kind, family, protocol, interface, inode.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            !self.in_host_netns(),
            self.netns.as_deref(),
            self.kind,
            self.family,
            self.protocol,
            self.ifindex,
            self.inode,
        )
    }

    /// `raw`, `raw6` or `packet`: the proto column of `list`.
    pub fn proto_text(&self) -> &'static str {
        match (self.kind, self.family) {
            (RawKind::Raw, Some(Family::Ipv6)) => "raw6",
            (RawKind::Raw, _) => "raw",
            (RawKind::Packet, _) => "packet",
        }
    }

    /// `raw icmp`, `packet all (raw) on eth0`: the socket in a few words, for messages.
    pub fn describe(&self) -> String {
        let mut text = format!("{} {}", self.proto_text(), self.protocol_name);
        if let Some(t) = self.packet_type {
            let t = match t {
                PacketType::Raw => "raw",
                PacketType::Dgram => "dgram",
                PacketType::Other => "other type",
            };
            text.push_str(&format!(" ({t})"));
        }
        text.push_str(" on ");
        text.push_str(&self.interface_text());
        text
    }

    /// The interface name, `ifindex N` when the name is unknown, or `*` for every interface.
    pub fn interface_text(&self) -> String {
        match (&self.interface, self.ifindex) {
            (_, 0) => "*".to_string(),
            (Some(name), _) => name.clone(),
            (None, index) => format!("ifindex {index}"),
        }
    }
}

/// The name of a raw socket's IP protocol or a packet socket's ethertype.
pub fn protocol_name(kind: RawKind, protocol: u16) -> String {
    let known = match (kind, protocol) {
        (RawKind::Raw, 0) => Some("ip"),
        (RawKind::Raw, 1) => Some("icmp"),
        (RawKind::Raw, 2) => Some("igmp"),
        (RawKind::Raw, 6) => Some("tcp"),
        (RawKind::Raw, 17) => Some("udp"),
        (RawKind::Raw, 47) => Some("gre"),
        (RawKind::Raw, 58) => Some("icmpv6"),
        (RawKind::Raw, 89) => Some("ospf"),
        (RawKind::Raw, 103) => Some("pim"),
        (RawKind::Raw, 112) => Some("vrrp"),
        (RawKind::Raw, 132) => Some("sctp"),
        (RawKind::Raw, 255) => Some("raw"),
        (RawKind::Packet, 0) => Some("none"),
        (RawKind::Packet, 0x0003) => Some("all"),
        (RawKind::Packet, 0x0800) => Some("ip"),
        (RawKind::Packet, 0x0806) => Some("arp"),
        (RawKind::Packet, 0x8035) => Some("rarp"),
        (RawKind::Packet, 0x86dd) => Some("ipv6"),
        (RawKind::Packet, 0x8100) => Some("802.1q"),
        (RawKind::Packet, 0x888e) => Some("eapol"),
        (RawKind::Packet, 0x88cc) => Some("lldp"),
        _ => None,
    };
    match (known, kind) {
        (Some(name), _) => name.to_string(),
        (None, RawKind::Raw) => protocol.to_string(),
        (None, RawKind::Packet) => format!("0x{protocol:04x}"),
    }
}

/// The protocol number a rule names: a number (`1`, `0x0003`) or a name of
/// [`protocol_name`] (`icmp`, `all`).
pub fn parse_protocol(kind: RawKind, text: &str) -> Option<u16> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x") {
        return u16::from_str_radix(hex, 16).ok();
    }
    if let Ok(n) = text.parse() {
        return Some(n);
    }
    (0..=u16::MAX).find(|n| protocol_name(kind, *n).eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        assert_eq!(protocol_name(RawKind::Raw, 1), "icmp");
        assert_eq!(protocol_name(RawKind::Raw, 200), "200");
        assert_eq!(protocol_name(RawKind::Packet, 3), "all");
        assert_eq!(protocol_name(RawKind::Packet, 0x1234), "0x1234");
        assert_eq!(parse_protocol(RawKind::Raw, "icmp"), Some(1));
        assert_eq!(parse_protocol(RawKind::Raw, "ICMPv6"), Some(58));
        assert_eq!(parse_protocol(RawKind::Packet, "all"), Some(3));
        assert_eq!(parse_protocol(RawKind::Packet, "0x88cc"), Some(0x88cc));
        assert_eq!(parse_protocol(RawKind::Raw, "17"), Some(17));
        assert_eq!(parse_protocol(RawKind::Raw, "nonsense"), None);
    }

    #[test]
    fn description_names_the_interface() {
        let socket = RawSocket {
            kind: RawKind::Packet,
            family: None,
            protocol: 3,
            protocol_name: "all".to_string(),
            packet_type: Some(PacketType::Raw),
            ifindex: 2,
            interface: None,
            local_addr: None,
            remote_addr: None,
            inode: 9,
            uid: Some(0),
            pids: vec![],
            netns: None,
        };
        assert_eq!(socket.describe(), "packet all (raw) on ifindex 2");
        let raw6 = RawSocket {
            kind: RawKind::Raw,
            family: Some(Family::Ipv6),
            protocol: 58,
            protocol_name: "icmpv6".to_string(),
            packet_type: None,
            ifindex: 0,
            ..socket
        };
        assert_eq!(raw6.describe(), "raw6 icmpv6 on *");
    }
}
