//! Sockets: protocol, family, TCP state, owner attribution, and one socket's facts.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{ListenFacts, Traffic, namespace};

/// Transport protocol of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// Lower-case name, as netstat prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Address family of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4.
    Ipv4,
    /// IPv6 (IPv4-mapped addresses included).
    Ipv6,
}

impl Family {
    /// The family an address belongs to.
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }
}

/// TCP state, spelled the way Linux `netstat` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TcpState {
    /// Waiting for connections.
    #[serde(rename = "LISTEN")]
    Listen,
    /// Open connection.
    #[serde(rename = "ESTABLISHED")]
    Established,
    /// Our SYN sent, waiting for the answer.
    #[serde(rename = "SYN_SENT")]
    SynSent,
    /// Peer's SYN received, handshake not finished (a request socket on Linux).
    #[serde(rename = "SYN_RECV")]
    SynRecv,
    /// We closed first, waiting for the peer's ACK/FIN.
    #[serde(rename = "FIN_WAIT1")]
    FinWait1,
    /// We closed first, our FIN acknowledged, waiting for the peer's FIN.
    #[serde(rename = "FIN_WAIT2")]
    FinWait2,
    /// Closed, lingering so late packets are not taken for a new connection.
    #[serde(rename = "TIME_WAIT")]
    TimeWait,
    /// Not in use.
    #[serde(rename = "CLOSE")]
    Close,
    /// The peer closed; our side has not closed yet (a leak when it stays).
    #[serde(rename = "CLOSE_WAIT")]
    CloseWait,
    /// Both closed, waiting for the last ACK.
    #[serde(rename = "LAST_ACK")]
    LastAck,
    /// Both sides closed at once.
    #[serde(rename = "CLOSING")]
    Closing,
    /// Windows only: the control block is being deleted.
    #[serde(rename = "DELETE_TCB")]
    DeleteTcb,
    /// A state the OS reported that none of the above names.
    #[serde(rename = "UNKNOWN")]
    Unknown,
}

impl TcpState {
    /// Every state, in display order.
    pub const ALL: [TcpState; 13] = [
        TcpState::Listen,
        TcpState::Established,
        TcpState::SynSent,
        TcpState::SynRecv,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::TimeWait,
        TcpState::Close,
        TcpState::CloseWait,
        TcpState::LastAck,
        TcpState::Closing,
        TcpState::DeleteTcb,
        TcpState::Unknown,
    ];

    /// The netstat spelling (`SYN_RECV`, `TIME_WAIT`...).
    pub fn as_str(self) -> &'static str {
        match self {
            TcpState::Listen => "LISTEN",
            TcpState::Established => "ESTABLISHED",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRecv => "SYN_RECV",
            TcpState::FinWait1 => "FIN_WAIT1",
            TcpState::FinWait2 => "FIN_WAIT2",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::Close => "CLOSE",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::LastAck => "LAST_ACK",
            TcpState::Closing => "CLOSING",
            TcpState::DeleteTcb => "DELETE_TCB",
            TcpState::Unknown => "UNKNOWN",
        }
    }

    /// Parses the netstat spelling and the common variants people type
    /// (`syn-recv`, `SYN_RECEIVED`, `established`, `ESTAB`, `LISTENING`).
    pub fn parse(text: &str) -> Option<TcpState> {
        let norm: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_uppercase)
            .collect();
        Some(match norm.as_str() {
            "LISTEN" | "LISTENING" => TcpState::Listen,
            "ESTABLISHED" | "ESTAB" => TcpState::Established,
            "SYNSENT" => TcpState::SynSent,
            "SYNRECV" | "SYNRECEIVED" | "SYNRCVD" => TcpState::SynRecv,
            "FINWAIT1" => TcpState::FinWait1,
            "FINWAIT2" => TcpState::FinWait2,
            "TIMEWAIT" => TcpState::TimeWait,
            "CLOSE" | "CLOSED" => TcpState::Close,
            "CLOSEWAIT" => TcpState::CloseWait,
            "LASTACK" => TcpState::LastAck,
            "CLOSING" => TcpState::Closing,
            "DELETETCB" => TcpState::DeleteTcb,
            "UNKNOWN" => TcpState::Unknown,
            _ => return None,
        })
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a socket's owning PIDs were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attribution {
    /// A process holds the socket in one of its file descriptors.
    Fd,
    /// A SYN_RECV request socket (no fd of its own): owned by the process of the LISTEN socket
    /// it arrived on.
    Listener,
    /// The OS reported the owner directly (Windows, imported captures).
    Reported,
}

/// Why a socket has no owning process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unattributed {
    /// Its owner's `/proc/PID/fd` could not be read (not root, or `/proc` mounted `hidepid`).
    Permission,
    /// Its owner exited between the socket dump and the `/proc` read.
    Exited,
    /// No process holds it (TIME_WAIT, orphaned FIN_WAIT, a request socket with no listener).
    NoOwner,
}

impl Unattributed {
    /// Kebab-case name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Unattributed::Permission => "permission",
            Unattributed::Exited => "exited",
            Unattributed::NoOwner => "no-owner",
        }
    }
}

