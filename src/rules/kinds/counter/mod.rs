#![doc = include_str!("../../../../docs/rules/counter.md")]

mod describe;
mod read;
mod rule;

use crate::enrich::Capabilities;
use crate::model::Snapshot;
use crate::model::counters::{CounterDelta, CounterEvidence, NamespaceCounters, NoRate};
use crate::model::finding::RuleKind;
use crate::model::finding::{Evidence, Finding};
use crate::rules::RuleSet;
use crate::rules::context::{Context, RuleRun};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;
use crate::rules::spec::Lists;
pub use describe::{describe, number};
use read::read;
pub use rule::CounterRule;

/// The `[[counter]]` kind.
pub struct Counter;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("counter");

impl Kind for Counter {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../../docs/rules/counter.md")
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

/// Whether any rule that will run needs counter samples.
pub fn needed(rules: &RuleSet) -> bool {
    rules
        .rules
        .iter()
        .any(|r| r.dormant_reason().is_none() && r.kind() == KIND)
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
        return Some(if cfg!(any(target_os = "linux", windows)) || snapshot.source != "live" {
            // A saved snapshot keeps `source = "live"`: the advice fits both.
            "no kernel counters in this input: they are sampled live with --sample 1s or --state (docs/counters.md)".to_string()
        } else {
            "kernel counters are read on Linux and Windows only".to_string()
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
        // A counter this source never reports (Windows has no TcpExt group): say so plainly,
        // it will not appear on a later run either.
        Some((_, NoRate::Missing { name, now: true })) => format!(
            "{name} is not available on this source (its kernel or input does not report it; Windows keeps no TcpExt counters: docs/counters.md#windows)"
        ),
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
