//! `sockaudit netstat [ARGS] [interval]`: the seed's `netstat` syntax, in two dialects.
//!
//! Why a hand parser rather than clap for netstat's own words: that syntax is not clap-shaped.
//! `-p` takes a value in the Windows dialect (`-p tcp`) and none in the Linux one (`-p` shows
//! programs); `-o` and `-e` mean different things in each; letters combine (`-ano`,
//! `-tulpen`, `-anop tcp`); a bare number is an interval; and which dialect applies is decided
//! by `--dialect`, which may come after the words. So clap collects the words raw (a
//! positional that allows leading hyphens) beside sockaudit's own options (`--dialect`,
//! `--count`, `--rules`, `--input`...), and [`parse`] reads the words once the dialect is
//! known, naming the flag and the dialect in every error.
//!
//! Clap's positional that allows hyphens swallows every word after the first one, known
//! options included (`-ano --dialect windows` would hand `--dialect` to netstat), so
//! [`reorder`] first moves sockaudit's own options (looked up in the clap definition, not
//! listed here) in front of netstat's words and puts `--` before those words.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::capture::CaptureArgs;
use super::scan::{FailOn, NamespaceArgs, RuleArgs};
use super::values::{parse_count, parse_interval};
use crate::model::{Family, Protocol};

/// Whose `netstat` the words follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// Windows `netstat`: `-a -b -e -n -o -p PROTO -r -s [interval]`.
    Windows,
    /// net-tools `netstat` on Linux: `-t -u -l -a -n -p -e -o -r -s -i -c -4 -6 -W`.
    Linux,
}

impl Dialect {
    /// The dialect of the platform sockaudit was built for: Windows on Windows, Linux
    /// everywhere else.
    pub fn native() -> Dialect {
        if cfg!(windows) {
            Dialect::Windows
        } else {
            Dialect::Linux
        }
    }

    /// `windows` or `linux`, as `--dialect` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Windows => "windows",
            Dialect::Linux => "linux",
        }
    }

    /// The flags this dialect accepts, for error messages.
    fn synopsis(self) -> &'static str {
        match self {
            Dialect::Windows => "-a -b -e -n -o -p PROTO -r -s [interval]",
            Dialect::Linux => "-t -u -l -a -n -p -e -o -r -s -i -c -4 -6 -W [interval]",
        }
    }

    fn other(self) -> Dialect {
        match self {
            Dialect::Windows => Dialect::Linux,
            Dialect::Linux => Dialect::Windows,
        }
    }
}

/// Arguments of `netstat`.
#[derive(Debug, Args)]
pub struct NetstatArgs {
    /// netstat's own flags and interval, in the dialect's syntax (docs/netstat.md): Windows
    /// `-a -b -e -n -o -p PROTO -r -s [interval]`, Linux `-t -u -l -a -n -p -e -o -r -s -i -c
    /// -4 -6 -W [interval]`. Letters combine: `-ano`, `-anob`, `-tulpen`.
    #[arg(value_name = "ARGS", allow_hyphen_values = true)]
    pub words: Vec<String>,
    /// Read ARGS as Windows or Linux (net-tools) netstat does. Default: the platform's own
    /// (windows on Windows, linux elsewhere).
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<Dialect>,
    /// With an interval: stop after N listings, N >= 1 (default: until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub count: Option<u64>,
    /// Rule sources for the finding column.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Network namespaces to read.
    #[command(flatten)]
    pub namespaces: NamespaceArgs,
    /// Read a saved snapshot or a netstat/ss/lsof/TCPView capture instead of this machine
    /// (with -r: a route capture; with -s/-e: a saved copy of /proc/net).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// How to read an --input capture.
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// GeoIP database for the rules (Country, City or ASN .mmdb). Repeatable.
    #[arg(long = "geoip", value_name = "FILE")]
    pub geoip: Vec<PathBuf>,
    /// Leave the finding marks out: exactly the real tool's layout, for scripts (and importers)
    /// that parse it. The rules still run (for --fail-on).
    #[arg(long)]
    pub no_marks: bool,
    /// Exit 1 when a finding at or above this severity exists (default: never, like
    /// `list`).
    #[arg(long, value_enum, default_value_t = FailOn::Never, value_name = "LEVEL")]
    pub fail_on: FailOn,
}

