//! What `rules list`, `rules explain` and `rules check` add for Sigma rules: the counts of
//! what the files held, tags and false positives, the YAML as written.

use std::fmt::Write as _;

use crate::rules::kinds::sigma::SigmaRule;
use crate::rules::set::SigmaSummary;
use crate::rules::{Rule, RuleSet};
use crate::text::escape::for_terminal;

fn sigma_of(rule: &Rule) -> Option<&SigmaRule> {
    rule.body.as_any().downcast_ref::<SigmaRule>()
}

/// `Sigma: 3 file(s), 12 rule(s) (10 active, 2 inactive: unsupported), 4 skipped (...)`, or
/// nothing when no Sigma file was read.
pub(super) fn summary(s: &SigmaSummary) -> String {
    if s.files == 0 {
        return String::new();
    }
    let skipped: usize = s.skipped.values().sum();
    let mut line = format!(
        "Sigma: {} file(s), {} network_connection rule(s): {} supported, {} inactive (unsupported)",
        s.files,
        s.rules,
        s.rules - s.unsupported,
        s.unsupported
    );
    if skipped > 0 {
        let by: Vec<String> = s
            .skipped
            .iter()
            .map(|(c, n)| format!("{} {n}", for_terminal(c)))
            .collect();
        let _ = write!(
            line,
            "; {skipped} skipped (other categories: {})",
            by.join(", ")
        );
    }
    line.push('\n');
    line
}

/// After the `rules list` table: the Sigma counts, then each Sigma rule's title, tags, false
/// positives and (when unsupported) why it is inactive.
pub(super) fn list_notes(set: &RuleSet) -> String {
    let mut out = String::new();
    if set.sigma.files == 0 {
        return out;
    }
    out.push('\n');
    out.push_str(&summary(&set.sigma));
    for rule in &set.rules {
        let Some(s) = sigma_of(rule) else { continue };
        let _ = writeln!(
            out,
            "  {}  {}",
            for_terminal(&rule.common.id),
            for_terminal(&s.meta.title)
        );
        if !s.meta.tags.is_empty() {
            let _ = writeln!(out, "      tags: {}", for_terminal(&s.meta.tags.join(", ")));
        }
        if !s.meta.falsepositives.is_empty() {
            let _ = writeln!(
                out,
                "      false positives: {}",
                for_terminal(&s.meta.falsepositives.join("; "))
            );
        }
        if let Some(reason) = &s.unsupported {
            let _ = writeln!(out, "      inactive: {}", for_terminal(reason));
        }
    }
    out
}

/// For a Sigma rule: its tags, false positives, inactive reason and YAML document as written.
pub(super) fn explain(set: &RuleSet, rule: &Rule) -> Option<String> {
    let s = sigma_of(rule)?;
    let mut out = String::new();
    if let Some(level) = &s.meta.level {
        let _ = writeln!(out, "    level: {}", for_terminal(level));
    }
    if let Some(status) = &s.meta.status {
        let _ = writeln!(out, "    status: {}", for_terminal(status));
    }
    let _ = writeln!(
        out,
        "    logsource.product: {}",
        s.product.map_or("any OS", |p| p.as_str())
    );
    if !s.meta.tags.is_empty() {
        let _ = writeln!(out, "    tags: {}", for_terminal(&s.meta.tags.join(", ")));
    }
    if !s.meta.falsepositives.is_empty() {
        let _ = writeln!(
            out,
            "    false positives: {}",
            for_terminal(&s.meta.falsepositives.join("; "))
        );
    }
    if let Some(reason) = &s.unsupported {
        let _ = writeln!(out, "    inactive: {}", for_terminal(reason));
    }
    out.push('\n');
    let text = set.sources.text(rule.common.loc.file);
    let range = s.meta.document.clone();
    let doc = text.get(range).unwrap_or(text);
    for line in doc.trim_end().lines() {
        let _ = writeln!(out, "    {}", for_terminal(&line.replace('\t', "    ")));
    }
    Some(out)
}
