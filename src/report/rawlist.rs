//! Raw IP and packet sockets in `list` (`-w`, `-0`): their own table under the TCP/UDP one
//! (they have no ports and no state), CSV rows in the same columns, and JSON beside
//! `sockets`.

use std::fmt::Write as _;

use serde::Serialize;

use crate::model::{Process, RawSocket, Snapshot};
use crate::text::escape::{FIELD_MAX_CHARS, for_display};

/// `812/tcpdump`, `812/x (+1)`, `-` (no owner found).
pub fn owner_text(snapshot: &Snapshot, socket: &RawSocket) -> String {
    let Some(&first) = socket.pids.first() else {
        return "-".to_string();
    };
    let name = snapshot
        .processes
        .get(&first)
        .map_or(std::borrow::Cow::Borrowed("?"), |p| {
            for_display(&p.name, FIELD_MAX_CHARS)
        });
    let mut text = format!("{first}/{name}");
    if socket.pids.len() > 1 {
        let _ = write!(text, " (+{})", socket.pids.len() - 1);
    }
    text
}

/// The first owner's facts, when known.
pub fn process_of<'a>(snapshot: &'a Snapshot, socket: &RawSocket) -> Option<&'a Process> {
    socket.pids.iter().find_map(|p| snapshot.processes.get(p))
}

fn user_text(snapshot: &Snapshot, socket: &RawSocket) -> String {
    process_of(snapshot, socket)
        .and_then(|p| {
            p.user
                .as_deref()
                .map(|u| for_display(u, FIELD_MAX_CHARS).into_owned())
        })
        .or_else(|| socket.uid.map(|u| u.to_string()))
        .unwrap_or_else(|| "-".to_string())
}

fn addr_text(addr: Option<std::net::IpAddr>) -> String {
    addr.map_or_else(|| "*".to_string(), |a| a.to_string())
}

/// The table's rows: [netns] proto, protocol (and packet type), interface, local, foreign,
/// owner, user.
fn rows(snapshot: &Snapshot, netns_column: bool) -> Vec<Vec<String>> {
    snapshot
        .raw_sockets
        .iter()
        .map(|s| {
            let mut row = Vec::with_capacity(8);
            if netns_column {
                row.push(for_display(s.netns_label(), FIELD_MAX_CHARS).into_owned());
            }
            let protocol = match s.packet_type {
                Some(crate::model::rawsock::PacketType::Dgram) => {
                    format!("{} (dgram)", s.protocol_name)
                }
                _ => s.protocol_name.clone(),
            };
            row.extend([
                s.proto_text().to_string(),
                protocol,
                for_display(&s.interface_text(), FIELD_MAX_CHARS).into_owned(),
                addr_text(s.local_addr),
                addr_text(s.remote_addr),
                owner_text(snapshot, s),
                user_text(snapshot, s),
            ]);
            row
        })
        .collect()
}

/// The aligned table and its footer (`Raw: N | Packet: N`), or nothing without such sockets.
pub fn render_text(snapshot: &Snapshot, bold: &str, reset: &str) -> String {
    if snapshot.raw_sockets.is_empty() {
        return String::new();
    }
    let netns_column = snapshot.raw_sockets.iter().any(|s| !s.in_host_netns());
    let mut headers = Vec::new();
    if netns_column {
        headers.push("Netns");
    }
    headers.extend([
        "Proto",
        "Protocol",
        "Interface",
        "Local Address",
        "Foreign Address",
        "PID/Program",
        "User",
    ]);
    let rows = rows(snapshot, netns_column);
    let mut out = super::table::aligned_table(&headers, &rows, bold, reset);
    let count = |kind| {
        snapshot
            .raw_sockets
            .iter()
            .filter(|s| s.kind == kind)
            .count()
    };
    let _ = writeln!(
        out,
        "Raw: {} | Packet: {}",
        count(crate::model::RawKind::Raw),
        count(crate::model::RawKind::Packet)
    );
    out
}

/// A raw or packet socket with its first owner's facts inline (`list --format json`).
#[derive(Serialize)]
pub struct RawWithProcess<'a> {
    #[serde(flatten)]
    socket: &'a RawSocket,
    process: Option<&'a Process>,
}

/// The `raw_sockets` of `list --format json`.
pub fn with_processes(snapshot: &Snapshot) -> Vec<RawWithProcess<'_>> {
    snapshot
        .raw_sockets
        .iter()
        .map(|socket| RawWithProcess {
            socket,
            process: process_of(snapshot, socket),
        })
        .collect()
}

/// CSV fields of a raw socket in `list`'s first 14 columns (proto, family, local_addr,
/// local_port, remote_addr, remote_port, state, pids, program, exe, user, uid, inode,
/// unattributed): the protocol name goes where a port would be; `text` escapes names.
pub fn csv_record(
    snapshot: &Snapshot,
    s: &RawSocket,
    text: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let process = process_of(snapshot, s);
    let pids: Vec<String> = s.pids.iter().map(u32::to_string).collect();
    let opt = |a: Option<std::net::IpAddr>| a.map(|a| a.to_string()).unwrap_or_default();
    vec![
        s.proto_text().to_string(),
        s.family.map_or(String::new(), |f| {
            match f {
                crate::model::Family::Ipv4 => "ipv4",
                crate::model::Family::Ipv6 => "ipv6",
            }
            .to_string()
        }),
        opt(s.local_addr),
        s.protocol_name.clone(),
        opt(s.remote_addr),
        String::new(),
        String::new(),
        pids.join(" "),
        process.map(|p| text(&p.name)).unwrap_or_default(),
        process
            .and_then(|p| p.exe.as_deref())
            .map(text)
            .unwrap_or_default(),
        process
            .and_then(|p| p.user.as_deref())
            .map(text)
            .unwrap_or_default(),
        s.uid.map(|u| u.to_string()).unwrap_or_default(),
        s.inode.to_string(),
        String::new(),
    ]
}
