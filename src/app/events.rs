//! `sockaudit watch --events`: a stream of socket events (docs/events.md), each printed and
//! matched against the same rules as every scan; new findings go through the same dedupe
//! (`--state`) and outputs as `watch`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::error::{AppError, ExitStatus};
use super::inputs::print;
use super::pipeline::{Scanner, state_path};
use crate::cli::{ScanFormat, WatchArgs};
use crate::collect::events::{EventSource, EventsError};
use crate::files::atomic::{NewFileMode, write_atomic};
use crate::files::state::{State, StateFile};
use crate::model::event::SocketEvent;
use crate::model::finding::Finding;
use crate::report::events as lines;
use crate::text::escape::{MESSAGE_MAX_CHARS, for_display};

/// How long one wait for events lasts: Ctrl-C and SIGTERM are noticed within it.
const WAIT: Duration = Duration::from_millis(100);

pub(super) fn run(args: &WatchArgs, quiet: bool) -> Result<ExitStatus, AppError> {
    crate::enrich::geoip::never_map();
    let scanner = Scanner::new(&args.scan)?;
    let metric_paths = metric_paths(args)?;
    let mut source = match EventSource::open() {
        Ok(source) => source,
        Err(EventsError::Unsupported) => {
            // Other systems: the plain polling watch, said out loud.
            super::start::to_stderr(
                quiet,
                "sockaudit watch --events: no event source on this system; polling the socket table instead (mode poll: anything that opens and closes between two polls is missed)",
            );
            return super::watch::run(args, quiet);
        }
        Err(err) => return Err(AppError::Events(err.to_string())),
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // A second handler (tests, embedding) is not an error: we just keep the default.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }
    let json = args.scan.format != ScanFormat::Text;
    let mode = source.mode();
    let started = jiff::Timestamp::now();
    let mut metrics = Metrics::new(metric_paths, started);
    // The first write, before the first line, says at once whether the file can be written (a
    // missing directory is an error now, not something to find out in an hour), and a reader
    // of the first line finds the file there.
    metrics.write(mode, &source.stats(), false, started)?;
    print(&lines::start(
        json,
        &started,
        mode,
        source.fallback_reason.as_deref(),
        &source.degraded,
        scanner.rules.rules.len(),
    ))?;
    let host = crate::model::Host::default();
    // Scans are judged over a window of events, not one event (bounded per key).
    let mut windows =
        crate::rules::kinds::port_scan::window::ScanWindows::for_rules(&scanner.rules);
    let mut memory = State::default();
    let mut worst_failed = false;
    let mut dropped_said = 0;
    let mut seen_events: u64 = 0;
    let mut aggregate = lines::Aggregator::default();
    while !stop.load(Ordering::SeqCst) {
        let batch = source.next_batch(WAIT);
        let now = jiff::Timestamp::now();
        let mut out = String::new();
        // Drops first: the lost events came before the ones read now, and the lines of this
        // batch are already aggregated when the reader is behind.
        let stats = source.stats();
        if stats.dropped > dropped_said {
            dropped_said = stats.dropped;
            out.push_str(&lines::drops(json, &now, mode, &stats));
            aggregate.on_drops(now);
        }
        let mut findings = Vec::new();
        let mut evaluated = 0;
        for event in &batch {
            metrics.by_kind.add(event.event);
            if aggregate.active() {
                aggregate.add(event);
            } else {
                out.push_str(&if json {
                    lines::event_json(event)
                } else {
                    lines::event_text(event)
                });
            }
            if event.is_evaluated() {
                evaluated += 1;
                findings.extend(evaluate(&scanner, &host, event)?);
            }
            if let Some(snapshot) = windows.as_mut().and_then(|w| w.observe(&host, event)) {
                findings.extend(scanner.evaluate(snapshot)?.1.findings);
            }
        }
        out.push_str(&aggregate.flush(json, now));
        source.count_evaluated(evaluated);
        seen_events += batch.len() as u64;
        let report = dedupe(args, &mut memory, &findings, now, &scanner)?;
        let bar = args.scan.fail_on.threshold();
        worst_failed |= bar.is_some_and(|b| report.iter().any(|f| f.severity >= b));
        for f in &report {
            *metrics.new_findings.entry(f.severity).or_default() += 1;
            out.push_str(&finding_line(json, &now, f));
        }
        print(&out)?;
        if metrics.due(now) {
            // A later failure (a full disk) is said but does not end the stream.
            if let Err(err) = metrics.write(mode, &source.stats(), aggregate.active(), now) {
                tracing::warn!("{err}; the stream goes on");
            }
        }
        super::pipeline::maybe_notify(args.scan.notify, &scanner.rules, &report, None);
        if args.count.is_some_and(|n| seen_events >= n) {
            break;
        }
    }
    let end = jiff::Timestamp::now();
    let stats = source.stats();
    // What is still being aggregated is printed before the summary, never dropped.
    let mut tail = aggregate.flush_all(json, end);
    tail.push_str(&lines::summary(json, &end, mode, &stats));
    print(&tail)?;
    metrics.write(mode, &stats, false, end)?;
    Ok(if worst_failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// How often the Prometheus file is rewritten while the stream runs.
const METRICS_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(1);

/// The `--write prometheus=FILE` files of `watch --events` and the counts they show.
struct Metrics {
    paths: Vec<std::path::PathBuf>,
    by_kind: crate::model::event::KindCounts,
    new_findings: std::collections::BTreeMap<crate::model::finding::Severity, u64>,
    started: jiff::Timestamp,
    written: Option<jiff::Timestamp>,
}

impl Metrics {
    fn new(paths: Vec<std::path::PathBuf>, started: jiff::Timestamp) -> Metrics {
        Metrics {
            paths,
            by_kind: Default::default(),
            new_findings: Default::default(),
            started,
            written: None,
        }
    }

    fn due(&self, now: jiff::Timestamp) -> bool {
        !self.paths.is_empty()
            && self
                .written
                .is_none_or(|at| now.duration_since(at) >= METRICS_EVERY)
    }

    /// Rewrites every file atomically (temp file + rename: the textfile collector never reads
    /// half a file).
    fn write(
        &mut self,
        mode: crate::model::event::EventMode,
        stats: &crate::model::event::StreamStats,
        aggregating: bool,
        now: jiff::Timestamp,
    ) -> Result<(), AppError> {
        if self.paths.is_empty() {
            return Ok(());
        }
        self.written = Some(now);
        let text = crate::report::prometheus::events(&crate::report::prometheus::EventsMetrics {
            mode,
            stats,
            by_kind: &self.by_kind,
            new_findings: &self.new_findings,
            aggregating,
            started: self.started,
            now,
        });
        for path in &self.paths {
            write_atomic(path, text.as_bytes(), NewFileMode::Public)?;
        }
        Ok(())
    }
}

/// The files of `--write prometheus=FILE`; any other format is refused: a stream has no
/// report of one scan to write, and silently ignoring the flag would leave a stale file.
fn metric_paths(args: &WatchArgs) -> Result<Vec<std::path::PathBuf>, AppError> {
    args.scan
        .write
        .iter()
        .map(|(format, path)| match format {
            ScanFormat::Prometheus => Ok(path.clone()),
            other => Err(AppError::Usage(format!(
                "watch --events writes only --write prometheus=FILE (the stream's counters), not {}",
                other.name()
            ))),
        })
        .collect()
}

/// The findings of one event: its one-socket snapshot through the engine.
fn evaluate(
    scanner: &Scanner,
    host: &crate::model::Host,
    event: &SocketEvent,
) -> Result<Vec<Finding>, AppError> {
    let Some(snapshot) = event.to_snapshot(host) else {
        return Ok(Vec::new());
    };
    let (_, eval) = scanner.evaluate(snapshot)?;
    Ok(eval.findings)
}

/// The findings not reported yet, recorded in `--state` (locked only for this batch) or in
/// memory.
fn dedupe(
    args: &WatchArgs,
    memory: &mut State,
    findings: &[Finding],
    now: jiff::Timestamp,
    scanner: &Scanner,
) -> Result<Vec<Finding>, AppError> {
    if findings.is_empty() {
        return Ok(Vec::new());
    }
    match &args.scan.state {
        Some(arg) => {
            let file = StateFile::open(&state_path(arg))?;
            for w in &file.warnings {
                scanner.notices.warn(w);
            }
            let mut next = file.state.clone();
            let report = next.record_new(findings, now, args.scan.renotify);
            file.save(&next)?;
            Ok(report)
        }
        None => Ok(memory.record_new(findings, now, args.scan.renotify)),
    }
}

fn finding_line(json: bool, now: &jiff::Timestamp, f: &Finding) -> String {
    let stamp = now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ");
    if json {
        let mut line = serde_json::json!({
            "time": stamp.to_string(),
            "event": "new",
            "finding": serde_json::to_value(f).unwrap_or_default(),
        })
        .to_string();
        line.push('\n');
        line
    } else {
        format!(
            "{stamp} + {:<8} {}  {}\n",
            f.severity.as_str(),
            f.rule,
            for_display(&f.message, MESSAGE_MAX_CHARS)
        )
    }
}
