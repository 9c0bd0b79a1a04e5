//! Facts about this machine: host name, OS, kernel and the ephemeral port range.

use sysinfo::System;

use crate::model::Host;

/// The host's facts, now.
pub fn host_facts() -> Host {
    #[cfg(target_os = "linux")]
    let ephemeral_ports = super::linux::procfs::ephemeral_ports();
    // Windows and macOS default to the IANA range.
    #[cfg(not(target_os = "linux"))]
    let ephemeral_ports = Some([49152, 65535]);
    Host {
        hostname: System::host_name().ok(),
        os: System::long_os_version().ok(),
        kernel: System::kernel_version().ok(),
        ephemeral_ports,
    }
}
