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
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
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
    fn label_values_are_escaped() {
        assert_eq!(super::label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
