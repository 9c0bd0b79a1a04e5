//! The engine: a pure function from rules and a snapshot to sorted findings. No I/O.
//!
//! The snapshot is indexed once (listening ports, sockets per process); each rule then makes
//! one pass over the sockets or processes it concerns, so cost stays linear in sockets × rules.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::enrich::{Capabilities, Enrichment};
use crate::model::finding::{Evidence, Finding, fingerprint};
use crate::model::remote::RemoteInfo;
use crate::model::{Fact, Process, Protocol, Snapshot, Socket};
use crate::rules::{Allow, Body, Rule, RuleSet};

/// A note about the evaluation (expired suppressions, dormant rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The rule concerned, if any.
    pub rule: Option<String>,
    /// What happened.
    pub message: String,
}

/// A rule that could not run because data it needs is missing (no GeoIP database, no feed), or
/// comes only from a check that was not asked for (`--deep`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inactive {
    /// The rule.
    pub rule: String,
    /// What is missing and how to provide it.
    pub reason: String,
    /// Where the rule is defined.
    pub origin: String,
    /// The data comes from an opt-in check this run did not ask for (`--deep`): `--strict`
    /// does not count it as missing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub opt_in: bool,
}

/// Findings and warnings of one evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    /// Rules that could not run (never silently passing).
    pub inactive: Vec<Inactive>,
    /// Sorted: severity (highest first), rule id, then socket.
    pub findings: Vec<Finding>,
    /// Sorted warnings.
    pub warnings: Vec<Warning>,
    /// Rules evaluated.
    pub rules_run: usize,
}

/// Indexes over one snapshot, built once per evaluation.
pub struct Context<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// Facts about remote addresses.
    pub enrichment: &'a Enrichment,
    listening: HashSet<(Protocol, u16)>,
    sockets_by_pid: BTreeMap<u32, Vec<&'a Socket>>,
}

impl<'a> Context<'a> {
    /// Indexes a snapshot.
    pub fn new(snapshot: &'a Snapshot, enrichment: &'a Enrichment) -> Context<'a> {
        let mut listening = HashSet::new();
        let mut sockets_by_pid: BTreeMap<u32, Vec<&Socket>> = BTreeMap::new();
        for s in &snapshot.sockets {
            if s.is_listener() {
                listening.insert((s.proto, s.local_port));
            }
            for pid in &s.pids {
                sockets_by_pid.entry(*pid).or_default().push(s);
            }
        }
        Context {
            snapshot,
            enrichment,
            listening,
            sockets_by_pid,
        }
    }

    /// The first owning process with known facts.
    pub fn process(&self, socket: &Socket) -> Option<&'a Process> {
        self.snapshot.process_of(socket)
    }

    /// Processes that own sockets, with their sockets, in PID order.
    pub fn processes_with_sockets(&self) -> impl Iterator<Item = (&'a Process, &[&'a Socket])> {
        self.sockets_by_pid.iter().filter_map(|(pid, sockets)| {
            self.snapshot
                .processes
                .get(pid)
                .map(|p| (p, sockets.as_slice()))
        })
    }

    /// What is known about a remote address.
    pub fn remote_info(&self, ip: std::net::IpAddr) -> std::borrow::Cow<'a, RemoteInfo> {
        self.enrichment.lookup(ip)
    }

    /// A connected socket is inbound when its local port is one we listen on.
    pub fn is_inbound(&self, socket: &Socket) -> bool {
        self.listening.contains(&(socket.proto, socket.local_port))
    }

    /// A port as it goes into fingerprints: `ephemeral` inside the kernel's client range.
    pub fn stable_port(&self, port: u16) -> String {
        if self.snapshot.host.is_ephemeral(port) {
            "ephemeral".to_string()
        } else {
            port.to_string()
        }
    }
}

/// A rule being evaluated, with its still-valid allow entries.
pub struct RuleRun<'r> {
    /// The rule.
    pub rule: &'r Rule,
    allows: Vec<&'r Allow>,
}

