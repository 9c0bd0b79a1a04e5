//! Who is at the other end of a process's stdio: the other holders of a stdio pipe, or the
//! holder of the master of its pseudo-terminal. A shell whose stdio leads to a process that
//! holds a network socket is driven over the network (socat `exec:...,pty`, `ncat -e`, a
//! python `pty.spawn` wrapper), even though the shell itself holds no socket.
//!
//! Only stdio fds and pty masters are followed (their fdinfo read), never every fd.

use std::collections::{BTreeMap, BTreeSet};

use super::fds::{FdWalk, StdioLink};
use crate::model::{StdioPeer, StdioVia};

/// For each process with a stdio pipe or pty leading to another process in `net_owners`
/// (the PIDs holding TCP/UDP sockets), those fds and peers.
pub fn stdio_peers(walk: &FdWalk, net_owners: &BTreeSet<u32>) -> BTreeMap<u32, Vec<StdioPeer>> {
    let masters = pty_masters(walk);
    let mut out: BTreeMap<u32, Vec<StdioPeer>> = BTreeMap::new();
    for &(pid, fd, link) in &walk.stdio_links {
        let (via, id, holders): (StdioVia, u64, Vec<u32>) = match link {
            StdioLink::Pipe(inode) => (StdioVia::Pipe, inode, walk.pipe_holders(inode).collect()),
            StdioLink::Pty(index) => (
                StdioVia::Pty,
                u64::from(index),
                masters.get(&index).cloned().unwrap_or_default(),
            ),
        };
        let mut pids: Vec<u32> = holders
            .into_iter()
            .filter(|p| *p != pid && net_owners.contains(p))
            .collect();
        pids.sort_unstable();
        pids.dedup();
        if !pids.is_empty() {
            out.entry(pid)
                .or_default()
                .push(StdioPeer { fd, via, id, pids });
        }
    }
    out
}

/// pty number → PIDs holding its master, from `/proc/PID/fdinfo/FD` (`tty-index:`).
fn pty_masters(walk: &FdWalk) -> BTreeMap<u32, Vec<u32>> {
    let mut out: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &(pid, fd) in &walk.pty_masters {
        let path = format!("/proc/{pid}/fdinfo/{fd}");
        // Gone since the walk, or unreadable: that pty simply has no known master.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Some(index) = tty_index(&text) {
            out.entry(index).or_default().push(pid);
        }
    }
    out
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

    #[test]
    fn fdinfo_names_the_pty() {
        let text = "pos:\t0\nflags:\t02\nmnt_id:\t25\nino:\t5\ntty-index:\t3\n";
        assert_eq!(tty_index(text), Some(3));
        assert_eq!(tty_index("pos:\t0\n"), None);
    }

    #[test]
    fn a_pipe_peer_counts_only_when_it_holds_a_network_socket() {
        let walk = FdWalk {
            stdio_links: vec![(10, 0, StdioLink::Pipe(500)), (11, 1, StdioLink::Pipe(600))],
            pipes: vec![(500, 10), (500, 20), (600, 11), (600, 21)],
            ..FdWalk::default()
        };
        let owners: BTreeSet<u32> = [20].into_iter().collect();
        let peers = stdio_peers(&walk, &owners);
        assert_eq!(peers.len(), 1, "{peers:?}");
        let p = &peers[&10][0];
        assert_eq!(
            (p.fd, p.via, p.id, p.pids.clone()),
            (0, StdioVia::Pipe, 500, vec![20])
        );
    }
}
