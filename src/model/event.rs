//! Socket events (`watch --events`, docs/events.md): one connect, accept, listen, close, first
//! UDP send or raw socket creation, with its owner as the kernel named it at that moment.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{Family, Protocol, TcpState};

/// What happened to the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// An outbound TCP connection started (the SYN is about to leave).
    Connect,
    /// An inbound TCP connection was accepted by a process.
    Accept,
    /// A TCP socket started listening.
    Listen,
    /// A TCP socket closed (lifetime and bytes each way when its start was seen).
    Close,
    /// A process sent its first UDP datagram to a peer.
    UdpSend,
    /// A raw IP or packet socket was created (sniffers, crafted packets).
    RawSocket,
}

impl EventKind {
    /// Every kind, in the order of [`KindCounts`].
    pub const ALL: [EventKind; 6] = [
        EventKind::Connect,
        EventKind::Accept,
        EventKind::Listen,
        EventKind::Close,
        EventKind::UdpSend,
        EventKind::RawSocket,
    ];

    fn index(self) -> usize {
        match self {
            EventKind::Connect => 0,
            EventKind::Accept => 1,
            EventKind::Listen => 2,
            EventKind::Close => 3,
            EventKind::UdpSend => 4,
            EventKind::RawSocket => 5,
        }
    }

    /// Kebab-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Connect => "connect",
            EventKind::Accept => "accept",
            EventKind::Listen => "listen",
            EventKind::Close => "close",
            EventKind::UdpSend => "udp-send",
            EventKind::RawSocket => "raw-socket",
        }
    }
}

/// How events are observed: what each mode sees and misses is in docs/events.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventMode {
    /// eBPF programs in the kernel: every event, owner taken at the event.
    Ebpf,
    /// sock_diag destroy notifications (every TCP close) plus fast polling for owners.
    #[serde(rename = "sock-diag+poll")]
    SockDiagPoll,
    /// Polling the socket table only (other systems).
    Poll,
}

impl EventMode {
    /// The name printed in the stream's first line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EventMode::Ebpf => "ebpf",
            EventMode::SockDiagPoll => "sock-diag+poll",
            EventMode::Poll => "poll",
        }
    }

    /// What this mode cannot see, said at the start of every stream.
    pub fn misses(self) -> &'static str {
        match self {
            EventMode::Ebpf => {
                "nothing while the ring buffer keeps up (drops are counted and reported); owners of sockets opened before the stream started are unknown"
            }
            EventMode::SockDiagPoll => {
                "connects, accepts and listens are seen only at close or by the poll; a process that exits before the next poll is unnamed; no UDP sends, no raw sockets, no other network namespaces"
            }
            EventMode::Poll => {
                "anything that opens and closes between two polls; no lifetimes, no bytes at close"
            }
        }
    }
}

/// The owner of a socket at the event, as the kernel named it, completed from `/proc` while
/// the process still runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOwner {
    /// Process id (thread group id).
    pub pid: u32,
    /// The thread that acted (differs from `pid` in multi-threaded programs).
    pub tid: u32,
    /// Real uid of the task.
    pub uid: u32,
    /// User name of `uid`, when it resolves.
    pub user: Option<String>,
    /// `comm` at the event (at most 15 bytes).
    pub comm: String,
    /// File name of the executable at the event, from the kernel (`task->mm->exe_file`).
    pub exe_name: Option<String>,
    /// Full executable path from `/proc/PID/exe`, when the process was still there (and still
    /// ran the same file name).
    pub exe: Option<String>,
    /// Command line from `/proc/PID/cmdline`, when the process was still there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cmdline: Vec<String>,
    /// The process had exited before `/proc` was read: only the kernel's facts are known.
    pub exited: bool,
    /// The task's cgroup v2 id (its container or unit).
    pub cgroup_id: Option<u64>,
}

/// One socket event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketEvent {
    /// What happened.
    pub event: EventKind,
    /// When (RFC 3339, from the kernel's monotonic clock at the event).
    pub time: jiff::Timestamp,
    /// `tcp` or `udp`; `null` for raw and packet sockets.
    pub proto: Option<Protocol>,
    /// `ipv4` or `ipv6`; `null` for packet sockets.
    pub family: Option<Family>,
    /// Local address; `null` for raw and packet sockets.
    pub local_addr: Option<IpAddr>,
    /// Local port (0 when not bound yet).
    pub local_port: Option<u16>,
    /// Peer address; `null` for listeners and raw sockets.
    pub remote_addr: Option<IpAddr>,
    /// Peer port.
    pub remote_port: Option<u16>,
    /// The TCP state at the event: `SYN_SENT` for connects, `ESTABLISHED` for accepts,
    /// `LISTEN`, and for closes the state the socket left.
    pub state: Option<TcpState>,
    /// Network namespace label (`host`, an `ip netns` name, `net:[INODE]`).
    pub netns: Option<String>,
    /// Close: milliseconds since connect or accept handshake; `null` when that start was
    /// not seen (the socket predates the stream).
    pub duration_ms: Option<f64>,
    /// Close: bytes the peer acknowledged (the kernel's `bytes_acked`, which counts the SYN
    /// and the FIN as one byte each).
    pub bytes_sent: Option<u64>,
    /// Close: bytes received.
    pub bytes_received: Option<u64>,
    /// Raw sockets: `raw` (IP) or `packet`, the socket type and protocol numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawCreate>,
    /// Who owned the socket; `null` when nobody was seen owning it (a socket older than the
    /// stream, or an inbound connection closed before any accept).
    pub owner: Option<EventOwner>,
}

