//! `sockaudit routes`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::capture::parse_encoding;

/// Output formats of `routes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoutesFormat {
    /// Aligned tables for a person.
    Text,
    /// JSON (docs/routes.md).
    Json,
}

/// Arguments of `routes`.
#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// Also show the neighbour (ARP/NDP) table.
    #[arg(long, alias = "neighbors")]
    pub neighbours: bool,
    /// Read a capture instead of this machine: Windows `route print`, `netstat -rn` (Linux or
    /// FreeBSD), `ip route`, `ip neigh`, `arp -a`, or snapshot JSON with routes. Repeatable (routes from
    /// one file, neighbours from another).
    #[arg(long, value_name = "FILE")]
    pub input: Vec<PathBuf>,
    /// Text encoding of --input (default: byte-order mark, else UTF-8 when valid, else
    /// guessed among the legacy code pages).
    #[arg(long, value_name = "NAME", value_parser = parse_encoding, requires = "input")]
    pub encoding: Option<crate::collect::import::text::TextEncoding>,
    /// Treat unreadable rows of an --input capture as errors (exit 2, naming file:line).
    #[arg(long, requires = "input")]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RoutesFormat::Text)]
    pub format: RoutesFormat,
}
