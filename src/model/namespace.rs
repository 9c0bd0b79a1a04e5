//! Where a socket lives: its network namespace, and the container or systemd unit of its owner.
//!
//! sock_diag (and so `ss`) sees only the caller's network namespace, so a container's sockets
//! are invisible from the host unless each namespace is read on its own. A live collection
//! labels every socket with its namespace ([`super::Socket::netns`]) and describes each
//! namespace here.

use serde::{Deserialize, Serialize};

/// The label of the namespace PID 1 (the host's init) lives in.
pub const HOST: &str = "host";

/// A container a process belongs to, from its cgroup path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Container {
    /// `docker`, `containerd`, `cri-o`, `podman`, `lxc`, `machine` (systemd-nspawn, VMs), or
    /// `kubepods` when a Kubernetes path does not name the runtime.
    pub runtime: String,
    /// The container id (64 hex digits for OCI runtimes) or name (lxc, machines).
    pub id: String,
    /// The Kubernetes pod uid, for containers under `kubepods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

impl Container {
    /// `docker:0123456789ab`: the runtime and the first 12 characters of the id, as
    /// `docker ps` shortens them.
    pub fn short(&self) -> String {
        let id: String = self.id.chars().take(12).collect();
        format!("{}:{id}", self.runtime)
    }
}

/// How a namespace's sockets were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadVia {
    /// netlink sock_diag from a thread that entered the namespace (`setns`), as `ss` would
    /// inside it.
    Netlink,
    /// The namespace's `/proc/PID/net/{tcp,tcp6,udp,udp6}` tables, when it could not be
    /// entered (no CAP_SYS_ADMIN over it, e.g. a rootless container of another user).
    Proc,
}

/// One network namespace a live collection looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetNamespace {
    /// How reports and rules name it (unique in a snapshot): `host` for the namespace of PID 1,
    /// else its `ip netns` name, else its container (`docker:0123456789ab`), else
    /// `net:[INODE]`.
    pub label: String,
    /// The namespace inode (`readlink /proc/PID/ns/net` → `net:[INODE]`): its identity while it
    /// exists.
    pub inode: u64,
    /// The namespace sockaudit itself ran in (normally the host's).
    #[serde(default)]
    pub own: bool,
    /// Names it has under `/run/netns` (`ip netns add NAME`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// The container its first process belongs to, when it is one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// How many processes live in it (as far as `/proc/PID/ns/net` was readable).
    pub processes: usize,
    /// How its sockets were read; `null` when they could not be.
    pub read_via: Option<ReadVia>,
    /// Why it could not be read (or was read through `/proc` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Facts about a TCP listener beyond its address: how full its accept queue is, and for a
/// `docker-proxy` listener where it forwards to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenFacts {
    /// Connections that finished the handshake and wait for `accept()` (sock_diag's
    /// `idiag_rqueue` for a listener; `ss` shows it as Recv-Q).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_queue: Option<u32>,
    /// The most the accept queue may hold (`listen()`'s backlog capped by
    /// `net.core.somaxconn`; `ss` shows it as Send-Q).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog: Option<u32>,
    /// Where a `docker-proxy` listener forwards connections (its `-container-ip` and
    /// `-container-port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwards_to: Option<Forward>,
}

/// A proxy's destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    /// Destination address.
    pub addr: std::net::IpAddr,
    /// Destination port.
    pub port: u16,
}

impl ListenFacts {
    /// How full the accept queue is (0.0-1.0+), when both sizes are known and the backlog is
    /// not zero.
    pub fn fill(&self) -> Option<f64> {
        match (self.accept_queue, self.backlog) {
            (Some(queue), Some(backlog)) if backlog > 0 => {
                Some(f64::from(queue) / f64::from(backlog))
            }
            _ => None,
        }
    }
}
