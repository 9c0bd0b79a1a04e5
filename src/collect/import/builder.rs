//! Rows to a [`Snapshot`]: every parser hands over [`Row`]s; this module turns one block of
//! them into sockets, processes and coverage, the same way for every format.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Format;
use super::endpoint::Endpoint;
use crate::model::{
    Attribution, CaptureFacts, Coverage, Fact, Family, Host, ListenFacts, Process, Protocol,
    SCHEMA_VERSION, Snapshot, Socket, TcpState, Unattributed,
};

/// A process as a capture names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    /// PID.
    pub pid: u32,
    /// Name (`sshd`, `svchost.exe`), when printed.
    pub name: Option<String>,
    /// User name or number as printed (lsof USER).
    pub user: Option<String>,
    /// Executable path (Windows XP `netstat -v` component lines).
    pub exe: Option<String>,
    /// Windows services (`netstat -b` lines above `[svchost.exe]`).
    pub services: Vec<String>,
    /// File descriptor holding the socket (lsof FD, ss `fd=`).
    pub fd: Option<u32>,
}

/// One socket row of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// TCP or UDP.
    pub proto: Protocol,
    /// The family the capture says (`tcp6`, `IPv6`, `TCPv6`), when it says.
    pub family: Option<Family>,
    /// Local endpoint.
    pub local: Endpoint,
    /// Remote endpoint, when printed.
    pub remote: Option<Endpoint>,
    /// TCP state.
    pub state: Option<TcpState>,
    /// Socket owner uid (ss `uid:`, netstat `-e` User when numeric).
    pub uid: Option<u32>,
    /// Socket inode.
    pub inode: Option<u64>,
    /// Owning processes.
    pub owners: Vec<Owner>,
    /// An owner named without a PID (`netstat -b` without `-o`).
    pub program: Option<String>,
    /// TCPView counters: sent packets, sent bytes, received packets, received bytes.
    pub counters: [Option<u64>; 4],
    /// Key under which rows of one socket seen several times merge (lsof: one line per fd).
    pub merge_key: Option<String>,
    /// A listener's accept queue and backlog (FreeBSD `netstat -L` qlen and maxqlen).
    pub listen_queue: Option<(u32, u32)>,
}

impl Row {
    /// A row with only the endpoints set.
    pub fn new(proto: Protocol, local: Endpoint, remote: Option<Endpoint>) -> Row {
        Row {
            proto,
            family: None,
            local,
            remote,
            state: None,
            uid: None,
            inode: None,
            owners: Vec::new(),
            program: None,
            counters: [None; 4],
            merge_key: None,
            listen_queue: None,
        }
    }
}

/// What a parser learnt about the capture as a whole.
#[derive(Debug, Clone, Default)]
pub struct CaptureInfo {
    /// The capture has an owner column (`-o`, `-p`, `-b`, `users:`, lsof): rows without one
    /// really have no owner.
    pub has_owner_column: bool,
    /// The tool said it could not see every process (net-tools' "Not all processes could be
    /// identified"): rows without an owner are permission gaps.
    pub not_root: bool,
    /// Rows whose owner the tool could not read (`netstat -b` "Can not obtain ownership").
    pub owner_unreadable: usize,
    /// Sections skipped on purpose (UNIX sockets, raw sockets...), counted.
    pub other_sockets: usize,
    /// Endpoints the tool cut to its column width (BSD netstat without `-W`): kept as printed
    /// text, counted among the names (`unresolved_names`) but explained apart.
    pub cut_endpoints: usize,
    /// Free-text notes for this block.
    pub notes: Vec<String>,
}

/// Builds the snapshot of one block.
pub struct Finish<'a> {
    /// Source label: `file:NAME (FORMAT[, block N])`.
    pub source: String,
    /// The format.
    pub format: Format,
    /// When the capture was taken, as far as we know (the file's modification time).
    pub collected_at: jiff::Timestamp,
    /// Where `collected_at` comes from.
    pub time_source: crate::model::TimeSource,
    /// Lines skipped in this block.
    pub skipped_lines: usize,
    /// Process facts from `--processes` (tasklist), by PID.
    pub companion: Option<&'a BTreeMap<u32, Process>>,
    /// Notes for every block (encoding, companion file).
    pub file_notes: &'a [String],
}

