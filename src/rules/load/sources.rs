//! Where rules come from, in load order.

use std::path::PathBuf;

/// Where rules come from, in load order: the built-in pack, the system directory
/// (`/etc/sockaudit/rules.d`, `%ProgramData%\sockaudit\rules.d`), the user's
/// (`$XDG_CONFIG_HOME/sockaudit/rules.d`, `%APPDATA%\sockaudit\rules.d`), then each explicit
/// path (file or directory).
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    /// Load the embedded default pack.
    pub builtin: bool,
    /// Directories read when they exist (missing ones are skipped silently).
    pub optional_dirs: Vec<PathBuf>,
    /// Files or directories the user named; they must exist.
    pub paths: Vec<PathBuf>,
    /// Sigma files or directories (`--sigma`), read after every `[sigma] paths` entry.
    pub sigma: Vec<PathBuf>,
}

impl RuleSources {
    /// The standard order: built-in pack (unless `no_default`), system and user directories,
    /// then `paths`.
    pub fn standard(no_default: bool, paths: Vec<PathBuf>) -> RuleSources {
        let places = crate::files::places::Places::current();
        let mut optional_dirs = vec![places.system_rules];
        optional_dirs.extend(places.user_rules);
        RuleSources {
            builtin: !no_default,
            optional_dirs,
            paths,
            sigma: Vec::new(),
        }
    }

    /// The same sources with Sigma files or directories to read too.
    pub fn with_sigma(mut self, sigma: Vec<PathBuf>) -> RuleSources {
        self.sigma = sigma;
        self
    }

    /// Only the given files, no built-in pack and no system directories (`rules check`).
    pub fn only(paths: Vec<PathBuf>, with_builtin: bool) -> RuleSources {
        RuleSources {
            builtin: with_builtin,
            optional_dirs: Vec::new(),
            paths,
            sigma: Vec::new(),
        }
    }
}

/// Rule files that could not be loaded; nothing may run with half the rules.
#[derive(Debug, thiserror::Error)]
#[error("{count} problem(s) in rule files; nothing was scanned")]
pub struct RuleErrors {
    /// Every diagnostic, rendered with file:line:column and a caret.
    pub rendered: String,
    /// How many.
    pub count: usize,
}
