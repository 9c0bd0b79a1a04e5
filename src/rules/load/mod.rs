//! Loading rule files in order, validating everything, and reporting every problem at once.

mod baseline;
pub mod baseline_routes;
pub mod builtin;
pub mod common;
pub mod diag;
pub mod files;
mod overrides;
pub mod reader;
mod settings;
mod sigma;
pub mod sources;
mod tables;

use std::collections::BTreeMap;

use toml_edit::Document;

use baseline::read_baseline;
use diag::{Diag, Loc, did_you_mean, render};
use files::gather;
use overrides::{apply_overrides, read_override, read_top_allow};
use settings::{read_feeds, read_geoip, read_lists, read_notify, read_sigma};
use tables::{read_rule, tables_of};

use crate::rules::kinds;
use crate::rules::set::RuleSet;
use crate::rules::spec::Lists;
pub use files::MAX_RULE_FILE_BYTES;
pub use sources::RuleSources;

/// Rule files that could not be loaded; nothing may run with half the rules.
#[derive(Debug, thiserror::Error)]
#[error("{count} problem(s) in rule files; nothing was scanned")]
pub struct RuleErrors {
    /// Every diagnostic, rendered with file:line:column and a caret.
    pub rendered: String,
    /// How many.
    pub count: usize,
}

/// Top-level keys of a rule file: `lists`, every kind written as `[[kind]]`, then the other
/// sections.
fn top_keys() -> Vec<String> {
    let mut keys = vec!["lists".to_string()];
    keys.extend(
        kinds::KINDS
            .iter()
            .filter(|k| k.in_rule_files())
            .map(|k| k.name().to_string()),
    );
    keys.extend(
        [
            "allow", "rules", "geoip", "feeds", "baseline", "notify", "sigma",
        ]
        .map(String::from),
    );
    keys
}

/// Loads and validates every rule file.
pub fn load(sources: &RuleSources) -> Result<RuleSet, RuleErrors> {
    let mut diags = Vec::new();
    let files = gather(sources, &mut diags);
    load_gathered(files, diags, &sources.sigma)
}

/// Loads and validates rule files given as (display name, TOML text) pairs, in order, exactly
/// as [`load`] does once it has read its files (no built-in pack unless passed in). For tests
/// and the fuzz targets.
pub fn load_texts(files: Vec<(String, String)>) -> Result<RuleSet, RuleErrors> {
    load_gathered(files, Vec::new(), &[])
}

