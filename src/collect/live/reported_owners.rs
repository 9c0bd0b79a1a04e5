//! Owners as netstat2 reports them on Windows and macOS (where the OS attaches PIDs to its
//! socket table). Pure, so it is tested on every build.
#![cfg_attr(target_os = "linux", allow(dead_code))]

use crate::model::{Attribution, Fact, Socket, TcpState, Unattributed};

/// The socket's owners as the OS reported them. PID 0 is the System Idle Process: the
/// owner of sockets no process holds (TIME_WAIT), never a real owner.
pub fn attribute(socket: &mut Socket, reported: &[u32]) {
    let mut pids: Vec<u32> = reported.iter().copied().filter(|&p| p != 0).collect();
    pids.sort_unstable();
    pids.dedup();
    if pids.is_empty() {
        socket.unattributed = Some(Unattributed::NoOwner);
    } else {
        socket.attribution = Some(Attribution::Reported);
    }
    socket.pids = pids;
}

/// When the OS gave no owner for any socket that a process must hold (a listener, an
/// established connection), owners are missing as a fact: Wine reports PID 0 for every
/// socket, and a real Windows machine never does.
pub fn owner_gap(sockets: &[Socket], missing: &mut Vec<Fact>) -> Option<String> {
    let held: Vec<&Socket> = sockets
        .iter()
        .filter(|s| !matches!(s.state, Some(TcpState::TimeWait)))
        .collect();
    if held.is_empty() || held.iter().any(|s| !s.pids.is_empty()) {
        return None;
    }
    missing.push(Fact::Pids);
    missing.sort();
    Some(format!(
        "the OS reported no owning process (PID 0) for all {} sockets that a process holds: rules on processes cannot check anything",
        held.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::{attribute, owner_gap};
    use crate::model::{Fact, Protocol, Socket, TcpState, Unattributed};

    fn tcp(state: TcpState, pids: &[u32]) -> Socket {
        let mut socket = Socket::new(Protocol::Tcp, [0, 0, 0, 0].into(), 135);
        socket.state = Some(state);
        attribute(&mut socket, pids);
        socket
    }

    #[test]
    fn pid_zero_is_no_owner_and_real_pids_are_kept_sorted() {
        let idle = tcp(TcpState::TimeWait, &[0]);
        assert!(idle.pids.is_empty());
        assert_eq!(idle.unattributed, Some(Unattributed::NoOwner));
        let held = tcp(TcpState::Listen, &[1208, 4, 1208]);
        assert_eq!(held.pids, vec![4, 1208]);
        assert_eq!(held.unattributed, None);
    }

    #[test]
    fn owners_are_missing_only_when_no_held_socket_has_one() {
        let mut missing = Vec::new();
        let wine = [tcp(TcpState::Listen, &[0]), tcp(TcpState::TimeWait, &[0])];
        let note = owner_gap(&wine, &mut missing).unwrap_or_default();
        assert!(note.contains("all 1 sockets"), "{note}");
        assert_eq!(missing, vec![Fact::Pids]);

        let mut missing = Vec::new();
        let windows = [tcp(TcpState::Listen, &[4]), tcp(TcpState::TimeWait, &[0])];
        assert_eq!(owner_gap(&windows, &mut missing), None);
        assert!(missing.is_empty());
    }
}
