//! What a live collection is asked to gather.

/// The coverage note of a live collection that read only its own network namespace because
/// it did not run as root (not because `--no-all-namespaces` asked for it).
pub const NOT_ROOT_NAMESPACES: &str = "only this network namespace was read (not root): sockets of containers and other namespaces are not visible; run as root (or with --all-namespaces and CAP_SYS_ADMIN) to read them";

/// What the live collector should gather.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Find owning processes (the `/proc` walk and process facts). Off when nothing needs them.
    pub attribute: bool,
    /// Which network namespaces to read (Linux).
    pub namespaces: Namespaces,
    /// Cross-check the views of the socket table for hidden sockets (Linux, `--deep`).
    pub deep: bool,
    /// With `deep`: also try `bind()` on every port of our namespace (`--probe-ports`).
    pub probe_ports: bool,
    /// Per-connection TCP counters (bytes, segments, RTT, retransmissions; Linux): `list
    /// --wide`, `top`, and rules with byte thresholds. Off by default: it makes the TCP dump
    /// several times larger.
    pub traffic: bool,
    /// Which processes get their stdio pipes and ptys followed to the process at the other
    /// end, by name glob (the `process` of the rules that look at stdio peers); `None`:
    /// [`SHELL_LIKE`]; empty: none. Following every process would describe each child of a
    /// busy daemon that shares its pipes.
    pub stdio_peer_names: Option<Vec<String>>,
    /// Look for processes named like kernel threads (two small reads per process). On by
    /// default; `scan` turns it off when no enabled rule looks at such names.
    pub kernel_thread_names: bool,
}

/// Shells, interpreters and relays: the names whose stdio peers `list` and `snapshot` record
/// (the default pack's `shells` list).
pub const SHELL_LIKE: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh*", "mksh", "ash", "csh", "tcsh", "fish", "busybox",
    "python*", "perl*", "ruby*", "php*", "lua*", "node", "nc", "ncat", "netcat", "nc.*", "socat",
    "telnet", "awk", "gawk", "mawk",
];

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            attribute: true,
            namespaces: Namespaces::Auto,
            deep: false,
            probe_ports: false,
            traffic: false,
            stdio_peer_names: None,
            kernel_thread_names: true,
        }
    }
}

/// Which network namespaces a live collection reads (Linux; elsewhere there is one table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Namespaces {
    /// Every namespace when running as root, else only our own (reading others needs
    /// CAP_SYS_ADMIN), saying what could not be seen.
    #[default]
    Auto,
    /// Every namespace, whatever the privileges; what cannot be read is reported.
    All,
    /// Only the namespace sockaudit runs in.
    Own,
}

impl Namespaces {
    /// Whether to read every namespace, given whether we run as root.
    pub fn all(self, root: bool) -> bool {
        match self {
            Namespaces::Auto => root,
            Namespaces::All => true,
            Namespaces::Own => false,
        }
    }
}
