//! Changes to rules defined elsewhere: top-level `[[allow]]` entries and `[rules.ID]`
//! overrides of `enabled` and `severity`, applied once every file is read.

use toml_edit::TableLike;

use super::common::{ALLOW_KEYS, read_allow};
use super::diag::{Diag, Loc, Sources, did_you_mean};
use super::reader::{Scalar, TableReader};
use crate::model::finding::Severity;
use crate::rules::common::Allow;
use crate::rules::set::{Rule, RuleSet};
use crate::rules::spec::Lists;

/// Keys of a top-level `[[allow]]` entry: an allow entry's keys plus the `rule` it names.
const TOP_ALLOW_KEYS: [&str; ALLOW_KEYS.len() + 1] = {
    let mut keys = [""; ALLOW_KEYS.len() + 1];
    keys[0] = "rule";
    let mut i = 0;
    while i < ALLOW_KEYS.len() {
        keys[i + 1] = ALLOW_KEYS[i];
        i += 1;
    }
    keys
};
/// Keys of a `[rules.ID]` override.
const OVERRIDE_KEYS: &[&str] = &["enabled", "severity"];

/// A change to a rule defined elsewhere: an extra allow entry, or enabled/severity.
pub(super) enum Override {
    Allow {
        rules: Vec<(String, Loc)>,
        allow: Option<Box<Allow>>,
    },
    Settings {
        id: String,
        loc: Loc,
        enabled: Option<bool>,
        severity: Option<Severity>,
    },
}

pub(super) fn read_top_allow(
    table: &dyn TableLike,
    loc: Loc,
    sources: &Sources,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Override {
    let file = loc.file;
    let mut reader = TableReader::new(table, file, &TOP_ALLOW_KEYS, "an [[allow]] entry");
    let rules = match reader.items("rule", diags) {
        Some(items) => items
            .into_iter()
            .filter_map(|item| match item.value {
                Scalar::Str(s) => Some((s, item.loc)),
                Scalar::Int(_) => {
                    diags.push(Diag::at(
                        item.loc,
                        "`rule` names a rule id (a string)",
                        "not a string",
                    ));
                    None
                }
            })
            .collect(),
        None => {
            let anchor = ALLOW_KEYS
                .iter()
                .find_map(|k| reader.value_loc(k))
                .unwrap_or(Loc { file, span: 0..0 });
            diags.push(
                Diag::at(
                    anchor,
                    "[[allow]] entry has no `rule`",
                    "which rule does it suppress?",
                )
                .help("add rule = \"RULE-ID\""),
            );
            Vec::new()
        }
    };
    let allow = read_allow(&mut reader, loc, sources, lists, diags).map(Box::new);
    reader.finish(diags);
    Override::Allow { rules, allow }
}

pub(super) fn read_override(
    id: &str,
    table: &dyn TableLike,
    loc: Loc,
    file: usize,
    diags: &mut Vec<Diag>,
) -> Override {
    let mut reader = TableReader::new(table, file, OVERRIDE_KEYS, "a [rules.ID] override");
    let enabled = reader.boolean("enabled", diags).map(|(b, _)| b);
    let severity = reader.string("severity", diags).and_then(|(text, loc)| {
        let s = Severity::parse(&text);
        if s.is_none() {
            diags.push(
                Diag::at(
                    loc,
                    format!("unknown severity `{text}`"),
                    "unknown severity",
                )
                .help("use one of: info, low, medium, high, critical"),
            );
        }
        s
    });
    reader.finish(diags);
    Override::Settings {
        id: id.to_string(),
        loc,
        enabled,
        severity,
    }
}

pub(super) fn apply_overrides(set: &mut RuleSet, overrides: Vec<Override>, diags: &mut Vec<Diag>) {
    let ids: Vec<String> = set.rules.iter().map(|r| r.common.id.clone()).collect();
    let unknown = |id: &str, loc: Loc, diags: &mut Vec<Diag>| {
        let known: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut d = Diag::at(loc, format!("no rule has the id `{id}`"), "unknown rule id");
        if let Some(s) = did_you_mean(id, &known) {
            d = d.help(format!("did you mean `{s}`?"));
        } else {
            d = d.help("`sockaudit rules list` shows every rule id");
        }
        diags.push(d);
    };
    for o in overrides {
        match o {
            Override::Allow { rules, allow } => {
                for (id, loc) in rules {
                    let targets: Vec<&mut Rule> = if id == "*" {
                        set.rules.iter_mut().collect()
                    } else {
                        set.rules.iter_mut().filter(|r| r.common.id == id).collect()
                    };
                    if targets.is_empty() {
                        unknown(&id, loc, diags);
                    }
                    if let Some(allow) = &allow {
                        for rule in targets {
                            rule.common.allow.push((**allow).clone());
                        }
                    }
                }
            }
            Override::Settings {
                id,
                loc,
                enabled,
                severity,
            } => match set.rules.iter_mut().find(|r| r.common.id == id) {
                Some(rule) => {
                    if let Some(e) = enabled {
                        rule.common.enabled = e;
                        // Enabled on purpose: what it needs was asked for (`--strict` counts it).
                        rule.common.from_pack &= !e;
                    }
                    if let Some(s) = severity {
                        rule.common.severity = s;
                    }
                }
                None => unknown(&id, loc, diags),
            },
        }
    }
}
