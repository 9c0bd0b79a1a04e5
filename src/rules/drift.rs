#![doc = include_str!("../../docs/rules/baseline.md")]

use std::sync::Arc;

use crate::engine::{Context, RuleRun, owner_phrase, program_identity};
use crate::model::baseline::{BasePort, Baseline, Listener};
use crate::model::finding::{Evidence, Finding, Severity};
use crate::model::scope::classify;
use crate::model::{Process, Socket};
use crate::text::endpoint::endpoint;

/// This kind's documentation (shown by `rules explain`).
pub const DOC: &str = include_str!("../../docs/rules/baseline.md");

/// The drift checks: five about sockets, four about routes, two about gateway MACs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftCheck {
    /// A listener the baseline does not have.
    NewListener,
    /// A baselined listener that is gone.
    ExpectedListenerMissing,
    /// Same port, different executable or user.
    OwnerChanged,
    /// Same port, wider bind.
    ScopeWidened,
    /// A program with sockets that the baseline does not list.
    NewProcess,
    /// A default route's gateway changed (or a default route appeared).
    DefaultRouteChanged,
    /// A new route sends public destinations somewhere more specific than the default route.
    RouteCapturesPublic,
    /// A default route out of an interface that carried none in the baseline.
    DefaultRouteNewInterface,
    /// A baselined route is gone.
    ExpectedRouteMissing,
    /// A baselined gateway answers with another MAC address.
    GatewayMacChanged,
    /// A gateway's MAC address also answers for another neighbour.
    GatewayMacShared,
}

impl DriftCheck {
    /// Every check with its rule id, default severity and description.
    pub const ALL: [(DriftCheck, &'static str, Severity, &'static str); 11] = [
        (
            DriftCheck::NewListener,
            "new-listener",
            Severity::Medium,
            "Listener not in the baseline",
        ),
        (
            DriftCheck::ExpectedListenerMissing,
            "expected-listener-missing",
            Severity::Medium,
            "Baselined listener is not listening",
        ),
        (
            DriftCheck::OwnerChanged,
            "owner-changed",
            Severity::High,
            "Baselined port owned by a different program or user",
        ),
        (
            DriftCheck::ScopeWidened,
            "scope-widened",
            Severity::High,
            "Baselined listener now binds more widely",
        ),
        (
            DriftCheck::NewProcess,
            "new-process",
            Severity::Low,
            "Program with sockets not in the baseline",
        ),
        (
            DriftCheck::DefaultRouteChanged,
            "default-route-changed",
            Severity::High,
            "Default route now via another gateway than the baseline's",
        ),
        (
            DriftCheck::RouteCapturesPublic,
            "route-captures-public",
            Severity::Medium,
            "New route captures public destinations more specifically than the default route",
        ),
        (
            DriftCheck::DefaultRouteNewInterface,
            "default-route-new-interface",
            Severity::Medium,
            "Default route out of an interface that had none in the baseline",
        ),
        (
            DriftCheck::ExpectedRouteMissing,
            "expected-route-missing",
            Severity::Low,
            "Baselined route is gone",
        ),
        (
            DriftCheck::GatewayMacChanged,
            "gateway-mac-changed",
            Severity::High,
            "Gateway answers with another MAC address than in the baseline (ARP/NDP spoofing)",
        ),
        (
            DriftCheck::GatewayMacShared,
            "gateway-mac-shared",
            Severity::Medium,
            "Gateway's MAC address also answers for another neighbour (ARP spoofing)",
        ),
    ];

    /// Whether the check compares routes or gateways (and so needs the routing table).
    pub fn is_route_check(self) -> bool {
        !matches!(
            self,
            DriftCheck::NewListener
                | DriftCheck::ExpectedListenerMissing
                | DriftCheck::OwnerChanged
                | DriftCheck::ScopeWidened
                | DriftCheck::NewProcess
        )
    }

