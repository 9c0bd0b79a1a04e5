//! Which processes hold which socket inodes: a walk of `/proc/PID/fd`.
//!
//! Written by hand rather than taken from netstat2 because netstat2's walk panics when `/proc`
//! is unreadable, is serial, and cannot say *why* a socket has no owner. Each PID's fd
//! directory is opened relative to one `/proc` handle (`openat`/`readlinkat`, no path
//! building per fd), and a few threads take work from one queue: a process to list, or a run of
//! at most `CHUNK` fds, so one process holding 100k sockets is read by every thread.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustix::fs::{Dir, Mode, OFlags, openat, readlinkat_raw};
use rustix::io::Errno;

/// A stdio fd that is not a socket but may lead to another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StdioLink {
    /// `pipe:[N]`.
    Pipe(u64),
    /// `/dev/pts/N`.
    Pty(u32),
}

/// What a walk reads besides each process's fd links.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Read every fd link (socket ownership). Without it only namespaces are read.
    pub fds: bool,
    /// Read each process's network namespace link (`/proc/PID/ns/net`).
    pub netns: bool,
    /// With `fds`: read each process's `stat` and `argv[0]` for kernel-thread lookalikes.
    pub kernel_threads: bool,
}

/// Result of one walk.
#[derive(Debug, Default)]
pub struct FdWalk {
    /// (socket inode, PID holding it, fd), sorted once the walk ends: a flat sorted list is a
    /// third of the memory of a map of vectors at 100k sockets (and the fd fits in the
    /// padding of the pair).
    pub owners: Vec<(u64, u32, u32)>,
    /// (pid, fd, inode) for sockets held on fds 0, 1 or 2.
    pub stdio: Vec<(u32, u32, u64)>,
    /// (pid, fd, what) for pipes and pseudo-terminals on fds 0, 1 or 2.
    pub stdio_links: Vec<(u32, u32, StdioLink)>,
    /// (pipe inode, pid, fd) for every pipe fd, sorted: who holds the other end of a stdio
    /// pipe.
    pub pipes: Vec<(u64, u32, u32)>,
    /// (pid, fd) of pseudo-terminal masters (`/dev/ptmx`); their fdinfo names the pty.
    pub pty_masters: Vec<(u32, u32)>,
    /// Processes (not kernel threads) whose name or `argv[0]` looks like a kernel thread's.
    pub kernel_thread_lookalikes: Vec<u32>,
    /// (pid, network namespace inode) for every process whose namespace link was readable.
    pub netns: Vec<(u32, u64)>,
    /// The PIDs the `/proc` listing showed, ascending.
    pub listed: Vec<u32>,
    /// Processes whose namespace link was not readable (not root: other users' processes).
    pub netns_denied: usize,
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
        self.owners.extend(other.owners);
        self.stdio.extend(other.stdio);
        self.stdio_links.extend(other.stdio_links);
        self.pipes.extend(other.pipes);
        self.pty_masters.extend(other.pty_masters);
        self.kernel_thread_lookalikes
            .extend(other.kernel_thread_lookalikes);
        self.netns.extend(other.netns);
        self.netns_denied += other.netns_denied;
        self.denied += other.denied;
        self.vanished += other.vanished;
        self.other_errors += other.other_errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// Sorts the owner and namespace lists.
    fn finish(&mut self) {
        self.owners.sort_unstable();
        self.owners.dedup();
        self.netns.sort_unstable();
        self.pipes.sort_unstable();
        self.pipes.dedup();
        self.stdio_links.sort_unstable();
        self.pty_masters.sort_unstable();
        self.kernel_thread_lookalikes.sort_unstable();
    }

    /// Drops what was read under the `/proc/PID` of `pids`: a mount covers it, so it describes
    /// whatever was mounted there, not them.
    pub fn forget(&mut self, pids: &std::collections::BTreeSet<u32>) {
        if pids.is_empty() {
            return;
        }
        self.owners.retain(|(_, pid, _)| !pids.contains(pid));
        self.stdio.retain(|(pid, ..)| !pids.contains(pid));
        self.stdio_links.retain(|(pid, ..)| !pids.contains(pid));
        self.pipes.retain(|(_, pid, _)| !pids.contains(pid));
        self.pty_masters.retain(|(pid, _)| !pids.contains(pid));
        self.kernel_thread_lookalikes
            .retain(|pid| !pids.contains(pid));
        self.netns.retain(|(pid, _)| !pids.contains(pid));
    }

    /// Adds the sockets (inode, fd) a process holds, read some other way than the walk.
    pub fn add_sockets(&mut self, pid: u32, sockets: &[(u64, u32)]) {
        self.owners
            .extend(sockets.iter().map(|&(inode, fd)| (inode, pid, fd)));
        self.owners.sort_unstable();
        self.owners.dedup();
    }

