//! What a rule kind is. A kind is one file under `kinds/` that implements [`Kind`] (how its
//! rules are read and documented) and [`Body`] (what one rule needs and finds), plus one line
//! in [`super::kinds::KINDS`]. The loader and the engine know kinds only through these two
//! traits.

use std::any::Any;
use std::fmt::Debug;

use super::common::Common;
use super::context::{Context, RuleRun};
use super::facts::missing_fact;
use super::load::diag::Diag;
use super::load::reader::TableReader;
use super::spec::Lists;
use crate::enrich::Capabilities;
use crate::model::finding::{Finding, RuleKind};
use crate::model::{Fact, Snapshot};

/// A rule kind: its name in rule files, its documentation, its keys and how to read them.
pub trait Kind: Sync {
    /// The table-array name in rule files (`listen` for `[[listen]]`), which is also the
    /// `kind` of its findings.
    fn name(&self) -> RuleKind;

    /// What it detects, why it matters, its configuration and its false positives
    /// (`docs/rules/NAME.md`, shown by `rules explain`).
    fn doc(&self) -> &'static str;

    /// Its keys beyond the shared ones ([`crate::rules::load::common::COMMON_KEYS`]), in the
    /// order error messages list them.
    fn keys(&self) -> &'static [&'static str];

    /// Reads the kind's own keys of one table; `None` when a problem was reported in `diags`.
    /// Kinds whose rules come from another table (drift rules from `[baseline]`) are not read
    /// from `[[name]]` arrays and return `None` from [`Kind::in_rule_files`].
    fn read(
        &self,
        reader: &mut TableReader<'_>,
        lists: &Lists,
        diags: &mut Vec<Diag>,
    ) -> Option<Box<dyn Body>>;

    /// Whether rule files write this kind as `[[name]]` tables.
    fn in_rule_files(&self) -> bool {
        true
    }
}

/// One rule's kind-specific settings, and what it needs to run.
pub trait Body: Debug + Send + Sync + Any {
    /// The kind ([`Kind::name`]).
    fn kind(&self) -> RuleKind;

    /// Evaluates the rule: findings go to `out`. No I/O.
    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>);

    /// The process and socket facts it needs to decide anything; a snapshot without one of
    /// them (an imported capture) makes the rule inactive instead of silently passing.
    fn needed_facts(&self) -> Vec<Fact> {
        Vec::new()
    }

    /// Whether it needs to know which process owns each socket: when no rule that runs does,
    /// `scan` skips the `/proc` walk.
    fn needs_process_facts(&self) -> bool;

    /// Whether a TCP/UDP socket whose owner could not be read is one it could not check (the
    /// report's `Unchecked:` line); rules on other sockets (raw, packet) say no.
    fn checks_inet_owners(&self) -> bool {
        self.needs_process_facts()
    }

    /// Whether it needs per-connection byte counters (then a live collection reads them).
    fn needs_traffic(&self) -> bool {
        false
    }

    /// What this run lacks for the rule to check anything (a fact, a GeoIP database, the
    /// `--deep` check), if anything, said so that the user knows how to provide it.
    fn unavailable(&self, capabilities: &Capabilities, snapshot: &Snapshot) -> Option<String> {
        let _ = capabilities;
        missing_fact(&self.needed_facts(), snapshot)
    }

    /// What it needs that nobody configured (a feed, a GeoIP database), if anything: a rule of
    /// the built-in pack is then "not configured", which `--strict` does not count. Checked
    /// before [`Body::unavailable`].
    fn not_configured(&self, capabilities: &Capabilities) -> Option<String> {
        let _ = capabilities;
        None
    }

    /// Whether what it lacks comes only from something the run did not ask for (`--deep`, a
    /// second counter sample): `--strict` does not count such a rule as missing data.
    fn waits_for_opt_in(&self, snapshot: &Snapshot) -> bool {
        let _ = snapshot;
        false
    }

    /// Why an enabled rule does not run yet (waiting for allow entries), if it does not.
    fn dormant(&self, common: &Common) -> Option<&'static str> {
        let _ = common;
        None
    }

    /// The settings as their concrete type, for commands that read one kind's settings
    /// (`baseline check` reads the drift rules' baseline).
    fn as_any(&self) -> &dyn Any;
}
