#![doc = include_str!("../../../docs/rules/counter.md")]

use crate::enrich::Capabilities;
use crate::model::Snapshot;
use crate::model::counters::{CounterDelta, CounterEvidence, NamespaceCounters, NoRate, names};
use crate::model::finding::RuleKind;
use crate::model::finding::{Evidence, Finding};
use crate::rules::RuleSet;
use crate::rules::context::{Context, RuleRun};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::{Diag, Loc};
use crate::rules::load::reader::{Scalar, TableReader};
use crate::rules::spec::{Globs, Lists};

/// The `[[counter]]` kind.
pub struct Counter;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("counter");

impl Kind for Counter {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../docs/rules/counter.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "counter",
            "min-rate",
            "relative-to",
            "min-ratio",
            "min-base-rate",
            "namespace",
        ]
    }

    fn read(
        &self,
        reader: &mut TableReader<'_>,
        lists: &Lists,
        diags: &mut Vec<Diag>,
    ) -> Option<Box<dyn Body>> {
        read(reader, lists, diags).map(|r| Box::new(r) as Box<dyn Body>)
    }
}

impl Body for CounterRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needs_process_facts(&self) -> bool {
        false
    }

    fn unavailable(&self, _capabilities: &Capabilities, snapshot: &Snapshot) -> Option<String> {
        missing_data(self, snapshot)
    }

    fn waits_for_opt_in(&self, snapshot: &Snapshot) -> bool {
        snapshot
            .counters
            .iter()
            .filter(|ns| self.applies_to(&ns.namespace))
            .all(|ns| ns.previous.is_none())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Settings of a `[[counter]]` rule.
#[derive(Debug, Clone)]
pub struct CounterRule {
    /// Counters whose rates are summed (`TcpExt.SyncookiesSent`).
    pub counters: Vec<String>,
    /// Fire at this summed rate per second or above.
    pub min_rate: Option<f64>,
    /// Counters whose summed rate is the denominator of the ratio.
    pub relative_to: Vec<String>,
    /// Fire at this ratio or above (with `relative_to`).
    pub min_ratio: Option<f64>,
    /// The ratio is judged only when the denominator's rate is at least this (an idle host's
    /// 1 retransmission out of 2 segments is no spike).
    pub min_base_rate: f64,
    /// Which namespaces by label (all when `None`).
    pub namespaces: Option<Globs>,
}

impl CounterRule {
    /// Every counter the rule reads.
    pub fn all_counters(&self) -> impl Iterator<Item = &str> {
        self.counters
            .iter()
            .chain(&self.relative_to)
            .map(String::as_str)
    }

    /// Whether the rule looks at the namespace with this label.
    pub fn applies_to(&self, namespace: &str) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|g| g.is_match(namespace))
    }
}

/// Whether any rule that will run needs counter samples.
pub fn needed(rules: &RuleSet) -> bool {
    rules
        .rules
        .iter()
        .any(|r| r.dormant_reason().is_none() && r.kind() == KIND)
}

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

/// What one namespace's samples say under this rule: the evidence, or why there is no rate.
fn measure(rule: &CounterRule, ns: &NamespaceCounters) -> Result<CounterEvidence, NoRate> {
    let interval_seconds = ns.interval_seconds()?;
    let deltas = |names: &[String]| -> Result<Vec<CounterDelta>, NoRate> {
        names.iter().map(|n| ns.delta(n)).collect()
    };
    let counters = deltas(&rule.counters)?;
    let relative_to = deltas(&rule.relative_to)?;
    let rate = counters.iter().map(|d| d.rate).sum();
    let (base_rate, ratio) = if relative_to.is_empty() {
        (None, None)
    } else {
        let base: f64 = relative_to.iter().map(|d| d.rate).sum();
        (Some(base), (base > 0.0).then(|| rate / base))
    };
    Ok(CounterEvidence {
        namespace: ns.namespace.clone(),
        interval_seconds,
        counters,
        rate,
        min_rate: rule.min_rate,
        relative_to,
        base_rate,
        ratio,
        min_ratio: rule.min_ratio,
    })
}

