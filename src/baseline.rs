//! Baselines: a reviewable TOML record of what is normal on a host (its listeners and the
//! programs that own sockets), written by `baseline create`, read back as a rule file, and
//! rewritten by `baseline update` without losing the user's comments and hand edits.
//!
//! Nothing here is keyed by PID or by ephemeral client port: a restarted service is the same
//! entry. Routes and gateway MAC addresses are recorded too ([`routes`]).

pub mod routes;

use std::collections::BTreeSet;
use std::net::IpAddr;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::model::scope::{Scope, canonical, classify};
use crate::model::{Process, Protocol, Snapshot, Socket};

/// Where a baselined listener is bound.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bind {
    /// An exact address (`0.0.0.0`, `::`, `127.0.0.1`).
    Addr(IpAddr),
    /// Any address of a scope (`loopback`, `private`...), for hand-written entries.
    Scope(Scope),
}

impl Bind {
    /// Whether a socket bound to `addr` is this bind.
    pub fn matches(&self, addr: IpAddr) -> bool {
        match self {
            Bind::Addr(a) => canonical(*a) == canonical(addr),
            Bind::Scope(s) => classify(addr) == *s,
        }
    }

    /// How far the bind reaches: loopback < link-local < private < public address < any.
    pub fn width(&self) -> u8 {
        match self {
            Bind::Addr(a) => scope_width(classify(*a)),
            Bind::Scope(s) => scope_width(*s),
        }
    }

    /// The text written in the baseline.
    pub fn text(&self) -> String {
        match self {
            Bind::Addr(a) => a.to_string(),
            Bind::Scope(s) => s.as_str().to_string(),
        }
    }

    /// Parses an address or a scope name.
    pub fn parse(text: &str) -> Option<Bind> {
        text.parse::<IpAddr>()
            .ok()
            .map(Bind::Addr)
            .or_else(|| Scope::parse(text).map(Bind::Scope))
    }
}

/// How far a bind in this scope reaches.
pub fn scope_width(scope: Scope) -> u8 {
    match scope {
        Scope::Loopback => 0,
        Scope::LinkLocal => 1,
        Scope::Private | Scope::Cgnat | Scope::Documentation | Scope::Multicast => 2,
        Scope::Public => 3,
        Scope::Unspecified => 4,
    }
}

/// A baselined port: a number, or any port in the ephemeral range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BasePort {
    /// This port.
    Number(u16),
    /// A port the kernel picked from `ip_local_port_range`.
    Ephemeral,
}

impl BasePort {
    /// The port as recorded for a live socket.
    pub fn of(port: u16, snapshot: &Snapshot) -> BasePort {
        if snapshot.host.is_ephemeral(port) {
            BasePort::Ephemeral
        } else {
            BasePort::Number(port)
        }
    }
}

/// One expected listener.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listener {
    /// Protocol.
    pub proto: Protocol,
    /// Bind address or scope.
    pub bind: Bind,
    /// Port.
    pub port: BasePort,
    /// Process name, when known.
    pub process: Option<String>,
    /// Executable, when known.
    pub exe: Option<String>,
    /// User, when known.
    pub user: Option<String>,
    /// Not reported when missing.
    pub optional: bool,
    /// `FILE:LINE` of the entry.
    pub origin: String,
}

/// A program that owns sockets here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KnownProgram {
    /// Executable, when known.
    pub exe: Option<String>,
    /// Process name.
    pub name: String,
    /// User, when known.
    pub user: Option<String>,
}

impl KnownProgram {
    /// Whether a process is this program (by exe when both know it, else by name).
    pub fn matches(&self, p: &Process) -> bool {
        match (&self.exe, &p.exe) {
            (Some(a), Some(b)) => a == b,
            _ => self.name == p.name,
        }
    }
}

/// A parsed baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// The host it was made on.
    pub host: Option<String>,
    /// Expected listeners.
    pub listeners: Vec<Listener>,
    /// Programs expected to own sockets.
    pub programs: Vec<KnownProgram>,
    /// Whether routes and gateways are checked (`check-routes`; when absent, whether the file
    /// has route or gateway entries). Off for baselines made before routes were recorded, so
    /// they do not report every route as new.
    pub check_routes: bool,
    /// Expected routes (`[[baseline.route]]`).
    pub routes: Vec<routes::RouteEntry>,
    /// Gateways' MAC addresses (`[[baseline.gateway]]`).
    pub gateways: Vec<routes::GatewayEntry>,
}

