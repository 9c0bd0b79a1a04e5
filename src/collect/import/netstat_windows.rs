//! Windows `netstat`: `-an`, `-ano`, `-abno` (owner lines under each row), `-anbv` (Windows XP
//! component paths), `-t` (offload state column), `-on 5` (repeated listings), localized
//! titles and headers, German state words, host and service names without `-n`.
//!
//! ```text
//! Active Connections
//!
//!   Proto  Local Address          Foreign Address        State           PID
//!   TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712
//!   RpcSs
//!  [svchost.exe]
//!   UDP    [fe80::1%12]:1900      *:*                                    3344
//! ```

use super::builder::{Owner, Row};
use super::endpoint;
use super::locale;
use super::text::{Line, repair_cp866_read_as_cp1251};
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol};

/// Offload states of `netstat -t`'s extra column.
const OFFLOAD: &[&str] = &["InHost", "Offloaded", "Offloading", "Uploading"];

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser {
    /// The previous line was a row or one of its owner lines: owner lines may follow.
    after_row: bool,
    /// A title was seen and no row yet: the next non-row line is the column header, in
    /// whatever language.
    expect_header: bool,
    /// Owner lines read so far for the last row (`-b`): services and component paths come
    /// before `[image.exe]`.
    services: Vec<String>,
    paths: Vec<String>,
    /// An unknown-language ownership message was already noted.
    noted_unknown_phrase: bool,
}

/// How much a line looks like Windows `netstat` output (for format detection).
pub fn score(line: &str) -> u32 {
    let trimmed = line.trim();
    if is_title(trimmed) {
        return 5;
    }
    let f: Vec<&str> = trimmed.split_whitespace().collect();
    match f.first() {
        Some(&("TCP" | "UDP")) if f.len() >= 3 && line.starts_with(' ') && f[1].contains(':') => 2,
        Some(first) if is_header_word(first) && f.len() >= 4 && !line.contains("Recv-Q") => 2,
        _ => 0,
    }
}

fn is_title(trimmed: &str) -> bool {
    let matches = |t: &str| {
        locale::WINDOWS_TITLES
            .iter()
            .any(|w| t.eq_ignore_ascii_case(w))
    };
    if matches(trimmed) {
        return true;
    }
    !trimmed.is_ascii() && repair_cp866_read_as_cp1251(trimmed).is_some_and(|t| matches(&t))
}

fn is_header_word(word: &str) -> bool {
    locale::WINDOWS_PROTO_HEADERS.contains(&word)
}

fn header_first_word(trimmed: &str) -> Option<String> {
    let first = trimmed.split_whitespace().next()?;
    if is_header_word(first) {
        return Some(first.to_string());
    }
    if first.is_ascii() {
        return None;
    }
    let repaired = repair_cp866_read_as_cp1251(trimmed)?;
    let word = repaired.split_whitespace().next()?.to_string();
    is_header_word(&word).then_some(word)
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.as_str();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            // XP's -v prints a blank line after each row's owner lines.
            return Ok(());
        }
        if is_title(trimmed) {
            self.finish_owner();
            out.new_block();
            self.after_row = false;
            self.expect_header = true;
            return Ok(());
        }
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        let first = fields.first().copied().unwrap_or_default();
        if matches!(first, "TCP" | "UDP") {
            self.finish_owner();
            let row = parse_row(&fields)?;
            if !row.owners.is_empty() {
                out.info.has_owner_column = true;
            }
            out.row(row);
            self.after_row = true;
            self.expect_header = false;
            return Ok(());
        }
        if header_first_word(trimmed).is_some() || self.expect_header {
            self.finish_owner();
            // A header without a title before it (a trimmed capture) still starts a listing.
            out.new_block();
            out.saw_header = true;
            if trimmed.ends_with("PID") {
                out.info.has_owner_column = true;
            }
            self.expect_header = false;
            self.after_row = false;
            return Ok(());
        }
        if trimmed == "^C" {
            // `netstat -on 5` stopped with Ctrl-C.
            return Ok(());
        }
        if self.after_row && text.starts_with(char::is_whitespace) {
            // netstat -b indents its owner lines.
            return self.owner_line(trimmed, out);
        }
        Err("not a netstat row, title or header".to_string())
    }
}

