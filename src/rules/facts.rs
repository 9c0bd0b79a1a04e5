//! Whether a snapshot carries the facts a rule needs, and how to say which one it lacks.

use crate::model::{Fact, Snapshot};

/// The first of `facts` the snapshot lacks, as the reason its rule cannot run.
pub fn missing_fact(facts: &[Fact], snapshot: &Snapshot) -> Option<String> {
    facts
        .iter()
        .find(|f| fact_missing(**f, snapshot))
        .map(|fact| {
            let os = snapshot.host.os.as_deref().unwrap_or_default();
            if snapshot.source == "live" && !os.is_empty() && !os.contains("Linux") {
                // Live collection on Windows or macOS: the fact is Linux's (/proc, fd tables).
                format!(
                    "the live collector does not read {} on {os}, so this rule cannot check anything",
                    fact_phrase(*fact)
                )
            } else {
                format!(
                    "the input does not show {} (an imported capture?), so this rule cannot check anything",
                    fact_phrase(*fact)
                )
            }
        })
}

/// Whether the snapshot lacks a fact: its source said so, or (for queue sizes and traffic
/// counters, which older snapshots, other systems and collections that did not ask never
/// carry) no socket has it.
fn fact_missing(fact: Fact, snapshot: &Snapshot) -> bool {
    snapshot.coverage.missing.contains(&fact)
        // Schema 1 predates stdio peers.
        || (matches!(fact, Fact::StdioPeers | Fact::HiddenProcesses) && snapshot.schema_version < 2)
        // Only collections that read them say so; an empty table alone proves nothing.
        || (fact == Fact::RawSockets && !snapshot.coverage.collected.contains(&fact))
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

fn fact_phrase(fact: Fact) -> &'static str {
    match fact {
        Fact::Pids => "which process owns each socket",
        Fact::ProcessNames => "process names",
        Fact::Exe => "executable paths",
        Fact::Cmdline => "command lines",
        Fact::Ppid => "parent PIDs",
        Fact::User => "process users",
        Fact::StdioSockets => "which of a process's fds 0-2 are sockets",
        Fact::StdioPeers => "which process is at the other end of a process's stdio pipes and ptys",
        Fact::Cgroups => "which container or systemd unit a process runs in",
        Fact::ListenQueues => "listeners' accept-queue sizes",
        Fact::Traffic => "how many bytes each connection sent and received",
        Fact::HiddenProcesses => "which processes are hidden from /proc",
        Fact::RawSockets => "raw IP and packet sockets",
        _ => "a fact it needs",
    }
}
