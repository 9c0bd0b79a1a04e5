//! Process facts through `sysinfo`, for the PIDs that own sockets only (sysinfo's full refresh
//! costs hundreds of ms on a busy host; FIELD-NOTES.md).

use std::collections::{BTreeMap, BTreeSet};

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

use super::accounts::Accounts;

use crate::model::{Coverage, Process, Socket};

/// Process facts for every PID that owns a socket, and for `extra` (processes the collector
/// found suspicious without a socket), and only those.
/// Not for the PIDs of `described` (facts read another way: what sysinfo would read under a
/// hidden process's covered `/proc/PID` is not its own).
pub fn process_facts(
    sockets: &[Socket],
    extra: &[u32],
    described: &BTreeSet<u32>,
    coverage: &mut Coverage,
) -> BTreeMap<u32, Process> {
    let pids: BTreeSet<u32> = sockets
        .iter()
        .flat_map(|s| s.pids.iter().copied())
        .chain(extra.iter().copied())
        .filter(|pid| !described.contains(pid))
        .collect();
    if pids.is_empty() {
        return BTreeMap::new();
    }
    let sys_pids: Vec<Pid> = pids.iter().map(|&p| Pid::from_u32(p)).collect();
    let mut system = match System::new() {
        Ok(system) => system,
        Err(err) => {
            tracing::warn!("cannot read process facts ({err}); sockets keep their PIDs only");
            coverage
                .notes
                .push(format!("process facts unavailable: {err}"));
            return BTreeMap::new();
        }
    };
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&sys_pids), true, refresh_kind());
    #[cfg(unix)]
    let mut accounts = Accounts::default();
    #[cfg(windows)]
    let mut sid_names = super::windows::accounts::SidNames::default();
    let mut processes = BTreeMap::new();
    let mut missing = 0usize;
    for pid in pids {
        let Some(proc_) = system.process(Pid::from_u32(pid)) else {
            missing += 1;
            continue;
        };
        // Numeric uids exist on Unix only (Windows has SIDs; the user name still resolves).
        #[cfg(unix)]
        let uid = proc_.user_id().map(|u| **u);
        #[cfg(unix)]
        let user = uid.and_then(|uid| accounts.name(uid));
        #[cfg(unix)]
        let sid = None;
        #[cfg(not(unix))]
        let uid = None;
        #[cfg(not(unix))]
        let sid = proc_.user_id().map(|uid| uid.to_string());
        #[cfg(windows)]
        let user = sid.as_deref().and_then(|sid| sid_names.name(sid));
        #[cfg(not(any(unix, windows)))]
        let user = None;
        let (exe, exe_deleted, exe_raw) = exe_facts(pid, proc_.exe());
        let (name, name_raw) = crate::model::raw::decode_os(proc_.name());
        let cmd = super::names::command_line(pid, proc_.cmd());
        let (container, unit) = container_facts(pid);
        processes.insert(
            pid,
            Process {
                pid,
                ppid: proc_.parent().map(|p| p.as_u32()),
                name,
                exe_replaced: exe_deleted
                    && exe
                        .as_deref()
                        .is_some_and(|e| std::path::Path::new(e).is_file()),
                exe,
                exe_deleted,
                cmdline: cmd.0,
                name_raw,
                exe_raw,
                cmdline_raw: cmd.1,
                truncated: cmd.2,
                user,
                uid,
                sid,
                start_time: i64::try_from(proc_.start_time())
                    .ok()
                    .and_then(|secs| jiff::Timestamp::from_second(secs).ok()),
                stdio_sockets: Vec::new(),
                stdio_peers: Vec::new(),
                services: Vec::new(),
                container,
                unit,
                hidden: None,
            },
        );
    }
    if missing > 0 {
        coverage.notes.push(format!(
            "{missing} owning process(es) exited before their facts could be read"
        ));
    }
    #[cfg(windows)]
    attach_services(&mut processes, coverage);
    processes
}

/// Each process's services from the Service Control Manager (svchost's `-k` groups host
/// several); a failure leaves them empty and says so.
#[cfg(windows)]
fn attach_services(processes: &mut BTreeMap<u32, Process>, coverage: &mut Coverage) {
    match super::windows::services::services_by_pid() {
        Ok(mut by_pid) => {
            for (pid, process) in processes.iter_mut() {
                if let Some(services) = by_pid.remove(pid) {
                    process.services = services;
                }
            }
        }
        Err(err) => {
            tracing::warn!("cannot list services ({err}); processes show no service names");
            coverage
                .notes
                .push(format!("service names unavailable: {err}"));
        }
    }
}

/// `processes` with their user names resolved from their uids (processes whose facts were
/// read without sysinfo: hidden ones).
pub fn with_user_names(processes: Vec<Process>) -> Vec<Process> {
    // Only Unix has numeric uids to resolve (Windows processes carry SIDs).
    if processes.is_empty() || cfg!(not(unix)) {
        return processes;
    }
    let mut accounts = Accounts::default();
    processes
        .into_iter()
        .map(|mut process| {
            process.user = process.uid.and_then(|uid| accounts.name(uid));
            process
        })
        .collect()
}

/// The container and systemd unit of a process, from its cgroup (Linux).
fn container_facts(pid: u32) -> (Option<crate::model::Container>, Option<String>) {
    #[cfg(target_os = "linux")]
    if let Some(path) = super::linux::cgroup::read(pid) {
        return super::linux::cgroup::classify(&path);
    }
    let _ = pid;
    (None, None)
}

/// The exe path, whether it was deleted, and its bytes when not UTF-8. sysinfo strips the
/// kernel's ` (deleted)` marker, so on Linux the link is read again here.
fn exe_facts(
    pid: u32,
    sysinfo_exe: Option<&std::path::Path>,
) -> (Option<String>, bool, Option<crate::model::raw::RawBytes>) {
    #[cfg(target_os = "linux")]
    if let Some(link) = super::linux::procfs::exe_link(pid) {
        return (Some(link.path), link.deleted, link.raw);
    }
    let _ = pid;
    let (exe, raw) = sysinfo_exe.map_or((None, None), |p| {
        let (text, raw) = crate::model::raw::decode_os(p.as_os_str());
        (Some(text), raw)
    });
    // Linux says ` (deleted)` itself (above); elsewhere the path is all there is.
    let deleted = cfg!(not(target_os = "linux")) && sysinfo_exe.is_some_and(image_missing);
    (exe, deleted, raw)
}

/// Whether a running image's file is gone (deleted after a rename, process ghosting): its
/// path no longer exists. Only NotFound counts: a file this user may not stat is not deleted.
fn image_missing(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

/// What sysinfo reads per process. Not the command line on Linux: sysinfo reads it whole, and a
/// process chooses its length (`names::command_line` reads it with a bounded buffer instead).
fn refresh_kind() -> ProcessRefreshKind {
    let kind = ProcessRefreshKind::nothing()
        .with_exe(UpdateKind::Always)
        .with_user(UpdateKind::Always);
    #[cfg(not(target_os = "linux"))]
    let kind = kind.with_cmd(UpdateKind::Always);
    kind
}

#[cfg(test)]
mod tests {
    use super::image_missing;

    #[test]
    fn an_image_is_missing_only_when_its_path_is_gone() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let exe = dir.path().join("agent.exe");
        std::fs::write(&exe, b"MZ").unwrap_or_else(|e| panic!("{e}"));
        assert!(!image_missing(&exe));
        std::fs::remove_file(&exe).unwrap_or_else(|e| panic!("{e}"));
        assert!(image_missing(&exe));
    }
}
