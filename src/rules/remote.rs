#![doc = include_str!("../../docs/rules/remote.md")]

use super::diag::Diag;
use super::reader::TableReader;
use super::spec::{Lists, Selector};
use crate::engine::{Context, RuleRun, owner_phrase, program_identity};
use crate::enrich::scope::{canonical, classify};
use crate::finding::{Evidence, Finding};
use crate::report::list::endpoint;

/// This kind's documentation (shown by `rules explain`).
pub const DOC: &str = include_str!("../../docs/rules/remote.md");

/// Keys of a `[[remote]]` table.
pub const KEYS: &[&str] = &[
    "id",
    "severity",
    "description",
    "enabled",
    "allow",
    "direction",
    "remote",
    "remote-port",
    "port",
    "proto",
    "bind",
    "process",
    "exe",
    "user",
];

/// Which way a connection was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The peer connected to one of our listeners.
    Inbound,
    /// We connected out.
    Outbound,
    /// Either.
    Any,
}

/// Settings of a `[[remote]]` rule.
#[derive(Debug, Clone)]
pub struct RemoteRule {
    /// Conditions on the socket, the peer and the process.
    pub selector: Selector,
    /// Direction filter.
    pub direction: Direction,
}

/// Reads the kind's own keys.
pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> RemoteRule {
    let selector = Selector::read(reader, lists, diags);
    let direction = match reader.string("direction", diags) {
        Some((text, loc)) => match text.as_str() {
            "inbound" => Direction::Inbound,
            "outbound" => Direction::Outbound,
            "any" => Direction::Any,
            _ => {
                diags.push(
                    Diag::at(
                        loc,
                        format!("unknown direction `{text}`"),
                        "unknown direction",
                    )
                    .help("use one of: inbound, outbound, any"),
                );
                Direction::Any
            }
        },
        None => Direction::Any,
    };
    RemoteRule {
        selector,
        direction,
    }
}

/// One finding per connection (merged by peer and program) that matches and is not allowed.
pub fn evaluate(run: &RuleRun<'_>, rule: &RemoteRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let what = run
        .rule
        .common
        .description
        .clone()
        .unwrap_or_else(|| format!("odd foreign address ({})", run.rule.common.id));
    for socket in &ctx.snapshot.sockets {
        let (Some(remote_addr), Some(remote_port)) = (socket.remote_addr, socket.remote_port)
        else {
            continue;
        };
        if socket.is_listener() {
            continue;
        }
        let inbound = ctx.is_inbound(socket);
        let wanted = match rule.direction {
            Direction::Inbound => inbound,
            Direction::Outbound => !inbound,
            Direction::Any => true,
        };
        if !wanted {
            continue;
        }
        let process = ctx.process(socket);
        if !rule.selector.matches(socket, process) || run.allowed(socket, process) {
            continue;
        }
        let peer = endpoint(remote_addr, remote_port, socket.proto, Default::default());
        let scope = classify(remote_addr);
        let (direction, stable_port, phrase) = if inbound {
            (
                "inbound",
                ctx.stable_port(socket.local_port),
                format!("from {peer} ({scope}) to local port {}", socket.local_port),
            )
        } else {
            (
                "outbound",
                remote_port.to_string(),
                format!("to {peer} ({scope})"),
            )
        };
        let message = format!(
            "{what}: {direction} {} connection {phrase} by {}",
            socket.proto,
            owner_phrase(socket, process)
        );
        let peer_ip = canonical(remote_addr).to_string();
        out.push(run.finding(
            message,
            &[
                direction,
                socket.proto.as_str(),
                &peer_ip,
                &stable_port,
                &program_identity(process),
            ],
            Some(socket),
            process,
            Evidence {
                count: 1,
                sockets: vec![socket.clone()],
                ..Evidence::default()
            },
        ));
    }
}
