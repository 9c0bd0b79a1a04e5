//! Shells driven over the network: interactive command lines, the relay at the other end of
//! a stdio pipe or pty, and connections a shell holds itself.

use std::fmt::Write as _;

use crate::model::{Process, Protocol, Socket, TcpState};
use crate::rules::context::Context;
use crate::rules::spec::{AddrSpec, Globs};

/// Options that take the next argument as their value (so it is no script operand).
const VALUE_OPTIONS: &[&str] = &["-o", "-O", "+O", "+o", "--rcfile", "--init-file", "-W", "-X"];

/// Options that give the program its commands on the command line: not interactive.
const COMMAND_OPTIONS: &[&str] = &["-c", "-e", "-E", "-r", "-m", "--command", "--eval"];

/// Whether the command line starts a shell or interpreter that reads its commands from its
/// stdin: no script operand, no `-c`/`-e` command (`sh`, `sh -i`, `-bash`, `python3 -i`,
/// `busybox sh`). An empty command line (not read) is not.
pub fn is_interactive(process: &Process) -> bool {
    let Some(argv0) = process.cmdline.first() else {
        return false;
    };
    let mut args = process.cmdline.iter().skip(1).peekable();
    // `busybox sh -i`: the first argument names the applet.
    if crate::text::path::file_name(argv0) == "busybox" {
        args.next();
    }
    while let Some(arg) = args.next() {
        let arg = arg.as_str();
        if arg == "-i" || arg == "-s" || arg == "-" {
            return true;
        }
        if arg == "--" {
            return args.next().is_none();
        }
        if COMMAND_OPTIONS.contains(&arg)
            || (arg.starts_with('-') && !arg.starts_with("--") && arg[1..].contains('c'))
        {
            return false;
        }
        if VALUE_OPTIONS.contains(&arg) {
            args.next();
            continue;
        }
        if !arg.starts_with(['-', '+']) {
            // A script or module operand.
            return false;
        }
    }
    true
}

/// A connection with a peer: TCP in any state but LISTEN, or UDP connected to a remote.
fn is_connection(socket: &Socket) -> bool {
    socket.remote_addr.is_some()
        && (socket.proto == Protocol::Udp || socket.state != Some(TcpState::Listen))
}

/// The connections of `sockets` whose remote matches `peer` (any when unset).
pub fn connections<'s>(sockets: &[&'s Socket], peer: Option<&AddrSpec>) -> Vec<&'s Socket> {
    sockets
        .iter()
        .copied()
        .filter(|s| is_connection(s))
        .filter(|s| {
            peer.is_none_or(|p| s.remote_ip().is_some_and(|ip| p.matches(ip)))
        })
        .collect()
}

/// A relay driving `process`: the first stdio peer (not trusted) holding a matching
/// connection, with the chain in words and its connections.
pub struct Relay<'a> {
    /// The chain: `fd 0, 1, 2 on pty 3 whose master socat (pid 41, /usr/bin/socat) holds`.
    pub chain: String,
    /// The relay's matching connections.
    pub connections: Vec<&'a Socket>,
}

/// The relay at the other end of `process`'s stdio, if one holds a connection matching `peer`.
pub fn relay<'a>(
    process: &Process,
    ctx: &Context<'a>,
    peer: Option<&AddrSpec>,
    trusted: &Globs,
) -> Option<Relay<'a>> {
    for peer_entry in &process.stdio_peers {
        for pid in &peer_entry.pids {
            let Some(relay) = ctx.snapshot.processes.get(pid) else {
                continue;
            };
            if relay.exe.as_deref().is_some_and(|e| trusted.is_match(e)) {
                continue;
            }
            let connections = connections(ctx.sockets_of(*pid), peer);
            if connections.is_empty() {
                continue;
            }
            let fds: Vec<String> = process
                .stdio_peers
                .iter()
                .filter(|p| p.via == peer_entry.via && p.id == peer_entry.id)
                .map(|p| p.fd.to_string())
                .collect();
            let mut chain = format!("fd {} on ", fds.join(", "));
            let _ = match peer_entry.via {
                crate::model::StdioVia::Pty => {
                    write!(chain, "/dev/pts/{} whose master", peer_entry.id)
                }
                crate::model::StdioVia::Pipe => {
                    write!(chain, "pipe:[{}] whose other end", peer_entry.id)
                }
            };
            let _ = write!(
                chain,
                " {} (pid {}, {}) holds",
                relay.name,
                relay.pid,
                relay.exe.as_deref().unwrap_or("exe unknown")
            );
            return Some(Relay { chain, connections });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::is_interactive;
    use crate::model::Process;

    fn with_cmdline(line: &str) -> Process {
        let mut p: Process = serde_json::from_str(
            r#"{"pid":1,"ppid":null,"name":"sh","exe":null,"user":null,"uid":null,"start_time":null}"#,
        )
        .expect("minimal process");
        p.cmdline = line.split(' ').filter(|a| !a.is_empty()).map(str::to_string).collect();
        p
    }

    #[test]
    fn interactive_shells_and_interpreters() {
        for line in ["sh", "/bin/sh -i", "-bash", "bash --norc -i", "python3", "python3 -i", "busybox sh", "sh -s", "bash -o vi"] {
            assert!(is_interactive(&with_cmdline(line)), "{line}");
        }
        for line in ["", "sh -c id", "bash script.sh", "sh -ec true", "python3 app.py", "python3 -m http.server", "perl -e 1", "busybox sh /etc/init"] {
            assert!(!is_interactive(&with_cmdline(line)), "{line}");
        }
    }
}
