//! macOS `netstat`: `-an` (also `-p tcp` / `-p udp`), `-anv` (`pid`/`epid`, or `process:pid`
//! on recent releases), `-A` (a leading PCB address column), `-b` (rxbytes/txbytes). Protos
//! `tcp4 tcp6 tcp46 udp4 udp6 udp46` (`46`: a dual-stack IPv6 socket that accepts IPv4 too),
//! endpoints `addr.port`, and the other sections of the same output (UNIX domain sockets,
//! kernel control and event sockets, multipath) skipped and counted.
//!
//! ```text
//! Active Internet connections (including servers)
//! Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)      rhiwat  shiwat    pid   epid ...
//! tcp4       0      0  192.0.2.10.52344       203.0.113.5.443        ESTABLISHED  131072  131768    529      0 ...
//! tcp46      0      0  *.22                   *.*                    LISTEN       131072  131072      1      0 ...
//! udp4       0      0  *.5353                 *.*                                 786896    9216    312      0 ...
//! ```

use super::bsd_endpoint::{self, HOST_WIDTH, HOST_WIDTH_A};
use super::builder::{Owner, Row};
use super::endpoint::Endpoint;
use super::locale;
use super::netstat_linux::fields_with_offsets;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol};

/// The note for captures with dual-stack sockets.
const DUAL_STACK_NOTE: &str = "tcp46/udp46 rows are dual-stack IPv6 sockets that also accept IPv4: listed as IPv6 (`::` when bound to any address)";

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser {
    section: Section,
    /// Columns of the Internet header.
    columns: Option<Columns>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before any title (a capture cut at the top): rows are read.
    #[default]
    Start,
    /// `Active Internet connections`.
    Internet,
    /// UNIX domain, kernel control/event, multipath...: counted, not read.
    Other,
}

/// What the Internet header announced.
#[derive(Debug, Clone, Default)]
struct Columns {
    /// `-A`: a PCB address first.
    socket: bool,
    /// The names of the columns after `(state)`, in order (`rxbytes`, `pid`, `process:pid`...).
    extra: Vec<String>,
}

/// How much a line looks like macOS `netstat` output.
/// A section title only macOS netstat prints (FreeBSD says `Active UNIX domain sockets`).
pub fn is_macos_section(line: &str) -> bool {
    [
        "Active LOCAL (UNIX) domain sockets",
        "Registered kernel control modules",
        "Active kernel event sockets",
        "Active kernel control sockets",
        "Active Multipath Internet connections",
    ]
    .iter()
    .any(|w| line.starts_with(w))
}

/// How much a line looks like macOS `netstat` output.
pub fn score(line: &str) -> u32 {
    let t = line.trim();
    if is_macos_section(t) {
        return 10;
    }
    // Linux says "(servers and established)", "(only servers)" or "(w/o servers)".
    if t.starts_with("Active Internet connections (including servers)") {
        return 4;
    }
    let f: Vec<&str> = t.split_whitespace().collect();
    if f.contains(&"Proto") && f.contains(&"(state)") {
        // The -v columns are macOS's own.
        return if f
            .iter()
            .any(|w| matches!(*w, "rhiwat" | "epid" | "process:pid"))
        {
            10
        } else {
            4
        };
    }
    let row = match f.first() {
        // -A: a hex PCB address first.
        Some(w) if f.len() > 5 && w.len() >= 8 && w.chars().all(|c| c.is_ascii_hexdigit()) => {
            &f[1..]
        }
        _ => &f[..],
    };
    match row.first() {
        Some(&("tcp4" | "tcp46" | "udp4" | "udp46")) if row.len() >= 5 => 3,
        Some(&("tcp6" | "udp6")) if row.len() >= 5 && is_dotted(row[3]) && is_dotted(row[4]) => 3,
        _ => 0,
    }
}

