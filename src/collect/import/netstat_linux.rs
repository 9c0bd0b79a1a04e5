//! Linux net-tools `netstat`: `-an`, `-tunap`, `-alpn`, `-tulpen` (User and Inode), `-o`
//! (Timer), `tcp6`/`udp6`, `PID/Program name` with `-` and names with spaces, the `Active UNIX
//! domain sockets` section skipped, old IPv6 spellings (`:::22`), localized titles and states.
//!
//! ```text
//! Active Internet connections (servers and established)
//! Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
//! tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      812/sshd: /usr/sbin
//! udp        0      0 0.0.0.0:68              0.0.0.0:*                           600/dhclient
//! ```

use super::builder::{Owner, Row};
use super::endpoint;
use super::locale;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol};

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser {
    /// Inside the Internet section (not UNIX, Bluetooth...).
    other_section: bool,
    /// Columns announced by the header.
    columns: Option<Columns>,
    /// Inside net-tools' two-line "(Not all processes could be identified ...)" message.
    in_parenthesis: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Columns {
    user_inode: bool,
    program: bool,
    timer: bool,
}

/// How much a line looks like Linux `netstat` output.
pub fn score(line: &str) -> u32 {
    // BSD netstat shares the title and most of the header: its `(including servers)`, bare
    // title and `(state)` column are not net-tools'.
    let trimmed = line.trim();
    if trimmed == "Active Internet connections"
        || trimmed.ends_with("(including servers)")
        || line.contains("(state)")
    {
        return 0;
    }
    if locale::LINUX_TITLES.iter().any(|t| line.starts_with(t)) {
        return 5;
    }
    if line.starts_with("Proto") && (line.contains("Recv-Q") || line.contains("RefCnt")) {
        return 3;
    }
    let f: Vec<&str> = line.split_whitespace().collect();
    match f.first() {
        Some(&("tcp" | "tcp6" | "udp" | "udp6"))
            if f.len() >= 5
                && f[1].parse::<u64>().is_ok()
                && f[2].parse::<u64>().is_ok()
                && is_host_port(f[3]) =>
        {
            2
        }
        _ => 0,
    }
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.as_str();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        if self.in_parenthesis {
            self.in_parenthesis = !trimmed.ends_with(')');
            return Ok(());
        }
        if trimmed.starts_with('(') {
            // "(Not all processes could be identified, non-owned process info will not be
            // shown, you would have to be root to see it all.)", in any language.
            out.info.not_root = true;
            self.in_parenthesis = !trimmed.ends_with(')');
            return Ok(());
        }
        if locale::LINUX_TITLES.iter().any(|t| trimmed.starts_with(t)) {
            out.new_block();
            self.other_section = false;
            return Ok(());
        }
        let fields = fields_with_offsets(text);
        let first = fields.first().map_or("", |f| f.1);
        if first == "Proto" || first.starts_with("Proto") {
            if !self.other_section {
                out.saw_header = true;
                self.columns = Some(header_columns(trimmed));
                if self.columns.is_some_and(|c| c.program) {
                    out.info.has_owner_column = true;
                }
            }
            return Ok(());
        }
        match first {
            "tcp" | "tcp6" | "udp" | "udp6" => {
                let row = self.parse_row(text, &fields)?;
                out.row(row);
                Ok(())
            }
            "raw" | "raw6" | "unix" | "udpl" | "udpl6" | "udplite" | "udplite6" | "sctp" => {
                out.info.other_sockets += 1;
                Ok(())
            }
            _ if self.other_section => {
                out.info.other_sockets += 1;
                Ok(())
            }
            _ if ["UNIX", "Bluetooth", "AX.25", "IPX", "NET/ROM", "X.25"]
                .iter()
                .any(|w| trimmed.contains(w)) =>
            {
                // Another section (UNIX domain sockets, Bluetooth...), in any language.
                self.other_section = true;
                Ok(())
            }
            _ => Err("not a netstat row".to_string()),
        }
    }
}