impl NetstatArgs {
    /// The dialect in force: `--dialect`, else the platform's.
    pub fn dialect(&self) -> Dialect {
        self.dialect.unwrap_or_else(Dialect::native)
    }
}

/// What the words ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetstatRequest {
    /// The dialect the words were read in.
    pub dialect: Dialect,
    /// The socket table, the statistics or the routing table.
    pub view: NetstatView,
    /// A trailing interval (or Linux `-c`): repeat every so often.
    pub interval: Option<Duration>,
}

/// Which of netstat's outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetstatView {
    /// The connection table.
    Connections(Connections),
    /// `-s`, `-e` (Windows), `-i` (Linux): the counters of `sockaudit stats`; `-r` with
    /// them puts the routing table first.
    Stats {
        /// `-r` too.
        routes: bool,
        /// Windows `-s -p PROTO`: the protocol asked for (validated; the stats view shows
        /// every protocol).
        protocol: Option<String>,
    },
    /// `-r`: the routing table of `sockaudit routes`.
    Routes,
}

/// Which sockets the connection table shows, and its columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connections {
    /// `-a`: listeners too (Windows: TCP listeners and UDP; Linux: with the others).
    pub all: bool,
    /// Linux `-l`: listeners only.
    pub listening: bool,
    /// Only these protocols (Windows `-p`, Linux `-t`/`-u`); empty: both.
    pub protocols: Vec<Protocol>,
    /// Only these families (Windows `-p tcpv6`, Linux `-4`/`-6`); empty: both.
    pub families: Vec<Family>,
    /// `-n`: port numbers (without it, service names from the services file; never DNS).
    pub numeric: bool,
    /// Windows `-o`: the PID column.
    pub pid: bool,
    /// Windows `-b`: service and image-name lines under each row.
    pub owner_lines: bool,
    /// Linux `-p`: the PID/Program name column.
    pub programs: bool,
    /// Linux `-e`: the User and Inode columns.
    pub extended: bool,
    /// Linux `-o`: the Timer column (sockaudit does not collect timers: `-`).
    pub timers: bool,
}

/// A word netstat would not accept in this dialect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NetstatUsageError {
    message: String,
}

impl NetstatUsageError {
    fn new(message: String) -> NetstatUsageError {
        NetstatUsageError { message }
    }

    fn unknown(flag: &str, dialect: Dialect) -> NetstatUsageError {
        let hint = if accepts(dialect.other(), flag) {
            format!(
                "; it is a {} netstat flag: add --dialect {}",
                dialect.other().name(),
                dialect.other().name()
            )
        } else {
            String::new()
        };
        NetstatUsageError::new(format!(
            "netstat: unknown flag `{flag}` in the {} dialect (it takes {}){hint}",
            dialect.name(),
            dialect.synopsis()
        ))
    }

    fn unsupported(flag: &str, dialect: Dialect, why: &str) -> NetstatUsageError {
        NetstatUsageError::new(format!(
            "netstat: `{flag}` ({} dialect) is not supported: {why}",
            dialect.name()
        ))
    }
}

/// Whether `dialect` knows the single letter of `flag` (`-x`), for the "other dialect" hint.
fn accepts(dialect: Dialect, flag: &str) -> bool {
    let letters: &str = match dialect {
        Dialect::Windows => "abenoprs",
        Dialect::Linux => "tulanpeorsic46W",
    };
    let mut chars = flag.trim_start_matches(['-', '/']).chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if letters.contains(c))
}

