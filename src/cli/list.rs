//! `sockaudit list`: netstat-style filters and formats.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::capture::CaptureArgs;
use super::scan::NamespaceArgs;
use super::values::{parse_count, parse_interval};

/// Output formats of `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned table for a person.
    Text,
    /// Snapshot JSON (docs/json.md); one compact document per line with --interval.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// Arguments of `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// TCP sockets.
    #[arg(short = 't', long = "tcp")]
    pub tcp: bool,
    /// UDP sockets.
    #[arg(short = 'u', long = "udp")]
    pub udp: bool,
    /// Raw IP sockets (like `ss -w`): protocol, interface, owner. Alone, only those; with
    /// -t/-u, beside them.
    #[arg(short = 'w', long = "raw")]
    pub raw: bool,
    /// Packet sockets (`AF_PACKET`, like `ss -0`): ethertype, interface, owner. Alone, only
    /// those; with -t/-u, beside them.
    #[arg(short = '0', long = "packet")]
    pub packet: bool,
    /// Listening sockets only (TCP LISTEN and unconnected UDP).
    #[arg(short = 'l', long = "listening")]
    pub listening: bool,
    /// IPv4 only.
    #[arg(short = '4', long = "ipv4")]
    pub ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Accepted for netstat habit; all sockets are shown anyway.
    #[arg(short = 'a', long = "all", hide = true)]
    pub all: bool,
    /// Accepted for netstat habit; output is numeric unless --resolve.
    #[arg(short = 'n', long = "numeric", hide = true)]
    pub numeric: bool,
    /// Accepted for netstat habit; the PID/Program column is always shown.
    #[arg(short = 'p', long = "programs", hide = true)]
    pub programs: bool,
    /// Extended, like `netstat -e`: add the Inode column to the table (User is always shown;
    /// CSV and JSON always carry uid and inode). Sockets without one (Windows, most captures,
    /// TIME_WAIT) show `-`.
    #[arg(short = 'e', long = "extended")]
    pub extended: bool,
    /// Accepted for netstat habit (`netstat -tunpo`, Windows `netstat -ano`): the owning PID
    /// is always shown; netstat's Linux timer column is not (sockaudit does not collect TCP
    /// timers).
    #[arg(short = 'o')]
    pub timers: bool,
    /// Only sockets in this TCP state (LISTEN, ESTABLISHED, SYN_RECV, TIME_WAIT...). Repeatable.
    #[arg(long = "state", value_name = "STATE", value_parser = parse_state)]
    pub states: Vec<crate::model::TcpState>,
    /// Only sockets with this local or remote port. Repeatable.
    #[arg(long = "port", value_name = "N")]
    pub ports: Vec<u16>,
    /// Only sockets owned by this PID. Repeatable.
    #[arg(long = "pid", value_name = "N")]
    pub pids: Vec<u32>,
    /// Only sockets whose process name or exe file name is NAME (case-insensitive).
    #[arg(long = "process", value_name = "NAME")]
    pub process: Option<String>,
    /// Read a saved snapshot or a netstat/ss/lsof/TCPView capture instead of this machine.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// How to read an --input capture.
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Treat unreadable lines of an --input capture as errors (exit 2).
    #[arg(long, requires = "input")]
    pub strict: bool,
    /// Network namespaces to read.
    #[command(flatten)]
    pub namespaces: NamespaceArgs,
    /// Only sockets in network namespaces whose label matches (`host`, an `ip netns` name,
    /// `docker:*`...; globs). Repeatable.
    #[arg(long = "netns", value_name = "LABEL")]
    pub netns: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Show service names from /etc/services (Windows: its copy in
    /// %SystemRoot%\System32\drivers\etc) instead of port numbers (never DNS).
    #[arg(long)]
    pub resolve: bool,
    /// Add the peer's country and AS (needs a GeoIP database: --geoip or the standard places).
    #[arg(long)]
    pub geo: bool,
    /// GeoIP database for --geo (Country, City or ASN .mmdb). Repeatable.
    #[arg(long = "geoip", value_name = "FILE", requires = "geo")]
    pub geoip: Vec<PathBuf>,
    /// Add each connection's traffic: bytes sent (acknowledged) and received, round-trip time
    /// and retransmissions (Linux TCP, from the kernel's tcp_info; TCPView captures: their
    /// byte columns). JSON: the `traffic` object of each socket.
    #[arg(long)]
    pub wide: bool,
    /// Repeat every interval (seconds, or 500ms, 5s, 1m; 100ms to 7 days), like
    /// `netstat -on 5`.
    #[arg(long, value_name = "SECS", value_parser = parse_interval)]
    pub interval: Option<Duration>,
    /// Stop after N listings, N >= 1 (with --interval; default: until interrupted).
    #[arg(long, value_name = "N", value_parser = parse_count, requires = "interval")]
    pub count: Option<u64>,
}

fn parse_state(text: &str) -> Result<crate::model::TcpState, String> {
    crate::model::TcpState::parse(text).ok_or_else(|| {
        let names: Vec<&str> = crate::model::TcpState::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        format!(
            "unknown TCP state `{text}`; expected one of {}",
            names.join(", ")
        )
    })
}
