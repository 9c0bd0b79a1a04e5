//! Who drives a process's stdin: the process holding the write end of its stdin pipe, or the
//! master of its pseudo-terminal. A shell whose stdin is fed by a process that holds a
//! network socket is driven over the network (socat `exec:...,pty`, `ncat -e`, a python
//! `pty.spawn` wrapper), even though the shell itself holds no socket.
//!
//! Only stdio fds, the pipe ends that could feed them and pty masters are looked at (their
//! fdinfo read), never every fd. Sharing a pipe is not enough: the children of a daemon share
//! its stdin and log pipes by the thousand, but none of them writes the others' input.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::fds::{FdWalk, StdioLink};
use crate::model::{StdioPeer, StdioVia};

/// For each process named like one of `names` (globs on `/proc/PID/comm`) whose stdin is fed
/// by another process in `net_owners` (the PIDs holding TCP/UDP sockets): its stdio fds that
/// lead to that feeder.
pub fn stdio_peers(
    walk: &FdWalk,
    net_owners: &BTreeSet<u32>,
    names: &[String],
) -> BTreeMap<u32, Vec<StdioPeer>> {
    if names.is_empty() || walk.stdio_links.is_empty() {
        return BTreeMap::new();
    }
    let mut builder = globset::GlobSetBuilder::new();
    for name in names {
        // The patterns come from rules that were already validated as globs.
        if let Ok(glob) = globset::Glob::new(name) {
            builder.add(glob);
        }
    }
    let Ok(wanted) = builder.build() else {
        return BTreeMap::new();
    };
    let masters = pty_masters(walk);
    // Pipe inode -> the socket owners holding a write end of it; one fdinfo read per end.
    let mut writers: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut out: BTreeMap<u32, Vec<StdioPeer>> = BTreeMap::new();
    let links = &walk.stdio_links;
    let mut start = 0;
    while start < links.len() {
        let pid = links[start].0;
        let end = start + links[start..].iter().take_while(|l| l.0 == pid).count();
        let own = &links[start..end];
        start = end;
        let feeders: Vec<u32> = match own.iter().find(|l| l.1 == 0).map(|l| l.2) {
            Some(StdioLink::Pipe(inode)) => writers
                .entry(inode)
                .or_insert_with(|| pipe_writers(walk, inode, net_owners))
                .iter()
                .copied()
                .filter(|p| *p != pid)
                .collect(),
            Some(StdioLink::Pty(index)) => masters
                .get(&index)
                .map(|m| {
                    m.iter()
                        .copied()
                        .filter(|p| *p != pid && net_owners.contains(p))
                        .collect()
                })
                .unwrap_or_default(),
            None => continue,
        };
        if feeders.is_empty() {
            continue;
        }
        let peers: Vec<StdioPeer> = own
            .iter()
            .filter_map(|&(_, fd, link)| {
                let (via, id, holders): (StdioVia, u64, Vec<u32>) = match link {
                    StdioLink::Pipe(inode) => (
                        StdioVia::Pipe,
                        inode,
                        walk.pipe_holders(inode).map(|(p, _)| p).collect(),
                    ),
                    StdioLink::Pty(index) => (
                        StdioVia::Pty,
                        u64::from(index),
                        masters.get(&index).cloned().unwrap_or_default(),
                    ),
                };
                let mut pids: Vec<u32> = holders
                    .into_iter()
                    .filter(|p| feeders.contains(p))
                    .collect();
                pids.sort_unstable();
                pids.dedup();
                (!pids.is_empty()).then_some(StdioPeer { fd, via, id, pids })
            })
            .collect();
        out.insert(pid, peers);
    }
    // Only now the names, and only of the processes with feeders: one small read each.
    out.retain(|pid, _| {
        std::fs::read(format!("/proc/{pid}/comm")).is_ok_and(|comm| {
            let comm = String::from_utf8_lossy(&comm);
            wanted.is_match(comm.trim_end_matches('\n'))
        })
    });
    out
}

