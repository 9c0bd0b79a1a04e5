//! A process that owns sockets.

use serde::{Deserialize, Serialize};

use super::{Container, Fact};

/// Facts about a process that owns at least one socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: Option<u32>,
    /// Process name (`comm` on Linux, at most 15 bytes there).
    pub name: String,
    /// Executable path, without the kernel's ` (deleted)` suffix.
    pub exe: Option<String>,
    /// The executable was deleted or replaced after the process started (or is a `memfd:`).
    #[serde(default)]
    pub exe_deleted: bool,
    /// The deleted executable's path holds a file again: typically a package upgrade that
    /// replaced the binary while the old process kept running.
    #[serde(default)]
    pub exe_replaced: bool,
    /// Command line, one element per argument.
    #[serde(default)]
    pub cmdline: Vec<String>,
    /// The exact bytes of `name` when they are not UTF-8 (then `name` shows each invalid byte
    /// as `\xNN`); base64 in JSON, absent otherwise. See [`crate::model::raw`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_raw: Option<crate::model::raw::RawBytes>,
    /// The exact bytes of `exe` when they are not UTF-8; base64, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe_raw: Option<crate::model::raw::RawBytes>,
    /// The exact bytes of every `cmdline` element when any is not UTF-8; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmdline_raw: Option<Vec<crate::model::raw::RawBytes>>,
    /// Facts cut at their collection cap (`cmdline` beyond 32 KiB...; docs/security.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub truncated: Vec<Fact>,
    /// Real user name, when the uid resolves.
    pub user: Option<String>,
    /// Real uid.
    pub uid: Option<u32>,
    /// When the process started (RFC 3339).
    pub start_time: Option<jiff::Timestamp>,
    /// Which of fds 0, 1, 2 are TCP/UDP sockets (a shell with its stdio on a socket is the
    /// classic reverse shell).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stdio_sockets: Vec<u32>,
    /// Windows services hosted by the process (`netstat -b` service lines, `tasklist /svc`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// The container the process runs in, from its cgroup (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// The systemd unit (service or scope) the process runs in, from its cgroup (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}
