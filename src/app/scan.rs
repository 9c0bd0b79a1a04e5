//! `sockaudit scan`: load rules (all valid, or nothing runs), collect, enrich, evaluate,
//! remember (`--state`), report.

use super::error::{AppError, ExitStatus};
use super::inputs::print;
use super::pipeline::{ReportInput, Scanner, maybe_notify, render, state_path};
use crate::cli::ScanArgs;
use crate::files::atomic::{NewFileMode, write_atomic};
use crate::files::state::StateFile;
use crate::report::scan::{StateNote, Summary};
use crate::report::style::Palette;
use crate::rules::engine::Warning;

pub(super) fn run(args: &ScanArgs, color: bool) -> Result<ExitStatus, AppError> {
    let scanner = Scanner::new(args)?;
    if args.capture.all_blocks {
        return super::scan_blocks::run(args, color, &scanner);
    }
    // With --state, only what changed is reported. The state is read before the scan (counter
    // rules compare with the previous run's samples), and its lock is held until the report is
    // out.
    let state_file = match &args.state {
        Some(arg) => {
            let path = state_path(arg);
            let file = StateFile::open(&path)?;
            Some((path, file))
        }
        None => None,
    };
    let no_previous = std::collections::BTreeMap::new();
    let previous = state_file
        .as_ref()
        .map_or(&no_previous, |(_, file)| &file.state.counters);
    let started = std::time::Instant::now();
    let (snapshot, mut eval) = scanner.scan(previous)?;
    let duration_seconds = started.elapsed().as_secs_f64();
    let all = eval.clone();
    let mut state_guard = None;
    let mut note = None;
    if let Some((path, file)) = state_file {
        for w in &file.warnings {
            tracing::warn!("{w}");
            eval.warnings.push(Warning {
                rule: None,
                message: w.clone(),
            });
        }
        let (delta, mut next) =
            file.state
                .advance(&eval.findings, jiff::Timestamp::now(), args.renotify);
        next.counters = super::counters::latest(&snapshot);
        eval.findings = delta.report;
        note = Some(StateNote {
            path: path.display().to_string(),
            resolved: delta.resolved,
            unchanged: delta.unchanged,
            renotified: delta.renotified,
        });
        // Saved only once every report is out: a report that cannot be written must not
        // leave its findings recorded as reported (they would never be reported again).
        state_guard = Some((file, next));
    }
    let summary = Summary::new(&snapshot, &eval, args.fail_on.threshold());
    let label = crate::collect::label(&scanner.input, &snapshot);
    let input = ReportInput {
        snapshot: &snapshot,
        eval: &eval,
        all: &all,
        summary: &summary,
        state: note.as_ref(),
        label: &label,
        rules: &scanner.rules,
        duration_seconds,
    };
    let text = render(
        args.format,
        &input,
        Palette::new(color && args.output.is_none()),
    )?;
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes(), NewFileMode::Public)?,
        None => print(&text)?,
    }
    for (format, path) in &args.write {
        let text = render(*format, &input, Palette::new(false))?;
        write_atomic(path, text.as_bytes(), NewFileMode::Public)?;
    }
    if let Some((file, next)) = &state_guard {
        file.save(next)?;
    }
    maybe_notify(
        args.notify,
        &scanner.rules,
        &eval.findings,
        snapshot.host.hostname.as_deref(),
    );
    drop(state_guard);
    Ok(if summary.failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
