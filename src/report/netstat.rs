//! `sockaudit netstat`: the connection table in the layout of Windows `netstat -ano` or of
//! net-tools' `netstat -tulpen`, each row followed by its worst finding (`[high exe-in-temp]`).
//!
//! Column widths are the real tools' (Windows: rows one character wider than the header, as
//! Windows 10 prints them; net-tools: `%-4s  %6ld %6ld %-23s %-23s %-11s`), so scripts written
//! for those outputs keep working; addresses are never cut (a long one pushes the line right
//! by one space) and never resolved (only ports get service names, without `-n`).

use std::fmt::Write as _;
use std::net::IpAddr;

use super::style::Palette;
use crate::files::services::Services;
use crate::model::finding::Severity;
use crate::model::{Family, Protocol, Snapshot, Socket, TcpState};
use crate::text::escape::{FIELD_MAX_CHARS, for_display};

/// The worst finding about a row's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Its severity.
    pub severity: Severity,
    /// Its rule id.
    pub rule: String,
    /// How many other findings concern the socket.
    pub more: usize,
}

/// One row: a socket and its worst finding.
#[derive(Debug, Clone)]
pub struct NetstatRow<'a> {
    /// The socket.
    pub socket: &'a Socket,
    /// Its worst finding, if any.
    pub mark: Option<Mark>,
}

/// net-tools' title says which sockets the table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Servers {
    /// `-l`: listeners only.
    Only,
    /// Neither `-a` nor `-l`: connections only.
    Without,
    /// `-a`: both.
    And,
}

/// The dialect's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Windows `netstat`.
    Windows {
        /// `-o`: the PID column.
        pid: bool,
        /// `-b`: service lines and `[image.exe]` under each row.
        owner_lines: bool,
    },
    /// net-tools `netstat`.
    Linux {
        /// What the title says.
        servers: Servers,
        /// `-e`: User and Inode.
        extended: bool,
        /// `-p`: PID/Program name.
        programs: bool,
        /// `-o`: Timer (not collected: `-`).
        timers: bool,
        /// `-n`: uids instead of user names.
        numeric: bool,
    },
}

