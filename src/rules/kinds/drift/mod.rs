#![doc = include_str!("../../../../docs/rules/baseline.md")]

mod check;
mod listeners;
mod routes;

use std::sync::Arc;

use crate::enrich::Capabilities;
use crate::model::Snapshot;
use crate::model::baseline::Baseline;
use crate::model::finding::{Finding, RuleKind};
use crate::rules::context::{Context, RuleRun};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;
use crate::rules::spec::Lists;
pub use check::DriftCheck;

/// Drift from a `[baseline]`: rules the loader makes from a baseline table, one per check.
pub struct Drift;

/// Its name in findings (`baseline`).
pub const KIND: RuleKind = RuleKind::new("baseline");

impl Kind for Drift {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../../docs/rules/baseline.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Drift rules are made from `[baseline]` (src/rules/load/baseline.rs), never read from
    /// `[[baseline]]` arrays.
    fn read(
        &self,
        _reader: &mut TableReader<'_>,
        _lists: &Lists,
        _diags: &mut Vec<Diag>,
    ) -> Option<Box<dyn Body>> {
        None
    }

    fn in_rule_files(&self) -> bool {
        false
    }
}

/// A drift rule: one check against one baseline.
#[derive(Debug, Clone)]
pub struct DriftRule {
    /// Which check.
    pub check: DriftCheck,
    /// The baseline (shared by the five rules).
    pub baseline: Arc<Baseline>,
}

impl Body for DriftRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        if self.check.is_route_check() {
            if let Some(table) = &ctx.snapshot.routes {
                routes::evaluate(run, self.check, &self.baseline, table, out);
            }
            return;
        }
        listeners::evaluate(run, self.check, &self.baseline, ctx, out);
    }

    fn needs_process_facts(&self) -> bool {
        true
    }

    fn unavailable(&self, _capabilities: &Capabilities, snapshot: &Snapshot) -> Option<String> {
        missing_data(self, snapshot)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What a rule set needs read beyond the socket table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteNeeds {
    /// The routing table.
    pub routes: bool,
    /// The neighbour table as well.
    pub neighbours: bool,
}

/// The tables the enabled drift rules of `rules` need.
pub fn route_needs(rules: &crate::rules::RuleSet) -> RouteNeeds {
    let mut needs = RouteNeeds::default();
    for rule in rules.rules.iter().filter(|r| r.dormant_reason().is_none()) {
        if let Some(d) = rule.body.as_any().downcast_ref::<DriftRule>()
            && d.check.is_route_check()
        {
            needs.routes = true;
            needs.neighbours |= d.check.needs_neighbours();
        }
    }
    needs
}

/// Why a drift rule cannot run on this snapshot (its data is missing), if it cannot.
pub fn missing_data(rule: &DriftRule, snapshot: &Snapshot) -> Option<String> {
    if !rule.check.is_route_check() {
        return None;
    }
    let Some(table) = &snapshot.routes else {
        return Some(
            "needs the routing table, which this input lacks: it is read live on Linux and Windows only, and socket captures carry none (docs/routes.md)".to_string(),
        );
    };
    (rule.check.needs_neighbours() && table.neighbours.is_none()).then(|| {
        "needs the neighbour (ARP/NDP) table, which this input lacks (docs/routes.md)".to_string()
    })
}
