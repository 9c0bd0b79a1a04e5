//! The detail pane (`Enter`): everything known about the selected socket or process, and every
//! finding about it with its evidence. Strings a process chose are escaped and cut
//! ([`crate::text::escape`]): names, paths and users at [`FIELD_MAX_CHARS`], command lines and
//! messages at [`MESSAGE_MAX_CHARS`].

use std::fmt::Write as _;

use super::frame::Frame;
use super::group::{Group, Line};
use super::model::{Row, Status, short};
use crate::model::finding::{Finding, Severity};
use crate::model::{Process, Socket};
use crate::text::escape::{FIELD_MAX_CHARS, MESSAGE_MAX_CHARS, for_display};
use crate::text::size::human;

/// How a line of the pane is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Plain text.
    Plain,
    /// A section title.
    Heading,
    /// A finding of this severity.
    Severity(Severity),
    /// Secondary text (evidence, origins).
    Dim,
}

/// One line of the pane: a label column and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLine {
    /// `Process`, `Exe`... (empty for continuation lines).
    pub label: String,
    /// The value, escaped.
    pub text: String,
    /// How to draw it.
    pub tone: Tone,
}

fn line(label: &str, text: impl Into<String>) -> DetailLine {
    DetailLine {
        label: label.to_string(),
        text: text.into(),
        tone: Tone::Plain,
    }
}

fn shown(text: &str) -> String {
    for_display(text, FIELD_MAX_CHARS).into_owned()
}

/// The pane for a selected line.
pub fn lines(frame: &Frame, rows: &[Row], selected: &Line) -> Vec<DetailLine> {
    match selected {
        Line::Row(i) => rows
            .get(*i)
            .map(|r| row_lines(frame, r))
            .unwrap_or_default(),
        Line::Group(g) => group_lines(frame, rows, g),
    }
}

fn row_lines(frame: &Frame, row: &Row) -> Vec<DetailLine> {
    let mut out = vec![DetailLine {
        label: String::new(),
        text: format!(
            "{} {} -> {}{}",
            row.proto,
            row.local,
            row.remote,
            if row.state.is_empty() {
                String::new()
            } else {
                format!("  {}", row.state)
            }
        ),
        tone: Tone::Heading,
    }];
    let Some(socket) = frame.socket_of(row) else {
        out.push(line(
            "Status",
            "closed since the previous refresh (shown once, in red)",
        ));
        out.push(line("Process", process_name(row)));
        return out;
    };
    if row.status == Status::New {
        out.push(line("Status", "new since the previous refresh"));
    }
    if !socket.in_host_netns() {
        out.push(line("Netns", shown(socket.netns_label())));
    }
    let process = frame.snapshot.process_of(socket);
    process_lines(frame, socket, process, &mut out);
    socket_lines(frame, socket, &mut out);
    finding_lines(frame, &row.findings, &mut out);
    out
}

fn process_name(row: &Row) -> String {
    match row.pid {
        Some(pid) => format!("{} (pid {pid})", row.process),
        None => row.process.clone(),
    }
}

fn process_lines(
    frame: &Frame,
    socket: &Socket,
    process: Option<&Process>,
    out: &mut Vec<DetailLine>,
) {
    let Some(p) = process else {
        let why = match (socket.pids.first(), socket.unattributed) {
            (Some(pid), _) => format!("pid {pid} (its facts could not be read)"),
            (None, Some(reason)) => format!("unknown ({})", reason.as_str()),
            (None, None) => "unknown".to_string(),
        };
        out.push(line("Process", why));
        return;
    };
    let mut name = format!("{} (pid {})", shown(&p.name), p.pid);
    if socket.pids.len() > 1 {
        let others: Vec<String> = socket.pids[1..].iter().map(u32::to_string).collect();
        let _ = write!(name, ", shared with pid {}", others.join(", "));
    }
    out.push(line("Process", name));
    if let Some(ppid) = p.ppid {
        let parent = frame
            .snapshot
            .processes
            .get(&ppid)
            .map_or(String::new(), |pp| format!(" {}", shown(&pp.name)));
        out.push(line("Parent", format!("pid {ppid}{parent}")));
    }
    let user = match (&p.user, p.uid) {
        (Some(u), Some(uid)) => format!("{} (uid {uid})", shown(u)),
        (Some(u), None) => shown(u),
        (None, Some(uid)) => format!("uid {uid}"),
        (None, None) => "unknown".to_string(),
    };
    out.push(line("User", user));
    if let Some(exe) = &p.exe {
        let mut text = shown(exe);
        if p.exe_replaced {
            text.push_str("  [deleted, replaced on disk]");
        } else if p.exe_deleted {
            text.push_str("  [deleted]");
        }
        out.push(line("Exe", text));
    }
    if !p.cmdline.is_empty() {
        let cmd = p.cmdline.join(" ");
        out.push(line(
            "Cmdline",
            for_display(&cmd, MESSAGE_MAX_CHARS).into_owned(),
        ));
    }
    if let Some(unit) = &p.unit {
        out.push(line("Unit", shown(unit)));
    }
    if let Some(c) = &p.container {
        out.push(line("Container", shown(&c.short())));
    }
    if let Some(start) = p.start_time {
        out.push(line("Started", start.to_string()));
    }
}

