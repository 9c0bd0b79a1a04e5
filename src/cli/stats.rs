//! `sockaudit stats`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::values::{parse_count, parse_interval};

/// Output formats of `stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// Aligned tables for a person.
    Text,
    /// JSON (docs/json.md); one compact document per line with --interval.
    Json,
}

/// Arguments of `stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Every counter the kernel reports (text), not only the key ones.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    pub format: StatsFormat,
    /// Show per-second rates every interval (seconds, or 500ms, 5s, 1m; 100ms to 7 days),
    /// like `netstat -s` run twice and subtracted.
    #[arg(long, value_name = "SECS", value_parser = parse_interval, conflicts_with = "input")]
    pub interval: Option<Duration>,
    /// Stop after N intervals, N >= 1 (with --interval; default: until interrupted).
    #[arg(long, value_name = "N", value_parser = parse_count, requires = "interval")]
    pub count: Option<u64>,
    /// Read a saved copy of /proc/net (a directory with snmp, netstat, snmp6, dev and optional
    /// boot_id and taken_at files) instead of this machine. Repeatable: rates between
    /// consecutive copies.
    #[arg(long, value_name = "DIR")]
    pub input: Vec<PathBuf>,
}
