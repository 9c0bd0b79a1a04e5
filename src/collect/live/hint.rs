//! What to tell the user when the live socket table cannot be read. netstat2 reports a failed
//! netlink call as "Failed to call ffi", without the OS error; under a tiny open-file limit
//! (`ulimit -n 6`) that is the cause, so the message says so and how to fix it.

use super::CollectError;

/// Below this soft `RLIMIT_NOFILE` the netlink dump and the `/proc` walk run out of descriptors.
const FEW_FILES: u64 = 16;

/// Adds the open-file limit to an enumeration error when it is low enough to be the cause.
pub fn explain(err: CollectError) -> CollectError {
    match err {
        CollectError::Enumerate(message) => match open_file_limit() {
            Some(limit) if limit < FEW_FILES => CollectError::Enumerate(format!(
                "{message} (the open-file limit is {limit}: raise it with `ulimit -n 1024` or LimitNOFILE=)"
            )),
            _ => CollectError::Enumerate(message),
        },
        other => other,
    }
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}
