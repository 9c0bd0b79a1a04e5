//! Small `/proc/PID` facts sysinfo does not keep: whether the executable was deleted.

use std::os::unix::ffi::OsStrExt;

/// The ephemeral port range from `/proc/sys/net/ipv4/ip_local_port_range`.
pub fn ephemeral_ports() -> Option<[u16; 2]> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut parts = text.split_whitespace().map(str::parse::<u16>);
    match (parts.next(), parts.next()) {
        (Some(Ok(lo)), Some(Ok(hi))) if lo <= hi => Some([lo, hi]),
        _ => None,
    }
}

/// What `/proc/PID/exe` points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExeLink {
    /// The path without the kernel's ` (deleted)` suffix.
    pub path: String,
    /// The kernel marked the file deleted, or it is an anonymous memfd (fileless malware).
    pub deleted: bool,
    /// The path's exact bytes when they are not UTF-8 (`path` then shows `\xNN`).
    pub raw: Option<crate::model::raw::RawBytes>,
}

/// Reads the exe link of `pid`; `None` when it cannot be read (kernel thread, permission,
/// exited).
pub fn exe_link(pid: u32) -> Option<ExeLink> {
    let target = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    Some(classify_exe(target.as_os_str().as_bytes()))
}

/// Splits the kernel's ` (deleted)` marker off a link target.
pub fn classify_exe(target: &[u8]) -> ExeLink {
    let (path, deleted) = match target.strip_suffix(b" (deleted)") {
        Some(path) => (path, true),
        None => (target, false),
    };
    let memfd = path.starts_with(b"/memfd:");
    let (path, raw) = crate::model::raw::decode(path);
    ExeLink {
        path,
        deleted: deleted || memfd,
        raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleted_and_memfd_are_flagged() {
        assert!(!classify_exe(b"/usr/sbin/sshd").deleted);
        let gone = classify_exe(b"/tmp/x (deleted)");
        assert_eq!(gone.path, "/tmp/x");
        assert!(gone.deleted);
        assert!(classify_exe(b"/memfd:payload (deleted)").deleted);
        assert!(classify_exe(b"/memfd:payload").deleted);
    }
}
