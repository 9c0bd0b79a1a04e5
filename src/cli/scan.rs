//! `sockaudit scan` and `watch`: rules, namespaces, the deep check, formats, the failure bar.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::capture::CaptureArgs;
use super::values::{parse_count, parse_interval, parse_renotify, parse_sample};

/// Arguments of `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Everything `scan` takes.
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Time between scans (seconds, or 500ms, 5s, 1m; 100ms to 7 days).
    #[arg(long, value_name = "SECS", value_parser = parse_interval, default_value = "5s")]
    pub interval: Duration,
    /// Stop after N scans, N >= 1 (default: until Ctrl-C or SIGTERM).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub count: Option<u64>,
    /// Stream socket events instead of polling (docs/events.md): every TCP connect, accept,
    /// listen and close, first UDP sends and raw sockets, each with its owner at that moment
    /// (eBPF on Linux as root; otherwise a fallback that says what it misses). With --count N,
    /// stop after N events.
    #[arg(long)]
    pub events: bool,
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
    /// /etc/sockaudit/rules.d and ~/.config/sockaudit/rules.d (Windows:
    /// %ProgramData%\sockaudit\rules.d and %APPDATA%\sockaudit\rules.d). Repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rule pack.
    #[arg(long)]
    pub no_default_rules: bool,
    /// A baseline (`sockaudit baseline create`): report drift from it. It is loaded like a
    /// rule file, after the others.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Sigma `network_connection` rules: a YAML file, or a directory read recursively for
    /// *.yml and *.yaml (docs/sigma.md). Repeatable; loaded after `[sigma] paths`.
    #[arg(long = "sigma", value_name = "PATH")]
    pub sigma: Vec<PathBuf>,
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
    /// in rule files, else /usr/share/GeoIP and /var/lib/GeoIP (Windows:
    /// %ProgramData%\sockaudit\GeoIP and %ProgramData%\MaxMind\GeoIPUpdate\GeoIP).
    #[arg(long = "geoip", value_name = "FILE")]
    pub geoip: Vec<PathBuf>,
    /// Treat inactive rules (data that was configured or is needed but missing: an input
    /// without owners, a rule of yours whose feed or GeoIP database is absent), bad feed lines,
    /// unreadable lines of an --input capture and, when not root, sockets whose owner could not
    /// be read as errors (exit 2). Built-in rules whose optional feed or GeoIP database nobody
    /// configured are "not configured", not errors (docs/geoip.md).
    #[arg(long)]
    pub strict: bool,
    /// Remember what was reported: later runs report only new and resolved findings. Without
    /// FILE: /var/lib/sockaudit/state.json as root, else $XDG_STATE_HOME/sockaudit/state.json
    /// (Windows: %ProgramData%\sockaudit\state.json elevated, else under %LOCALAPPDATA%).
    // An OsString parser, not PathBuf's: that one rejects the empty default-missing value,
    // which made a bare `--state` an error.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "",
          value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
    pub state: Option<PathBuf>,
    /// With --state: report a still-present finding again after this long (e.g. 24h; 1ms to
    /// 3650 days).
    #[arg(long, value_name = "DURATION", value_parser = parse_renotify, requires = "state")]
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
    /// (e.g. 1s; 100ms to 1 hour), so counter rules (SYN cookies, listen drops) have a rate
    /// this run.
    #[arg(long, value_name = "DURATION", value_parser = parse_sample, conflicts_with = "input")]
    pub sample: Option<Duration>,
}
