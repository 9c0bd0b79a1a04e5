//! `sockaudit top`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::capture::CaptureArgs;
use super::scan::{NamespaceArgs, RuleArgs};
use super::values::{parse_count, parse_interval};

/// Arguments of `top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Time between refreshes (seconds, or 500ms, 5s, 1m; 100ms to 7 days).
    #[arg(long, value_name = "SECS", value_parser = parse_interval, default_value = "1s")]
    pub interval: Duration,
    /// Rule sources for the Finding column.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// GeoIP database (Country, City or ASN .mmdb) for the peers' country and AS. Repeatable.
    /// Default: the geoip table in rule files, else /usr/share/GeoIP and /var/lib/GeoIP
    /// (Windows: %ProgramData%\sockaudit\GeoIP).
    #[arg(long = "geoip", value_name = "FILE")]
    pub geoip: Vec<PathBuf>,
    /// Network namespaces to read.
    #[command(flatten)]
    pub namespaces: NamespaceArgs,
    /// Show a saved snapshot or a netstat/ss/lsof/TCPView capture, read-only (no refresh;
    /// with --all-blocks, each listing of a repeated capture is one refresh).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// How to read an --input capture.
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Start sorted by this column: process, pid, proto, local, remote, state, sent, recv,
    /// tx, rx, finding, netns.
    #[arg(long, value_name = "COLUMN", value_parser = parse_column)]
    pub sort: Option<crate::top::columns::Column>,
    /// Start with this filter (as typed after `/`).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Start showing listeners only.
    #[arg(short = 'l', long = "listening")]
    pub listening: bool,
    /// Start showing only rows with findings.
    #[arg(long)]
    pub findings: bool,
    /// Start grouped by process.
    #[arg(long)]
    pub group: bool,
    /// Print each refresh as plain text on stdout instead of drawing on the terminal, like
    /// `top -b`.
    #[arg(long)]
    pub batch: bool,
    /// With --batch: stop after N refreshes, N >= 1 (default 1).
    #[arg(long, value_name = "N", value_parser = parse_count, requires = "batch")]
    pub count: Option<u64>,
    /// With --batch: the screen to render, WIDTHxHEIGHT.
    #[arg(long, value_name = "WxH", value_parser = parse_screen, default_value = "80x24", requires = "batch")]
    pub size: (u16, u16),
}

fn parse_column(text: &str) -> Result<crate::top::columns::Column, String> {
    crate::top::columns::Column::parse(text).ok_or_else(|| {
        format!(
            "unknown column `{text}`; use process, pid, proto, local, remote, state, sent, recv, tx, rx, finding or netns"
        )
    })
}

/// `80x24`: at least the smallest screen `top` draws in, at most 1000x1000.
fn parse_screen(text: &str) -> Result<(u16, u16), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT (e.g. 80x24)"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<u16>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
    };
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!(
            "`{text}` is not WIDTHxHEIGHT with sizes 1-1000 (e.g. 80x24)"
        )),
    }
}
