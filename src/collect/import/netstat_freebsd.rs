//! FreeBSD `netstat`: `-an` (`tcp4`, `tcp6`, `tcp46`, `udp4`... with `addr.port` endpoints),
//! `-aT` (retransmit, out-of-order and zero-window counters instead of the queues), `-A` (a
//! leading PCB address column), `-x` (socket buffer and timer columns), `-L` (listen queues),
//! and `-W` (wide columns). Other sections (`Active UNIX domain sockets`, SCTP associations,
//! Netgraph) are counted and skipped. netstat shows no owners: `sockstat` does.
//!
//! ```text
//! Active Internet connections (including servers)
//! Proto Recv-Q Send-Q Local Address          Foreign Address        (state)
//! tcp4       0      0 192.0.2.10.22          198.51.100.7.50122     ESTABLISHED
//! tcp46      0      0 *.80                   *.*                    LISTEN
//! udp6       0      0 fe80::1%lo0.123        *.*
//! ```
//!
//! macOS prints the same `-an` layout; the FreeBSD-only columns (`Tcpcb`, `Rexmit`, `R-MBUF`)
//! and the `Active UNIX domain sockets` title tell them apart (docs/import.md).

use super::bsd_endpoint;
use super::builder::Row;
use super::netstat_linux::fields_with_offsets;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol, TcpState};

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser {
    section: Section,
    columns: Columns,
    /// The notes of this block already say addresses may be cut / states were inferred.
    cut_noted: bool,
    state_noted: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before any title (a capture cut above it): read as the Internet section.
    #[default]
    Start,
    Internet,
    /// `netstat -L`: listeners and their queues.
    Listen,
    /// UNIX domain sockets, SCTP, Netgraph...: counted, not read.
    Other,
}

/// What the header announced.
#[derive(Debug, Clone, Copy)]
struct Columns {
    /// `-A`: a PCB address before Proto.
    pcb: bool,
    /// `-T`: Rexmit OOORcv 0-win (TCP rows only) instead of Recv-Q Send-Q, and no state.
    counters: bool,
    /// `-x`: buffer and timer columns after the addresses, and no state.
    extended: bool,
    /// `-L`: `qlen/incqlen/maxqlen` and the local address only.
    listen: bool,
    /// Width of an address column: longer text was cut (22; 18 with `-A`; 45 with `-W`).
    width: usize,
}

impl Default for Columns {
    fn default() -> Columns {
        Columns {
            pcb: false,
            counters: false,
            extended: false,
            listen: false,
            width: 22,
        }
    }
}

const TITLE: &str = "Active Internet connections";
const LISTEN_TITLE: &str = "Current listen queue sizes";

/// How much a line looks like FreeBSD `netstat` output.
pub fn score(line: &str) -> u32 {
    let t = line.trim();
    if t == TITLE || t == "Active Internet connections (including servers)" {
        return 4;
    }
    if t.starts_with(LISTEN_TITLE) || t == "Active UNIX domain sockets" {
        return 4;
    }
    let f: Vec<&str> = t.split_whitespace().collect();
    if f.first() == Some(&"Tcpcb") && f.contains(&"Proto") {
        return 6;
    }
    if f.first() == Some(&"Proto") {
        if f.contains(&"R-MBUF") || (f.contains(&"Rexmit") && f.contains(&"OOORcv")) {
            return 6;
        }
        if f.contains(&"(state)") {
            return 3;
        }
    }
    let f = match f.first() {
        Some(first) if is_pcb(first) && f.len() > 1 => &f[1..],
        _ => &f[..],
    };
    match f.first().and_then(|p| proto(p)) {
        // A bare `tcp` is Linux's spelling; FreeBSD always adds the family.
        Some((_, Some(_)))
            if f.len() >= 3
                && f[1..].iter().any(|a| {
                    bsd_endpoint::parse_plain(a, Protocol::Tcp).is_ok() && a.contains('.')
                }) =>
        {
            2
        }
        _ => 0,
    }
}

/// `tcp4`, `tcp46`, `toe4` (TCP offload), `sdp4`, `udp6`: protocol and family.
fn proto(word: &str) -> Option<(Protocol, Option<Family>)> {
    let (proto, v) = ["tcp", "toe", "sdp", "udp"]
        .iter()
        .find_map(|name| word.strip_prefix(name).map(|v| (*name, v)))?;
    let proto = if proto == "udp" {
        Protocol::Udp
    } else {
        Protocol::Tcp
    };
    let family = match v {
        "4" => Some(Family::Ipv4),
        // A dual-stack socket is an IPv6 socket that also takes IPv4.
        "6" | "46" => Some(Family::Ipv6),
        "" => None,
        _ => return None,
    };
    Some((proto, family))
}

/// A kernel address (`-A`): hex digits, 8 or 16 of them.
fn is_pcb(word: &str) -> bool {
    word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit())
}

