//! One Sigma YAML document read into a rule: its metadata, its selections and its condition.
//! Mistakes are diagnostics; valid Sigma sockaudit cannot evaluate makes the rule inactive
//! with the file, line and reason.

use std::sync::Arc;

use saphyr::MarkedYaml;

use super::condition::{CondError, parse};
use super::modifiers::{Problem, field_test};
use super::yaml::{Place, entries, get, items, scalar_text, strings};
use crate::model::finding::Severity;
use crate::rules::common::Common;
use crate::rules::kinds::sigma::field::Field;
use crate::rules::kinds::sigma::matcher::{Expr, Selection};
use crate::rules::kinds::sigma::{Product, SigmaMeta, SigmaRule};
use crate::rules::load::diag::{Diag, Loc, Sources, did_you_mean};
use crate::rules::set::Rule;

/// What became of one document.
pub(super) enum Read {
    /// A `network_connection` rule (active, or inactive with its reason).
    Rule(Box<Rule>),
    /// Another category (or none): counted, not loaded.
    Skipped(String),
    /// A mistake was reported.
    Failed,
}

const LEVELS: &[&str] = &["informational", "low", "medium", "high", "critical"];

fn severity(level: &str) -> Option<Severity> {
    match level {
        "informational" => Some(Severity::Info),
        other => Severity::parse(other),
    }
}

/// Reads one document of a Sigma file.
pub(super) fn read(
    place: &Place<'_>,
    sources: &Sources,
    doc: &MarkedYaml<'_>,
    diags: &mut Vec<Diag>,
) -> Read {
    let doc_loc = place.loc(doc);
    if entries(doc).is_none() {
        diags.push(Diag::at(
            doc_loc,
            "a Sigma rule is a YAML mapping (title, id, logsource, detection...)",
            "not a mapping",
        ));
        return Read::Failed;
    }
    if get(doc, "action").is_some() {
        return Read::Skipped("rule collection (action)".to_string());
    }
    let Some((_, logsource)) = get(doc, "logsource") else {
        diags.push(Diag::at(
            doc_loc,
            "Sigma rule without `logsource`",
            "add logsource: category: network_connection",
        ));
        return Read::Failed;
    };
    let category = get(logsource, "category").and_then(|(_, v)| scalar_text(v));
    if !category
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("network_connection"))
    {
        return Read::Skipped(category.unwrap_or_else(|| "(no category)".to_string()));
    }
    let mut failed = false;
    let mut need = |key: &str, diags: &mut Vec<Diag>| match get(doc, key) {
        Some((k, v)) => scalar_text(v).map(|t| (t, place.loc(k))).or_else(|| {
            diags.push(Diag::at(
                place.loc(v),
                format!("`{key}` must be a string"),
                "not a string",
            ));
            failed = true;
            None
        }),
        None => {
            diags.push(Diag::at(
                doc_loc.clone(),
                format!("Sigma rule without `{key}`"),
                format!("add {key}: ..."),
            ));
            failed = true;
            None
        }
    };
    let title = need("title", diags);
    let id = need("id", diags);
    let level = get(doc, "level").map(|(_, v)| (scalar_text(v).unwrap_or_default(), place.loc(v)));
    let sev = match &level {
        None => Some(Severity::Medium),
        Some((l, loc)) => match severity(l) {
            Some(s) => Some(s),
            None => {
                let mut d = Diag::at(
                    loc.clone(),
                    format!("unknown Sigma level `{l}`"),
                    "unknown level",
                );
                d = match did_you_mean(l, LEVELS) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("levels: {}", LEVELS.join(", "))),
                };
                diags.push(d);
                None
            }
        },
    };
    let mut unsupported: Option<String> = None;
    let mut note = |loc: &Loc, reason: String| {
        if unsupported.is_none() {
            unsupported = Some(format!("{}: {reason}", sources.origin(loc)));
        }
    };
    let product = get(logsource, "product").and_then(|(_, v)| {
        let text = scalar_text(v)?;
        let p = Product::parse(&text);
        if p.is_none() {
            note(&place.loc(v), format!("logsource.product `{text}` is not an OS sockaudit reads (linux, windows, macos)"));
        }
        p
    });
    let detection = detection(place, doc, &doc_loc, diags, &mut note);
    let (Some((title, _)), Some((id, id_loc)), Some(severity), Some((selections, condition))) =
        (title, id, sev, detection)
    else {
        return Read::Failed;
    };
    if failed {
        return Read::Failed;
    }
    let mut fields: Vec<Field> = selections
        .iter()
        .flat_map(|s| s.alternatives.iter().flatten().map(|t| t.field))
        .collect();
    fields.sort();
    fields.dedup();
    let image_by_name_ok = selections
        .iter()
        .flat_map(|s| s.alternatives.iter().flatten())
        .filter(|t| t.field == Field::Image)
        .all(|t| t.decidable_by_name());
    let text_of = |key: &str| get(doc, key).and_then(|(_, v)| scalar_text(v));
    let span = doc_span(place, doc);
    let meta = SigmaMeta {
        title: title.clone(),
        status: text_of("status"),
        level: level.map(|(l, _)| l),
        tags: get(doc, "tags")
            .map(|(_, v)| strings(v))
            .unwrap_or_default(),
        falsepositives: get(doc, "falsepositives")
            .map(|(_, v)| strings(v))
            .unwrap_or_default(),
        author: text_of("author"),
        document: span,
    };
    let description = Some(match text_of("description") {
        Some(d) => format!("{title}: {}", d.trim()),
        None => title,
    });
    let common = Common {
        id,
        severity,
        description,
        enabled: true,
        allow: Vec::new(),
        origin: sources.origin(&id_loc),
        loc: id_loc,
        from_pack: false,
    };
    let body = SigmaRule {
        meta,
        product,
        selections,
        condition,
        unsupported,
        fields,
        image_by_name_ok,
    };
    Read::Rule(Box::new(Rule {
        common,
        body: Arc::new(body),
    }))
}

