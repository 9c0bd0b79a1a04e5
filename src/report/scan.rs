//! The scan report: text for a person, JSON for machines (docs/json.md).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::style::Palette;
use crate::model::finding::{Finding, Severity};
use crate::model::{Coverage, Host, SCHEMA_VERSION, Snapshot, TcpState};
use crate::rules::engine::{Evaluation, Inactive, Warning};
use crate::rules::unchecked::Unchecked;
use crate::text::escape::{FIELD_MAX_CHARS, MESSAGE_MAX_CHARS, for_display, for_terminal};

/// What `--state` changed about this report.
#[derive(Debug, Clone, Serialize)]
pub struct StateNote {
    /// The state file.
    pub path: String,
    /// Findings reported before and gone now.
    pub resolved: Vec<crate::files::state::Seen>,
    /// Still present, already reported, not repeated.
    pub unchanged: usize,
    /// Reported again because `--renotify` elapsed.
    pub renotified: usize,
}

/// Counts for the summary line and the JSON `summary`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Sockets scanned.
    pub sockets: usize,
    /// TCP sockets per state, plus `UDP` for UDP sockets.
    pub by_state: BTreeMap<String, usize>,
    /// Findings per severity (every severity present, zero included).
    pub findings_by_severity: BTreeMap<Severity, usize>,
    /// Rules evaluated.
    pub rules_run: usize,
    /// The `--fail-on` bar (`null` for never).
    pub fail_on: Option<Severity>,
    /// Whether a finding reached the bar (exit status 1).
    pub failed: bool,
}

impl Summary {
    /// Counts a snapshot and its evaluation.
    pub fn new(snapshot: &Snapshot, eval: &Evaluation, fail_on: Option<Severity>) -> Summary {
        let mut by_state = BTreeMap::new();
        for s in &snapshot.sockets {
            let key = s.state.map_or("UDP", TcpState::as_str);
            *by_state.entry(key.to_string()).or_insert(0) += 1;
        }
        let mut findings_by_severity: BTreeMap<Severity, usize> =
            Severity::ALL.iter().map(|s| (*s, 0)).collect();
        for f in &eval.findings {
            *findings_by_severity.entry(f.severity).or_insert(0) += 1;
        }
        let failed = fail_on.is_some_and(|bar| eval.findings.iter().any(|f| f.severity >= bar));
        Summary {
            sockets: snapshot.sockets.len(),
            by_state,
            findings_by_severity,
            rules_run: eval.rules_run,
            fail_on,
            failed,
        }
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    host: &'a Host,
    collected_at: &'a jiff::Timestamp,
    time_source: crate::model::TimeSource,
    source: &'a str,
    summary: &'a Summary,
    findings: &'a [Finding],
    warnings: &'a [Warning],
    inactive: &'a [Inactive],
    /// Built-in rules waiting for an optional input nobody configured (not a gap).
    not_configured: &'a [Inactive],
    /// Sockets the process rules could not check (owner unreadable).
    #[serde(skip_serializing_if = "Option::is_none")]
    unchecked: Option<&'a Unchecked>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a StateNote>,
    coverage: &'a Coverage,
    /// The namespaces read (every namespace, Linux).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    namespaces: &'a [crate::model::NetNamespace],
    /// The hidden-socket check (`--deep`).
    #[serde(skip_serializing_if = "Option::is_none")]
    deep: Option<&'a crate::model::deep::DeepCheck>,
}

/// The JSON report. With `--state`, `findings` holds only what is new (or due again) and
/// `state` says what was resolved.
pub fn render_json(
    snapshot: &Snapshot,
    eval: &Evaluation,
    summary: &Summary,
    state: Option<&StateNote>,
) -> Result<String, serde_json::Error> {
    let report = JsonReport {
        schema_version: SCHEMA_VERSION,
        host: &snapshot.host,
        collected_at: &snapshot.collected_at,
        time_source: snapshot.time_source(),
        source: &snapshot.source,
        summary,
        findings: &eval.findings,
        warnings: &eval.warnings,
        inactive: &eval.inactive,
        not_configured: &eval.not_configured,
        unchecked: eval.unchecked.as_ref(),
        state,
        coverage: &snapshot.coverage,
        namespaces: &snapshot.namespaces,
        deep: snapshot.deep.as_ref(),
    };
    let mut text = serde_json::to_string_pretty(&report)?;
    text.push('\n');
    Ok(text)
}

/// `Hidden-socket check: ...`: what `--deep` compared and how it ended.
fn deep_line(deep: &crate::model::deep::DeepCheck) -> String {
    let mut line = if deep.candidates == 0 {
        "Hidden-socket check: netlink (ss), /proc/net (netstat) and the sockets processes hold agree"
            .to_string()
    } else {
        format!(
            "Hidden-socket check: {} disagreement(s) at first sight, {} still after a {} ms re-check",
            deep.candidates,
            deep.hidden.len(),
            deep.recheck_pause_ms
        )
    };
    if deep.inactive_held > 0 {
        let _ = write!(
            line,
            "; {} held socket(s) not bound or not active",
            deep.inactive_held
        );
    }
    if deep.inconclusive > 0 {
        let _ = write!(line, "; {} could not be inspected", deep.inconclusive);
    }
    if !deep.skipped_namespaces.is_empty() {
        let _ = write!(
            line,
            "; not compared: {}",
            for_display(&deep.skipped_namespaces.join(", "), MESSAGE_MAX_CHARS)
        );
    }
    if let Some(limited) = &deep.limited {
        let _ = write!(
            line,
            "; limited: {}",
            for_display(limited, MESSAGE_MAX_CHARS)
        );
    }
    if let Some(probe) = &deep.probe {
        let _ = write!(
            line,
            "; port probe: {} binds in {} ms",
            probe.binds, probe.millis
        );
    }
    line.push('\n');
    line
}

fn severity_color(severity: Severity, palette: Palette) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => palette.red,
        Severity::Medium => palette.yellow,
        Severity::Low | Severity::Info => palette.cyan,
    }
}

