//! How a command ends: its exit status, or the error that stops it (exit status 2).

use crate::collect::CollectError;
use crate::collect::import::routes::RouteImportError;
use crate::collect::live::routes::LiveError;

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
    /// No event source could be opened (`watch --events`).
    #[error("watch --events: {0}")]
    Events(String),
}

/// Why `routes` could not produce its tables.
#[derive(Debug, thiserror::Error)]
pub enum RoutesError {
    /// Reading this machine's tables failed (or is unsupported here).
    #[error(transparent)]
    Live(#[from] LiveError),
    /// An `--input` capture could not be imported.
    #[error(transparent)]
    Import(#[from] RouteImportError),
}
