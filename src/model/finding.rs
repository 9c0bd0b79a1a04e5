//! What the engine reports: severities, findings and their stable fingerprints.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Process, Socket};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Look when convenient.
    Low,
    /// Look today.
    Medium,
    /// Look now.
    High,
    /// Likely compromise.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lower-case name.
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of the rule behind a finding: the table-array name of its rule files (`listen`,
/// `flood`...), or `baseline` for drift rules. The kinds themselves are code in
/// src/rules/kinds/, each declaring its name as a `KIND` constant; this is only the name, so
/// the data model does not list them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleKind(Cow<'static, str>);

impl RuleKind {
    /// The kind named `name`.
    pub const fn new(name: &'static str) -> RuleKind {
        RuleKind(Cow::Borrowed(name))
    }

    /// The table-array name in rule files.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts and the sockets behind a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// How many sockets are behind this finding.
    pub count: usize,
    /// The threshold that was crossed (flood rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<usize>,
    /// What the sockets were grouped by (flood rules): `listener 0.0.0.0:80`, `remote 203.0.113.0/24`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Up to [`Evidence::MAX_SOCKETS`] of the sockets, in output order.
    pub sockets: Vec<Socket>,
    /// The routes behind a route drift finding; omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<crate::model::routes::Route>,
    /// The neighbour (ARP/NDP) entries behind a gateway MAC finding; omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neighbours: Vec<crate::model::routes::Neighbour>,
    /// The counter samples behind a counter finding; omitted otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counters: Option<crate::model::counters::CounterEvidence>,
    /// The raw and packet sockets behind a raw-socket finding; omitted otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raw_sockets: Vec<crate::model::RawSocket>,
}

impl Evidence {
    /// Sockets kept as evidence per finding; the count says how many there were.
    pub const MAX_SOCKETS: usize = 10;

    /// Evidence of these sockets: their count and the first [`Evidence::MAX_SOCKETS`].
    pub fn of(sockets: &[&Socket]) -> Evidence {
        Evidence {
            count: sockets.len(),
            sockets: sockets
                .iter()
                .take(Evidence::MAX_SOCKETS)
                .map(|s| (*s).clone())
                .collect(),
            ..Evidence::default()
        }
    }
}

/// One thing the engine found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule id.
    pub rule: String,
    /// Rule kind.
    pub kind: RuleKind,
    /// Severity (after overrides).
    pub severity: Severity,
    /// What is wrong, for a person.
    pub message: String,
    /// Stable identity across runs: no PIDs, no ephemeral ports.
    pub fingerprint: String,
    /// Where the rule is defined: `FILE:LINE`.
    pub origin: String,
    /// The main socket, when the finding is about one.
    pub socket: Option<Socket>,
    /// The owning process, when known.
    pub process: Option<Process>,
    /// What is known about the main socket's peer (scope, country, AS, feeds).
    pub remote: Option<crate::model::remote::RemoteInfo>,
    /// Counts and sockets.
    pub evidence: Evidence,
}

/// A stable 64-bit FNV-1a hash as 16 hex digits. Written here because std's hasher is not
/// stable across Rust releases and fingerprints must survive upgrades; FNV is five lines.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0x1f;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        for byte in part.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_separate_parts() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        // Pinned: a change here changes every user's state file.
        // Cross-checked with an independent FNV-1a implementation.
        assert_eq!(
            fingerprint(&["backdoor-port", "tcp", "31337"]),
            "002d340c15a2acde"
        );
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Info < Severity::Low);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert_eq!(Severity::parse("severe"), None);
    }
}
