//! Turns kernel records into [`SocketEvent`]s: wall-clock times, namespace labels, user
//! names, and the owner's full exe path and command line from `/proc` while it still runs.
//! Nothing is guessed: a process gone before `/proc` was read is marked `exited`, with only
//! what the kernel recorded.

use std::collections::HashMap;
use std::path::Path;

use super::wire::{self, Record};
use crate::model::event::{EventKind, EventOwner, RawCreate, SocketEvent};
use crate::model::{Family, Protocol};

/// Facts read once per process (bounded: cleared when full).
#[derive(Debug, Clone)]
struct ProcFacts {
    comm: Vec<u8>,
    exe: Option<String>,
    cmdline: Vec<String>,
}

const CACHE_MAX: usize = 4096;

/// Per-stream state of the conversion.
pub struct Completer {
    /// Wall clock minus CLOCK_MONOTONIC, nanoseconds: the kernel stamps monotonic time.
    offset_ns: i128,
    own_netns: Option<u64>,
    names: HashMap<u64, String>,
    procs: HashMap<u32, Option<ProcFacts>>,
    accounts: crate::collect::live::accounts::Accounts,
}

fn monotonic_ns() -> i128 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec)
}

impl Completer {
    /// Measures the clock offset and reads the namespace names (`ip netns`).
    pub fn new() -> Completer {
        let wall = jiff::Timestamp::now().as_nanosecond();
        let mut c = Completer {
            offset_ns: wall - monotonic_ns(),
            own_netns: crate::collect::live::linux::netns::own(),
            names: HashMap::new(),
            procs: HashMap::new(),
            accounts: Default::default(),
        };
        c.refresh_names();
        c
    }

    fn refresh_names(&mut self) {
        self.names = crate::collect::live::linux::netns::names(Path::new("/run/netns"))
            .into_iter()
            .map(|(name, inode)| (inode, name))
            .collect();
    }

    /// The label of a namespace inode: `host` for ours, its `ip netns` name, else `net:[N]`.
    pub fn netns_label(&mut self, inode: u64) -> String {
        if Some(inode) == self.own_netns {
            return crate::model::namespace::HOST.to_string();
        }
        if !self.names.contains_key(&inode) {
            // A namespace created after the stream started.
            self.refresh_names();
        }
        self.names
            .get(&inode)
            .cloned()
            .unwrap_or_else(|| format!("net:[{inode}]"))
    }

    /// A wall-clock time for a monotonic kernel stamp.
    pub fn time_of(&self, ts_ns: u64) -> jiff::Timestamp {
        jiff::Timestamp::from_nanosecond(i128::from(ts_ns) + self.offset_ns)
            .unwrap_or_else(|_| jiff::Timestamp::now())
    }

    fn proc_facts(&mut self, tgid: u32, comm: &[u8]) -> Option<ProcFacts> {
        if let Some(Some(f)) = self.procs.get(&tgid)
            && f.comm == comm
        {
            return Some(f.clone());
        }
        if self.procs.len() >= CACHE_MAX {
            self.procs.clear();
        }
        let facts = read_proc(tgid, comm);
        // Only a live process is cached: the PID of an exited one may come back as another.
        if facts.is_some() {
            self.procs.insert(tgid, facts.clone());
        }
        facts
    }

    /// The owner of a record, completed from `/proc` when the process still runs the
    /// executable the kernel named.
    pub fn owner(&mut self, r: &Record) -> Option<EventOwner> {
        if !r.owner_known {
            return None;
        }
        let exe_name = (!r.exe.is_empty()).then(|| String::from_utf8_lossy(&r.exe).into_owned());
        let live = self.proc_facts(r.tgid, &r.comm);
        let same_exe = |f: &ProcFacts| match (&f.exe, &exe_name) {
            (Some(path), Some(name)) => Path::new(path)
                .file_name()
                .is_some_and(|n| n.to_string_lossy() == *name),
            _ => true,
        };
        let live = live.filter(same_exe);
        Some(EventOwner {
            pid: r.tgid,
            tid: r.tid,
            uid: r.uid,
            user: self.accounts.name(r.uid),
            comm: String::from_utf8_lossy(&r.comm).into_owned(),
            exe: live.as_ref().and_then(|f| f.exe.clone()),
            cmdline: live.as_ref().map(|f| f.cmdline.clone()).unwrap_or_default(),
            exited: live.is_none(),
            exe_name,
            cgroup_id: (r.cgroup_id != 0).then_some(r.cgroup_id),
        })
    }

