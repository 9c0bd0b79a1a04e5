//! `sockaudit rules list | explain | check`.

use std::fmt::Write as _;

use super::error::{AppError, ExitStatus};
use super::inputs::print;
use super::pipeline::load_rules;
use crate::cli::{RuleArgs, RulesCommand};
use crate::rules::{RuleSources, kinds};
use crate::text::escape::for_terminal;

pub(super) fn run(command: &RulesCommand) -> Result<ExitStatus, AppError> {
    match command {
        RulesCommand::List(args) => list(args),
        RulesCommand::Explain { id, rules } => explain(id, rules),
        RulesCommand::Check {
            paths,
            no_default_rules,
            sigma,
        } => {
            // The built-in pack is loaded too (unless refused) so its lists (@temp-dirs...) can be
            // referenced and duplicate ids are caught; only problems are reported. A named file
            // that is the pack itself replaces it rather than duplicating it (rules/load/files.rs).
            let sources =
                RuleSources::only(paths.clone(), !no_default_rules).with_sigma(sigma.clone());
            let set = crate::rules::load(&sources).map_err(AppError::Rules)?;
            let own = set
                .rules
                .iter()
                .filter(|r| !r.common.origin.starts_with("builtin:"))
                .count();
            print(&format!(
                "ok: {} file(s), {own} rule(s) valid\n{}",
                paths.len() + set.sigma.files,
                super::rules_sigma::summary(&set.sigma)
            ))?;
            Ok(ExitStatus::Clean)
        }
    }
}

fn list(args: &RuleArgs) -> Result<ExitStatus, AppError> {
    let set = load_rules(args)?;
    let mut rows = vec![["ID", "KIND", "SEVERITY", "STATE", "ORIGIN"].map(String::from)];
    for rule in &set.rules {
        rows.push([
            for_terminal(&rule.common.id).into_owned(),
            rule.kind().to_string(),
            rule.common.severity.to_string(),
            rule.dormant_reason()
                .map_or_else(|| "enabled".to_string(), str::to_string),
            for_terminal(&rule.common.origin).into_owned(),
        ]);
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&super::rules_sigma::list_notes(&set));
    print(&out)?;
    Ok(ExitStatus::Clean)
}

fn explain(id: &str, args: &RuleArgs) -> Result<ExitStatus, AppError> {
    if let Some(kind) = kinds::find(id) {
        print(&format!("{}\n", kind.doc()))?;
        return Ok(ExitStatus::Clean);
    }
    let set = load_rules(args)?;
    let Some(rule) = set.get(id) else {
        let ids: Vec<&str> = set.rules.iter().map(|r| r.common.id.as_str()).collect();
        let hint = crate::rules::load::diag::did_you_mean(id, &ids).map_or_else(
            || "`sockaudit rules list` shows every rule".to_string(),
            |s| format!("did you mean `{s}`?"),
        );
        return Err(AppError::Usage(format!(
            "no rule or kind named `{id}`; {hint}"
        )));
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Rule `{}` ({} kind, severity {})",
        rule.common.id,
        rule.kind(),
        rule.common.severity
    );
    // Baselines quote process names and paths a scan saw, so everything from a rule file is
    // escaped like any other hostile text.
    if let Some(d) = &rule.common.description {
        let _ = writeln!(out, "{}", for_terminal(d));
    }
    let _ = writeln!(out, "Defined at {}", rule.common.origin);
    if let Some(reason) = rule.dormant_reason() {
        let _ = writeln!(out, "State: {reason}");
    }
    let quoted =
        super::rules_sigma::explain(&set, rule).unwrap_or_else(|| quote_definition(&set, rule));
    let _ = writeln!(out, "\nAs written:\n{quoted}");
    if !rule.common.allow.is_empty() {
        let _ = writeln!(out, "Allow entries:");
        for a in &rule.common.allow {
            let expires = a
                .expires
                .map_or_else(String::new, |d| format!(", expires {d}"));
            let _ = writeln!(
                out,
                "  - {} ({}{expires})",
                for_terminal(&a.reason),
                for_terminal(&a.origin)
            );
        }
        out.push('\n');
    }
    let doc = kinds::find(rule.kind().as_str()).map_or("", |k| k.doc());
    let _ = writeln!(out, "---\n{doc}");
    print(&out)?;
    Ok(ExitStatus::Clean)
}

/// The rule's table as written: from its `[[kind]]` header to the next header.
fn quote_definition(set: &crate::rules::RuleSet, rule: &crate::rules::Rule) -> String {
    let text = set.sources.text(rule.common.loc.file);
    let at = rule.common.loc.span.start.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    // A rule's location is its `id` inside a `[[kind]]` table, or (baseline drift rules) the
    // `[baseline]` header itself.
    let start = if text[line_start..].starts_with('[') {
        line_start
    } else {
        text[..at].rfind("[[").unwrap_or(line_start)
    };
    let end = text[at..].find("\n[").map_or(text.len(), |i| at + i + 1);
    let mut lines: Vec<&str> = text[start..end].trim_end().lines().collect();
    // Comments right before the next table introduce that table, not this rule.
    while lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        lines.pop();
    }
    let mut quoted = String::new();
    for line in lines {
        // Tabs are indentation, not hostile: shown as spaces rather than `\x09`.
        let _ = writeln!(quoted, "    {}", for_terminal(&line.replace('\t', "    ")));
    }
    quoted
}