/// The socket owners holding pipe `inode` open for writing (fdinfo `flags`, O_ACCMODE).
fn pipe_writers(walk: &FdWalk, inode: u64, net_owners: &BTreeSet<u32>) -> Vec<u32> {
    let mut pids: Vec<u32> = walk
        .pipe_holders(inode)
        .filter(|(pid, _)| net_owners.contains(pid))
        .filter(|&(pid, fd)| {
            fdinfo(pid, fd)
                .and_then(|text| access_mode(&text))
                .is_some_and(|mode| mode != 0)
        })
        .map(|(pid, _)| pid)
        .collect();
    pids.dedup();
    pids
}

/// O_ACCMODE of an fdinfo's octal `flags:` (0 read-only, 1 write-only, 2 read-write).
fn access_mode(fdinfo: &str) -> Option<u32> {
    let flags = fdinfo.lines().find_map(|l| l.strip_prefix("flags:"))?;
    u32::from_str_radix(flags.trim(), 8).ok().map(|f| f & 3)
}

/// pty number → PIDs holding its master, from `/proc/PID/fdinfo/FD` (`tty-index:`).
fn pty_masters(walk: &FdWalk) -> BTreeMap<u32, Vec<u32>> {
    let mut out: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &(pid, fd) in &walk.pty_masters {
        // Gone since the walk, or unreadable: that pty simply has no known master.
        if let Some(index) = fdinfo(pid, fd).and_then(|text| tty_index(&text)) {
            out.entry(index).or_default().push(pid);
        }
    }
    out
}

/// `/proc/PID/fdinfo/FD`, when the fd is still there and readable.
fn fdinfo(pid: u32, fd: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()
}

/// The `tty-index:` line of a ptmx fdinfo (Linux 5.0+).
fn tty_index(fdinfo: &str) -> Option<u32> {
    fdinfo
        .lines()
        .find_map(|l| l.strip_prefix("tty-index:"))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn fdinfo_names_the_pty_and_the_access_mode() {
        let text = "pos:\t0\nflags:\t0100002\nmnt_id:\t25\nino:\t5\ntty-index:\t3\n";
        assert_eq!(tty_index(text), Some(3));
        assert_eq!(tty_index("pos:\t0\n"), None);
        assert_eq!(access_mode(text), Some(2));
        assert_eq!(access_mode("flags:\t02000001\n"), Some(1));
        assert_eq!(access_mode("flags:\t00\n"), Some(0));
    }

    #[test]
    fn only_a_socket_owner_holding_the_write_end_feeds_a_stdin() -> std::io::Result<()> {
        // A real pipe in this process: fd `r` is the read end, `w` the write end.
        let (r, w) = std::io::pipe()?;
        let (r, w) = (r.as_raw_fd() as u32, w.as_raw_fd() as u32);
        let me = std::process::id();
        // A made-up process 5_000_010 (above any pid_max: it has no comm) reads that pipe on
        // its stdin; we are its only other holder.
        let child = 5_000_010;
        let owners: BTreeSet<u32> = [me].into_iter().collect();
        let walk = |fds: &[u32]| FdWalk {
            stdio_links: vec![(child, 0, StdioLink::Pipe(77))],
            pipes: fds
                .iter()
                .map(|fd| (77, me, *fd))
                .chain([(77, child, 0)])
                .collect(),
            ..FdWalk::default()
        };
        assert_eq!(
            pipe_writers(&walk(&[w]), 77, &owners),
            vec![me],
            "the write end feeds"
        );
        assert!(
            pipe_writers(&walk(&[r]), 77, &owners).is_empty(),
            "a second reader does not"
        );
        let none: BTreeSet<u32> = BTreeSet::new();
        assert!(
            pipe_writers(&walk(&[w]), 77, &none).is_empty(),
            "no socket, no relay"
        );
        // The made-up process has no name, so no glob keeps it.
        assert!(stdio_peers(&walk(&[w]), &owners, &["*".to_string()]).is_empty());
        Ok(())
    }
}
