//! The kinds of fact a collector may be unable to provide (imported captures, other systems).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A kind of fact a collector may be unable to provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fact {
    /// Which process owns a socket.
    Pids,
    /// Process names.
    ProcessNames,
    /// Executable paths (and so whether they were deleted or replaced).
    Exe,
    /// Command lines.
    Cmdline,
    /// Parent PIDs.
    Ppid,
    /// Process users.
    User,
    /// Socket owner uids.
    Uid,
    /// Process start times.
    StartTime,
    /// Socket inodes.
    Inode,
    /// Which of fds 0-2 are sockets (reverse-shell check).
    StdioSockets,
    /// Which of fds 0-2 are pipes or ptys leading to a process with a socket (relayed shells).
    StdioPeers,
    /// The ephemeral port range (ports in it are fingerprinted as `ephemeral`).
    EphemeralPorts,
    /// Which container or systemd unit a process runs in (its cgroup).
    Cgroups,
    /// Listeners' accept-queue length and backlog.
    ListenQueues,
    /// Bytes sent and received per connection (live `tcp_info` counters, TCPView columns).
    Traffic,
    /// Which processes are hidden from `/proc` (the live Linux check run as root).
    HiddenProcesses,
    /// Raw IP and packet sockets (`ss -w`, `ss -0`).
    RawSockets,
}

impl Fact {
    /// Every fact, in display order.
    pub const ALL: [Fact; 17] = [
        Fact::Pids,
        Fact::ProcessNames,
        Fact::Exe,
        Fact::Cmdline,
        Fact::Ppid,
        Fact::User,
        Fact::Uid,
        Fact::StartTime,
        Fact::Inode,
        Fact::StdioSockets,
        Fact::StdioPeers,
        Fact::EphemeralPorts,
        Fact::Cgroups,
        Fact::ListenQueues,
        Fact::Traffic,
        Fact::HiddenProcesses,
        Fact::RawSockets,
    ];

    /// Kebab-case name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::Pids => "pids",
            Fact::ProcessNames => "process-names",
            Fact::Exe => "exe",
            Fact::Cmdline => "cmdline",
            Fact::Ppid => "ppid",
            Fact::User => "user",
            Fact::Uid => "uid",
            Fact::StartTime => "start-time",
            Fact::Inode => "inode",
            Fact::StdioSockets => "stdio-sockets",
            Fact::StdioPeers => "stdio-peers",
            Fact::EphemeralPorts => "ephemeral-ports",
            Fact::Cgroups => "cgroups",
            Fact::ListenQueues => "listen-queues",
            Fact::Traffic => "traffic",
            Fact::HiddenProcesses => "hidden-processes",
            Fact::RawSockets => "raw-sockets",
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
