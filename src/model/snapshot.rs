//! One collection: the host, its sockets and processes, and what could not be seen.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, NetNamespace, Process, RawSocket, Socket, Unattributed, deep};

/// Version of the snapshot JSON layout. Bump on any incompatible change.
///
/// 2: processes carry `stdio_peers` and may own no socket (relayed shells, kernel-thread
/// lookalikes); a schema-1 snapshot lacks the `stdio-peers` fact.
/// 3: an endpoint a capture printed as a host name has `local_addr` / `remote_addr` `null`
/// (schema 2 wrote the unspecified address; such snapshots are read as names again).
pub const SCHEMA_VERSION: u32 = 3;
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
    /// Whether the collector ran with full privileges (root; an elevated token on Windows);
    /// `null` when unknown (imports).
    pub privileged: Option<bool>,
    /// Free-text notes about what is missing (e.g. "process facts unavailable").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Facts the source cannot give at all (imported captures: Windows `netstat` has no exe
    /// paths, `ss` no parent PIDs...). Rules that need one of them cannot check anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Fact>,
    /// Endpoints an imported capture printed as host or service names instead of numbers
    /// (captured without `-n`); see [`CaptureFacts`](crate::model::CaptureFacts).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unresolved_names: usize,
    /// Lines of an imported capture that could not be parsed and were skipped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_lines: usize,
    /// The hidden-process check, when it ran (live Linux as root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_process_check: Option<HiddenProcessCheck>,
    /// Facts this collection read that snapshots do not always carry (`raw-sockets`): without
    /// the mark, an empty table means "not read", and rules needing it say so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collected: Vec<Fact>,
}

/// What the hidden-process check compared and found (docs/rules/process.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenProcessCheck {
    /// The views compared with the `/proc` listing: `mountinfo`, `private-procfs`,
    /// `cgroup.procs`, `kill-probe`.
    pub views: Vec<String>,
    /// Disagreements found at first (races drop out at the re-check).
    pub candidates: usize,
    /// Hidden processes after the re-check.
    pub hidden: usize,
    /// How long it took, milliseconds.
    pub millis: u64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Everything one collection saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Layout version, [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The machine.
    pub host: Host,
    /// When the sockets were read (RFC 3339); how far to trust it is [`Snapshot::time_source`].
    pub collected_at: jiff::Timestamp,
    /// Where `collected_at` comes from; read it with [`Snapshot::time_source`]. Absent from
    /// snapshots written before it existed (`unrecorded`), and kept absent when they are
    /// written again, so they round-trip exactly.
    #[serde(default, skip_serializing_if = "super::TimeSource::is_unrecorded")]
    pub time_source: super::TimeSource,
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
    pub routes: Option<crate::model::routes::RouteTable>,
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
    pub counters: Vec<crate::model::counters::NamespaceCounters>,
    /// Raw IP and packet sockets (Linux live collections; `coverage.collected` then lists
    /// `raw-sockets`), sorted. Absent when none were seen or none were read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raw_sockets: Vec<RawSocket>,
}

impl Snapshot {
    /// Where `collected_at` comes from: as recorded, else inferred from `source` (a snapshot
    /// older than the field).
    pub fn time_source(&self) -> super::TimeSource {
        match self.time_source {
            super::TimeSource::Unrecorded => super::TimeSource::infer(&self.source),
            recorded => recorded,
        }
    }

    /// Sorts sockets into the deterministic output order.
    pub fn sort(&mut self) {
        self.sockets.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.raw_sockets
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
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
