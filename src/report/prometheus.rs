//! Prometheus text exposition for node_exporter's textfile collector: gauges describing the
//! last scan. Fleets aggregate and alert with Prometheus and Alertmanager.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::finding::Severity;
use crate::model::{Snapshot, TcpState};
use crate::rules::engine::Evaluation;

/// Escapes a label value (backslash, double quote, newline), as the exposition format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, help: &str) {
    typed(out, name, help, "gauge");
}

fn typed(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// What `watch --events` has counted since it started, for [`events`].
#[derive(Debug, Clone, Copy)]
pub struct EventsMetrics<'a> {
    /// The stream's mode.
    pub mode: crate::model::event::EventMode,
    /// Events read, dropped and evaluated.
    pub stats: &'a crate::model::event::StreamStats,
    /// Events read, per kind.
    pub by_kind: &'a crate::model::event::KindCounts,
    /// New findings reported, per severity.
    pub new_findings: &'a BTreeMap<Severity, u64>,
    /// Whether the stream is aggregating because of drops.
    pub aggregating: bool,
    /// When the stream started (its counters count from there).
    pub started: jiff::Timestamp,
    /// Now.
    pub now: jiff::Timestamp,
}

/// The metrics of an event stream: counters since it started (a restart resets them, which
/// Prometheus' `rate()` and `increase()` handle), so a fleet sees ring-buffer drops.
pub fn events(m: &EventsMetrics<'_>) -> String {
    use crate::model::event::{EventKind, EventMode};
    let mut out = String::new();
    typed(
        &mut out,
        "sockaudit_events_total",
        "Socket events read by watch --events since it started, by kind.",
        "counter",
    );
    for kind in EventKind::ALL {
        let _ = writeln!(
            out,
            "sockaudit_events_total{{kind=\"{}\"}} {}",
            kind.as_str(),
            m.by_kind.get(kind)
        );
    }
    typed(
        &mut out,
        "sockaudit_events_dropped_total",
        "Events lost since the stream started: eBPF ring buffer full (or, in sock-diag+poll mode, netlink overruns, each of an unknown number of closes).",
        "counter",
    );
    let _ = writeln!(out, "sockaudit_events_dropped_total {}", m.stats.dropped);
    typed(
        &mut out,
        "sockaudit_events_evaluated_total",
        "Events matched against the rules since the stream started.",
        "counter",
    );
    let _ = writeln!(
        out,
        "sockaudit_events_evaluated_total {}",
        m.stats.evaluated
    );
    typed(
        &mut out,
        "sockaudit_events_new_findings_total",
        "New findings the stream reported since it started, by severity.",
        "counter",
    );
    for sev in Severity::ALL {
        let n = m.new_findings.get(&sev).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "sockaudit_events_new_findings_total{{severity=\"{sev}\"}} {n}"
        );
    }
    header(
        &mut out,
        "sockaudit_events_mode",
        "The mode of the event stream (1 for the one running).",
    );
    for mode in [EventMode::Ebpf, EventMode::SockDiagPoll, EventMode::Poll] {
        let _ = writeln!(
            out,
            "sockaudit_events_mode{{mode=\"{}\"}} {}",
            mode.as_str(),
            u8::from(mode == m.mode)
        );
    }
    header(
        &mut out,
        "sockaudit_events_aggregating",
        "1 while the stream prints per (process, peer) counts instead of events, after drops.",
    );
    let _ = writeln!(
        out,
        "sockaudit_events_aggregating {}",
        u8::from(m.aggregating)
    );
    header(
        &mut out,
        "sockaudit_events_start_timestamp_seconds",
        "When the event stream started (Unix time).",
    );
    let started = m.started.as_millisecond() as f64 / 1000.0;
    let _ = writeln!(out, "sockaudit_events_start_timestamp_seconds {started:.3}");
    header(
        &mut out,
        "sockaudit_events_last_write_timestamp_seconds",
        "When these metrics were written (Unix time): a stale value means a stopped stream.",
    );
    let now = m.now.as_millisecond() as f64 / 1000.0;
    let _ = writeln!(
        out,
        "sockaudit_events_last_write_timestamp_seconds {now:.3}"
    );
    out
}