    /// Whether the check needs the neighbour (ARP/NDP) table too.
    pub fn needs_neighbours(self) -> bool {
        matches!(
            self,
            DriftCheck::GatewayMacChanged | DriftCheck::GatewayMacShared
        )
    }
}

/// What a rule set needs read beyond the socket table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteNeeds {
    /// The routing table.
    pub routes: bool,
    /// The neighbour table as well.
    pub neighbours: bool,
}

/// The tables the enabled drift rules of `rules` need.
pub fn route_needs(rules: &crate::rules::RuleSet) -> RouteNeeds {
    let mut needs = RouteNeeds::default();
    for rule in rules.rules.iter().filter(|r| r.dormant_reason().is_none()) {
        if let super::Body::Drift(d) = &rule.body
            && d.check.is_route_check()
        {
            needs.routes = true;
            needs.neighbours |= d.check.needs_neighbours();
        }
    }
    needs
}

/// Why a drift rule cannot run on this snapshot (its data is missing), if it cannot.
pub fn missing_data(rule: &DriftRule, snapshot: &crate::model::Snapshot) -> Option<String> {
    if !rule.check.is_route_check() {
        return None;
    }
    let Some(table) = &snapshot.routes else {
        return Some(
            "needs the routing table, which this input lacks: it is read live on Linux only, and socket captures carry none (docs/routes.md)".to_string(),
        );
    };
    (rule.check.needs_neighbours() && table.neighbours.is_none()).then(|| {
        "needs the neighbour (ARP/NDP) table, which this input lacks (docs/routes.md)".to_string()
    })
}

/// A drift rule: one check against one baseline.
#[derive(Debug, Clone)]
pub struct DriftRule {
    /// Which check.
    pub check: DriftCheck,
    /// The baseline (shared by the five rules).
    pub baseline: Arc<Baseline>,
}

fn owner_differs(entry: &Listener, process: Option<&Process>) -> Option<String> {
    let p = process?;
    let mut changes = Vec::new();
    if let (Some(was), Some(now)) = (&entry.exe, &p.exe)
        && was != now
    {
        changes.push(format!("exe {was} -> {now}"));
    }
    if let (Some(was), Some(now)) = (&entry.user, &p.user)
        && was != now
    {
        changes.push(format!("user {was} -> {now}"));
    }
    (!changes.is_empty()).then(|| changes.join(", "))
}

/// Runs one drift check.
pub fn evaluate(run: &RuleRun<'_>, rule: &DriftRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let base = &rule.baseline;
    let snapshot = ctx.snapshot;
    if rule.check.is_route_check() {
        if let Some(table) = &snapshot.routes {
            super::route_drift::evaluate(run, rule.check, base, table, out);
        }
        return;
    }
    match rule.check {
        DriftCheck::ExpectedListenerMissing => {
            for entry in base.listeners.iter().filter(|e| !e.optional) {
                let present = snapshot
                    .sockets
                    .iter()
                    .filter(|s| snapshot.in_own_namespace(s))
                    .any(|s| crate::model::baseline::covers(entry, s, snapshot));
                if present {
                    continue;
                }
                let port = match entry.port {
                    BasePort::Number(n) => n.to_string(),
                    BasePort::Ephemeral => "ephemeral".to_string(),
                };
                let owner = entry.process.as_deref().unwrap_or("unknown program");
                let message = format!(
                    "{} {} port {port} ({owner}) is not listening (baseline entry at {})",
                    entry.proto,
                    entry.bind.text(),
                    entry.origin
                );
                out.push(run.finding(
                    message,
                    &[entry.proto.as_str(), &entry.bind.text(), &port],
                    None,
                    None,
                    Evidence::default(),
                ));
            }
        }
        DriftCheck::NewProcess => {
            for (process, sockets) in ctx.processes_with_sockets() {
                // Baselines describe our own namespace; containers are checked by rules.
                if !sockets.iter().any(|s| snapshot.in_own_namespace(s))
                    || base.programs.iter().any(|p| p.matches(process))
                    || run.allowed_process(process, sockets)
                {
                    continue;
                }
                let message = format!(
                    "{} (pid {}, {}{}) owns {} socket(s) and is not in the baseline",
                    process.name,
                    process.pid,
                    process.exe.as_deref().unwrap_or("exe unknown"),
                    process
                        .user
                        .as_deref()
                        .map_or(String::new(), |u| format!(", user {u}")),
                    sockets.len()
                );
                out.push(run.process_finding(message, process, sockets));
            }
        }
        check => {
            for socket in snapshot
                .sockets
                .iter()
                .filter(|s| s.is_listener() && snapshot.in_own_namespace(s))
            {
                let process = ctx.process(socket);
                if let Some((message, identity)) = listener_drift(check, base, socket, process, ctx)
                    && !run.allowed(socket, process)
                {
                    let refs: Vec<&str> = identity.iter().map(String::as_str).collect();
                    out.push(run.finding(
                        message,
                        &refs,
                        Some(socket),
                        process,
                        Evidence::of(&[socket]),
                    ));
                }
            }
        }
    }
}

