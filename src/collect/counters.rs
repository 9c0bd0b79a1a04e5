//! Kernel network counters of the live machine (Linux: `/proc/PID/net`), or of a saved copy
//! of those files. Other systems have none: callers say so and carry on.

use std::path::{Path, PathBuf};

use crate::model::NetNamespace;
use crate::model::counters::CounterSample;

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

/// A sample of the scanner's own network namespace; `Ok(None)` where the OS has no counters.
pub fn sample_own_namespace() -> Result<Option<CounterSample>, CounterError> {
    #[cfg(target_os = "linux")]
    {
        super::linux::counters::read_counters(&super::linux::counters::own_namespace_dir())
            .map(Some)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(None)
    }
}

/// A sample of a directory holding `/proc/net`-style files: `/proc/PID/net`, or a saved copy
/// (see [`crate::collect::linux::counters::read_counters`] on Linux).
pub fn read_dir(dir: &Path) -> Result<CounterSample, CounterError> {
    #[cfg(target_os = "linux")]
    {
        super::linux::counters::read_counters(dir)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        Err(CounterError::Unsupported)
    }
}

/// A sample of every namespace a live collection described, under its label; of our own
/// namespace alone (as `host`) when the collection described none (other systems, or a source
/// without namespaces). A namespace is read through `/proc/PID/net` of a process in it, or,
/// when only its `ip netns` name keeps it, from a thread that enters it.
pub fn sample_namespaces(
    namespaces: &[NetNamespace],
) -> Vec<(String, Result<CounterSample, CounterError>)> {
    #[cfg(target_os = "linux")]
    {
        super::linux::counters::sample_namespaces(namespaces)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = namespaces;
        Vec::new()
    }
}