/// The table: a title, the header, one line per row (Windows `-b`: plus its owner lines).
/// `services` names ports (without `-n`); `palette` colours the marks only.
pub fn render(
    snapshot: &Snapshot,
    rows: &[NetstatRow<'_>],
    layout: Layout,
    services: Option<&Services>,
    palette: Palette,
) -> String {
    let mut out = String::new();
    match layout {
        Layout::Windows { pid, owner_lines } => {
            out.push_str("\nActive Connections\n\n");
            let mut header =
                "  Proto  Local Address          Foreign Address        State".to_string();
            if pid {
                header.push_str("           PID");
            }
            out.push_str(&header);
            out.push('\n');
            for row in rows {
                windows_row(row, pid, services, palette, &mut out);
                if owner_lines {
                    windows_owner_lines(snapshot, row.socket, &mut out);
                }
            }
        }
        Layout::Linux {
            servers,
            extended,
            programs,
            timers,
            numeric,
        } => {
            out.push_str(match servers {
                Servers::Only => "Active Internet connections (only servers)\n",
                Servers::Without => "Active Internet connections (w/o servers)\n",
                Servers::And => "Active Internet connections (servers and established)\n",
            });
            let mut header = format!(
                "{:<5} {:>6} {:>6} {:<23} {:<23} {:<11}",
                "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State"
            );
            if extended {
                let _ = write!(header, " {:<10} {:<10}", "User", "Inode");
            }
            if programs {
                let _ = write!(header, " {:<20}", "PID/Program name");
            }
            if timers {
                header.push_str(" Timer");
            }
            out.push_str(header.trim_end());
            out.push('\n');
            for row in rows {
                let s = row.socket;
                let (recv_q, send_q) = queues(s);
                let mut line = format!(
                    "{:<5} {recv_q:>6} {send_q:>6} {:<23} {:<23} {:<11}",
                    linux_proto(s),
                    linux_local(s, services),
                    linux_remote(s, services),
                    linux_state(s)
                );
                if extended {
                    let inode = s.inode.map_or_else(|| "-".to_string(), |i| i.to_string());
                    let _ = write!(line, " {:<10} {inode:<10}", user(snapshot, s, numeric));
                }
                if programs {
                    let _ = write!(line, " {:<20}", program(snapshot, s));
                }
                if timers {
                    line.push_str(" -");
                }
                finish(line, row.mark.as_ref(), palette, &mut out);
            }
        }
    }
    out
}

/// The line without trailing blanks, then the mark.
fn finish(line: String, mark: Option<&Mark>, palette: Palette, out: &mut String) {
    out.push_str(line.trim_end());
    if let Some(mark) = mark {
        out.push_str("  ");
        out.push_str(&mark_text(mark, palette));
    }
    out.push('\n');
}

/// `[high exe-in-temp]`, `[medium listen-not-allowed +1]`.
pub fn mark_text(mark: &Mark, palette: Palette) -> String {
    let colour = match mark.severity {
        Severity::Critical | Severity::High => palette.red,
        Severity::Medium => palette.yellow,
        Severity::Low | Severity::Info => palette.cyan,
    };
    let more = if mark.more > 0 {
        format!(" +{}", mark.more)
    } else {
        String::new()
    };
    format!(
        "{colour}[{} {}{more}]{}",
        mark.severity.as_str(),
        cell(&mark.rule),
        palette.reset
    )
}

fn windows_row(
    row: &NetstatRow<'_>,
    pid: bool,
    services: Option<&Services>,
    palette: Palette,
    out: &mut String,
) {
    let s = row.socket;
    let proto = match s.proto {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
    };
    let local = match s.local_ip() {
        Some(addr) => windows_endpoint(addr, &port_text(s.local_port, s.proto, services)),
        None => cell(&crate::text::endpoint::local_of(s)),
    };
    let remote = match (s.remote_ip(), s.remote_port, s.remote_name()) {
        (Some(addr), Some(port), _) => windows_endpoint(addr, &port_text(port, s.proto, services)),
        (None, Some(_), Some(name)) => cell(name),
        // A TCP listener's foreign end: the unspecified address of its family, port 0.
        _ if s.proto == Protocol::Tcp => match s.family {
            Family::Ipv4 => "0.0.0.0:0".to_string(),
            Family::Ipv6 => "[::]:0".to_string(),
        },
        _ => "*:*".to_string(),
    };
    let state = s.state.map_or("", windows_state);
    let mut line = format!("  {proto:<7}{local:<22}  {remote:<22}  {state:<16}");
    if pid {
        // No known owner: 0, as Windows itself prints it (a TIME_WAIT socket), so that what
        // parses `netstat -ano` still finds a number; `-b` says "Can not obtain ownership
        // information" for it.
        let owner = s
            .pids
            .first()
            .map_or_else(|| "0".to_string(), u32::to_string);
        line.push_str(&owner);
    }
    finish(line, row.mark.as_ref(), palette, out);
}

/// `-b`: the services the owner hosts (`  RpcSs`), then ` [svchost.exe]`, as Windows prints
/// them; ` Can not obtain ownership information` without an owner.
fn windows_owner_lines(snapshot: &Snapshot, s: &Socket, out: &mut String) {
    match snapshot.process_of(s) {
        Some(p) => {
            for service in &p.services {
                let _ = writeln!(out, "  {}", cell(service));
            }
            let image = p
                .exe
                .as_deref()
                .map(crate::text::path::file_name)
                .filter(|n| !n.is_empty())
                .unwrap_or(&p.name);
            let _ = writeln!(out, " [{}]", cell(image));
        }
        None => match s.capture.as_ref().and_then(|c| c.program.as_deref()) {
            Some(program) => {
                let _ = writeln!(out, " [{}]", cell(program));
            }
            None => out.push_str(" Can not obtain ownership information\n"),
        },
    }
}

/// Windows spells the states its own way (`LISTENING`, `SYN_RECEIVED`, `FIN_WAIT_1`).
pub fn windows_state(state: TcpState) -> &'static str {
    match state {
        TcpState::Listen => "LISTENING",
        TcpState::Established => "ESTABLISHED",
        TcpState::SynSent => "SYN_SENT",
        TcpState::SynRecv => "SYN_RECEIVED",
        TcpState::FinWait1 => "FIN_WAIT_1",
        TcpState::FinWait2 => "FIN_WAIT_2",
        TcpState::TimeWait => "TIME_WAIT",
        TcpState::Close => "CLOSED",
        TcpState::CloseWait => "CLOSE_WAIT",
        TcpState::LastAck => "LAST_ACK",
        TcpState::Closing => "CLOSING",
        TcpState::DeleteTcb => "DELETE_TCB",
        TcpState::Unknown => "UNKNOWN",
    }
}

