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
        "reading the live routing table is supported on Linux and Windows only (this is {0}); import a `route print`, `netstat -rn` or `ip route` capture with --input FILE"
    )]
    Unsupported(&'static str),
    /// A Windows IP Helper call failed.
    #[error(transparent)]
    Windows(#[from] WindowsApiError),
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
    /// This system has no counters we can read.
    #[error(
        "network counters are read on Linux (/proc/net) and Windows (IP Helper API) only; read a saved copy of /proc/net with --input DIR"
    )]
    Unsupported,
    /// A Windows IP Helper call failed.
    #[error(transparent)]
    Windows(#[from] WindowsApiError),
}

/// A Windows API call that returned an error code (`WIN32_ERROR`, or an `NTSTATUS` where the
/// API passes one through). Plain numbers, so every build can name it: the Windows collectors
/// (`src/collect/live/windows/`) make it, the rest only prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowsApiError {
    /// The function called (`GetIpForwardTable2`).
    pub function: &'static str,
    /// The code it returned.
    pub code: u32,
}

impl std::fmt::Display for WindowsApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed: Windows error ", self.function)?;
        // NTSTATUS values are written in hex everywhere Microsoft documents them.
        if self.code >= 0x8000_0000 {
            write!(f, "0x{:08X}", self.code)?;
        } else {
            write!(f, "{}", self.code)?;
        }
        match code_name(self.code) {
            Some(name) => write!(f, " ({name})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for WindowsApiError {}

/// The symbolic name of the codes the IP Helper calls are documented to return (and the ones
/// Wine's stubs return), for messages a person can search for; `None` for the rest, which
/// are printed by number only.
pub fn code_name(code: u32) -> Option<&'static str> {
    Some(match code {
        1 => "ERROR_INVALID_FUNCTION",
        2 => "ERROR_FILE_NOT_FOUND",
        5 => "ERROR_ACCESS_DENIED",
        6 => "ERROR_INVALID_HANDLE",
        8 => "ERROR_NOT_ENOUGH_MEMORY",
        50 => "ERROR_NOT_SUPPORTED",
        87 => "ERROR_INVALID_PARAMETER",
        111 => "ERROR_BUFFER_OVERFLOW",
        120 => "ERROR_CALL_NOT_IMPLEMENTED",
        122 => "ERROR_INSUFFICIENT_BUFFER",
        232 => "ERROR_NO_DATA",
        1168 => "ERROR_NOT_FOUND",
        0xC000_0001 => "STATUS_UNSUCCESSFUL",
        0xC000_0002 => "STATUS_NOT_IMPLEMENTED",
        0xC000_000D => "STATUS_INVALID_PARAMETER",
        0xC000_0017 => "STATUS_NO_MEMORY",
        0xC000_0022 => "STATUS_ACCESS_DENIED",
        0xC000_00BB => "STATUS_NOT_SUPPORTED",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_errors_name_the_function_and_the_code() {
        let e = WindowsApiError {
            function: "GetIpForwardTable2",
            code: 87,
        };
        assert_eq!(
            e.to_string(),
            "GetIpForwardTable2 failed: Windows error 87 (ERROR_INVALID_PARAMETER)"
        );
        let e = WindowsApiError {
            function: "GetIfTable2",
            code: 0xC000_0002,
        };
        assert_eq!(
            e.to_string(),
            "GetIfTable2 failed: Windows error 0xC0000002 (STATUS_NOT_IMPLEMENTED)"
        );
        let e = WindowsApiError {
            function: "GetIpNetTable2",
            code: 4321,
        };
        assert_eq!(e.to_string(), "GetIpNetTable2 failed: Windows error 4321");
        assert!(
            CounterError::from(e)
                .to_string()
                .starts_with("GetIpNetTable2 failed")
        );
    }
}