/// `addr.port` or `*.*` (not Linux's `addr:port`).
fn is_dotted(w: &str) -> bool {
    w.rsplit_once('.')
        .is_some_and(|(_, port)| port == "*" || port.parse::<u16>().is_ok())
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.as_str();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        if trimmed.starts_with("Active Internet connections") {
            out.new_block();
            self.section = Section::Internet;
            self.columns = None;
            return Ok(());
        }
        if trimmed.starts_with("Active ") || trimmed.starts_with("Registered ") {
            self.section = Section::Other;
            return Ok(());
        }
        if self.section == Section::Other {
            // Their headers: `Address Type Recv-Q...`, `id name`, `Proto Recv-Q Send-Q vendor...`.
            if !is_other_header(trimmed) {
                out.info.other_sockets += 1;
            }
            return Ok(());
        }
        let fields = fields_with_offsets(text);
        if fields.iter().any(|(_, f)| *f == "Proto") {
            out.saw_header = true;
            let columns = header_columns(trimmed);
            if columns
                .extra
                .iter()
                .any(|c| c == "pid" || c == "process:pid")
            {
                out.info.has_owner_column = true;
            }
            self.columns = Some(columns);
            return Ok(());
        }
        let socket = self.columns.as_ref().is_some_and(|c| c.socket)
            || fields.get(1).is_some_and(|f| proto_of(f.1).is_some());
        let fields = if socket && fields.len() > 1 {
            &fields[1..]
        } else {
            &fields[..]
        };
        let first = fields.first().map_or("", |f| f.1);
        match proto_of(first) {
            Some(_) => {
                let row = self.parse_row(text, fields, socket, out)?;
                out.row(row);
                Ok(())
            }
            // `icm4`, `icm6` (`-p icmp`), raw IP.
            None if first.starts_with("icm") || first.starts_with("ip") => {
                out.info.other_sockets += 1;
                Ok(())
            }
            None => Err("not a macOS netstat row".to_string()),
        }
    }
}

/// `(protocol, family, dual_stack)` of a Proto column.
fn proto_of(word: &str) -> Option<(Protocol, Option<Family>, bool)> {
    Some(match word {
        "tcp4" => (Protocol::Tcp, Some(Family::Ipv4), false),
        "tcp6" => (Protocol::Tcp, Some(Family::Ipv6), false),
        "tcp46" => (Protocol::Tcp, Some(Family::Ipv6), true),
        "tcp" => (Protocol::Tcp, None, false),
        "udp4" => (Protocol::Udp, Some(Family::Ipv4), false),
        "udp6" => (Protocol::Udp, Some(Family::Ipv6), false),
        "udp46" => (Protocol::Udp, Some(Family::Ipv6), true),
        "udp" => (Protocol::Udp, None, false),
        _ => return None,
    })
}

fn is_other_header(line: &str) -> bool {
    let f: Vec<&str> = line.split_whitespace().collect();
    matches!(
        f.first(),
        Some(&("Address" | "id" | "Proto" | "Socket" | "Proto/ID"))
    ) || f.starts_with(&["Local", "Address"])
}

fn header_columns(header: &str) -> Columns {
    let words: Vec<&str> = header.split_whitespace().collect();
    let extra = match words.iter().position(|w| *w == "(state)") {
        Some(i) => words[i + 1..].iter().map(|w| w.to_string()).collect(),
        None => Vec::new(),
    };
    Columns {
        socket: words.first() == Some(&"Socket"),
        extra,
    }
}

impl Parser {
    fn parse_row(
        &self,
        text: &str,
        fields: &[(usize, &str)],
        socket: bool,
        out: &mut Emitter,
    ) -> Result<Row, String> {
        if fields.len() < 5 {
            return Err("row cut short".to_string());
        }
        let Some((proto, family, dual)) = proto_of(fields[0].1) else {
            return Err(format!("unknown protocol `{}`", fields[0].1));
        };
        for (i, name) in [(1, "Recv-Q"), (2, "Send-Q")] {
            if fields[i].1.parse::<u64>().is_err() {
                return Err(format!("{name} `{}` is not a number", fields[i].1));
            }
        }
        let foreign_width = if socket { HOST_WIDTH_A } else { HOST_WIDTH };
        let (local, local_cut) = endpoint(fields[3].1, proto, HOST_WIDTH, socket)
            .map_err(|e| format!("local address {e}"))?;
        let (remote, remote_cut) = endpoint(fields[4].1, proto, foreign_width, socket)
            .map_err(|e| format!("foreign address {e}"))?;
        let cut = usize::from(local_cut) + usize::from(remote_cut);
        let mut row = Row::new(proto, local, Some(remote));
        row.family = family;
        let mut i = 5;
        if proto == Protocol::Tcp {
            let word = fields
                .get(i)
                .map(|f| f.1)
                .ok_or("TCP row without a state")?;
            row.state =
                Some(locale::state(word).ok_or_else(|| format!("unknown TCP state `{word}`"))?);
            i += 1;
        }
        let rest = &fields[i..];
        if let Some(columns) = &self.columns {
            read_extra(text, rest, &columns.extra, &mut row)?;
        }
        // Counted only once the row is read: a skipped row is not in the snapshot.
        out.info.cut_endpoints += cut;
        if dual && !out.info.notes.iter().any(|n| n == DUAL_STACK_NOTE) {
            out.info.notes.push(DUAL_STACK_NOTE.to_string());
        }
        Ok(row)
    }
}

