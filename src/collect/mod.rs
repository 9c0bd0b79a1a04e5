//! Collectors: everything that produces a [`Snapshot`].
//!
//! [`system`] reads the live machine (the only module that touches netstat2 and sysinfo);
//! [`mod@file`] reads a saved snapshot. Both return the same plain data, so the rest of the
//! pipeline never knows where it came from.

pub mod file;
#[cfg(target_os = "linux")]
pub mod linux;
pub mod system;

use std::path::{Path, PathBuf};

use crate::model::Snapshot;

pub use system::LiveOptions;

/// Where a snapshot comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// This machine, now.
    Live(LiveOptions),
    /// A file written earlier (`sockaudit snapshot -o FILE`, or `list --format json`).
    File(PathBuf),
}

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
    /// A bug or an OS failure we could not classify.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Produces a snapshot from the given input.
pub fn collect(input: &Input) -> Result<Snapshot, CollectError> {
    match input {
        Input::Live(options) => system::collect_live(options),
        Input::File(path) => file::load(path),
    }
}

/// A short human label for an input, for report headers.
pub fn describe(input: &Input) -> String {
    match input {
        Input::Live(_) => "live".to_string(),
        Input::File(path) => format!("file:{}", display_name(path)),
    }
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}