/// The listeners of a snapshot as baseline entries, de-duplicated and sorted.
pub fn listeners_of(snapshot: &Snapshot) -> Vec<Listener> {
    let set: BTreeSet<Listener> = snapshot
        .sockets
        .iter()
        .filter(|s| s.is_listener() && snapshot.in_own_namespace(s))
        .map(|s| {
            let p = snapshot.process_of(s);
            Listener {
                proto: s.proto,
                bind: Bind::Addr(canonical(s.local_addr)),
                port: BasePort::of(s.local_port, snapshot),
                process: p.map(|p| p.name.clone()),
                exe: p.and_then(|p| p.exe.clone()),
                user: p.and_then(|p| p.user.clone()),
                optional: false,
                origin: String::new(),
            }
        })
        .collect();
    set.into_iter().collect()
}

/// The programs owning sockets in a snapshot, sorted.
pub fn programs_of(snapshot: &Snapshot) -> Vec<KnownProgram> {
    let owners: BTreeSet<u32> = snapshot
        .sockets
        .iter()
        .filter(|s| snapshot.in_own_namespace(s))
        .flat_map(|s| s.pids.iter().copied())
        .collect();
    let set: BTreeSet<KnownProgram> = owners
        .iter()
        .filter_map(|pid| snapshot.processes.get(pid))
        .map(|p| KnownProgram {
            exe: p.exe.clone(),
            name: p.name.clone(),
            user: p.user.clone(),
        })
        .collect();
    set.into_iter().collect()
}

fn listener_table(l: &Listener) -> Table {
    let mut t = Table::new();
    t.insert("proto", value(l.proto.as_str()));
    t.insert("bind", value(l.bind.text()));
    match l.port {
        BasePort::Number(n) => t.insert("port", value(i64::from(n))),
        BasePort::Ephemeral => t.insert("port", value("ephemeral")),
    };
    if let Some(p) = &l.process {
        t.insert("process", value(p.as_str()));
    }
    if let Some(e) = &l.exe {
        t.insert("exe", value(e.as_str()));
    }
    if let Some(u) = &l.user {
        t.insert("user", value(u.as_str()));
    }
    t
}

fn program_table(p: &KnownProgram) -> Table {
    let mut t = Table::new();
    t.insert("name", value(p.name.as_str()));
    if let Some(e) = &p.exe {
        t.insert("exe", value(e.as_str()));
    }
    if let Some(u) = &p.user {
        t.insert("user", value(u.as_str()));
    }
    t
}

/// A new baseline document for a snapshot.
pub fn create(snapshot: &Snapshot, version: &str) -> String {
    let host = snapshot
        .host
        .hostname
        .clone()
        .unwrap_or_else(|| "unknown host".to_string());
    let mut doc = DocumentMut::new();
    let mut base = Table::new();
    base.insert("host", value(host.as_str()));
    base.insert("created", value(snapshot.collected_at.to_string()));
    if let Some([lo, hi]) = snapshot.host.ephemeral_ports {
        let mut range = toml_edit::Array::new();
        range.push(i64::from(lo));
        range.push(i64::from(hi));
        base.insert("ephemeral-ports", value(range));
    }
    let mut listeners = ArrayOfTables::new();
    for l in listeners_of(snapshot) {
        listeners.push(listener_table(&l));
    }
    base.insert("listener", Item::ArrayOfTables(listeners));
    let mut programs = ArrayOfTables::new();
    for p in programs_of(snapshot) {
        programs.push(program_table(&p));
    }
    base.insert("program", Item::ArrayOfTables(programs));
    if let Some(table) = &snapshot.routes {
        routes::insert_all(&mut base, table);
    }
    doc.insert("baseline", Item::Table(base));
    format!(
        "# sockaudit baseline of {host}, {}, sockaudit {version}\n\
         #\n\
         # What is normal on this host: every listener (proto, bind, port or \"ephemeral\", owner)\n\
         # and every program that owns sockets. No PIDs, no client ports. Review it and edit\n\
         # freely: `sockaudit baseline update` keeps comments and hand edits on entries that\n\
         # still exist. Mark a listener `optional = true` if its absence is fine.\n\
         # Routes (when read): default, host, static and policy-table routes, not the kernel's\n\
         # own local/broadcast/connected ones, and the gateways' MAC addresses (docs/routes.md).\n\
         # Use: sockaudit scan --baseline FILE, or sockaudit baseline check FILE.\n\n{}",
        snapshot.collected_at, doc
    )
}

