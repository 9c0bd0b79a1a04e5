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

/// A process for ever: its tgid and start (ns since boot, from the kernel), so a reused PID
/// is another key, and what `/proc` said about a process (even that it was gone) stays true.
type ProcKey = (u32, u64);

/// Per-stream state of the conversion.
pub struct Completer {
    /// Wall clock minus CLOCK_MONOTONIC, nanoseconds: the kernel stamps monotonic time.
    offset_ns: i128,
    own_netns: Option<u64>,
    names: HashMap<u64, String>,
    /// `None`: the process was gone (or was another one) when `/proc` was read.
    procs: HashMap<ProcKey, Option<std::sync::Arc<ProcFacts>>>,
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

    /// The `/proc` facts of the record's process, read once per (tgid, start): later events
    /// of the same process cost a map lookup, not a `/proc` read.
    fn proc_facts(&mut self, r: &Record) -> Option<std::sync::Arc<ProcFacts>> {
        if r.start_ns == 0 {
            // No start time from this kernel: the PID alone could be a reused one, so every
            // event reads /proc (checking the comm), as before the start was recorded.
            return read_proc(r.tgid, &r.comm, None).map(std::sync::Arc::new);
        }
        let key = (r.tgid, r.start_ns);
        match self.procs.get(&key) {
            // Same process, same name: the facts hold (an exec to another file name is
            // caught by the caller's exe-name check).
            Some(Some(f)) if f.comm == r.comm => return Some(f.clone()),
            // Gone when looked at: it cannot come back.
            Some(None) => return None,
            // Renamed itself or exec'd since: read again.
            _ => {}
        }
        if self.procs.len() >= CACHE_MAX {
            self.procs.clear();
        }
        let facts = read_proc(r.tgid, &r.comm, Some(r.start_ns)).map(std::sync::Arc::new);
        self.procs.insert(key, facts.clone());
        facts
    }

    /// The owner of a record, completed from `/proc` when the process still runs the
    /// executable the kernel named.
    pub fn owner(&mut self, r: &Record) -> Option<EventOwner> {
        if !r.owner_known {
            return None;
        }
        let exe_name = (!r.exe.is_empty()).then(|| String::from_utf8_lossy(&r.exe).into_owned());
        let live = self.proc_facts(r);
        let same_exe = |f: &std::sync::Arc<ProcFacts>| match (&f.exe, &exe_name) {
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

/// Clock ticks per second of `/proc/PID/stat`'s start time (USER_HZ, from the aux vector).
fn clock_ticks() -> u64 {
    rustix::param::clock_ticks_per_second().max(1)
}

/// The comm and start time (clock ticks since boot) in a `/proc/PID/stat` line. The comm is
/// between the first `(` and the last `)`: it may hold spaces and parentheses itself.
fn parse_stat(stat: &[u8]) -> Option<(&[u8], u64)> {
    let open = stat.iter().position(|&c| c == b'(')?;
    let close = stat.iter().rposition(|&c| c == b')')?;
    let comm = stat.get(open + 1..close)?;
    let rest = std::str::from_utf8(stat.get(close + 1..)?).ok()?;
    // After the comm: state is field 3, starttime field 22.
    let start = rest.split_ascii_whitespace().nth(19)?.parse().ok()?;
    Some((comm, start))
}

/// `/proc/PID/exe` and `cmdline`, when the process is there, still has the kernel's comm
/// and, when `start_ns` is given, started when the kernel said (else it is another process
/// with a reused PID).
fn read_proc(tgid: u32, comm: &[u8], start_ns: Option<u64>) -> Option<ProcFacts> {
    let dir = format!("/proc/{tgid}");
    let stat = std::fs::read(format!("{dir}/stat")).ok()?;
    let (now_comm, start_ticks) = parse_stat(&stat)?;
    // Another comm: the PID was reused, or the process exec'd since; facts would be wrong.
    if now_comm != comm {
        return None;
    }
    if let Some(ns) = start_ns
        && start_ticks != ns / (1_000_000_000 / clock_ticks())
    {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_comm_may_hold_parentheses_and_spaces() {
        let line =
            b"42 (a) (b c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 12345 1000 10\n";
        assert_eq!(parse_stat(line), Some((&b"a) (b c"[..], 12345)));
        assert_eq!(parse_stat(b"42 (x) S 1"), None);
    }

    #[test]
    fn this_process_is_read_once_and_found_by_its_start() {
        let me = std::process::id();
        let stat = std::fs::read(format!("/proc/{me}/stat")).unwrap();
        let (comm, ticks) = parse_stat(&stat).unwrap();
        let start_ns = ticks * (1_000_000_000 / clock_ticks());
        assert!(read_proc(me, comm, Some(start_ns)).is_some());
        // Another start time: another process that had this PID, never described as us.
        assert!(read_proc(me, comm, Some(start_ns + 5_000_000_000)).is_none());
    }
}
