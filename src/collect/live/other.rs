//! Windows and macOS: netstat2 reports owning PIDs itself.

use super::LiveOptions;
use super::reported_owners::{attribute, owner_gap};
use super::sockets::{PlatformSockets, convert, flags};
use crate::collect::error::CollectError;
use crate::model::{Coverage, Fact, Socket};

pub fn sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
    let (af, proto) = flags();
    let raw = netstat2::get_sockets_info(af, proto)
        .map_err(|e| CollectError::Enumerate(super::table_error::describe(&e)))?;
    let sockets: Vec<Socket> = raw
        .iter()
        .map(|info| {
            let mut socket = convert(info);
            if options.attribute {
                attribute(&mut socket, &info.associated_pids);
            }
            socket
        })
        .collect();
    let mut coverage = Coverage {
        privileged: crate::files::privilege::is_privileged(),
        missing: missing_facts(),
        ..Coverage::default()
    };
    if options.attribute {
        coverage
            .notes
            .extend(owner_gap(&sockets, &mut coverage.missing));
    }
    if options.deep || options.probe_ports {
        let note = "--deep and --probe-ports compare Linux's netlink, /proc/net and fd tables: the hidden-socket check does not run on this system";
        tracing::warn!("{note}");
        coverage.notes.push(note.to_string());
    }
    Ok(PlatformSockets {
        sockets,
        coverage,
        stdio: Vec::new(),
        stdio_peers: Default::default(),
        extra_pids: Vec::new(),
        namespaces: Vec::new(),
        deep: None,
        hidden_processes: Vec::new(),
        // Not read on this system (no `raw-sockets` fact: raw rules say so).
        raw_sockets: Vec::new(),
    })
}

/// What this collector never reads: fd tables (so which fds are sockets, and what is at the
/// other end of a process's stdio) and the hidden-process check are Linux's `/proc`. Rules
/// needing them say they could not check, instead of counting as run.
fn missing_facts() -> Vec<Fact> {
    vec![
        Fact::StdioSockets,
        Fact::StdioPeers,
        Fact::HiddenProcesses,
        Fact::Cgroups,
    ]
}
