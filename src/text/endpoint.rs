//! Endpoints and protocols the way netstat prints them: `127.0.0.1:22`, `[::1]:22`, `tcp6`.
//! Every layer that writes a message about a socket (rule kinds, reporters, top) uses these.

use std::net::IpAddr;

use crate::model::{Family, Protocol, Socket};

/// `127.0.0.1:22`, `[::1]:22`.
pub fn endpoint(addr: IpAddr, port: u16) -> String {
    with_port_text(addr, &port.to_string())
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
