//! The plain, serialisable data every stage of the pipeline shares.
//!
//! A [`Snapshot`] is what a collector produces (live or from a file) and what the engine and
//! reporters consume. Its JSON form is versioned ([`SCHEMA_VERSION`]) and documented in
//! `docs/json.md`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

pub mod deep;
pub mod namespace;
pub mod traffic;

pub use namespace::{Container, Forward, ListenFacts, NetNamespace, ReadVia};
pub use traffic::Traffic;

/// Version of the snapshot JSON layout. Bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

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
    /// `docker:0123456789ab`, `net:[INODE]`; see [`Snapshot::namespaces`]). Absent when the
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

/// Facts about a process that owns at least one socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: Option<u32>,
    /// Process name (`comm` on Linux, at most 15 bytes there).
    pub name: String,
    /// Executable path, without the kernel's ` (deleted)` suffix.
    pub exe: Option<String>,
    /// The executable was deleted or replaced after the process started (or is a `memfd:`).
    #[serde(default)]
    pub exe_deleted: bool,
    /// The deleted executable's path holds a file again: typically a package upgrade that
    /// replaced the binary while the old process kept running.
    #[serde(default)]
    pub exe_replaced: bool,
    /// Command line, one element per argument.
    #[serde(default)]
    pub cmdline: Vec<String>,
    /// The exact bytes of `name` when they are not UTF-8 (then `name` shows each invalid byte
    /// as `\xNN`); base64 in JSON, absent otherwise. See [`crate::raw`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_raw: Option<crate::raw::RawBytes>,
    /// The exact bytes of `exe` when they are not UTF-8; base64, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe_raw: Option<crate::raw::RawBytes>,
    /// The exact bytes of every `cmdline` element when any is not UTF-8; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmdline_raw: Option<Vec<crate::raw::RawBytes>>,
    /// Facts cut at their collection cap (`cmdline` beyond 32 KiB...; docs/security.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub truncated: Vec<Fact>,
    /// Real user name, when the uid resolves.
    pub user: Option<String>,
    /// Real uid.
    pub uid: Option<u32>,
    /// When the process started (RFC 3339).
    pub start_time: Option<jiff::Timestamp>,
    /// Which of fds 0, 1, 2 are TCP/UDP sockets (a shell with its stdio on a socket is the
    /// classic reverse shell).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stdio_sockets: Vec<u32>,
    /// Windows services hosted by the process (`netstat -b` service lines, `tasklist /svc`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// The container the process runs in, from its cgroup (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// The systemd unit (service or scope) the process runs in, from its cgroup (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Facts about the machine the snapshot was taken on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// Host name.
    pub hostname: Option<String>,
    /// OS name and version.
    pub os: Option<String>,
    /// Kernel version.
    pub kernel: Option<String>,
    /// The ephemeral (client) port range, `[low, high]` (Linux `ip_local_port_range`).
    #[serde(default)]
    pub ephemeral_ports: Option<[u16; 2]>,
}

impl Host {
    /// Whether `port` is in the ephemeral range (when known).
    pub fn is_ephemeral(&self, port: u16) -> bool {
        self.ephemeral_ports
            .is_some_and(|[lo, hi]| (lo..=hi).contains(&port))
    }
}

/// Counts of sockets whose owner could not be found, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UnattributedCounts {
    /// Owner's `/proc` entries not readable (not root, `hidepid`).
    pub permission: usize,
    /// Owner exited during the scan.
    pub exited: usize,
    /// Held by no process (TIME_WAIT and other orphans).
    pub no_owner: usize,
}

impl UnattributedCounts {
    /// Adds one socket with the given reason.
    pub fn add(&mut self, reason: Unattributed) {
        match reason {
            Unattributed::Permission => self.permission += 1,
            Unattributed::Exited => self.exited += 1,
            Unattributed::NoOwner => self.no_owner += 1,
        }
    }

    /// All unattributed sockets.
    pub fn total(&self) -> usize {
        self.permission + self.exited + self.no_owner
    }
}

