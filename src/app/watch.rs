//! `sockaudit watch`: scan every interval, print only what appeared and what went away.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::{AppError, ExitStatus};
use super::inputs::print;
use super::pipeline::{Scanner, state_path};
use crate::cli::{ScanFormat, WatchArgs};
use crate::files::state::{State, StateFile};
use crate::text::escape::{MESSAGE_MAX_CHARS, for_display};

/// The polling watch: a scan every interval (also what `--events` falls back to where there
/// is no event source).
pub(super) fn run(args: &WatchArgs, quiet: bool) -> Result<ExitStatus, AppError> {
    // Long-running: databases are copied into memory, so rewriting one in place cannot crash
    // us, and reloaded when they change (super::reload).
    crate::enrich::geoip::never_map();
    let mut scanner = Scanner::new(&args.scan)?;
    // Each scan's counters are the next one's previous sample (kept in memory, or in --state).
    if crate::rules::kinds::counter::needed(&scanner.rules)
        && matches!(scanner.input, crate::collect::Input::Live(_))
    {
        scanner.counters.read = true;
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // A second handler (tests, embedding) is not an error: we just keep the default.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }
    say_start(args, &scanner, quiet)?;
    let mut memory = State::default();
    let mut scans: u64 = 0;
    let mut worst_failed = false;
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        if scans > 0 {
            super::reload::refresh(&mut scanner, &args.scan);
        }
        // The state is read (and locked) before the scan: counter rules compare with its
        // samples.
        let file = match &args.scan.state {
            Some(arg) => Some(StateFile::open(&state_path(arg))?),
            None => None,
        };
        let previous = file
            .as_ref()
            .map_or(&memory.counters, |f| &f.state.counters);
        let (snapshot, eval) = scanner.scan(previous)?;
        let now = jiff::Timestamp::now();
        // The state file stays locked, and is saved only after the events are printed: an
        // event that could not be printed must not be recorded as reported.
        let mut pending = None;
        let delta = match file {
            Some(file) => {
                for w in &file.warnings {
                    scanner.notices.warn(w);
                }
                let (delta, mut next) = file.state.advance(&eval.findings, now, args.scan.renotify);
                next.counters = super::counters::latest(&snapshot);
                pending = Some((file, next));
                delta
            }
            None => {
                let (delta, mut next) = memory.advance(&eval.findings, now, args.scan.renotify);
                next.counters = super::counters::latest(&snapshot);
                memory = next;
                delta
            }
        };
        let bar = args.scan.fail_on.threshold();
        worst_failed |= bar.is_some_and(|b| delta.report.iter().any(|f| f.severity >= b));
        let stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut out = String::new();
        // Events are lines: text for a person, otherwise one JSON object per event.
        let text = args.scan.format == ScanFormat::Text;
        for f in &delta.report {
            out.push_str(&if text {
                format!(
                    "{stamp} + {:<8} {}  {}\n",
                    f.severity.as_str(),
                    f.rule,
                    for_display(&f.message, MESSAGE_MAX_CHARS)
                )
            } else {
                event_json(&stamp, "new", &serde_json::to_value(f).unwrap_or_default())
            });
        }
        for r in &delta.resolved {
            out.push_str(&if text {
                format!(
                    "{stamp} - resolved {}  {}\n",
                    r.rule,
                    for_display(&r.message, MESSAGE_MAX_CHARS)
                )
            } else {
                event_json(
                    &stamp,
                    "resolved",
                    &serde_json::to_value(r).unwrap_or_default(),
                )
            });
        }
        print(&out)?;
        if let Some((file, next)) = pending {
            file.save(&next)?;
        }
        super::pipeline::maybe_notify(
            args.scan.notify,
            &scanner.rules,
            &delta.report,
            snapshot.host.hostname.as_deref(),
        );
        scans += 1;
        if args.count.is_some_and(|n| scans >= n) {
            break;
        }
        // Sleep in short steps so Ctrl-C and SIGTERM end the wait promptly.
        let deadline = started + args.interval;
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(
                Duration::from_millis(50).min(deadline.saturating_duration_since(Instant::now())),
            );
        }
    }
    Ok(if worst_failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// What is watched, how often and what will be printed: the first line of a text watch (an
/// event log, timestamped like its events), on stderr for JSON (stdout holds only events).
fn say_start(args: &WatchArgs, scanner: &Scanner, quiet: bool) -> Result<(), AppError> {
    let what = format!(
        "watching {} with {} rule(s), {}",
        super::start::source_text(&scanner.input),
        scanner.rules.rules.len(),
        super::start::every_text(args.interval, args.count)
    );
    if args.scan.format == ScanFormat::Text {
        let stamp = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ");
        print(&format!(
            "{stamp} = {what}; `+` lines are new findings, `-` lines resolved ones\n"
        ))
    } else {
        super::start::to_stderr(
            quiet,
            &format!(
                "sockaudit watch: {what}; one JSON line per new or resolved finding on stdout"
            ),
        );
        Ok(())
    }
}

/// One JSON Lines event: `{"time", "event", "finding"}`.
fn event_json(time: &str, event: &str, finding: &serde_json::Value) -> String {
    let mut line =
        serde_json::json!({ "time": time, "event": event, "finding": finding }).to_string();
    line.push('\n');
    line
}
