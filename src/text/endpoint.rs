//! Endpoints and protocols the way netstat prints them: `127.0.0.1:22`, `[::1]:22`, `tcp6`.
//! Every layer that writes a message about a socket (rule kinds, reporters, top) uses these.

use std::net::IpAddr;

use crate::model::{Family, Protocol, Socket};

/// `127.0.0.1:22`, `[::1]:22`.
pub fn endpoint(addr: IpAddr, port: u16) -> String {
    with_port_text(addr, &port.to_string())
}

/// The local end of a socket as a person reads it: `127.0.0.1:22`, or the host name a
/// capture printed (`web1:mysql`) when the address is not known.
pub fn local_of(socket: &Socket) -> String {
    match (socket.local_ip(), socket.local_name()) {
        (Some(addr), _) => endpoint(addr, socket.local_port),
        (None, Some(name)) => name.to_string(),
        (None, None) => format!("?:{}", socket.local_port),
    }
}

/// The remote end the same way; `None` without a peer.
pub fn remote_of(socket: &Socket) -> Option<String> {
    let port = socket.remote_port?;
    match (socket.remote_ip(), socket.remote_name()) {
        (Some(addr), _) => Some(endpoint(addr, port)),
        (None, Some(name)) => Some(name.to_string()),
        (None, None) => None,
    }
}

/// `127.0.0.1:ssh`: an address with a port already written out (a service name).
pub fn with_port_text(addr: IpAddr, port: &str) -> String {
    match addr {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// `tcp`, `tcp6`, `udp`, `udp6`, as netstat prints them.
pub fn proto_text(socket: &Socket) -> &'static str {
    match (socket.proto, socket.family) {
        (Protocol::Tcp, Family::Ipv4) => "tcp",
        (Protocol::Tcp, Family::Ipv6) => "tcp6",
        (Protocol::Udp, Family::Ipv4) => "udp",
        (Protocol::Udp, Family::Ipv6) => "udp6",
    }
}
