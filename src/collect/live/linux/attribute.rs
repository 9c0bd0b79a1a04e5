//! Which process owns each socket: socket inodes matched against the fd walk, and SYN_RECV
//! request sockets (no fd of their own) given to the process of their listener.

use std::collections::HashMap;
use std::net::IpAddr;

use super::fds;
use crate::model::{Attribution, Protocol, Socket, TcpState, Unattributed};

/// Fills `pids`, `attribution` and `unattributed` for every socket.
pub fn attribute(sockets: &mut [Socket], inodes: &[u64], walk: &fds::FdWalk, euid: u32) {
    for (socket, &inode) in sockets.iter_mut().zip(inodes) {
        if inode == 0 {
            continue;
        }
        match walk.pids_of(inode) {
            pids if !pids.is_empty() => {
                socket.pids = pids;
                socket.attribution = Some(Attribution::Fd);
            }
            _ => {
                // As non-root, other users' processes are unreadable or hidden (hidepid).
                let hidden = if euid == 0 {
                    walk.denied > 0
                } else {
                    socket.uid != Some(euid)
                };
                socket.unattributed = Some(if hidden {
                    Unattributed::Permission
                } else {
                    Unattributed::Exited
                });
            }
        }
    }
    attribute_request_sockets(sockets, inodes);
}

/// SYN_RECV request sockets have inode 0 and no fd: they belong to the process of the
/// LISTEN socket on the same address and port, or of the wildcard listener on that port.
fn attribute_request_sockets(sockets: &mut [Socket], inodes: &[u64]) {
    let mut exact: HashMap<(IpAddr, u16), usize> = HashMap::new();
    let mut wildcard: HashMap<u16, Vec<usize>> = HashMap::new();
    for (idx, s) in sockets.iter().enumerate() {
        if s.proto == Protocol::Tcp && s.state == Some(TcpState::Listen) {
            exact.insert((s.local_addr, s.local_port), idx);
            if s.local_addr.is_unspecified() {
                wildcard.entry(s.local_port).or_default().push(idx);
            }
        }
    }
    for idx in 0..sockets.len() {
        if inodes[idx] != 0 {
            continue;
        }
        let s = &sockets[idx];
        if s.state != Some(TcpState::SynRecv) {
            sockets[idx].unattributed = Some(Unattributed::NoOwner);
            continue;
        }
        let listener = exact
            .get(&(s.local_addr, s.local_port))
            .copied()
            .or_else(|| {
                let candidates = wildcard.get(&s.local_port)?;
                // Same family first; an IPv4 client of a dual-stack [::] listener shows as IPv4.
                candidates
                    .iter()
                    .copied()
                    .find(|&l| sockets[l].family == s.family)
                    .or_else(|| candidates.first().copied())
            });
        let (pids, attribution, unattributed) = match listener {
            Some(l) if !sockets[l].pids.is_empty() => {
                (sockets[l].pids.clone(), Some(Attribution::Listener), None)
            }
            Some(l) => (Vec::new(), None, sockets[l].unattributed),
            None => (Vec::new(), None, Some(Unattributed::NoOwner)),
        };
        let s = &mut sockets[idx];
        s.pids = pids;
        s.attribution = attribution;
        s.unattributed = unattributed;
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::collect::live::linux::fds::FdWalk;
    use crate::model::Protocol;

    fn tcp(local: [u8; 4], port: u16, state: TcpState, uid: u32) -> Socket {
        Socket {
            remote_addr: (state != TcpState::Listen).then(|| IpAddr::from([127, 0, 0, 1])),
            remote_port: (state != TcpState::Listen).then_some(40000),
            state: Some(state),
            uid: Some(uid),
            ..Socket::new(Protocol::Tcp, IpAddr::from(local), port)
        }
    }

    #[test]
    fn request_sockets_inherit_their_listeners_owner() {
        let mut sockets = vec![
            tcp([0, 0, 0, 0], 8080, TcpState::Listen, 1000),
            tcp([127, 0, 0, 1], 8080, TcpState::SynRecv, 0),
            tcp([127, 0, 0, 1], 9090, TcpState::SynRecv, 0),
            tcp([127, 0, 0, 1], 7070, TcpState::TimeWait, 0),
            tcp([127, 0, 0, 1], 6060, TcpState::Established, 0),
        ];
        let inodes = [11, 0, 0, 0, 12];
        let mut walk = FdWalk::default();
        walk.owners.push((11, 42, 3));
        attribute(&mut sockets, &inodes, &walk, 0);
        assert_eq!(sockets[1].pids, vec![42]);
        assert_eq!(sockets[1].attribution, Some(Attribution::Listener));
        assert_eq!(sockets[2].unattributed, Some(Unattributed::NoOwner));
        assert_eq!(sockets[3].unattributed, Some(Unattributed::NoOwner));
        assert_eq!(sockets[4].unattributed, Some(Unattributed::Exited));
    }

    #[test]
    fn non_root_gaps_are_permission_gaps() {
        let mut sockets = vec![
            tcp([127, 0, 0, 1], 22, TcpState::Listen, 0),
            tcp([127, 0, 0, 1], 8000, TcpState::Listen, 1000),
        ];
        attribute(&mut sockets, &[5, 6], &FdWalk::default(), 1000);
        assert_eq!(sockets[0].unattributed, Some(Unattributed::Permission));
        assert_eq!(sockets[1].unattributed, Some(Unattributed::Exited));
    }
}
