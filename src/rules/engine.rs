//! The engine: a pure function from rules and a snapshot to sorted findings. No I/O.
//!
//! The snapshot is indexed once (listening ports, sockets per process); each rule then makes
//! one pass over the sockets or processes it concerns, so cost stays linear in sockets × rules.

use std::collections::HashMap;

use serde::Serialize;

use super::context::{Context, RuleRun};
use super::set::RuleSet;
use super::unchecked::{Unchecked, unchecked};
use crate::enrich::Enrichment;
use crate::model::finding::{Evidence, Finding};
use crate::model::{Snapshot, Socket};

/// A note about the evaluation (expired suppressions, dormant rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The rule concerned, if any.
    pub rule: Option<String>,
    /// What happened.
    pub message: String,
}

/// A rule that could not run because data it needs is missing (no GeoIP database, no feed), or
/// comes only from a check that was not asked for (`--deep`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inactive {
    /// The rule.
    pub rule: String,
    /// What is missing and how to provide it.
    pub reason: String,
    /// Where the rule is defined.
    pub origin: String,
    /// The data comes from an opt-in check this run did not ask for (`--deep`): `--strict`
    /// does not count it as missing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub opt_in: bool,
}

/// A rule of the built-in pack that did not run because an optional input it needs (a feed, a
/// GeoIP database) was never configured: nothing the user asked for went unchecked, so
/// `--strict` passes. Same shape as [`Inactive`].
pub type NotConfigured = Inactive;

/// Findings and warnings of one evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    /// Rules that could not run for lack of data (never silently passing).
    pub inactive: Vec<Inactive>,
    /// Built-in rules waiting for an optional input nobody configured (feeds, GeoIP).
    pub not_configured: Vec<NotConfigured>,
    /// Sorted: severity (highest first), rule id, then socket.
    pub findings: Vec<Finding>,
    /// Sorted warnings.
    pub warnings: Vec<Warning>,
    /// Rules evaluated.
    pub rules_run: usize,
    /// Sockets the process rules could not check (owner unreadable), if any.
    pub unchecked: Option<Unchecked>,
}

/// Evaluates every enabled rule against the snapshot. `today` decides which allow entries have
/// expired; `enrichment` holds what is known about remote addresses.
pub fn evaluate(
    rules: &RuleSet,
    snapshot: &Snapshot,
    enrichment: &Enrichment,
    today: jiff::civil::Date,
) -> Evaluation {
    let ctx = Context::new(snapshot, enrichment);
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut inactive = Vec::new();
    let mut not_configured = Vec::new();
    let mut rules_run = 0;
    let mut process_rules = Vec::new();
    for rule in &rules.rules {
        if rule.dormant_reason().is_some() {
            continue;
        }
        if let Some(reason) = rule
            .body
            .not_configured(&enrichment.capabilities)
            .filter(|_| rule.common.from_pack)
        {
            not_configured.push(NotConfigured {
                rule: rule.common.id.clone(),
                reason,
                origin: rule.common.origin.clone(),
                opt_in: false,
            });
            continue;
        }
        if let Some(reason) = rule.body.unavailable(&enrichment.capabilities, snapshot) {
            inactive.push(Inactive {
                rule: rule.common.id.clone(),
                reason,
                origin: rule.common.origin.clone(),
                opt_in: rule.body.waits_for_opt_in(snapshot),
            });
            continue;
        }
        let mut allows = Vec::with_capacity(rule.common.allow.len());
        for allow in &rule.common.allow {
            match allow.expires {
                Some(date) if date < today => warnings.push(Warning {
                    rule: Some(rule.common.id.clone()),
                    message: format!(
                        "allow entry at {} expired on {date} and no longer suppresses (reason was: {})",
                        allow.origin, allow.reason
                    ),
                }),
                _ => allows.push(allow),
            }
        }
        let run = RuleRun {
            common: &rule.common,
            kind: rule.kind(),
            allows,
        };
        rules_run += 1;
        if rule.body.checks_inet_owners() {
            process_rules.push(rule.common.id.clone());
        }
        rule.body.evaluate(&run, &ctx, &mut findings);
    }
    let mut findings = merge_and_sort(findings);
    for f in &mut findings {
        f.remote = f
            .socket
            .as_ref()
            .and_then(|s| s.remote_ip())
            .map(|ip| enrichment.get(ip));
    }
    Evaluation {
        findings,
        warnings,
        inactive,
        not_configured,
        rules_run,
        unchecked: unchecked(snapshot, process_rules),
    }
}

/// One finding per (rule, fingerprint): a listener on 0.0.0.0 and [::] of the same program is
/// one finding with two sockets of evidence.
fn merge_and_sort(findings: Vec<Finding>) -> Vec<Finding> {
    let mut by_identity: HashMap<(String, String), usize> = HashMap::new();
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let key = (f.rule.clone(), f.fingerprint.clone());
        match by_identity.get(&key) {
            Some(&idx) => {
                let target = &mut merged[idx].evidence;
                target.count += f.evidence.count;
                for s in f.evidence.sockets {
                    if target.sockets.len() < Evidence::MAX_SOCKETS {
                        target.sockets.push(s);
                    }
                }
                target.routes.extend(f.evidence.routes);
                target.neighbours.extend(f.evidence.neighbours);
            }
            None => {
                by_identity.insert(key, merged.len());
                merged.push(f);
            }
        }
    }
    for f in &mut merged {
        f.evidence
            .sockets
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    merged.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| {
                let ka = a.socket.as_ref().map(Socket::sort_key);
                let kb = b.socket.as_ref().map(Socket::sort_key);
                ka.cmp(&kb)
            })
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    merged
}
