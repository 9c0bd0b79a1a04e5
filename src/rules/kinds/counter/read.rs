//! Reading a `[[counter]]` table: counter names checked against the kernel's, rates and ratios.

use super::rule::CounterRule;
use crate::model::counters::names;
use crate::rules::load::diag::{Diag, Loc};
use crate::rules::load::reader::{Scalar, TableReader};
use crate::rules::spec::{Globs, Lists};

/// Reads the kind's own keys.
pub fn read(
    reader: &mut TableReader<'_>,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<CounterRule> {
    let before = diags.len();
    if let Some(loc) = reader.value_loc("allow") {
        diags.push(
            Diag::at(
                loc,
                "a counter rule has no sockets to allow",
                "not for counter rules",
            )
            .help("raise min-rate, or turn the rule off with [rules.ID] enabled = false"),
        );
    }
    let counters = counter_names(reader, "counter", lists, diags);
    let relative_to = counter_names(reader, "relative-to", lists, diags);
    let min_rate = positive(reader, "min-rate", diags);
    let min_ratio = positive(reader, "min-ratio", diags);
    let min_base_rate = match reader.number("min-base-rate", diags) {
        Some((v, _)) if v >= 0.0 => Some(v),
        Some((v, loc)) => {
            diags.push(Diag::at(
                loc,
                format!("min-base-rate {v} must not be negative"),
                "bad rate",
            ));
            None
        }
        None => None,
    };
    let namespaces = reader
        .items("namespace", diags)
        .map(|items| Globs::build(&lists.expand(&items, diags), false, diags));
    let anchor = reader.value_loc("id");
    let table_has = |key: &str| reader.value_loc(key).is_some();
    if counters.as_ref().is_none_or(Vec::is_empty)
        && !table_has("counter")
        && !reader.has_misspelling_of("counter")
        && let Some(loc) = &anchor
    {
        diags.push(
            Diag::at(
                loc.clone(),
                "counter rule has no `counter`",
                "add counter = \"...\"",
            )
            .help("e.g. counter = \"TcpExt.SyncookiesSent\"; `sockaudit stats --all` lists them"),
        );
    }
    // An empty or invalid `relative-to` has its own diagnostic.
    match (
        relative_to.is_some() || table_has("relative-to"),
        table_has("min-ratio"),
    ) {
        (true, false) => push_at(
            reader.value_loc("relative-to"),
            "`relative-to` needs `min-ratio`",
            "no ratio to compare",
            "add min-ratio = 0.05 (5 %)",
            diags,
        ),
        (false, true) => push_at(
            reader.value_loc("min-ratio"),
            "`min-ratio` needs `relative-to`",
            "a ratio of what?",
            "add relative-to = \"Tcp.OutSegs\" (the denominator)",
            diags,
        ),
        _ => {}
    }
    if !table_has("relative-to") && table_has("min-base-rate") {
        push_at(
            reader.value_loc("min-base-rate"),
            "`min-base-rate` is the floor of `relative-to`'s rate",
            "no relative-to",
            "add relative-to and min-ratio, or remove min-base-rate",
            diags,
        );
    }
    if !table_has("min-rate")
        && !table_has("min-ratio")
        && !reader.has_misspelling_of("min-rate")
        && !reader.has_misspelling_of("min-ratio")
        && let Some(loc) = &anchor
    {
        diags.push(
            Diag::at(
                loc.clone(),
                "counter rule has no threshold",
                "add min-rate = N",
            )
            .help("min-rate is per second; or relative-to + min-ratio for a share"),
        );
    }
    if diags.len() > before {
        return None;
    }
    Some(CounterRule {
        counters: counters?,
        min_rate,
        relative_to: relative_to.unwrap_or_default(),
        min_ratio,
        min_base_rate: min_base_rate.unwrap_or(0.0),
        namespaces,
    })
}

fn push_at(loc: Option<Loc>, message: &str, label: &str, help: &str, diags: &mut Vec<Diag>) {
    if let Some(loc) = loc {
        diags.push(Diag::at(loc, message, label).help(help));
    }
}

fn positive(reader: &mut TableReader<'_>, key: &str, diags: &mut Vec<Diag>) -> Option<f64> {
    match reader.number(key, diags) {
        Some((v, _)) if v > 0.0 => Some(v),
        Some((v, loc)) => {
            diags.push(Diag::at(
                loc,
                format!("{key} {v} must be above 0"),
                "bad threshold",
            ));
            None
        }
        None => None,
    }
}

