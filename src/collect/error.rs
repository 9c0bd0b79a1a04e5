//! The collect layer's errors, below every reader: a reader names the error it returns without
//! importing the module that dispatches to it.

use std::path::PathBuf;

/// Why a snapshot could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The kernel's socket table could not be read.
    #[error("cannot read the socket table: {0}")]
    Enumerate(String),
    /// An input file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An input file is not a valid snapshot.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        message: String,
    },
    /// A capture could not be imported.
    #[error(transparent)]
    Import(#[from] crate::collect::import::ImportError),
    /// A bug or an OS failure we could not classify.
    #[error("internal error: {0}")]
    Internal(String),
}

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
