//! FreeBSD `sockstat`: `-46`, `-4`, `-6`, `-l` (listening), `-c` (connected), `-s` (the
//! `PATH STATE`/`CONN STATE` columns), `-n` (numeric users), `-i` (socket ID), `-w`, and the
//! FIB/SPLICE/ENCAPS/STACK/CC columns of newer releases (read past). One line per process and
//! descriptor holding a socket; `?` in USER COMMAND PID FD for a socket no descriptor holds.
//!
//! ```text
//! USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS
//! root     sshd        812  4   tcp6   *:22                  *:*
//! www      nginx      1201  6   tcp4   192.0.2.10:443        198.51.100.7:50122
//! ?        ?          ?     ?   tcp4   192.0.2.10:22         203.0.113.9:61000
//! ```
//!
//! Addresses are `addr:port` with IPv6 unbracketed (`::1:25`, `fe80::1%lo0:123`), `*` for
//! any address and `*` for port 0. UNIX (`stream`, `dgram`, `seqpac`) and SCTP sockets are
//! counted and skipped. A socket held by several processes (after `fork`) is one socket with
//! every holder.

use super::builder::{Owner, Row};
use super::endpoint;
use super::netstat_linux::fields_with_offsets;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol, TcpState};

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser {
    /// `-s`: a TCP state column.
    state_column: bool,
    /// `-i`: the socket's ID, which identifies it across holders.
    id_column: bool,
    /// `-f`: a FIB number before the ID.
    fib_column: bool,
    /// The last row was an SCTP association, whose further addresses follow on lines of
    /// their own.
    continuation: bool,
    /// This block's notes already say TCP states were inferred.
    state_noted: bool,
}

/// What the PROTO column says.
enum Kind {
    Inet(Protocol, Family),
    /// UNIX domain, SCTP, UDP-Lite...
    Other,
}

fn kind(word: &str) -> Option<Kind> {
    for (name, proto) in [("tcp", Some(Protocol::Tcp)), ("udp", Some(Protocol::Udp))] {
        if let Some(v) = word.strip_prefix(name) {
            let family = match v {
                "4" => Family::Ipv4,
                // A dual-stack socket is an IPv6 socket that also takes IPv4.
                "6" | "46" => Family::Ipv6,
                _ => continue,
            };
            return proto.map(|p| Kind::Inet(p, family));
        }
    }
    let other = ["stream", "dgram", "seqpac", "sctp4", "sctp6", "sctp46"];
    if other.contains(&word) || word.starts_with("udplite") {
        return Some(Kind::Other);
    }
    None
}

fn is_id(word: &str) -> bool {
    word == "?" || word.parse::<u32>().is_ok()
}

/// Where PROTO is: the first field after USER and COMMAND (which may hold spaces) that names
/// a protocol and follows a PID and an FD.
fn proto_at(words: &[&str]) -> Option<usize> {
    (4..words.len())
        .find(|&i| kind(words[i]).is_some() && is_id(words[i - 2]) && is_id(words[i - 1]))
}

