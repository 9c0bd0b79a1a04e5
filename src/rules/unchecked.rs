//! Sockets the rules that look at processes could not check: their owner exists but could not
//! be read. Said next to the result, so that a scan without root never reads as all-clear.

use serde::Serialize;

use crate::model::{Snapshot, Socket, Unattributed};
use crate::text::endpoint::proto_text;

/// Sockets named in [`Unchecked::examples`]; the count says how many more there are.
pub const EXAMPLES: usize = 3;

/// Sockets whose owner could not be read, and the rules that therefore could not check them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unchecked {
    /// Sockets whose owning process could not be read.
    pub sockets: usize,
    /// The rules that ran and look at the owning process, sorted.
    pub rules: Vec<String>,
    /// Why, and what to do.
    pub reason: String,
    /// Running as root would check them (the scan was not privileged); `--strict` then fails.
    pub needs_root: bool,
    /// The first few of them in socket order (`tcp 0.0.0.0:2024 LISTEN`), so a person knows
    /// which sockets to look at; at most [`EXAMPLES`].
    pub examples: Vec<String>,
}

/// `tcp 10.0.0.5:22 -> 10.0.0.9:51234 ESTABLISHED`, `udp 0.0.0.0:68`.
fn describe(socket: &Socket) -> String {
    let mut text = format!(
        "{} {}",
        proto_text(socket),
        crate::text::endpoint::local_of(socket)
    );
    if let Some(remote) = crate::text::endpoint::remote_of(socket)
        && socket.remote_ip().is_none_or(|a| !a.is_unspecified())
    {
        text.push_str(" -> ");
        text.push_str(&remote);
    }
    if let Some(state) = socket.state {
        text.push(' ');
        text.push_str(state.as_str());
    }
    if let Some(netns) = &socket.netns {
        text.push_str(" in ");
        text.push_str(netns);
    }
    text
}

/// What `process_rules` (ids of rules that ran and need process facts) could not check.
pub fn unchecked(snapshot: &Snapshot, mut process_rules: Vec<String>) -> Option<Unchecked> {
    let sockets = snapshot.coverage.unattributed.permission;
    if sockets == 0 || process_rules.is_empty() {
        return None;
    }
    process_rules.sort();
    process_rules.dedup();
    let needs_root = snapshot.coverage.privileged == Some(false);
    let reason = if needs_root {
        "their owners' /proc/PID/fd could not be read (not root): run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (docs/operations.md), to check every socket"
            .to_string()
    } else {
        format!(
            "their owners' /proc/PID/fd could not be read even as root ({} process(es): a sandbox or /proc mounted hidepid)",
            snapshot.coverage.unreadable_processes
        )
    };
    let examples = snapshot
        .sockets
        .iter()
        .filter(|s| s.pids.is_empty() && s.unattributed == Some(Unattributed::Permission))
        .take(EXAMPLES)
        .map(describe)
        .collect();
    Some(Unchecked {
        sockets,
        rules: process_rules,
        reason,
        needs_root,
        examples,
    })
}
