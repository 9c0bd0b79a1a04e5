//! Executable paths from either platform, on either build: a Windows snapshot audited on Linux
//! (or the other way round) must be judged the same. Windows paths (`C:\Windows\...`,
//! `\\server\share\...`) split on both separators and compare without case, as Windows does;
//! Unix paths are left exactly as they are.

/// Whether `path` is a Windows path: a drive letter (`C:\`, `c:/`) or a UNC share (`\\srv\`).
pub fn is_windows(path: &str) -> bool {
    let b = path.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
        || path.starts_with("\\\\")
}

/// The last component: `svchost.exe` of `C:\Windows\System32\svchost.exe`, `sshd` of
/// `/usr/sbin/sshd`.
pub fn file_name(path: &str) -> &str {
    if is_windows(path) {
        path.rsplit(['\\', '/']).next().unwrap_or(path)
    } else {
        path.rsplit('/').next().unwrap_or(path)
    }
}

/// The form a Windows path or pattern is compared in: lower case, `/` as the separator.
pub fn windows_key(path: &str) -> String {
    path.replace('\\', "/").to_lowercase()
}

/// Whether a glob pattern is written for Windows paths: a drive letter, a UNC prefix, or a
/// `\` (never a separator in a Unix pattern of ours: globs there escape with it only by
/// accident) - `C:\Users\*\AppData\Local\Temp\**`, `*:\$Recycle.Bin\**`.
pub fn is_windows_pattern(pattern: &str) -> bool {
    is_windows(pattern)
        || pattern.contains('\\')
        || pattern
            .split_once(':')
            .is_some_and(|(drive, rest)| drive.len() == 1 && rest.starts_with(['\\', '/']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_platforms() {
        assert!(is_windows(r"C:\Windows\System32\svchost.exe"));
        assert!(is_windows("c:/tools/nc.exe"));
        assert!(is_windows(r"\\fileserver\share\x.exe"));
        assert!(!is_windows("/usr/sbin/sshd"));
        assert!(!is_windows("sshd"));
        assert_eq!(file_name(r"C:\Windows\System32\svchost.exe"), "svchost.exe");
        assert_eq!(file_name("/usr/sbin/sshd"), "sshd");
        // A backslash is an ordinary character of a Unix file name.
        assert_eq!(file_name(r"/tmp/a\b"), r"a\b");
        assert_eq!(
            windows_key(r"C:\Users\Bob\AppData\Local\Temp\UPD.exe"),
            "c:/users/bob/appdata/local/temp/upd.exe"
        );
        assert!(is_windows_pattern(r"C:\Users\*\AppData\Local\Temp\**"));
        assert!(is_windows_pattern(r"*:\$Recycle.Bin\**"));
        assert!(!is_windows_pattern("/tmp/**"));
        assert!(!is_windows_pattern("python3*"));
    }
}