/// The byte range of a document: from its first node to its end (the file's end when the
/// parser gives no end).
fn doc_span(place: &Place<'_>, doc: &MarkedYaml<'_>) -> std::ops::Range<usize> {
    let start = place.byte(doc.span.start.index());
    let start = place.text[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = place.byte(doc.span.end.index()).max(start);
    start..if end > start { end } else { place.text.len() }
}

/// Reads `detection`: every search identifier, then the condition.
fn detection(
    place: &Place<'_>,
    doc: &MarkedYaml<'_>,
    doc_loc: &Loc,
    diags: &mut Vec<Diag>,
    note: &mut impl FnMut(&Loc, String),
) -> Option<(Vec<Selection>, Expr)> {
    let Some((det_key, det)) = get(doc, "detection") else {
        diags.push(Diag::at(
            doc_loc.clone(),
            "Sigma rule without `detection`",
            "add detection: with a condition",
        ));
        return None;
    };
    let Some(list) = entries(det) else {
        diags.push(Diag::at(
            place.loc(det),
            "`detection` must be a mapping",
            "not a mapping",
        ));
        return None;
    };
    let mut names = Vec::new();
    let mut selections = Vec::new();
    let mut condition = None;
    let mut ok = true;
    for (key, value) in list {
        let Some(name) = scalar_text(key) else {
            continue;
        };
        match name.as_str() {
            "condition" => condition = Some(value),
            "timeframe" => note(
                &place.loc(key),
                "`timeframe` belongs to aggregations over time; a snapshot is one moment"
                    .to_string(),
            ),
            _ => match selection(place, &name, value, diags, note) {
                Some(sel) => {
                    names.push(name);
                    selections.push(sel);
                }
                None => ok = false,
            },
        }
    }
    let Some(cond) = condition else {
        diags.push(Diag::at(
            place.loc(det_key),
            "`detection` without `condition`",
            "add condition: selection",
        ));
        return None;
    };
    // A selection with a mistake is already reported; its name in the condition is not a
    // second mistake.
    if !ok {
        return None;
    }
    let texts: Vec<&MarkedYaml<'_>> = match items(cond) {
        Some(list) => list.iter().collect(),
        None => vec![cond],
    };
    let mut exprs = Vec::new();
    for node in texts {
        let Some(text) = scalar_text(node) else {
            diags.push(Diag::at(
                place.loc(node),
                "a condition is a string",
                "not a string",
            ));
            return None;
        };
        match parse(&text, &names) {
            Ok(e) => exprs.push(e),
            Err(CondError::Invalid {
                offset,
                len,
                message,
            }) => {
                diags.push(Diag::at(
                    place.loc_within(node, offset, len),
                    message,
                    "in this condition",
                ));
                return None;
            }
            Err(CondError::Unsupported { offset, message }) => {
                note(&place.loc_within(node, offset, 1), message);
                exprs.push(Expr::Or(Vec::new()));
            }
        }
    }
    let expr = if exprs.len() == 1 {
        exprs.remove(0)
    } else {
        Expr::Or(exprs)
    };
    ok.then_some((selections, expr))
}

/// One search identifier: a map (AND), a list of maps (OR of ANDs).
fn selection(
    place: &Place<'_>,
    name: &str,
    value: &MarkedYaml<'_>,
    diags: &mut Vec<Diag>,
    note: &mut impl FnMut(&Loc, String),
) -> Option<Selection> {
    let maps: Vec<&MarkedYaml<'_>> = match items(value) {
        Some(list) if list.iter().all(|n| entries(n).is_some()) => list.iter().collect(),
        None if entries(value).is_some() => vec![value],
        _ => {
            note(
                &place.loc(value),
                format!(
                    "`{name}` is a keyword search (values without a field): it needs the raw event text, which a socket has not"
                ),
            );
            return Some(Selection {
                name: name.to_string(),
                alternatives: Vec::new(),
            });
        }
    };
    let mut alternatives = Vec::new();
    let mut ok = true;
    for map in maps {
        let mut tests = Vec::new();
        for (k, v) in entries(map).unwrap_or_default() {
            match field_test(place, k, v) {
                Ok(t) => tests.push(t),
                Err(Problem::Error(d)) => {
                    diags.push(*d);
                    ok = false;
                }
                Err(Problem::Unsupported(loc, reason)) => note(&loc, reason),
            }
        }
        alternatives.push(tests);
    }
    ok.then(|| Selection {
        name: name.to_string(),
        alternatives,
    })
}
