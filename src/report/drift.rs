//! `baseline check` output: a diff of the host against its baseline.

use std::fmt::Write as _;

use super::scan::Summary;
use super::style::Palette;
use crate::rules::engine::Evaluation;
use crate::text::escape::{MESSAGE_MAX_CHARS, for_display, for_terminal};

/// `+` new, `-` missing, `~` changed, then a one-line verdict.
pub fn render(
    eval: &Evaluation,
    baseline: &str,
    input: &str,
    summary: &Summary,
    palette: Palette,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}baseline check{} of {} against {}",
        palette.bold,
        palette.reset,
        for_terminal(baseline),
        input
    );
    let (mut new, mut missing, mut changed) = (0, 0, 0);
    for f in &eval.findings {
        let (mark, color) = match f.rule.as_str() {
            "expected-listener-missing" | "expected-route-missing" => {
                missing += 1;
                ('-', palette.red)
            }
            "owner-changed" | "scope-widened" | "default-route-changed" | "gateway-mac-changed" => {
                changed += 1;
                ('~', palette.yellow)
            }
            _ => {
                new += 1;
                ('+', palette.cyan)
            }
        };
        let _ = writeln!(
            out,
            "{color}{mark}{} {}  [{}, {}]",
            palette.reset,
            for_display(&f.message, MESSAGE_MAX_CHARS),
            f.rule,
            f.severity
        );
    }
    for w in &eval.warnings {
        let _ = writeln!(
            out,
            "warning: {}",
            for_display(&w.message, MESSAGE_MAX_CHARS)
        );
    }
    // A check that could not run (no routing table here) must not read as "no drift".
    for i in &eval.inactive {
        let _ = writeln!(out, "not checked: {} {}", i.rule, for_terminal(&i.reason));
    }
    if eval.findings.is_empty() {
        out.push_str("No drift: this host matches its baseline.\n");
    } else {
        let verdict = if summary.failed {
            "exit 1"
        } else {
            "below --fail-on: exit 0"
        };
        let _ = writeln!(
            out,
            "drift: {new} new, {missing} missing, {changed} changed ({verdict})"
        );
    }
    out
}
