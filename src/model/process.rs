//! A process that owns sockets.

use serde::{Deserialize, Serialize};

use super::{Container, Fact};

/// Facts about a process that owns at least one socket, or whose stdio leads to one that does
/// ([`Process::stdio_peers`]), or whose name looks like a kernel thread's.
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
    /// The owner's security identifier (`S-1-5-18`), on Windows, where accounts have SIDs
    /// instead of uids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// When the process started (RFC 3339).
    pub start_time: Option<jiff::Timestamp>,
    /// Which of fds 0, 1, 2 are TCP/UDP sockets (a shell with its stdio on a socket is the
    /// classic reverse shell).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stdio_sockets: Vec<u32>,
    /// Fds 0-2 that are a pipe or a pseudo-terminal whose other end another process holds
    /// while that process holds a TCP/UDP socket: a relay (socat, `ncat -e`, a pty wrapper)
    /// driving this process over the network. Live Linux only (schema 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stdio_peers: Vec<StdioPeer>,
    /// Windows services hosted by the process (`netstat -b` service lines, `tasklist /svc`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// The container the process runs in, from its cgroup (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// The systemd unit (service or scope) the process runs in, from its cgroup (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// How the process is hidden from `/proc`, when it is (live Linux as root; schema 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<HiddenFromProc>,
}

/// How a process is hidden from `/proc` (and so from `ps`, `netstat -p`, `ss -p`, `lsof`),
/// and which views still show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenFromProc {
    /// The mount over its `/proc/PID`, described (`tmpfs (none) mounted on /proc/1234`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<String>,
    /// The `/proc` listing (`getdents64` on `/proc`) lacks its PID.
    #[serde(default)]
    pub unlisted: bool,
    /// The listing libc's `readdir` gives the scanner lacks its PID while `getdents64` shows
    /// it: a readdir hook preloaded into processes (`ps`, `ls` and every dynamically linked
    /// tool are fooled); what preloads it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readdir_hook: Option<String>,
    /// The views that show it: `private-procfs`, `cgroup.procs`, `kill-probe`.
    pub seen_by: Vec<String>,
    /// How its facts and sockets were read: `private-procfs`, `proc` (only the listing hides
    /// it), `pidfd` (fds 0-1023 duplicated one by one; no name, exe or command line), or
    /// `none` (not even that: the process could not be inspected).
    pub read_via: String,
}

impl HiddenFromProc {
    /// One phrase: `/proc/1234 is covered by tmpfs (none) mounted on /proc/1234; seen by
    /// private-procfs`.
    pub fn describe(&self, pid: u32) -> String {
        let mut parts = Vec::new();
        if let Some(mount) = &self.mount {
            parts.push(format!("/proc/{pid} is covered by {mount}"));
        }
        if self.unlisted {
            parts.push(format!("PID {pid} is missing from the /proc listing"));
        }
        if let Some(hook) = &self.readdir_hook {
            parts.push(format!(
                "libc's readdir of /proc drops PID {pid} (a preloaded hook: {hook})"
            ));
        }
        if !self.seen_by.is_empty() {
            parts.push(format!("seen by {}", self.seen_by.join(", ")));
        }
        parts.join("; ")
    }
}

impl Process {
    /// A process known by its PID only (hidden, and no view showed its facts).
    pub fn unknown(pid: u32) -> Process {
        Process {
            pid,
            ppid: None,
            name: "?".to_string(),
            exe: None,
            exe_deleted: false,
            exe_replaced: false,
            cmdline: Vec::new(),
            name_raw: None,
            exe_raw: None,
            cmdline_raw: None,
            truncated: Vec::new(),
            user: None,
            uid: None,
            sid: None,
            start_time: None,
            stdio_sockets: Vec::new(),
            stdio_peers: Vec::new(),
            services: Vec::new(),
            container: None,
            unit: None,
            hidden: None,
        }
    }
}

/// One stdio fd and the processes at its other end.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StdioPeer {
    /// 0, 1 or 2.
    pub fd: u32,
    /// What connects them.
    pub via: StdioVia,
    /// The pipe's inode (`pipe:[N]`) or the pseudo-terminal's number (`/dev/pts/N`).
    pub id: u64,
    /// The other processes holding that pipe, or the pty's master, and a TCP/UDP socket;
    /// sorted.
    pub pids: Vec<u32>,
}

/// How a stdio fd reaches another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StdioVia {
    /// An anonymous pipe (`pipe:[N]`) the other process also holds.
    Pipe,
    /// A pseudo-terminal slave (`/dev/pts/N`) whose master (`/dev/ptmx`) the other holds.
    Pty,
}

impl StdioVia {
    /// `pipe` or `pty`.
    pub fn as_str(self) -> &'static str {
        match self {
            StdioVia::Pipe => "pipe",
            StdioVia::Pty => "pty",
        }
    }
}

/// Name prefixes of Linux kernel threads that impostors copy (`ps` shows kernel threads in
/// brackets; a miner or backdoor names itself after one to hide in that list).
const KERNEL_THREAD_PREFIXES: &[&str] = &[
    "kworker/",
    "kswapd",
    "ksoftirqd/",
    "migration/",
    "rcu_",
    "kthreadd",
    "watchdog/",
    "watchdogd",
    "cpuhp/",
    "irq/",
    "kcompactd",
    "khugepaged",
    "kauditd",
    "kblockd",
    "ksmd",
    "khungtaskd",
    "kdevtmpfs",
    "oom_reaper",
    "jbd2/",
    "scsi_eh_",
    "writeback",
];

/// Whether `name` (a comm or an `argv[0]`) looks like a kernel thread's: bracketed like `ps`
/// shows them, or one of their well-known names.
pub fn looks_like_kernel_thread(name: &str) -> bool {
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    (name.len() > 2 && bare.len() + 2 == name.len())
        || KERNEL_THREAD_PREFIXES.iter().any(|p| bare.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::looks_like_kernel_thread;

    #[test]
    fn kernel_thread_names_and_others() {
        for name in [
            "kworker/0:1",
            "[kworker/0:1-events]",
            "kswapd0",
            "[anything]",
            "rcu_sched",
            "migration/3",
        ] {
            assert!(looks_like_kernel_thread(name), "{name}");
        }
        for name in [
            "sshd", "bash", "[", "[]", "kworkers", "python3", "rcuwatch", "-bash",
        ] {
            assert!(!looks_like_kernel_thread(name), "{name}");
        }
    }
}