fn is_number(word: &str) -> bool {
    word.parse::<u64>().is_ok()
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.as_str();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        if trimmed.starts_with(TITLE) || trimmed.starts_with(LISTEN_TITLE) {
            out.new_block();
            self.section = if trimmed.starts_with(TITLE) {
                Section::Internet
            } else {
                Section::Listen
            };
            self.cut_noted = false;
            self.state_noted = false;
            return Ok(());
        }
        if trimmed.starts_with("Active ")
            || trimmed.starts_with("Netgraph sockets")
            || trimmed.starts_with("Registered kernel control modules")
        {
            // UNIX domain sockets, SCTP associations, Netgraph...
            self.section = Section::Other;
            return Ok(());
        }
        if trimmed.starts_with("Some ") && trimmed.contains("sockets may have been") {
            // The table changed while netstat read it: what it printed is still right.
            return Ok(());
        }
        let fields = fields_with_offsets(text);
        let first = fields.first().map_or("", |f| f.1);
        if self.section == Section::Other {
            if !matches!(first, "Address" | "Proto" | "Kcb" | "Type") {
                out.info.other_sockets += 1;
            }
            return Ok(());
        }
        if first == "Proto" || first == "Tcpcb" {
            out.saw_header = true;
            self.columns = header_columns(text, self.section == Section::Listen);
            return Ok(());
        }
        let words: Vec<&str> = fields.iter().map(|f| f.1).collect();
        let words = if self.columns.pcb || (is_pcb(first) && words.len() > 1) {
            if !is_pcb(first) {
                return Err(format!("`{first}` is not a PCB address (-A)"));
            }
            &words[1..]
        } else {
            &words[..]
        };
        let Some(&name) = words.first() else {
            return Ok(());
        };
        let Some((proto, family)) = proto(name) else {
            if name.len() <= 8
                && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric())
            {
                // sctp4, raw sockets (ip4), divert...: not TCP/UDP.
                out.info.other_sockets += 1;
                return Ok(());
            }
            return Err("not a FreeBSD netstat row".to_string());
        };
        let row = self.parse_row(proto, family, &words[1..], out)?;
        out.row(row);
        Ok(())
    }
}

impl Parser {
    fn parse_row(
        &mut self,
        proto: Protocol,
        family: Option<Family>,
        rest: &[&str],
        out: &mut Emitter,
    ) -> Result<Row, String> {
        let c = self.columns;
        let listen = c.listen || self.section == Section::Listen;
        let mut rest = rest;
        let mut queue = None;
        if listen {
            let q = rest.first().ok_or("row cut short")?;
            let sizes: Vec<u32> = q
                .split('/')
                .map(|n| n.parse::<u32>().ok())
                .collect::<Option<_>>()
                .filter(|v: &Vec<u32>| v.len() == 3)
                .ok_or_else(|| format!("`{q}` is not qlen/incqlen/maxqlen"))?;
            // qlen waits for accept(); incqlen is still in the handshake; maxqlen the backlog.
            queue = Some((sizes[0], sizes[2]));
            rest = &rest[1..];
        } else if c.counters {
            // TCP rows have three counters; other protocols print blanks there.
            if proto == Protocol::Tcp {
                if rest.len() < 3 || !rest[..3].iter().all(|w| is_number(w)) {
                    return Err("Rexmit/OOORcv/0-win are not numbers".to_string());
                }
                rest = &rest[3..];
            }
        } else {
            for name in ["Recv-Q", "Send-Q"] {
                let q = rest.first().ok_or("row cut short")?;
                if !is_number(q) {
                    return Err(format!("{name} `{q}` is not a number"));
                }
                rest = &rest[1..];
            }
        }
        let local_text = rest.first().ok_or("no local address")?;
        let local = bsd_endpoint::parse_plain(local_text, proto)
            .map_err(|e| format!("local address {e}"))?;
        let mut cut = bsd_endpoint::fills_column(local_text, c.width);
        let remote = if listen {
            rest = &rest[1..];
            None
        } else {
            let text = rest.get(1).ok_or("no foreign address")?;
            cut |= bsd_endpoint::fills_column(text, c.width);
            rest = &rest[2..];
            Some(
                bsd_endpoint::parse_plain(text, proto)
                    .map_err(|e| format!("foreign address {e}"))?,
            )
        };
        if cut && !self.cut_noted {
            self.cut_noted = true;
            out.info.notes.push(format!(
                "some addresses fill netstat's {}-character column and may have been cut short (capture with -W)",
                c.width
            ));
        }
        let mut row = Row::new(proto, local, remote);
        row.family = family;
        row.listen_queue = queue;
        if proto == Protocol::Udp {
            return Ok(row);
        }
        let state_column = !(listen || c.counters || c.extended);
        row.state = if listen {
            Some(TcpState::Listen)
        } else if state_column {
            let word = rest.first().ok_or("TCP row without a state")?;
            rest = &rest[1..];
            // `*` marks T/TCP's hidden NEEDSYN/NEEDFIN flag; a number is a state netstat
            // has no name for.
            let word = word.trim_end_matches('*');
            Some(match TcpState::parse(word) {
                Some(s) => s,
                None if is_number(word) => TcpState::Unknown,
                None => return Err(format!("unknown TCP state `{word}`")),
            })
        } else {
            if !self.state_noted {
                self.state_noted = true;
                out.info.notes.push(
                    "netstat -x/-T prints no TCP state: sockets without a peer are read as LISTEN, the others as UNKNOWN"
                        .to_string(),
                );
            }
            Some(if row.remote.as_ref().is_none_or(|r| r.is_unset()) {
                TcpState::Listen
            } else {
                TcpState::Unknown
            })
        };
        if state_column && let Some(extra) = rest.first() {
            return Err(format!("unexpected field `{extra}`"));
        }
        Ok(row)
    }
}