/// What the collector could and could not see. A gap here is never reported as an
/// "unknown process": it is reported as a gap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Sockets in the snapshot.
    pub sockets: usize,
    /// Sockets with at least one owning PID.
    pub attributed: usize,
    /// Sockets without an owner, by reason.
    pub unattributed: UnattributedCounts,
    /// Processes whose `/proc/PID/fd` could not be read for lack of permission.
    pub unreadable_processes: usize,
    /// Whether the collector ran with full privileges (root); `null` when unknown (imports).
    pub privileged: Option<bool>,
    /// Free-text notes about what is missing (e.g. "process facts unavailable").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Facts the source cannot give at all (imported captures: Windows `netstat` has no exe
    /// paths, `ss` no parent PIDs...). Rules that need one of them cannot check anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Fact>,
    /// Endpoints an imported capture printed as host or service names instead of numbers
    /// (captured without `-n`); see [`CaptureFacts`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unresolved_names: usize,
    /// Lines of an imported capture that could not be parsed and were skipped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_lines: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A kind of fact a collector may be unable to provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fact {
    /// Which process owns a socket.
    Pids,
    /// Process names.
    ProcessNames,
    /// Executable paths (and so whether they were deleted or replaced).
    Exe,
    /// Command lines.
    Cmdline,
    /// Parent PIDs.
    Ppid,
    /// Process users.
    User,
    /// Socket owner uids.
    Uid,
    /// Process start times.
    StartTime,
    /// Socket inodes.
    Inode,
    /// Which of fds 0-2 are sockets (reverse-shell check).
    StdioSockets,
    /// The ephemeral port range (ports in it are fingerprinted as `ephemeral`).
    EphemeralPorts,
    /// Which container or systemd unit a process runs in (its cgroup).
    Cgroups,
    /// Listeners' accept-queue length and backlog.
    ListenQueues,
    /// Bytes sent and received per connection (live `tcp_info` counters, TCPView columns).
    Traffic,
}

impl Fact {
    /// Every fact, in display order.
    pub const ALL: [Fact; 14] = [
        Fact::Pids,
        Fact::ProcessNames,
        Fact::Exe,
        Fact::Cmdline,
        Fact::Ppid,
        Fact::User,
        Fact::Uid,
        Fact::StartTime,
        Fact::Inode,
        Fact::StdioSockets,
        Fact::EphemeralPorts,
        Fact::Cgroups,
        Fact::ListenQueues,
        Fact::Traffic,
    ];

    /// Kebab-case name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::Pids => "pids",
            Fact::ProcessNames => "process-names",
            Fact::Exe => "exe",
            Fact::Cmdline => "cmdline",
            Fact::Ppid => "ppid",
            Fact::User => "user",
            Fact::Uid => "uid",
            Fact::StartTime => "start-time",
            Fact::Inode => "inode",
            Fact::StdioSockets => "stdio-sockets",
            Fact::EphemeralPorts => "ephemeral-ports",
            Fact::Cgroups => "cgroups",
            Fact::ListenQueues => "listen-queues",
            Fact::Traffic => "traffic",
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything one collection saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Layout version, [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The machine.
    pub host: Host,
    /// When the sockets were read (RFC 3339).
    pub collected_at: jiff::Timestamp,
    /// `live`, or `file:NAME (FORMAT)` for data read from a file.
    pub source: String,
    /// Every socket, sorted.
    pub sockets: Vec<Socket>,
    /// Facts for each owning PID.
    pub processes: BTreeMap<u32, Process>,
    /// What could not be seen.
    pub coverage: Coverage,
    /// The routing (and neighbour) tables, when they were read: only when a baseline records
    /// routes or a command asks for them. Absent otherwise, so snapshots without routes keep
    /// their exact JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<crate::routes::RouteTable>,
    /// The network namespaces a live collection read, host first (Linux, when every namespace
    /// was read). Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<NetNamespace>,
    /// The hidden-socket cross-check, when `--deep` ran it (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep: Option<deep::DeepCheck>,
    /// Kernel network counters per network namespace (docs/counters.md), when they were read:
    /// only when a counter rule or a command needs them. Absent otherwise, so snapshots without
    /// counters keep their exact JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<crate::counters::NamespaceCounters>,
}

impl Snapshot {
    /// Sorts sockets into the deterministic output order.
    pub fn sort(&mut self) {
        self.sockets.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// The namespace a socket lives in, when the snapshot describes it.
    pub fn namespace_of(&self, socket: &Socket) -> Option<&NetNamespace> {
        let label = socket.netns.as_deref()?;
        self.namespaces.iter().find(|n| n.label == label)
    }

    /// Whether a socket lives in the namespace the collector ran in (always, for sources that
    /// do not label namespaces). Baselines describe that namespace only.
    pub fn in_own_namespace(&self, socket: &Socket) -> bool {
        socket.netns.is_none() || self.namespace_of(socket).is_none_or(|n| n.own)
    }

    /// The first owning process of a socket, if its facts are known.
    pub fn process_of(&self, socket: &Socket) -> Option<&Process> {
        socket.pids.iter().find_map(|pid| self.processes.get(pid))
    }

    /// Recomputes `coverage.sockets`, `attributed` and `unattributed` from the sockets.
    pub fn recount_coverage(&mut self) {
        let mut counts = UnattributedCounts::default();
        let mut attributed = 0;
        for socket in &self.sockets {
            if !socket.pids.is_empty() {
                attributed += 1;
            } else if let Some(reason) = socket.unattributed {
                counts.add(reason);
            }
        }
        self.coverage.sockets = self.sockets.len();
        self.coverage.attributed = attributed;
        self.coverage.unattributed = counts;
    }
}
