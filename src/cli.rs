//! The command-line contract: every subcommand, flag and value users and tests rely on.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  sockaudit list -tlnp                 listening TCP sockets with their processes
  sockaudit list --state SYN_RECV      half-open connections (SYN flood check)
  sockaudit list --format json         the whole table as JSON (docs/json.md)
  sockaudit snapshot -o host.json      save the table to audit elsewhere
  sockaudit list --input host.json     read a saved snapshot instead of this machine
  sockaudit scan --input netstat.txt   audit a netstat/ss/lsof/TCPView capture (docs/import.md)
  sockaudit stats --interval 5         kernel counters per second, like netstat -s (docs/counters.md)

Exit status: 0 ok, 1 findings at or above --fail-on (scan), 2 usage, config or input error.
sockaudit only reads: it never kills processes or closes connections.";

/// Reads this machine's TCP/UDP socket table and reports what is wrong with it.
#[derive(Debug, Parser)]
#[command(name = "sockaudit", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Colour: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Use rule, baseline, feed, GeoIP and state files that others could write, with a warning.
    /// As root (or with capabilities) such files are refused by default (docs/security.md).
    #[arg(long, global = true)]
    pub insecure_config: bool,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the socket table, like `netstat -tunap` or TCPView.
    #[command(after_help = "\
Examples:
  sockaudit list -tlnp                 listening TCP sockets (-n and -p are the default anyway)
  sockaudit list -u -6                 IPv6 UDP sockets
  sockaudit list --port 22 --port 443  sockets on local or remote port 22 or 443
  sockaudit list --interval 5 --count 3   repeat three times, five seconds apart")]
    List(ListArgs),
    /// Check the socket table against the rules and report findings.
    #[command(after_help = "\
Examples:
  sockaudit scan                              default rule pack, text report
  sockaudit scan --format json -o scan.json   JSON report (docs/json.md), written atomically
  sockaudit scan --rules site.toml --fail-on medium
  sockaudit scan --input web1.json            scan a saved snapshot
  sockaudit scan --sample 1s                  also check kernel counters (SYN cookies, drops) over 1 s

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, rule or input error.")]
    Scan(ScanArgs),
    /// Write the socket table as snapshot JSON, to audit or compare elsewhere.
    Snapshot(SnapshotArgs),
    /// List, explain and check rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Record what is normal here, and check or update that record.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// A live table of every connection, like TCPView: process, addresses, state, bytes and
    /// rates, and the findings of the rules; new rows green, closed rows red.
    #[command(after_help = "\
Keys: arrows/PgUp/PgDn move, s/S sort by the next/previous column, r reverse, / filter
(process, PID, address, :port, state, finding), g group by process, l listeners only,
f findings only, Enter details (command line, exe, user, parent, findings with evidence),
p pause, ? help, q quit.

Examples:
  sockaudit top                             every second, until q
  sockaudit top --interval 5 --geoip GeoLite2-Country.mmdb --geoip GeoLite2-ASN.mmdb
  sockaudit top --input web1.json           a saved snapshot or capture, read-only
  sockaudit top --batch --count 3 --sort sent   three refreshes as plain text, like top -b

sockaudit top only reads: it never kills processes or closes connections (docs/top.md).")]
    Top(TopArgs),
    /// Scan repeatedly and print only new and resolved findings, like `netstat -on 5`.
    #[command(after_help = "\
Examples:
  sockaudit watch                         every 5 s until Ctrl-C
  sockaudit watch --interval 1m --baseline web1.baseline.toml
  sockaudit watch --count 3 --interval 1  three scans, one second apart")]
    Watch(WatchArgs),
    /// Show the IPv4 and IPv6 routing tables (and the ARP/NDP neighbours), like `ip route`,
    /// `netstat -rn` or `route print`; or read such a capture from another machine.
    #[command(after_help = "\
Examples:
  sockaudit routes                        every table of this machine (Linux)
  sockaudit routes --neighbours           plus the ARP/NDP table (gateway MAC addresses)
  sockaudit routes --format json          JSON (docs/routes.md)
  sockaudit routes --input route-print.txt --input arp-a.txt   a Windows capture

Exit status: 0 ok, 2 unsupported here, unreadable or unrecognised input.")]
    Routes(RoutesArgs),
    /// Show the kernel's network counters, like `netstat -s`, `netstat -e` and `ip -s link`:
    /// totals, or per-second rates with --interval.
    #[command(after_help = "\
Examples:
  sockaudit stats                         key TCP/UDP/IP counters and every interface
  sockaudit stats --all                   every counter the kernel reports
  sockaudit stats --interval 5            rates every 5 s until Ctrl-C (SYN cookies, drops...)
  sockaudit stats --interval 1 --count 10 --format json   ten JSON lines of 1-second rates
  sockaudit stats --input before/ --input after/   rates between two saved copies of /proc/net

