//! What a hidden process is and which sockets it holds, read through a `/proc` that shows it
//! (the private procfs instance, or `/proc` itself when only its listing hides the PID), or
//! without any procfs through its fds duplicated with `pidfd_getfd`.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::fstat;
use rustix::process::{Pid, PidfdFlags, PidfdGetfdFlags, pidfd_getfd, pidfd_open};

use super::super::{cmdline, fds, procfs};
use crate::model::{Fact, Process};

/// Fds tried one by one when no procfs lists the fd table: past this, a socket is missed (and
/// the evidence says the fd table was probed, not read).
pub const PROBED_FDS: u32 = 1024;

/// The process facts under `root/PID`, `None` when it cannot be read there. The user name is
/// left to the caller (it resolves uids for every process at once).
pub fn process(root: &Path, pid: u32) -> Option<Process> {
    let dir = root.join(pid.to_string());
    let comm = std::fs::read(dir.join("comm")).ok()?;
    let comm = comm.strip_suffix(b"\n").unwrap_or(&comm);
    let (name, name_raw) = crate::model::raw::decode(comm);
    let exe = std::fs::read_link(dir.join("exe"))
        .ok()
        .map(|t| procfs::classify_exe(t.as_os_str().as_bytes()));
    let cmd = cmdline::read(root, pid, crate::files::limits::MAX_CMDLINE_BYTES).unwrap_or_default();
    let (cmdline, cmdline_raw) = crate::model::raw::decode_all(&cmd.args);
    let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u32>().ok())
    };
    Some(Process {
        pid,
        ppid: field("PPid:"),
        name,
        exe_deleted: exe.as_ref().is_some_and(|e| e.deleted),
        exe_replaced: false,
        exe_raw: exe.as_ref().and_then(|e| e.raw.clone()),
        exe: exe.map(|e| e.path),
        cmdline,
        name_raw,
        cmdline_raw,
        truncated: if cmd.truncated {
            vec![Fact::Cmdline]
        } else {
            Vec::new()
        },
        user: None,
        uid: field("Uid:"),
        sid: None,
        start_time: None,
        stdio_sockets: Vec::new(),
        stdio_peers: Vec::new(),
        services: Vec::new(),
        container: None,
        unit: None,
        hidden: None,
    })
}

/// (socket inode, fd) of every socket in `root/PID/fd`; `None` when it cannot be listed.
pub fn sockets(root: &Path, pid: u32) -> Option<Vec<(u64, u32)>> {
    let dir = root.join(pid.to_string()).join("fd");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let Some(fd) = fds::parse_u32(entry.file_name().as_bytes()) else {
            continue;
        };
        if let Some(inode) = std::fs::read_link(entry.path())
            .ok()
            .and_then(|t| fds::parse_socket_link(t.as_os_str().as_bytes()))
        {
            found.push((inode, fd));
        }
    }
    found.sort_unstable();
    Some(found)
}

/// (socket inode, fd) of the sockets on fds `0..PROBED_FDS`, each duplicated with
/// `pidfd_getfd` (CAP_SYS_PTRACE) and closed again: no procfs needed.
pub fn sockets_by_pidfd(pid: u32) -> Option<Vec<(u64, u32)>> {
    let pid = i32::try_from(pid).ok().and_then(Pid::from_raw)?;
    let pidfd = pidfd_open(pid, PidfdFlags::empty()).ok()?;
    let mut found = Vec::new();
    for fd in 0..PROBED_FDS {
        let Ok(raw) = i32::try_from(fd) else { break };
        let Ok(copy) = pidfd_getfd(&pidfd, raw, PidfdGetfdFlags::empty()) else {
            continue;
        };
        if let Ok(stat) = fstat(&copy)
            && rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Socket
        {
            found.push((stat.st_ino, fd));
        }
    }
    found.sort_unstable();
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_facts_and_sockets_read_through_proc_and_pidfd() -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        let me = std::process::id();
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let fd = u32::try_from(listener.as_raw_fd()).map_err(std::io::Error::other)?;
        let proc_ = process(Path::new("/proc"), me).ok_or(std::io::ErrorKind::NotFound)?;
        assert_eq!(proc_.pid, me);
        assert!(proc_.exe.is_some() && !proc_.cmdline.is_empty() && proc_.uid.is_some());
        let held = sockets(Path::new("/proc"), me).unwrap_or_default();
        let (inode, _) = held
            .iter()
            .copied()
            .find(|(_, f)| *f == fd)
            .ok_or(std::io::ErrorKind::NotFound)?;
        // pidfd_getfd on ourselves needs no privilege and finds the same socket.
        if let Some(probed) = sockets_by_pidfd(me) {
            assert!(
                probed.contains(&(inode, fd)),
                "{probed:?} lacks {inode}/{fd}"
            );
        }
        Ok(())
    }
}