/// `0.0.0.0:135`, `[::]:135`.
fn windows_endpoint(addr: IpAddr, port: &str) -> String {
    crate::text::endpoint::with_port_text(addr, port)
}

/// The port, or its service name when `services` is given and knows it.
fn port_text(port: u16, proto: Protocol, services: Option<&Services>) -> String {
    match services.and_then(|s| s.name(port, proto)) {
        Some(name) => cell(name),
        None => port.to_string(),
    }
}

fn linux_proto(s: &Socket) -> &'static str {
    crate::text::endpoint::proto_text(s)
}

/// net-tools writes IPv6 without brackets: `::1:631`, `:::22`.
fn linux_endpoint(addr: IpAddr, port: &str) -> String {
    format!("{addr}:{port}")
}

fn linux_local(s: &Socket, services: Option<&Services>) -> String {
    match s.local_ip() {
        Some(addr) => linux_endpoint(addr, &port_text(s.local_port, s.proto, services)),
        None => cell(&crate::text::endpoint::local_of(s)),
    }
}

fn linux_remote(s: &Socket, services: Option<&Services>) -> String {
    match (s.remote_ip(), s.remote_port, s.remote_name()) {
        (Some(addr), Some(port), _) => linux_endpoint(addr, &port_text(port, s.proto, services)),
        (None, Some(_), Some(name)) => cell(name),
        _ => match s.family {
            Family::Ipv4 => "0.0.0.0:*".to_string(),
            Family::Ipv6 => ":::*".to_string(),
        },
    }
}

/// TCP states as the model (and net-tools) spells them; a connected UDP socket is
/// `ESTABLISHED`, an unconnected one has none.
fn linux_state(s: &Socket) -> &'static str {
    match (s.proto, s.state) {
        (Protocol::Tcp, Some(state)) => state.as_str(),
        (Protocol::Udp, _) if s.remote_port.is_some() => "ESTABLISHED",
        _ => "",
    }
}

/// Recv-Q and Send-Q: a listener's accept queue when the collector read it (Send-Q 0, as the
/// kernel reports for listeners); otherwise 0: sockaudit does not collect the byte queues of
/// connections, and what parses net-tools' output expects numbers there (docs/netstat.md).
fn queues(s: &Socket) -> (u32, u32) {
    match s.listen.as_ref().and_then(|l| l.accept_queue) {
        Some(q) if s.is_listener() => (q, 0),
        _ => (0, 0),
    }
}

/// `-e`'s User: the owner's name (uid with `-n`), `-` when unknown.
fn user(snapshot: &Snapshot, s: &Socket, numeric: bool) -> String {
    let process = snapshot.process_of(s);
    let uid = s.uid.or_else(|| process.and_then(|p| p.uid));
    let name = process.and_then(|p| p.user.as_deref()).map(cell);
    match (numeric, name, uid) {
        (false, Some(name), _) => name,
        (_, _, Some(uid)) => uid.to_string(),
        (true, Some(name), None) => name,
        (_, None, None) => "-".to_string(),
    }
}

/// `812/sshd`, or `-` without a known owner (as net-tools prints it).
fn program(snapshot: &Snapshot, s: &Socket) -> String {
    let Some(&pid) = s.pids.first() else {
        return match s.capture.as_ref().and_then(|c| c.program.as_deref()) {
            Some(program) => format!("-/{}", cell(program)),
            None => "-".to_string(),
        };
    };
    let name = snapshot
        .processes
        .get(&pid)
        .map_or_else(|| "?".to_string(), |p| cell(&p.name));
    format!("{pid}/{name}")
}