fn socket_lines(frame: &Frame, socket: &Socket, out: &mut Vec<DetailLine>) {
    let mut facts = Vec::new();
    if let Some(inode) = socket.inode.filter(|i| *i != 0) {
        facts.push(format!("inode {inode}"));
    }
    if let Some(uid) = socket.uid {
        facts.push(format!("uid {uid}"));
    }
    if let Some(l) = &socket.listen {
        match (l.accept_queue, l.backlog) {
            (Some(q), Some(b)) => facts.push(format!("accept queue {q}/{b}")),
            (Some(q), None) => facts.push(format!("accept queue {q}")),
            _ => {}
        }
    }
    if !facts.is_empty() {
        out.push(line("Socket", facts.join(", ")));
    }
    if let Some(t) = socket.traffic.as_deref().filter(|_| !socket.is_listener()) {
        out.push(line(
            "Traffic",
            format!(
                "sent {} B ({}B) in {} segments, received {} B ({}B) in {} segments",
                t.bytes_acked,
                human(t.bytes_acked),
                t.segs_out,
                t.bytes_received,
                human(t.bytes_received),
                t.segs_in
            ),
        ));
        out.push(line(
            "",
            format!(
                "rtt {:.1} ms, {} retransmitted",
                f64::from(t.rtt_us) / 1000.0,
                t.retrans
            ),
        ));
    } else if let Some(c) = socket.capture.as_deref()
        && (c.sent_bytes.is_some() || c.received_bytes.is_some())
    {
        let n = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        out.push(line(
            "Traffic",
            format!(
                "sent {} B in {} packets, received {} B in {} packets (capture)",
                n(c.sent_bytes),
                n(c.sent_packets),
                n(c.received_bytes),
                n(c.received_packets)
            ),
        ));
    }
    if let Some(ip) = socket.remote_ip() {
        let info = frame.enrichment.lookup(ip);
        let mut text = format!("scope {}", info.scope);
        if let Some(c) = &info.country {
            let _ = write!(text, ", country {c}");
        }
        match (info.asn, &info.org) {
            (Some(a), Some(o)) => {
                let _ = write!(text, ", AS{a} {}", shown(o));
            }
            (Some(a), None) => {
                let _ = write!(text, ", AS{a}");
            }
            _ => {}
        }
        if !info.feeds.is_empty() {
            let _ = write!(text, ", listed in {}", shown(&info.feeds.join(", ")));
        }
        out.push(line("Remote", text));
    }
}

fn finding_lines(frame: &Frame, findings: &[usize], out: &mut Vec<DetailLine>) {
    if findings.is_empty() {
        out.push(DetailLine {
            label: "Findings".to_string(),
            text: "none".to_string(),
            tone: Tone::Dim,
        });
        return;
    }
    out.push(DetailLine {
        label: "Findings".to_string(),
        text: format!("{}", findings.len()),
        tone: Tone::Heading,
    });
    for f in findings.iter().filter_map(|&i| frame.findings.get(i)) {
        finding(f, out);
    }
}

fn finding(f: &Finding, out: &mut Vec<DetailLine>) {
    out.push(DetailLine {
        label: short(f.severity).to_string(),
        text: format!(
            "{}: {}",
            shown(&f.rule),
            for_display(&f.message, MESSAGE_MAX_CHARS)
        ),
        tone: Tone::Severity(f.severity),
    });
    let e = &f.evidence;
    let mut evidence = format!("evidence: {} socket(s)", e.count);
    if let Some(group) = &e.group {
        let _ = write!(evidence, ", grouped by {}", shown(group));
    }
    if let Some(threshold) = e.threshold {
        let _ = write!(evidence, ", threshold {threshold}");
    }
    let sockets: Vec<String> = e
        .sockets
        .iter()
        .map(|s| {
            let remote = crate::text::endpoint::remote_of(s).map(|r| format!(" -> {r}"));
            format!(
                "{} {}{}",
                s.proto,
                crate::text::endpoint::local_of(s),
                remote.unwrap_or_default()
            )
        })
        .collect();
    if !sockets.is_empty() {
        let _ = write!(evidence, ": {}", sockets.join(", "));
        if e.count > sockets.len() {
            let _ = write!(evidence, ", ...");
        }
    }
    out.push(DetailLine {
        label: String::new(),
        text: evidence,
        tone: Tone::Dim,
    });
    out.push(DetailLine {
        label: String::new(),
        text: format!(
            "rule at {}, fingerprint {}",
            shown(&f.origin),
            f.fingerprint
        ),
        tone: Tone::Dim,
    });
}

