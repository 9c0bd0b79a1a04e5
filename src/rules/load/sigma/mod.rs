//! Sigma rule files: `--sigma PATH` and `[sigma] paths`, read into rules of the `sigma` kind
//! (src/rules/kinds/sigma/). YAML errors and mistakes are diagnostics with file:line:column
//! like TOML rules; valid Sigma sockaudit cannot evaluate loads as an inactive rule with the
//! file, line and reason; rules of other categories are counted and skipped.

mod condition;
mod files;
mod modifiers;
mod rule;
mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;

use saphyr::{LoadableYamlNode, MarkedYaml};

use super::diag::{Diag, Loc};
use crate::rules::set::{RuleSet, SigmaSummary};
use yaml::Place;

/// Loads every Sigma file under `paths` into `set`; ids already defined (by TOML rules or an
/// earlier Sigma file) are duplicates.
pub(super) fn load(
    paths: &[PathBuf],
    set: &mut RuleSet,
    first_definition: &mut BTreeMap<String, Loc>,
    diags: &mut Vec<Diag>,
) {
    let mut summary = SigmaSummary::default();
    for (name, text) in files::gather(paths, diags) {
        summary.files += 1;
        let id = set.sources.add(name, text);
        let text = set.sources.text(id).to_string();
        let place = Place::new(id, &text);
        let docs = match MarkedYaml::load_from_str(&text) {
            Ok(docs) => docs,
            Err(err) => {
                let at = place.byte(err.marker().index());
                diags.push(Diag::at(
                    Loc {
                        file: id,
                        span: at..(at + 1).min(text.len()).max(at),
                    },
                    format!("invalid YAML: {}", err.info()),
                    "here",
                ));
                continue;
            }
        };
        for doc in &docs {
            match rule::read(&place, &set.sources, doc, diags) {
                rule::Read::Rule(r) => {
                    if let Some(first) = first_definition.get(&r.common.id) {
                        diags.push(
                            Diag::at(
                                r.common.loc.clone(),
                                format!("duplicate rule id `{}`", r.common.id),
                                "already defined",
                            )
                            .help(format!("first defined at {}", set.sources.position(first))),
                        );
                        continue;
                    }
                    summary.rules += 1;
                    if r.body
                        .as_any()
                        .downcast_ref::<crate::rules::kinds::sigma::SigmaRule>()
                        .is_some_and(|s| s.unsupported.is_some())
                    {
                        summary.unsupported += 1;
                    }
                    first_definition.insert(r.common.id.clone(), r.common.loc.clone());
                    set.rules.push(*r);
                }
                rule::Read::Skipped(category) => *summary.skipped.entry(category).or_default() += 1,
                rule::Read::Failed => {}
            }
        }
    }
    set.sigma = summary;
}