Exit status: 0 ok, 2 unreadable or invalid input, or not Linux (docs/counters.md).")]
    Stats(StatsArgs),
    /// Print a shell completion script (bash, zsh or fish) to stdout.
    #[command(after_help = "\
Install (the Debian package already does):
  sockaudit completions bash > ~/.local/share/bash-completion/completions/sockaudit
  sockaudit completions zsh > ~/.zfunc/_sockaudit     (with fpath+=(~/.zfunc) before compinit)
  sockaudit completions fish > ~/.config/fish/completions/sockaudit.fish")]
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout, or write every page into a directory.
    #[command(after_help = "\
Examples:
  sockaudit man | man -l -          read the page without installing it
  sockaudit man rules check         the page of one command, sockaudit-rules-check(1)
  sockaudit man --dir man/          sockaudit.1 and one page per command")]
    Man(ManArgs),
}

/// `baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a reviewable TOML record of this host's listeners and socket-owning programs.
    Create {
        /// Write here (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Record a saved snapshot instead of this machine.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Compare this machine with a baseline: `+` new, `-` missing, `~` changed; exit 1 on drift.
    Check {
        /// The baseline file.
        file: PathBuf,
        /// Check a saved snapshot instead of this machine.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
        /// Exit 1 when drift at or above this severity exists.
        #[arg(long, value_enum, default_value_t = FailOn::Info, value_name = "LEVEL")]
        fail_on: FailOn,
    },
    /// Rewrite a baseline to the current state, keeping comments and hand edits on entries that
    /// still exist.
    Update {
        /// The baseline file (rewritten atomically).
        file: PathBuf,
        /// Take the current state from a saved snapshot.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
    },
}

/// Arguments of `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Everything `scan` takes.
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Time between scans (seconds, or 500ms, 5s, 1m).
    #[arg(long, value_name = "SECS", value_parser = parse_interval, default_value = "5s")]
    pub interval: Duration,
    /// Stop after N scans (default: until Ctrl-C or SIGTERM).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Findings grouped by severity, for a person.
    Text,
    /// The JSON report (docs/json.md).
    Json,
    /// One JSON object per finding (JSON Lines), for log shippers.
    Jsonl,
    /// Prometheus text exposition for node_exporter's textfile collector.
    Prometheus,
    /// JUnit XML for CI dashboards.
    Junit,
}

impl ScanFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ScanFormat::Text => "text",
            ScanFormat::Json => "json",
            ScanFormat::Jsonl => "jsonl",
            ScanFormat::Prometheus => "prometheus",
            ScanFormat::Junit => "junit",
        }
    }
}

/// `FORMAT=FILE` for `--write`.
fn parse_write(text: &str) -> Result<(ScanFormat, PathBuf), String> {
    let (format, file) = text.split_once('=').ok_or_else(|| {
        format!(
            "`{text}` is not FORMAT=FILE (e.g. prometheus=/var/lib/node_exporter/sockaudit.prom)"
        )
    })?;
    let format = <ScanFormat as ValueEnum>::from_str(format, true).map_err(|_| {
        format!("unknown format `{format}`; use text, json, jsonl, prometheus or junit")
    })?;
    if file.is_empty() {
        return Err(format!("`{text}` names no file"));
    }
    Ok((format, PathBuf::from(file)))
}

/// The lowest severity that makes `scan` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Info,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
    /// Never exit 1 because of findings.
    Never,
}