/// The shared path of [`load`] and [`load_texts`]: `diags` holds problems met while reading.
fn load_gathered(
    files: Vec<(String, String)>,
    mut diags: Vec<Diag>,
    cli_sigma: &[std::path::PathBuf],
) -> Result<RuleSet, RuleErrors> {
    let mut set = RuleSet::default();
    for (name, text) in files {
        set.files.push(name.clone());
        set.sources.add(name, text);
    }
    // Parse every file first; spans point into the texts kept in `set.sources`.
    let mut docs = Vec::new();
    for id in 0..set.files.len() {
        match Document::parse(set.sources.text(id).to_string()) {
            Ok(doc) => docs.push((id, doc)),
            Err(err) => diags.push(Diag::at(
                Loc {
                    file: id,
                    span: err.span().unwrap_or(0..0),
                },
                format!("invalid TOML: {}", err.message().trim()),
                "here",
            )),
        }
    }
    // Lists first: a later file may extend a list an earlier rule uses.
    let mut lists = Lists::default();
    for (id, doc) in &docs {
        read_lists(doc.as_table(), *id, &mut lists, &mut diags);
    }
    let mut first_definition: BTreeMap<String, Loc> = BTreeMap::new();
    let mut overrides = Vec::new();
    let mut sigma_paths = Vec::new();
    for (id, doc) in &docs {
        let root = doc.as_table();
        // The pack's text wherever it was read from (embedded, or a named copy of it).
        let from_pack = builtin::FILES
            .iter()
            .any(|(_, text)| *text == set.sources.text(*id));
        for (key, item) in root.iter() {
            let key_loc = Loc {
                file: *id,
                span: root
                    .get_key_value(key)
                    .and_then(|(k, _)| k.span())
                    .unwrap_or(0..0),
            };
            match key {
                "lists" => {}
                "geoip" => read_geoip(
                    item,
                    key_loc.clone(),
                    &set.sources,
                    &mut set.enrich,
                    &mut diags,
                ),
                "feeds" => read_feeds(
                    item,
                    key_loc.clone(),
                    &set.sources,
                    &mut set.enrich,
                    &mut diags,
                ),
                "sigma" => read_sigma(
                    item,
                    key_loc.clone(),
                    &set.sources,
                    &mut sigma_paths,
                    &mut diags,
                ),
                "notify" => read_notify(item, key_loc.clone(), *id, &mut set.notify, &mut diags),
                "baseline" => {
                    let rules = read_baseline(item, key_loc.clone(), &set.sources, &mut diags);
                    if let Some(first) = rules
                        .iter()
                        .find_map(|r| first_definition.get(&r.common.id))
                    {
                        diags.push(
                            Diag::at(
                                key_loc.clone(),
                                "a second baseline, or a rule named like a drift rule",
                                "only one baseline per scan",
                            )
                            .help(format!(
                                "the first definition is at {}",
                                set.sources.position(first)
                            )),
                        );
                    } else {
                        for rule in rules {
                            first_definition
                                .insert(rule.common.id.clone(), rule.common.loc.clone());
                            set.rules.push(rule);
                        }
                    }
                }
                name if kinds::find(name).is_some_and(|k| k.in_rule_files()) => {
                    let Some(kind) = kinds::find(name) else {
                        continue;
                    };
                    for table in tables_of(item, key, key_loc.clone(), &mut diags) {
                        let span = table.1;
                        if let Some(mut rule) = read_rule(
                            kind,
                            table.0,
                            Loc { file: *id, span },
                            &set.sources,
                            &lists,
                            &mut diags,
                        ) {
                            rule.common.from_pack = from_pack;
                            match first_definition.get(&rule.common.id) {
                                Some(first) => diags.push(
                                    Diag::at(rule.common.loc.clone(), format!("duplicate rule id `{}`", rule.common.id), "already defined")
                                        .help(format!(
                                            "first defined at {}; to change a rule defined elsewhere use [rules.{}] with enabled/severity",
                                            set.sources.position(first),
                                            rule.common.id
                                        )),
                                ),
                                None => {
                                    first_definition.insert(rule.common.id.clone(), rule.common.loc.clone());
                                    set.rules.push(rule);
                                }
                            }
                        }
                    }
                }
                "allow" => {
                    for (table, span) in tables_of(item, key, key_loc.clone(), &mut diags) {
                        let loc = Loc { file: *id, span };
                        overrides.push(read_top_allow(
                            table,
                            loc,
                            &set.sources,
                            &lists,
                            &mut diags,
                        ));
                    }
                }
                "rules" => match item.as_table_like() {
                    Some(table) => {
                        for (rule_id, entry) in table.iter() {
                            let loc = Loc {
                                file: *id,
                                span: table
                                    .get_key_value(rule_id)
                                    .and_then(|(k, _)| k.span())
                                    .unwrap_or(0..0),
                            };
                            match entry.as_table_like() {
                                Some(t) => {
                                    overrides.push(read_override(rule_id, t, loc, *id, &mut diags))
                                }
                                None => diags.push(Diag::at(
                                    loc,
                                    format!("[rules.{rule_id}] must be a table"),
                                    "expected a table",
                                )),
                            }
                        }
                    }
                    None => diags.push(Diag::at(
                        key_loc,
                        "`rules` must be a table of [rules.ID] entries",
                        "expected a table",
                    )),
                },
                other => {
                    let mut d = Diag::at(
                        key_loc,
                        format!("unknown top-level key `{other}`"),
                        "unknown key",
                    );
                    let owned = top_keys();
                    let top_keys: Vec<&str> = owned.iter().map(String::as_str).collect();
                    d = match did_you_mean(other, &top_keys) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!("valid keys: {}", top_keys.join(", "))),
                    };
                    diags.push(d);
                }
            }
        }
    }
    // Sigma rules join before overrides, so `[rules.ID]` and `[[allow]]` reach them by id.
    sigma_paths.extend(cli_sigma.iter().cloned());
    if !sigma_paths.is_empty() {
        sigma::load(&sigma_paths, &mut set, &mut first_definition, &mut diags);
    }
    apply_overrides(&mut set, overrides, &mut diags);
    if diags.is_empty() {
        Ok(set)
    } else {
        Err(RuleErrors {
            rendered: render(&set.sources, &diags),
            count: diags.len(),
        })
    }
}
