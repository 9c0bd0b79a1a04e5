//! The socket table (`sockaudit list`): text like `netstat -tunap`, CSV, and JSON.

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use super::style::Palette;
use crate::enrich::Enrichment;
use crate::files::services::Services;
use crate::model::remote::RemoteInfo;
use crate::model::{Family, Process, Protocol, Snapshot, Socket, TcpState, Unattributed};
use crate::text::endpoint::proto_text;
use crate::text::escape::{FIELD_MAX_CHARS, for_display};

/// How to print addresses (and which extra columns the table has).
#[derive(Debug, Clone, Copy, Default)]
pub struct AddressStyle<'a> {
    /// Service names for ports, when `--resolve`.
    pub services: Option<&'a Services>,
    /// Country/ASN of remote addresses, when `--geo`.
    pub geo: Option<&'a Enrichment>,
    /// Traffic columns: bytes sent and received, round-trip time, retransmissions (`--wide`).
    pub wide: bool,
    /// The Inode column after User (`-e`, like `netstat -e`).
    pub inode: bool,
}

/// Sent and received bytes (live counters or a capture's), RTT in ms and retransmissions;
/// empty cells where the source has none, and for listeners (whose own `tcp_info` counts
/// nothing of their connections).
fn traffic_cells(socket: &Socket) -> [String; 4] {
    if socket.is_listener() {
        return Default::default();
    }
    let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let traffic = socket.traffic.as_deref();
    [
        number(socket.bytes_sent()),
        number(socket.bytes_received()),
        traffic.map_or(String::new(), |t| {
            format!("{:.1}", f64::from(t.rtt_us) / 1000.0)
        }),
        traffic.map_or(String::new(), |t| t.retrans.to_string()),
    ]
}

/// Country and `AS64512 Org` of a socket's peer, when known.
fn geo_cells(geo: &Enrichment, socket: &Socket) -> (String, String) {
    let Some(ip) = socket.remote_ip() else {
        return (String::new(), String::new());
    };
    let info = geo.get(ip);
    let asn = match (info.asn, info.org) {
        (Some(a), Some(o)) => format!("AS{a} {}", cell(&o)),
        (Some(a), None) => format!("AS{a}"),
        _ => String::new(),
    };
    (info.country.unwrap_or_default(), asn)
}

/// `127.0.0.1:22`, `[::1]:22`; with services, `127.0.0.1:ssh`.
fn endpoint(addr: IpAddr, port: u16, proto: Protocol, style: AddressStyle<'_>) -> String {
    match style.services.and_then(|s| s.name(port, proto)) {
        Some(name) => crate::text::endpoint::with_port_text(addr, name),
        None => crate::text::endpoint::endpoint(addr, port),
    }
}

fn remote_text(socket: &Socket, style: AddressStyle<'_>) -> String {
    match (socket.remote_ip(), socket.remote_port, socket.remote_name()) {
        (Some(addr), Some(port), _) => endpoint(addr, port, socket.proto, style),
        // A host name a capture printed: shown as printed, never as an address.
        (None, Some(_), Some(name)) => cell(name).into_owned(),
        _ => "*:*".to_string(),
    }
}

fn local_text(socket: &Socket, style: AddressStyle<'_>) -> String {
    match socket.local_ip() {
        Some(addr) => endpoint(addr, socket.local_port, socket.proto, style),
        // A host name a capture printed, as the other views show it.
        None => cell(&crate::text::endpoint::local_of(socket)).into_owned(),
    }
}

/// `812/sshd`, `812/nginx (+3)`, `-` (no owner), `-/svchost.exe` (a program a capture named
/// without a PID), `[permission]`, `[exited]`.
pub fn owner_text(snapshot: &Snapshot, socket: &Socket) -> String {
    let Some(&first) = socket.pids.first() else {
        // A capture may name the program without a PID (`netstat -b` without `-o`).
        if let Some(program) = socket.capture.as_ref().and_then(|c| c.program.as_deref()) {
            return format!("-/{}", cell(program));
        }
        return match socket.unattributed {
            Some(Unattributed::Permission) => "[permission]".to_string(),
            Some(Unattributed::Exited) => "[exited]".to_string(),
            Some(Unattributed::NoOwner) | None => "-".to_string(),
        };
    };
    let name = snapshot
        .processes
        .get(&first)
        .map_or(std::borrow::Cow::Borrowed("?"), |p| cell(&p.name));
    let mut text = format!("{first}/{name}");
    if socket.pids.len() > 1 {
        let _ = write!(text, " (+{})", socket.pids.len() - 1);
    }
    text
}