    /// The (pid, fd) holding pipe `inode`, sorted.
    pub fn pipe_holders(&self, inode: u64) -> impl Iterator<Item = (u32, u32)> + '_ {
        let start = self.pipes.partition_point(|(i, ..)| *i < inode);
        self.pipes[start..]
            .iter()
            .take_while(move |(i, ..)| *i == inode)
            .map(|(_, pid, fd)| (*pid, *fd))
    }

    /// The entries of one inode.
    fn entries(&self, inode: u64) -> &[(u64, u32, u32)] {
        let start = self.owners.partition_point(|(i, ..)| *i < inode);
        let len = self.owners[start..]
            .iter()
            .take_while(|(i, ..)| *i == inode)
            .count();
        &self.owners[start..start + len]
    }

    /// The PIDs holding a socket inode, sorted.
    pub fn pids_of(&self, inode: u64) -> Vec<u32> {
        let mut pids: Vec<u32> = self.entries(inode).iter().map(|(_, pid, _)| *pid).collect();
        // Sorted by (inode, pid, fd): one process holding the socket on two fds is one owner.
        pids.dedup();
        pids
    }

    /// One (pid, fd) that holds a socket inode: the lowest PID, its lowest fd.
    pub fn holder_of(&self, inode: u64) -> Option<(u32, u32)> {
        self.entries(inode).first().map(|(_, pid, fd)| (*pid, *fd))
    }

    /// Every distinct socket inode some process holds, ascending.
    pub fn held_inodes(&self) -> impl Iterator<Item = u64> + '_ {
        let owners = &self.owners;
        owners
            .iter()
            .enumerate()
            .filter(|(k, (inode, ..))| *k == 0 || owners[k - 1].0 != *inode)
            .map(|(_, (inode, ..))| *inode)
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

/// Largest run of fds one thread reads before others may help: a single process holding 100k
/// sockets is spread over every thread, not left to one.
const CHUNK: usize = 2048;

/// A piece of work: a process whose fd table is still to be listed, or a run of its fds.
enum Unit {
    Process(u32),
    Fds {
        pid: u32,
        dir: Arc<OwnedFd>,
        fds: Vec<u32>,
    },
}

