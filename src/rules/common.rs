//! The fields every rule has, whatever its kind, and its suppressions.

use super::load::diag::Loc;
use super::spec::Selector;
use crate::model::finding::Severity;

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
    /// Defined by the built-in pack and not enabled by the user (`[rules.ID] enabled = true`):
    /// an optional input it needs that nobody configured (a feed, GeoIP) makes it "not
    /// configured" rather than inactive, so `--strict` does not fail on it.
    pub from_pack: bool,
}