fn user_text(process: Option<&Process>, socket: &Socket) -> String {
    process
        .and_then(|p| {
            p.user
                .as_deref()
                .map(|u| cell(u).into_owned())
                .or(p.uid.map(|u| u.to_string()))
        })
        .or_else(|| socket.uid.map(|u| u.to_string()))
        .unwrap_or_else(|| "-".to_string())
}

/// The footer: `Endpoints: N | Established: N | Listening: N | Time Wait: N | Close Wait: N | Syn Recv: N`.
pub fn footer(snapshot: &Snapshot) -> String {
    let count = |state| {
        snapshot
            .sockets
            .iter()
            .filter(|s| s.state == Some(state))
            .count()
    };
    let listening = snapshot.sockets.iter().filter(|s| s.is_listener()).count();
    format!(
        "Endpoints: {} | Established: {} | Listening: {} | Time Wait: {} | Close Wait: {} | Syn Recv: {}",
        snapshot.sockets.len(),
        count(TcpState::Established),
        listening,
        count(TcpState::TimeWait),
        count(TcpState::CloseWait),
        count(TcpState::SynRecv),
    )
}

/// The aligned text table with its footer; raw and packet sockets (`-w`, `-0`) in their own
/// table below it, or alone when no TCP/UDP socket is shown.
pub fn render_text(snapshot: &Snapshot, style: AddressStyle<'_>, palette: Palette) -> String {
    let raw = super::rawlist::render_text(snapshot, palette.bold, palette.reset);
    if snapshot.sockets.is_empty() && !raw.is_empty() {
        return raw;
    }
    let mut out = inet_text(snapshot, style, palette);
    if !raw.is_empty() {
        out.push('\n');
        out.push_str(&raw);
    }
    out
}

fn inet_text(snapshot: &Snapshot, style: AddressStyle<'_>, palette: Palette) -> String {
    // Only a table that spans namespaces says which one each socket is in.
    let netns_column = snapshot.sockets.iter().any(|s| !s.in_host_netns());
    let mut headers = Vec::new();
    if netns_column {
        headers.push("Netns");
    }
    headers.extend(["Proto", "Local Address", "Foreign Address"]);
    if style.geo.is_some() {
        headers.extend(["Country", "ASN"]);
    }
    headers.extend(["State", "PID/Program", "User"]);
    if style.inode {
        headers.push("Inode");
    }
    if style.wide {
        headers.extend(["Sent", "Recv", "RTT ms", "Retrans"]);
    }
    let rows: Vec<Vec<String>> = snapshot
        .sockets
        .iter()
        .map(|s| {
            let mut row = Vec::with_capacity(headers.len());
            if netns_column {
                row.push(cell(s.netns_label()).into_owned());
            }
            row.extend([
                proto_text(s).to_string(),
                local_text(s, style),
                remote_text(s, style),
            ]);
            if let Some(geo) = style.geo {
                let (country, asn) = geo_cells(geo, s);
                row.extend([country, asn]);
            }
            row.extend([
                s.state.map_or(String::new(), |st| st.as_str().to_string()),
                owner_text(snapshot, s),
                user_text(snapshot.process_of(s), s),
            ]);
            if style.inode {
                // 0 is a socket no fd holds (SYN_RECV, TIME_WAIT): no inode to look up.
                row.push(
                    s.inode
                        .filter(|&i| i != 0)
                        .map_or_else(|| "-".to_string(), |i| i.to_string()),
                );
            }
            if style.wide {
                row.extend(traffic_cells(s));
            }
            row
        })
        .collect();
    let mut out = super::table::aligned_table(&headers, &rows, palette.bold, palette.reset);
    out.push_str(&footer(snapshot));
    out.push('\n');
    out
}