/// Whether the measurement crosses the rule's thresholds (every one it sets).
fn fires(rule: &CounterRule, e: &CounterEvidence) -> bool {
    let rate_ok = rule.min_rate.is_none_or(|min| e.rate >= min);
    let ratio_ok = match rule.min_ratio {
        None => true,
        Some(min) => {
            e.base_rate
                .is_some_and(|b| b > 0.0 && b >= rule.min_base_rate)
                && e.ratio.is_some_and(|r| r >= min)
        }
    };
    rate_ok && ratio_ok
}

/// Why the rule cannot check anything in this snapshot, if it cannot: no counters, one
/// sample only, or no rate in any namespace it applies to.
pub fn missing_data(rule: &CounterRule, snapshot: &Snapshot) -> Option<String> {
    if snapshot.counters.is_empty() {
        return Some(if cfg!(target_os = "linux") || snapshot.source != "live" {
            // A saved snapshot keeps `source = "live"`: the advice fits both.
            "no kernel counters in this input: they are sampled live with --sample 1s or --state (docs/counters.md)".to_string()
        } else {
            "kernel counters are read on Linux only".to_string()
        });
    }
    let mut first_reason = None;
    for ns in snapshot
        .counters
        .iter()
        .filter(|ns| rule.applies_to(&ns.namespace))
    {
        match measure(rule, ns) {
            Ok(_) => return None,
            Err(why) => {
                first_reason.get_or_insert((ns.namespace.clone(), why));
            }
        }
    }
    Some(match first_reason {
        None => "no network namespace in the input matches its `namespace`".to_string(),
        Some((_, NoRate::NoPrevious)) => {
            "one kernel counter sample, rates need two: with --state the next run compares with this one, or use --sample 1s (docs/counters.md)".to_string()
        }
        Some((namespace, why)) => format!("no rate in namespace {namespace} this run: {why}"),
    })
}

/// One finding per namespace whose rate (or ratio) reaches the thresholds.
fn evaluate(run: &RuleRun<'_>, rule: &CounterRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let what = run
        .common
        .description
        .clone()
        .unwrap_or_else(|| format!("counter rate ({})", run.common.id));
    for ns in &ctx.snapshot.counters {
        if !rule.applies_to(&ns.namespace) {
            continue;
        }
        let Ok(evidence) = measure(rule, ns) else {
            continue;
        };
        if !fires(rule, &evidence) {
            continue;
        }
        let message = format!("{what}: {}", describe(&evidence));
        let counters = rule.counters.join(",");
        out.push(run.finding(
            message,
            &[&ns.namespace, &counters],
            None,
            None,
            Evidence {
                counters: Some(evidence),
                ..Evidence::default()
            },
        ));
    }
}

/// `TcpExt.SyncookiesSent +3000 in 4.4 s (680.3/s, threshold 10/s) in namespace host`.
pub fn describe(e: &CounterEvidence) -> String {
    let names: Vec<&str> = e.counters.iter().map(|d| d.name.as_str()).collect();
    let delta: i64 = e.counters.iter().map(|d| d.current - d.previous).sum();
    let mut text = format!(
        "{} +{delta} in {:.1} s ({}/s",
        names.join(" + "),
        e.interval_seconds,
        number(e.rate)
    );
    if let Some(min) = e.min_rate {
        text.push_str(&format!(", threshold {}/s", number(min)));
    }
    text.push(')');
    if let (Some(ratio), Some(base), Some(min)) = (e.ratio, e.base_rate, e.min_ratio) {
        let base_names: Vec<&str> = e.relative_to.iter().map(|d| d.name.as_str()).collect();
        text.push_str(&format!(
            ", {} of {} ({}/s; threshold {})",
            percent(ratio),
            base_names.join(" + "),
            number(base),
            percent(min)
        ));
    }
    text.push_str(&format!(" in namespace {}", e.namespace));
    text
}

/// A rate for people: one decimal below 100, whole numbers above.
pub fn number(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn percent(ratio: f64) -> String {
    format!("{}%", number(ratio * 100.0))
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

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(680.27), "680");
        assert_eq!(number(8.47), "8.5");
        assert_eq!(number(10.0), "10");
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.125), "12.5%");
    }
}
