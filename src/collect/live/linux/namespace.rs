//! One network namespace's socket table: read here (the calling thread's namespace), or in
//! another namespace through a thread that enters it (or `/proc/PID/net` when it cannot).

use super::netns::{self, Found};
use super::proctables::Row;
use super::rawsock::{self, RawRead};
use super::{diag, proctables, udp};
use crate::collect::CollectError;
use crate::collect::live::sockets::dump;
use crate::model::{ListenFacts, Protocol, ReadVia, Socket, TcpState};
use std::path::Path;

/// What was read of one namespace.
pub(super) struct NsRead {
    /// Its sockets (netlink, or `/proc` when it could not be entered).
    pub(super) sockets: Vec<Socket>,
    /// Its `/proc/net` rows, for the hidden-socket check (`deep` only).
    pub(super) proc: Option<Vec<Row>>,
    /// How its sockets were read; `None` when they could not be.
    pub(super) via: Option<ReadVia>,
    /// Why it could not be read as asked.
    pub(super) error: Option<String>,
    /// A lesser gap (no queue sizes).
    pub(super) note: Option<String>,
    /// Its raw and packet sockets.
    pub(super) raw: RawRead,
}

/// The calling thread's namespace: the netlink dump (with per-connection counters when
/// `traffic`), connected UDP peers from `net_dir`, listener queues, and with `deep` the
/// `/proc/net` tables as a second view. A failing queue dump only costs the queue sizes (a
/// note).
pub(super) fn read_here(net_dir: &Path, deep: bool, traffic: bool) -> Result<NsRead, CollectError> {
    let mut sockets = dump(traffic)?;
    // Read right after the dump, so the two views are as close in time as they can be.
    let proc = deep.then(|| proctables::read_all(net_dir));
    if sockets.iter().any(|s| s.proto == Protocol::Udp) {
        let udp_peers = udp::connected_peers(net_dir);
        for socket in sockets.iter_mut().filter(|s| s.proto == Protocol::Udp) {
            if let Some(&(addr, port)) = socket.inode.and_then(|i| udp_peers.get(&i)) {
                socket.remote_addr = Some(addr);
                socket.remote_port = Some(port);
            }
        }
    }
    let mut note = match diag::listen_queues() {
        Ok(queues) => {
            for socket in sockets
                .iter_mut()
                .filter(|s| s.state == Some(TcpState::Listen))
            {
                let inode = socket.inode.unwrap_or(0);
                if let Ok(i) = queues.binary_search_by_key(&inode, |(i, ..)| *i) {
                    let (_, queue, backlog) = queues[i];
                    socket.listen = Some(Box::new(ListenFacts {
                        accept_queue: Some(queue),
                        backlog: Some(backlog),
                        forwards_to: None,
                    }));
                }
            }
            None
        }
        Err(err) => Some(format!("listener queue sizes unavailable: {err}")),
    };
    let proc = match proc {
        Some(Ok(rows)) => Some(rows),
        Some(Err(err)) => {
            note = Some(format!("{}: {err}", net_dir.display()));
            None
        }
        None => None,
    };
    Ok(NsRead {
        sockets,
        proc,
        via: Some(ReadVia::Netlink),
        error: None,
        note,
        raw: rawsock::read_here(net_dir),
    })
}

/// Another namespace, entered from a thread; else its `/proc/PID/net` tables (which carry
/// no traffic counters).
pub(super) fn read_other(found: &Found, deep: bool, traffic: bool) -> NsRead {
    let entered = found.handle(Path::new(netns::RUN_NETNS)).map(|handle| {
        netns::within(&handle, || {
            read_here(Path::new("/proc/thread-self/net"), deep, traffic)
        })
    });
    let why = match entered {
        Some(Ok(Ok(read))) => return read,
        Some(Ok(Err(e))) => e.to_string(),
        Some(Err(e)) => e.to_string(),
        None => "no process or name refers to it".to_string(),
    };
    let failed = |error: String| NsRead {
        sockets: Vec::new(),
        proc: None,
        via: None,
        error: Some(error),
        note: None,
        raw: RawRead::default(),
    };
    let Some(pid) = found.pids.first() else {
        return failed(why);
    };
    let net_dir = format!("/proc/{pid}/net");
    match proctables::read_all(Path::new(&net_dir)) {
        Ok(rows) => {
            let sockets = rows
                .iter()
                .map(|row| {
                    let mut socket = row.to_socket();
                    if socket.state == Some(TcpState::Listen) {
                        socket.listen = Some(Box::new(ListenFacts {
                            accept_queue: Some(row.rx_queue),
                            ..ListenFacts::default()
                        }));
                    }
                    socket
                })
                .collect();
            NsRead {
                sockets,
                proc: deep.then_some(rows),
                via: Some(ReadVia::Proc),
                error: Some(format!("{why}; read from /proc/{pid}/net instead")),
                note: None,
                raw: rawsock::read_proc_only(Path::new(&net_dir)),
            }
        }
        Err(e) => failed(format!("{why}; /proc/{pid}/net: {e}")),
    }
}
