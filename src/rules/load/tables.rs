//! `[[kind]]` and `[[allow]]` arrays, and one rule table read through its kind.

use std::sync::Arc;

use toml_edit::{Item, TableLike};

use super::common::{COMMON_KEYS, read_common};
use super::diag::{Diag, Loc, Sources};
use super::reader::TableReader;
use crate::rules::kind::Kind;
use crate::rules::set::Rule;
use crate::rules::spec::Lists;

/// Every table of a `[[kind]]` / `[[allow]]` array, with its span.
pub(super) fn tables_of<'a>(
    item: &'a Item,
    key: &str,
    loc: Loc,
    diags: &mut Vec<Diag>,
) -> Vec<(&'a dyn TableLike, std::ops::Range<usize>)> {
    match item {
        Item::ArrayOfTables(aot) => aot
            .iter()
            .map(|t| {
                (
                    t as &dyn TableLike,
                    t.span().unwrap_or_else(|| loc.span.clone()),
                )
            })
            .collect(),
        _ => {
            diags.push(
                Diag::at(
                    loc,
                    format!("`{key}` must be an array of tables"),
                    "expected [[...]]",
                )
                .help(format!("write each entry as [[{key}]]")),
            );
            Vec::new()
        }
    }
}

/// Reads one `[[kind]]` table: the shared keys, then the kind's own.
pub(super) fn read_rule(
    kind: &dyn Kind,
    table: &dyn TableLike,
    loc: Loc,
    sources: &Sources,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<Rule> {
    let keys: Vec<&str> = COMMON_KEYS.iter().chain(kind.keys()).copied().collect();
    let what = format!("a [[{}]] rule", kind.name());
    let mut reader = TableReader::new(table, loc.file, &keys, &what);
    let common = read_common(&mut reader, loc, sources, lists, diags);
    let body = kind.read(&mut reader, lists, diags);
    reader.finish(diags);
    Some(Rule {
        common: common?,
        body: Arc::from(body?),
    })
}