impl<'r> RuleRun<'r> {
    /// Whether an allow entry covers this socket.
    pub fn allowed(&self, socket: &Socket, process: Option<&Process>) -> bool {
        self.allows
            .iter()
            .any(|a| a.selector.matches(socket, process))
    }

    /// Whether an allow entry covers this process (process-level conditions only).
    pub fn allowed_process(&self, process: &Process, sockets: &[&Socket]) -> bool {
        self.allows.iter().any(|a| {
            let s = &a.selector;
            if s.has_socket_conditions() {
                sockets.iter().any(|sock| s.matches(sock, Some(process)))
            } else {
                s.matches_process(Some(process))
            }
        })
    }

    /// A finding about a program (process rules, new programs): identified by its executable
    /// and user, never its PID (nor its container: the same program in two containers is one
    /// finding); evidence is its sockets.
    pub fn process_finding(
        &self,
        message: String,
        process: &Process,
        sockets: &[&Socket],
    ) -> Finding {
        let user = process.user.clone().unwrap_or_default();
        self.build(
            message,
            &[&program_identity(Some(process)), &user],
            sockets.first().copied(),
            Some(process),
            Evidence::of(sockets),
        )
    }

    /// Builds a finding of this rule. A socket outside the host's network namespace is
    /// identified with its namespace too (two containers listening on the same port are two
    /// findings), and the message says where it is.
    pub fn finding(
        &self,
        message: String,
        identity: &[&str],
        socket: Option<&Socket>,
        process: Option<&Process>,
        evidence: Evidence,
    ) -> Finding {
        match socket.filter(|s| !s.in_host_netns()) {
            Some(s) => {
                let label = s.netns_label();
                let mut parts = identity.to_vec();
                parts.push(label);
                let message = format!("{message} in netns {label}");
                self.build(message, &parts, socket, process, evidence)
            }
            None => self.build(message, identity, socket, process, evidence),
        }
    }

    fn build(
        &self,
        message: String,
        identity: &[&str],
        socket: Option<&Socket>,
        process: Option<&Process>,
        evidence: Evidence,
    ) -> Finding {
        let common = &self.rule.common;
        let mut parts = vec![common.id.as_str()];
        parts.extend_from_slice(identity);
        Finding {
            rule: common.id.clone(),
            kind: self.rule.kind(),
            severity: common.severity,
            message,
            fingerprint: fingerprint(&parts),
            origin: common.origin.clone(),
            socket: socket.cloned(),
            process: process.cloned(),
            remote: None,
            evidence,
        }
    }
}

/// What a rule needs that this run lacks, if anything.
fn missing_capability(rule: &Rule, caps: &Capabilities, snapshot: &Snapshot) -> Option<String> {
    if let Body::Drift(drift) = &rule.body {
        return crate::rules::drift::missing_data(drift, snapshot);
    }
    if matches!(rule.body, Body::Hidden(_)) && snapshot.deep.is_none() {
        return Some(
            "needs the hidden-socket check: run `sockaudit scan --deep` as root on the machine itself (docs/deep.md)".to_string(),
        );
    }
    if let Body::Counter(counter) = &rule.body {
        return crate::rules::counter::missing_data(counter, snapshot);
    }
    if let Some(fact) = needed_facts(rule)
        .into_iter()
        .find(|f| fact_missing(*f, snapshot))
    {
        return Some(format!(
            "the input does not show {} (an imported capture?), so this rule cannot check anything",
            fact_phrase(fact)
        ));
    }
    let Body::Remote(remote) = &rule.body else {
        return None;
    };
    let peer = &remote.peer;
    if peer.needs_country() && !caps.country {
        return Some(
            "needs a GeoIP country database: pass --geoip FILE or add [geoip] databases = [...] (docs/geoip.md)".to_string(),
        );
    }
    if peer.needs_asn() && !caps.asn {
        return Some(
            "needs a GeoIP ASN database: pass --geoip FILE or add [geoip] databases = [...] (docs/geoip.md)".to_string(),
        );
    }
    let missing: Vec<&str> = peer
        .feeds
        .iter()
        .filter(|f| !caps.feeds.contains(*f))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "feed(s) {} not configured: add [feeds] {} = \"/path/to/list\" (docs/geoip.md)",
            missing.join(", "),
            missing[0]
        ));
    }
    None
}

