//! What an imported capture says about a socket beyond its table columns: names printed
//! instead of numbers, a program named without a PID, TCPView's counters.

use serde::{Deserialize, Serialize};

/// Facts only an imported capture gives about a socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureFacts {
    /// The capture printed a host name for the local end: its address is unknown. Not in
    /// JSON: there `local_addr` is `null`.
    #[serde(skip)]
    pub local_unknown: bool,
    /// The same for the remote end.
    #[serde(skip)]
    pub remote_unknown: bool,
    /// The local endpoint as the capture printed it, when that was not numeric
    /// (`DESKTOP-7Q2:epmap`): the host name is kept, the port mapped when the service name is
    /// known (else 0), and `local_addr` holds the unspecified address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_name: Option<String>,
    /// The remote endpoint as printed, when not numeric (`ht-in-f189.1e100.net:https`); then
    /// `remote_addr` is the unspecified address of the family, which no rule takes for a peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_name: Option<String>,
    /// The owning program as the capture named it when it gave no PID (`netstat -b`
    /// without `-o`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Packets sent on this connection (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_packets: Option<u64>,
    /// Bytes sent (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_bytes: Option<u64>,
    /// Packets received (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_packets: Option<u64>,
    /// Bytes received (TCPView).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_bytes: Option<u64>,
}

impl CaptureFacts {
    /// Whether nothing is set (then a socket carries no `capture` at all).
    pub fn is_empty(&self) -> bool {
        *self == CaptureFacts::default()
    }
}
