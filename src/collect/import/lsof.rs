//! `lsof -i -nP` on Linux and macOS: one line per process and file descriptor.
//!
//! ```text
//! COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME
//! sshd      812 root    3u  IPv4  23456      0t0  TCP *:22 (LISTEN)
//! curl     4242 alice   5u  IPv4  45678      0t0  TCP 10.0.0.5:50522->93.184.216.34:443 (ESTABLISHED)
//! ```
//!
//! A socket held by several processes (after `fork`) appears once per holder with the same
//! DEVICE: the rows merge into one socket with every owner. On Linux DEVICE is the socket
//! inode; on macOS it is a kernel address.

use super::builder::{Owner, Row};
use super::endpoint::{self, Endpoint};
use super::locale;
use super::netstat_linux::fields_with_offsets;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol, TcpState};

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser;

/// How much a line looks like `lsof -i` output.
pub fn score(line: &str) -> u32 {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.first() == Some(&"COMMAND") && f.contains(&"PID") && f.contains(&"NAME") {
        return 5;
    }
    if f.len() >= 8
        && f[1].parse::<u32>().is_ok()
        && f.iter().any(|w| matches!(*w, "IPv4" | "IPv6"))
        && f.iter().any(|w| matches!(*w, "TCP" | "UDP"))
    {
        return 3;
    }
    0
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.as_str();
        let fields = fields_with_offsets(text);
        let Some(&(_, first)) = fields.first() else {
            return Ok(());
        };
        if first == "COMMAND" {
            out.new_block();
            out.saw_header = true;
            out.info.has_owner_column = true;
            return Ok(());
        }
        let type_at = fields
            .iter()
            .position(|(_, f)| matches!(*f, "IPv4" | "IPv6"))
            .filter(|i| *i >= 3)
            .ok_or("no IPv4/IPv6 TYPE column: not an lsof -i row")?;
        let node_at = fields
            .iter()
            .skip(type_at + 1)
            .position(|(_, f)| matches!(*f, "TCP" | "UDP" | "UDPLITE"))
            .map(|i| i + type_at + 1)
            .ok_or("no TCP/UDP NODE column")?;
        let proto = match fields[node_at].1 {
            "TCP" => Protocol::Tcp,
            "UDP" => Protocol::Udp,
            _ => {
                out.info.other_sockets += 1;
                return Ok(());
            }
        };
        let pid: u32 = fields[1]
            .1
            .parse()
            .map_err(|_| format!("PID `{}` is not a number", fields[1].1))?;
        let fd_text = fields[type_at - 1].1;
        let fd = fd_text
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse::<u32>()
            .ok();
        let user = fields[type_at - 2].1;
        let device = (node_at > type_at + 1).then(|| fields[type_at + 1].1);
        let name_start = fields
            .get(node_at + 1)
            .map(|(s, _)| *s)
            .ok_or("no NAME column")?;
        let name = text[name_start..].trim();
        let (addresses, state) = match name.rsplit_once(" (") {
            Some((a, s)) => (
                a.trim(),
                Some(s.strip_suffix(')').ok_or("state without `)`")?),
            ),
            None => (name, None),
        };
        let (local, remote) = match addresses.split_once("->") {
            Some((l, r)) => (
                endpoint::parse(l, proto).map_err(|e| format!("local address {e}"))?,
                Some(endpoint::parse(r, proto).map_err(|e| format!("remote address {e}"))?),
            ),
            None => (
                endpoint::parse(addresses, proto).map_err(|e| format!("address {e}"))?,
                None::<Endpoint>,
            ),
        };
        let mut row = Row::new(proto, local, remote);
        row.family = Some(if fields[type_at].1 == "IPv6" {
            Family::Ipv6
        } else {
            Family::Ipv4
        });
        row.state = match (proto, state) {
            (Protocol::Tcp, Some(s)) => Some(
                locale::state(s)
                    .or_else(|| (s == "IDLE").then_some(TcpState::Close))
                    .ok_or_else(|| format!("unknown TCP state `{s}`"))?,
            ),
            (Protocol::Tcp, None) => Some(TcpState::Unknown),
            (Protocol::Udp, _) => None,
        };
        if let Some(device) = device {
            // Linux: DEVICE is the socket inode (what `ss -e` prints as ino:).
            row.inode = device.parse::<u64>().ok();
            row.merge_key = Some(format!("{device} {}", fields[node_at].1));
        }
        row.owners.push(Owner {
            pid,
            name: Some(unescape(first).trim_end().to_string()),
            user: Some(user.to_string()),
            fd,
            ..Owner::default()
        });
        out.row(row);
        Ok(())
    }
}

/// lsof prints unprintable bytes and spaces in COMMAND as `\xNN`.
fn unescape(text: &str) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'\\'
            && tail.first() == Some(&b'x')
            && let Some(hex) = tail.get(1..3)
            && let Some(v) = std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            bytes.push(v);
            rest = &tail[3..];
            continue;
        }
        bytes.push(b);
        rest = tail;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_commands() {
        assert_eq!(unescape("Google\\x20Chrome"), "Google Chrome");
        assert_eq!(unescape("a\\x2"), "a\\x2");
        assert_eq!(unescape("plain"), "plain");
    }
}
