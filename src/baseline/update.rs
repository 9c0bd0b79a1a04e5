//! `baseline update`: an existing baseline rewritten to match a snapshot, keeping the user's
//! comments and hand edits on entries that still exist.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::entries::{listener_table, listeners_of, program_table, programs_of};
use crate::model::baseline::{BasePort, Bind, DEFAULT_EPHEMERAL, Listener, in_range};
use crate::model::{Protocol, Snapshot};

/// A `[[baseline.listener]]` table read back (already validated by the rule loader);
/// `None` for an entry the loader would reject, which stays as the user wrote it.
fn entry_of(t: &Table) -> Option<Listener> {
    let s = |k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
    let proto = match s("proto")?.as_str() {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => return None,
    };
    let port = match t.get("port")? {
        item if item.as_str() == Some("ephemeral") => BasePort::Ephemeral,
        item => BasePort::Number(u16::try_from(item.as_integer()?).ok()?),
    };
    Some(Listener {
        proto,
        bind: Bind::parse(&s("bind")?)?,
        port,
        process: s("process"),
        exe: s("exe"),
        user: s("user"),
        optional: t.get("optional").and_then(Item::as_bool) == Some(true),
        origin: String::new(),
    })
}

/// Whether two listeners are the same program: by exe when both know it, else by name.
fn same_program(a: &Listener, b: &Listener) -> bool {
    match (&a.exe, &b.exe) {
        (Some(x), Some(y)) => x == y,
        _ => a.process.is_some() && a.process == b.process,
    }
}

/// Whether a baselined entry expects the live listener `l`: same proto and bind, and the same
/// port, or (for a moving port) any port of the client range owned by the entry's program.
fn same_slot(entry: &Listener, l: &Listener, range: [u16; 2]) -> bool {
    let BasePort::Number(port) = l.port else {
        return false;
    };
    entry.proto == l.proto
        && entry.bind == l.bind
        && match entry.port {
            BasePort::Number(n) => n == port,
            BasePort::Ephemeral => in_range(port, range) && same_program(entry, l),
        }
}

/// Which listener entries stay, which live listeners they account for, and which entries
/// were learned to have a moving port.
struct Matching {
    keep: Vec<bool>,
    live_of: Vec<Option<usize>>,
    learned: Vec<bool>,
    taken: Vec<bool>,
}

/// Matches entries with live listeners. An entry whose port is gone while the same program
/// (same proto and bind) now listens on another port of the client range has a port that
/// moves: it is learned as `port = "ephemeral"`, not removed and re-added.
fn match_listeners(entries: &[Option<Listener>], live: &[Listener], range: [u16; 2]) -> Matching {
    let mut m = Matching {
        keep: vec![false; entries.len()],
        live_of: vec![None; entries.len()],
        learned: vec![false; entries.len()],
        taken: vec![false; live.len()],
    };
    for (i, entry) in entries.iter().enumerate() {
        let Some(entry) = entry else {
            // The loader reports unreadable entries; they are the user's to fix.
            m.keep[i] = true;
            continue;
        };
        for (j, l) in live.iter().enumerate() {
            if !m.taken[j] && same_slot(entry, l, range) {
                m.taken[j] = true;
                m.keep[i] = true;
                m.live_of[i].get_or_insert(j);
                // A numbered port is one listener; a moving one covers all its program's.
                if entry.port != BasePort::Ephemeral {
                    break;
                }
            }
        }
    }
    for (i, entry) in entries.iter().enumerate() {
        let Some(entry) = entry else { continue };
        let BasePort::Number(was) = entry.port else {
            continue;
        };
        if m.keep[i] || !in_range(was, range) {
            continue;
        }
        let mut moving = entry.clone();
        moving.port = BasePort::Ephemeral;
        for (j, l) in live.iter().enumerate() {
            if !m.taken[j] && same_slot(&moving, l, range) {
                m.taken[j] = true;
                m.keep[i] = true;
                m.learned[i] = true;
                m.live_of[i].get_or_insert(j);
            }
        }
    }
    m
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

/// What `baseline update` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    /// The new text of the baseline.
    pub text: String,
    /// Entries appended.
    pub added: usize,
    /// Entries removed.
    pub removed: usize,
    /// Listener entries whose port was learned to move (now `port = "ephemeral"`), as
    /// `proto bind program`.
    pub moving: Vec<String>,
}