impl Parser {
    /// One line under a row with `-b`: a service name, a component path, `[image.exe]`, or
    /// the message that the owner could not be read.
    fn owner_line(&mut self, trimmed: &str, out: &mut Emitter) -> Result<(), String> {
        out.info.has_owner_column = true;
        if let Some(image) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let image = image.trim();
            if image.is_empty() {
                return Err("empty [image] owner line".to_string());
            }
            let exe = self
                .paths
                .iter()
                .rev()
                .find(|p| {
                    p.rsplit(['\\', '/'])
                        .next()
                        .is_some_and(|f| f.eq_ignore_ascii_case(image))
                })
                .cloned();
            let services = std::mem::take(&mut self.services);
            self.paths.clear();
            let Some(row) = out.last_row() else {
                return Err("owner line before any row".to_string());
            };
            match row.owners.first_mut() {
                Some(owner) if owner.pid != 0 => {
                    owner.name = Some(image.to_string());
                    owner.exe = exe;
                    owner.services = services;
                }
                _ => row.program = Some(image.to_string()),
            }
            return Ok(());
        }
        if trimmed.starts_with("--") && trimmed.ends_with("--") {
            // XP: "-- unknown component(s) --".
            return Ok(());
        }
        if is_path(trimmed) {
            self.paths.push(trimmed.to_string());
            return Ok(());
        }
        if locale::NO_OWNER_INFO
            .iter()
            .any(|p| p.eq_ignore_ascii_case(trimmed))
        {
            out.info.owner_unreadable += 1;
            self.services.clear();
            self.paths.clear();
            return Ok(());
        }
        if !trimmed.contains(char::is_whitespace) {
            if trimmed
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '$' | '@'))
            {
                self.services.push(trimmed.to_string());
                return Ok(());
            }
            return Err(format!("`{trimmed}` is not a service name"));
        }
        if !trimmed.contains(':') && !trimmed.chars().any(|c| c.is_ascii_digit()) {
            // Several words where netstat -b puts its "cannot obtain ownership" message: the
            // same message in a language we have no translation for.
            out.info.owner_unreadable += 1;
            if !self.noted_unknown_phrase {
                self.noted_unknown_phrase = true;
                out.info.notes.push(format!(
                    "`{}` read as \"Can not obtain ownership information\"",
                    crate::text::escape::for_terminal(trimmed)
                ));
            }
            return Ok(());
        }
        Err("not a netstat row or -b owner line".to_string())
    }

    /// Services seen without an `[image]` line after them are dropped with the row's owner.
    fn finish_owner(&mut self) {
        self.services.clear();
        self.paths.clear();
    }
}

fn is_path(text: &str) -> bool {
    let bytes = text.as_bytes();
    (bytes.len() > 3 && bytes[1] == b':' && (bytes[2] == b'\\' || bytes[2] == b'/'))
        || text.starts_with("\\\\")
        || text.starts_with("\\??\\")
}

fn parse_row(fields: &[&str]) -> Result<Row, String> {
    let proto = match fields[0] {
        "TCP" => Protocol::Tcp,
        _ => Protocol::Udp,
    };
    if fields.len() < 3 {
        return Err("row cut short: no foreign address".to_string());
    }
    let local = endpoint::parse(fields[1], proto).map_err(|e| format!("local address {e}"))?;
    let remote = endpoint::parse(fields[2], proto).map_err(|e| format!("foreign address {e}"))?;
    let mut row = Row::new(proto, local, Some(remote));
    if fields[1].starts_with('[') {
        row.family = Some(Family::Ipv6);
    }
    let mut rest = fields[3..].iter().peekable();
    if proto == Protocol::Tcp {
        let word = rest
            .next()
            .ok_or_else(|| "TCP row without a state".to_string())?;
        row.state = Some(locale::state(word).ok_or_else(|| format!("unknown TCP state `{word}`"))?);
    }
    for field in rest {
        if let Ok(pid) = field.parse::<u32>() {
            if !row.owners.is_empty() {
                return Err(format!("two PIDs (`{field}`)"));
            }
            row.owners.push(Owner {
                pid,
                ..Owner::default()
            });
        } else if OFFLOAD.iter().any(|o| o.eq_ignore_ascii_case(field)) {
            // netstat -t: where the connection is handled; nothing to audit.
        } else {
            return Err(format!("unexpected field `{field}`"));
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let row = parse_row(&["TCP", "0.0.0.0:135", "0.0.0.0:0", "LISTENING", "1712"]).unwrap();
        assert_eq!(row.owners[0].pid, 1712);
        let row = parse_row(&["UDP", "[fe80::1%12]:1900", "*:*", "3344"]).unwrap();
        assert_eq!(row.state, None);
        assert!(parse_row(&["TCP", "0.0.0.0:135", "0.0.0.0:0"]).is_err());
        assert!(parse_row(&["TCP", "0.0.0.0:135", "0.0.0.0:0", "LISTENING", "x"]).is_err());
        assert!(parse_row(&["TCP", "0.0.0.0:135"]).is_err());
        let row = parse_row(&[
            "TCP",
            "127.0.0.1:2869",
            "127.0.0.1:49842",
            "HERGESTELLT",
            "InHost",
        ])
        .unwrap();
        assert!(row.owners.is_empty());
    }

    #[test]
    fn scores() {
        assert_eq!(score("Active Connections"), 5);
        assert_eq!(
            score("  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712"),
            2
        );
        assert_eq!(score("tcp        0      0 0.0.0.0:22"), 0);
        assert_eq!(score("ЂЄвЁў\u{AD}лҐ Ї®¤Є«озҐ\u{AD}Ёп"), 5);
    }
}
