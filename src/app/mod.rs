//! The commands: glue between collectors, the engine and reporters. No I/O of its own beyond
//! choosing inputs and outputs.

mod baseline;
mod counters;
mod list;
mod ops;
mod reload;
mod routes;
mod rules;
mod scan;
mod scan_blocks;
mod snapshot;
mod stats;
mod top;
mod watch;

use std::path::Path;

use crate::cli::{Cli, Command};
use crate::collect::{CollectError, Input, LiveOptions};
use crate::model::Snapshot;
use routes::RoutesError;

/// How a run ended; `main` maps it to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the failure bar.
    Clean = 0,
    /// Findings at or above `--fail-on`.
    Findings = 1,
}

/// Everything that stops a command; all map to exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Reading the socket table or an input file failed.
    #[error(transparent)]
    Collect(#[from] CollectError),
    /// Writing an output file failed.
    #[error(transparent)]
    Write(#[from] crate::files::atomic::WriteError),
    /// Writing to stdout failed.
    #[error("cannot write to stdout: {0}")]
    Stdout(std::io::Error),
    /// Serialising output failed.
    #[error("cannot render output: {0}")]
    Render(String),
    /// Rule files have problems (already printed with locations).
    #[error(transparent)]
    Rules(crate::rules::load::RuleErrors),
    /// GeoIP databases or feeds could not be opened.
    #[error(transparent)]
    Enrich(#[from] crate::enrich::EnrichError),
    /// The state file could not be locked or written.
    #[error(transparent)]
    State(#[from] crate::files::state::StateError),
    /// The routing table could not be read live, or a route capture could not be imported.
    #[error(transparent)]
    Routes(#[from] RoutesError),
    /// Kernel counters could not be read (`stats`).
    #[error(transparent)]
    Counters(#[from] crate::collect::live::counters::CounterError),
    /// A command-line value is wrong in a way clap cannot check.
    #[error("{0}")]
    Usage(String),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus, AppError> {
    let color = crate::report::style::use_color(cli.global.color);
    crate::files::trust::set_insecure(cli.global.insecure_config);
    match cli.command {
        Command::List(args) => list::run(&args, color),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Scan(args) => scan::run(&args, color),
        Command::Rules(command) => rules::run(&command),
        Command::Baseline(command) => baseline::run(&command, color),
        Command::Watch(args) => watch::run(&args),
        Command::Top(args) => top::run(&args, color),
        Command::Routes(args) => routes::run(&args, color),
        Command::Stats(args) => stats::run(&args, color),
        Command::Completions(args) => ops::completions(&args),
        Command::Man(args) => ops::man(&args),
    }
}

/// Loads rules in the standard order; on problems prints every diagnostic to stderr.
fn load_rules(args: &crate::cli::RuleArgs) -> Result<crate::rules::RuleSet, AppError> {
    let mut paths = args.rules.clone();
    paths.extend(args.baseline.iter().cloned());
    let sources = crate::rules::RuleSources::standard(args.no_default_rules, paths);
    let set = crate::rules::load(&sources).map_err(AppError::Rules)?;
    tracing::info!("{} rules from {}", set.rules.len(), set.files.join(", "));
    Ok(set)
}

/// The input for `--input FILE` (a snapshot, or a capture in a detected format), or the live
/// system.
fn input_for(path: Option<&Path>, live: LiveOptions) -> Input {
    input_with(path, crate::collect::ImportOptions::default(), live)
}

/// The input for `--input FILE` read with the capture options (`--input-format`, `--encoding`,
/// `--strict`, `--all-blocks`, `--processes`), or the live system.
fn input_with(
    path: Option<&Path>,
    options: crate::collect::ImportOptions,
    live: LiveOptions,
) -> Input {
    match path {
        Some(path) => Input::File(path.to_path_buf(), options),
        None => Input::Live(live),
    }
}

/// Collects, then says once on stderr what could not be seen.
fn collect(input: &Input) -> Result<Snapshot, AppError> {
    let snapshot = crate::collect::collect(input)?;
    report_collected(input, &snapshot);
    Ok(snapshot)
}

/// Every snapshot of the input, streamed: each listing of a capture with `--all-blocks`.
fn collect_each(
    input: &Input,
    each: &mut dyn FnMut(Snapshot) -> Result<(), AppError>,
) -> Result<(), AppError> {
    crate::collect::for_each_block(input, &mut |snapshot: Snapshot| {
        report_collected(input, &snapshot);
        each(snapshot)
    })
}

fn report_collected(input: &Input, snapshot: &Snapshot) {
    tracing::info!(
        "{} sockets, {} owning processes, from {}",
        snapshot.sockets.len(),
        snapshot.processes.len(),
        crate::collect::label(input, snapshot)
    );
    if matches!(input, Input::Live(_)) {
        warn_coverage(snapshot);
    } else {
        // Imported captures: what the capture could not show, once, on stderr (the JSON
        // output carries it in `coverage`).
        for note in &snapshot.coverage.notes {
            tracing::info!("{}: {note}", snapshot.source);
        }
    }
}

/// What a live collection could not see, on stderr: one line, so a cron mail or a terminal
/// is not flooded (the JSON `coverage` has the details).
fn warn_coverage(snapshot: &Snapshot) {
    let coverage = &snapshot.coverage;
    let own_namespace_only = coverage
        .notes
        .iter()
        .any(|n| n == crate::collect::live::NOT_ROOT_NAMESPACES);
    if coverage.privileged == Some(false) && coverage.unattributed.permission > 0 {
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
        tracing::warn!("{}", crate::collect::live::NOT_ROOT_NAMESPACES);
    } else if coverage.unattributed.permission > 0 {
        tracing::warn!(
            "{} socket(s) could not be attributed: the fd table of {} process(es) is not readable even as root (a security module, or a sandbox or container init); they are counted as coverage gaps",
            coverage.unattributed.permission,
            coverage.unreadable_processes
        );
    }
}

/// Runs `round` once; with `interval`, again every interval until `count` rounds (default:
/// until interrupted), like `netstat -on 5` (`list --interval`, `stats --interval`).
fn repeat(
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

fn print(text: &str) -> Result<(), AppError> {
    crate::report::write_stdout(text.as_bytes()).map_err(AppError::Stdout)
}
