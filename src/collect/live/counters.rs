//! Kernel network counters of the live machine (Linux: `/proc/PID/net`; Windows: the IP Helper
//! API, under the same counter names), or of a saved copy of the Linux files. Other systems
//! have none: callers say so and carry on.

use std::path::Path;

pub use crate::collect::error::CounterError;
use crate::model::NetNamespace;
use crate::model::counters::CounterSample;

/// A sample of the scanner's own network namespace; `Ok(None)` where the OS has no counters.
pub fn sample_own_namespace() -> Result<Option<CounterSample>, CounterError> {
    #[cfg(target_os = "linux")]
    {
        super::linux::counters::read_counters(&super::linux::counters::own_namespace_dir())
            .map(Some)
    }
    #[cfg(windows)]
    {
        super::windows::counters::sample().map(Some)
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        Ok(None)
    }
}

/// A sample of a directory holding `/proc/net`-style files: `/proc/PID/net`, or a saved copy
/// (see [`crate::collect::live::linux::counters::read_counters`] on Linux).
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
    // Windows has no network namespaces: the machine's counters, as the host's.
    #[cfg(windows)]
    {
        let _ = namespaces;
        vec![(
            crate::model::namespace::HOST.to_string(),
            super::windows::counters::sample(),
        )]
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        let _ = namespaces;
        Vec::new()
    }
}
