//! The live collector: this machine, now. The only code that talks to `netstat2`
//! ([`sockets`]) and `sysinfo` ([`processes`], `host`).
//!
//! Linux: netstat2's netlink dump without its PID walk, run beside our own `/proc/PID/fd` walk
//! ([`linux::fds`]); SYN_RECV request sockets attributed through their listener; UDP
//! peers from `/proc/net/udp*`; process facts from sysinfo for the owning PIDs only. Other
//! systems: netstat2 with its own PID attachment.

pub(crate) mod accounts;
pub mod counters;
pub mod docker_proxy;
pub mod hint;
mod host;
#[cfg(target_os = "linux")]
pub mod linux;
pub mod names;
mod options;
#[cfg(not(target_os = "linux"))]
mod other;
pub mod processes;
mod reported_owners;
pub mod routes;
pub mod sockets;
mod table_error;
#[cfg(windows)]
pub mod windows;

use std::collections::BTreeMap;

use crate::collect::error::CollectError;
use crate::model::{SCHEMA_VERSION, Snapshot};
pub use options::{LiveOptions, NOT_ROOT_NAMESPACES, Namespaces, SHELL_LIKE};
use sockets::PlatformSockets;

/// Reads every TCP and UDP socket of this network namespace, with owners.
pub fn collect_live(options: &LiveOptions) -> Result<Snapshot, CollectError> {
    let collected_at = jiff::Timestamp::now();
    let started = std::time::Instant::now();
    let PlatformSockets {
        mut sockets,
        mut coverage,
        stdio,
        stdio_peers,
        extra_pids,
        namespaces,
        deep,
        hidden_processes,
        mut raw_sockets,
    } = platform_sockets(options)?;
    let sockets_done = started.elapsed();
    let hidden: std::collections::BTreeSet<u32> = hidden_processes.iter().map(|p| p.pid).collect();
    let mut processes = if options.attribute {
        processes::process_facts(&sockets, &extra_pids, &hidden, &mut coverage)
    } else {
        BTreeMap::new()
    };
    // Where the OS gave the PIDs itself, an owner whose executable cannot be read (another
    // user's, a service's, without elevation) is the coverage gap; PID 4 (System) has none.
    #[cfg(not(target_os = "linux"))]
    {
        coverage.unreadable_processes = processes
            .values()
            .filter(|p| p.exe.is_none() && p.pid != 4)
            .count();
    }
    for process in processes::with_user_names(hidden_processes) {
        processes.insert(process.pid, process);
    }
    #[cfg(target_os = "linux")]
    coverage.notes.extend(linux::exe_gap::notes(
        std::path::Path::new("/proc"),
        &processes,
    ));
    tracing::debug!(
        "collected {} sockets in {:.1} ms, facts for {} processes in {:.1} ms",
        sockets.len(),
        sockets_done.as_secs_f64() * 1e3,
        processes.len(),
        (started.elapsed() - sockets_done).as_secs_f64() * 1e3
    );
    for (pid, fd) in stdio {
        if let Some(p) = processes.get_mut(&pid) {
            p.stdio_sockets.push(fd);
        }
    }
    for (pid, peers) in stdio_peers {
        if let Some(p) = processes.get_mut(&pid) {
            p.stdio_peers = peers;
        }
    }
    docker_proxy::label(&mut sockets, &processes);
    sockets.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    raw_sockets.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let (host, host_note) = host::host_facts();
    coverage.notes.extend(host_note);
    let mut snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        host,
        collected_at,
        time_source: crate::model::TimeSource::Clock,
        source: "live".to_string(),
        sockets,
        processes,
        coverage,
        // Read separately, and only when needed (src/app/routes.rs).
        routes: None,
        namespaces,
        deep,
        // Read separately, and only when needed (src/app/counters.rs).
        counters: Vec::new(),
        raw_sockets,
    };
    snapshot.recount_coverage();
    Ok(snapshot)
}

/// Every namespace's netlink dump beside our own fd walk (src/collect/live/linux/live.rs).
#[cfg(target_os = "linux")]
fn platform_sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
    linux::live::sockets(options)
}

/// netstat2 with its own owners.
#[cfg(not(target_os = "linux"))]
fn platform_sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
    other::sockets(options)
}
