//! `baseline update`: an existing baseline rewritten to match a snapshot, keeping the user's
//! comments and hand edits on entries that still exist.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::entries::{listener_table, listeners_of, program_table, programs_of};
use crate::model::Snapshot;
use crate::model::baseline::{BasePort, Bind, Listener};

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
        let (a, r) = super::routes::update(base, table);
        added += a;
        removed += r;
    }
    Ok((doc.to_string(), added, removed))
}
