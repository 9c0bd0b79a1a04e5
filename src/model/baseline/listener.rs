//! A baseline's listener and program entries, and which live sockets an entry covers.

use std::net::IpAddr;

use crate::model::scope::{Scope, canonical, classify};
use crate::model::{Process, Protocol, Socket};

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

    /// Whether a socket's local end is this bind: a socket whose address is a host name only
    /// fits the `unknown` scope.
    pub fn matches_socket(&self, socket: &Socket) -> bool {
        match socket.local_ip() {
            Some(addr) => self.matches(addr),
            None => *self == Bind::Scope(Scope::Unknown),
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
        // A host name in a capture: no claim either way.
        Scope::Unknown => 0,
    }
}

/// A baselined port: a number, or a port that moves.
///
/// `baseline create` records every listener's port as the number it had: a port a daemon was
/// configured with (sshd's 22, a container published with `-p 41082:80`) stays the same,
/// whether or not it falls in the kernel's client range. `Ephemeral` is for a program whose port
/// really moves (the kernel picks it at each start): `baseline update` learns it when the same
/// program is seen on another port of that range, or the user writes `port = "ephemeral"`.
/// Such an entry always names its program: the port alone identifies nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BasePort {
    /// This port.
    Number(u16),
    /// Any port of the ephemeral range, for this entry's program only.
    Ephemeral,
}

/// Whether `port` is in the client port range `[low, high]`.
pub fn in_range(port: u16, range: [u16; 2]) -> bool {
    (range[0]..=range[1]).contains(&port)
}

/// The client port range used when neither the snapshot nor the baseline records one (IANA's
/// dynamic ports, the Windows and BSD default).
pub const DEFAULT_EPHEMERAL: [u16; 2] = [49152, 65535];

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

impl Listener {
    /// Whether a process is this entry's program: by exe when both know it, else by process
    /// name; an entry that names neither only fits a socket whose owner is unknown too.
    pub fn program_matches(&self, p: Option<&Process>) -> bool {
        match (p, &self.exe, &self.process) {
            (Some(p), Some(exe), _) if p.exe.is_some() => p.exe.as_deref() == Some(exe.as_str()),
            (Some(p), _, Some(name)) => &p.name == name,
            (Some(_), _, None) => false,
            (None, exe, name) => exe.is_none() && name.is_none(),
        }
    }

    /// Whether `port` (owned by `p`) is this entry's port: the same number, or, for a moving
    /// port, any port of the client range `range` owned by this entry's program.
    pub fn port_matches(&self, port: u16, p: Option<&Process>, range: [u16; 2]) -> bool {
        match self.port {
            BasePort::Number(n) => n == port,
            BasePort::Ephemeral => in_range(port, range) && self.program_matches(p),
        }
    }
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

/// Whether a live socket is a listener this baseline entry expects.
pub fn covers(entry: &Listener, socket: &Socket, p: Option<&Process>, range: [u16; 2]) -> bool {
    socket.is_listener()
        && socket.proto == entry.proto
        && entry.bind.matches_socket(socket)
        && entry.port_matches(socket.local_port, p, range)
}

/// How a live listener's bind is recorded: its exact address, except link-local addresses,
/// which are recorded as the `link-local` scope. A daemon that binds every interface address
/// (bind9 with `listen-on-v6 { any; }`) listens on each veth's `fe80::` address, and those
/// change whenever a container restarts: the scope is what stays.
pub fn recorded_bind(addr: Option<IpAddr>) -> Bind {
    let Some(addr) = addr else {
        // A host name in a capture: the address is not known.
        return Bind::Scope(Scope::Unknown);
    };
    let addr = canonical(addr);
    match classify(addr) {
        Scope::LinkLocal => Bind::Scope(Scope::LinkLocal),
        _ => Bind::Addr(addr),
    }
}
