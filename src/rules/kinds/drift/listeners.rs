//! The socket drift checks: new and missing listeners, changed owners, wider binds, new
//! programs.

use super::check::DriftCheck;
use crate::model::baseline::{BasePort, Baseline, Listener, covers};
use crate::model::finding::{Evidence, Finding};
use crate::model::{Process, Socket};
use crate::rules::context::{Context, RuleRun, owner_phrase, program_identity};

fn owner_differs(entry: &Listener, process: Option<&Process>) -> Option<String> {
    let p = process?;
    let mut changes = Vec::new();
    match (&entry.exe, &p.exe) {
        (Some(was), Some(now)) if was != now => changes.push(format!("exe {was} -> {now}")),
        (Some(_), Some(_)) => {}
        // Without both executables (a scan without root), the name still tells programs apart.
        _ => {
            if let Some(was) = &entry.process
                && was != &p.name
            {
                changes.push(format!("process {was} -> {}", p.name));
            }
        }
    }
    if let (Some(was), Some(now)) = (&entry.user, &p.user)
        && was != now
    {
        changes.push(format!("user {was} -> {now}"));
    }
    (!changes.is_empty()).then(|| changes.join(", "))
}

/// Runs one socket drift check.
pub(super) fn evaluate(
    run: &RuleRun<'_>,
    check: DriftCheck,
    base: &Baseline,
    ctx: &Context<'_>,
    out: &mut Vec<Finding>,
) {
    let snapshot = ctx.snapshot;
    let range = base.ephemeral_range(snapshot);
    match check {
        DriftCheck::ExpectedListenerMissing => {
            for entry in base.listeners.iter().filter(|e| !e.optional) {
                let present = snapshot
                    .sockets
                    .iter()
                    .filter(|s| snapshot.in_own_namespace(s))
                    .any(|s| covers(entry, s, ctx.process(s), range));
                if present {
                    continue;
                }
                let port = match entry.port {
                    BasePort::Number(n) => n.to_string(),
                    BasePort::Ephemeral => "ephemeral".to_string(),
                };
                let owner = entry
                    .process
                    .as_deref()
                    .or(entry.exe.as_deref())
                    .unwrap_or("unknown program");
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
                if let Some((message, identity)) =
                    listener_drift(check, base, socket, process, range)
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
    range: [u16; 2],
) -> Option<(String, Vec<String>)> {
    // The entries for this port: the same number whoever owns it (another program on it is an
    // owner change), or a moving port of this very program.
    let same_port: Vec<&Listener> = base
        .listeners
        .iter()
        .filter(|e| e.proto == socket.proto && e.port_matches(socket.local_port, process, range))
        .collect();
    let here = crate::text::endpoint::local_of(socket);
    let scope = socket.local_scope();
    // Drift is about this exact port, unless the baseline says the port moves.
    let port = if same_port.iter().any(|e| e.port == BasePort::Ephemeral) {
        "ephemeral".to_string()
    } else {
        socket.local_port.to_string()
    };
    let program = program_identity(process);
    let owner = owner_phrase(socket, process);
    if same_port.is_empty() {
        return (check == DriftCheck::NewListener).then(|| {
            (
                format!(
                    "{} {here} listening ({scope} address) by {owner}: not in the baseline{}",
                    socket.proto,
                    moved_hint(base, socket, process, range)
                ),
                vec![
                    socket.proto.as_str().to_string(),
                    scope.as_str().to_string(),
                    port,
                    program,
                ],
            )
        });
    }
    let exact = same_port.iter().find(|e| e.bind.matches_socket(socket));
    let changed = |entry: &Listener| {
        owner_differs(entry, process).map(|change| {
            (
                format!(
                    "{} {here}: owner changed ({change}), now {owner}",
                    socket.proto
                ),
                vec![socket.proto.as_str().to_string(), port.clone(), program.clone()],
            )
        })
    };
    match (check, exact) {
        (DriftCheck::OwnerChanged, Some(entry)) => changed(entry),
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
                        port.clone(),
                        scope.as_str().to_string(),
                    ],
                )
            })
        }
        // A narrower or sideways bind on a baselined port: compare owners with the entry.
        (DriftCheck::OwnerChanged, None) => same_port.first().and_then(|entry| changed(entry)),
        _ => None,
    }
}

/// For a new listener on a port of the client range whose program the baseline has on another
/// port of that range: how to record a port that moves (the finding stays: a second listener
/// of that program is drift too).
fn moved_hint(base: &Baseline, socket: &Socket, p: Option<&Process>, range: [u16; 2]) -> String {
    let in_range = |port: u16| crate::model::baseline::in_range(port, range);
    if !in_range(socket.local_port) {
        return String::new();
    }
    base.listeners
        .iter()
        .find_map(|e| match e.port {
            BasePort::Number(n)
                if n != socket.local_port
                    && in_range(n)
                    && e.proto == socket.proto
                    && e.bind.matches_socket(socket)
                    && e.program_matches(p) =>
            {
                Some(format!(
                    " (the baseline has this program on port {n}: if its port moves at each \
                     start, `sockaudit baseline update` learns that)"
                ))
            }
            _ => None,
        })
        .unwrap_or_default()
}
