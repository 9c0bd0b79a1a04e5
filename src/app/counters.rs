//! When commands read the kernel counters, and where the earlier sample comes from.
//!
//! Counters are read only when something uses them: an enabled counter rule that can have a
//! previous sample (`--sample`, `--state`, `watch`), `snapshot --sample`, or `stats`. A plain
//! `scan` reads none (its counter rules are listed as inactive with the way to enable them).
//! Imported captures and snapshots never get this machine's counters: only what they carry.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::error::AppError;
use crate::collect::Input;
use crate::model::Snapshot;
use crate::model::counters::{CounterSample, NamespaceCounters};

/// Whether and how a command samples this machine's counters.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CounterPlan {
    /// Read the counters with each collection.
    pub read: bool,
    /// Read them twice, this far apart, around the socket collection (`--sample`).
    pub sample: Option<Duration>,
}

impl CounterPlan {
    /// The plan of a scan: `needed` says an enabled counter rule exists; `remembered` that a
    /// previous sample can come from `--state` or an earlier `watch` scan.
    pub fn for_scan(
        input: &Input,
        needed: bool,
        sample: Option<Duration>,
        remembered: bool,
    ) -> CounterPlan {
        if !matches!(input, Input::Live(_)) {
            return CounterPlan::default();
        }
        if sample.is_some() && !needed {
            tracing::warn!("--sample: no enabled counter rule uses the counters; not sampling");
        }
        CounterPlan {
            read: needed && (sample.is_some() || remembered),
            sample: sample.filter(|_| needed),
        }
    }
}

/// Reads every namespace the collection described (our own alone elsewhere); a namespace that
/// cannot be read is a warning (its counter rules then say what is missing).
fn read_all(snapshot: &Snapshot) -> BTreeMap<String, CounterSample> {
    let started = Instant::now();
    let mut samples = BTreeMap::new();
    for (label, sample) in crate::collect::live::counters::sample_namespaces(&snapshot.namespaces) {
        match sample {
            Ok(sample) => {
                samples.insert(label, sample);
            }
            Err(err) => tracing::warn!("cannot read the kernel counters of netns {label}: {err}"),
        }
    }
    tracing::debug!(
        "read the kernel counters of {} namespace(s) in {:.0} µs",
        samples.len(),
        started.elapsed().as_secs_f64() * 1e6
    );
    samples
}

/// Runs `collect` and, as the plan says, samples the counters of every namespace it read into
/// the snapshot: once after the collection, or with `sample` once right after it and again
/// when the duration has passed.
pub(super) fn collect_with(
    plan: CounterPlan,
    collect: impl FnOnce() -> Result<Snapshot, AppError>,
) -> Result<Snapshot, AppError> {
    if !plan.read {
        return collect();
    }
    let mut snapshot = collect()?;
    let mut first = match plan.sample {
        Some(duration) => {
            let first = read_all(&snapshot);
            tracing::info!(
                "sampling the kernel counters: waiting {:.1} s for the second sample",
                duration.as_secs_f64()
            );
            std::thread::sleep(duration);
            first
        }
        None => BTreeMap::new(),
    };
    for (namespace, current) in read_all(&snapshot) {
        let previous = first.remove(&namespace);
        snapshot.counters.push(NamespaceCounters {
            namespace,
            current,
            previous,
        });
    }
    Ok(snapshot)
}

/// Gives every namespace without an earlier sample of its own the remembered one of the same
/// label (the rate arithmetic refuses samples of another boot or namespace).
pub(super) fn attach_previous(snapshot: &mut Snapshot, previous: &BTreeMap<String, CounterSample>) {
    for ns in &mut snapshot.counters {
        if ns.previous.is_none() {
            ns.previous = previous.get(&ns.namespace).cloned();
        }
    }
}

/// The latest sample of every namespace, to remember for the next run.
pub(super) fn latest(snapshot: &Snapshot) -> BTreeMap<String, CounterSample> {
    snapshot
        .counters
        .iter()
        .map(|ns| (ns.namespace.clone(), ns.current.clone()))
        .collect()
}