/// The address column width with `-A` (`%-18.18s`): an endpoint that fills it may have lost
/// the end of its port, so neither its address nor its port is trusted.
const COLUMN_WIDTH_A: usize = 18;

/// An endpoint and whether it was cut: by the host width, or (with `-A`) by the column width.
fn endpoint(
    text: &str,
    proto: Protocol,
    width: usize,
    socket: bool,
) -> Result<(Endpoint, bool), String> {
    if socket && text.chars().count() >= COLUMN_WIDTH_A {
        let endpoint = Endpoint {
            addr: None,
            port: None,
            name: Some(text.to_string()),
            host_is_name: true,
            localhost: false,
        };
        return Ok((endpoint, true));
    }
    let parsed = bsd_endpoint::parse(text, proto, width)?;
    Ok((parsed.endpoint, parsed.cut))
}

/// The columns after `(state)`: byte counters and the owner; the rest (window sizes, flags,
/// generation counts) say nothing a rule reads.
fn read_extra(
    text: &str,
    rest: &[(usize, &str)],
    names: &[String],
    row: &mut Row,
) -> Result<(), String> {
    // A process name may hold spaces (`Google Chrome H:712`): the process:pid column ends at
    // the first word ending in `:digits`, and the columns after it shift by the extra words.
    let mut shift = 0usize;
    for (k, name) in names.iter().enumerate() {
        let Some(&(start, word)) = rest.get(k + shift) else {
            // Columns are cut at the end of a row only when the header promised more than a
            // row has: an owner column that is missing is an error, the rest is not needed.
            if name == "pid" || name == "process:pid" {
                return Err(format!("{name} column missing"));
            }
            break;
        };
        match name.as_str() {
            "rxbytes" | "txbytes" => {
                let n = word
                    .parse::<u64>()
                    .map_err(|_| format!("{name} `{word}` is not a number"))?;
                let at = if name == "rxbytes" { 3 } else { 1 };
                row.counters[at] = Some(n);
            }
            "pid" => {
                let pid = word
                    .parse::<u32>()
                    .map_err(|_| format!("pid `{word}` is not a number"))?;
                row.owners.push(Owner {
                    pid,
                    ..Owner::default()
                });
            }
            "process:pid" => {
                let end = rest[k + shift..]
                    .iter()
                    .position(|(_, w)| pid_suffix(w).is_some())
                    .ok_or_else(|| format!("`{word}` is not process:pid"))?;
                let (last_start, last) = rest[k + shift + end];
                let whole = &text[start..last_start + last.len()];
                let (process, pid) = whole
                    .rsplit_once(':')
                    .ok_or_else(|| format!("`{whole}` is not process:pid"))?;
                let pid = pid
                    .parse::<u32>()
                    .map_err(|_| format!("`{whole}` is not process:pid"))?;
                row.owners.push(Owner {
                    pid,
                    name: (!process.trim().is_empty()).then(|| process.trim().to_string()),
                    ..Owner::default()
                });
                shift += end;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The PID of a word ending in `:digits`.
fn pid_suffix(word: &str) -> Option<u32> {
    word.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lines: &[&str]) -> (Vec<Row>, Emitter) {
        let (mut out, errors) =
            crate::collect::import::emitter::feed(&mut Parser::default(), lines);
        assert!(errors.is_empty(), "{errors:?}");
        (std::mem::take(&mut out.rows), out)
    }

    const TITLE: &str = "Active Internet connections (including servers)";

    #[test]
    fn dual_stack_wildcard_and_states() {
        let (rows, out) = parse(&[
            TITLE,
            "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)",
            "tcp46      0      0  *.22                   *.*                    LISTEN",
            "tcp4       0      0  192.0.2.10.52344       203.0.113.5.443        FIN_WAIT_1",
            "udp4       0      0  *.*                    *.*",
        ]);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].family, Some(Family::Ipv6));
        assert_eq!(rows[0].local.addr, None);
        assert_eq!(rows[0].local.port, Some(22));
        assert_eq!(rows[1].state, Some(crate::model::TcpState::FinWait1));
        assert_eq!(rows[2].state, None);
        assert_eq!(rows[2].local.port, None);
        assert!(out.info.notes.iter().any(|n| n == DUAL_STACK_NOTE));
    }

    #[test]
    fn cut_ipv6_is_a_name_and_counted() {
        let (rows, out) = parse(&[
            TITLE,
            "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)",
            "tcp6       0      0  fe80::aede:48ff:.61677 fe80::aede:48ff:.49154 ESTABLISHED",
            "udp6       0      0  fe80::1%lo0.123        *.*",
        ]);
        assert_eq!(rows[0].local.addr, None);
        assert!(rows[0].local.host_is_name);
        assert_eq!(
            rows[0].local.name.as_deref(),
            Some("fe80::aede:48ff:.61677")
        );
        assert_eq!(rows[0].remote.as_ref().and_then(|r| r.port), Some(49154));
        assert_eq!(out.info.cut_endpoints, 2);
        assert_eq!(rows[1].local.addr, Some("fe80::1".parse().unwrap()));
    }

    #[test]
    fn pid_columns() {
        let (rows, out) = parse(&[
            TITLE,
            "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)      rxbytes      txbytes  rhiwat  shiwat    pid   epid state  options           gencnt    flags   flags1 usscnt rtncnt fltrs",
            "tcp4       0      0  127.0.0.1.31337        *.*                    LISTEN             0            0  131072  131072   6666      0 00180 00000006 0000000000001a2b 00000000 00000800      1      0 000001",
            "udp4       0      0  *.5353                 *.*                                  1234          567  786896    9216    312      0 00000 00000000 0000000000000400 00000000 00000000      1      0 000001",
        ]);
        assert!(out.info.has_owner_column);
        assert_eq!(rows[0].owners[0].pid, 6666);
        assert_eq!(rows[1].owners[0].pid, 312);
        assert_eq!(rows[1].counters, [None, Some(567), None, Some(1234)]);
    }

    #[test]
    fn process_pid_with_spaces() {
        let (rows, _) = parse(&[
            TITLE,
            "Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)          rxbytes      txbytes  rhiwat  shiwat  process:pid     state   options        gencnt    flags   flags1 usecnt rtncnt  fltrs",
            "tcp4       0      0  192.0.2.10.52344       203.0.113.5.443        ESTABLISHED         7845         4998  131072  132816  Google Chrome H:712 00102 00000020 000000000003d9cb 00000080 04000900      1      0 000001",
        ]);
        assert_eq!(rows[0].owners[0].pid, 712);
        assert_eq!(rows[0].owners[0].name.as_deref(), Some("Google Chrome H"));
    }

    #[test]
    fn pcb_column_and_other_sections() {
        let (rows, out) = parse(&[
            TITLE,
            "Socket           Proto Recv-Q Send-Q  Local Address      Foreign Address    (state)",
            "a3f1c2d4e5b60718 tcp4       0      0  192.0.2.10.52344   203.0.113.5.443    ESTABLISHED",
            "Active LOCAL (UNIX) domain sockets",
            "Address          Type   Recv-Q Send-Q            Inode             Conn             Refs          Nextref Addr",
            "a3f1c2d4e5b60800 stream      0      0                0 a3f1c2d4e5b60900                0                0 /var/run/mDNSResponder",
            "Registered kernel control modules",
            "id       name",
            "1        com.apple.flow-divert",
        ]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].local.port, Some(52344));
        assert_eq!(out.info.other_sockets, 2);
    }

    #[test]
    fn detection_scores() {
        assert!(score(TITLE) > 0);
        assert_eq!(
            score("Active Internet connections (servers and established)"),
            0
        );
        assert_eq!(
            score("tcp6       0      0 :::22                   :::*                    LISTEN"),
            0
        );
        assert_eq!(
            score("tcp6       0      0  ::1.631                *.*                    LISTEN"),
            3
        );
    }
}
