//! Sockets: protocol, family, TCP state, owner attribution, and one socket's facts.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

pub use super::capture::CaptureFacts;
pub use super::tcp_state::TcpState;
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
///
/// In JSON, `local_addr` / `remote_addr` are `null` where a capture printed a host name
/// instead of an address (`web1:mysql`, `ht-in-f189.1e100.net:https`): the name is in
/// `capture.local_name` / `capture.remote_name`, and an address we do not know is never shown
/// as the wildcard. In memory the field then holds the family's unspecified address, and
/// [`Socket::local_ip`] / [`Socket::remote_ip`] say `None`: every rule and report asks those.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "wire::SocketIn")]
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
    /// Whether this host opened the connection (`true`) or accepted it (`false`), where the
    /// source saw which (an event stream's connect and accept); absent where only a table was
    /// read, and readers infer it from the listeners (docs/sigma.md, `Initiated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiated: Option<bool>,
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
            initiated: None,
        }
    }

    /// The local address; `None` when the capture printed a host name instead (see
    /// `capture.local_name`): unknown, not the wildcard.
    pub fn local_ip(&self) -> Option<IpAddr> {
        match &self.capture {
            Some(c) if c.local_unknown => None,
            _ => Some(self.local_addr),
        }
    }

    /// The peer's address; `None` without a peer, or when the capture printed a host name.
    pub fn remote_ip(&self) -> Option<IpAddr> {
        match &self.capture {
            Some(c) if c.remote_unknown => None,
            _ => self.remote_addr,
        }
    }

    /// The scope of the local bind: `unknown` for a host name.
    pub fn local_scope(&self) -> super::scope::Scope {
        self.local_ip()
            .map_or(super::scope::Scope::Unknown, super::scope::classify)
    }

    /// The host name a capture printed for the local end, when it printed one.
    pub fn local_name(&self) -> Option<&str> {
        self.capture
            .as_deref()
            .filter(|c| c.local_unknown)
            .and_then(|c| c.local_name.as_deref())
    }

    /// The host name a capture printed for the remote end, when it printed one.
    pub fn remote_name(&self) -> Option<&str> {
        self.capture
            .as_deref()
            .filter(|c| c.remote_unknown)
            .and_then(|c| c.remote_name.as_deref())
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

/// The JSON form of a [`Socket`]: addresses that are names are `null`.
mod wire {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::sync::Arc;

    use serde::{Deserialize, Serialize, Serializer};

    use super::{
        Attribution, CaptureFacts, Family, ListenFacts, Protocol, Socket, TcpState, Traffic,
        Unattributed,
    };

    /// Borrowed view written out: no copy of a 100k-socket table.
    #[derive(Serialize)]
    struct SocketOut<'a> {
        proto: Protocol,
        family: Family,
        local_addr: Option<IpAddr>,
        local_port: u16,
        remote_addr: Option<IpAddr>,
        remote_port: Option<u16>,
        state: Option<TcpState>,
        uid: Option<u32>,
        inode: Option<u64>,
        pids: &'a [u32],
        attribution: Option<Attribution>,
        unattributed: Option<Unattributed>,
        #[serde(skip_serializing_if = "Option::is_none")]
        capture: Option<&'a CaptureFacts>,
        #[serde(skip_serializing_if = "Option::is_none")]
        netns: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        listen: Option<&'a ListenFacts>,
        #[serde(skip_serializing_if = "Option::is_none")]
        traffic: Option<&'a Traffic>,
        #[serde(skip_serializing_if = "Option::is_none")]
        initiated: Option<bool>,
    }

    impl Serialize for Socket {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            SocketOut {
                proto: self.proto,
                family: self.family,
                local_addr: self.local_ip(),
                local_port: self.local_port,
                // A named peer keeps its port: `null` here means "a name", not "no peer".
                remote_addr: self.remote_ip(),
                remote_port: self.remote_port,
                state: self.state,
                uid: self.uid,
                inode: self.inode,
                pids: &self.pids,
                attribution: self.attribution,
                unattributed: self.unattributed,
                capture: self.capture.as_deref(),
                netns: self.netns.as_deref(),
                listen: self.listen.as_deref(),
                traffic: self.traffic.as_deref(),
                initiated: self.initiated,
            }
            .serialize(serializer)
        }
    }

    /// What is read back, from this schema or an older one.
    #[derive(Deserialize)]
    pub(super) struct SocketIn {
        proto: Protocol,
        family: Family,
        local_addr: Option<IpAddr>,
        local_port: u16,
        remote_addr: Option<IpAddr>,
        remote_port: Option<u16>,
        state: Option<TcpState>,
        uid: Option<u32>,
        inode: Option<u64>,
        pids: Vec<u32>,
        attribution: Option<Attribution>,
        unattributed: Option<Unattributed>,
        #[serde(default)]
        capture: Option<Box<CaptureFacts>>,
        #[serde(default)]
        netns: Option<Arc<str>>,
        #[serde(default)]
        listen: Option<Box<ListenFacts>>,
        #[serde(default)]
        traffic: Option<Box<Traffic>>,
        #[serde(default)]
        initiated: Option<bool>,
    }

    fn unspecified(family: Family) -> IpAddr {
        match family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }

    /// Whether a printed endpoint's host part is a name: schema 2 wrote the unspecified
    /// address for those, which must not read back as a wildcard bind.
    fn host_is_name(printed: &str) -> bool {
        let host = printed.rsplit_once(':').map_or(printed, |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.split_once('%').map_or(host, |(h, _)| h);
        !host.is_empty() && host != "*" && host.parse::<IpAddr>().is_err()
    }

    impl From<SocketIn> for Socket {
        fn from(w: SocketIn) -> Socket {
            let mut capture = w.capture;
            if let Some(c) = capture.as_deref_mut() {
                c.local_unknown =
                    w.local_addr.is_none() || c.local_name.as_deref().is_some_and(host_is_name);
                c.remote_unknown = c.remote_name.is_some()
                    && (w.remote_addr.is_none()
                        || c.remote_name.as_deref().is_some_and(host_is_name));
            }
            // A named peer (`remote_addr: null` with a port) is a peer all the same.
            let named_peer = capture.as_deref().is_some_and(|c| c.remote_unknown);
            Socket {
                proto: w.proto,
                family: w.family,
                local_addr: w.local_addr.unwrap_or(unspecified(w.family)),
                local_port: w.local_port,
                remote_addr: w
                    .remote_addr
                    .or_else(|| named_peer.then(|| unspecified(w.family))),
                remote_port: w.remote_port,
                state: w.state,
                uid: w.uid,
                inode: w.inode,
                pids: w.pids,
                attribution: w.attribution,
                unattributed: w.unattributed,
                capture,
                netns: w.netns,
                listen: w.listen,
                traffic: w.traffic,
                initiated: w.initiated,
            }
        }
    }
}
