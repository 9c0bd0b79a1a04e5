//! The keys every rule table shares (`id`, `severity`, `description`, `enabled`, `allow`),
//! read once for every kind, and allow entries.

use super::diag::{Diag, Loc, Sources};
use super::reader::TableReader;
use crate::model::finding::Severity;
use crate::rules::common::{Allow, Common};
use crate::rules::spec::{Lists, SELECTOR_KEYS, Selector};

/// Keys of every rule table, before the kind's own ([`crate::rules::kind::Kind::keys`]).
pub const COMMON_KEYS: &[&str] = &["id", "severity", "description", "enabled", "allow"];

/// Keys every allow entry may use: the selector's, a reason and an expiry date.
pub const ALLOW_KEYS: [&str; SELECTOR_KEYS.len() + 2] = {
    let mut keys = [""; SELECTOR_KEYS.len() + 2];
    let mut i = 0;
    while i < SELECTOR_KEYS.len() {
        keys[i] = SELECTOR_KEYS[i];
        i += 1;
    }
    keys[i] = "reason";
    keys[i + 1] = "expires";
    keys
};

/// Reads the common keys of a rule table; `None` when the id or severity is unusable.
pub(super) fn read_common(
    reader: &mut TableReader<'_>,
    table_loc: Loc,
    sources: &Sources,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<Common> {
    let id = match reader.string("id", diags) {
        Some((id, loc)) => {
            if !is_kebab(&id) {
                diags.push(
                    Diag::at(loc, format!("rule id `{id}` is not kebab-case"), "bad id")
                        .help("use lower-case letters, digits and single dashes, e.g. `db-on-public-address`"),
                );
            }
            Some(id)
        }
        None => {
            if reader.value_loc("id").is_none() && !reader.has_misspelling_of("id") {
                diags.push(Diag::at(
                    table_loc.clone(),
                    "rule has no `id`",
                    "add id = \"...\"",
                ));
            }
            None
        }
    };
    let severity = match reader.string("severity", diags) {
        Some((text, loc)) => match Severity::parse(&text) {
            Some(s) => Some(s),
            None => {
                diags.push(
                    Diag::at(
                        loc,
                        format!("unknown severity `{text}`"),
                        "unknown severity",
                    )
                    .help("use one of: info, low, medium, high, critical"),
                );
                None
            }
        },
        None => {
            if reader.value_loc("severity").is_none() && !reader.has_misspelling_of("severity") {
                diags.push(Diag::at(
                    table_loc.clone(),
                    "rule has no `severity`",
                    "add severity = \"...\"",
                ));
            }
            None
        }
    };
    let description = reader.string("description", diags).map(|(d, _)| d);
    let enabled = reader.boolean("enabled", diags).is_none_or(|(b, _)| b);
    let allow = read_allows(reader, sources, lists, diags);
    let origin_loc = reader.value_loc("id").unwrap_or(table_loc);
    Some(Common {
        id: id?,
        severity: severity?,
        description,
        enabled,
        allow,
        origin: sources.origin(&origin_loc),
        loc: origin_loc,
        // Set by the loader, which knows which file is the pack.
        from_pack: false,
    })
}

/// Reads the `allow = [...]` entries of a rule table.
fn read_allows(
    reader: &mut TableReader<'_>,
    sources: &Sources,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Vec<Allow> {
    let file = reader.file();
    reader
        .tables("allow", diags)
        .into_iter()
        .filter_map(|(table, loc)| {
            let mut entry = TableReader::new(table, file, &ALLOW_KEYS, "an allow entry");
            let allow = read_allow(&mut entry, loc, sources, lists, diags);
            entry.finish(diags);
            allow
        })
        .collect()
}

/// Reads one allow entry (inline or `[[allow]]`) located at `table_loc`.
pub(super) fn read_allow(
    entry: &mut TableReader<'_>,
    table_loc: Loc,
    sources: &Sources,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<Allow> {
    let selector = Selector::read(entry, lists, diags);
    let expires = entry.date("expires", diags).map(|(d, _)| d);
    let reason = entry.string("reason", diags);
    // Point at the entry itself; fall back to its first key when the parser kept no span.
    let anchor = if table_loc.span.is_empty() {
        SELECTOR_KEYS
            .iter()
            .chain(["reason", "expires"].iter())
            .find_map(|k| entry.value_loc(k))
            .unwrap_or(table_loc)
    } else {
        table_loc
    };
    match reason {
        Some((reason, _)) if !reason.trim().is_empty() => Some(Allow {
            selector,
            reason,
            expires,
            origin: sources.origin(&anchor),
        }),
        _ => {
            diags.push(
                Diag::at(
                    anchor,
                    "allow entry has no `reason`",
                    "every suppression needs a reason",
                )
                .help("add reason = \"why this is expected\" so the next reader knows"),
            );
            None
        }
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    #[test]
    fn kebab_ids() {
        assert!(super::is_kebab("backdoor-port-2"));
        for bad in ["Backdoor", "a_b", "-a", "a-", "a--b", ""] {
            assert!(!super::is_kebab(bad), "{bad}");
        }
    }
}