/// Facts of a raw or packet socket creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawCreate {
    /// `raw` (AF_INET/AF_INET6 SOCK_RAW) or `packet` (AF_PACKET).
    pub domain: String,
    /// `SOCK_RAW` = 3, `SOCK_DGRAM` = 2...
    pub sock_type: u16,
    /// IP protocol or ethertype (network byte order for packet sockets, as given).
    pub protocol: u16,
}

/// Counters of one event stream, for the stream's last line and the JSON summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamStats {
    /// Events read.
    pub events: u64,
    /// Events the kernel could not queue (ring buffer full): never silently lost.
    pub dropped: u64,
    /// Events that were matched against the rules.
    pub evaluated: u64,
}

/// A count per event kind (fixed size: no allocation per event).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts([u64; 6]);

impl KindCounts {
    /// Counts one event of `kind`.
    pub fn add(&mut self, kind: EventKind) {
        self.0[kind.index()] += 1;
    }

    /// The count of `kind`.
    pub fn get(&self, kind: EventKind) -> u64 {
        self.0[kind.index()]
    }

    /// The sum over kinds.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// `(kind, count)` for every kind with a count, in [`EventKind::ALL`] order.
    pub fn nonzero(&self) -> impl Iterator<Item = (EventKind, u64)> + '_ {
        EventKind::ALL
            .into_iter()
            .map(|k| (k, self.get(k)))
            .filter(|(_, n)| *n > 0)
    }
}

impl SocketEvent {
    /// Whether the rules look at this event: every start (connect, accept, listen, first UDP
    /// send), and closes whose start was not seen (the only record of that connection).
    pub fn is_evaluated(&self) -> bool {
        match self.event {
            EventKind::Close => self.duration_ms.is_none(),
            EventKind::RawSocket => false,
            _ => true,
        }
    }

    /// The one socket the event is about, as a snapshot's socket would show it.
    pub fn socket(&self) -> Option<super::Socket> {
        let mut s = super::Socket::new(self.proto?, self.local_addr?, self.local_port?);
        s.remote_addr = self.remote_addr;
        s.remote_port = self.remote_port;
        s.state = self.state;
        if let Some(o) = &self.owner {
            s.uid = Some(o.uid);
            s.pids = vec![o.pid];
            s.attribution = Some(super::Attribution::Reported);
        } else {
            s.unattributed = Some(super::Unattributed::NoOwner);
        }
        s.netns = self.netns.as_deref().map(std::sync::Arc::from);
        // The stream saw which side opened it; a table only lets readers guess.
        s.initiated = match self.event {
            EventKind::Connect | EventKind::UdpSend => Some(true),
            EventKind::Accept => Some(false),
            EventKind::Listen | EventKind::Close | EventKind::RawSocket => None,
        };
        Some(s)
    }

    /// The owner as a snapshot's process.
    pub fn process(&self) -> Option<super::Process> {
        let o = self.owner.as_ref()?;
        Some(super::Process {
            pid: o.pid,
            ppid: None,
            name: o.comm.clone(),
            // A file name is not a path: rules on exe paths see none rather than a wrong one.
            exe: o.exe.clone(),
            exe_deleted: false,
            exe_replaced: false,
            cmdline: o.cmdline.clone(),
            name_raw: None,
            exe_raw: None,
            cmdline_raw: None,
            truncated: Vec::new(),
            user: o.user.clone(),
            uid: Some(o.uid),
            sid: None,
            start_time: None,
            stdio_sockets: Vec::new(),
            stdio_peers: Vec::new(),
            services: Vec::new(),
            container: None,
            unit: None,
            hidden: None,
        })
    }

    /// A one-socket snapshot of the event, for the same engine as every scan.
    pub fn to_snapshot(&self, host: &super::Host) -> Option<super::Snapshot> {
        let socket = self.socket()?;
        Some(snapshot_of(
            host,
            self.time,
            vec![socket],
            self.process().into_iter().collect(),
        ))
    }
}

/// A snapshot of `sockets` owned by `processes`, as an event stream saw them at `time`.
pub fn snapshot_of(
    host: &super::Host,
    time: jiff::Timestamp,
    sockets: Vec<super::Socket>,
    processes: Vec<super::Process>,
) -> super::Snapshot {
    let mut snapshot = super::Snapshot {
        schema_version: super::SCHEMA_VERSION,
        host: host.clone(),
        collected_at: time,
        time_source: super::TimeSource::default(),
        source: "events".to_string(),
        sockets,
        processes: processes.into_iter().map(|p| (p.pid, p)).collect(),
        coverage: super::Coverage {
            privileged: Some(true),
            ..Default::default()
        },
        routes: None,
        namespaces: Vec::new(),
        deep: None,
        counters: Vec::new(),
        raw_sockets: Vec::new(),
    };
    snapshot.sort();
    snapshot.recount_coverage();
    snapshot
}
