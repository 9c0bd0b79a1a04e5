//! `sockaudit snapshot`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::capture::CaptureArgs;
use super::scan::{DeepArgs, NamespaceArgs};
use super::values::parse_sample;

/// Arguments of `snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Read this file instead of the live system: re-check a snapshot, or convert a
    /// netstat/ss/lsof/TCPView capture to snapshot JSON.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// How to read an --input capture.
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Treat unreadable lines of an --input capture as errors (exit 2).
    #[arg(long, requires = "input")]
    pub strict: bool,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Network namespaces to read.
    #[command(flatten)]
    pub namespaces: NamespaceArgs,
    /// The hidden-socket check, recorded in the snapshot for a later `scan --input`.
    #[command(flatten)]
    pub deep: DeepArgs,
    /// Also record this machine's routing and neighbour tables (Linux), so a baseline can be
    /// created or checked from the snapshot elsewhere (docs/routes.md).
    #[arg(long, conflicts_with = "input")]
    pub routes: bool,
    /// Also record the kernel counters twice, DURATION apart (Linux, Windows), so counter rules can
    /// check the snapshot elsewhere (docs/counters.md); 100ms to 1 hour.
    #[arg(long, value_name = "DURATION", value_parser = parse_sample, conflicts_with = "input")]
    pub sample: Option<Duration>,
}