/// The CSV columns every listing has, in order: the same header whatever the data (a socket
/// in a container or none, a live table or a capture); `--geo` and `--wide` append theirs.
/// docs/outputs.md lists them.
pub const CSV_COLUMNS: [&str; 17] = [
    "proto",
    "family",
    "local_addr",
    "local_port",
    "remote_addr",
    "remote_port",
    "state",
    "pids",
    "program",
    "exe",
    "user",
    "uid",
    "inode",
    "unattributed",
    "local_name",
    "remote_name",
    "netns",
];

/// `--geo` columns, after [`CSV_COLUMNS`].
pub const CSV_GEO_COLUMNS: [&str; 3] = ["country", "asn", "org"];

/// `--wide` columns, last.
pub const CSV_WIDE_COLUMNS: [&str; 6] = [
    "bytes_sent",
    "bytes_received",
    "segs_out",
    "segs_in",
    "rtt_us",
    "retrans",
];

/// CSV with a header row; program names are escaped like the text table. The columns depend
/// on the flags only, never on the rows (a script reads them by position or name): with
/// `geo`, the peer's country, AS number and organisation follow; with `wide`, the traffic
/// counters.
pub fn render_csv(
    snapshot: &Snapshot,
    geo: Option<&Enrichment>,
    wide: bool,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = CSV_COLUMNS.to_vec();
    if geo.is_some() {
        header.extend(CSV_GEO_COLUMNS);
    }
    if wide {
        header.extend(CSV_WIDE_COLUMNS);
    }
    writer.write_record(&header)?;
    for s in &snapshot.sockets {
        let process = snapshot.process_of(s);
        let pids: Vec<String> = s.pids.iter().map(u32::to_string).collect();
        let mut record = vec![
            s.proto.as_str().to_string(),
            match s.family {
                Family::Ipv4 => "ipv4",
                Family::Ipv6 => "ipv6",
            }
            .to_string(),
            s.local_ip().map(|a| a.to_string()).unwrap_or_default(),
            s.local_port.to_string(),
            s.remote_ip().map(|a| a.to_string()).unwrap_or_default(),
            s.remote_port.map(|p| p.to_string()).unwrap_or_default(),
            s.state
                .map(|st| st.as_str().to_string())
                .unwrap_or_default(),
            pids.join(" "),
            process.map(|p| csv_text(&p.name)).unwrap_or_default(),
            process
                .and_then(|p| p.exe.as_deref())
                .map(csv_text)
                .unwrap_or_default(),
            process
                .and_then(|p| p.user.as_deref())
                .map(csv_text)
                .unwrap_or_default(),
            s.uid.map(|u| u.to_string()).unwrap_or_default(),
            s.inode.map(|i| i.to_string()).unwrap_or_default(),
            s.unattributed
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
        ];
        // A host name a capture printed instead of an address (the address cell is empty).
        record.push(s.local_name().map(csv_text).unwrap_or_default());
        record.push(s.remote_name().map(csv_text).unwrap_or_default());
        // Empty when the source does not say (captures, old snapshots): not guessed as `host`.
        record.push(s.netns.as_deref().map(csv_text).unwrap_or_default());
        if let Some(geo) = geo {
            let info = s.remote_ip().map(|ip| geo.get(ip));
            record.push(
                info.as_ref()
                    .and_then(|i| i.country.clone())
                    .unwrap_or_default(),
            );
            record.push(
                info.as_ref()
                    .and_then(|i| i.asn)
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
            );
            record.push(
                info.and_then(|i| i.org)
                    .map(|o: String| cell(&o).into_owned())
                    .unwrap_or_default(),
            );
        }
        if wide {
            let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
            let t = s.traffic.as_deref();
            record.extend([
                number(s.bytes_sent()),
                number(s.bytes_received()),
                number(t.map(|t| u64::from(t.segs_out))),
                number(t.map(|t| u64::from(t.segs_in))),
                number(t.map(|t| u64::from(t.rtt_us))),
                number(t.map(|t| u64::from(t.retrans))),
            ]);
        }
        writer.write_record(&record)?;
    }
    // Raw and packet sockets (`-w`, `-0`): same columns, the protocol where the port goes.
    let extra = header.len() - CSV_COLUMNS.len();
    for s in &snapshot.raw_sockets {
        let mut record = super::rawlist::csv_record(snapshot, s, &csv_text);
        // local_name, remote_name: raw sockets come from the kernel, never from a capture.
        record.extend([String::new(), String::new()]);
        record.push(s.netns.as_deref().map(csv_text).unwrap_or_default());
        record.extend(std::iter::repeat_n(String::new(), extra));
        writer.write_record(&record)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A name, path or user as shown: escaped ([`crate::text::escape`]) and cut at
/// [`FIELD_MAX_CHARS`] with a visible marker.
fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    for_display(text, FIELD_MAX_CHARS)
}

/// A text cell for CSV: control characters escaped as in the text table, and a leading `=`,
/// `+`, `-` or `@` neutralised with a quote, so a spreadsheet opening the file does not run a
/// process name like `=HYPERLINK(...)` as a formula. Public for the fuzz targets.
pub fn csv_text(text: &str) -> String {
    let escaped = cell(text);
    if escaped.starts_with(['=', '+', '-', '@']) {
        format!("'{escaped}")
    } else {
        escaped.into_owned()
    }
}

/// A socket with its first owner's facts inline, for `list --format json` readers who do not
/// want to join against `processes` themselves.
#[derive(Serialize)]
struct SocketWithProcess<'a> {
    #[serde(flatten)]
    socket: &'a Socket,
    process: Option<&'a Process>,
    /// The peer's scope, country, AS and feeds (`list --geo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_info: Option<RemoteInfo>,
}

