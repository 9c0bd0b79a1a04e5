//! The identity of a row across refreshes: where the socket is (namespace, protocol, both
//! endpoints), not its inode or state, so a connection that goes from ESTABLISHED to
//! TIME_WAIT stays the same row (TCPView does the same).

use std::net::IpAddr;
use std::sync::Arc;

use crate::model::{Protocol, Socket};

/// The identity of a row across refreshes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    /// The namespace label; `None` for the host's (or a source that does not say).
    pub netns: Option<Arc<str>>,
    /// `tcp` or `udp`.
    pub proto: Protocol,
    /// Local address and port.
    pub local: (IpAddr, u16),
    /// Remote address and port, when connected.
    pub remote: Option<(IpAddr, u16)>,
    /// 0 for the first socket on these endpoints, 1 for the second...
    pub nth: u32,
}

impl RowKey {
    /// The key of a socket, as the first on its endpoints.
    pub fn of(socket: &Socket) -> RowKey {
        RowKey {
            netns: socket.netns.clone().filter(|_| !socket.in_host_netns()),
            proto: socket.proto,
            local: (socket.local_addr, socket.local_port),
            remote: socket.remote_addr.zip(socket.remote_port),
            nth: 0,
        }
    }
}
