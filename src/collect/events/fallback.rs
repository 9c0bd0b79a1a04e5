//! The fallback mode (`sock-diag+poll`) when eBPF cannot be loaded (not root, no BTF, a kernel
//! that refuses the programs): sock_diag destroy notifications give every TCP socket of our
//! network namespace at close (5-tuple, uid, bytes each way), and a poll of the socket table
//! every [`POLL_EVERY`] names the owners of the sockets that are open, so a close is
//! attributed when its socket lived across a poll. Whatever was born and gone between two
//! polls closes with its owner unknown, which the stream says (docs/events.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use netlink_sys::{Socket, protocols::NETLINK_SOCK_DIAG};

use super::error::EventsError;
use crate::model::event::{EventKind, EventOwner, SocketEvent};
use crate::model::{Family, Protocol, Snapshot};

/// `SKNLGRP_INET_TCP_DESTROY` and `SKNLGRP_INET6_TCP_DESTROY` (linux/sock_diag.h).
const GROUPS: [u32; 2] = [1, 3];
/// How often the socket table is read for owners.
pub const POLL_EVERY: Duration = Duration::from_millis(500);
const INET_DIAG_INFO: u16 = 2;
const AF_INET: u8 = 2;

type Tuple = (IpAddr, u16, IpAddr, u16);

/// A message from the reader thread.
enum Note {
    Close(Box<SocketEvent>),
    /// The receive buffer overflowed (ENOBUFS): notifications were lost.
    Overrun,
}

/// The running fallback.
pub struct Fallback {
    rx: Receiver<Note>,
    owners: HashMap<Tuple, EventOwner>,
    last_poll: Option<Instant>,
    /// Overruns of the netlink receive buffer (each lost an unknown number of closes).
    pub overruns: u64,
}

