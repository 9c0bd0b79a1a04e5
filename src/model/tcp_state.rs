//! TCP states, spelled the way Linux `netstat` prints them, and the other tools' spellings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// TCP state, spelled the way Linux `netstat` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TcpState {
    /// Waiting for connections.
    #[serde(rename = "LISTEN")]
    Listen,
    /// Open connection.
    #[serde(rename = "ESTABLISHED")]
    Established,
    /// Our SYN sent, waiting for the answer.
    #[serde(rename = "SYN_SENT")]
    SynSent,
    /// Peer's SYN received, handshake not finished (a request socket on Linux).
    #[serde(rename = "SYN_RECV")]
    SynRecv,
    /// We closed first, waiting for the peer's ACK/FIN.
    #[serde(rename = "FIN_WAIT1")]
    FinWait1,
    /// We closed first, our FIN acknowledged, waiting for the peer's FIN.
    #[serde(rename = "FIN_WAIT2")]
    FinWait2,
    /// Closed, lingering so late packets are not taken for a new connection.
    #[serde(rename = "TIME_WAIT")]
    TimeWait,
    /// Not in use.
    #[serde(rename = "CLOSE")]
    Close,
    /// The peer closed; our side has not closed yet (a leak when it stays).
    #[serde(rename = "CLOSE_WAIT")]
    CloseWait,
    /// Both closed, waiting for the last ACK.
    #[serde(rename = "LAST_ACK")]
    LastAck,
    /// Both sides closed at once.
    #[serde(rename = "CLOSING")]
    Closing,
    /// Windows only: the control block is being deleted.
    #[serde(rename = "DELETE_TCB")]
    DeleteTcb,
    /// A state the OS reported that none of the above names.
    #[serde(rename = "UNKNOWN")]
    Unknown,
}

impl TcpState {
    /// Every state, in display order.
    pub const ALL: [TcpState; 13] = [
        TcpState::Listen,
        TcpState::Established,
        TcpState::SynSent,
        TcpState::SynRecv,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::TimeWait,
        TcpState::Close,
        TcpState::CloseWait,
        TcpState::LastAck,
        TcpState::Closing,
        TcpState::DeleteTcb,
        TcpState::Unknown,
    ];

    /// The netstat spelling (`SYN_RECV`, `TIME_WAIT`...).
    pub fn as_str(self) -> &'static str {
        match self {
            TcpState::Listen => "LISTEN",
            TcpState::Established => "ESTABLISHED",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRecv => "SYN_RECV",
            TcpState::FinWait1 => "FIN_WAIT1",
            TcpState::FinWait2 => "FIN_WAIT2",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::Close => "CLOSE",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::LastAck => "LAST_ACK",
            TcpState::Closing => "CLOSING",
            TcpState::DeleteTcb => "DELETE_TCB",
            TcpState::Unknown => "UNKNOWN",
        }
    }

    /// Parses the netstat spelling and the common variants people type
    /// (`syn-recv`, `SYN_RECEIVED`, `established`, `ESTAB`, `LISTENING`).
    pub fn parse(text: &str) -> Option<TcpState> {
        let norm: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_uppercase)
            .collect();
        Some(match norm.as_str() {
            "LISTEN" | "LISTENING" => TcpState::Listen,
            "ESTABLISHED" | "ESTAB" => TcpState::Established,
            "SYNSENT" => TcpState::SynSent,
            "SYNRECV" | "SYNRECEIVED" | "SYNRCVD" => TcpState::SynRecv,
            "FINWAIT1" => TcpState::FinWait1,
            "FINWAIT2" => TcpState::FinWait2,
            "TIMEWAIT" => TcpState::TimeWait,
            "CLOSE" | "CLOSED" => TcpState::Close,
            "CLOSEWAIT" => TcpState::CloseWait,
            "LASTACK" => TcpState::LastAck,
            "CLOSING" => TcpState::Closing,
            "DELETETCB" => TcpState::DeleteTcb,
            "UNKNOWN" => TcpState::Unknown,
            _ => return None,
        })
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
