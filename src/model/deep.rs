//! The hidden-socket cross-check (`scan --deep`): three views of the socket table that must
//! agree, and what did not.
//!
//! `ss` reads netlink sock_diag, `netstat` reads `/proc/net/tcp*`, and every socket a process
//! holds shows in its `/proc/PID/fd`. A rootkit that hides a socket usually hooks one of the
//! first two (the classic kernel rootkits hook `tcp4_seq_show`, i.e. netstat's view), so a
//! socket present in one view and missing from another is suspicious.

use serde::{Deserialize, Serialize};

use super::{Protocol, Socket};

/// One view of the socket table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum View {
    /// netlink sock_diag (what `ss` shows).
    Netlink,
    /// `/proc/net/{tcp,tcp6,udp,udp6}` (what `netstat` shows).
    Proc,
    /// The socket inodes processes hold in `/proc/PID/fd`.
    Fds,
    /// `bind()` on the port fails with EADDRINUSE (`--probe-ports`).
    Bind,
}

impl View {
    /// How reports name it.
    pub fn describe(self) -> &'static str {
        match self {
            View::Netlink => "netlink sock_diag (ss)",
            View::Proc => "/proc/net (netstat)",
            View::Fds => "a process's fd table",
            View::Bind => "bind() (the port is in use)",
        }
    }
}

/// A socket the views disagree about, still after the re-check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenSocket {
    /// The socket as the views that saw it describe it (from a port probe: protocol and port
    /// only, on the unspecified address).
    pub socket: Socket,
    /// Views that show it.
    pub seen_by: Vec<View>,
    /// Views that should show it and do not.
    pub missing_from: Vec<View>,
    /// `(pid, fd)` of a process holding it, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<(u32, u32)>,
}

/// What the port probe (`--probe-ports`) did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortProbe {
    /// `bind()` attempts made.
    pub binds: u64,
    /// How long the probe took, milliseconds.
    pub millis: u64,
    /// Ports whose probe failed for another reason than EADDRINUSE (none expected).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The outcome of the cross-check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeepCheck {
    /// Sockets the views still disagree about after the re-check, sorted.
    pub hidden: Vec<HiddenSocket>,
    /// Disagreements found at first; those gone at the re-check were races (a socket opened or
    /// closed between two reads).
    pub candidates: usize,
    /// How long the re-check waited before looking again, milliseconds.
    pub recheck_pause_ms: u64,
    /// TCP/UDP sockets held by a process and listed by no table because they are not bound or
    /// not active yet (created, bound without listen, or closed): expected, not hidden.
    pub inactive_held: usize,
    /// Held sockets listed by no table that could not be inspected (no pidfd_getfd: an old
    /// kernel, no CAP_SYS_PTRACE, or the process exited), so nothing is claimed about them.
    pub inconclusive: usize,
    /// Namespaces whose views could not all be read (entered via `/proc` only, or not at all):
    /// not compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_namespaces: Vec<String>,
    /// Why the check saw less than it should (not root: other users' fds and other namespaces
    /// could not be read); absent when it saw everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limited: Option<String>,
    /// The port probe, when `--probe-ports` ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<PortProbe>,
    /// How long the check took (views read twice, inspection, probe), milliseconds.
    pub millis: u64,
}

impl HiddenSocket {
    /// `netlink-only`, `proc-only`, `fds-only` or `bind-only`: which single view saw it, or
    /// `VIEW-missing` when more than one did.
    pub fn class(&self) -> String {
        match (self.seen_by.as_slice(), self.missing_from.as_slice()) {
            ([only], _) => format!("{}-only", view_name(*only)),
            (_, [missing]) => format!("{}-missing", view_name(*missing)),
            _ => "disagreement".to_string(),
        }
    }

    /// Protocol and port, for summaries.
    pub fn proto_port(&self) -> (Protocol, u16) {
        (self.socket.proto, self.socket.local_port)
    }
}

fn view_name(view: View) -> &'static str {
    match view {
        View::Netlink => "netlink",
        View::Proc => "proc",
        View::Fds => "fds",
        View::Bind => "bind",
    }
}