/// Turns the rows of one block into a snapshot.
pub fn build(rows: Vec<Row>, info: &CaptureInfo, finish: &Finish<'_>) -> Snapshot {
    let rows = merge(rows);
    let mut processes: BTreeMap<u32, Process> = BTreeMap::new();
    let mut sockets = Vec::with_capacity(rows.len());
    let mut unresolved = 0usize;
    // The first few names, for the note that says which sockets had no address.
    let mut named: Vec<String> = Vec::new();
    let mut hostnames: BTreeSet<String> = BTreeSet::new();
    let attribution = finish.format.attribution();
    for row in rows {
        let family = family_of(&row);
        let local_addr = address_in(&row.local, family).unwrap_or(unspecified(family));
        let listening = row.state == Some(TcpState::Listen);
        // No peer: `*:*`, `0.0.0.0:0`, and a listener's `HOSTNAME:0` (Windows without -n, which
        // also tells us the machine's name).
        let remote = row.remote.as_ref().filter(|r| {
            if listening && r.host_is_name && r.port.is_none_or(|p| p == 0) {
                if let Some(name) = &r.name
                    && let Some((host, _)) = name.rsplit_once(':')
                {
                    hostnames.insert(host.to_string());
                }
                return false;
            }
            !r.is_unset() && !listening
        });
        let mut capture = CaptureFacts::default();
        if row.local.name.is_some() {
            capture.local_name = row.local.name.clone();
            // A host name is not an address: never shown or matched as the wildcard.
            capture.local_unknown = row.local.host_is_name;
            if row.local.host_is_name || row.local.port == Some(0) {
                unresolved += 1;
                note_name(&mut named, row.local.name.as_deref());
            }
        }
        if let Some(r) = remote
            && r.name.is_some()
        {
            capture.remote_name = r.name.clone();
            capture.remote_unknown = r.host_is_name;
            if r.host_is_name || r.port == Some(0) {
                unresolved += 1;
                note_name(&mut named, r.name.as_deref());
            }
        }
        capture.program = row.program.clone();
        [
            capture.sent_packets,
            capture.sent_bytes,
            capture.received_packets,
            capture.received_bytes,
        ] = row.counters;
        let mut pids: Vec<u32> = row
            .owners
            .iter()
            .map(|o| o.pid)
            .filter(|p| *p != 0)
            .collect();
        pids.sort_unstable();
        pids.dedup();
        for owner in row.owners.iter().filter(|o| o.pid != 0) {
            add_owner(&mut processes, owner);
        }
        let unattributed = if !pids.is_empty() {
            None
        } else if row.state == Some(TcpState::TimeWait) || row.owners.iter().any(|o| o.pid == 0) {
            Some(Unattributed::NoOwner)
        } else if info.not_root {
            Some(Unattributed::Permission)
        } else if info.has_owner_column && row.program.is_none() && row.state.is_some() {
            Some(Unattributed::NoOwner)
        } else {
            None
        };
        sockets.push(Socket {
            proto: row.proto,
            family,
            local_addr,
            local_port: row.local.port.unwrap_or(0),
            remote_addr: remote.map(|r| address_in(r, family).unwrap_or(unspecified(family))),
            remote_port: remote.map(|r| r.port.unwrap_or(0)),
            state: row.state,
            uid: row.uid,
            inode: row.inode,
            attribution: (!pids.is_empty()).then_some(attribution),
            pids,
            unattributed,
            capture: (!capture.is_empty()).then(|| Box::new(capture)),
            netns: None,
            listen: row.listen_queue.map(|(accept_queue, backlog)| {
                Box::new(ListenFacts {
                    accept_queue: Some(accept_queue),
                    backlog: Some(backlog),
                    forwards_to: None,
                })
            }),
            traffic: None,
            initiated: None,
        });
    }
    attribute_requests(&mut sockets);
    if let Some(companion) = finish.companion {
        for socket in &sockets {
            for pid in &socket.pids {
                if let Some(known) = companion.get(pid) {
                    let entry = processes.entry(*pid).or_insert_with(|| known.clone());
                    if entry.user.is_none() {
                        entry.user.clone_from(&known.user);
                    }
                    for s in &known.services {
                        if !entry.services.contains(s) {
                            entry.services.push(s.clone());
                        }
                    }
                }
            }
        }
    }
    for p in processes.values_mut() {
        p.stdio_sockets.sort_unstable();
        p.stdio_sockets.dedup();
        p.services.sort();
        p.services.dedup();
    }
    let host = Host {
        hostname: (hostnames.len() == 1).then(|| hostnames.into_iter().next().unwrap_or_default()),
        ..Host::default()
    };
    let mut snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        host,
        collected_at: finish.collected_at,
        time_source: finish.time_source,
        source: finish.source.clone(),
        sockets,
        processes,
        coverage: Coverage {
            privileged: None,
            unresolved_names: unresolved,
            skipped_lines: finish.skipped_lines,
            ..Coverage::default()
        },
        // Socket captures carry no routing table (`sockaudit routes --input` reads those).
        routes: None,
        namespaces: Vec::new(),
        deep: None,
        counters: Vec::new(),
        // Text captures (netstat, ss -tunap...) list TCP and UDP only (docs/import.md).
        raw_sockets: Vec::new(),
    };
    snapshot.sort();
    snapshot.recount_coverage();
    let missing = missing_facts(&snapshot, finish.format);
    let mut notes = finish.file_notes.to_vec();
    notes.extend(info.notes.iter().cloned());
    notes.extend(explain(&snapshot, &missing, info, finish.format, &named));
    snapshot.coverage.missing = missing;
    snapshot.coverage.notes = notes;
    snapshot
}