/// The metrics of one scan; `findings` are all present findings (not only the new ones).
pub fn render(snapshot: &Snapshot, eval: &Evaluation, duration_seconds: f64) -> String {
    let mut out = String::new();
    let mut sockets: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for s in &snapshot.sockets {
        let state = s.state.map_or("none", TcpState::as_str);
        *sockets.entry((s.proto.as_str(), state)).or_default() += 1;
    }
    header(
        &mut out,
        "sockaudit_sockets",
        "Sockets seen by the last scan, by protocol and TCP state (none for UDP).",
    );
    for ((proto, state), n) in &sockets {
        let _ = writeln!(
            out,
            "sockaudit_sockets{{proto=\"{proto}\",state=\"{state}\"}} {n}"
        );
    }
    header(
        &mut out,
        "sockaudit_findings_by_severity",
        "Findings of the last scan by severity.",
    );
    for sev in Severity::ALL {
        let n = eval.findings.iter().filter(|f| f.severity == sev).count();
        let _ = writeln!(
            out,
            "sockaudit_findings_by_severity{{severity=\"{sev}\"}} {n}"
        );
    }
    header(
        &mut out,
        "sockaudit_findings",
        "Findings of the last scan by rule and severity.",
    );
    let mut by_rule: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for f in &eval.findings {
        *by_rule.entry((f.rule.as_str(), f.severity)).or_default() += 1;
    }
    for ((rule, sev), n) in &by_rule {
        let _ = writeln!(
            out,
            "sockaudit_findings{{rule=\"{}\",severity=\"{sev}\"}} {n}",
            label(rule)
        );
    }
    header(
        &mut out,
        "sockaudit_unattributed_sockets",
        "Sockets whose owning process could not be determined, by reason.",
    );
    let u = &snapshot.coverage.unattributed;
    for (reason, n) in [
        ("permission", u.permission),
        ("exited", u.exited),
        ("no-owner", u.no_owner),
    ] {
        let _ = writeln!(
            out,
            "sockaudit_unattributed_sockets{{reason=\"{reason}\"}} {n}"
        );
    }
    header(
        &mut out,
        "sockaudit_rules_inactive",
        "Rules that could not run for lack of data (GeoIP, feeds).",
    );
    let _ = writeln!(out, "sockaudit_rules_inactive {}", eval.inactive.len());
    header(
        &mut out,
        "sockaudit_rules_not_configured",
        "Built-in rules waiting for optional data nobody configured (feeds, GeoIP).",
    );
    let _ = writeln!(
        out,
        "sockaudit_rules_not_configured {}",
        eval.not_configured.len()
    );
    header(
        &mut out,
        "sockaudit_scan_duration_seconds",
        "Time the last scan took (collection and evaluation).",
    );
    let _ = writeln!(out, "sockaudit_scan_duration_seconds {duration_seconds:.6}");
    header(
        &mut out,
        "sockaudit_last_scan_timestamp_seconds",
        "When the last scan collected its sockets (Unix time).",
    );
    let ts = snapshot.collected_at.as_millisecond() as f64 / 1000.0;
    let _ = writeln!(out, "sockaudit_last_scan_timestamp_seconds {ts:.3}");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn event_stream_metrics_count_every_kind_and_the_drops() {
        use crate::model::event::{EventKind, EventMode, KindCounts, StreamStats};
        let mut by_kind = KindCounts::default();
        by_kind.add(EventKind::Connect);
        by_kind.add(EventKind::Connect);
        by_kind.add(EventKind::Close);
        let stats = StreamStats {
            events: 3,
            dropped: 7,
            evaluated: 2,
        };
        let findings = [(super::Severity::High, 1)].into_iter().collect();
        let now: jiff::Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let text = super::events(&super::EventsMetrics {
            mode: EventMode::Ebpf,
            stats: &stats,
            by_kind: &by_kind,
            new_findings: &findings,
            aggregating: true,
            started: now,
            now,
        });
        for needle in [
            "# TYPE sockaudit_events_total counter",
            "sockaudit_events_total{kind=\"connect\"} 2",
            "sockaudit_events_total{kind=\"close\"} 1",
            "sockaudit_events_total{kind=\"raw-socket\"} 0",
            "sockaudit_events_dropped_total 7",
            "sockaudit_events_evaluated_total 2",
            "sockaudit_events_new_findings_total{severity=\"high\"} 1",
            "sockaudit_events_mode{mode=\"ebpf\"} 1",
            "sockaudit_events_mode{mode=\"poll\"} 0",
            "sockaudit_events_aggregating 1",
            "sockaudit_events_last_write_timestamp_seconds 1796378400.000",
        ] {
            assert!(text.contains(needle), "{needle} in\n{text}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(super::label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