/// The command line with sockaudit's options of a `netstat` command moved before netstat's own
/// words, which follow a `--` (so clap takes `-ano --dialect windows 5 --count 2` as the
/// options `--dialect windows --count 2` and the words `-ano 5`). Any other command line is
/// returned as it is.
/// `root` is the whole command-line definition (`Cli::command()`).
pub fn reorder(mut root: clap::Command, args: Vec<OsString>) -> Vec<OsString> {
    root.build();
    let Some(at) = netstat_position(&root, &args) else {
        return args;
    };
    let Some(netstat) = root.find_subcommand("netstat") else {
        return args;
    };
    let mut options: Vec<OsString> = Vec::new();
    let mut words: Vec<OsString> = Vec::new();
    let mut rest = args[at + 1..].iter();
    while let Some(word) = rest.next() {
        let text = word.to_string_lossy();
        if text == "--" {
            words.extend(rest.by_ref().cloned());
            break;
        }
        if text == "-h" {
            options.push(word.clone());
            continue;
        }
        let Some(long) = text.strip_prefix("--") else {
            words.push(word.clone());
            continue;
        };
        let (name, joined) = match long.split_once('=') {
            Some((name, _)) => (name, true),
            None => (long, false),
        };
        match netstat.get_arguments().find(|a| a.get_long() == Some(name)) {
            Some(arg) => {
                options.push(word.clone());
                if !joined && arg.get_action().takes_values() {
                    options.extend(rest.next().cloned());
                }
            }
            // net-tools' own long options (`--tcp`, `--numeric`) and mistakes: netstat's.
            None => words.push(word.clone()),
        }
    }
    let mut out: Vec<OsString> = args[..=at].to_vec();
    out.extend(options);
    if !words.is_empty() {
        out.push(OsString::from("--"));
        out.extend(words);
    }
    out
}

/// Where `netstat` stands as the subcommand of `args` (after the program name and global
/// options).
fn netstat_position(root: &clap::Command, args: &[OsString]) -> Option<usize> {
    let mut i = 1;
    while let Some(word) = args.get(i) {
        let text = word.to_string_lossy();
        if text == "netstat" {
            return Some(i);
        }
        let long = text.strip_prefix("--")?;
        if long.is_empty() {
            return None;
        }
        if !long.contains('=')
            && root
                .get_arguments()
                .find(|a| a.get_long() == Some(long))
                .is_some_and(|a| a.get_action().takes_values())
        {
            i += 1;
        }
        i += 1;
    }
    None
}

/// Reads netstat's words in `dialect`.
pub fn parse(words: &[String], dialect: Dialect) -> Result<NetstatRequest, NetstatUsageError> {
    match dialect {
        Dialect::Windows => parse_windows(words),
        Dialect::Linux => parse_linux(words),
    }
}

/// A bare number: the interval in whole seconds (as both netstats take it).
fn interval_of(word: &str, dialect: Dialect) -> Result<Option<Duration>, NetstatUsageError> {
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    parse_interval(word).map(Some).map_err(|e| {
        NetstatUsageError::new(format!(
            "netstat: interval `{word}` ({} dialect): {e}",
            dialect.name()
        ))
    })
}

/// Flags seen in either dialect, before they become a request.
#[derive(Debug, Default)]
struct Seen {
    connections: Connections,
    stats: bool,
    routes: bool,
    interval: Option<Duration>,
    stats_protocol: Option<String>,
}

impl Seen {
    fn finish(self, dialect: Dialect) -> NetstatRequest {
        let view = if self.stats {
            NetstatView::Stats {
                routes: self.routes,
                protocol: self.stats_protocol,
            }
        } else if self.routes {
            NetstatView::Routes
        } else {
            NetstatView::Connections(self.connections)
        };
        NetstatRequest {
            dialect,
            view,
            interval: self.interval,
        }
    }
}