/// Rows of the same socket (lsof prints one per process and fd) become one row with every owner.
fn merge(rows: Vec<Row>) -> Vec<Row> {
    if rows.iter().all(|r| r.merge_key.is_none()) {
        return rows;
    }
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in rows {
        match row.merge_key.as_ref().and_then(|k| index.get(k)) {
            Some(&i) => {
                let target = &mut out[i];
                for owner in row.owners {
                    if !target.owners.contains(&owner) {
                        target.owners.push(owner);
                    }
                }
            }
            None => {
                if let Some(k) = &row.merge_key {
                    index.insert(k.clone(), out.len());
                }
                out.push(row);
            }
        }
    }
    out
}

fn family_of(row: &Row) -> Family {
    // `localhost` is read as 127.0.0.1, but in a `tcp6` row it is ::1.
    if let (Some(f), true) = (row.family, row.local.localhost) {
        return f;
    }
    if let Some(addr) = row.local.addr {
        return Family::of(&addr);
    }
    if let Some(f) = row.family {
        return f;
    }
    match row.remote.as_ref().and_then(|r| r.addr) {
        Some(addr) => Family::of(&addr),
        None => Family::Ipv4,
    }
}

fn note_name(named: &mut Vec<String>, name: Option<&str>) {
    if let Some(name) = name
        && named.len() < 3
        && !named.iter().any(|n| n == name)
    {
        named.push(crate::text::escape::for_terminal(name).into_owned());
    }
}

/// The endpoint's address in a row of `family`: `localhost` is the loopback of that family.
fn address_in(e: &Endpoint, family: Family) -> Option<IpAddr> {
    match (e.localhost, family) {
        (true, Family::Ipv6) => Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        (true, Family::Ipv4) => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        _ => e.addr,
    }
}

fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

fn add_owner(processes: &mut BTreeMap<u32, Process>, owner: &Owner) {
    let existing = processes.get_mut(&owner.pid);
    match existing {
        Some(p) => {
            if p.exe.is_none() {
                p.exe.clone_from(&owner.exe);
            }
            if p.user.is_none() {
                p.user.clone_from(&owner.user);
            }
            p.services.extend(owner.services.iter().cloned());
            if let Some(fd) = owner.fd.filter(|fd| *fd <= 2) {
                p.stdio_sockets.push(fd);
            }
        }
        None => {
            // Without a name we know nothing about the process beyond its PID: no entry, as
            // when a live process vanished before its facts were read.
            let Some(name) = owner.name.clone() else {
                return;
            };
            let uid = owner.user.as_deref().and_then(|u| u.parse::<u32>().ok());
            processes.insert(
                owner.pid,
                Process {
                    pid: owner.pid,
                    ppid: None,
                    name,
                    exe: owner.exe.clone(),
                    exe_deleted: false,
                    exe_replaced: false,
                    cmdline: Vec::new(),
                    name_raw: None,
                    exe_raw: None,
                    cmdline_raw: None,
                    truncated: Vec::new(),
                    user: owner.user.clone().filter(|u| u.parse::<u32>().is_err()),
                    uid,
                    sid: None,
                    start_time: None,
                    stdio_sockets: owner.fd.filter(|fd| *fd <= 2).into_iter().collect(),
                    stdio_peers: Vec::new(),
                    services: owner.services.clone(),
                    container: None,
                    unit: None,
                    hidden: None,
                },
            );
        }
    }
}

/// SYN_RECV request sockets have no owner of their own (ss prints no `users:` for them): they
/// belong to the process of the listener on the same address and port, or the wildcard one.
fn attribute_requests(sockets: &mut [Socket]) {
    let mut listeners: HashMap<(Protocol, IpAddr, u16), Vec<u32>> = HashMap::new();
    for s in sockets.iter() {
        if s.state == Some(TcpState::Listen) && !s.pids.is_empty() {
            listeners.insert((s.proto, s.local_addr, s.local_port), s.pids.clone());
        }
    }
    if listeners.is_empty() {
        return;
    }
    for s in sockets.iter_mut() {
        if s.state != Some(TcpState::SynRecv) || !s.pids.is_empty() {
            continue;
        }
        let wildcard = unspecified(s.family);
        let found = listeners
            .get(&(s.proto, s.local_addr, s.local_port))
            .or_else(|| listeners.get(&(s.proto, wildcard, s.local_port)));
        if let Some(pids) = found {
            s.pids = pids.clone();
            s.attribution = Some(Attribution::Listener);
            s.unattributed = None;
        }
    }
}