/// Whether the snapshot lacks a fact: its source said so, or (for queue sizes and traffic
/// counters, which older snapshots, other systems and collections that did not ask never
/// carry) no socket has it.
fn fact_missing(fact: Fact, snapshot: &Snapshot) -> bool {
    snapshot.coverage.missing.contains(&fact)
        || (fact == Fact::ListenQueues
            && !snapshot
                .sockets
                .iter()
                .any(|s| s.listen.as_ref().is_some_and(|l| l.backlog.is_some())))
        || (fact == Fact::Traffic
            && !snapshot
                .sockets
                .iter()
                .any(|s| s.bytes_sent().is_some() || s.bytes_received().is_some()))
}

/// Whether a rule waits only for something the run did not ask for: the hidden-socket check
/// (`--deep`), or a second counter sample (`--sample`, or the next run with `--state`).
fn needs_opt_in(rule: &Rule, snapshot: &Snapshot) -> bool {
    match &rule.body {
        Body::Hidden(_) => snapshot.deep.is_none(),
        Body::Counter(counter) => snapshot
            .counters
            .iter()
            .filter(|ns| counter.applies_to(&ns.namespace))
            .all(|ns| ns.previous.is_none()),
        _ => false,
    }
}

/// The process facts a rule needs to decide anything.
fn needed_facts(rule: &Rule) -> Vec<Fact> {
    let selector_facts = |s: &crate::rules::spec::Selector| {
        let mut facts = Vec::new();
        if s.process.is_some() {
            facts.push(Fact::ProcessNames);
        }
        if s.exe.is_some() {
            facts.push(Fact::Exe);
        }
        if s.user.is_some() {
            facts.push(Fact::User);
        }
        if s.container.is_some() || s.unit.is_some() {
            facts.push(Fact::Cgroups);
        }
        facts
    };
    match &rule.body {
        Body::Listen(b) => {
            let mut facts = selector_facts(&b.selector);
            if b.accept_queue_percent.is_some() {
                facts.push(Fact::ListenQueues);
            }
            facts
        }
        Body::Flood(b) => selector_facts(&b.selector),
        Body::Remote(b) => {
            let mut facts = selector_facts(&b.selector);
            if b.volume.is_set() {
                facts.push(Fact::Traffic);
            }
            facts
        }
        Body::Process(b) => {
            let mut facts = selector_facts(&b.selector);
            // `known` lists paths as well as names: without exe paths it would flag everything.
            if b.known.is_some() || b.exe_deleted || b.masquerade {
                facts.push(Fact::Exe);
            }
            if b.stdio_socket {
                facts.push(Fact::StdioSockets);
            }
            facts.push(Fact::Pids);
            facts
        }
        Body::Hidden(b) => selector_facts(&b.selector),
        Body::Drift(_) | Body::Counter(_) => Vec::new(),
    }
}

fn fact_phrase(fact: Fact) -> &'static str {
    match fact {
        Fact::Pids => "which process owns each socket",
        Fact::ProcessNames => "process names",
        Fact::Exe => "executable paths",
        Fact::User => "process users",
        Fact::StdioSockets => "which of a process's fds 0-2 are sockets",
        Fact::Cgroups => "which container or systemd unit a process runs in",
        Fact::ListenQueues => "listeners' accept-queue sizes",
        Fact::Traffic => "how many bytes each connection sent and received",
        _ => "a fact it needs",
    }
}

