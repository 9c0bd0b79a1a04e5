//! Facts about this machine: host name, OS, kernel and the ephemeral port range.

use sysinfo::System;

use crate::model::Host;

/// The host's facts, now, and a note when the ephemeral range had to be assumed.
pub fn host_facts() -> (Host, Option<String>) {
    let (ephemeral_ports, note) = ephemeral_ports();
    let host = Host {
        hostname: System::host_name().ok(),
        os: System::long_os_version().ok(),
        kernel: System::kernel_version().ok(),
        ephemeral_ports,
    };
    (host, note)
}

#[cfg(target_os = "linux")]
fn ephemeral_ports() -> (Option<[u16; 2]>, Option<String>) {
    (super::linux::procfs::ephemeral_ports(), None)
}

/// The configured range through WMI, read once per process (a WMI query costs tens of ms and
/// `top`/`watch` collect again and again); the IANA range Windows uses by default when WMI
/// does not answer, and a note saying so.
#[cfg(windows)]
fn ephemeral_ports() -> (Option<[u16; 2]>, Option<String>) {
    static RANGE: std::sync::OnceLock<Result<[u16; 2], String>> = std::sync::OnceLock::new();
    match RANGE.get_or_init(super::windows::dynamic_ports::tcp_dynamic_range) {
        Ok(range) => (Some(*range), None),
        Err(err) => (
            Some([49152, 65535]),
            Some(format!(
                "ephemeral port range assumed 49152-65535, Windows' default: the configured range could not be read ({err})"
            )),
        ),
    }
}

/// macOS and the BSDs: the IANA range they default to.
#[cfg(not(any(target_os = "linux", windows)))]
fn ephemeral_ports() -> (Option<[u16; 2]>, Option<String>) {
    (Some([49152, 65535]), None)
}