fn group_lines(frame: &Frame, rows: &[Row], g: &Group) -> Vec<DetailLine> {
    let mut out = vec![DetailLine {
        label: String::new(),
        text: format!(
            "{}: {} socket(s){}",
            match g.pid {
                Some(pid) => format!("{} (pid {pid})", g.process),
                None => g.process.clone(),
            },
            g.rows.len(),
            g.sent.map_or(String::new(), |s| format!(
                ", sent {}B, received {}B",
                human(s),
                human(g.received.unwrap_or(0))
            ))
        ),
        tone: Tone::Heading,
    }];
    let first = g
        .rows
        .iter()
        .filter_map(|&i| rows.get(i))
        .find_map(|r| frame.socket_of(r));
    if let Some(socket) = first {
        process_lines(frame, socket, frame.snapshot.process_of(socket), &mut out);
    }
    let mut findings: Vec<usize> = g
        .rows
        .iter()
        .filter_map(|&i| rows.get(i))
        .flat_map(|r| r.findings.iter().copied())
        .collect();
    findings.sort_unstable();
    findings.dedup();
    finding_lines(frame, &findings, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Enrichment;
    use crate::top::model::tests::{findings_of, snapshot_fixture};

    fn frame() -> Frame {
        let (before, _) = snapshot_fixture();
        let findings = findings_of(&before);
        Frame::new(before, findings, Enrichment::default(), None)
    }

    fn text(lines: &[DetailLine]) -> String {
        lines
            .iter()
            .map(|l| format!("{:>9} {}\n", l.label, l.text))
            .collect()
    }

    #[test]
    fn a_suspicious_listener_shows_its_process_and_every_finding() {
        let f = frame();
        let i = f
            .rows
            .iter()
            .position(|r| r.pid == Some(4242) && r.listener)
            .unwrap();
        let pane = lines(&f, &f.rows, &Line::Row(i));
        let all = text(&pane);
        assert!(all.contains("Process nc (pid 4242)"), "{all}");
        assert!(all.contains("Parent pid 4100 bash"), "{all}");
        assert!(all.contains("User root (uid 0)"), "{all}");
        assert!(all.contains("Exe /tmp/.x/nc  [deleted]"), "{all}");
        assert!(all.contains("Cmdline nc -lkp 31337"), "{all}");
        let severities = pane
            .iter()
            .filter(|l| matches!(l.tone, Tone::Severity(_)))
            .count();
        assert_eq!(severities, f.rows[i].findings.len());
        assert!(all.contains("evidence: "), "{all}");
        assert!(all.contains("rule at builtin:rules/default.toml:"), "{all}");
    }

    #[test]
    fn hostile_strings_are_escaped_in_the_pane() {
        let f = frame();
        let i = f.rows.iter().position(|r| r.pid == Some(5150)).unwrap();
        let all = text(&lines(&f, &f.rows, &Line::Row(i)));
        assert!(all.contains("evil\\x1b[2Jname"), "{all}");
        assert!(all.contains("--flag\\u202egnp.exe"), "{all}");
        assert!(!all.contains('\u{1b}') && !all.contains('\u{202e}'));
    }

    #[test]
    fn traffic_and_closed_rows() {
        let f = frame();
        let i = f.rows.iter().position(|r| r.pid == Some(7300)).unwrap();
        let all = text(&lines(&f, &f.rows, &Line::Row(i)));
        assert!(
            all.contains("sent 180000000 B (180MB) in 125000 segments"),
            "{all}"
        );
        assert!(all.contains("rtt 88.0 ms, 17 retransmitted"), "{all}");

        let mut closed = f.rows[i].clone();
        closed.socket = None;
        closed.status = Status::Closed;
        let all = text(&row_lines(&f, &closed));
        assert!(all.contains("closed since the previous refresh"), "{all}");
    }
}
