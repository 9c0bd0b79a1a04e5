//! The rows of the table: one per socket, with what the columns show already written out
//! (escaped and cut like the text report) and the raw values sorting needs.

use std::collections::HashMap;
use std::net::IpAddr;

use super::key::RowKey;
use crate::enrich::Enrichment;
use crate::model::finding::{Finding, Severity};
use crate::model::{Snapshot, Socket, TcpState, Unattributed};
use crate::text::endpoint::{endpoint, proto_text};
use crate::text::escape::{FIELD_MAX_CHARS, for_display};

/// How a row changed since the previous refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Present before and now.
    #[default]
    Normal,
    /// Not there at the previous refresh (shown green, once).
    New,
    /// There at the previous refresh, gone now (shown red, once).
    Closed,
}

/// One socket as the table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its identity across refreshes.
    pub key: RowKey,
    /// Its index in the frame's snapshot; `None` for a closed row (no longer there).
    pub socket: Option<usize>,
    /// The owner's name (escaped, cut), the program a capture named, or why it is unknown
    /// (`-`, `[permission]`, `[exited]`).
    pub process: String,
    /// The first owning PID.
    pub pid: Option<u32>,
    /// `tcp`, `tcp6`, `udp`, `udp6`.
    pub proto: &'static str,
    /// `127.0.0.1:22`.
    pub local: String,
    /// `203.0.113.5:443`, `*:*`, or the name a capture printed.
    pub remote: String,
    /// The peer's country and AS (`US AS64500`), when GeoIP knows them.
    pub geo: String,
    /// TCP state as netstat spells it; empty for UDP.
    pub state: &'static str,
    /// The TCP state, for sorting.
    pub tcp_state: Option<TcpState>,
    /// Bytes sent (live counters or a capture's).
    pub sent: Option<u64>,
    /// Bytes received.
    pub received: Option<u64>,
    /// Bytes per second sent since the previous refresh.
    pub sent_rate: Option<f64>,
    /// Bytes per second received since the previous refresh.
    pub received_rate: Option<f64>,
    /// The findings about this socket (indices into the frame's findings), worst first.
    pub findings: Vec<usize>,
    /// The worst finding's severity and rule id.
    pub worst: Option<(Severity, String)>,
    /// A listener (TCP LISTEN, unconnected UDP).
    pub listener: bool,
    /// The namespace label (escaped); empty for the host's.
    pub netns: String,
    /// New or closed since the previous refresh.
    pub status: Status,
}

impl Row {
    /// The Finding column: `HIGH backdoor-port`, `+N` when there are more.
    pub fn finding_text(&self) -> String {
        match &self.worst {
            None => String::new(),
            Some((severity, rule)) if self.findings.len() > 1 => {
                format!("{} {rule} +{}", short(*severity), self.findings.len() - 1)
            }
            Some((severity, rule)) => format!("{} {rule}", short(*severity)),
        }
    }

    /// The local address and port, for sorting.
    pub fn local_addr(&self) -> (IpAddr, u16) {
        self.key.local
    }
}

