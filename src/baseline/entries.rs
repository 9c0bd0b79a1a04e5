//! Baseline entries of a live snapshot, and the TOML tables they are written as.

use std::collections::BTreeSet;

use toml_edit::{Table, value};

use crate::model::Snapshot;
use crate::model::baseline::{BasePort, KnownProgram, Listener, recorded_bind};

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
                bind: recorded_bind(s.local_ip()),
                port: BasePort::Number(s.local_port),
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

/// The TOML of a listener entry.
pub fn listener_table(l: &Listener) -> Table {
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

/// The TOML of a program entry.
pub fn program_table(p: &KnownProgram) -> Table {
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
