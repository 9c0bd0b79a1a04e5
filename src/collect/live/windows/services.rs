//! The services each process hosts, from the Service Control Manager: what `tasklist /svc`,
//! the service lines of `netstat -b` and TCPView show for a `svchost.exe` PID.

use std::collections::BTreeMap;

/// Names of the running Win32 services, by the PID that hosts them; each list sorted.
pub fn services_by_pid() -> Result<BTreeMap<u32, Vec<String>>, String> {
    Ok(group_by_pid(running_services()?))
}

/// `(pid, service name)` pairs grouped by PID; PID 0 (a service between states) is dropped.
pub fn group_by_pid(
    entries: impl IntoIterator<Item = (u32, String)>,
) -> BTreeMap<u32, Vec<String>> {
    let mut by_pid: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (pid, name) in entries {
        if pid != 0 {
            by_pid.entry(pid).or_default().push(name);
        }
    }
    for names in by_pid.values_mut() {
        names.sort_by_key(|n| n.to_ascii_lowercase());
        names.dedup();
    }
    by_pid
}

/// Every active Win32 service with its PID (`EnumServicesStatusExW`, SC_ENUM_PROCESS_INFO).
#[allow(unsafe_code)]
fn running_services() -> Result<Vec<(u32, String)>, String> {
    use windows::Win32::Foundation::ERROR_MORE_DATA;
    use windows::Win32::System::Services::{
        CloseServiceHandle, ENUM_SERVICE_STATUS_PROCESSW, EnumServicesStatusExW, OpenSCManagerW,
        SC_ENUM_PROCESS_INFO, SC_MANAGER_ENUMERATE_SERVICE, SERVICE_ACTIVE, SERVICE_WIN32,
    };
    use windows::core::PCWSTR;

    // SAFETY: null machine and database names mean the local active database; the returned
    // handle is closed below on every path.
    let scm =
        unsafe { OpenSCManagerW(PCWSTR::null(), PCWSTR::null(), SC_MANAGER_ENUMERATE_SERVICE) }
            .map_err(|e| format!("OpenSCManagerW failed: {e}"))?;
    let mut entries = Vec::new();
    let mut resume = 0u32;
    // u64 words: the API writes pointer-aligned structs at the start of the buffer.
    let mut buffer = vec![0u64; 64 * 1024 / 8];
    let outcome = loop {
        let mut needed = 0u32;
        let mut returned = 0u32;
        let bytes_len = buffer.len() * 8;
        // SAFETY: the u64 buffer is valid for `bytes_len` bytes of writes as u8.
        let bytes =
            unsafe { std::slice::from_raw_parts_mut(buffer.as_mut_ptr().cast::<u8>(), bytes_len) };
        // SAFETY: every out-pointer is a live local; `bytes` is the buffer and its length.
        let result = unsafe {
            EnumServicesStatusExW(
                scm,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_ACTIVE,
                Some(bytes),
                &mut needed,
                &mut returned,
                Some(&mut resume),
                PCWSTR::null(),
            )
        };
        let count = usize::try_from(returned).unwrap_or(0);
        let fits =
            count.saturating_mul(std::mem::size_of::<ENUM_SERVICE_STATUS_PROCESSW>()) <= bytes_len;
        if fits {
            // SAFETY: the call wrote `returned` ENUM_SERVICE_STATUS_PROCESSW structs at the
            // start of the 8-byte-aligned buffer (checked to fit); their name pointers point
            // into the same buffer, NUL-terminated, and are read before it is reused.
            let services = unsafe {
                std::slice::from_raw_parts(
                    buffer.as_ptr().cast::<ENUM_SERVICE_STATUS_PROCESSW>(),
                    count,
                )
            };
            for service in services {
                // SAFETY: see above: a NUL-terminated UTF-16 string inside the buffer.
                let name = unsafe { service.lpServiceName.to_string() }
                    .unwrap_or_else(|_| String::from("?"));
                entries.push((service.ServiceStatusProcess.dwProcessId, name));
            }
        }
        match result {
            Ok(()) => break Ok(()),
            Err(err) if err.code() == ERROR_MORE_DATA.to_hresult() => {
                let want = usize::try_from(needed).unwrap_or(0).div_ceil(8);
                if want > buffer.len() {
                    buffer.resize(want, 0);
                }
            }
            Err(err) => break Err(format!("EnumServicesStatusExW failed: {err}")),
        }
    };
    // SAFETY: `scm` is the handle opened above, closed once.
    if let Err(err) = unsafe { CloseServiceHandle(scm) } {
        tracing::debug!("CloseServiceHandle failed: {err}");
    }
    outcome.map(|()| entries)
}

#[cfg(test)]
mod tests {
    use super::{group_by_pid, services_by_pid};

    #[test]
    fn services_group_by_host_pid_sorted_without_pid_zero() {
        let grouped = group_by_pid([
            (1208, "RpcSs".to_string()),
            (1208, "RpcEptMapper".to_string()),
            (0, "wuauserv".to_string()),
            (2044, "Dnscache".to_string()),
            (1208, "RpcSs".to_string()),
        ]);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[&1208], vec!["RpcEptMapper", "RpcSs"]);
        assert_eq!(grouped[&2044], vec!["Dnscache"]);
    }

    /// The real Service Control Manager (Windows, or Wine's services.exe under the suite).
    #[test]
    fn the_service_control_manager_lists_running_services_with_their_pids() {
        let by_pid = services_by_pid().unwrap_or_else(|e| panic!("{e}"));
        assert!(!by_pid.is_empty(), "no running service with a PID");
        assert!(by_pid.keys().all(|&pid| pid != 0));
    }
}