/// Whether a baselined listener and a live one are the same entry (proto, bind, port).
fn same_slot(entry: &Table, l: &Listener) -> bool {
    let s = |k: &str| entry.get(k).and_then(Item::as_str).map(str::to_string);
    let port = match entry.get("port") {
        Some(item) if item.as_str() == Some("ephemeral") => Some(BasePort::Ephemeral),
        Some(item) => item
            .as_integer()
            .and_then(|n| u16::try_from(n).ok())
            .map(BasePort::Number),
        None => None,
    };
    s("proto").as_deref() == Some(l.proto.as_str())
        && s("bind").and_then(|b| Bind::parse(&b)) == Some(l.bind.clone())
        && port == Some(l.port)
        && (l.port != BasePort::Ephemeral || s("exe") == l.exe)
}

fn set_or_remove(t: &mut Table, key: &str, v: Option<&str>) {
    match v {
        Some(v) if t.get(key).and_then(Item::as_str) != Some(v) => {
            t.insert(key, value(v));
        }
        Some(_) => {}
        None => {
            t.remove(key);
        }
    }
}

/// Rewrites an existing baseline document to match the snapshot: entries that still exist
/// keep their comments and extra keys (owners are updated), vanished ones are removed, new
/// ones are appended. Returns the new text and (added, removed) counts.
pub fn update(
    text: &str,
    snapshot: &Snapshot,
) -> Result<(String, usize, usize), toml_edit::TomlError> {
    let mut doc: DocumentMut = text.parse()?;
    let live = listeners_of(snapshot);
    let programs = programs_of(snapshot);
    let base = doc
        .entry("baseline")
        .or_insert_with(|| Item::Table(Table::new()));
    let Some(base) = base.as_table_mut() else {
        return Ok((doc.to_string(), 0, 0));
    };
    base.insert("updated", value(snapshot.collected_at.to_string()));
    let mut added = 0;
    let mut removed = 0;

    let listeners = base
        .entry("listener")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    if let Some(aot) = listeners.as_array_of_tables_mut() {
        let mut matched = vec![false; live.len()];
        let before = aot.len();
        aot.retain(|entry| {
            let hit = live
                .iter()
                .enumerate()
                .find(|(i, l)| !matched[*i] && same_slot(entry, l));
            match hit {
                Some((i, _)) => {
                    matched[i] = true;
                    true
                }
                // Hand-marked optional entries stay even when the listener is down.
                None => entry.get("optional").and_then(Item::as_bool) == Some(true),
            }
        });
        removed += before - aot.len();
        for entry in aot.iter_mut() {
            if let Some(l) = live.iter().find(|l| same_slot(entry, l)) {
                set_or_remove(entry, "process", l.process.as_deref());
                set_or_remove(entry, "exe", l.exe.as_deref());
                set_or_remove(entry, "user", l.user.as_deref());
            }
        }
        for (l, seen) in live.iter().zip(matched) {
            if !seen {
                aot.push(listener_table(l));
                added += 1;
            }
        }
    }

    let known = base
        .entry("program")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    if let Some(aot) = known.as_array_of_tables_mut() {
        let key = |t: &Table| {
            (
                t.get("exe").and_then(Item::as_str).map(str::to_string),
                t.get("name").and_then(Item::as_str).map(str::to_string),
            )
        };
        let live_keys: Vec<(Option<String>, Option<String>)> = programs
            .iter()
            .map(|p| (p.exe.clone(), Some(p.name.clone())))
            .collect();
        let before = aot.len();
        aot.retain(|t| live_keys.contains(&key(t)));
        removed += before - aot.len();
        let present: Vec<_> = aot.iter().map(key).collect();
        for (p, k) in programs.iter().zip(&live_keys) {
            if !present.contains(k) {
                aot.push(program_table(p));
                added += 1;
            }
        }
    }
    // Without a routing table (an imported capture, an OS we cannot read) the recorded routes
    // stay as they are: nothing is known about them.
    if let Some(table) = &snapshot.routes {
        let (a, r) = routes::update(base, table);
        added += a;
        removed += r;
    }
    Ok((doc.to_string(), added, removed))
}

/// The listeners of a snapshot that a baseline entry covers (for `baseline check` output).
pub fn covers(entry: &Listener, socket: &Socket, snapshot: &Snapshot) -> bool {
    socket.is_listener()
        && socket.proto == entry.proto
        && BasePort::of(socket.local_port, snapshot) == entry.port
        && entry.bind.matches(socket.local_addr)
}
