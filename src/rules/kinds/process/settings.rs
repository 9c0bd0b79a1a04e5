//! The settings of a `[[process]]` rule and their defaults.

use crate::rules::spec::{AddrSpec, Globs, Selector};

/// Exe file names whose processes legitimately carry a script's name.
pub const DEFAULT_INTERPRETERS: &[&str] = &[
    "python*", "pypy*", "perl*", "ruby*", "node", "nodejs", "java", "php*", "bash", "sh", "dash",
    "zsh", "ksh*", "mksh", "lua*", "tclsh*", "wish*", "mono*", "dotnet", "busybox", "qemu-*",
];

/// Relays that legitimately drive shells over the network, by exe path: the SSH servers.
pub const DEFAULT_TRUSTED_RELAYS: &[&str] = &[
    "/usr/sbin/sshd",
    "/usr/lib/openssh/sshd-session",
    "/usr/lib/openssh/sshd-auth",
    "/usr/libexec/openssh/sshd-session",
    "/usr/sbin/dropbear",
    "/usr/bin/mosh-server",
];

/// Settings of a `[[process]]` rule.
#[derive(Debug, Clone)]
pub struct ProcessRule {
    /// `process`, `exe`, `user` conditions.
    pub selector: Selector,
    /// Fires for processes matching none of these (name or exe).
    pub known: Option<Globs>,
    /// Fires for deleted (not replaced) executables.
    pub exe_deleted: bool,
    /// Fires when the name is not the exe's file name.
    pub masquerade: bool,
    /// Fires when fd 0, 1 or 2 is a socket.
    pub stdio_socket: bool,
    /// Fires when fd 0, 1 or 2 is a pipe or pty whose other end a process holding a
    /// connection (matching `peer`) holds.
    pub stdio_relay: bool,
    /// Fires when the process itself holds a connection (matching `peer`).
    pub holds_connection: bool,
    /// Only processes reading commands from stdin (no script, no `-c`).
    pub interactive: bool,
    /// The remote of the connection `stdio-relay` / `holds-connection` look at.
    pub peer: Option<AddrSpec>,
    /// Relays (exe globs) `stdio-relay` ignores.
    pub trusted_relays: Globs,
    /// Fires when the name or `argv[0]` looks like a kernel thread's on a process that is not one.
    pub kernel_thread_name: bool,
    /// Fires for processes hidden from `/proc` (a mount over `/proc/PID`, missing from the
    /// listing).
    pub hidden_from_proc: bool,
    /// Only processes that own (true) or do not own (false) a socket.
    pub owns_sockets: Option<bool>,
    /// Exempt from `masquerade`.
    pub interpreters: Globs,
}

impl ProcessRule {
    /// Whether it looks at processes that own no socket too.
    pub(super) fn sees_socketless(&self) -> bool {
        self.owns_sockets != Some(true) && (self.stdio_relay || self.kernel_thread_name || self.hidden_from_proc)
    }
}

