//! `list` filters, combinable like `netstat -tlnp`: a selection of a snapshot's sockets.
//!
//! Raw and packet sockets are shown only when asked for (`-w`, `-0`, like `ss`); asked for
//! alone, they replace the TCP/UDP table (`ss -w`), beside `-t`/`-u` they join it.

use std::collections::BTreeSet;
use std::path::Path;

use crate::model::{Family, Process, Protocol, RawKind, RawSocket, Snapshot, Socket, TcpState};

/// Which sockets to show. Empty fields mean "no restriction".
#[derive(Debug, Clone, Default)]
pub struct SocketFilter {
    /// Protocols to keep (`-t`, `-u`); both when empty.
    pub protocols: Vec<Protocol>,
    /// Families to keep (`-4`, `-6`); both when empty.
    pub families: Vec<Family>,
    /// Listeners only (`-l`).
    pub listening: bool,
    /// TCP states to keep.
    pub states: Vec<TcpState>,
    /// Local or remote ports to keep.
    pub ports: Vec<u16>,
    /// Owning PIDs to keep.
    pub pids: Vec<u32>,
    /// Process name or exe file name, case-insensitive.
    pub process: Option<String>,
    /// Network namespace label globs (`host`, `docker:*`); a socket without a label is `host`.
    pub netns: Option<globset::GlobSet>,
    /// Raw IP sockets (`-w`).
    pub raw: bool,
    /// Packet sockets (`-0`).
    pub packet: bool,
}

impl SocketFilter {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.protocols.is_empty()
            && self.families.is_empty()
            && !self.listening
            && self.states.is_empty()
            && self.ports.is_empty()
            && self.pids.is_empty()
            && self.process.is_none()
            && self.netns.is_none()
            && !self.raw
            && !self.packet
    }

    /// Whether only raw or packet sockets are asked for (`-w`/`-0` without `-t`/`-u`).
    pub fn raw_only(&self) -> bool {
        (self.raw || self.packet) && self.protocols.is_empty()
    }

    /// Builds the namespace condition from `--netns` globs.
    pub fn netns_globs(patterns: &[String]) -> Result<Option<globset::GlobSet>, String> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let glob = globset::Glob::new(pattern)
                .map_err(|e| format!("--netns `{pattern}`: {}", e.kind()))?;
            builder.add(glob);
        }
        builder
            .build()
            .map(Some)
            .map_err(|e| format!("--netns: {e}"))
    }

    /// Whether the filter needs process facts.
    pub fn needs_processes(&self) -> bool {
        !self.pids.is_empty() || self.process.is_some()
    }

    /// Whether `socket` passes every filter.
    pub fn matches(&self, snapshot: &Snapshot, socket: &Socket) -> bool {
        (self.protocols.is_empty() || self.protocols.contains(&socket.proto))
            && (self.families.is_empty() || self.families.contains(&socket.family))
            && (!self.listening || socket.is_listener())
            && (self.states.is_empty() || socket.state.is_some_and(|s| self.states.contains(&s)))
            && (self.ports.is_empty()
                || self.ports.contains(&socket.local_port)
                || socket.remote_port.is_some_and(|p| self.ports.contains(&p)))
            && (self.pids.is_empty() || socket.pids.iter().any(|p| self.pids.contains(p)))
            && self
                .netns
                .as_ref()
                .is_none_or(|globs| globs.is_match(socket.netns_label()))
            && self.process.as_deref().is_none_or(|name| {
                socket
                    .pids
                    .iter()
                    .filter_map(|p| snapshot.processes.get(p))
                    .any(|proc_| process_named(proc_, name))
            })
    }

    /// Whether a raw or packet socket passes: its kind asked for, and the filters that apply
    /// to it (family, PID, process, namespace; ports, states and `-l` exclude it).
    pub fn matches_raw(&self, snapshot: &Snapshot, socket: &RawSocket) -> bool {
        let wanted = match socket.kind {
            RawKind::Raw => self.raw,
            RawKind::Packet => self.packet,
        };
        wanted
            && !self.listening
            && self.states.is_empty()
            && self.ports.is_empty()
            && (self.families.is_empty()
                || socket.family.is_some_and(|f| self.families.contains(&f)))
            && (self.pids.is_empty() || socket.pids.iter().any(|p| self.pids.contains(p)))
            && self
                .netns
                .as_ref()
                .is_none_or(|globs| globs.is_match(socket.netns_label()))
            && self.process.as_deref().is_none_or(|name| {
                socket
                    .pids
                    .iter()
                    .filter_map(|p| snapshot.processes.get(p))
                    .any(|proc_| process_named(proc_, name))
            })
    }

    /// A copy of the snapshot with only the matching sockets and the processes they reference;
    /// coverage is recounted for what is kept.
    pub fn apply(&self, snapshot: &Snapshot) -> Snapshot {
        if self.is_empty() && snapshot.raw_sockets.is_empty() {
            return snapshot.clone();
        }
        // `-w`/`-0` alone show those sockets only, as `ss -w` does.
        let inet = !self.protocols.is_empty() || !(self.raw || self.packet);
        let sockets: Vec<Socket> = snapshot
            .sockets
            .iter()
            .filter(|s| inet && self.matches(snapshot, s))
            .cloned()
            .collect();
        let raw_sockets: Vec<RawSocket> = snapshot
            .raw_sockets
            .iter()
            .filter(|s| self.matches_raw(snapshot, s))
            .cloned()
            .collect();
        let kept: BTreeSet<u32> = sockets
            .iter()
            .flat_map(|s| s.pids.iter().copied())
            .chain(raw_sockets.iter().flat_map(|s| s.pids.iter().copied()))
            .collect();
        let processes = kept
            .iter()
            .filter_map(|pid| snapshot.processes.get(pid).map(|p| (*pid, p.clone())))
            .collect();
        let mut out = Snapshot {
            schema_version: snapshot.schema_version,
            host: snapshot.host.clone(),
            collected_at: snapshot.collected_at,
            time_source: snapshot.time_source,
            source: snapshot.source.clone(),
            sockets,
            processes,
            coverage: snapshot.coverage.clone(),
            routes: snapshot.routes.clone(),
            namespaces: snapshot.namespaces.clone(),
            deep: snapshot.deep.clone(),
            counters: snapshot.counters.clone(),
            raw_sockets,
        };
        out.recount_coverage();
        out
    }
}

/// Whether a process is called `name` (its name or its exe's file name, case-insensitive).
fn process_named(process: &Process, name: &str) -> bool {
    process.name.eq_ignore_ascii_case(name)
        || process
            .exe
            .as_deref()
            .and_then(|exe| Path::new(exe).file_name())
            .is_some_and(|f| f.to_string_lossy().eq_ignore_ascii_case(name))
}