fn u16_be(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn u32_ne(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_ne(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_ne_bytes(a)
}

fn addr(family: u8, b: &[u8]) -> IpAddr {
    if family == AF_INET {
        IpAddr::from([b[0], b[1], b[2], b[3]])
    } else {
        let mut a = [0u8; 16];
        a.copy_from_slice(&b[..16]);
        IpAddr::from(a)
    }
}

/// One `inet_diag_msg` (after its netlink header) as a close event.
fn parse_close(msg: &[u8]) -> Option<SocketEvent> {
    if msg.len() < 72 {
        return None;
    }
    let family = msg[0];
    let local = addr(family, &msg[8..24]);
    let remote = addr(family, &msg[24..40]);
    let mut event = SocketEvent {
        event: EventKind::Close,
        time: jiff::Timestamp::now(),
        proto: Some(Protocol::Tcp),
        family: Some(Family::of(&local)),
        local_addr: Some(local),
        local_port: Some(u16_be(msg, 4)),
        remote_addr: Some(remote),
        remote_port: Some(u16_be(msg, 6)),
        // The socket is being destroyed: its state says CLOSE, not the state it left.
        state: None,
        netns: Some(crate::model::namespace::HOST.to_string()),
        duration_ms: None,
        bytes_sent: None,
        bytes_received: None,
        raw: None,
        owner: None,
    };
    // Attributes: INET_DIAG_INFO carries tcp_info (bytes_acked at 120, bytes_received at 128).
    let mut at = 72;
    while at + 4 <= msg.len() {
        let len = usize::from(u16::from_ne_bytes([msg[at], msg[at + 1]]));
        let kind = u16::from_ne_bytes([msg[at + 2], msg[at + 3]]);
        if len < 4 || at + len > msg.len() {
            break;
        }
        let body = &msg[at + 4..at + len];
        if kind == INET_DIAG_INFO && body.len() >= 136 {
            event.bytes_sent = Some(u64_ne(body, 120));
            event.bytes_received = Some(u64_ne(body, 128));
        }
        at += (len + 3) & !3;
    }
    Some(event)
}

/// Splits one datagram into its netlink messages and forwards each close.
fn forward(buf: &[u8], tx: &std::sync::mpsc::Sender<Note>) -> bool {
    let mut at = 0;
    while at + 16 <= buf.len() {
        let len = u32_ne(buf, at) as usize;
        if len < 16 || at + len > buf.len() {
            break;
        }
        if let Some(e) = parse_close(&buf[at + 16..at + len])
            && tx.send(Note::Close(Box::new(e))).is_err()
        {
            return false;
        }
        at += (len + 3) & !3;
    }
    true
}

impl Fallback {
    /// Subscribes to the destroy notifications (a reader thread forwards them).
    pub fn open() -> Result<Fallback, EventsError> {
        let fail = |what: &str, e: std::io::Error| EventsError::Fallback(format!("{what}: {e}"));
        let mut socket = Socket::new(NETLINK_SOCK_DIAG).map_err(|e| fail("netlink socket", e))?;
        socket.bind_auto().map_err(|e| fail("netlink bind", e))?;
        for group in GROUPS {
            socket
                .add_membership(group)
                .map_err(|e| fail("joining the sock_diag destroy group", e))?;
        }
        // A bigger buffer absorbs bursts; what still overflows is counted, not lost silently.
        let _ = socket.set_rx_buf_sz(4 << 20);
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("sock-diag-destroy".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match socket.recv(&mut &mut buf[..], 0) {
                        Ok(n) => {
                            if !forward(&buf[..n.min(buf.len())], &tx) {
                                return;
                            }
                        }
                        Err(e) if e.raw_os_error() == Some(ENOBUFS) => {
                            if tx.send(Note::Overrun).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            tracing::warn!("sock_diag destroy notifications stopped: {e}");
                            return;
                        }
                    }
                }
            })
            .map_err(|e| fail("reader thread", e))?;
        Ok(Fallback {
            rx,
            owners: HashMap::new(),
            last_poll: None,
            overruns: 0,
        })
    }

    fn poll_owners(&mut self) {
        let options = crate::collect::LiveOptions {
            attribute: true,
            namespaces: crate::collect::Namespaces::Own,
            deep: false,
            probe_ports: false,
            traffic: false,
            stdio_peer_names: None,
            kernel_thread_names: false,
        };
        match crate::collect::live::collect_live(&options) {
            Ok(snapshot) => self.remember(&snapshot),
            Err(e) => tracing::debug!("events fallback: socket table poll failed: {e}"),
        }
        self.last_poll = Some(Instant::now());
    }

    fn remember(&mut self, snapshot: &Snapshot) {
        // Owners of sockets that closed since stay known until their notification arrives.
        if self.owners.len() > 65_536 {
            self.owners.clear();
        }
        for s in &snapshot.sockets {
            let (Some(ra), Some(rp), Some(p)) =
                (s.remote_addr, s.remote_port, snapshot.process_of(s))
            else {
                continue;
            };
            self.owners.insert(
                (s.local_addr, s.local_port, ra, rp),
                EventOwner {
                    pid: p.pid,
                    tid: p.pid,
                    uid: p.uid.or(s.uid).unwrap_or(0),
                    user: p.user.clone(),
                    comm: p.name.clone(),
                    exe_name: p.exe.as_deref().and_then(|e| {
                        std::path::Path::new(e)
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                    }),
                    exe: p.exe.clone(),
                    cmdline: p.cmdline.clone(),
                    exited: false,
                    cgroup_id: None,
                },
            );
        }
    }

    /// Waits up to `timeout` for closes (polling the table for owners when it is due).
    pub fn read(&mut self, timeout: Duration, max: usize) -> Vec<SocketEvent> {
        if self.last_poll.is_none_or(|t| t.elapsed() >= POLL_EVERY) {
            self.poll_owners();
        }
        let mut out = Vec::new();
        let deadline = Instant::now() + timeout;
        while out.len() < max {
            let wait = if out.is_empty() {
                deadline.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            match self.rx.recv_timeout(wait) {
                Ok(Note::Close(mut e)) => {
                    let (Some(la), Some(lp), Some(ra), Some(rp)) =
                        (e.local_addr, e.local_port, e.remote_addr, e.remote_port)
                    else {
                        continue;
                    };
                    e.owner = self.owners.remove(&(la, lp, ra, rp));
                    out.push(*e);
                }
                Ok(Note::Overrun) => self.overruns += 1,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(wait);
                    break;
                }
            }
        }
        out
    }
}

/// ENOBUFS, without a libc dependency for one number (asm-generic/errno.h; every Linux
/// architecture sockaudit builds for uses it).
const ENOBUFS: i32 = 105;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destroy_message_becomes_a_close_with_its_bytes() {
        let mut msg = vec![0u8; 72 + 4 + 136];
        msg[0] = AF_INET;
        msg[1] = 7;
        msg[4..6].copy_from_slice(&41000u16.to_be_bytes());
        msg[6..8].copy_from_slice(&443u16.to_be_bytes());
        msg[8..12].copy_from_slice(&[127, 0, 0, 1]);
        msg[24..28].copy_from_slice(&[192, 0, 2, 9]);
        msg[72..74].copy_from_slice(&(140u16).to_ne_bytes());
        msg[74..76].copy_from_slice(&INET_DIAG_INFO.to_ne_bytes());
        msg[76 + 120..76 + 128].copy_from_slice(&5u64.to_ne_bytes());
        msg[76 + 128..76 + 136].copy_from_slice(&7u64.to_ne_bytes());
        let e = parse_close(&msg).unwrap();
        assert_eq!((e.local_port, e.remote_port), (Some(41000), Some(443)));
        assert_eq!(e.remote_addr, Some("192.0.2.9".parse().unwrap()));
        assert_eq!((e.bytes_sent, e.bytes_received), (Some(5), Some(7)));
        assert!(parse_close(&msg[..40]).is_none());
    }
}