/// Walks every process's fd table (and namespace link) under `proc_root` with up to `threads`
/// threads pulling work units from one queue.
pub fn walk(proc_root: &Path, threads: usize, options: WalkOptions) -> io::Result<FdWalk> {
    let proc_dir = openat(
        rustix::fs::CWD,
        proc_root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let pids = list_pids(&proc_dir)?;
    let mut listed = pids.clone();
    listed.sort_unstable();
    let threads = threads.clamp(1, 8).min(pids.len().max(1));
    let queue = Mutex::new(pids.into_iter().map(Unit::Process).collect::<VecDeque<_>>());
    let mut total = FdWalk::default();
    if threads == 1 {
        total = worker(&proc_dir, &queue, options);
    } else {
        let parts: Vec<FdWalk> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| scope.spawn(|| worker(&proc_dir, &queue, options)))
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
    total.listed = listed;
    Ok(total)
}

/// Takes units until the queue is empty.
fn worker(proc_dir: &OwnedFd, queue: &Mutex<VecDeque<Unit>>, options: WalkOptions) -> FdWalk {
    let mut walk = FdWalk::default();
    let mut name = String::with_capacity(24);
    loop {
        // A poisoned queue only means another worker panicked; its units are still valid.
        let unit = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        match unit {
            None => break,
            Some(Unit::Process(pid)) => {
                if options.netns {
                    read_netns(proc_dir, pid, &mut walk, &mut name);
                }
                if !options.fds {
                    continue;
                }
                if options.kernel_threads
                    && super::kthread::looks_like_one(proc_dir, pid, &mut name)
                {
                    walk.kernel_thread_lookalikes.push(pid);
                }
                let Some((dir, fds)) = list_fds(proc_dir, pid, &mut walk, &mut name) else {
                    continue;
                };
                let dir = Arc::new(dir);
                let mut chunks = fds.chunks(CHUNK);
                let first = chunks.next().map(<[u32]>::to_vec).unwrap_or_default();
                let rest: Vec<Unit> = chunks
                    .map(|c| Unit::Fds {
                        pid,
                        dir: dir.clone(),
                        fds: c.to_vec(),
                    })
                    .collect();
                if !rest.is_empty() {
                    // Put the rest first in line so idle threads help with this process now.
                    let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                    for unit in rest.into_iter().rev() {
                        q.push_front(unit);
                    }
                }
                read_links(pid, &dir, &first, &mut walk, &mut name);
            }
            Some(Unit::Fds { pid, dir, fds }) => read_links(pid, &dir, &fds, &mut walk, &mut name),
        }
    }
    walk
}

/// Opens `/proc/PID/fd` and lists its fd numbers.
fn list_fds(
    proc_dir: &OwnedFd,
    pid: u32,
    walk: &mut FdWalk,
    path: &mut String,
) -> Option<(OwnedFd, Vec<u32>)> {
    path.clear();
    let _ = write!(path, "{pid}/fd");
    let dir = match openat(
        proc_dir,
        path.as_str(),
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(err) => {
            walk.note_error(path, err);
            return None;
        }
    };
    let mut entries = match Dir::read_from(&dir) {
        Ok(entries) => entries,
        Err(err) => {
            walk.note_error(path, err);
            return None;
        }
    };
    let mut fds = Vec::new();
    // An error mid-listing means the process exited: keep what we have.
    while let Some(Ok(entry)) = entries.read() {
        if let Some(fd) = parse_u32(entry.file_name().to_bytes()) {
            fds.push(fd);
        }
    }
    Some((dir, fds))
}

/// Reads the link of each fd and records the socket inodes.
fn read_links(pid: u32, dir: &OwnedFd, fds: &[u32], walk: &mut FdWalk, name: &mut String) {
    let mut link = [0u8; 64];
    for &fd in fds {
        name.clear();
        let _ = write!(name, "{fd}");
        // A closed fd (ENOENT) is normal churn; anything longer than 64 bytes is no socket.
        // A listable fd directory whose links cannot be read (seen for a sandbox's PID 1,
        // even as root) hides its sockets just as an unreadable directory does.
        let len = match readlinkat_raw(dir, name.as_str(), &mut link[..]) {
            Ok(len) => len,
            Err(err @ (Errno::ACCESS | Errno::PERM)) => {
                walk.note_error(&format!("{pid}/fd"), err);
                return;
            }
            Err(_) => continue,
        };
        let Some(target) = link.get(..len) else {
            continue;
        };
        if let Some(inode) = parse_socket_link(target) {
            walk.owners.push((inode, pid, fd));
            if fd <= 2 {
                walk.stdio.push((pid, fd, inode));
            }
        } else if let Some(inode) = parse_pipe_link(target) {
            walk.pipes.push((inode, pid, fd));
            if fd <= 2 {
                walk.stdio_links.push((pid, fd, StdioLink::Pipe(inode)));
            }
        } else if target == b"/dev/ptmx" || target == b"/dev/pts/ptmx" {
            walk.pty_masters.push((pid, fd));
        } else if fd <= 2
            && let Some(n) = target.strip_prefix(b"/dev/pts/").and_then(parse_u32)
        {
            walk.stdio_links.push((pid, fd, StdioLink::Pty(n)));
        }
    }
}

/// Records the network namespace of `pid` (`net:[4026531840]`).
fn read_netns(proc_dir: &OwnedFd, pid: u32, walk: &mut FdWalk, path: &mut String) {
    path.clear();
    let _ = write!(path, "{pid}/ns/net");
    let mut link = [0u8; 64];
    match readlinkat_raw(proc_dir, path.as_str(), &mut link[..]) {
        Ok(len) => {
            if let Some(inode) = link.get(..len).and_then(parse_netns_link) {
                walk.netns.push((pid, inode));
            }
        }
        Err(Errno::ACCESS | Errno::PERM) => walk.netns_denied += 1,
        // Exited, or a kernel thread without namespaces: nothing to record.
        Err(_) => {}
    }
}

/// `net:[4026531840]` → 4026531840.
pub fn parse_netns_link(target: &[u8]) -> Option<u64> {
    let inner = target.strip_prefix(b"net:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
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

/// `socket:[12345]` → 12345.
pub fn parse_socket_link(target: &[u8]) -> Option<u64> {
    let inner = target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

/// `pipe:[12345]` → 12345.
pub fn parse_pipe_link(target: &[u8]) -> Option<u64> {
    let inner = target.strip_prefix(b"pipe:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

pub(super) fn parse_u32(bytes: &[u8]) -> Option<u32> {
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
        assert_eq!(parse_pipe_link(b"pipe:[77]"), Some(77));
        assert_eq!(parse_pipe_link(b"socket:[77]"), None);
        assert_eq!(parse_netns_link(b"net:[4026531840]"), Some(4026531840));
        assert_eq!(parse_netns_link(b"mnt:[4026531840]"), None);
    }

    #[test]
    fn walk_finds_a_socket_this_process_holds() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::MetadataExt;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let options = WalkOptions {
            fds: true,
            netns: true,
            kernel_threads: true,
        };
        let walk = walk(Path::new("/proc"), 2, options)?;
        // The inode of our listener, read through our own fd link.
        let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))?.ino();
        let owners = walk.pids_of(inode);
        assert_eq!(owners, vec![std::process::id()]);
        assert_eq!(walk.holder_of(inode), Some((std::process::id(), fd as u32)));
        assert!(walk.held_inodes().any(|i| i == inode));
        // Our own namespace was read, and matches what the link says.
        let own = std::fs::read_link("/proc/self/ns/net")?;
        let own = parse_netns_link(own.as_os_str().as_encoded_bytes());
        let me = std::process::id();
        let found = walk
            .netns
            .iter()
            .find(|(pid, _)| *pid == me)
            .map(|(_, ns)| *ns);
        assert!(own.is_some() && found == own);
        Ok(())
    }
}
