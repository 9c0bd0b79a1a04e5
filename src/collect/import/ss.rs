//! iproute2 `ss`: `-tunap`, `-tanp`, with and without the Netid column, `users:((...))` with
//! several owners, `%iface` scopes, `[::ffff:1.2.3.4]` mapped addresses, `-e` extras
//! (`uid:`, `ino:`, `sk:`, `cgroup:`, `v6only:`, `<->`), `-o` timers, ss's state spelling.
//!
//! ```text
//! Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
//! tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3)) ino:1234 sk:1 <->
//! ```

use super::builder::{Owner, Row};
use super::endpoint;
use super::locale;
use super::netstat_linux::fields_with_offsets;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Protocol, TcpState};

/// Socket kinds ss lists that are neither TCP nor UDP.
const OTHER_NETIDS: &[&str] = &[
    "raw", "u_str", "u_dgr", "u_seq", "nl", "p_raw", "p_dgr", "mptcp", "sctp", "tipc", "v_str",
    "v_dgr", "xdp", "icmp6", "icmp", "dccp", "u_sq",
];

/// ss's state words.
const SS_STATES: &[&str] = &[
    "ESTAB",
    "SYN-SENT",
    "SYN-RECV",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "TIME-WAIT",
    "UNCONN",
    "CLOSE-WAIT",
    "LAST-ACK",
    "LISTEN",
    "CLOSING",
    "UNKNOWN",
];

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser {
    /// Whether rows start with a Netid column; `None` until a header or row tells.
    netid: Option<bool>,
}

/// How much a line looks like `ss` output.
pub fn score(line: &str) -> u32 {
    let f: Vec<&str> = line.split_whitespace().collect();
    match f.as_slice() {
        ["Netid", "State", "Recv-Q", ..] | ["State", "Recv-Q", "Send-Q", ..] => 5,
        [netid, state, q1, q2, ..]
            if (matches!(*netid, "tcp" | "udp") || OTHER_NETIDS.contains(netid))
                && SS_STATES.contains(state)
                && q1.parse::<u64>().is_ok()
                && q2.parse::<u64>().is_ok() =>
        {
            3
        }
        [state, q1, q2, local, ..]
            if SS_STATES.contains(state)
                && q1.parse::<u64>().is_ok()
                && q2.parse::<u64>().is_ok()
                && local.contains(':') =>
        {
            2
        }
        _ => 0,
    }
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.as_str();
        let fields = fields_with_offsets(text);
        let Some(&(_, first)) = fields.first() else {
            return Ok(());
        };
        if first == "Netid" || (first == "State" && text.contains("Recv-Q")) {
            // A header: a second one means a second listing (ss run in a loop).
            out.new_block();
            out.saw_header = true;
            self.netid = Some(first == "Netid");
            if text.contains("Process") || text.contains("Users") {
                out.info.has_owner_column = true;
            }
            return Ok(());
        }
        let has_netid = match self.netid {
            Some(n) => n,
            None => !SS_STATES.contains(&first),
        };
        let (proto, rest) = if has_netid {
            match first {
                "tcp" => (Some(Protocol::Tcp), &fields[1..]),
                "udp" => (Some(Protocol::Udp), &fields[1..]),
                other if OTHER_NETIDS.contains(&other) => {
                    out.info.other_sockets += 1;
                    return Ok(());
                }
                other => return Err(format!("unknown Netid `{other}`")),
            }
        } else {
            (None, &fields[..])
        };
        if rest.len() < 5 {
            return Err("row cut short".to_string());
        }
        let state_word = rest[0].1;
        if !SS_STATES.contains(&state_word) {
            return Err(format!("unknown ss state `{state_word}`"));
        }
        // Without Netid (`ss -t` or `ss -u` alone): UNCONN is an unconnected UDP socket;
        // capture with both -t and -u to get the column and be sure.
        let proto = proto.unwrap_or(if state_word == "UNCONN" {
            Protocol::Udp
        } else {
            Protocol::Tcp
        });
        for (i, name) in [(1, "Recv-Q"), (2, "Send-Q")] {
            if rest[i].1.parse::<u64>().is_err() {
                return Err(format!("{name} `{}` is not a number", rest[i].1));
            }
        }
        let local = endpoint::parse(rest[3].1, proto).map_err(|e| format!("local address {e}"))?;
        let remote = endpoint::parse(rest[4].1, proto).map_err(|e| format!("peer address {e}"))?;
        let mut row = Row::new(proto, local, Some(remote));
        row.state = match proto {
            Protocol::Tcp => Some(locale::state(state_word).unwrap_or(TcpState::Unknown)),
            Protocol::Udp => None,
        };
        let extras_start = rest.get(5).map_or(text.len(), |(s, _)| *s);
        parse_extras(&text[extras_start..], &mut row)?;
        if !row.owners.is_empty() {
            out.info.has_owner_column = true;
        }
        out.row(row);
        Ok(())
    }
}

