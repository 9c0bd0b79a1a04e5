#![doc = include_str!("../../../docs/rules/flood.md")]

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::Fact;
use crate::model::finding::RuleKind;
use crate::model::finding::{Evidence, Finding};
use crate::model::scope::canonical;
use crate::model::{Socket, TcpState};
use crate::rules::context::{Context, RuleRun, program_identity};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;
use crate::rules::spec::{Lists, Selector, build_states};

/// The `[[flood]]` kind.
pub struct Flood;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("flood");

impl Kind for Flood {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../docs/rules/flood.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "state",
            "group-by",
            "threshold",
            "prefix-v4",
            "prefix-v6",
            "port",
            "proto",
            "bind",
            "process",
            "exe",
            "user",
            "remote",
            "remote-port",
            "namespace",
            "container",
            "unit",
        ]
    }

    fn read(
        &self,
        reader: &mut TableReader<'_>,
        lists: &Lists,
        diags: &mut Vec<Diag>,
    ) -> Option<Box<dyn Body>> {
        read(reader, lists, diags).map(|r| Box::new(r) as Box<dyn Body>)
    }
}

impl Body for FloodRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needed_facts(&self) -> Vec<Fact> {
        self.selector.needed_facts()
    }

    fn needs_process_facts(&self) -> bool {
        self.selector.needs_process()
            || matches!(self.group_by, GroupBy::Listener | GroupBy::Process)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// How sockets are grouped before counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Local port and owning program.
    Listener,
    /// The peer's network (/24, /64 by default).
    RemotePrefix,
    /// The peer's address.
    RemoteIp,
    /// The owning process (PID).
    Process,
    /// Everything together.
    All,
}

impl GroupBy {
    fn parse(text: &str) -> Option<GroupBy> {
        Some(match text {
            "listener" => GroupBy::Listener,
            "remote-prefix" => GroupBy::RemotePrefix,
            "remote-ip" => GroupBy::RemoteIp,
            "process" => GroupBy::Process,
            "all" => GroupBy::All,
            _ => return None,
        })
    }
}

/// Settings of a `[[flood]]` rule.
#[derive(Debug, Clone)]
pub struct FloodRule {
    /// Which sockets count (besides the state).
    pub selector: Selector,
    /// States counted.
    pub states: Vec<TcpState>,
    /// Grouping.
    pub group_by: GroupBy,
    /// Report at this count or above.
    pub threshold: usize,
    /// Prefix length for IPv4 `remote-prefix` groups.
    pub prefix_v4: u8,
    /// Prefix length for IPv6 `remote-prefix` groups.
    pub prefix_v6: u8,
}

/// Reads the kind's own keys.
pub fn read(
    reader: &mut TableReader<'_>,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<FloodRule> {
    let selector = Selector::read(reader, lists, diags);
    let states = match reader.items("state", diags) {
        Some(items) => build_states(&lists.expand(&items, diags), diags),
        None => vec![TcpState::SynRecv],
    };
    let group_by = match reader.string("group-by", diags) {
        Some((text, loc)) => match GroupBy::parse(&text) {
            Some(g) => g,
            None => {
                diags.push(
                    Diag::at(
                        loc,
                        format!("unknown group-by `{text}`"),
                        "unknown grouping",
                    )
                    .help("use one of: listener, remote-prefix, remote-ip, process, all"),
                );
                GroupBy::Listener
            }
        },
        None => GroupBy::Listener,
    };
    let mut prefix = |key: &str, max: i64, default: u8, diags: &mut Vec<Diag>| match reader
        .integer(key, diags)
    {
        Some((n, _)) if (0..=max).contains(&n) => u8::try_from(n).unwrap_or(default),
        Some((n, loc)) => {
            diags.push(Diag::at(
                loc,
                format!("`{key}` {n} is out of range (0-{max})"),
                "bad prefix length",
            ));
            default
        }
        None => default,
    };
    let prefix_v4 = prefix("prefix-v4", 32, 24, diags);
    let prefix_v6 = prefix("prefix-v6", 128, 64, diags);
    let threshold = match reader.integer("threshold", diags) {
        Some((n, _)) if n >= 1 => usize::try_from(n).ok(),
        Some((n, loc)) => {
            diags.push(Diag::at(
                loc,
                format!("threshold {n} must be at least 1"),
                "bad threshold",
            ));
            None
        }
        None => {
            if reader.value_loc("threshold").is_none()
                && !reader.has_misspelling_of("threshold")
                && let Some(loc) = reader.value_loc("id")
            {
                diags.push(Diag::at(
                    loc,
                    "flood rule has no `threshold`",
                    "add threshold = N",
                ));
            }
            None
        }
    };
    Some(FloodRule {
        selector,
        states,
        group_by,
        threshold: threshold?,
        prefix_v4,
        prefix_v6,
    })
}

