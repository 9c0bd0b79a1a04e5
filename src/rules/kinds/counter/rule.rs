//! The settings of a `[[counter]]` rule.

use crate::rules::spec::Globs;

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