/// The columns a header announces; the address width from where its columns start.
fn header_columns(header: &str, listen: bool) -> Columns {
    let words: Vec<&str> = header.split_whitespace().collect();
    let pcb = words.first() == Some(&"Tcpcb");
    let mut width = if pcb { 18 } else { 22 };
    if let (Some(l), Some(f)) = (header.find("Local Address"), header.find("Foreign Address"))
        && f > l
    {
        // `-W` widens the columns to 45.
        width = (f - l - 1).max(width);
    }
    Columns {
        pcb,
        counters: words.contains(&"Rexmit"),
        extended: words.contains(&"R-MBUF"),
        listen: listen || (words.contains(&"Listen") && !words.contains(&"Foreign")),
        width,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lines: &[&str]) -> (Vec<Row>, Vec<String>, usize) {
        let (out, errors) = crate::collect::import::emitter::feed(&mut Parser::default(), lines);
        (out.rows.clone(), errors, out.info.other_sockets)
    }

    #[test]
    fn tricky_rows() {
        let (rows, errors, other) = parse(&[
            "Active Internet connections (including servers)",
            "Proto Recv-Q Send-Q Local Address          Foreign Address        (state)",
            "tcp4       0      0 192.0.2.10.22          198.51.100.7.50122     ESTABLISHED*",
            "tcp46      0      0 *.80                   *.*                    LISTEN",
            "toe4       0      0 192.0.2.10.443         203.0.113.9.40000      17",
            "udp6       0      0 fe80::1%lo0.123        *.*",
            "sctp4      0      0 *.9899                 *.*                    LISTEN",
            "tcp4       0      0 192.0.2.10.22          nonsense",
            "Active UNIX domain sockets",
            "Address          Type   Recv-Q Send-Q            Inode             Conn             Refs          Nextref Addr",
            "fffff80003a1e000 stream      0      0                0 fffff80003a1e100                0                0",
        ]);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].state, Some(TcpState::Established));
        assert_eq!(rows[1].family, Some(Family::Ipv6));
        assert_eq!(rows[1].local.port, Some(80));
        assert_eq!(rows[2].state, Some(TcpState::Unknown));
        assert_eq!(rows[3].proto, Protocol::Udp);
        assert_eq!(rows[3].state, None);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(other, 2);
    }

    #[test]
    fn counters_pcb_and_extended() {
        let (rows, errors, _) = parse(&[
            "Active Internet connections (including servers)",
            "Tcpcb            Proto Rexmit OOORcv 0-win  Local Address      Foreign Address",
            "fffff80012345000 tcp4       2      0     0  192.0.2.10.22      198.51.100.7.50122",
            "fffff80012346000 udp4                       *.514              *.*",
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].state, Some(TcpState::Unknown));
        assert_eq!(rows[1].local.port, Some(514));
        let (rows, errors, _) = parse(&[
            "Proto Recv-Q Send-Q Local Address          Foreign Address        R-MBUF S-MBUF R-CLUS S-CLUS R-HIWA S-HIWA R-LOWA S-LOWA R-BCNT S-BCNT R-BMAX S-BMAX   rexmt persist    keep    2msl  delack rcvtime",
            "tcp4       0      0 *.22                   *.*                         0      0      0      0  65536  32768      1   2048      0      0 524288 262144    0.00    0.00    0.00    0.00    0.00 1234.56",
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].state, Some(TcpState::Listen));
    }

    #[test]
    fn listen_queues() {
        let (rows, errors, _) = parse(&[
            "Current listen queue sizes (qlen/incqlen/maxqlen)",
            "Proto Listen                           Local Address",
            "tcp4  0/0/128                          *.22",
            "tcp6  1/0/511                          ::1.8080",
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.state == Some(TcpState::Listen)));
        assert_eq!(rows[1].listen_queue, Some((1, 511)));
    }

    #[test]
    fn scores() {
        assert_eq!(score("Active Internet connections (including servers)"), 4);
        assert_eq!(
            score("tcp4       0      0 127.0.0.1.25           *.*        LISTEN"),
            2
        );
        assert_eq!(
            score("tcp        0      0 0.0.0.0:22   0.0.0.0:*   LISTEN"),
            0
        );
        assert_eq!(
            score("Proto Recv-Q Send-Q Local Address           Foreign Address         State"),
            0
        );
    }
}
