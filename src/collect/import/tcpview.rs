//! Sysinternals TCPView's saved listing (File > Save): tab- or comma-separated, with a header
//! row naming the columns in whatever order this TCPView version writes them (Process, PID,
//! Protocol, State, Local Address, Local Port, Remote Address, Remote Port, Create Time,
//! Module Name, Sent/Rcvd Packets and Bytes), or the headerless TCPView 3 layout
//! `process.exe:PID<TAB>TCP<TAB>host:port<TAB>host:port<TAB>STATE[<TAB>counters]`.
//! Addresses may be host names and ports service names: TCPView resolves them by default.

use super::builder::{Owner, Row};
use super::endpoint;
use super::locale;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol, TcpState};

/// The columns we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Process,
    Pid,
    ProcessPid,
    Protocol,
    State,
    LocalAddress,
    LocalPort,
    RemoteAddress,
    RemotePort,
    Module,
    SentPackets,
    SentBytes,
    RcvdPackets,
    RcvdBytes,
    Other,
}

fn column(name: &str) -> Col {
    let norm: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match norm.as_str() {
        "process" | "processname" | "image" | "imagename" => Col::Process,
        "pid" | "processid" => Col::Pid,
        "protocol" | "proto" => Col::Protocol,
        "state" => Col::State,
        "localaddress" => Col::LocalAddress,
        "localport" => Col::LocalPort,
        "remoteaddress" | "foreignaddress" => Col::RemoteAddress,
        "remoteport" | "foreignport" => Col::RemotePort,
        "modulename" | "module" | "service" => Col::Module,
        "sentpackets" | "sentpkts" => Col::SentPackets,
        "sentbytes" | "sent" => Col::SentBytes,
        "rcvdpackets" | "recvpackets" | "receivedpackets" | "rcvdpkts" => Col::RcvdPackets,
        "rcvdbytes" | "recvbytes" | "receivedbytes" | "rcvd" | "received" => Col::RcvdBytes,
        _ => Col::Other,
    }
}

/// The headerless TCPView 3 layout.
const CLASSIC: &[Col] = &[
    Col::ProcessPid,
    Col::Protocol,
    Col::LocalAddress,
    Col::RemoteAddress,
    Col::State,
    Col::SentPackets,
    Col::SentBytes,
    Col::RcvdPackets,
    Col::RcvdBytes,
];

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser {
    columns: Option<Vec<Col>>,
}

/// How much a line looks like a TCPView export.
pub fn score(line: &str) -> u32 {
    let cells = split(line);
    let cols: Vec<Col> = cells.iter().map(|c| column(c)).collect();
    if cols.contains(&Col::Protocol)
        && cols.contains(&Col::LocalAddress)
        && cols.contains(&Col::Pid)
    {
        return 5;
    }
    if line.contains('\t')
        && cells.len() >= 4
        && cells[0]
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u32>().is_ok())
        && protocol(&cells[1]).is_some()
    {
        return 3;
    }
    0
}

/// Cells of a tab-separated line, or a CSV line (quotes honoured).
fn split(line: &str) -> Vec<String> {
    if line.contains('\t') {
        return line.split('\t').map(|c| c.trim().to_string()).collect();
    }
    if !line.contains('"') {
        // No quoting: plain commas (most lines), without building a CSV reader per line.
        return line.split(',').map(|c| c.trim().to_string()).collect();
    }
    super::csv_line::split(line)
}

fn protocol(text: &str) -> Option<(Protocol, Option<Family>)> {
    Some(match text.to_ascii_uppercase().as_str() {
        "TCP" => (Protocol::Tcp, None),
        "TCPV6" | "TCP6" => (Protocol::Tcp, Some(Family::Ipv6)),
        "UDP" => (Protocol::Udp, None),
        "UDPV6" | "UDP6" => (Protocol::Udp, Some(Family::Ipv6)),
        _ => return None,
    })
}

