//! A snapshot seen as Sysmon network-connection events: one event per connected socket, its
//! fields computed once per evaluation and shared by every Sigma rule.
//!
//! `Initiated` is what the source saw when it saw it (an event stream's connect or accept:
//! `Socket::initiated`); from a table it is a heuristic: a connection whose local end is the port of a
//! LISTEN socket on the same address (or a wildcard) held by the same owner was accepted
//! (`false`); every other connection was opened by this host (`true`). Sysmon names the
//! initiator `Source`, so for an accepted connection the peer is the source and the local end
//! the destination. Listeners and unconnected UDP sockets are no connection and make no event.

use std::collections::HashMap;
use std::net::IpAddr;

use super::field::Field;
use crate::model::scope::canonical;
use crate::model::{Process, Protocol, Snapshot, Socket};

/// A process's fields, as written and lower-cased (Sigma matches case-insensitively).
#[derive(Debug, Default)]
struct ProcFields {
    pid: String,
    image: Option<String>,
    name: String,
    cmdline: Option<String>,
    user: Option<String>,
    parent_image: Option<String>,
}

/// One field value, as written and lower-cased.
#[derive(Debug, Clone, Copy)]
pub struct Value<'e> {
    /// As the source wrote it (for `cased` and `re`).
    pub raw: &'e str,
    /// Lower-cased (for every other comparison).
    pub lower: &'e str,
}

/// An owned value pair.
#[derive(Debug, Default, Clone)]
struct Text {
    raw: String,
    lower: String,
}

impl Text {
    fn new(raw: String) -> Text {
        let lower = raw.to_lowercase();
        Text { raw, lower }
    }

    fn value(&self) -> Value<'_> {
        Value {
            raw: &self.raw,
            lower: &self.lower,
        }
    }
}

/// One connection.
#[derive(Debug)]
pub struct Event {
    /// Index of the socket in `snapshot.sockets`.
    pub socket: usize,
    proc_index: Option<usize>,
    /// The host opened it.
    pub initiated: bool,
    protocol: &'static str,
    src_ip: Option<IpAddr>,
    dst_ip: Option<IpAddr>,
    src_ip_text: Option<String>,
    dst_ip_text: Option<String>,
    src_port: Option<String>,
    dst_port: Option<String>,
    src_host: Option<Text>,
    dst_host: Option<Text>,
}

/// Every connection of a snapshot, with the process fields they point at.
#[derive(Debug, Default)]
pub struct Events {
    /// The connections, in socket order.
    pub events: Vec<Event>,
    procs: Vec<(ProcFields, ProcFields)>,
}

/// Whether a socket is a connection (it has a peer).
fn is_connection(socket: &Socket) -> bool {
    if socket.is_listener() {
        return false;
    }
    let named_peer = socket
        .capture
        .as_ref()
        .is_some_and(|c| c.remote_name.is_some());
    named_peer || socket.remote_ip().is_some_and(|ip| !ip.is_unspecified())
}

/// LISTEN sockets by (protocol, port): their address and owners.
type Listeners<'s> = HashMap<(Protocol, u16), Vec<(IpAddr, &'s [u32])>>;

/// Whether the connection was accepted by one of the snapshot's listeners.
fn accepted(listeners: &Listeners<'_>, socket: &Socket) -> bool {
    let Some(candidates) = listeners.get(&(socket.proto, socket.local_port)) else {
        return false;
    };
    let local = canonical(socket.local_addr);
    candidates.iter().any(|(addr, pids)| {
        let same_addr = addr.is_unspecified() || canonical(*addr) == local;
        // Unknown owners on either side do not rule the listener out.
        let same_owner =
            pids.is_empty() || socket.pids.is_empty() || pids.iter().any(|p| socket.pids.contains(p));
        same_addr && same_owner
    })
}

fn join_cmdline(process: &Process) -> Option<String> {
    (!process.cmdline.is_empty()).then(|| process.cmdline.join(" "))
}

impl Events {
    /// The events of a snapshot.
    pub fn of(snapshot: &Snapshot) -> Events {
        let mut listeners: Listeners<'_> = HashMap::new();
        for s in snapshot.sockets.iter().filter(|s| s.proto == Protocol::Tcp && s.is_listener()) {
            listeners
                .entry((s.proto, s.local_port))
                .or_default()
                .push((s.local_addr, s.pids.as_slice()));
        }
        let mut proc_index: HashMap<u32, usize> = HashMap::new();
        let mut procs = Vec::new();
        let mut events = Vec::new();
        for (index, socket) in snapshot.sockets.iter().enumerate() {
            if !is_connection(socket) {
                continue;
            }
            let process = snapshot.process_of(socket);
            let pi = process.map(|p| {
                *proc_index.entry(p.pid).or_insert_with(|| {
                    procs.push(proc_fields(snapshot, p));
                    procs.len() - 1
                })
            });
            events.push(event(&listeners, index, socket, pi));
        }
        Events { events, procs }
    }

