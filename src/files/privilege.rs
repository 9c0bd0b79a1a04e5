//! Whether this run has full privileges: root on Unix, an elevated token on Windows (what
//! `netstat -b` and TCPView need to show every owner's executable). It picks the state file and
//! feeds `coverage.privileged`.

/// `Some(true)` when privileged, `Some(false)` when not, `None` when the check itself failed.
pub fn is_privileged() -> Option<bool> {
    #[cfg(unix)]
    {
        Some(rustix::process::geteuid().is_root())
    }
    #[cfg(windows)]
    {
        windows_elevated()
    }
    #[cfg(not(any(unix, windows)))]
    {
        None
    }
}

/// The process token's `TokenElevation`: true for an administrator's "Run as administrator"
/// and for SYSTEM (services, Task Scheduler jobs "with highest privileges").
#[cfg(windows)]
#[allow(unsafe_code)]
fn windows_elevated() -> Option<bool> {
    use windows::Win32::Foundation::{CloseHandle, HANDLE};
    use windows::Win32::Security::{
        GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
    };
    use windows::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    let mut token = HANDLE::default();
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing; `token` is a
    // valid out-pointer for the duration of the call.
    if let Err(err) = unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } {
        tracing::debug!("OpenProcessToken failed: {err}");
        return None;
    }
    let mut elevation = TOKEN_ELEVATION::default();
    let mut returned = 0u32;
    let size = u32::try_from(std::mem::size_of::<TOKEN_ELEVATION>()).unwrap_or(4);
    // SAFETY: the buffer is a TOKEN_ELEVATION of exactly `size` bytes, which is what the
    // TokenElevation class writes; `token` was opened with TOKEN_QUERY just above.
    let result = unsafe {
        GetTokenInformation(
            token,
            TokenElevation,
            Some(std::ptr::from_mut(&mut elevation).cast()),
            size,
            &mut returned,
        )
    };
    // SAFETY: `token` is a handle we own and close once.
    if let Err(err) = unsafe { CloseHandle(token) } {
        tracing::debug!("CloseHandle of the process token failed: {err}");
    }
    match result {
        Ok(()) => Some(elevation.TokenIsElevated != 0),
        Err(err) => {
            tracing::debug!("GetTokenInformation(TokenElevation) failed: {err}");
            None
        }
    }
}