/// How much a line looks like `sockstat` output.
pub fn score(line: &str) -> u32 {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() >= 5 && f[..5] == ["USER", "COMMAND", "PID", "FD", "PROTO"] {
        return 8;
    }
    match proto_at(&f) {
        Some(i)
            if matches!(kind(f[i]), Some(Kind::Inet(..)))
                && f.get(i + 1).is_some_and(|a| a.contains(':'))
                && f.get(i + 2).is_some_and(|a| a.contains(':')) =>
        {
            3
        }
        _ => 0,
    }
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.as_str();
        let fields = fields_with_offsets(text);
        let words: Vec<&str> = fields.iter().map(|f| f.1).collect();
        let Some(&first) = words.first() else {
            return Ok(());
        };
        if words.len() >= 5 && words[..5] == ["USER", "COMMAND", "PID", "FD", "PROTO"] {
            out.new_block();
            out.saw_header = true;
            out.info.has_owner_column = true;
            self.state_column = text.contains("CONN STATE");
            self.id_column = words.contains(&"ID");
            self.fib_column = words.contains(&"FIB");
            self.continuation = false;
            self.state_noted = false;
            return Ok(());
        }
        let Some(p) = proto_at(&words) else {
            if self.continuation && text.starts_with(char::is_whitespace) {
                // Another address of the SCTP association above.
                return Ok(());
            }
            return Err(format!("`{first}`...: not a sockstat row"));
        };
        let (proto, family) = match kind(words[p]) {
            Some(Kind::Inet(proto, family)) => (proto, family),
            _ => {
                self.continuation = words[p].starts_with("sctp");
                out.info.other_sockets += 1;
                return Ok(());
            }
        };
        self.continuation = false;
        let (Some(local_text), Some(remote_text)) = (words.get(p + 1), words.get(p + 2)) else {
            return Err("row cut short: no local and foreign address".to_string());
        };
        let local = endpoint::parse(local_text, proto).map_err(|e| format!("local address {e}"))?;
        let remote =
            endpoint::parse(remote_text, proto).map_err(|e| format!("foreign address {e}"))?;
        let mut row = Row::new(proto, local, Some(remote));
        row.family = Some(family);
        let extra = &words[p + 3..];
        if proto == Protocol::Tcp {
            // Of the columns after the addresses only CONN STATE holds a state word.
            let state = if self.state_column {
                extra.iter().find_map(|w| {
                    if *w == "?" {
                        Some(TcpState::Unknown)
                    } else {
                        TcpState::parse(w)
                    }
                })
            } else {
                None
            };
            row.state = Some(match state {
                Some(s) => s,
                None => {
                    if !self.state_noted {
                        self.state_noted = true;
                        out.info.notes.push(
                            "sockstat without -s prints no TCP state: sockets without a peer are read as LISTEN, the others as UNKNOWN"
                                .to_string(),
                        );
                    }
                    if row.remote.as_ref().is_none_or(|r| r.is_unset()) {
                        TcpState::Listen
                    } else {
                        TcpState::Unknown
                    }
                }
            });
        }
        let (user, pid, fd) = (words[0], words[p - 2], words[p - 1]);
        if pid == "?" {
            // No descriptor holds it (TIME_WAIT, a socket being closed).
            row.owners.push(Owner::default());
        } else {
            let pid = pid
                .parse::<u32>()
                .map_err(|_| format!("PID `{pid}` is not a number"))?;
            // COMMAND sits between USER and PID and may hold spaces.
            let start = fields[1].0;
            let end = fields[p - 3].0 + fields[p - 3].1.len();
            let command = text[start..end].trim();
            row.owners.push(Owner {
                pid,
                // `??`: the process exited before sockstat read its name.
                name: (!command.is_empty() && command != "??").then(|| command.to_string()),
                user: (user != "?").then(|| user.to_string()),
                fd: fd.parse::<u32>().ok(),
                ..Owner::default()
            });
        }
        // The ID follows FIB (always printed with -f) and SPLICE ADDRESS (printed only for a
        // spliced socket).
        let id = extra
            .iter()
            .skip(usize::from(self.fib_column))
            .find(|w| !w.contains(':') && **w != "??")
            .filter(|w| self.id_column && w.parse::<u64>().is_ok());
        row.merge_key = Some(match id {
            Some(id) => format!("id {id}"),
            None => format!("{} {local_text} {remote_text}", words[p]),
        });
        out.row(row);
        Ok(())
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
            "USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS",
            "root     sshd        812  4   tcp6   *:22                  *:*",
            "alice    my tool    4242  7   udp4   192.0.2.10:5353       *:*",
            "unbound  unbound    900  3   udp6   fe80::1%lo0:53        *:*",
            "1001     ??         4300  5   tcp4   192.0.2.10:50122      198.51.100.7:443",
            "?        ?          ?     ?   tcp4   192.0.2.10:22         203.0.113.9:61000",
            "root     syslogd     611  6   dgram  /var/run/log",
            "root     sctpd       700  3   sctp4  192.0.2.10:9899       198.51.100.7:9899",
            "                                     192.0.2.11:9899       198.51.100.8:9899",
            "root     sshd        812  4   tcp6   *:22                  *:*    garbage",
            "nonsense",
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(other, 2);
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0].state, Some(TcpState::Listen));
        assert_eq!(rows[0].family, Some(Family::Ipv6));
        assert_eq!(rows[1].owners[0].name.as_deref(), Some("my tool"));
        assert_eq!(rows[1].owners[0].fd, Some(7));
        assert_eq!(
            rows[2].local.addr.map(|a| a.to_string()),
            Some("fe80::1".into())
        );
        assert_eq!(rows[3].owners[0].name, None);
        assert_eq!(rows[3].owners[0].user.as_deref(), Some("1001"));
        assert_eq!(rows[3].state, Some(TcpState::Unknown));
        assert_eq!(rows[4].owners[0].pid, 0);
        // The same socket held twice merges.
        assert_eq!(rows[0].merge_key, rows[5].merge_key);
    }

    #[test]
    fn state_and_id_columns() {
        let (rows, errors, _) = parse(&[
            "USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS       ID       PATH STATE   CONN STATE",
            "root     sshd        812  4   tcp4   192.0.2.10:22         198.51.100.7:50122    1234                  ESTABLISHED",
            "root     sshd        812  3   tcp4   *:22                  *:*                   1200                  LISTEN",
            "?        ?          ?     ?   tcp4   192.0.2.10:22         203.0.113.9:61000     1300                  TIME_WAIT",
            "root     ntpd        700  20  udp6   ::1:123               *:*                   1400",
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        let states: Vec<_> = rows.iter().map(|r| r.state).collect();
        assert_eq!(
            states,
            [
                Some(TcpState::Established),
                Some(TcpState::Listen),
                Some(TcpState::TimeWait),
                None
            ]
        );
        assert_eq!(rows[0].merge_key.as_deref(), Some("id 1234"));
        assert_eq!(rows[3].local.port, Some(123));
        // With -f and -I the ID comes after FIB and, on a spliced socket, SPLICE ADDRESS.
        let (rows, errors, _) = parse(&[
            "USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS       FIB    SPLICE ADDRESS        ID",
            "root     relayd      812  4   tcp4   192.0.2.10:80         198.51.100.7:50122    0      192.0.2.10:50200      1234",
            "root     relayd      812  5   tcp4   192.0.2.10:80         198.51.100.8:50122    0                            1235",
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        let keys: Vec<_> = rows.iter().map(|r| r.merge_key.clone()).collect();
        assert_eq!(keys, [Some("id 1234".into()), Some("id 1235".into())]);
    }

    #[test]
    fn scores() {
        assert_eq!(
            score("USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS"),
            8
        );
        assert_eq!(score("root     sshd        812  4   tcp6   *:22   *:*"), 3);
        assert_eq!(
            score("tcp4       0      0 127.0.0.1.25    *.*     LISTEN"),
            0
        );
    }
}
