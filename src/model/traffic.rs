//! Per-connection traffic counters: what the kernel's `tcp_info` says a TCP socket carried.
//!
//! A live Linux collection reads them only when asked (`list --wide`, `top`, rules with
//! `min-bytes-sent`/`min-bytes-received`); imported TCPView captures carry their own byte and
//! packet columns in [`super::CaptureFacts`]. [`super::Socket::bytes_sent`] and
//! [`super::Socket::bytes_received`] read whichever the socket has.

use serde::{Deserialize, Serialize};

/// Counters of one TCP socket since it was created, from `tcp_info` (sock_diag `INET_DIAG_INFO`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traffic {
    /// Bytes we sent that the peer acknowledged (`tcpi_bytes_acked`): data that got through,
    /// retransmissions counted once.
    pub bytes_acked: u64,
    /// Bytes received in order from the peer (`tcpi_bytes_received`).
    pub bytes_received: u64,
    /// Segments sent, retransmissions and pure ACKs included (`tcpi_segs_out`).
    pub segs_out: u32,
    /// Segments received, pure ACKs included (`tcpi_segs_in`).
    pub segs_in: u32,
    /// Smoothed round-trip time in microseconds (`tcpi_rtt`).
    pub rtt_us: u32,
    /// Segments retransmitted over the connection's life (`tcpi_total_retrans`).
    pub retrans: u32,
}