/// Facts this capture cannot give: what no imported format has, plus what this capture left out.
fn missing_facts(snapshot: &Snapshot, format: Format) -> Vec<Fact> {
    let any_pid = snapshot.sockets.iter().any(|s| !s.pids.is_empty());
    let procs = &snapshot.processes;
    let mut missing = Vec::new();
    for fact in Fact::ALL {
        let have = match fact {
            Fact::Pids => any_pid,
            Fact::ProcessNames => !procs.is_empty(),
            Fact::Exe => procs.values().any(|p| p.exe.is_some()),
            Fact::User => procs.values().any(|p| p.user.is_some() || p.uid.is_some()),
            Fact::Uid => snapshot.sockets.iter().any(|s| s.uid.is_some()),
            Fact::Inode => snapshot.sockets.iter().any(|s| s.inode.is_some()),
            // lsof and sockstat print the fd of every socket, so fds 0-2 are known to be
            // sockets or not.
            Fact::StdioSockets => {
                matches!(format, Format::Lsof | Format::Sockstat) && !procs.is_empty()
            }
            // No capture format shows what is at the other end of a pipe or pty.
            Fact::StdioPeers => false,
            // No capture has them either, but rules learn that from `coverage.collected`,
            // which captures never set; listing it here would change every capture's notes.
            Fact::RawSockets => true,
            // TCPView's byte columns.
            Fact::Traffic => snapshot
                .sockets
                .iter()
                .any(|s| s.bytes_sent().is_some() || s.bytes_received().is_some()),
            // FreeBSD `netstat -L`.
            Fact::ListenQueues => snapshot.sockets.iter().any(|s| s.listen.is_some()),
            Fact::Cmdline
            | Fact::Ppid
            | Fact::StartTime
            | Fact::EphemeralPorts
            | Fact::Cgroups
            // A capture lists what its tool saw; a hidden process is what it did not see.
            | Fact::HiddenProcesses => false,
        };
        if !have {
            missing.push(fact);
        }
    }
    missing
}

/// Sentences for the coverage notes: what is missing, what it costs, how to capture it.
fn explain(
    snapshot: &Snapshot,
    missing: &[Fact],
    info: &CaptureInfo,
    format: Format,
    named: &[String],
) -> Vec<String> {
    let mut notes = Vec::new();
    let tool = format.tool();
    let has = |f: Fact| !missing.contains(&f);
    if !has(Fact::Pids) {
        notes.push(format!(
            "no owning PIDs in this {tool} capture: {}",
            format.pid_advice()
        ));
    } else if !has(Fact::ProcessNames) {
        notes.push(format!(
            "PIDs without process names in this {tool} capture: {}",
            format.name_advice()
        ));
    }
    if !has(Fact::Exe) {
        notes.push(format!(
            "no exe paths in {tool} output: rules on executables (exe, exe-deleted, masquerade) cannot check anything"
        ));
    }
    if !has(Fact::StdioSockets) {
        notes.push(format!(
            "{tool} does not show which fds are sockets: the stdio-socket (reverse shell) check cannot run"
        ));
    }
    if !has(Fact::User) {
        notes.push(format!(
            "no process users in {tool} output: user conditions cannot match"
        ));
    }
    if info.owner_unreadable > 0 {
        notes.push(format!(
            "{} socket(s): the tool could not read the owner (\"Can not obtain ownership information\"; run it as administrator)",
            info.owner_unreadable
        ));
    }
    let names = snapshot
        .coverage
        .unresolved_names
        .saturating_sub(info.cut_endpoints);
    if names > 0 {
        let more = names.saturating_sub(named.len());
        notes.push(format!(
            "{names} endpoint(s) printed as host or service names instead of numbers (e.g. {}{}): their addresses are unknown, shown as printed, and rules that need an address do not match them (capture with -n)",
            named.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ));
    }
    if info.cut_endpoints > 0 {
        notes.push(format!(
            "{} endpoint(s) cut short by {tool}'s fixed-width columns: their addresses are unknown, kept as printed in capture.local_name/remote_name (capture with -W)",
            info.cut_endpoints
        ));
    }
    if info.other_sockets > 0 {
        notes.push(format!(
            "{} non-TCP/UDP socket(s) (UNIX, raw...) ignored",
            info.other_sockets
        ));
    }
    notes.push("collected_at is the capture file's modification time".to_string());
    notes
}
