//! Every network namespace on the machine: which exist, and running work inside one.
//!
//! sock_diag answers for the namespace of the socket that asks, so `ss` on the host never
//! shows a container's sockets. Namespaces are found through each process's
//! `/proc/PID/ns/net` link (read during the fd walk) and the names `ip netns add` mounts under
//! `/run/netns`; a thread of ours enters one with `setns(2)` (which needs CAP_SYS_ADMIN over
//! it) and reads it as if it ran there. Threads only: `setns` of a network namespace changes
//! the calling thread, never the rest of the process.

use std::collections::BTreeMap;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where `ip netns add` mounts named namespaces.
pub const RUN_NETNS: &str = "/run/netns";

use rustix::fs::{Mode, OFlags};
use rustix::thread::{LinkNameSpaceType, move_into_link_name_space};

use super::fds::parse_netns_link;

/// `NSFS_MAGIC` (include/uapi/linux/magic.h): the file system of namespace files. A file under
/// `/run/netns` that is not on it is a leftover of a namespace already gone.
const NSFS_MAGIC: i64 = 0x6e73_6673;

/// One network namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Its inode.
    pub inode: u64,
    /// Processes living in it, ascending.
    pub pids: Vec<u32>,
    /// Its names under `/run/netns`, sorted.
    pub names: Vec<String>,
}

impl Found {
    /// A file that refers to it, for `setns`: its `/run/netns` name (stable), else the
    /// namespace link of its first process.
    pub fn handle(&self, run_netns: &Path) -> Option<PathBuf> {
        match (self.names.first(), self.pids.first()) {
            (Some(name), _) => Some(run_netns.join(name)),
            (None, Some(pid)) => Some(PathBuf::from(format!("/proc/{pid}/ns/net"))),
            (None, None) => None,
        }
    }
}

/// The inode of the namespace a `ns/net` link or a `/run/netns` file refers to.
pub fn inode_of(path: &Path) -> Option<u64> {
    match std::fs::read_link(path) {
        Ok(target) => parse_netns_link(target.as_os_str().as_encoded_bytes()),
        // A bind mount under /run/netns is not a link: its inode is the namespace's.
        Err(_) => std::fs::metadata(path).ok().map(|m| m.ino()),
    }
}

/// The namespace this thread runs in.
pub fn own() -> Option<u64> {
    inode_of(Path::new("/proc/thread-self/ns/net"))
}

/// The namespace of PID 1, the host's; `None` when that link is not readable (not root).
pub fn host() -> Option<u64> {
    inode_of(Path::new("/proc/1/ns/net"))
}

/// Groups `(pid, namespace)` pairs from the fd walk, adds the names under `run_netns`
/// (namespaces that only a name keeps alive included), and returns them by inode.
pub fn discover(pid_netns: &[(u32, u64)], run_netns: &Path) -> BTreeMap<u64, Found> {
    let mut found: BTreeMap<u64, Found> = BTreeMap::new();
    for &(pid, inode) in pid_netns {
        let entry = found.entry(inode).or_default();
        entry.inode = inode;
        entry.pids.push(pid);
    }
    for (name, inode) in names(run_netns) {
        let entry = found.entry(inode).or_default();
        entry.inode = inode;
        entry.names.push(name);
    }
    for entry in found.values_mut() {
        entry.pids.sort_unstable();
        entry.names.sort();
    }
    found
}

/// `(name, inode)` of every live namespace mounted under `run_netns`.
pub fn names(run_netns: &Path) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(run_netns) else {
        return Vec::new();
    };
    let mut names: Vec<(String, u64)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let inode = std::fs::metadata(&path).ok()?.ino();
            on_nsfs(&path).then(|| (entry.file_name().to_string_lossy().into_owned(), inode))
        })
        .collect();
    names.sort();
    names
}

/// Whether `path` is on nsfs (a live namespace file).
// f_type is i64 on x86_64 but narrower elsewhere: the conversion is needed there.
#[allow(clippy::useless_conversion)]
fn on_nsfs(path: &Path) -> bool {
    rustix::fs::statfs(path).is_ok_and(|fs| i64::from(fs.f_type) == NSFS_MAGIC)
}

/// Why work inside a namespace could not run.
#[derive(Debug, thiserror::Error)]
pub enum EnterError {
    /// The namespace file could not be opened (the process exited, or no permission).
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// `setns` refused (no CAP_SYS_ADMIN over the namespace).
    #[error("cannot enter it (setns: {0}); entering a namespace needs CAP_SYS_ADMIN over it")]
    Enter(std::io::Error),
    /// The thread could not be started or panicked.
    #[error("the thread reading it failed")]
    Thread,
}

/// Runs `work` on a new thread that first enters the network namespace `ns_file` refers to.
/// The calling thread's namespace is never changed.
pub fn within<T: Send>(ns_file: &Path, work: impl FnOnce() -> T + Send) -> Result<T, EnterError> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("netns".to_string())
            .spawn_scoped(scope, move || {
                let file =
                    rustix::fs::open(ns_file, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
                        .map_err(|e| EnterError::Open {
                            path: ns_file.display().to_string(),
                            source: e.into(),
                        })?;
                move_into_link_name_space(file.as_fd(), Some(LinkNameSpaceType::Network))
                    .map_err(|e| EnterError::Enter(e.into()))?;
                Ok(work())
            })
            .map_err(|_| EnterError::Thread)?;
        handle.join().map_err(|_| EnterError::Thread)?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_processes_by_namespace() {
        let found = discover(&[(30, 7), (10, 7), (20, 9)], Path::new("/nonexistent"));
        let seven = found.get(&7).cloned().unwrap_or_default();
        assert_eq!(seven.pids, vec![10, 30]);
        assert_eq!(
            seven.handle(Path::new("/run/netns")),
            Some(PathBuf::from("/proc/10/ns/net"))
        );
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn own_namespace_is_readable_and_entering_it_works() -> Result<(), Box<dyn std::error::Error>> {
        let own = own().ok_or("own namespace link unreadable")?;
        let path = PathBuf::from(format!("/proc/{}/ns/net", std::process::id()));
        // Entering the namespace we are in needs the same privilege as entering any other:
        // as root it works and the thread sees the same namespace.
        match within(&path, super::own) {
            Ok(seen) => assert_eq!(seen, Some(own)),
            Err(EnterError::Enter(e)) => {
                assert!(rustix::process::geteuid().as_raw() != 0, "root: {e}")
            }
            Err(e) => return Err(e.into()),
        }
        assert!(matches!(
            within(Path::new("/nonexistent/ns"), || ()),
            Err(EnterError::Open { .. })
        ));
        Ok(())
    }
}