/// `1,234` or `1.234` (thousands separators) or empty.
fn counter(text: &str) -> Result<Option<u64>, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    digits
        .parse()
        .map(Some)
        .map_err(|_| format!("counter `{text}` is not a number"))
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        if line.text.trim().is_empty() {
            return Ok(());
        }
        let cells = split(&line.text);
        // A header names its Protocol column; a row has TCP/UDP there.
        if cells
            .iter()
            .any(|c| c.eq_ignore_ascii_case("protocol") || c.eq_ignore_ascii_case("proto"))
        {
            let cols: Vec<Col> = cells.iter().map(|c| column(c)).collect();
            if cols.contains(&Col::Protocol) && cols.contains(&Col::LocalAddress) {
                out.new_block();
                out.saw_header = true;
                out.info.has_owner_column = true;
                self.columns = Some(cols);
                return Ok(());
            }
        }
        let layout: &[Col] = self.columns.as_deref().unwrap_or(CLASSIC);
        let cell = |c: Col| {
            layout
                .iter()
                .position(|x| *x == c)
                .and_then(|i| cells.get(i))
                .map(String::as_str)
        };
        let proto_text = cell(Col::Protocol).ok_or("no Protocol cell")?;
        let (proto, family) =
            protocol(proto_text).ok_or_else(|| format!("unknown protocol `{proto_text}`"))?;
        let (name, pid) = match cell(Col::ProcessPid) {
            Some(pp) => {
                let (n, p) = pp
                    .rsplit_once(':')
                    .ok_or_else(|| format!("`{pp}` is not process:PID"))?;
                (n.to_string(), p.to_string())
            }
            None => (
                cell(Col::Process).unwrap_or_default().to_string(),
                cell(Col::Pid).unwrap_or_default().to_string(),
            ),
        };
        let pid: Option<u32> = if pid.is_empty() {
            None
        } else {
            Some(
                pid.parse()
                    .map_err(|_| format!("PID `{pid}` is not a number"))?,
            )
        };
        let local = address(cell(Col::LocalAddress), cell(Col::LocalPort), proto)
            .map_err(|e| format!("local address {e}"))?;
        let remote = match cell(Col::RemoteAddress) {
            Some(r) if !r.is_empty() && r != "*" && r != "*:*" && r != "*.*" => Some(
                address(Some(r), cell(Col::RemotePort), proto)
                    .map_err(|e| format!("remote address {e}"))?,
            ),
            _ => None,
        };
        let mut row = Row::new(proto, local, remote);
        row.family = family;
        row.state = match (proto, cell(Col::State)) {
            (Protocol::Tcp, Some(s)) if !s.is_empty() => {
                Some(locale::state(s).ok_or_else(|| format!("unknown TCP state `{s}`"))?)
            }
            (Protocol::Tcp, _) => Some(TcpState::Unknown),
            (Protocol::Udp, _) => None,
        };
        let counters = [
            Col::SentPackets,
            Col::SentBytes,
            Col::RcvdPackets,
            Col::RcvdBytes,
        ];
        for (slot, col) in row.counters.iter_mut().zip(counters) {
            *slot = counter(cell(col).unwrap_or_default())?;
        }
        let name = name.trim();
        let service = cell(Col::Module).filter(|m| !m.is_empty() && !m.eq_ignore_ascii_case(name));
        match pid {
            Some(pid) => row.owners.push(Owner {
                pid,
                // TCPView shows PID 0 as "[System Process]" and vanished owners as "<unknown>".
                name: (!name.is_empty() && !name.starts_with('<')).then(|| name.to_string()),
                services: service.map(|s| vec![s.to_string()]).unwrap_or_default(),
                ..Owner::default()
            }),
            None if !name.is_empty() => row.program = Some(name.to_string()),
            None => {}
        }
        out.row(row);
        Ok(())
    }
}

/// `host:port` in one cell, or host and port in two.
fn address(
    host: Option<&str>,
    port: Option<&str>,
    proto: Protocol,
) -> Result<endpoint::Endpoint, String> {
    let host = host.ok_or("missing")?;
    match port {
        Some(port) => endpoint::parse_parts(host, port, proto),
        None => match truncated(host) {
            Some((name, service)) => endpoint::parse_parts(&name, service, proto),
            None => endpoint::parse(host, proto),
        },
    }
}

/// TCPView cuts a long host name to its column and glues the service after the ellipsis
/// (`baymsgl1010804.gateway.edge.messenge... msnp`): the name (cut short, ellipsis kept so it
/// is never taken for a whole name) and the service. `None` for a cell without an ellipsis.
fn truncated(cell: &str) -> Option<(String, &str)> {
    let (cut, ellipsis) = ["...", "\u{2026}"]
        .iter()
        .find_map(|e| cell.rfind(e).map(|i| (i, e.len())))?;
    let service = cell[cut + ellipsis..].trim_start_matches(':').trim();
    if service.is_empty() || service.contains(char::is_whitespace) {
        return None;
    }
    Some((format!("{}...", &cell[..cut]), service))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_name_keeps_its_row_and_its_service() {
        let e = address(
            Some("baymsgl1010804.gateway.edge.messenge... msnp"),
            None,
            Protocol::Tcp,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(e.host_is_name && e.addr.is_none());
        assert_eq!(
            e.name.as_deref(),
            Some("baymsgl1010804.gateway.edge.messenge...:msnp")
        );
        let glued = address(Some("a.example.co...https"), None, Protocol::Tcp)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(glued.port, Some(443));
        assert!(truncated("desktop-7q2:epmap").is_none());
    }

    #[test]
    fn columns_and_counters() {
        assert_eq!(column("Process Name"), Col::Process);
        assert_eq!(column("Rcvd Bytes"), Col::RcvdBytes);
        assert_eq!(column("Remote Port"), Col::RemotePort);
        assert_eq!(counter("1,234").unwrap(), Some(1234));
        assert_eq!(counter("").unwrap(), None);
        assert!(counter("12x").is_err());
        assert_eq!(split("a,\"b,c\",d"), vec!["a", "b,c", "d"]);
    }
}