/// What `check` says about one live listener: (message, fingerprint parts).
fn listener_drift(
    check: DriftCheck,
    base: &Baseline,
    socket: &Socket,
    process: Option<&Process>,
    ctx: &Context<'_>,
) -> Option<(String, Vec<String>)> {
    let port = BasePort::of(socket.local_port, ctx.snapshot);
    let exe = process.and_then(|p| p.exe.clone());
    let same_port: Vec<&Listener> = base
        .listeners
        .iter()
        .filter(|e| e.proto == socket.proto && e.port == port)
        // An ephemeral port only identifies a listener together with its program.
        .filter(|e| port != BasePort::Ephemeral || e.exe.is_none() || e.exe == exe)
        .collect();
    let here = endpoint(socket.local_addr, socket.local_port);
    let scope = classify(socket.local_addr);
    let stable_port = ctx.stable_port(socket.local_port);
    let program = program_identity(process);
    let owner = owner_phrase(socket, process);
    if same_port.is_empty() {
        return (check == DriftCheck::NewListener).then(|| {
            (
                format!(
                    "{} {here} listening ({scope} address) by {owner}: not in the baseline",
                    socket.proto
                ),
                vec![
                    socket.proto.as_str().to_string(),
                    scope.as_str().to_string(),
                    stable_port,
                    program,
                ],
            )
        });
    }
    let exact = same_port.iter().find(|e| e.bind.matches(socket.local_addr));
    match (check, exact) {
        (DriftCheck::OwnerChanged, Some(entry)) => owner_differs(entry, process).map(|change| {
            (
                format!(
                    "{} {here}: owner changed ({change}), now {owner}",
                    socket.proto
                ),
                vec![socket.proto.as_str().to_string(), stable_port, program],
            )
        }),
        (DriftCheck::ScopeWidened, None) => {
            let widest = same_port.iter().map(|e| e.bind.width()).max().unwrap_or(0);
            let now = crate::model::baseline::scope_width(scope);
            (now > widest).then(|| {
                let was: Vec<String> = same_port.iter().map(|e| e.bind.text()).collect();
                (
                    format!(
                        "{} port {}: now bound to {} ({scope}), baseline had {} — by {owner}",
                        socket.proto,
                        socket.local_port,
                        socket.local_addr,
                        was.join(", ")
                    ),
                    vec![
                        socket.proto.as_str().to_string(),
                        stable_port,
                        scope.as_str().to_string(),
                    ],
                )
            })
        }
        // A narrower or sideways bind on a baselined port: compare owners with the entry.
        (DriftCheck::OwnerChanged, None) => same_port
            .first()
            .and_then(|entry| owner_differs(entry, process))
            .map(|change| {
                (
                    format!(
                        "{} {here}: owner changed ({change}), now {owner}",
                        socket.proto
                    ),
                    vec![socket.proto.as_str().to_string(), stable_port, program],
                )
            }),
        _ => None,
    }
}
