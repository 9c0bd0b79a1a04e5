//! Which processes hold which socket inodes: a walk of `/proc/PID/fd`.
//!
//! Written by hand rather than taken from netstat2 because netstat2's walk panics when `/proc`
//! is unreadable, is serial, and cannot say *why* a socket has no owner. Each PID's fd
//! directory is opened relative to one `/proc` handle (`openat`/`readlinkat`, no path
//! building per fd) and the PIDs are spread over a few threads.

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{Dir, Mode, OFlags, openat, readlinkat_raw};
use rustix::io::Errno;

/// Result of one walk.
#[derive(Debug, Default)]
pub struct FdWalk {
    /// Socket inode → PIDs holding it (sorted and de-duplicated once the walk ends).
    pub owners: HashMap<u64, Vec<u32>>,
    /// (pid, fd, inode) for sockets held on fds 0, 1 or 2.
    pub stdio: Vec<(u32, u32, u64)>,
    /// PIDs whose fd directory was not readable (EACCES/EPERM).
    pub denied: usize,
    /// PIDs that exited while we looked.
    pub vanished: usize,
    /// Other errors (EMFILE with a tiny `ulimit -n`, ...), with the first one kept.
    pub other_errors: usize,
    /// The first unexpected error, to report.
    pub first_error: Option<String>,
}

impl FdWalk {
    fn merge(&mut self, other: FdWalk) {
        for (inode, pids) in other.owners {
            self.owners.entry(inode).or_default().extend(pids);
        }
        self.stdio.extend(other.stdio);
        self.denied += other.denied;
        self.vanished += other.vanished;
        self.other_errors += other.other_errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// Sorts and de-duplicates the PID lists.
    fn finish(&mut self) {
        for pids in self.owners.values_mut() {
            pids.sort_unstable();
            pids.dedup();
        }
    }

    fn note_error(&mut self, what: &str, err: Errno) {
        match err {
            Errno::ACCESS | Errno::PERM => self.denied += 1,
            Errno::NOENT | Errno::SRCH => self.vanished += 1,
            other => {
                self.other_errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(format!("{what}: {}", io::Error::from(other)));
                }
            }
        }
    }
}

/// Walks every process's fd table under `proc_root` with up to `threads` threads.
pub fn walk(proc_root: &Path, threads: usize) -> io::Result<FdWalk> {
    let proc_dir = openat(
        rustix::fs::CWD,
        proc_root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let pids = list_pids(&proc_dir)?;
    let threads = threads.clamp(1, 8).min(pids.len().max(1));
    let mut total = FdWalk::default();
    if threads == 1 {
        total = walk_pids(&proc_dir, &pids);
    } else {
        // Round-robin keeps the big PIDs (often low numbers: daemons) spread out.
        let shares: Vec<Vec<u32>> = (0..threads)
            .map(|t| pids.iter().copied().skip(t).step_by(threads).collect())
            .collect();
        let parts: Vec<FdWalk> = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .map(|share| scope.spawn(|| walk_pids(&proc_dir, share)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for part in parts {
            total.merge(part);
        }
    }
    total.finish();
    Ok(total)
}

fn list_pids(proc_dir: &OwnedFd) -> io::Result<Vec<u32>> {
    let dup = openat(
        proc_dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut dir = Dir::new(dup)?;
    let mut pids = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        if let Some(pid) = parse_u32(entry.file_name().to_bytes()) {
            pids.push(pid);
        }
    }
    Ok(pids)
}

fn walk_pids(proc_dir: &OwnedFd, pids: &[u32]) -> FdWalk {
    let mut walk = FdWalk::default();
    let mut path = String::with_capacity(24);
    let mut link = [0u8; 64];
    for &pid in pids {
        path.clear();
        use std::fmt::Write as _;
        let _ = write!(path, "{pid}/fd");
        let fd_dir = match openat(
            proc_dir,
            path.as_str(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(err) => {
                walk.note_error(&path, err);
                continue;
            }
        };
        let mut dir = match Dir::read_from(&fd_dir) {
            Ok(dir) => dir,
            Err(err) => {
                walk.note_error(&path, err);
                continue;
            }
        };
        while let Some(entry) = dir.read() {
            let Ok(entry) = entry else {
                // The process exited mid-read: keep what we have.
                break;
            };
            let name = entry.file_name();
            if name.to_bytes().first() == Some(&b'.') {
                continue;
            }
            // A closed fd (ENOENT) is normal churn; anything longer than 64 bytes is no socket.
            // A listable fd directory whose links cannot be read (seen for a sandbox's PID 1,
            // even as root) hides its sockets just as an unreadable directory does.
            let len = match readlinkat_raw(&fd_dir, name, &mut link[..]) {
                Ok(len) => len,
                Err(err @ (Errno::ACCESS | Errno::PERM)) => {
                    walk.note_error(&path, err);
                    break;
                }
                Err(_) => continue,
            };
            if let Some(inode) = link.get(..len).and_then(parse_socket_link) {
                walk.owners.entry(inode).or_default().push(pid);
                if let [fd @ b'0'..=b'2'] = name.to_bytes() {
                    walk.stdio.push((pid, u32::from(fd - b'0'), inode));
                }
            }
        }
    }
    walk
}

/// `socket:[12345]` → 12345.
pub fn parse_socket_link(target: &[u8]) -> Option<u64> {
    let inner = target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

fn parse_u32(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_links_parse() {
        assert_eq!(parse_socket_link(b"socket:[4026532]"), Some(4026532));
        assert_eq!(parse_socket_link(b"pipe:[12]"), None);
        assert_eq!(parse_socket_link(b"socket:[12"), None);
        assert_eq!(parse_socket_link(b"socket:[x]"), None);
        assert_eq!(parse_socket_link(b"/dev/null"), None);
    }

    #[test]
    fn walk_finds_a_socket_this_process_holds() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::MetadataExt;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let walk = walk(Path::new("/proc"), 2)?;
        // The inode of our listener, read through our own fd link.
        let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))?.ino();
        let owners = walk.owners.get(&inode).cloned().unwrap_or_default();
        assert_eq!(owners, vec![std::process::id()]);
        Ok(())
    }
}
