//! A loaded rule set: every rule with its shared fields, and the settings rule files carry.

use std::sync::Arc;

use super::common::Common;
use super::kind::Body;
use super::load::diag::Sources;
use crate::model::finding::RuleKind;

/// One rule instance.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Shared fields.
    pub common: Common,
    /// Kind-specific settings, and the kind's behaviour ([`Body`]).
    pub body: Arc<dyn Body>,
}

impl Rule {
    /// The rule's kind.
    pub fn kind(&self) -> RuleKind {
        self.body.kind()
    }

    /// Why the rule will not run, if it will not (disabled, waiting for allow entries).
    pub fn dormant_reason(&self) -> Option<&'static str> {
        if !self.common.enabled {
            return Some("disabled");
        }
        self.body.dormant(&self.common)
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

/// What the Sigma files held (`rules list` prints it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigmaSummary {
    /// Sigma files read.
    pub files: usize,
    /// `network_connection` rules loaded.
    pub rules: usize,
    /// Of those, rules using something sockaudit does not support (inactive on every input).
    pub unsupported: usize,
    /// Documents of other categories, by `logsource.category`: counted, not loaded.
    pub skipped: std::collections::BTreeMap<String, usize>,
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
    /// The Sigma files' counts.
    pub sigma: SigmaSummary,
}

impl RuleSet {
    /// Whether any rule that will run needs to know which process owns a socket. When none
    /// does, `scan` skips the `/proc` walk (most of a scan's cost on a busy host).
    pub fn needs_process_facts(&self) -> bool {
        self.rules
            .iter()
            .filter(|r| r.dormant_reason().is_none())
            .any(|r| {
                r.common.allow.iter().any(|a| a.selector.needs_process())
                    || r.body.needs_process_facts()
            })
    }

    /// Whether an enabled rule needs per-connection byte counters (`min-bytes-sent`,
    /// `min-bytes-received`): then a live collection reads them.
    pub fn needs_traffic(&self) -> bool {
        self.rules
            .iter()
            .filter(|r| r.dormant_reason().is_none())
            .any(|r| r.body.needs_traffic())
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.common.id == id)
    }
}