fn parse_windows(words: &[String]) -> Result<NetstatRequest, NetstatUsageError> {
    const D: Dialect = Dialect::Windows;
    let mut seen = Seen::default();
    let mut protocol: Option<String> = None;
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        if let Some(interval) = interval_of(word, D)? {
            seen.interval = Some(interval);
            continue;
        }
        // Windows takes `/a` as well as `-a`.
        let Some(letters) = word
            .strip_prefix('-')
            .or_else(|| word.strip_prefix('/'))
            .filter(|l| !l.is_empty() && !l.starts_with('-'))
        else {
            return Err(NetstatUsageError::unknown(word, D));
        };
        let count = letters.chars().count();
        for (i, letter) in letters.chars().enumerate() {
            match letter {
                'a' => seen.connections.all = true,
                'b' => seen.connections.owner_lines = true,
                'n' => seen.connections.numeric = true,
                'o' => seen.connections.pid = true,
                'e' | 's' => seen.stats = true,
                'r' => seen.routes = true,
                'p' if i + 1 == count => {
                    let Some(value) = rest.next() else {
                        return Err(NetstatUsageError::new(
                            "netstat: `-p` (windows dialect) needs a protocol: tcp, udp, tcpv6 or udpv6 (with -s also ip, ipv6, icmp, icmpv6)".to_string(),
                        ));
                    };
                    protocol = Some(value.to_ascii_lowercase());
                }
                'p' => {
                    return Err(NetstatUsageError::new(format!(
                        "netstat: `-p` (windows dialect) takes the protocol as the next word (`-p tcp`), so it must end `{word}`"
                    )));
                }
                'f' => {
                    return Err(NetstatUsageError::unsupported(
                        "-f",
                        D,
                        "fully qualified names need DNS, and sockaudit never resolves host names",
                    ));
                }
                'q' | 't' | 'x' | 'y' => {
                    return Err(NetstatUsageError::unsupported(
                        &format!("-{letter}"),
                        D,
                        "sockaudit does not collect bound-only ports, offload states, NetworkDirect endpoints or connection templates",
                    ));
                }
                _ => return Err(NetstatUsageError::unknown(&format!("-{letter}"), D)),
            }
        }
    }
    if let Some(name) = protocol {
        let (proto, family) = match name.as_str() {
            "tcp" => (Some(Protocol::Tcp), Family::Ipv4),
            "udp" => (Some(Protocol::Udp), Family::Ipv4),
            "tcpv6" => (Some(Protocol::Tcp), Family::Ipv6),
            "udpv6" => (Some(Protocol::Udp), Family::Ipv6),
            "ip" | "icmp" => (None, Family::Ipv4),
            "ipv6" | "icmpv6" => (None, Family::Ipv6),
            _ => {
                return Err(NetstatUsageError::new(format!(
                    "netstat: `-p {name}` (windows dialect): unknown protocol; use tcp, udp, tcpv6 or udpv6 (with -s also ip, ipv6, icmp, icmpv6)"
                )));
            }
        };
        if seen.stats {
            seen.stats_protocol = Some(name);
        } else if let Some(proto) = proto {
            // Windows: `-p tcp` is TCP over IPv4 only; `-p tcpv6` the IPv6 table.
            seen.connections.protocols = vec![proto];
            seen.connections.families = vec![family];
        } else {
            return Err(NetstatUsageError::new(format!(
                "netstat: `-p {name}` (windows dialect) is a statistics protocol: add -s, or use tcp, udp, tcpv6 or udpv6"
            )));
        }
    }
    Ok(seen.finish(D))
}