impl Parser {
    fn parse_row(&self, text: &str, fields: &[(usize, &str)]) -> Result<Row, String> {
        if fields.len() < 5 {
            return Err("row cut short".to_string());
        }
        let (proto, family) = match fields[0].1 {
            "tcp" => (Protocol::Tcp, None),
            "tcp6" => (Protocol::Tcp, Some(Family::Ipv6)),
            "udp" => (Protocol::Udp, None),
            _ => (Protocol::Udp, Some(Family::Ipv6)),
        };
        for (i, name) in [(1, "Recv-Q"), (2, "Send-Q")] {
            if fields[i].1.parse::<u64>().is_err() {
                return Err(format!("{name} `{}` is not a number", fields[i].1));
            }
        }
        let local =
            endpoint::parse(fields[3].1, proto).map_err(|e| format!("local address {e}"))?;
        let remote =
            endpoint::parse(fields[4].1, proto).map_err(|e| format!("foreign address {e}"))?;
        let mut row = Row::new(proto, local, Some(remote));
        row.family = family;
        let mut i = 5;
        // State: always for TCP; UDP shows ESTABLISHED when connected, else nothing.
        let two = fields
            .get(i)
            .zip(fields.get(i + 1))
            .map(|(a, b)| format!("{} {}", a.1, b.1));
        if let Some(state) = two
            .as_deref()
            .and_then(|t| (t == "POSLEDNÍ ACK").then(|| locale::state(t)).flatten())
        {
            row.state = Some(state);
            i += 2;
        } else if let Some(state) = fields.get(i).and_then(|f| locale::state(f.1)) {
            row.state = Some(state);
            i += 1;
        } else if proto == Protocol::Tcp {
            return Err(match fields.get(i) {
                Some(f) => format!("unknown TCP state `{}`", f.1),
                None => "TCP row without a state".to_string(),
            });
        }
        if proto == Protocol::Udp {
            // A UDP socket has no TCP state, whatever netstat prints for a connected one.
            row.state = None;
        }
        let rest = &fields[i..];
        let columns = self.columns.unwrap_or_else(|| guess_columns(rest));
        let mut rest = rest;
        if columns.timer && rest.len() >= 2 && rest[rest.len() - 1].1.starts_with('(') {
            rest = &rest[..rest.len() - 2];
        }
        if columns.user_inode {
            if rest.len() < 2 {
                return Err("User and Inode columns missing".to_string());
            }
            let user = rest[0].1;
            row.uid = user.parse::<u32>().ok();
            row.inode = Some(
                rest[1]
                    .1
                    .parse::<u64>()
                    .map_err(|_| format!("Inode `{}` is not a number", rest[1].1))?,
            );
            rest = &rest[2..];
        }
        if columns.program
            && let Some(&(start, _)) = rest.first()
        {
            let end = rest.last().map_or(start, |(s, f)| s + f.len());
            let program = text[start..end].trim();
            if program != "-" {
                let (pid, name) = program
                    .split_once('/')
                    .ok_or_else(|| format!("`{program}` is not PID/Program"))?;
                let pid = pid
                    .parse::<u32>()
                    .map_err(|_| format!("`{program}` is not PID/Program"))?;
                row.owners.push(Owner {
                    pid,
                    name: (!name.trim().is_empty()).then(|| name.trim().to_string()),
                    ..Owner::default()
                });
            }
            rest = &[];
        }
        if let Some(extra) = rest.first() {
            return Err(format!("unexpected field `{}`", extra.1));
        }
        Ok(row)
    }
}

/// `addr:port` as net-tools prints it; BSD's `::1.25` ends in a dot and a number instead.
fn is_host_port(field: &str) -> bool {
    field
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && !port.contains('.'))
}

fn header_columns(header: &str) -> Columns {
    Columns {
        user_inode: locale::LINUX_USER_HEADERS
            .iter()
            .any(|w| header.contains(w)),
        program: header.contains("PID/"),
        timer: locale::LINUX_TIMER_HEADERS
            .iter()
            .any(|w| header.contains(w)),
    }
}

/// Without a header (a trimmed capture): a `PID/name` or `-` field starts the program column;
/// two numbers before it are User and Inode.
fn guess_columns(rest: &[(usize, &str)]) -> Columns {
    let program_at = rest.iter().position(|(_, f)| {
        *f == "-"
            || f.split_once('/')
                .is_some_and(|(p, _)| p.parse::<u32>().is_ok())
    });
    let timer = rest
        .last()
        .is_some_and(|(_, f)| f.starts_with('(') && f.ends_with(')'));
    let user_inode = match program_at {
        Some(i) => i >= 2,
        None => rest.len() >= 2 && rest[1].1.parse::<u64>().is_ok(),
    };
    Columns {
        user_inode,
        program: program_at.is_some(),
        timer,
    }
}

/// Whitespace-separated fields with their byte offsets (to cut program names with spaces).
pub fn fields_with_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(
            fields_with_offsets(" a  bc d"),
            vec![(1, "a"), (4, "bc"), (7, "d")]
        );
    }

    #[test]
    fn bsd_netstat_is_not_claimed() {
        for line in [
            "Active Internet connections (including servers)",
            "Active Internet connections",
            "Proto Recv-Q Send-Q Local Address          Foreign Address        (state)",
            "tcp6       0      0 ::1.25                 *.*                    LISTEN",
            "tcp6       0      0 fe80::1%lo0.123        *.*",
        ] {
            assert_eq!(score(line), 0, "{line}");
        }
        assert_eq!(
            score("tcp6       0      0 :::22                   :::*                    LISTEN"),
            2
        );
    }

    #[test]
    fn headers() {
        let c = header_columns(
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer",
        );
        assert!(c.user_inode && c.program && c.timer);
    }
}