/// Evaluates every enabled rule against the snapshot. `today` decides which allow entries have
/// expired; `enrichment` holds what is known about remote addresses.
pub fn evaluate(
    rules: &RuleSet,
    snapshot: &Snapshot,
    enrichment: &Enrichment,
    today: jiff::civil::Date,
) -> Evaluation {
    let ctx = Context::new(snapshot, enrichment);
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut inactive = Vec::new();
    let mut rules_run = 0;
    for rule in &rules.rules {
        if rule.dormant_reason().is_some() {
            continue;
        }
        if let Some(reason) = missing_capability(rule, &enrichment.capabilities, snapshot) {
            inactive.push(Inactive {
                rule: rule.common.id.clone(),
                reason,
                origin: rule.common.origin.clone(),
                opt_in: needs_opt_in(rule, snapshot),
            });
            continue;
        }
        let mut allows = Vec::with_capacity(rule.common.allow.len());
        for allow in &rule.common.allow {
            match allow.expires {
                Some(date) if date < today => warnings.push(Warning {
                    rule: Some(rule.common.id.clone()),
                    message: format!(
                        "allow entry at {} expired on {date} and no longer suppresses (reason was: {})",
                        allow.origin, allow.reason
                    ),
                }),
                _ => allows.push(allow),
            }
        }
        let run = RuleRun { rule, allows };
        rules_run += 1;
        match &rule.body {
            Body::Listen(body) => crate::rules::listen::evaluate(&run, body, &ctx, &mut findings),
            Body::Flood(body) => crate::rules::flood::evaluate(&run, body, &ctx, &mut findings),
            Body::Remote(body) => crate::rules::remote::evaluate(&run, body, &ctx, &mut findings),
            Body::Process(body) => crate::rules::process::evaluate(&run, body, &ctx, &mut findings),
            Body::Drift(body) => crate::rules::drift::evaluate(&run, body, &ctx, &mut findings),
            Body::Hidden(body) => crate::rules::hidden::evaluate(&run, body, &ctx, &mut findings),
            Body::Counter(body) => crate::rules::counter::evaluate(&run, body, &ctx, &mut findings),
        }
    }
    let mut findings = merge_and_sort(findings);
    for f in &mut findings {
        f.remote = f
            .socket
            .as_ref()
            .and_then(|s| s.remote_addr)
            .map(|ip| enrichment.get(ip));
    }
    Evaluation {
        findings,
        warnings,
        inactive,
        rules_run,
    }
}

/// One finding per (rule, fingerprint): a listener on 0.0.0.0 and [::] of the same program is
/// one finding with two sockets of evidence.
fn merge_and_sort(findings: Vec<Finding>) -> Vec<Finding> {
    let mut by_identity: HashMap<(String, String), usize> = HashMap::new();
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let key = (f.rule.clone(), f.fingerprint.clone());
        match by_identity.get(&key) {
            Some(&idx) => {
                let target = &mut merged[idx].evidence;
                target.count += f.evidence.count;
                for s in f.evidence.sockets {
                    if target.sockets.len() < Evidence::MAX_SOCKETS {
                        target.sockets.push(s);
                    }
                }
                target.routes.extend(f.evidence.routes);
                target.neighbours.extend(f.evidence.neighbours);
            }
            None => {
                by_identity.insert(key, merged.len());
                merged.push(f);
            }
        }
    }
    for f in &mut merged {
        f.evidence
            .sockets
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    merged.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| {
                let ka = a.socket.as_ref().map(Socket::sort_key);
                let kb = b.socket.as_ref().map(Socket::sort_key);
                ka.cmp(&kb)
            })
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    merged
}

/// The owner for messages: `nc (pid 4242)`, or why it is unknown.
pub fn owner_phrase(socket: &Socket, process: Option<&Process>) -> String {
    match (process, socket.pids.first()) {
        (Some(p), _) => format!("{} (pid {})", p.name, p.pid),
        (None, Some(pid)) => format!("pid {pid}"),
        (None, None) => match socket.unattributed {
            Some(reason) => format!("owner unknown ({})", reason.as_str()),
            None => "owner unknown".to_string(),
        },
    }
}

/// `exe` or name, the program identity used in fingerprints.
pub fn program_identity(process: Option<&Process>) -> String {
    process
        .map(|p| p.exe.clone().unwrap_or_else(|| p.name.clone()))
        .unwrap_or_else(|| "?".to_string())
}
