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
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            attribute: true,
            namespaces: Namespaces::Auto,
            deep: false,
            probe_ports: false,
            traffic: false,
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
