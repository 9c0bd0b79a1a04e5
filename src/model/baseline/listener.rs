//! A baseline's listener and program entries, and which live sockets an entry covers.

use std::net::IpAddr;

use crate::model::scope::{Scope, canonical, classify};
use crate::model::{Process, Protocol, Snapshot, Socket};

/// Where a baselined listener is bound.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bind {
    /// An exact address (`0.0.0.0`, `::`, `127.0.0.1`).
    Addr(IpAddr),
    /// Any address of a scope (`loopback`, `private`...), for hand-written entries.
    Scope(Scope),
}

impl Bind {
    /// Whether a socket bound to `addr` is this bind.
    pub fn matches(&self, addr: IpAddr) -> bool {
        match self {
            Bind::Addr(a) => canonical(*a) == canonical(addr),
            Bind::Scope(s) => classify(addr) == *s,
        }
    }

    /// How far the bind reaches: loopback < link-local < private < public address < any.
    pub fn width(&self) -> u8 {
        match self {
            Bind::Addr(a) => scope_width(classify(*a)),
            Bind::Scope(s) => scope_width(*s),
        }
    }

    /// The text written in the baseline.
    pub fn text(&self) -> String {
        match self {
            Bind::Addr(a) => a.to_string(),
            Bind::Scope(s) => s.as_str().to_string(),
        }
    }

    /// Parses an address or a scope name.
    pub fn parse(text: &str) -> Option<Bind> {
        text.parse::<IpAddr>()
            .ok()
            .map(Bind::Addr)
            .or_else(|| Scope::parse(text).map(Bind::Scope))
    }
}

/// How far a bind in this scope reaches.
pub fn scope_width(scope: Scope) -> u8 {
    match scope {
        Scope::Loopback => 0,
        Scope::LinkLocal => 1,
        Scope::Private | Scope::Cgnat | Scope::Documentation | Scope::Multicast => 2,
        Scope::Public => 3,
        Scope::Unspecified => 4,
    }
}

/// A baselined port: a number, or any port in the ephemeral range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BasePort {
    /// This port.
    Number(u16),
    /// A port the kernel picked from `ip_local_port_range`.
    Ephemeral,
}

impl BasePort {
    /// The port as recorded for a live socket.
    pub fn of(port: u16, snapshot: &Snapshot) -> BasePort {
        if snapshot.host.is_ephemeral(port) {
            BasePort::Ephemeral
        } else {
            BasePort::Number(port)
        }
    }
}

/// One expected listener.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listener {
    /// Protocol.
    pub proto: Protocol,
    /// Bind address or scope.
    pub bind: Bind,
    /// Port.
    pub port: BasePort,
    /// Process name, when known.
    pub process: Option<String>,
    /// Executable, when known.
    pub exe: Option<String>,
    /// User, when known.
    pub user: Option<String>,
    /// Not reported when missing.
    pub optional: bool,
    /// `FILE:LINE` of the entry.
    pub origin: String,
}

/// A program that owns sockets here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KnownProgram {
    /// Executable, when known.
    pub exe: Option<String>,
    /// Process name.
    pub name: String,
    /// User, when known.
    pub user: Option<String>,
}

impl KnownProgram {
    /// Whether a process is this program (by exe when both know it, else by name).
    pub fn matches(&self, p: &Process) -> bool {
        match (&self.exe, &p.exe) {
            (Some(a), Some(b)) => a == b,
            _ => self.name == p.name,
        }
    }
}

/// The listeners of a snapshot that a baseline entry covers (for `baseline check` output).
pub fn covers(entry: &Listener, socket: &Socket, snapshot: &Snapshot) -> bool {
    socket.is_listener()
        && socket.proto == entry.proto
        && BasePort::of(socket.local_port, snapshot) == entry.port
        && entry.bind.matches(socket.local_addr)
}