/// Counts sockets per group and reports groups at or over the threshold.
fn evaluate(run: &RuleRun<'_>, rule: &FloodRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // Keyed by namespace too for listener and process groups: two containers listening on
    // the same port are two listeners (the finding names the namespace).
    let mut groups: BTreeMap<(&str, String), Vec<&Socket>> = BTreeMap::new();
    for socket in &ctx.snapshot.sockets {
        if !socket.state.is_some_and(|s| rule.states.contains(&s)) {
            continue;
        }
        if !rule.selector.matches_socket(socket)
            || !rule.selector.matches_process(ctx.process(socket))
        {
            continue;
        }
        let Some(key) = group_key(rule, ctx, socket) else {
            continue;
        };
        let netns = match rule.group_by {
            GroupBy::Listener | GroupBy::Process => socket.netns_label(),
            _ => "",
        };
        groups.entry((netns, key)).or_default().push(socket);
    }
    let states: Vec<&str> = rule.states.iter().map(|s| s.as_str()).collect();
    let states = states.join("/");
    for ((_, key), sockets) in groups {
        if sockets.len() < rule.threshold {
            continue;
        }
        let first = sockets[0];
        let process = ctx.process(first);
        if run.allowed(first, process) {
            continue;
        }
        let what = run
            .common
            .description
            .clone()
            .unwrap_or_else(|| format!("too many {states} sockets"));
        // Listener and process groups already name their program.
        let owner = match (rule.group_by, process) {
            (GroupBy::Listener | GroupBy::Process, _) | (_, None) => String::new(),
            (_, Some(p)) => format!(" (owner {} pid {})", p.name, p.pid),
        };
        let message = format!(
            "{what}: {} {states} sockets for {key}{owner} (threshold {})",
            sockets.len(),
            rule.threshold
        );
        // The identity of a listener/process group is its program, never its PID.
        let identity = match rule.group_by {
            GroupBy::Listener | GroupBy::Process => {
                let port = match rule.group_by {
                    GroupBy::Listener => ctx.stable_port(first.local_port),
                    _ => String::new(),
                };
                format!("{}|{port}|{}", first.proto, program_identity(process))
            }
            _ => key.clone(),
        };
        out.push(run.finding(
            message,
            &[&states, &identity],
            Some(first),
            process,
            Evidence {
                threshold: Some(rule.threshold),
                group: Some(key),
                ..Evidence::of(&sockets)
            },
        ));
    }
}

fn group_key(rule: &FloodRule, ctx: &Context<'_>, socket: &Socket) -> Option<String> {
    Some(match rule.group_by {
        GroupBy::Listener => {
            let program = ctx
                .process(socket)
                .map_or("?".to_string(), |p| p.name.clone());
            format!(
                "listener {}/{} ({program})",
                socket.local_port, socket.proto
            )
        }
        GroupBy::RemotePrefix => {
            let addr = canonical(socket.remote_ip()?);
            let len = match addr {
                IpAddr::V4(_) => rule.prefix_v4,
                IpAddr::V6(_) => rule.prefix_v6,
            };
            let net = IpNet::new(addr, len).ok()?.trunc();
            format!("remote {net}")
        }
        GroupBy::RemoteIp => format!("remote {}", canonical(socket.remote_ip()?)),
        GroupBy::Process => match (socket.pids.first(), ctx.process(socket)) {
            (Some(pid), Some(p)) => format!("process {} (pid {pid})", p.name),
            (Some(pid), None) => format!("process {pid}"),
            (None, _) => "unattributed sockets".to_string(),
        },
        GroupBy::All => "all sockets".to_string(),
    })
}
