//! Whether each condition of a process rule holds, and the reasons it gives.

use super::settings::ProcessRule;
use super::shell::{connections, is_interactive, relay};
use crate::model::process::looks_like_kernel_thread;
use crate::model::{Process, Socket};
use crate::rules::context::Context;
use crate::text::endpoint::{local_of, remote_of};

/// Why a rule fires for a process, and the sockets that show it.
pub struct Held<'a> {
    /// One phrase per condition.
    pub reasons: Vec<String>,
    /// The sockets behind the finding when not the process's own (a relay's connection).
    pub evidence: Vec<&'a Socket>,
}

/// The reasons the rule fires for `process`, or `None` when a condition does not hold.
pub fn hold<'a>(
    rule: &ProcessRule,
    process: &Process,
    sockets: &[&'a Socket],
    ctx: &Context<'a>,
) -> Option<Held<'a>> {
    let mut reasons = Vec::new();
    let mut evidence = Vec::new();
    if rule.selector.needs_process() {
        if !rule.selector.matches_process(Some(process)) {
            return None;
        }
        if let Some(exe_globs) = &rule.selector.exe {
            reasons.push(format!("exe matches {}", exe_globs.patterns().join(", ")));
        }
        if rule.selector.exec_option
            && let Some(arg) = crate::rules::spec::exec_option(&process.cmdline)
        {
            reasons.push(format!("its command line runs a program for the peer (`{arg}`)"));
        }
    }
    if let Some(known) = &rule.known {
        let is_known = known.is_match(&process.name)
            || process.exe.as_deref().is_some_and(|e| known.is_match(e));
        if is_known {
            return None;
        }
        reasons.push("not a known program".to_string());
    }
    if rule.exe_deleted {
        if !process.exe_deleted || process.exe_replaced {
            return None;
        }
        reasons.push("its executable was deleted".to_string());
    }
    if rule.masquerade {
        let exe = process.exe.as_deref()?;
        let exe_name = crate::text::path::file_name(exe);
        // Windows file names compare without case (`SVCHOST.EXE` is svchost.exe).
        let agree = if crate::text::path::is_windows(exe) {
            names_agree(&process.name.to_lowercase(), &exe_name.to_lowercase())
        } else {
            names_agree(&process.name, exe_name)
        };
        if rule.interpreters.is_match(exe_name) || agree {
            return None;
        }
        reasons.push(format!(
            "name `{}` is not its executable `{exe_name}`",
            process.name
        ));
    }
    if rule.stdio_socket {
        if process.stdio_sockets.is_empty() {
            return None;
        }
        let fds: Vec<String> = process.stdio_sockets.iter().map(u32::to_string).collect();
        reasons.push(format!("fd {} is a network socket", fds.join(", ")));
    }
    if rule.interactive {
        if !is_interactive(process) {
            return None;
        }
        reasons.push(format!(
            "it reads commands from its stdin (`{}`)",
            process.cmdline.join(" ")
        ));
    }
    if rule.stdio_relay {
        let found = relay(process, ctx, rule.peer.as_ref(), &rule.trusted_relays)?;
        let peers: Vec<String> = found.connections.iter().map(|s| connection_text(s)).collect();
        reasons.push(format!("{} {}", found.chain, peers.join(", ")));
        evidence.extend(found.connections);
    }
    if rule.holds_connection {
        let held = connections(sockets, rule.peer.as_ref());
        if held.is_empty() {
            return None;
        }
        let peers: Vec<String> = held.iter().map(|s| connection_text(s)).collect();
        reasons.push(format!("it holds {}", peers.join(", ")));
        evidence.extend(held);
    }
    if rule.kernel_thread_name {
        let argv0 = process.cmdline.first().map(String::as_str).unwrap_or_default();
        let name = [process.name.as_str(), argv0]
            .into_iter()
            .find(|n| looks_like_kernel_thread(n))?;
        // Kernel threads have no executable and no command line.
        if process.exe.is_none() && process.cmdline.is_empty() {
            return None;
        }
        reasons.push(format!(
            "named `{name}` like a kernel thread, but it runs {}",
            process.exe.as_deref().unwrap_or("a user-space program")
        ));
    }
    if rule.hidden_from_proc {
        let how = process.hidden.as_ref()?;
        reasons.push(format!(
            "hidden from /proc ({}; read via {})",
            how.describe(process.pid),
            how.read_via
        ));
    }
    Some(Held { reasons, evidence })
}

/// `tcp 127.0.0.1:45002 <-> 127.0.0.1:51234 ESTABLISHED`.
fn connection_text(socket: &Socket) -> String {
    let remote = remote_of(socket).unwrap_or_else(|| "*".to_string());
    let state = socket.state.map_or(String::new(), |s| format!(" {s}"));
    format!("{} {} <-> {remote}{state}", socket.proto, local_of(socket))
}

/// comm is the exe's file name cut to 15 bytes; `python3` running `python3.11` also agrees.
fn names_agree(name: &str, exe_name: &str) -> bool {
    !name.is_empty() && (exe_name.starts_with(name) || name.starts_with(exe_name))
}

#[cfg(test)]
mod tests {
    use super::names_agree;

    #[test]
    fn truncated_and_versioned_names_agree() {
        assert!(names_agree("systemd-resolve", "systemd-resolved"));
        assert!(names_agree("python3", "python3.11"));
        assert!(names_agree("sshd", "sshd"));
        assert!(!names_agree("sshd", "miner"));
        assert!(!names_agree("[kworker/0:1]", "x"));
        assert!(!names_agree("", "x"));
    }
}
