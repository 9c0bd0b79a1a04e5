//! Trusted configuration, the way sshd's `StrictModes` does it.
//!
//! A scanner running as root (or with capabilities) that reads a rule file, baseline, feed,
//! GeoIP database or state file someone else can write lets that someone decide what it reports:
//! one `[[allow]]` entry silences a backdoor. So when privileged, every such file and every
//! directory above it must be owned by root or the invoking user and writable by nobody else.
//! A file that fails is refused with a message naming the file, the problem and the fix;
//! `--insecure-config` turns the refusal into a warning. Unprivileged runs check nothing: they
//! can only read what their user can anyway. docs/security.md explains the choices.
//!
//! Trusted owners: uid 0, our effective uid, and `SUDO_UID` when we are root through sudo (the
//! person who ran `sudo` can become root anyway, so their files grant nothing new). A directory
//! writable by others is accepted only with the sticky bit (`/tmp`): then nobody can rename or
//! delete an entry they do not own, and the entry itself is checked.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static INSECURE: AtomicBool = AtomicBool::new(false);
/// Paths already warned about under `--insecure-config` (`watch` reopens files every interval).
static WARNED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// A file or directory that may not be used by a privileged run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", path.display(), self.reason())]
pub struct TrustError {
    /// The file that was to be read.
    pub path: PathBuf,
    /// What it is (`rule file`, `GeoIP database`...).
    pub what: &'static str,
    /// Every problem found, each with its fix.
    pub problems: Vec<Problem>,
}

/// One reason a path is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file itself or a directory above it.
    pub path: PathBuf,
    /// Whether `path` is the file itself (its target, for a symlink).
    pub target: bool,
    /// `writable by group and others (mode 0777)`, `owned by uid 65534`.
    pub issue: String,
    /// The command that fixes it.
    pub fix: String,
}

impl TrustError {
    /// The explanation without the path: every problem, its fix, and the override.
    pub fn reason(&self) -> String {
        let problems: Vec<String> = self
            .problems
            .iter()
            .map(|p| {
                let whose = if p.target {
                    format!("the {}", self.what)
                } else {
                    format!("its directory {}", p.path.display())
                };
                format!("{whose} is {} (fix: `{}`)", p.issue, p.fix)
            })
            .collect();
        format!(
            "refusing to use this {} in a privileged run: {}; or pass --insecure-config to use it anyway",
            self.what,
            problems.join("; ")
        )
    }
}

/// Who may own trusted files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Trusted owners (uid 0 always among them).
    pub owners: Vec<u32>,
}

/// Sets `--insecure-config` for this process: untrusted files are then used with a warning.
pub fn set_insecure(insecure: bool) {
    INSECURE.store(insecure, Ordering::Relaxed);
}

/// The policy of this process, or `None` when it is not privileged (nothing is checked).
pub fn current_policy() -> Option<Policy> {
    #[cfg(unix)]
    {
        let euid = rustix::process::geteuid();
        if !euid.is_root() && !has_capabilities() {
            return None;
        }
        let mut owners = vec![0, euid.as_raw()];
        // Root through sudo: the person who ran sudo is the invoking user.
        if euid.is_root()
            && rustix::process::getuid().is_root()
            && let Some(uid) = std::env::var("SUDO_UID")
                .ok()
                .and_then(|v| v.parse::<u32>().ok())
        {
            owners.push(uid);
        }
        owners.sort_unstable();
        owners.dedup();
        Some(Policy { owners })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Whether the process holds any effective capability (a non-root scanner given
/// `CAP_SYS_PTRACE` and `CAP_DAC_READ_SEARCH` reads every process's sockets: it is privileged).
#[cfg(unix)]
fn has_capabilities() -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        rustix::thread::capabilities(None).is_ok_and(|c| !c.effective.is_empty())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        false
    }
}

/// Checks `path` (a `what`, e.g. `rule file`) and the directories above it against this
/// process's policy. Unprivileged: always fine. With `--insecure-config`: a problem is a
/// warning (once per path) and the file is used.
pub fn check(path: &Path, what: &'static str) -> Result<(), TrustError> {
    let Some(policy) = current_policy() else {
        return Ok(());
    };
    match check_with(path, what, &policy) {
        Ok(()) => Ok(()),
        Err(err) if INSECURE.load(Ordering::Relaxed) => {
            let first = WARNED
                .lock()
                .map(|mut w| w.insert(path.to_path_buf()))
                .unwrap_or(true);
            if first {
                tracing::warn!(
                    "--insecure-config: using {} {} although {}",
                    what,
                    path.display(),
                    err.problems
                        .iter()
                        .map(|p| format!("{} is {}", p.path.display(), p.issue))
                        .collect::<Vec<_>>()
                        .join(" and ")
                );
            }
            Ok(())
        }
        Err(err) => Err(err),
    }
}

/// [`check`] with an explicit policy. A path that does not exist is not a trust problem (its
/// reader reports it); the directories above it are still checked.
pub fn check_with(path: &Path, what: &'static str, policy: &Policy) -> Result<(), TrustError> {
    #[cfg(unix)]
    let problems = {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for (p, target) in chain(path) {
            if !seen.insert(p.clone()) {
                continue;
            }
            // Follows symlinks: a link's target is what is read; the link's own directory is
            // in the chain too.
            let Ok(meta) = std::fs::metadata(&p) else {
                continue;
            };
            problems.extend(judge(&p, target, &meta, policy));
        }
        problems
    };
    // Windows: ownership and modes do not map onto ACLs; nothing is checked there.
    #[cfg(not(unix))]
    let problems: Vec<Problem> = {
        let _ = policy;
        Vec::new()
    };
    if problems.is_empty() {
        Ok(())
    } else {
        Err(TrustError {
            path: path.to_path_buf(),
            what,
            problems,
        })
    }
}

/// The path, every directory above it as written (made absolute), and the same for where it
/// really is once symlinks are resolved.
#[cfg(unix)]
fn chain(path: &Path) -> Vec<(PathBuf, bool)> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    };
    let with_flags = |p: &Path| {
        p.ancestors()
            .enumerate()
            .map(|(i, a)| (a.to_path_buf(), i == 0))
            .collect::<Vec<_>>()
    };
    let mut out = with_flags(&absolute);
    let resolved = std::fs::canonicalize(&absolute).ok().or_else(|| {
        let parent = std::fs::canonicalize(absolute.parent()?).ok()?;
        Some(parent.join(absolute.file_name()?))
    });
    if let Some(real) = resolved {
        out.extend(with_flags(&real));
    }
    out
}