/// `users:((...)) uid:1000 ino:1234 sk:1 cgroup:/x v6only:1 <-> timer:(keepalive,1min,0)`.
fn parse_extras(mut text: &str, row: &mut Row) -> Result<(), String> {
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return Ok(());
        }
        if let Some(rest) = text.strip_prefix("users:(") {
            let (owners, after) = parse_users(rest)?;
            row.owners.extend(owners);
            text = after;
            continue;
        }
        if let Some(rest) = text.strip_prefix("timer:(") {
            let end = rest.find(')').ok_or("timer:( without `)`")?;
            text = &rest[end + 1..];
            continue;
        }
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        let word = &text[..end];
        text = &text[end..];
        if let Some(v) = word.strip_prefix("uid:") {
            row.uid = Some(v.parse().map_err(|_| format!("bad uid `{v}`"))?);
        } else if let Some(v) = word.strip_prefix("ino:") {
            let inode: u64 = v.parse().map_err(|_| format!("bad inode `{v}`"))?;
            // Request and TIME_WAIT sockets have inode 0: no fd holds them.
            row.inode = Some(inode);
        } else if word.contains(':') || matches!(word, "<->" | "-->" | "<--" | "---" | "<?>") {
            // sk:, cgroup:, v6only:, fwmark:, the shutdown arrows: nothing to audit.
        } else {
            return Err(format!("unexpected field `{word}`"));
        }
    }
}

/// `("sshd",pid=812,fd=3),("sshd",pid=813,fd=3))` → owners and the text after the `)`.
fn parse_users(mut text: &str) -> Result<(Vec<Owner>, &str), String> {
    let mut owners = Vec::new();
    loop {
        text = text
            .strip_prefix('(')
            .ok_or("users:( entry does not start with `(`")?;
        let rest = text.strip_prefix('"').ok_or("users:( name not quoted")?;
        // The name is everything up to `",`: process names may hold quotes and spaces.
        let close = rest
            .find("\",")
            .ok_or("users:( name without closing quote")?;
        let name = &rest[..close];
        let rest = &rest[close + 2..];
        let end = rest.find(')').ok_or("users:( entry without `)`")?;
        let mut owner = Owner {
            name: Some(name.to_string()),
            ..Owner::default()
        };
        let mut pid = None;
        for kv in rest[..end].split(',') {
            match kv.split_once('=') {
                Some(("pid", v)) => {
                    pid = Some(v.parse::<u32>().map_err(|_| format!("bad pid `{v}`"))?)
                }
                Some(("fd", v)) => {
                    owner.fd = Some(v.parse::<u32>().map_err(|_| format!("bad fd `{v}`"))?)
                }
                _ => {}
            }
        }
        owner.pid = pid.ok_or("users:( entry without pid=")?;
        owners.push(owner);
        text = &rest[end + 1..];
        if let Some(after) = text.strip_prefix(',') {
            text = after;
            continue;
        }
        let after = text
            .strip_prefix(')')
            .ok_or("users:( list without closing `)`")?;
        return Ok((owners, after));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users() {
        let (owners, rest) =
            parse_users("(\"master\",pid=1978854,fd=86),(\"smtpd\",pid=320188,fd=6)) ino:1")
                .unwrap();
        assert_eq!(owners.len(), 2);
        assert_eq!(owners[1].pid, 320188);
        assert_eq!(owners[0].fd, Some(86));
        assert_eq!(rest, " ino:1");
        let (owners, _) = parse_users("(\"Web Content\",pid=5,fd=1))").unwrap();
        assert_eq!(owners[0].name.as_deref(), Some("Web Content"));
        for bad in [
            "",
            "(",
            "(\"x\",pid=1,fd=2",
            "(\"x\",fd=2))",
            "(x,pid=1))",
            "(\"x\",pid=a,fd=1))",
        ] {
            assert!(parse_users(bad).is_err(), "{bad}");
        }
    }
}
