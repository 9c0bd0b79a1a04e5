//! Collection caps on attacker-chosen strings, applied to every snapshot whatever its source.
//!
//! The live collector already reads command lines with a bounded buffer; a saved snapshot or an
//! imported capture can still carry a megabyte-long process name. Cutting here keeps every
//! later copy (findings, evidence, state, JSON output) bounded per process, and the process
//! says what was cut in `truncated`.

use crate::files::limits::{MAX_CMDLINE_BYTES, MAX_NAME_BYTES, cut_string};
use crate::model::{Fact, Process, Snapshot};

/// Cuts process and host strings at their caps ([`MAX_NAME_BYTES`], [`MAX_CMDLINE_BYTES`]).
pub fn apply(snapshot: &mut Snapshot) {
    for process in snapshot.processes.values_mut() {
        cap_process(process);
    }
    let host = &mut snapshot.host;
    let mut cut = false;
    for field in [&mut host.hostname, &mut host.os, &mut host.kernel]
        .into_iter()
        .flatten()
    {
        cut |= cut_string(field, MAX_NAME_BYTES);
    }
    if cut {
        snapshot.coverage.notes.push(format!(
            "host facts longer than {MAX_NAME_BYTES} bytes were cut"
        ));
    }
}

fn cap_process(p: &mut Process) {
    let mut cut = Vec::new();
    if cut_string(&mut p.name, MAX_NAME_BYTES)
        | p.name_raw
            .as_mut()
            .is_some_and(|r| cut_bytes(&mut r.0, MAX_NAME_BYTES))
    {
        cut.push(Fact::ProcessNames);
    }
    if p.exe
        .as_mut()
        .is_some_and(|e| cut_string(e, MAX_NAME_BYTES))
        | p.exe_raw
            .as_mut()
            .is_some_and(|r| cut_bytes(&mut r.0, MAX_NAME_BYTES))
    {
        cut.push(Fact::Exe);
    }
    if p.user
        .as_mut()
        .is_some_and(|u| cut_string(u, MAX_NAME_BYTES))
    {
        cut.push(Fact::User);
    }
    if cap_cmdline(p) {
        cut.push(Fact::Cmdline);
    }
    let mut services_cut = false;
    for s in &mut p.services {
        services_cut |= cut_string(s, MAX_NAME_BYTES);
    }
    if services_cut {
        cut.push(Fact::ProcessNames);
    }
    for fact in cut {
        if !p.truncated.contains(&fact) {
            p.truncated.push(fact);
        }
    }
    p.truncated.sort_unstable();
}

/// Keeps arguments while their bytes (plus one separator each, as in `/proc`) fit the cap; the
/// first that does not is cut, the rest dropped. `cmdline_raw` follows `cmdline`.
fn cap_cmdline(p: &mut Process) -> bool {
    let mut cut = cap_args(p.cmdline.iter().map(String::len), MAX_CMDLINE_BYTES);
    if let Some((keep, last_len)) = cut {
        p.cmdline.truncate(keep + 1);
        if let Some(last) = p.cmdline.last_mut() {
            cut_string(last, last_len);
        }
    }
    if let Some(raw) = &mut p.cmdline_raw {
        if let Some((keep, last_len)) = cap_args(raw.iter().map(|r| r.0.len()), MAX_CMDLINE_BYTES) {
            raw.truncate(keep + 1);
            if let Some(last) = raw.last_mut() {
                last.0.truncate(last_len);
            }
            cut = cut.or(Some((keep, last_len)));
        }
        // Raw bytes belong element by element to `cmdline`.
        raw.truncate(p.cmdline.len());
    }
    cut.is_some()
}

/// Where to cut a list of lengths so the total (with separators) stays within `cap`: the index
/// of the last element kept and its new length; `None` when everything fits.
fn cap_args(lengths: impl Iterator<Item = usize>, cap: usize) -> Option<(usize, usize)> {
    let mut used = 0usize;
    for (i, len) in lengths.enumerate() {
        let room = cap.saturating_sub(used);
        if len + 1 > room {
            return Some((i, room.saturating_sub(1).min(len)));
        }
        used += len + 1;
    }
    None
}

fn cut_bytes(bytes: &mut Vec<u8>, max: usize) -> bool {
    let cut = bytes.len() > max;
    bytes.truncate(max);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::raw::RawBytes;

    fn process() -> Process {
        Process {
            pid: 1,
            ppid: None,
            name: "x".repeat(MAX_NAME_BYTES + 10),
            exe: Some("/tmp/ok".to_string()),
            exe_deleted: false,
            exe_replaced: false,
            cmdline: vec![
                "a".repeat(100),
                "b".repeat(MAX_CMDLINE_BYTES),
                "c".to_string(),
            ],
            name_raw: None,
            exe_raw: None,
            cmdline_raw: Some(vec![
                RawBytes(vec![b'a'; 100]),
                RawBytes(vec![b'b'; MAX_CMDLINE_BYTES]),
                RawBytes(b"c".to_vec()),
            ]),
            truncated: Vec::new(),
            user: Some("root".to_string()),
            uid: Some(0),
            sid: None,
            start_time: None,
            stdio_sockets: Vec::new(),
            stdio_peers: Vec::new(),
            services: Vec::new(),
            container: None,
            unit: None,
            hidden: None,
        }
    }

    #[test]
    fn long_names_and_command_lines_are_cut_and_flagged() {
        let mut p = process();
        cap_process(&mut p);
        assert_eq!(p.name.len(), MAX_NAME_BYTES);
        assert_eq!(p.cmdline.len(), 2);
        let total: usize = p.cmdline.iter().map(|a| a.len() + 1).sum();
        assert!(total <= MAX_CMDLINE_BYTES, "{total}");
        assert_eq!(p.cmdline[1].len(), MAX_CMDLINE_BYTES - 102);
        let raw = p.cmdline_raw.clone().unwrap_or_default();
        assert_eq!(raw.len(), 2);
        assert_eq!(raw[1].0.len(), p.cmdline[1].len());
        assert_eq!(p.truncated, vec![Fact::ProcessNames, Fact::Cmdline]);
        // Idempotent: a second pass changes nothing and adds no duplicate flag.
        let again = p.clone();
        cap_process(&mut p);
        assert_eq!(p, again);
    }

    #[test]
    fn short_values_are_untouched() {
        let mut p = process();
        p.name = "sshd".to_string();
        p.cmdline = vec!["sshd".to_string(), "-D".to_string()];
        p.cmdline_raw = None;
        let before = p.clone();
        cap_process(&mut p);
        assert_eq!(p, before);
    }
}
