//! This machine's routing (and neighbour) tables, now.
//!
//! Linux only, over rtnetlink (`src/routes/netlink.rs`): one dump per table kind gives every
//! routing table, policy-routing tables included. Elsewhere [`read`] says it is unsupported;
//! imported captures ([`super::import`]) work on every OS.

use super::RouteTable;

/// Why the live tables could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// Not implemented on this OS.
    #[error(
        "reading the live routing table is supported on Linux only (this is {0}); import a `route print`, `netstat -rn` or `ip route` capture with --input FILE"
    )]
    Unsupported(&'static str),
    /// The netlink socket could not be opened or used.
    #[error("cannot read the {what} over netlink: {source}")]
    Socket {
        /// Which table.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The kernel refused the request.
    #[error("the kernel refused to dump the {what}: {source}")]
    Kernel {
        /// Which table.
        what: &'static str,
        /// The error the kernel returned.
        source: std::io::Error,
    },
    /// The kernel's answer did not decode.
    #[error("cannot decode the {what} netlink answer: {message}")]
    Decode {
        /// Which table.
        what: &'static str,
        /// The decoder's complaint.
        message: String,
    },
}

/// Reads every routing table, and the neighbour table when `neighbours` is set; sorted.
pub fn read(neighbours: bool) -> Result<RouteTable, LiveError> {
    #[cfg(target_os = "linux")]
    {
        let mut table = super::netlink::read(neighbours)?;
        table.sort();
        Ok(table)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = neighbours;
        Err(LiveError::Unsupported(std::env::consts::OS))
    }
}
