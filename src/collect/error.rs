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
    Import(#[from] ImportError),
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

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The format could not be told from the text.
    #[error(
        "{path}: cannot tell the capture format ({why}); pass --input-format with one of: {supported}"
    )]
    Undetected {
        /// The file.
        path: String,
        /// What was seen.
        why: String,
        /// The supported formats.
        supported: String,
    },
    /// The file holds nothing but blank space: no format can help.
    #[error(
        "{path}: the file is empty: there is no socket table to read; check that the capture command wrote to it (e.g. `ss -tunap > ss.txt`, `netstat -ano > netstat.txt`) and pass that file"
    )]
    Empty {
        /// The file.
        path: String,
    },
    /// The file is output of another command.
    #[error("{path}: this is {what}, not a socket table; {hint}")]
    NotSockets {
        /// The file.
        path: String,
        /// What it is.
        what: String,
        /// What to capture instead.
        hint: String,
    },
    /// Recognised as a capture, but no socket row could be read: never an empty table that
    /// would scan clean.
    #[error(
        "{path}: read as {format} output, but {what}; nothing was scanned. If it is another tool's output, pass --input-format with one of: {supported}"
    )]
    NoRows {
        /// The file.
        path: String,
        /// The format it resembles.
        format: crate::collect::import::Format,
        /// What was found instead of rows.
        what: String,
        /// The supported formats.
        supported: String,
    },
    /// Most socket-looking rows could not be read: the table would be mostly missing.
    #[error(
        "{path}: read as {format} output, but {skipped} of {total} socket row(s) could not be read (first: line {line}: {reason}); nothing was scanned. If it is another tool's output, pass --input-format with one of: {supported}"
    )]
    MostRowsUnreadable {
        /// The file.
        path: String,
        /// The format it was read as.
        format: crate::collect::import::Format,
        /// Rows skipped.
        skipped: usize,
        /// Rows read plus rows skipped.
        total: usize,
        /// The first skipped line.
        line: u64,
        /// Why it was skipped.
        reason: String,
        /// The supported formats.
        supported: String,
    },
    /// `--strict` and a line could not be read.
    #[error("{path}:{line}: {reason} (--strict: a skipped line is an error)")]
    Strict {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// Why.
        reason: String,
    },
}

/// Why counters could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is not in the kernel's format.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// This system has no `/proc/net` counters.
    #[error("kernel network counters are read from /proc/net, which only Linux has")]
    Unsupported,
}
