//! The command-line contract: every subcommand, flag and value users and tests rely on, one
//! file per command; the colour decision and the logging setup. Nothing here runs a command
//! (src/app/ does).

mod baseline;
mod capture;
pub mod color;
mod list;
pub mod logging;
mod netstat;
mod ops;
mod routes;
mod rules;
mod scan;
mod snapshot;
mod stats;
mod top;
mod values;

pub use baseline::BaselineCommand;
pub use capture::CaptureArgs;
pub use color::ColorChoice;
pub use list::{ListArgs, ListFormat};
pub use netstat::{
    Connections, Dialect, NetstatArgs, NetstatRequest, NetstatUsageError, NetstatView,
    parse as parse_netstat,
};
pub use ops::{CompletionShell, CompletionsArgs, ManArgs};
pub use routes::{RoutesArgs, RoutesFormat};
pub use rules::RulesCommand;
pub use scan::{DeepArgs, FailOn, NamespaceArgs, RuleArgs, ScanArgs, ScanFormat, WatchArgs};
pub use snapshot::SnapshotArgs;
pub use stats::{StatsArgs, StatsFormat};
pub use top::TopArgs;
pub use values::parse_interval;

use clap::{Args, Parser, Subcommand};

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
/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the socket table, like `netstat -tunap` or TCPView.
    #[command(after_help = "\
Examples:
  sockaudit list -tlnp                 listening TCP sockets (-n and -p are the default anyway)
  sockaudit list -tulpen               listeners with User and Inode columns, like netstat -tulpen
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
  sockaudit routes                        every table of this machine (Linux, Windows)
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

Exit status: 0 ok, 2 unreadable or invalid input, or neither Linux nor Windows
(docs/counters.md).")]
    Stats(StatsArgs),
    /// The seed's `netstat` syntax, Windows (`-ano`, `-b`, `-p tcp`) or Linux (`-tulpen`), with
    /// the familiar columns and each row marked with its worst finding (docs/netstat.md).
    #[command(after_help = "\
Examples:
  sockaudit netstat -ano                        Windows: every socket with its PID
  sockaudit netstat -anob --dialect windows     the same words read the Windows way anywhere
  sockaudit netstat -tulpen --dialect linux     net-tools: listeners, users, inodes, programs
  sockaudit netstat -ano 5 --count 3            three listings, five seconds apart
  sockaudit netstat -s                          statistics (sockaudit stats); -r: routes

Never does DNS: without -n, ports show service names, addresses stay numeric.
Exit status: 0 ok (1 with --fail-on when a finding reaches it), 2 usage or input error.")]
    Netstat(NetstatArgs),
    /// Print a shell completion script (bash, zsh, fish or PowerShell) to stdout.
    #[command(after_help = "\
Install (the Debian package already does bash, zsh and fish):
  sockaudit completions bash > ~/.local/share/bash-completion/completions/sockaudit
  sockaudit completions zsh > ~/.zfunc/_sockaudit     (with fpath+=(~/.zfunc) before compinit)
  sockaudit completions fish > ~/.config/fish/completions/sockaudit.fish
  sockaudit completions powershell | Out-String | Invoke-Expression   (add it to $PROFILE)")]
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout, or write every page into a directory.
    #[command(after_help = "\
Examples:
  sockaudit man | man -l -          read the page without installing it
  sockaudit man rules check         the page of one command, sockaudit-rules-check(1)
  sockaudit man --dir man/          sockaudit.1 and one page per command")]
    Man(ManArgs),
}

/// The command line of this process, parsed: [`Cli::parse`] after `netstat`'s own words are
/// put behind a `--` (src/cli/netstat.rs says why).
pub fn parse() -> Cli {
    use clap::CommandFactory as _;
    use clap::Parser as _;
    let args = netstat::reorder(Cli::command(), std::env::args_os().collect());
    match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            let usage = err.use_stderr();
            // Printing can only fail on a closed stderr, where nothing could be said anyway.
            let _ = err.print();
            if usage && let Some(hint) = windows_netstat_hint(&args) {
                eprintln!("\n{hint}");
            }
            std::process::exit(err.exit_code());
        }
    }
}

