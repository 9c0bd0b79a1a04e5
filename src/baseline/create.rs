//! `baseline create`: a new baseline document for a snapshot.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::entries::{listener_table, listeners_of, program_table, programs_of};
use crate::model::Snapshot;

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
        super::routes::insert_all(&mut base, table);
    }
    doc.insert("baseline", Item::Table(base));
    format!(
        "# sockaudit baseline of {host}, {}, sockaudit {version}\n\
         #\n\
         # What is normal on this host: every listener (proto, bind, port, owner) and every\n\
         # program that owns sockets. No PIDs, no client ports. Review it and edit freely:\n\
         # `sockaudit baseline update` keeps comments and hand edits on entries that still\n\
         # exist. Mark a listener `optional = true` if its absence is fine, and\n\
         # `port = \"ephemeral\"` if its program's port moves at each start (update learns it\n\
         # when it sees the move). Link-local binds are recorded as bind = \"link-local\".\n\
         # Routes (when read): default, host, static and policy-table routes, not the kernel's\n\
         # own local/broadcast/connected ones, and the gateways' MAC addresses (docs/routes.md).\n\
         # Use: sockaudit scan --baseline FILE, or sockaudit baseline check FILE.\n\n{}",
        snapshot.collected_at, doc
    )
}