    /// The value of `field` in event `e`; `None` when the input does not know it. With
    /// `image_by_name`, an unknown executable path is answered with the process name (only
    /// rules whose `Image` tests are all `endswith` a file name ask for that).
    pub fn value<'e>(&'e self, e: &'e Event, field: Field, image_by_name: bool) -> Option<Value<'e>> {
        let proc_pair = e.proc_index.and_then(|i| self.procs.get(i));
        let text = |f: fn(&ProcFields) -> Option<&String>| {
            proc_pair.and_then(|(raw, lower)| Some(Value { raw: f(raw)?, lower: f(lower)? }))
        };
        match field {
            Field::Image => text(|p| p.image.as_ref()).or_else(|| {
                image_by_name
                    .then(|| proc_pair.map(|(raw, lower)| Value { raw: &raw.name, lower: &lower.name }))
                    .flatten()
            }),
            Field::CommandLine => text(|p| p.cmdline.as_ref()),
            Field::User => text(|p| p.user.as_ref()),
            Field::ParentImage => text(|p| p.parent_image.as_ref()),
            Field::ProcessId => text(|p| Some(&p.pid)),
            Field::Initiated => Some(plain(if e.initiated { "true" } else { "false" })),
            Field::Protocol => Some(plain(e.protocol)),
            Field::SourceIp => e.src_ip_text.as_deref().map(plain),
            Field::DestinationIp => e.dst_ip_text.as_deref().map(plain),
            Field::SourcePort => e.src_port.as_deref().map(plain),
            Field::DestinationPort => e.dst_port.as_deref().map(plain),
            Field::SourceIsIpv6 => e.src_ip.map(|ip| plain(bool_text(ip.is_ipv6()))),
            Field::DestinationIsIpv6 => e.dst_ip.map(|ip| plain(bool_text(ip.is_ipv6()))),
            Field::SourceHostname => e.src_host.as_ref().map(Text::value),
            Field::DestinationHostname => e.dst_host.as_ref().map(Text::value),
        }
    }

    /// The address of an IP field (for `cidr`).
    pub fn ip(e: &Event, field: Field) -> Option<IpAddr> {
        match field {
            Field::SourceIp => e.src_ip,
            Field::DestinationIp => e.dst_ip,
            _ => None,
        }
    }
}

/// A value that is already lower case (numbers, addresses, `true`).
fn plain(text: &str) -> Value<'_> {
    Value { raw: text, lower: text }
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn proc_fields(snapshot: &Snapshot, p: &Process) -> (ProcFields, ProcFields) {
    let parent_image = p
        .ppid
        .and_then(|ppid| snapshot.processes.get(&ppid))
        .and_then(|parent| parent.exe.clone());
    let raw = ProcFields {
        pid: p.pid.to_string(),
        image: p.exe.clone(),
        name: p.name.clone(),
        cmdline: join_cmdline(p),
        user: p.user.clone(),
        parent_image,
    };
    let low = |s: &Option<String>| s.as_ref().map(|s| s.to_lowercase());
    let lower = ProcFields {
        pid: raw.pid.clone(),
        image: low(&raw.image),
        name: raw.name.to_lowercase(),
        cmdline: low(&raw.cmdline),
        user: low(&raw.user),
        parent_image: low(&raw.parent_image),
    };
    (raw, lower)
}

fn event(listeners: &Listeners<'_>, index: usize, socket: &Socket, proc_index: Option<usize>) -> Event {
    // What the source saw (an event stream), else the listener heuristic.
    let initiated = socket
        .initiated
        .unwrap_or_else(|| !accepted(listeners, socket));
    let local_ip = socket.local_ip().map(canonical);
    let remote_ip = socket.remote_ip().map(canonical);
    let local_port = Some(socket.local_port);
    let remote_port = socket.remote_port;
    let names = socket.capture.as_ref();
    let local_host = names.and_then(|c| c.local_name.clone()).map(Text::new);
    let remote_host = names.and_then(|c| c.remote_name.clone()).map(Text::new);
    let ((src_ip, src_port, src_host), (dst_ip, dst_port, dst_host)) = {
        let local = (local_ip, local_port, local_host);
        let remote = (remote_ip, remote_port, remote_host);
        if initiated { (local, remote) } else { (remote, local) }
    };
    Event {
        socket: index,
        proc_index,
        initiated,
        protocol: socket.proto.as_str(),
        src_ip,
        dst_ip,
        src_ip_text: src_ip.map(|ip| ip.to_string()),
        dst_ip_text: dst_ip.map(|ip| ip.to_string()),
        src_port: src_port.map(|p| p.to_string()),
        dst_port: dst_port.map(|p| p.to_string()),
        src_host,
        dst_host,
    }
}

#[cfg(test)]
mod tests {
    use super::Events;
    use crate::model::{Protocol, Socket, TcpState};

    fn connection(initiated: Option<bool>) -> Socket {
        let mut socket = Socket::new(Protocol::Tcp, [127, 0, 0, 1].into(), 5000);
        socket.remote_addr = Some([127, 0, 0, 1].into());
        socket.remote_port = Some(6000);
        socket.state = Some(TcpState::Established);
        socket.initiated = initiated;
        socket
    }

    /// An event stream's accept is inbound although no listener is in its one-socket snapshot.
    #[test]
    fn the_direction_a_source_saw_wins_over_the_listener_heuristic() {
        let initiated = |socket: Socket| {
            let snapshot = crate::model::event::snapshot_of(
                &crate::model::Host::default(),
                jiff::Timestamp::UNIX_EPOCH,
                vec![socket],
                Vec::new(),
            );
            Events::of(&snapshot).events[0].initiated
        };
        assert!(!initiated(connection(Some(false))));
        assert!(initiated(connection(Some(true))));
        // A table without its listener: opened by this host, as far as anyone can tell.
        assert!(initiated(connection(None)));
    }
}