/// One TCP or UDP socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Socket {
    /// `tcp` or `udp`.
    pub proto: Protocol,
    /// `ipv4` or `ipv6`.
    pub family: Family,
    /// Local address (`0.0.0.0` / `::` for a wildcard bind).
    pub local_addr: IpAddr,
    /// Local port.
    pub local_port: u16,
    /// Peer address; `null` for listeners and unconnected UDP sockets.
    pub remote_addr: Option<IpAddr>,
    /// Peer port; `null` when `remote_addr` is.
    pub remote_port: Option<u16>,
    /// TCP state; `null` for UDP.
    pub state: Option<TcpState>,
    /// Owner uid of the socket as the kernel reports it (Linux).
    pub uid: Option<u32>,
    /// Socket inode (Linux); `null` or 0 for sockets no fd holds.
    pub inode: Option<u64>,
    /// PIDs of the processes that own the socket, sorted.
    pub pids: Vec<u32>,
    /// How `pids` were found; `null` when they were not.
    pub attribution: Option<Attribution>,
    /// Why `pids` is empty; `null` when it is not.
    pub unattributed: Option<Unattributed>,
    /// What an imported capture said about this socket beyond the columns above (names it
    /// printed instead of numbers, a program without a PID, traffic counters). Absent for live
    /// collections. Boxed: it is rare, and a live table of 100k sockets should not pay for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<Box<CaptureFacts>>,
    /// The label of the network namespace the socket lives in (`host`, an `ip netns` name,
    /// `docker:0123456789ab`, `net:[INODE]`; see [`Snapshot::namespaces`](crate::model::Snapshot::namespaces)). Absent when the
    /// source does not say (imported captures, other systems): rules take those as `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns: Option<std::sync::Arc<str>>,
    /// Accept-queue fill and proxy destination of a TCP listener (Linux). Boxed: only
    /// listeners carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<Box<ListenFacts>>,
    /// Bytes, segments, round-trip time and retransmissions of a TCP socket, from the kernel's
    /// `tcp_info` (Linux; only when asked for: `list --wide`, `top`, byte-threshold rules).
    /// Boxed: most collections do not read them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Box<Traffic>>,
}

/// Facts only an imported capture gives about a socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureFacts {
    /// The local endpoint as the capture printed it, when that was not numeric
    /// (`DESKTOP-7Q2:epmap`): the host name is kept, the port mapped when the service name is
    /// known (else 0), and `local_addr` holds the unspecified address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_name: Option<String>,
    /// The remote endpoint as printed, when not numeric (`ht-in-f189.1e100.net:https`); then
    /// `remote_addr` is the unspecified address of the family, which no rule takes for a peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_name: Option<String>,
    /// The owning program as the capture named it when it gave no PID (`netstat -b`
    /// without `-o`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Packets sent on this connection (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_packets: Option<u64>,
    /// Bytes sent (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_bytes: Option<u64>,
    /// Packets received (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_packets: Option<u64>,
    /// Bytes received (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_bytes: Option<u64>,
}

impl CaptureFacts {
    /// Whether nothing is set (then a socket carries no `capture` at all).
    pub fn is_empty(&self) -> bool {
        *self == CaptureFacts::default()
    }
}

impl Socket {
    /// A socket with only its protocol and local end known (family from the address); every
    /// other fact starts empty, for the collector that fills them in.
    pub fn new(proto: Protocol, local_addr: IpAddr, local_port: u16) -> Socket {
        Socket {
            proto,
            family: Family::of(&local_addr),
            local_addr,
            local_port,
            remote_addr: None,
            remote_port: None,
            state: None,
            uid: None,
            inode: None,
            pids: Vec::new(),
            attribution: None,
            unattributed: None,
            capture: None,
            netns: None,
            listen: None,
            traffic: None,
        }
    }

    /// A listener: TCP in LISTEN, or an unconnected UDP socket (as `netstat -l` shows it).
    pub fn is_listener(&self) -> bool {
        match self.proto {
            Protocol::Tcp => self.state == Some(TcpState::Listen),
            Protocol::Udp => self.remote_addr.is_none(),
        }
    }

    /// Bytes sent on this connection: the live counters (acknowledged bytes), else what an
    /// imported capture said (TCPView); `None` when the source has neither.
    pub fn bytes_sent(&self) -> Option<u64> {
        self.traffic
            .as_ref()
            .map(|t| t.bytes_acked)
            .or_else(|| self.capture.as_ref().and_then(|c| c.sent_bytes))
    }

    /// Bytes received on this connection: the live counters, else the capture's; `None` when
    /// the source has neither.
    pub fn bytes_received(&self) -> Option<u64> {
        self.traffic
            .as_ref()
            .map(|t| t.bytes_received)
            .or_else(|| self.capture.as_ref().and_then(|c| c.received_bytes))
    }

    /// The namespace label, `host` when the source did not say.
    pub fn netns_label(&self) -> &str {
        self.netns.as_deref().unwrap_or(namespace::HOST)
    }

    /// Whether the socket lives in the host's network namespace (or the source did not say).
    pub fn in_host_netns(&self) -> bool {
        self.netns_label() == namespace::HOST
    }

    /// The deterministic order used for every output.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.netns.is_some() && !self.in_host_netns(),
            &self.netns,
            self.proto,
            self.local_addr,
            self.local_port,
            self.remote_addr,
            self.remote_port,
            self.state,
            self.inode,
            &self.pids,
        )
    }
}
