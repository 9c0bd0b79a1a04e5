#![doc = include_str!("../../../../docs/rules/port-scan.md")]

pub mod window;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::finding::{Evidence, Finding, RuleKind};
use crate::model::{Fact, Process, Protocol, Socket};
use crate::rules::context::{Context, RuleRun, program_identity};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;
use crate::rules::spec::{Lists, Selector};

/// The `[[port-scan]]` kind.
pub struct PortScan;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("port-scan");

/// Distinct ports when `threshold` is not given.
pub const DEFAULT_THRESHOLD: usize = 100;
/// Seconds of an event stream's window when `window` is not given.
pub const DEFAULT_WINDOW_SECS: u64 = 10;

impl Kind for PortScan {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../../docs/rules/port-scan.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "threshold",
            "window",
            "process",
            "exe",
            "user",
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

/// Settings of a `[[port-scan]]` rule.
#[derive(Debug, Clone)]
pub struct PortScanRule {
    /// Distinct TCP ports of one peer, from one process, that make a scan.
    pub threshold: usize,
    /// How long an event stream collects a process's ports to one peer (seconds).
    pub window_secs: u64,
    /// Process conditions and `namespace`.
    pub selector: Selector,
}

impl Body for PortScanRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needed_facts(&self) -> Vec<Fact> {
        let mut facts = vec![Fact::Pids];
        facts.extend(self.selector.needed_facts());
        facts
    }

    fn needs_process_facts(&self) -> bool {
        true
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn positive(
    reader: &mut TableReader<'_>,
    key: &str,
    default: u64,
    max: u64,
    diags: &mut Vec<Diag>,
) -> Option<u64> {
    match reader.integer(key, diags) {
        Some((n, _)) if n >= 1 && n.unsigned_abs() <= max => Some(n.unsigned_abs()),
        Some((n, loc)) => {
            diags.push(Diag::at(
                loc,
                format!("{key} {n} must be between 1 and {max}"),
                format!("bad {key}"),
            ));
            None
        }
        None => Some(default),
    }
}

/// Reads the kind's own keys.
pub fn read(
    reader: &mut TableReader<'_>,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<PortScanRule> {
    let selector = Selector::read(reader, lists, diags);
    let threshold = positive(reader, "threshold", DEFAULT_THRESHOLD as u64, 65_535, diags);
    let window = positive(reader, "window", DEFAULT_WINDOW_SECS, 3_600, diags);
    Some(PortScanRule {
        threshold: usize::try_from(threshold?).ok()?,
        window_secs: window?,
        selector,
    })
}

/// One finding per program (exe, user), peer address and namespace whose TCP sockets reach
/// at least `threshold` distinct ports of that peer.
fn evaluate(run: &RuleRun<'_>, rule: &PortScanRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    type Key<'a> = (String, String, std::net::IpAddr, &'a str);
    let mut groups: BTreeMap<Key<'_>, (&Process, BTreeSet<u16>, Vec<&Socket>)> = BTreeMap::new();
    for socket in &ctx.snapshot.sockets {
        let (Some(ip), Some(port)) = (socket.remote_ip(), socket.remote_port) else {
            continue;
        };
        if socket.proto != Protocol::Tcp || socket.is_listener() || ctx.is_inbound(socket) {
            continue;
        }
        // A socket without a known owner is a coverage gap, not a scanner.
        let Some(process) = ctx.process(socket) else {
            continue;
        };
        if !rule.selector.matches(socket, Some(process)) || run.allowed(socket, Some(process)) {
            continue;
        }
        let key = (
            program_identity(Some(process)),
            process.user.clone().unwrap_or_default(),
            ip,
            socket.netns_label(),
        );
        let entry = groups
            .entry(key)
            .or_insert_with(|| (process, BTreeSet::new(), Vec::new()));
        if entry.1.insert(port) {
            entry.2.push(socket);
        }
    }
    for ((program, user, ip, _), (process, ports, sockets)) in groups {
        if ports.len() < rule.threshold {
            continue;
        }
        let (low, high) = (
            ports.first().copied().unwrap_or(0),
            ports.last().copied().unwrap_or(0),
        );
        let message = format!(
            "{}: {} (pid {}, {}) connected to {} distinct TCP ports of {ip} ({low}-{high})",
            run.common
                .description
                .clone()
                .unwrap_or_else(|| "port scan".to_string()),
            process.name,
            process.pid,
            process.exe.as_deref().unwrap_or("exe unknown"),
            ports.len(),
        );
        let ip = ip.to_string();
        let mut f = run.finding(
            message,
            &[&program, &user, &ip],
            sockets.first().copied(),
            Some(process),
            Evidence::of(&sockets),
        );
        f.evidence.count = ports.len();
        out.push(f);
    }
}