/// The text report: a header, findings grouped by severity (highest first), what `--state`
/// resolved, a summary line.
pub fn render_text(
    snapshot: &Snapshot,
    eval: &Evaluation,
    summary: &Summary,
    input_label: &str,
    state: Option<&StateNote>,
    palette: Palette,
) -> String {
    let mut out = String::new();
    let host = snapshot
        .host
        .hostname
        .as_deref()
        .map_or(std::borrow::Cow::Borrowed("unknown host"), |h| {
            for_display(h, FIELD_MAX_CHARS)
        });
    let _ = writeln!(
        out,
        "{}sockaudit scan{} of {host} ({}, {} {})",
        palette.bold,
        palette.reset,
        for_terminal(input_label),
        snapshot.time_source().label(),
        snapshot.collected_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    let c = &snapshot.coverage;
    let spaces = snapshot.namespaces.len();
    let _ = writeln!(
        out,
        "{} sockets{}, {} attributed to a process, {} rules run",
        summary.sockets,
        if spaces > 1 {
            format!(" in {spaces} network namespaces")
        } else {
            String::new()
        },
        c.attributed,
        summary.rules_run
    );
    if let Some(deep) = &snapshot.deep {
        out.push_str(&deep_line(deep));
    }
    if let Some(u) = &eval.unchecked {
        let _ = writeln!(
            out,
            "Unchecked: {} socket(s) whose owner could not be read, so {} rule(s) that look at processes could not check them: {}; {}",
            u.sockets,
            u.rules.len(),
            u.rules.join(", "),
            u.reason
        );
        // Which sockets, so a person can look at them (`list --port N`) rather than guess.
        let shown: Vec<_> = u
            .examples
            .iter()
            .map(|e| for_display(e, FIELD_MAX_CHARS))
            .collect();
        if !shown.is_empty() {
            let more = u.sockets.saturating_sub(shown.len());
            let _ = writeln!(
                out,
                "  not attributed: {}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
    }
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<&Finding> = eval
            .findings
            .iter()
            .filter(|f| f.severity == *severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let color = severity_color(*severity, palette);
        let _ = writeln!(
            out,
            "\n{color}{}{}{} ({})",
            palette.bold,
            severity.as_str().to_uppercase(),
            palette.reset,
            group.len()
        );
        for f in group {
            let _ = writeln!(
                out,
                "  {color}{}{}  {}",
                f.rule,
                palette.reset,
                for_display(&f.message, MESSAGE_MAX_CHARS)
            );
            let mut detail = String::new();
            if let Some(p) = &f.process {
                let _ = write!(
                    detail,
                    "process {} (pid {}, exe {}, user {})",
                    for_display(&p.name, FIELD_MAX_CHARS),
                    p.pid,
                    p.exe
                        .as_deref()
                        .map_or(std::borrow::Cow::Borrowed("?"), |e| {
                            for_display(e, FIELD_MAX_CHARS)
                        }),
                    p.user
                        .as_deref()
                        .map_or(std::borrow::Cow::Borrowed("?"), |u| {
                            for_display(u, FIELD_MAX_CHARS)
                        }),
                );
                if !p.cmdline.is_empty() {
                    let cmd = p.cmdline.join(" ");
                    let _ = write!(detail, ", cmdline {}", for_display(&cmd, CMDLINE_SHOWN));
                }
                detail.push_str("; ");
            }
            if f.evidence.count > 1 {
                let _ = write!(detail, "{} sockets; ", f.evidence.count);
            }
            if let Some(counters) = &f.evidence.counters {
                let _ = write!(detail, "{}; ", super::stats::evidence_line(counters));
            }
            let _ = write!(detail, "rule at {}", f.origin);
            let _ = writeln!(out, "      {}{detail}{}", palette.dim, palette.reset);
        }
    }
    let explain = super::next_steps::explain_commands(&eval.findings);
    if !explain.is_empty() {
        let _ = writeln!(
            out,
            "\nNext steps: what each rule detects, why it matters, its false positives:"
        );
        for command in explain {
            let _ = writeln!(out, "  {command}");
        }
    }
    match state {
        None if eval.findings.is_empty() => out.push_str("\nNo findings.\n"),
        None => {}
        Some(st) => {
            if eval.findings.is_empty() {
                out.push_str("\nNo new findings.\n");
            }
            if !st.resolved.is_empty() {
                let _ = writeln!(out, "\nRESOLVED since the last run ({})", st.resolved.len());
                for r in &st.resolved {
                    let _ = writeln!(
                        out,
                        "  {}  {}",
                        r.rule,
                        for_display(&r.message, MESSAGE_MAX_CHARS)
                    );
                }
            }
            let _ = writeln!(
                out,
                "\n{} finding(s) still present and already reported ({} re-reported after --renotify); state: {}",
                st.unchanged,
                st.renotified,
                for_terminal(&st.path)
            );
        }
    }
    if !eval.warnings.is_empty() {
        out.push('\n');
    }
    for w in &eval.warnings {
        let _ = writeln!(
            out,
            "warning: {}",
            for_display(&w.message, MESSAGE_MAX_CHARS)
        );
    }
    if !eval.inactive.is_empty() {
        let _ = writeln!(out, "\nInactive rules (they could not check anything):");
        for i in &eval.inactive {
            let _ = writeln!(out, "  {}: {}", i.rule, i.reason);
        }
    }
    if !eval.not_configured.is_empty() {
        let _ = writeln!(
            out,
            "\nNot configured (built-in rules waiting for optional data; --strict does not count them):"
        );
        for i in &eval.not_configured {
            let _ = writeln!(out, "  {}: {}", i.rule, i.reason);
        }
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            format!(
                "{} {}",
                summary.findings_by_severity.get(s).copied().unwrap_or(0),
                s
            )
        })
        .collect();
    let verdict = match summary.fail_on {
        Some(bar) if summary.failed => format!("findings at or above {bar}: exit 1"),
        Some(bar) => format!("nothing at or above {bar}: exit 0"),
        None => "--fail-on never: exit 0".to_string(),
    };
    let unchecked = eval.unchecked.as_ref().map_or(String::new(), |u| {
        format!(
            "; {} socket(s) unchecked by process rules, see above",
            u.sockets
        )
    });
    let _ = writeln!(
        out,
        "\n{} finding(s): {} ({verdict}{unchecked})",
        eval.findings.len(),
        counts.join(", ")
    );
    out
}

/// Characters of a command line shown in a finding's detail line (the JSON has all of it).
const CMDLINE_SHOWN: usize = 120;
