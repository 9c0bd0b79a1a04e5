//! `/proc/self/mountinfo`: the mounts of our mount namespace, for the two questions the
//! hidden-process check asks: is something mounted over `/proc/PID`, and where is a cgroup
//! hierarchy whose `cgroup.procs` files list every process.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where it is mounted (octal escapes such as `\040` decoded).
    pub point: String,
    /// Filesystem type (`tmpfs`, `proc`, `cgroup2`...).
    pub fstype: String,
    /// Mount source (`none`, a device, `proc`).
    pub source: String,
    /// The path inside the filesystem that is mounted (`/` or a bind mount's subdirectory).
    pub root: String,
}

impl Mount {
    /// `tmpfs (none) on /proc/1234`, for evidence.
    pub fn describe(&self) -> String {
        let root = if self.root == "/" {
            String::new()
        } else {
            format!(" {}", self.root)
        };
        format!(
            "{} ({}{root}) mounted on {}",
            self.fstype, self.source, self.point
        )
    }
}

/// Reads and parses our mount namespace's mounts; empty when unreadable.
pub fn read() -> Vec<Mount> {
    std::fs::read("/proc/self/mountinfo")
        .map(|bytes| parse(&String::from_utf8_lossy(&bytes)))
        .unwrap_or_default()
}

/// Parses mountinfo text; lines that do not parse are skipped.
pub fn parse(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_line).collect()
}

/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`: the
/// optional fields end at the lone `-`.
fn parse_line(line: &str) -> Option<Mount> {
    let mut fields = line.split(' ');
    let root = fields.nth(3)?;
    let point = fields.next()?;
    let mut rest = fields.skip_while(|f| *f != "-").skip(1);
    let fstype = rest.next()?;
    let source = rest.next()?;
    Some(Mount {
        point: unescape(point),
        fstype: unescape(fstype),
        source: unescape(source),
        root: unescape(root),
    })
}

/// The kernel writes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .map(|d| d.iter().fold(0u32, |n, b| n * 8 + u32::from(b - b'0')));
        match octal.and_then(|n| u8::try_from(n).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// PIDs whose `/proc/PID` (or a directory under it) has something mounted over it, with the
/// mount that covers it. Nothing legitimate mounts there: it is how a process is hidden from
/// `ps`, `netstat -p`, `ss -p` and `lsof`.
pub fn masked_pids(mounts: &[Mount]) -> BTreeMap<u32, Mount> {
    let mut masked = BTreeMap::new();
    for mount in mounts {
        let Some(rest) = mount.point.strip_prefix("/proc/") else {
            continue;
        };
        let first = rest.split('/').next().unwrap_or_default();
        if let Some(pid) = super::fds::parse_u32(first.as_bytes()) {
            masked.entry(pid).or_insert_with(|| mount.clone());
        }
    }
    masked
}

/// A cgroup hierarchy to read `cgroup.procs` from: the unified (v2) one when mounted, else
/// the first v1 hierarchy (each v1 hierarchy holds every process too).
pub fn cgroup_root(mounts: &[Mount]) -> Option<PathBuf> {
    mounts
        .iter()
        .find(|m| m.fstype == "cgroup2")
        .or_else(|| mounts.iter().find(|m| m.fstype == "cgroup"))
        .map(|m| PathBuf::from(&m.point))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
90 22 0:50 / /proc/4242 rw,relatime - tmpfs none rw
91 22 0:21 /17 /proc/4343 rw,relatime - proc proc rw
92 22 0:51 / /proc/4444/fd rw,relatime - tmpfs x rw
93 22 0:52 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw
94 27 0:53 / /mnt/with\\040space rw - tmpfs a\\134b rw
garbage line
";

    #[test]
    fn mounts_over_proc_pids_are_found_with_what_covers_them() {
        let mounts = parse(SAMPLE);
        assert_eq!(mounts.len(), 9);
        let masked = masked_pids(&mounts);
        assert_eq!(
            masked.keys().copied().collect::<Vec<_>>(),
            [4242, 4343, 4444]
        );
        assert_eq!(
            masked[&4242].describe(),
            "tmpfs (none) mounted on /proc/4242"
        );
        // A bind mount of another process's entry names where it comes from.
        assert_eq!(
            masked[&4343].describe(),
            "proc (proc /17) mounted on /proc/4343"
        );
    }

    #[test]
    fn escapes_decode_and_cgroup2_is_preferred() {
        let mounts = parse(SAMPLE);
        assert!(
            mounts
                .iter()
                .any(|m| m.point == "/mnt/with space" && m.source == "a\\b")
        );
        assert_eq!(
            cgroup_root(&mounts),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
        let v1_only: Vec<Mount> = mounts
            .into_iter()
            .filter(|m| m.fstype != "cgroup2")
            .collect();
        assert_eq!(
            cgroup_root(&v1_only),
            Some(PathBuf::from("/sys/fs/cgroup/cpu"))
        );
    }

    #[test]
    fn our_own_mountinfo_has_proc() {
        assert!(read().iter().any(|m| m.fstype == "proc"));
    }
}