/// Escaped and cut like every other report ([`crate::text::escape`]).
fn cell(text: &str) -> String {
    for_display(text, FIELD_MAX_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Process;

    fn snapshot() -> Snapshot {
        let mut snapshot: Snapshot =
            serde_json::from_str(include_str!("../../fixtures/snapshots/listen-fire.json"))
                .unwrap();
        snapshot.sort();
        snapshot
    }

    #[test]
    fn windows_rows_have_the_real_column_positions() {
        let snapshot = snapshot();
        let rows: Vec<NetstatRow<'_>> = snapshot
            .sockets
            .iter()
            .map(|socket| NetstatRow { socket, mark: None })
            .collect();
        let text = render(
            &snapshot,
            &rows,
            Layout::Windows {
                pid: true,
                owner_lines: false,
            },
            None,
            Palette::new(false),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[1], "Active Connections");
        assert_eq!(
            lines[3],
            "  Proto  Local Address          Foreign Address        State           PID"
        );
        // Windows 10: Local Address at column 9, Foreign at 33, State at 57, PID at 73.
        let tcp = lines[4];
        assert!(tcp.starts_with("  TCP    "), "{tcp}");
        assert_ne!(&tcp[33..34], " ", "{tcp}");
        assert_eq!(&tcp[32..33], " ", "{tcp}");
        assert!(tcp[57..].starts_with("LISTENING"), "{tcp}");
        assert_ne!(&tcp[73..74], " ", "{tcp}");
    }

    #[test]
    fn windows_owner_lines_put_services_before_the_image() {
        let mut snapshot = snapshot();
        let socket = snapshot.sockets[0].clone();
        let pid = 4242;
        let mut socket = socket;
        socket.pids = vec![pid];
        let mut process = Process {
            pid,
            ..snapshot.processes.values().next().unwrap().clone()
        };
        process.exe = Some(r"C:\Windows\System32\svchost.exe".into());
        process.services = vec!["RpcSs".into(), "RpcEptMapper".into()];
        snapshot.processes.insert(pid, process);
        let mut out = String::new();
        windows_owner_lines(&snapshot, &socket, &mut out);
        assert_eq!(out, "  RpcSs\n  RpcEptMapper\n [svchost.exe]\n");
        socket.pids.clear();
        socket.capture = None;
        let mut out = String::new();
        windows_owner_lines(&snapshot, &socket, &mut out);
        assert_eq!(out, " Can not obtain ownership information\n");
    }

    #[test]
    fn marks_name_severity_rule_and_the_rest() {
        let mark = Mark {
            severity: Severity::High,
            rule: "exe-in-temp".into(),
            more: 0,
        };
        assert_eq!(mark_text(&mark, Palette::new(false)), "[high exe-in-temp]");
        let mark = Mark { more: 2, ..mark };
        assert_eq!(
            mark_text(&mark, Palette::new(false)),
            "[high exe-in-temp +2]"
        );
        assert!(mark_text(&mark, Palette::new(true)).starts_with("\x1b[31m["));
    }

    #[test]
    fn linux_addresses_and_states_are_net_tools_spellings() {
        let mut s = Socket::new(Protocol::Tcp, "::".parse().unwrap(), 22);
        s.state = Some(TcpState::Listen);
        assert_eq!(linux_local(&s, None), ":::22");
        assert_eq!(linux_remote(&s, None), ":::*");
        let mut u = Socket::new(Protocol::Udp, "0.0.0.0".parse().unwrap(), 53);
        assert_eq!(linux_remote(&u, None), "0.0.0.0:*");
        assert_eq!(linux_state(&u), "");
        u.remote_addr = Some("192.0.2.1".parse().unwrap());
        u.remote_port = Some(53);
        assert_eq!(linux_state(&u), "ESTABLISHED");
        let services = Services::parse("domain 53/udp\nssh 22/tcp\n");
        assert_eq!(linux_local(&u, Some(&services)), "0.0.0.0:domain");
        assert_eq!(linux_remote(&u, Some(&services)), "192.0.2.1:domain");
        assert_eq!(windows_state(TcpState::SynRecv), "SYN_RECEIVED");
        assert_eq!(windows_state(TcpState::FinWait2), "FIN_WAIT_2");
    }
}
