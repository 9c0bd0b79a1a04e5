//! Processes that dress up as kernel threads: a name or `argv[0]` like `kworker/0:1` or
//! `[kswapd0]` on a process that is not one (the kernel marks its threads `PF_KTHREAD` in
//! `/proc/PID/stat`, which every user may read). Two small reads per process; see
//! docs/performance.md for what they cost.

use std::fmt::Write as _;
use std::os::fd::OwnedFd;

use rustix::fs::{Mode, OFlags, openat};

use crate::model::process::looks_like_kernel_thread;

/// `PF_KTHREAD` in the flags field of `/proc/PID/stat` (include/linux/sched.h).
const PF_KTHREAD: u64 = 0x0020_0000;

/// Whether `pid` is a user-space process named like a kernel thread. `path` is scratch.
pub fn looks_like_one(proc_dir: &OwnedFd, pid: u32, path: &mut String) -> bool {
    let mut buf = [0u8; 512];
    let Some(stat) = read_small(proc_dir, pid, "stat", &mut buf, path) else {
        return false;
    };
    let Some((comm, flags)) = parse_stat(stat) else {
        return false;
    };
    if flags & PF_KTHREAD != 0 {
        return false;
    }
    if looks_like_kernel_thread(&comm) {
        return true;
    }
    let mut buf = [0u8; 256];
    let Some(cmdline) = read_small(proc_dir, pid, "cmdline", &mut buf, path) else {
        return false;
    };
    let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    looks_like_kernel_thread(&String::from_utf8_lossy(argv0))
}

/// The first bytes of `/proc/PID/NAME` (enough for `stat`'s first fields, and for `argv[0]`).
fn read_small<'b>(
    proc_dir: &OwnedFd,
    pid: u32,
    name: &str,
    buf: &'b mut [u8],
    path: &mut String,
) -> Option<&'b [u8]> {
    path.clear();
    let _ = write!(path, "{pid}/{name}");
    let fd = openat(
        proc_dir,
        path.as_str(),
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    let n = rustix::io::read(&fd, &mut *buf).ok()?;
    buf.get(..n)
}

/// comm and flags of a `/proc/PID/stat` line. comm sits in parentheses and may itself hold
/// `)` and spaces, so the fields start after the last `)`.
fn parse_stat(stat: &[u8]) -> Option<(String, u64)> {
    let open = stat.iter().position(|b| *b == b'(')?;
    let close = stat.iter().rposition(|b| *b == b')')?;
    let comm = String::from_utf8_lossy(stat.get(open + 1..close)?).into_owned();
    let rest = std::str::from_utf8(stat.get(close + 1..)?).ok()?;
    // state ppid pgrp session tty_nr tpgid flags
    let flags = rest.split_ascii_whitespace().nth(6)?.parse().ok()?;
    Some((comm, flags))
}

#[cfg(test)]
mod tests {
    use super::parse_stat;

    #[test]
    fn stat_lines_parse_with_hostile_comms() {
        let line = b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0";
        assert_eq!(parse_stat(line), Some(("kthreadd".to_string(), 2_129_984)));
        let line = b"77 (a) b (c) S 1 77 77 0 -1 4194560 5 0";
        assert_eq!(parse_stat(line), Some(("a) b (c".to_string(), 4_194_560)));
        assert_eq!(parse_stat(b"garbage"), None);
    }

    #[test]
    fn this_test_process_is_no_lookalike_and_kthreadd_is_a_real_kernel_thread() {
        let proc_dir = rustix::fs::openat(
            rustix::fs::CWD,
            "/proc",
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY,
            rustix::fs::Mode::empty(),
        )
        .expect("/proc");
        let mut path = String::new();
        assert!(!super::looks_like_one(
            &proc_dir,
            std::process::id(),
            &mut path
        ));
        // PID 2 is kthreadd where the kernel's threads are visible; it is never a lookalike.
        assert!(!super::looks_like_one(&proc_dir, 2, &mut path));
    }
}