/// Rewrites an existing baseline document to match the snapshot: entries that still exist
/// keep their comments and extra keys (owners are updated), vanished ones are removed, new
/// ones are appended, and ports that moved within the client range are learned as moving.
pub fn update(text: &str, snapshot: &Snapshot) -> Result<Updated, toml_edit::TomlError> {
    let mut doc: DocumentMut = text.parse()?;
    let live = listeners_of(snapshot);
    let programs = programs_of(snapshot);
    let base = doc
        .entry("baseline")
        .or_insert_with(|| Item::Table(Table::new()));
    let Some(base) = base.as_table_mut() else {
        return Ok(Updated {
            text: doc.to_string(),
            added: 0,
            removed: 0,
            moving: Vec::new(),
        });
    };
    base.insert("updated", value(snapshot.collected_at.to_string()));
    let range = snapshot
        .host
        .ephemeral_ports
        .or_else(|| recorded_range(base))
        .unwrap_or(DEFAULT_EPHEMERAL);
    let mut added = 0;
    let mut removed = 0;
    let mut moving = Vec::new();

    let listeners = base
        .entry("listener")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    if let Some(aot) = listeners.as_array_of_tables_mut() {
        let entries: Vec<Option<Listener>> = aot.iter().map(entry_of).collect();
        let m = match_listeners(&entries, &live, range);
        for (i, entry) in aot.iter_mut().enumerate() {
            if m.learned[i] {
                entry.insert("port", value("ephemeral"));
                if let Some(e) = &entries[i] {
                    moving.push(format!(
                        "{} {} {}",
                        e.proto,
                        e.bind.text(),
                        e.exe.as_deref().or(e.process.as_deref()).unwrap_or("?")
                    ));
                }
            }
            if let Some(l) = m.live_of[i].and_then(|j| live.get(j)) {
                set_or_remove(entry, "process", l.process.as_deref());
                set_or_remove(entry, "exe", l.exe.as_deref());
                set_or_remove(entry, "user", l.user.as_deref());
            }
        }
        let before = aot.len();
        let mut index = 0;
        aot.retain(|entry| {
            // Hand-marked optional entries stay even when the listener is down.
            let stays =
                m.keep[index] || entry.get("optional").and_then(Item::as_bool) == Some(true);
            index += 1;
            stays
        });
        removed += before - aot.len();
        for (l, seen) in live.iter().zip(&m.taken) {
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
    Ok(Updated {
        text: doc.to_string(),
        added,
        removed,
        moving,
    })
}

/// The `ephemeral-ports = [LOW, HIGH]` recorded in the baseline.
fn recorded_range(base: &Table) -> Option<[u16; 2]> {
    let a = base.get("ephemeral-ports")?.as_array()?;
    let port = |i: usize| u16::try_from(a.get(i)?.as_integer()?).ok();
    Some([port(0)?, port(1)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::baseline::Bind;

    const RANGE: [u16; 2] = [32768, 60999];

    fn listener(port: BasePort, exe: &str) -> Listener {
        Listener {
            proto: Protocol::Tcp,
            bind: Bind::Addr(std::net::Ipv4Addr::LOCALHOST.into()),
            port,
            process: exe.rsplit('/').next().map(str::to_string),
            exe: Some(exe.to_string()),
            user: None,
            optional: false,
            origin: String::new(),
        }
    }

    #[test]
    fn a_port_that_moved_for_the_same_program_is_learned() {
        let entries = vec![Some(listener(BasePort::Number(40001), "/usr/sbin/statd"))];
        let live = vec![listener(BasePort::Number(40777), "/usr/sbin/statd")];
        let m = match_listeners(&entries, &live, RANGE);
        assert_eq!((m.keep[0], m.learned[0], m.taken[0]), (true, true, true));
    }

    #[test]
    fn another_program_or_a_port_outside_the_range_is_not_a_move() {
        let entries = vec![
            Some(listener(BasePort::Number(40001), "/usr/sbin/statd")),
            Some(listener(BasePort::Number(8080), "/usr/bin/app")),
        ];
        let live = vec![
            listener(BasePort::Number(40777), "/usr/bin/intruder"),
            listener(BasePort::Number(8081), "/usr/bin/app"),
        ];
        let m = match_listeners(&entries, &live, RANGE);
        assert_eq!(m.keep, vec![false, false]);
        assert_eq!(m.learned, vec![false, false]);
        assert_eq!(m.taken, vec![false, false]);
    }

    #[test]
    fn a_moving_entry_covers_all_of_its_programs_ports_in_the_range_only() {
        let entries = vec![Some(listener(BasePort::Ephemeral, "/usr/sbin/statd"))];
        let live = vec![
            listener(BasePort::Number(40001), "/usr/sbin/statd"),
            listener(BasePort::Number(50002), "/usr/sbin/statd"),
            listener(BasePort::Number(111), "/usr/sbin/statd"),
        ];
        let m = match_listeners(&entries, &live, RANGE);
        assert!(m.keep[0] && !m.learned[0]);
        assert_eq!(m.taken, vec![true, true, false]);
    }
}