#[derive(Serialize)]
struct ListDocument<'a> {
    schema_version: u32,
    host: &'a crate::model::Host,
    collected_at: &'a jiff::Timestamp,
    /// As recorded (absent for older snapshots), so the document loads back as the snapshot.
    #[serde(skip_serializing_if = "crate::model::TimeSource::is_unrecorded")]
    time_source: crate::model::TimeSource,
    source: &'a str,
    sockets: Vec<SocketWithProcess<'a>>,
    processes: &'a std::collections::BTreeMap<u32, Process>,
    coverage: &'a crate::model::Coverage,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    namespaces: &'a [crate::model::NetNamespace],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    raw_sockets: Vec<super::rawlist::RawWithProcess<'a>>,
}

/// Snapshot JSON plus an inline `process` per socket (still loadable as a snapshot), and
/// `remote_info` with `geo`.
pub fn render_json(
    snapshot: &Snapshot,
    pretty: bool,
    geo: Option<&Enrichment>,
) -> Result<String, serde_json::Error> {
    let doc = ListDocument {
        schema_version: snapshot.schema_version,
        host: &snapshot.host,
        collected_at: &snapshot.collected_at,
        time_source: snapshot.time_source,
        source: &snapshot.source,
        sockets: snapshot
            .sockets
            .iter()
            .map(|socket| SocketWithProcess {
                socket,
                process: snapshot.process_of(socket),
                remote_info: geo.and_then(|g| socket.remote_ip().map(|ip| g.get(ip))),
            })
            .collect(),
        processes: &snapshot.processes,
        coverage: &snapshot.coverage,
        namespaces: &snapshot.namespaces,
        raw_sockets: super::rawlist::with_processes(snapshot),
    };
    let mut text = if pretty {
        serde_json::to_string_pretty(&doc)?
    } else {
        serde_json::to_string(&doc)?
    };
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::csv_text;

    #[test]
    fn csv_cells_cannot_be_formulas_or_control_sequences() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("+1"), "'+1");
        assert_eq!(csv_text("-cmd"), "'-cmd");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("\u{1b}[2Jx"), "\\x1b[2Jx");
        assert_eq!(csv_text("sshd"), "sshd");
    }
}