/// A counter name or a list of them (`@list` allowed), each checked against the names Linux
/// reports.
fn counter_names(
    reader: &mut TableReader<'_>,
    key: &str,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<Vec<String>> {
    let loc = reader.value_loc(key);
    let items = reader.items(key, diags)?;
    if items.is_empty()
        && let Some(loc) = loc
    {
        diags.push(
            Diag::at(loc, format!("`{key}` is empty"), "no counters")
                .help("name at least one counter, e.g. \"TcpExt.SyncookiesSent\""),
        );
        return None;
    }
    let mut out = Vec::new();
    for item in lists.expand(&items, diags) {
        match &item.value {
            Scalar::Str(name) => match check_name(name) {
                Ok(()) if out.contains(name) => diags.push(Diag::at(
                    item.loc,
                    format!("`{name}` is listed twice"),
                    "duplicate",
                )),
                Ok(()) => out.push(name.clone()),
                Err((message, label, help)) => {
                    diags.push(Diag::at(item.loc, message, label).help(help));
                }
            },
            Scalar::Int(_) => diags.push(
                Diag::at(
                    item.loc,
                    format!("`{key}` names counters (strings)"),
                    "not a string",
                )
                .help("e.g. \"TcpExt.SyncookiesSent\""),
            ),
        }
    }
    if out.is_empty() && !items.is_empty() {
        return None;
    }
    Some(out)
}

/// Accepts a well-formed name the kernel reports, or one this build does not know that is not
/// a likely typo of one it does (newer kernels add counters); rejects gauges.
fn check_name(name: &str) -> Result<(), (String, &'static str, String)> {
    let Some((group, rest)) = name.split_once('.').filter(|(g, r)| {
        !g.is_empty() && !r.is_empty() && !r.contains('.') && !r.contains(char::is_whitespace)
    }) else {
        return Err((
            format!("`{name}` is not a counter name"),
            "not Group.Name",
            "write Group.Name as `sockaudit stats --all` prints it, e.g. TcpExt.SyncookiesSent"
                .to_string(),
        ));
    };
    if names::is_gauge(name) {
        return Err((
            format!("`{name}` is a level or a setting, not a count: it has no rate"),
            "no rate",
            "count events instead, e.g. Tcp.ActiveOpens or Tcp.PassiveOpens".to_string(),
        ));
    }
    if names::is_known(name) {
        return Ok(());
    }
    let group_fix = if names::GROUPS.contains(&group) {
        group
    } else {
        match close(group, names::GROUPS.iter().copied()) {
            Some(g) => g,
            // A group this build does not know (a newer kernel's): accepted.
            None => return Ok(()),
        }
    };
    let same_group: Vec<String> = names::known_names()
        .filter_map(|n| {
            n.split_once('.')
                .filter(|(g, _)| *g == group_fix)
                .map(|(_, r)| r.to_string())
        })
        .collect();
    let rest_fix = close(rest, same_group.iter().map(String::as_str)).unwrap_or(rest);
    let suggestion = format!("{group_fix}.{rest_fix}");
    if suggestion == name {
        return Ok(());
    }
    Err((
        format!("unknown counter `{name}`"),
        "unknown counter",
        format!("did you mean `{suggestion}`?"),
    ))
}

/// A known name that `text` is probably a typo of: the same but for case, or one or two edits
/// away (one for short names). Looser measures would reject counters newer kernels add, which
/// share long prefixes with old ones (`TCPAOGood`, `TCPAOBad`).
fn close<'a>(text: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = if text.len() >= 8 { 2 } else { 1 };
    known
        .map(|k| {
            let d = if k.eq_ignore_ascii_case(text) {
                0
            } else {
                strsim::damerau_levenshtein(text, k)
            };
            (d, k)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_for_typos_but_new_counters_pass() {
        assert!(check_name("TcpExt.SyncookiesSent").is_ok());
        assert!(check_name("IcmpMsg.OutType8").is_ok());
        let (msg, _, help) = check_name("TcpExt.SyncookieSent").unwrap_err();
        assert_eq!(msg, "unknown counter `TcpExt.SyncookieSent`");
        assert_eq!(help, "did you mean `TcpExt.SyncookiesSent`?");
        let (_, _, help) = check_name("tcpext.syncookiessent").unwrap_err();
        assert_eq!(help, "did you mean `TcpExt.SyncookiesSent`?");
        let (_, _, help) = check_name("TcpEx.ListenDrops").unwrap_err();
        assert_eq!(help, "did you mean `TcpExt.ListenDrops`?");
        let (_, _, help) = check_name("TcpExt.syncookiessent").unwrap_err();
        assert_eq!(help, "did you mean `TcpExt.SyncookiesSent`?");
        // A counter a newer kernel may add, not near any known name: accepted.
        assert!(check_name("TcpExt.TCPSomethingBrandNew").is_ok());
        assert!(check_name("FutureExt.Thing").is_ok());
        assert!(
            check_name("Tcp.CurrEstab")
                .unwrap_err()
                .0
                .contains("not a count")
        );
        for bad in ["SyncookiesSent", "Tcp.", ".X", "A.B.C", "Tcp.Active Opens"] {
            assert!(
                check_name(bad)
                    .unwrap_err()
                    .0
                    .contains("not a counter name"),
                "{bad}"
            );
        }
    }
}
