//! What every command shares around collection: the input `--input` names (or the live
//! system), collecting with one stderr line on what could not be seen, repeating a round
//! every interval, and printing to stdout.

use std::path::Path;

use super::error::AppError;
use super::notices::Notices;
use crate::collect::{Input, LiveOptions};
use crate::model::Snapshot;

/// The input for `--input FILE` (a snapshot, or a capture in a detected format), or the live
/// system.
pub(super) fn input_for(path: Option<&Path>, live: LiveOptions) -> Input {
    input_with(path, crate::collect::ImportOptions::default(), live)
}

/// The input for `--input FILE` read with the capture options (`--input-format`, `--encoding`,
/// `--strict`, `--all-blocks`, `--processes`), or the live system.
pub(super) fn input_with(
    path: Option<&Path>,
    options: crate::collect::ImportOptions,
    live: LiveOptions,
) -> Input {
    match path {
        Some(path) => Input::File(path.to_path_buf(), options),
        None => Input::Live(live),
    }
}

/// Collects, then says on stderr what could not be seen, once per run (`notices`).
pub(super) fn collect(input: &Input, notices: &Notices) -> Result<Snapshot, AppError> {
    let snapshot = crate::collect::collect(input)?;
    report_collected(input, &snapshot, notices);
    Ok(snapshot)
}

/// Every snapshot of the input, streamed: each listing of a capture with `--all-blocks`.
pub(super) fn collect_each(
    input: &Input,
    notices: &Notices,
    each: &mut dyn FnMut(Snapshot) -> Result<(), AppError>,
) -> Result<(), AppError> {
    crate::collect::for_each_block(input, &mut |snapshot: Snapshot| {
        report_collected(input, &snapshot, notices);
        each(snapshot)
    })
}

fn report_collected(input: &Input, snapshot: &Snapshot, notices: &Notices) {
    tracing::info!(
        "{} sockets, {} owning processes, from {}",
        snapshot.sockets.len(),
        snapshot.processes.len(),
        crate::collect::label(input, snapshot)
    );
    if matches!(input, Input::Live(_)) {
        warn_coverage(snapshot, notices);
    } else {
        // Imported captures: what the capture could not show, once, on stderr (the JSON
        // output carries it in `coverage`).
        for note in &snapshot.coverage.notes {
            let line = format!("{}: {note}", snapshot.source);
            if notices.first(&line) {
                tracing::info!("{line}");
            }
        }
    }
}

/// What a live collection could not see, on stderr: one line per run, so a cron mail or a
/// terminal is not flooded (the JSON `coverage` of each round has the details and numbers).
fn warn_coverage(snapshot: &Snapshot, notices: &Notices) {
    let coverage = &snapshot.coverage;
    let own_namespace_only = coverage
        .notes
        .iter()
        .any(|n| n == crate::collect::live::NOT_ROOT_NAMESPACES);
    if coverage.privileged == Some(false) && coverage.unattributed.permission > 0 {
        if !notices.first("coverage: not root") {
            return;
        }
        let namespaces = if own_namespace_only {
            ", and only this network namespace was read (sockets of containers and other namespaces are not visible)"
        } else {
            ""
        };
        tracing::warn!(
            "{} of {} sockets could not be attributed to a process: their owners' /proc/PID/fd is not readable by this user{namespaces}; run as root for full attribution",
            coverage.unattributed.permission,
            coverage.sockets
        );
    } else if own_namespace_only {
        notices.warn(crate::collect::live::NOT_ROOT_NAMESPACES);
    } else if coverage.unattributed.permission > 0 {
        if !notices.first("coverage: unreadable fd tables") {
            return;
        }
        // The fd tables are listed and readable-or-not for a known reason; the hidden-process
        // check says whether some owner is not there at all.
        let check = match &coverage.hidden_process_check {
            Some(c) if c.hidden == 0 => format!(
                "; no owner is hidden ({} agree with the /proc listing)",
                c.views.join(", ")
            ),
            _ => String::new(),
        };
        tracing::warn!(
            "{} socket(s) could not be attributed: the fd table of {} process(es) is not readable even as root (a security module, or a sandbox or container init); they are counted as coverage gaps{check}",
            coverage.unattributed.permission,
            coverage.unreadable_processes
        );
    } else if coverage.privileged == Some(false) && coverage.unreadable_processes > 0 {
        // Windows and macOS: every socket has its PID, but another user's or a service's
        // executable and command line need an elevated token.
        if !notices.first("coverage: not elevated") {
            return;
        }
        tracing::warn!(
            "{} owning process(es) could not be read by this user (services and other users' programs): their executable paths and command lines are missing, so rules on executables could not check them; run elevated (Run as administrator, or a Task Scheduler job with highest privileges) for full coverage",
            coverage.unreadable_processes
        );
    }
}

/// Runs `round` once; with `interval`, again every interval until `count` rounds (default:
/// until interrupted), like `netstat -on 5` (`list --interval`, `stats --interval`).
pub(super) fn repeat(
    interval: Option<std::time::Duration>,
    count: Option<u64>,
    mut round: impl FnMut() -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut rounds: u64 = 0;
    loop {
        round()?;
        rounds += 1;
        let Some(interval) = interval else {
            return Ok(());
        };
        if count.is_some_and(|n| rounds >= n) {
            return Ok(());
        }
        std::thread::sleep(interval);
    }
}

pub(super) fn print(text: &str) -> Result<(), AppError> {
    crate::report::write_stdout(text.as_bytes()).map_err(AppError::Stdout)
}