/// `CRIT`, `HIGH`, `MED`, `LOW`, `INFO`.
pub fn short(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

/// One row per socket of `snapshot`, in its order, with the findings that concern each.
pub fn rows(snapshot: &Snapshot, findings: &[Finding], enrichment: &Enrichment) -> Vec<Row> {
    let mut rows: Vec<Row> = snapshot
        .sockets
        .iter()
        .enumerate()
        .map(|(i, socket)| row_of(snapshot, i, socket, enrichment))
        .collect();
    number_duplicates(&mut rows);
    attach_findings(snapshot, findings, &mut rows);
    rows
}

fn row_of(snapshot: &Snapshot, index: usize, socket: &Socket, enrichment: &Enrichment) -> Row {
    let process = snapshot.process_of(socket);
    let capture = socket.capture.as_deref();
    let name = match (process, socket.pids.first()) {
        (Some(p), _) => cell(&p.name),
        (None, Some(_)) => "?".to_string(),
        (None, None) => match (
            capture.and_then(|c| c.program.as_deref()),
            socket.unattributed,
        ) {
            (Some(program), _) => cell(program),
            (None, Some(Unattributed::Permission)) => "[permission]".to_string(),
            (None, Some(Unattributed::Exited)) => "[exited]".to_string(),
            (None, _) => "-".to_string(),
        },
    };
    let local = match capture.and_then(|c| c.local_name.as_deref()) {
        Some(name) => cell(name),
        None => crate::text::endpoint::local_of(socket),
    };
    let remote = match (
        capture.and_then(|c| c.remote_name.as_deref()),
        socket.remote_addr.zip(socket.remote_port),
    ) {
        (Some(name), _) => cell(name),
        (None, Some((addr, port))) => endpoint(addr, port),
        (None, None) => "*:*".to_string(),
    };
    let geo = socket
        .remote_ip()
        .map(|ip| {
            let info = enrichment.lookup(ip);
            match (&info.country, info.asn) {
                (Some(c), Some(a)) => format!("{c} AS{a}"),
                (Some(c), None) => c.clone(),
                (None, Some(a)) => format!("AS{a}"),
                (None, None) => String::new(),
            }
        })
        .unwrap_or_default();
    Row {
        key: RowKey::of(socket),
        socket: Some(index),
        process: name,
        pid: socket.pids.first().copied(),
        proto: proto_text(socket),
        local,
        remote,
        geo,
        state: socket.state.map_or("", TcpState::as_str),
        tcp_state: socket.state,
        // A listener's own tcp_info counts nothing of its connections' traffic.
        sent: socket.bytes_sent().filter(|_| !socket.is_listener()),
        received: socket.bytes_received().filter(|_| !socket.is_listener()),
        sent_rate: None,
        received_rate: None,
        findings: Vec::new(),
        worst: None,
        listener: socket.is_listener(),
        netns: if socket.in_host_netns() {
            String::new()
        } else {
            cell(socket.netns_label())
        },
        status: Status::Normal,
    }
}

/// Escaped and cut like the text report ([`crate::text::escape`]).
fn cell(text: &str) -> String {
    for_display(text, FIELD_MAX_CHARS).into_owned()
}

/// Marks each row with the findings about its socket: the finding's own socket and its
/// evidence sockets, and for process findings every socket of that process. Rows are in the
/// snapshot's order, so a sorted snapshot finds each socket by binary search.
fn attach_findings(snapshot: &Snapshot, findings: &[Finding], rows: &mut [Row]) {
    if findings.is_empty() {
        return;
    }
    let sockets = &snapshot.sockets;
    let sorted = sockets.is_sorted_by(|a, b| a.sort_key() <= b.sort_key());
    let position = |socket: &Socket| {
        if sorted {
            sockets
                .binary_search_by(|s| s.sort_key().cmp(&socket.sort_key()))
                .ok()
        } else {
            sockets.iter().position(|s| s == socket)
        }
    };
    let mut by_pid: HashMap<u32, Vec<usize>> = HashMap::new();
    if findings
        .iter()
        .any(|f| f.kind == crate::rules::kinds::process::KIND)
    {
        for (i, row) in rows.iter().enumerate() {
            if let Some(pid) = row.pid {
                by_pid.entry(pid).or_default().push(i);
            }
        }
    }
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for (f, finding) in findings.iter().enumerate() {
        let mut targets: Vec<usize> = finding
            .socket
            .iter()
            .chain(&finding.evidence.sockets)
            .filter_map(&position)
            .collect();
        if finding.kind == crate::rules::kinds::process::KIND
            && let Some(process) = &finding.process
        {
            targets.extend(by_pid.get(&process.pid).into_iter().flatten().copied());
        }
        targets.sort_unstable();
        targets.dedup();
        marks.extend(targets.into_iter().map(|t| (t, f)));
    }
    for (row, finding) in marks {
        if let Some(r) = rows.get_mut(row) {
            r.findings.push(finding);
        }
    }
    for row in rows.iter_mut().filter(|r| !r.findings.is_empty()) {
        // Findings come worst first; keep that order.
        row.findings.sort_unstable();
        row.worst = row
            .findings
            .first()
            .and_then(|&f| findings.get(f))
            .map(|f| (f.severity, f.rule.clone()));
    }
}

/// Numbers the keys of sockets on the same endpoints (0, 1, 2...), in row order. Rows of a
/// sorted snapshot have such sockets next to each other; other orders take a map.
pub fn number_duplicates(rows: &mut [Row]) {
    if rows.is_sorted_by(|a, b| a.key <= b.key) {
        for i in 1..rows.len() {
            let (before, after) = rows.split_at_mut(i);
            let (prev, row) = (&before[i - 1].key, &mut after[0].key);
            row.nth = if prev.netns == row.netns
                && prev.proto == row.proto
                && prev.local == row.local
                && prev.remote == row.remote
            {
                prev.nth + 1
            } else {
                0
            };
        }
        return;
    }
    let mut seen: HashMap<RowKey, u32> = HashMap::new();
    for row in rows {
        let count = seen.entry(row.key.clone()).or_insert(0);
        row.key.nth = *count;
        *count += 1;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::Protocol;

    /// The two refreshes of fixtures/top, sorted as a collector would give them.
    pub(crate) fn snapshot_fixture() -> (Snapshot, Snapshot) {
        let parse = |text: &str| {
            let mut s: Snapshot = serde_json::from_str(text).unwrap();
            s.sort();
            s
        };
        (
            parse(include_str!("../../fixtures/top/before.json")),
            parse(include_str!("../../fixtures/top/after.json")),
        )
    }

    /// The built-in rule pack's findings for a snapshot.
    pub(crate) fn findings_of(snapshot: &Snapshot) -> Vec<Finding> {
        let sources = crate::rules::RuleSources::only(Vec::new(), true);
        let rules = crate::rules::load(&sources).unwrap();
        let today = jiff::civil::date(2026, 11, 24);
        crate::rules::engine::evaluate(&rules, snapshot, &Enrichment::default(), today).findings
    }

    /// A bare row for table tests.
    pub(crate) fn row(process: &str, port: u16, remote: Option<(&str, u16)>) -> Row {
        let local: IpAddr = "10.0.2.15".parse().unwrap();
        let remote = remote.map(|(a, p)| (a.parse::<IpAddr>().unwrap(), p));
        Row {
            key: RowKey {
                netns: None,
                proto: Protocol::Tcp,
                local: (local, port),
                remote,
                nth: 0,
            },
            socket: None,
            process: process.to_string(),
            pid: Some(100 + u32::from(port)),
            proto: "tcp",
            local: format!("10.0.2.15:{port}"),
            remote: remote.map_or("*:*".to_string(), |(a, p)| format!("{a}:{p}")),
            geo: String::new(),
            state: if remote.is_some() {
                "ESTABLISHED"
            } else {
                "LISTEN"
            },
            tcp_state: Some(if remote.is_some() {
                TcpState::Established
            } else {
                TcpState::Listen
            }),
            sent: None,
            received: None,
            sent_rate: None,
            received_rate: None,
            findings: Vec::new(),
            worst: None,
            listener: remote.is_none(),
            netns: String::new(),
            status: Status::Normal,
        }
    }

    #[test]
    fn rows_carry_escaped_names_counters_and_findings() {
        let (before, _) = snapshot_fixture();
        let findings = findings_of(&before);
        let rows = rows(&before, &findings, &Enrichment::default());
        assert_eq!(rows.len(), before.sockets.len());

        // The hostile name is shown escaped, never raw.
        let hostile = rows.iter().find(|r| r.pid == Some(5150)).unwrap();
        assert_eq!(hostile.process, "evil\\x1b[2Jname");
        assert!(rows.iter().all(|r| !r.process.contains('\u{1b}')));

        // Counters from tcp_info.
        let curl = rows.iter().find(|r| r.pid == Some(7300)).unwrap();
        assert_eq!(curl.sent, Some(180_000_000));
        assert_eq!(curl.received, Some(42_000));
        assert_eq!(curl.remote, "203.0.113.50:443");

        // nc on 31337 from a deleted /tmp binary: the built-in pack flags its listener, and the
        // process finding marks every socket of the process.
        let nc = rows
            .iter()
            .find(|r| r.pid == Some(4242) && r.listener)
            .unwrap();
        let (severity, rule) = nc.worst.clone().unwrap();
        assert_eq!(severity, Severity::Critical);
        assert!(nc.findings.len() >= 2, "{:?}", nc.findings);
        assert!(
            nc.finding_text().starts_with("CRIT "),
            "{}",
            nc.finding_text()
        );
        assert_eq!(findings[nc.findings[0]].rule, rule);

        // The container's listener says where it is; host sockets leave the column empty.
        let redis = rows.iter().find(|r| r.key.local.1 == 6379).unwrap();
        assert_eq!(redis.netns, "docker:4f3b1c0e9a8d");
        assert_eq!(rows.iter().find(|r| r.pid == Some(601)).unwrap().netns, "");

        // Unowned sockets say so.
        let time_wait = rows.iter().find(|r| r.state == "TIME_WAIT").unwrap();
        assert_eq!(time_wait.process, "-");
        assert_eq!(time_wait.pid, None);
    }
}
