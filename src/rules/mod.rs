//! Rules: kinds are code (one module each), instances are data (TOML rule files).
//!
//! [`load()`] reads rule files into a validated [`RuleSet`] (or every problem found, with
//! locations); the engine ([`crate::engine`]) evaluates a rule set against a snapshot.

pub mod baseline_routes;
pub mod builtin;
pub mod counter;
pub mod diag;
pub mod drift;
pub mod flood;
pub mod hidden;
pub mod listen;
pub mod load;
pub mod process;
pub mod reader;
pub mod remote;
pub mod route_drift;
pub mod spec;

use diag::{Diag, Loc, Sources};
use reader::TableReader;
use spec::{Lists, SELECTOR_KEYS, Selector};

use crate::model::finding::{RuleKind, Severity};

pub use load::{RuleSources, load, load_texts};

/// A suppression: sockets/processes matching `selector` do not produce findings.
#[derive(Debug, Clone)]
pub struct Allow {
    /// What it allows.
    pub selector: Selector,
    /// Why (required: the next reader must know).
    pub reason: String,
    /// After this date the entry warns and stops suppressing.
    pub expires: Option<jiff::civil::Date>,
    /// `FILE:LINE` where it is written.
    pub origin: String,
}

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

/// Fields every rule has.
#[derive(Debug, Clone)]
pub struct Common {
    /// Unique kebab-case id.
    pub id: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// What it is about, for people.
    pub description: Option<String>,
    /// Disabled rules are loaded and listed but not evaluated.
    pub enabled: bool,
    /// Suppressions (inline and from `[[allow]]` tables that name this rule).
    pub allow: Vec<Allow>,
    /// `FILE:LINE` of its definition.
    pub origin: String,
    /// Where the definition is, for quoting it (`rules explain`).
    pub loc: Loc,
}

/// A kind's own settings.
#[derive(Debug, Clone)]
pub enum Body {
    /// `[[listen]]`.
    Listen(listen::ListenRule),
    /// `[[flood]]`.
    Flood(flood::FloodRule),
    /// `[[remote]]`.
    Remote(remote::RemoteRule),
    /// `[[process]]`.
    Process(process::ProcessRule),
    /// A drift check of a `[baseline]`.
    Drift(drift::DriftRule),
    /// `[[hidden]]`.
    Hidden(hidden::HiddenRule),
    /// `[[counter]]`.
    Counter(counter::CounterRule),
}

/// One rule instance.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Shared fields.
    pub common: Common,
    /// Kind-specific settings.
    pub body: Body,
}

impl Rule {
    /// The rule's kind.
    pub fn kind(&self) -> RuleKind {
        match self.body {
            Body::Listen(_) => RuleKind::Listen,
            Body::Flood(_) => RuleKind::Flood,
            Body::Remote(_) => RuleKind::Remote,
            Body::Process(_) => RuleKind::Process,
            Body::Drift(_) => RuleKind::Baseline,
            Body::Hidden(_) => RuleKind::Hidden,
            Body::Counter(_) => RuleKind::Counter,
        }
    }

    /// Why the rule will not run, if it will not (disabled, waiting for allow entries).
    pub fn dormant_reason(&self) -> Option<&'static str> {
        if !self.common.enabled {
            return Some("disabled");
        }
        match &self.body {
            Body::Listen(l) if l.require_allow && self.common.allow.is_empty() => {
                Some("waiting for allow entries (require-allow)")
            }
            _ => None,
        }
    }
}

/// The documentation of a kind: what it detects, why it matters, configuration, false
/// positives.
pub fn kind_doc(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Listen => listen::DOC,
        RuleKind::Flood => flood::DOC,
        RuleKind::Remote => remote::DOC,
        RuleKind::Process => process::DOC,
        RuleKind::Baseline => drift::DOC,
        RuleKind::Hidden => hidden::DOC,
        RuleKind::Counter => counter::DOC,
    }
}

/// Enrichment settings from `[geoip]` and `[feeds]` tables (paths already resolved against the
/// directory of the file that names them).
#[derive(Debug, Clone, Default)]
pub struct EnrichSettings {
    /// GeoIP database files.
    pub geoip: Vec<std::path::PathBuf>,
    /// Staleness limit for databases, days.
    pub geoip_max_age_days: Option<i64>,
    /// Feeds by name: (file, staleness limit in days).
    pub feeds: std::collections::BTreeMap<String, (std::path::PathBuf, i64)>,
}

/// `[notify]` settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotifySettings {
    /// Send desktop notifications as if `--notify` were given.
    pub enabled: bool,
    /// How long to wait for the notification server.
    pub timeout_seconds: Option<u64>,
}

/// Every rule from every file, validated.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// `[notify]` settings.
    pub notify: NotifySettings,
    /// Rules in load order.
    pub rules: Vec<Rule>,
    /// `[geoip]` and `[feeds]` settings.
    pub enrich: EnrichSettings,
    /// The rule files read, for quoting.
    pub sources: Sources,
    /// The files read, in order, as display names.
    pub files: Vec<String>,
}

impl RuleSet {
    /// Whether any rule that will run needs to know which process owns a socket. When none
    /// does, `scan` skips the `/proc` walk (most of a scan's cost on a busy host).
    pub fn needs_process_facts(&self) -> bool {
        self.rules
            .iter()
            .filter(|r| r.dormant_reason().is_none())
            .any(|r| {
                let allows_need = r.common.allow.iter().any(|a| a.selector.needs_process());
                allows_need
                    || match &r.body {
                        Body::Listen(b) => b.selector.needs_process(),
                        Body::Flood(b) => {
                            b.selector.needs_process()
                                || matches!(
                                    b.group_by,
                                    flood::GroupBy::Listener | flood::GroupBy::Process
                                )
                        }
                        Body::Remote(b) => b.selector.needs_process(),
                        Body::Hidden(b) => b.selector.needs_process(),
                        Body::Process(_) | Body::Drift(_) => true,
                        Body::Counter(_) => false,
                    }
            })
    }

    /// Whether an enabled rule needs per-connection byte counters (`min-bytes-sent`,
    /// `min-bytes-received`): then a live collection reads them.
    pub fn needs_traffic(&self) -> bool {
        self.rules
            .iter()
            .filter(|r| r.dormant_reason().is_none())
            .any(|r| matches!(&r.body, Body::Remote(b) if b.volume.is_set()))
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.common.id == id)
    }
}

/// Reads the common keys of a rule table; `None` when the id or severity is unusable.
fn read_common(
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
fn read_allow(
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