/// `list` refuses Windows netstat's `-b` and `-p PROTO`: point at the verb that takes them.
fn windows_netstat_hint(args: &[std::ffi::OsString]) -> Option<&'static str> {
    let words: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    let list = words.iter().position(|w| *w == "list")?;
    let rest = &words[list + 1..];
    let windows_b = rest
        .iter()
        .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('b'));
    let protocol = rest.windows(2).any(|pair| {
        pair[0].starts_with('-')
            && pair[0].ends_with('p')
            && matches!(
                pair[1].to_ascii_lowercase().as_str(),
                "tcp" | "udp" | "tcpv6" | "udpv6"
            )
    });
    (windows_b || protocol).then_some(
        "hint: that is Windows netstat's syntax: `sockaudit netstat -ano`, `sockaudit netstat -anob -p tcp` take it (docs/netstat.md)",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn windows_netstat_flags_given_to_list_get_a_hint() {
        let hint = |line: &str| {
            let args: Vec<std::ffi::OsString> = line.split_whitespace().map(Into::into).collect();
            super::windows_netstat_hint(&args).is_some()
        };
        assert!(hint("sockaudit list -b"));
        assert!(hint("sockaudit list -anob"));
        assert!(hint("sockaudit list -p tcp"));
        assert!(hint("sockaudit list -anp UDP"));
        assert!(!hint("sockaudit list -tlnp"));
        assert!(!hint("sockaudit list --bogus"));
        assert!(!hint("sockaudit scan -b"));
    }

    /// A bare `--state` means the default place; PathBuf's parser used to reject it.
    #[test]
    fn a_bare_state_flag_means_the_default_state_file() {
        use clap::Parser;
        let state = |args: &[&str]| match super::Cli::try_parse_from(args) {
            Ok(super::Cli {
                command: super::Command::Scan(scan),
                ..
            }) => scan.state,
            Ok(_) => panic!("not a scan"),
            Err(err) => panic!("{args:?}: {err}"),
        };
        assert_eq!(
            state(&["sockaudit", "scan", "--state"]),
            Some(std::path::PathBuf::new())
        );
        assert_eq!(
            state(&["sockaudit", "scan", "--state", "s.json"]),
            Some(std::path::PathBuf::from("s.json"))
        );
        assert_eq!(state(&["sockaudit", "scan"]), None);
    }

    #[test]
    fn clap_hands_the_words_over_with_sockaudit_options_around_them() {
        use clap::{CommandFactory, Parser};
        use std::ffi::OsString;
        use std::path::PathBuf;
        let parsed = |line: &str| {
            let args = super::netstat::reorder(
                super::Cli::command(),
                line.split_whitespace().map(OsString::from).collect(),
            );
            let cli = super::Cli::try_parse_from(args).unwrap();
            match cli.command {
                super::Command::Netstat(a) => a,
                other => panic!("{other:?}"),
            }
        };
        let a = parsed("sockaudit netstat -ano --dialect windows");
        assert_eq!(a.words, ["-ano"]);
        assert_eq!(a.dialect, Some(super::Dialect::Windows));
        let a = parsed("sockaudit netstat --dialect windows -anp tcp 1 --count 2");
        assert_eq!(a.words, ["-anp", "tcp", "1"]);
        assert_eq!(a.count, Some(2));
        let a = parsed("sockaudit netstat -tulpen --input snap.json");
        assert_eq!(a.words, ["-tulpen"]);
        assert_eq!(a.input.as_deref(), Some(std::path::Path::new("snap.json")));
        let a = parsed("sockaudit netstat");
        assert!(a.words.is_empty());
        let a = parsed("sockaudit --color never netstat -tn --rules=x.toml --tcp -- --count");
        assert_eq!(a.words, ["-tn", "--tcp", "--count"]);
        assert_eq!(a.rules.rules, [PathBuf::from("x.toml")]);
        assert_eq!(a.count, None);
        // Other commands are left alone.
        let list: Vec<OsString> = ["sockaudit", "list", "-tn", "--count", "2"]
            .map(OsString::from)
            .to_vec();
        assert_eq!(
            super::netstat::reorder(super::Cli::command(), list.clone()),
            list
        );
    }
}