    /// The event a record describes; `None` for a kind this build does not know.
    pub fn event(&mut self, r: &Record) -> Option<SocketEvent> {
        let kind = match r.kind {
            wire::EV_CONNECT => EventKind::Connect,
            wire::EV_ACCEPT => EventKind::Accept,
            wire::EV_LISTEN => EventKind::Listen,
            wire::EV_CLOSE => EventKind::Close,
            wire::EV_UDP_SEND => EventKind::UdpSend,
            wire::EV_RAW_SOCKET => EventKind::RawSocket,
            _ => return None,
        };
        let owner = self.owner(r);
        let netns = (r.netns != 0).then(|| self.netns_label(u64::from(r.netns)));
        let mut event = SocketEvent {
            event: kind,
            time: self.time_of(r.ts_ns),
            proto: None,
            family: None,
            local_addr: None,
            local_port: None,
            remote_addr: None,
            remote_port: None,
            state: None,
            netns,
            duration_ms: None,
            bytes_sent: None,
            bytes_received: None,
            raw: None,
            owner,
        };
        if kind == EventKind::RawSocket {
            event.raw = Some(RawCreate {
                domain: if r.family == 17 { "packet" } else { "raw" }.to_string(),
                sock_type: r.sock_type,
                protocol: r.protocol,
            });
            event.family = match r.family {
                2 => Some(Family::Ipv4),
                10 => Some(Family::Ipv6),
                _ => None,
            };
            return Some(event);
        }
        let local = wire::addr(r.family, &r.saddr)?;
        event.family = Some(Family::of(&local));
        event.local_addr = Some(local);
        event.local_port = Some(r.sport);
        event.proto = Some(if kind == EventKind::UdpSend {
            Protocol::Udp
        } else {
            Protocol::Tcp
        });
        if kind != EventKind::Listen {
            event.remote_addr = wire::addr(r.family, &r.daddr);
            event.remote_port = Some(r.dport);
        }
        use crate::model::TcpState;
        event.state = match kind {
            EventKind::Connect => Some(TcpState::SynSent),
            EventKind::Accept => Some(TcpState::Established),
            EventKind::Listen => Some(TcpState::Listen),
            EventKind::Close => Some(crate::collect::live::linux::proctables::tcp_state(
                r.old_state,
            )),
            _ => None,
        };
        if kind == EventKind::Close {
            if r.start_seen {
                // Microsecond precision is plenty, and keeps the JSON short.
                event.duration_ms = Some((r.duration_ns / 1_000) as f64 / 1_000.0);
            }
            event.bytes_sent = Some(r.bytes_sent);
            event.bytes_received = Some(r.bytes_received);
        }
        Some(event)
    }
}

/// `/proc/PID/exe` and `cmdline`, when the process is there and still has the kernel's comm.
fn read_proc(tgid: u32, comm: &[u8]) -> Option<ProcFacts> {
    let dir = format!("/proc/{tgid}");
    let now_comm = std::fs::read(format!("{dir}/comm")).ok()?;
    let now_comm = now_comm.strip_suffix(b"\n").unwrap_or(&now_comm);
    // Another comm: the PID was reused, or the process exec'd since; facts would be wrong.
    if now_comm != comm {
        return None;
    }
    let exe = std::fs::read_link(format!("{dir}/exe")).ok().map(|p| {
        let text = p.to_string_lossy().into_owned();
        text.strip_suffix(" (deleted)")
            .map(str::to_string)
            .unwrap_or(text)
    });
    let cmdline = std::fs::read(format!("{dir}/cmdline"))
        .map(|b| {
            b.split(|&c| c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default();
    Some(ProcFacts {
        comm: comm.to_vec(),
        exe,
        cmdline,
    })
}