/// The problems of one path (the file or one of its directories).
#[cfg(unix)]
fn judge(path: &Path, target: bool, meta: &std::fs::Metadata, policy: &Policy) -> Vec<Problem> {
    use std::os::unix::fs::MetadataExt;
    let mut problems = Vec::new();
    let shown = path.display().to_string();
    if !policy.owners.contains(&meta.uid()) {
        let allowed: Vec<String> = policy.owners.iter().map(u32::to_string).collect();
        problems.push(Problem {
            path: path.to_path_buf(),
            target,
            issue: format!(
                "owned by uid {}, not by root or the invoking user (trusted uids: {})",
                meta.uid(),
                allowed.join(", ")
            ),
            fix: format!("chown root {shown}"),
        });
    }
    let mode = meta.mode() & 0o7777;
    let sticky_dir = meta.is_dir() && mode & 0o1000 != 0;
    let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => Some(("group and others", "go-w")),
        (true, false) => Some(("group", "g-w")),
        (false, true) => Some(("others", "o-w")),
        (false, false) => None,
    };
    if let Some((who, chmod)) = who.filter(|_| !sticky_dir) {
        problems.push(Problem {
            path: path.to_path_buf(),
            target,
            issue: format!("writable by {who} (mode {mode:04o})"),
            fix: format!("chmod {chmod} {shown}"),
        });
    }
    problems
}

/// Whether only root or this process's user can change the file's contents: owned by one of
/// them, writable by neither group nor others. What makes mapping a GeoIP database sound
/// (src/enrich/geoip.rs); stricter than [`Policy`], which also trusts `SUDO_UID`.
pub fn writable_only_by_us(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        (meta.uid() == 0 || meta.uid() == me) && meta.mode() & 0o022 == 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn root_only() -> Policy {
        Policy { owners: vec![0] }
    }

    /// Root and us, as for a root run.
    fn me_only() -> Policy {
        Policy {
            owners: vec![0, rustix::process::geteuid().as_raw()],
        }
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    }

    #[test]
    fn a_private_file_in_a_private_directory_passes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("rules.toml");
        std::fs::write(&file, "").unwrap_or_else(|e| panic!("{e}"));
        chmod(&file, 0o644);
        // /tmp above it is world-writable but sticky: accepted.
        assert_eq!(check_with(&file, "rule file", &me_only()), Ok(()));
    }

    #[test]
    fn writable_files_and_directories_are_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("conf");
        std::fs::create_dir(&sub).unwrap_or_else(|e| panic!("{e}"));
        let file = sub.join("rules.toml");
        std::fs::write(&file, "").unwrap_or_else(|e| panic!("{e}"));
        chmod(&file, 0o664);
        chmod(&sub, 0o757);
        let err = check_with(&file, "rule file", &me_only()).err();
        let err = err.unwrap_or_else(|| panic!("accepted a group-writable file"));
        assert_eq!(err.problems.len(), 2, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("the rule file is writable by group (mode 0664) (fix: `chmod g-w "),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "its directory {} is writable by others (mode 0757)",
                sub.display()
            )),
            "{text}"
        );
        assert!(text.contains("--insecure-config"), "{text}");
    }

    #[test]
    fn a_file_owned_by_another_user_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("feed.txt");
        std::fs::write(&file, "").unwrap_or_else(|e| panic!("{e}"));
        // Owned by us; a policy trusting only someone else sees a foreign owner.
        let me = rustix::process::geteuid().as_raw();
        let other = Policy {
            owners: vec![me.wrapping_add(1)],
        };
        let err = check_with(&file, "feed", &other).err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains(&format!("owned by uid {me}")), "{text}");
        assert!(text.contains("fix: `chown root "), "{text}");
        if me != 0 {
            assert!(check_with(&file, "feed", &root_only()).is_err());
        }
    }

    #[test]
    fn a_symlink_is_judged_where_it_points_and_where_it_lives() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let open_dir = dir.path().join("open");
        std::fs::create_dir(&open_dir).unwrap_or_else(|e| panic!("{e}"));
        let target = open_dir.join("real.toml");
        std::fs::write(&target, "").unwrap_or_else(|e| panic!("{e}"));
        chmod(&target, 0o644);
        chmod(&open_dir, 0o777);
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap_or_else(|e| panic!("{e}"));
        let err = check_with(&link, "rule file", &me_only()).err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("open is writable by group and others"),
            "{text}"
        );
    }

    #[test]
    fn a_missing_file_is_left_to_its_reader_but_its_directory_is_checked() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            check_with(&dir.path().join("absent"), "state file", &me_only()),
            Ok(())
        );
        chmod(dir.path(), 0o777);
        assert!(check_with(&dir.path().join("absent"), "state file", &me_only()).is_err());
        chmod(dir.path(), 0o700);
    }
}