fn parse_linux(words: &[String]) -> Result<NetstatRequest, NetstatUsageError> {
    const D: Dialect = Dialect::Linux;
    let mut seen = Seen::default();
    for word in words {
        if let Some(interval) = interval_of(word, D)? {
            seen.interval = Some(interval);
            continue;
        }
        if let Some(long) = word.strip_prefix("--") {
            let letter = match long {
                "tcp" => 't',
                "udp" => 'u',
                "listening" => 'l',
                "all" => 'a',
                "numeric" => 'n',
                "program" | "programs" => 'p',
                "extend" | "extended" => 'e',
                "timers" => 'o',
                "route" => 'r',
                "statistics" => 's',
                "interfaces" => 'i',
                "continuous" => 'c',
                "inet" => '4',
                "inet6" => '6',
                "wide" => 'W',
                _ => return Err(NetstatUsageError::unknown(word, D)),
            };
            linux_letter(&mut seen, letter, word)?;
            continue;
        }
        let Some(letters) = word.strip_prefix('-').filter(|l| !l.is_empty()) else {
            return Err(NetstatUsageError::unknown(word, D));
        };
        for letter in letters.chars() {
            linux_letter(&mut seen, letter, word)?;
        }
    }
    Ok(seen.finish(D))
}

fn linux_letter(seen: &mut Seen, letter: char, word: &str) -> Result<(), NetstatUsageError> {
    const D: Dialect = Dialect::Linux;
    let c = &mut seen.connections;
    let mut protocol = |p: Protocol| {
        if !c.protocols.contains(&p) {
            c.protocols.push(p);
        }
    };
    match letter {
        't' => protocol(Protocol::Tcp),
        'u' => protocol(Protocol::Udp),
        'l' => c.listening = true,
        'a' => c.all = true,
        'n' => c.numeric = true,
        'p' => c.programs = true,
        'e' => c.extended = true,
        'o' => c.timers = true,
        '4' | '6' => {
            let family = if letter == '4' {
                Family::Ipv4
            } else {
                Family::Ipv6
            };
            if !c.families.contains(&family) {
                c.families.push(family);
            }
        }
        // Addresses are never cut, so -W (wide) changes nothing.
        'W' => {}
        'r' => seen.routes = true,
        's' | 'i' => seen.stats = true,
        'c' => seen.interval = seen.interval.or(Some(Duration::from_secs(1))),
        'w' => {
            return Err(NetstatUsageError::unsupported(
                "-w",
                D,
                "raw sockets are listed by `sockaudit list -w`",
            ));
        }
        'x' => {
            return Err(NetstatUsageError::unsupported(
                "-x",
                D,
                "sockaudit reads TCP and UDP sockets, not UNIX domain sockets",
            ));
        }
        'g' | 'M' | 'N' | 'F' | 'C' | 'Z' | 'A' | 'v' => {
            return Err(NetstatUsageError::unsupported(
                &format!("-{letter}"),
                D,
                "sockaudit has no multicast groups, masquerade entries, route caches, SELinux contexts, address-family lists or verbose mode for netstat",
            ));
        }
        _ => {
            let flag = if word.starts_with("--") {
                word.to_string()
            } else {
                format!("-{letter}")
            };
            return Err(NetstatUsageError::unknown(&flag, D));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn connections(text: &str, dialect: Dialect) -> Connections {
        match parse(&words(text), dialect).unwrap().view {
            NetstatView::Connections(c) => c,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn windows_combined_flags_and_protocols() {
        let c = connections("-ano", Dialect::Windows);
        assert!(c.all && c.numeric && c.pid && !c.owner_lines && !c.programs);
        let c = connections("-anob", Dialect::Windows);
        assert!(c.owner_lines && c.pid);
        let c = connections("/a /n -p TCP", Dialect::Windows);
        assert_eq!(c.protocols, [Protocol::Tcp]);
        assert_eq!(c.families, [Family::Ipv4]);
        let c = connections("-anop udpv6", Dialect::Windows);
        assert_eq!(c.protocols, [Protocol::Udp]);
        assert_eq!(c.families, [Family::Ipv6]);
        assert!(c.pid);
        let r = parse(&words("-ano 5"), Dialect::Windows).unwrap();
        assert_eq!(r.interval, Some(Duration::from_secs(5)));
    }

    #[test]
    fn windows_statistics_and_routes() {
        let r = parse(&words("-s -p icmp"), Dialect::Windows).unwrap();
        assert_eq!(
            r.view,
            NetstatView::Stats {
                routes: false,
                protocol: Some("icmp".into())
            }
        );
        assert!(matches!(
            parse(&words("-e"), Dialect::Windows).unwrap().view,
            NetstatView::Stats { .. }
        ));
        assert_eq!(
            parse(&words("-rn"), Dialect::Windows).unwrap().view,
            NetstatView::Routes
        );
        let err = parse(&words("-p icmp"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("add -s"), "{err}");
    }

    #[test]
    fn windows_errors_name_the_flag_and_the_dialect() {
        let err = parse(&words("-anz"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("`-z`"), "{err}");
        assert!(err.to_string().contains("windows dialect"), "{err}");
        let err = parse(&words("-t"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("`-t`"), "{err}");
        let err = parse(&words("-l"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("--dialect linux"), "{err}");
        let err = parse(&words("-p"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("needs a protocol"), "{err}");
        let err = parse(&words("-p sctp"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("sctp"), "{err}");
        let err = parse(&words("-pa tcp"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("next word"), "{err}");
        let err = parse(&words("-f"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("DNS"), "{err}");
        let err = parse(&words("banana"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("`banana`"), "{err}");
        let err = parse(&words("0"), Dialect::Windows).unwrap_err();
        assert!(err.to_string().contains("interval `0`"), "{err}");
    }

    #[test]
    fn linux_combined_flags() {
        let c = connections("-tulpen", Dialect::Linux);
        assert_eq!(c.protocols, [Protocol::Tcp, Protocol::Udp]);
        assert!(c.listening && c.programs && c.extended && c.numeric && !c.all);
        let c = connections("-antp -6", Dialect::Linux);
        assert!(c.all && c.programs && !c.timers);
        assert_eq!(c.families, [Family::Ipv6]);
        let c = connections("--tcp --numeric -o", Dialect::Linux);
        assert!(c.timers && c.numeric);
        let r = parse(&words("-tnc"), Dialect::Linux).unwrap();
        assert_eq!(r.interval, Some(Duration::from_secs(1)));
        assert_eq!(
            parse(&words("-rn"), Dialect::Linux).unwrap().view,
            NetstatView::Routes
        );
        assert!(matches!(
            parse(&words("-s"), Dialect::Linux).unwrap().view,
            NetstatView::Stats { .. }
        ));
        assert!(matches!(
            parse(&words("-i"), Dialect::Linux).unwrap().view,
            NetstatView::Stats { .. }
        ));
    }

    #[test]
    fn linux_errors_name_the_flag_and_the_dialect() {
        let err = parse(&words("-tulpz"), Dialect::Linux).unwrap_err();
        assert!(err.to_string().contains("`-z`"), "{err}");
        assert!(err.to_string().contains("linux dialect"), "{err}");
        let err = parse(&words("-b"), Dialect::Linux).unwrap_err();
        assert!(err.to_string().contains("--dialect windows"), "{err}");
        let err = parse(&words("--bogus"), Dialect::Linux).unwrap_err();
        assert!(err.to_string().contains("`--bogus`"), "{err}");
        let err = parse(&words("-x"), Dialect::Linux).unwrap_err();
        assert!(err.to_string().contains("UNIX"), "{err}");
        // `-p` takes no value on Linux: `tcp` is a stray word.
        let err = parse(&words("-p tcp"), Dialect::Linux).unwrap_err();
        assert!(err.to_string().contains("`tcp`"), "{err}");
    }

    #[test]
    fn the_same_letters_mean_what_each_dialect_says() {
        let w = connections("-o", Dialect::Windows);
        let l = connections("-o", Dialect::Linux);
        assert!(w.pid && !w.timers);
        assert!(l.timers && !l.pid);
        assert!(matches!(
            parse(&words("-e"), Dialect::Windows).unwrap().view,
            NetstatView::Stats { .. }
        ));
        assert!(connections("-e", Dialect::Linux).extended);
    }
}