impl FailOn {
    /// The severity bar, `None` for `never`.
    pub fn threshold(self) -> Option<crate::model::finding::Severity> {
        use crate::model::finding::Severity;
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}

/// Where rules come from (shared by `scan` and `rules`).
#[derive(Debug, Args, Clone)]
pub struct RuleArgs {
    /// Extra rule file or directory of *.toml, loaded after the built-in pack,
    /// /etc/sockaudit/rules.d and ~/.config/sockaudit/rules.d. Repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rule pack.
    #[arg(long)]
    pub no_default_rules: bool,
    /// A baseline (`sockaudit baseline create`): report drift from it. It is loaded like a
    /// rule file, after the others.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// Which network namespaces a live collection reads (Linux).
#[derive(Debug, Args, Clone, Default)]
pub struct NamespaceArgs {
    /// Read every network namespace, containers' included (the default as root; needs
    /// CAP_SYS_ADMIN to enter them, else their /proc tables are read).
    #[arg(long, overrides_with = "no_all_namespaces")]
    pub all_namespaces: bool,
    /// Read only the network namespace sockaudit runs in, like `ss`.
    #[arg(long, overrides_with = "all_namespaces")]
    pub no_all_namespaces: bool,
}

impl NamespaceArgs {
    /// The collector's choice.
    pub fn choice(&self) -> crate::collect::Namespaces {
        use crate::collect::Namespaces;
        match (self.all_namespaces, self.no_all_namespaces) {
            (true, _) => Namespaces::All,
            (_, true) => Namespaces::Own,
            _ => Namespaces::Auto,
        }
    }
}

/// The hidden-socket cross-check (Linux; docs/deep.md).
#[derive(Debug, Args, Clone, Default)]
pub struct DeepArgs {
    /// Cross-check netlink (ss), /proc/net (netstat) and the sockets processes hold for
    /// hidden sockets, re-checking disagreements after a short pause. Needs root.
    #[arg(long, conflicts_with = "input")]
    pub deep: bool,
    /// With --deep: also bind() every TCP/UDP port on 0.0.0.0 and `[::]` and report ports in
    /// use that no table lists (unhide-tcp's method; a second or two; a service binding a port
    /// at that instant could fail).
    #[arg(long, requires = "deep")]
    pub probe_ports: bool,
}

/// Arguments of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Rule sources.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Network namespaces to read.
    #[command(flatten)]
    pub namespaces: NamespaceArgs,
    /// The hidden-socket check.
    #[command(flatten)]
    pub deep: DeepArgs,
    /// Scan a saved snapshot or a netstat/ss/lsof/TCPView capture instead of this machine.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// How to read an --input capture.
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Write the report here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::High, value_name = "LEVEL")]
    pub fail_on: FailOn,
    /// GeoIP database (GeoLite2/DB-IP Country, City or ASN .mmdb). Repeatable. Default: the geoip table
    /// in rule files, else /usr/share/GeoIP and /var/lib/GeoIP.
    #[arg(long = "geoip", value_name = "FILE")]
    pub geoip: Vec<PathBuf>,
    /// Treat inactive rules (missing GeoIP data or feeds), bad feed lines and unreadable lines
    /// of an --input capture as errors (exit 2).
    #[arg(long)]
    pub strict: bool,
    /// Remember what was reported: later runs report only new and resolved findings. Without
    /// FILE: /var/lib/sockaudit/state.json as root, else $XDG_STATE_HOME/sockaudit/state.json.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub state: Option<PathBuf>,
    /// With --state: report a still-present finding again after this long (e.g. 24h).
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, requires = "state")]
    pub renotify: Option<Duration>,
    /// Also write another format to a file (atomically), from the same scan. Repeatable:
    /// --write prometheus=/var/lib/node_exporter/textfile/sockaudit.prom --write json=last.json
    #[arg(long = "write", value_name = "FORMAT=FILE", value_parser = parse_write)]
    pub write: Vec<(ScanFormat, PathBuf)>,
    /// Show a desktop notification summarising new findings (D-Bus session bus; see
    /// docs/operations.md for cron). Also `[notify] enabled = true` in a rule file.
    #[arg(long)]
    pub notify: bool,
    /// Read the kernel counters, collect, and read them again DURATION after the first read
    /// (e.g. 1s), so counter rules (SYN cookies, listen drops) have a rate this run.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, conflicts_with = "input")]
    pub sample: Option<Duration>,
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every loaded rule: id, kind, severity, state, origin.
    List(RuleArgs),
    /// A rule's documentation and settings (or a kind's: listen, flood, remote, process).
    Explain {
        /// Rule id or kind name.
        id: String,
        /// Rule sources.
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Validate rule files without scanning; exit 0, or 2 with every problem.
    Check {
        /// Files or directories to check (with the built-in pack's lists available).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

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
    /// Show service names from /etc/services instead of port numbers (never DNS).
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
    /// Repeat every interval (seconds, or 500ms, 5s, 1m), like `netstat -on 5`.
    #[arg(long, value_name = "SECS", value_parser = parse_interval)]
    pub interval: Option<Duration>,
    /// Stop after N listings (with --interval; default: until interrupted).
    #[arg(long, value_name = "N", requires = "interval")]
    pub count: Option<u64>,
}

/// Arguments of `top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Time between refreshes (seconds, or 500ms, 5s, 1m).
    #[arg(long, value_name = "SECS", value_parser = parse_interval, default_value = "1s")]
    pub interval: Duration,
    /// Rule sources for the Finding column.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// GeoIP database (Country, City or ASN .mmdb) for the peers' country and AS. Repeatable.
    /// Default: the geoip table in rule files, else /usr/share/GeoIP and /var/lib/GeoIP.
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
    /// With --batch: stop after N refreshes (default 1).
    #[arg(long, value_name = "N", requires = "batch")]
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
    /// Read a capture instead of this machine: Windows `route print`, `netstat -rn`,
    /// `ip route`, `ip neigh`, `arp -a`, or snapshot JSON with routes. Repeatable (routes from
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
    /// Also record the kernel counters twice, DURATION apart (Linux), so counter rules can
    /// check the snapshot elsewhere (docs/counters.md).
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, conflicts_with = "input")]
    pub sample: Option<Duration>,
}

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
    /// Show per-second rates every interval (seconds, or 500ms, 5s, 1m), like `netstat -s`
    /// run twice and subtracted.
    #[arg(long, value_name = "SECS", value_parser = parse_interval, conflicts_with = "input")]
    pub interval: Option<Duration>,
    /// Stop after N intervals (with --interval; default: until interrupted).
    #[arg(long, value_name = "N", requires = "interval")]
    pub count: Option<u64>,
    /// Read a saved copy of /proc/net (a directory with snmp, netstat, snmp6, dev and optional
    /// boot_id and taken_at files) instead of this machine. Repeatable: rates between
    /// consecutive copies.
    #[arg(long, value_name = "DIR")]
    pub input: Vec<PathBuf>,
}

/// Shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// GNU bash (bash-completion).
    Bash,
    /// Z shell (compsys).
    Zsh,
    /// fish.
    Fish,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print this command's page instead of the main one (`scan`, `rules check`...).
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Vec<String>,
    /// Write every page (sockaudit.1, sockaudit-scan.1...) into DIR instead of printing one.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// How to read an `--input` capture (docs/import.md). Saved snapshots ignore these.
#[derive(Debug, Args, Clone, Default)]
pub struct CaptureArgs {
    /// Format of --input: auto (detected from the text), snapshot, netstat-windows,
    /// netstat-linux, ss, lsof, tcpview, tcpvcon.
    #[arg(long, value_name = "FORMAT", value_parser = parse_input_format, requires = "input")]
    pub input_format: Option<crate::collect::import::FormatChoice>,
    /// Text encoding of --input (default: byte-order mark, else UTF-8 when valid, else guessed
    /// among cp850, cp437, cp1252, gbk, big5, cp866): utf-8, utf-16le, utf-16be, cp437, cp850,
    /// cp1252, gbk, big5...
    #[arg(long, value_name = "NAME", value_parser = parse_encoding, requires = "input")]
    pub encoding: Option<crate::collect::import::text::TextEncoding>,
    /// Every listing of a repeated capture (`netstat -on 5`), not only the last: list and
    /// snapshot print one after another (JSON: one document per line), scan reports each.
    #[arg(long, requires = "input")]
    pub all_blocks: bool,
    /// Windows: `tasklist /fo csv` output, for the names of the PIDs in --input.
    #[arg(long, value_name = "FILE", requires = "input")]
    pub processes: Option<PathBuf>,
}

impl CaptureArgs {
    /// The importer's options.
    pub fn options(&self, strict: bool) -> crate::collect::ImportOptions {
        crate::collect::ImportOptions {
            format: self.input_format.and_then(|c| c.0),
            encoding: self.encoding,
            strict,
            all_blocks: self.all_blocks,
            processes: self.processes.clone(),
        }
    }
}

fn parse_input_format(text: &str) -> Result<crate::collect::import::FormatChoice, String> {
    use crate::collect::import::{Format, FormatChoice};
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(FormatChoice(None));
    }
    Format::from_name(text)
        .map(|f| FormatChoice(Some(f)))
        .ok_or_else(|| {
            format!(
                "unknown input format `{text}`; supported: {}",
                Format::supported()
            )
        })
}

fn parse_encoding(text: &str) -> Result<crate::collect::import::text::TextEncoding, String> {
    use crate::collect::import::text::{ENCODING_NAMES, TextEncoding};
    TextEncoding::from_name(text)
        .ok_or_else(|| format!("unknown encoding `{text}`; supported: {ENCODING_NAMES}"))
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

/// `5` (seconds), `0.5`, `500ms`, `5s`, `1m`.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let parsed = match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 => Some(Duration::from_secs_f64(secs)),
        Ok(_) => None,
        Err(_) => text
            .parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|d| Duration::try_from(d).ok())
            .filter(|d| !d.is_zero()),
    };
    parsed.ok_or_else(|| format!("`{text}` is not a positive interval; try 5, 0.5, 500ms or 1m"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_interval("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_interval("0").is_err());
        assert!(parse_interval("-1").is_err());
        assert!(parse_interval("soon").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
