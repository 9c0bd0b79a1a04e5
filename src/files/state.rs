//! The `--state` file: which findings were reported and when, so repeated runs (cron, systemd
//! timers, `watch`) report only what is new, what is resolved, and what is due again after
//! `--renotify`.
//!
//! The file is JSON, written atomically (0600), guarded by an exclusive lock on `FILE.lock`
//! so two overlapping runs never interleave (the second waits, then sees the first's record),
//! and bounded: it holds only findings that are present now.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::files::atomic::{NewFileMode, WriteError, write_atomic};
use crate::model::finding::{Finding, RuleKind, Severity};

/// Version of the state layout.
pub const STATE_VERSION: u32 = 1;

/// What is remembered of one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Rule id.
    pub rule: String,
    /// Rule kind.
    pub kind: RuleKind,
    /// Severity when last seen.
    pub severity: Severity,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Message when last seen.
    pub message: String,
    /// First run that saw it.
    pub first_seen: jiff::Timestamp,
    /// Last run that saw it.
    pub last_seen: jiff::Timestamp,
    /// Last run that reported it.
    pub last_reported: jiff::Timestamp,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// [`STATE_VERSION`].
    pub schema_version: u32,
    /// When it was last written.
    pub updated_at: Option<jiff::Timestamp>,
    /// Present findings by `rule:fingerprint`.
    pub findings: BTreeMap<String, Seen>,
    /// The last kernel counter sample of each network namespace, by label, for counter rules
    /// to compare with next run (absent in files written before counters, and when no counter
    /// rule ran).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, crate::model::counters::CounterSample>,
}

/// What changed since the last run.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    /// Findings to report: new ones, and still-present ones due again (`--renotify`).
    pub report: Vec<Finding>,
    /// How many of `report` are re-notifications.
    pub renotified: usize,
    /// Findings present before and not now.
    pub resolved: Vec<Seen>,
    /// Still present and already reported: not repeated.
    pub unchanged: usize,
}

fn key(f: &Finding) -> String {
    format!("{}:{}", f.rule, f.fingerprint)
}

impl State {
    /// Compares this run's findings with the state and returns the delta and the next state
    /// (without counters: the caller stores this run's samples).
    pub fn advance(
        &self,
        findings: &[Finding],
        now: jiff::Timestamp,
        renotify: Option<Duration>,
    ) -> (Delta, State) {
        let mut next = State {
            schema_version: STATE_VERSION,
            updated_at: Some(now),
            findings: BTreeMap::new(),
            counters: BTreeMap::new(),
        };
        let mut delta = Delta::default();
        for f in findings {
            let k = key(f);
            let (first_seen, last_reported, report, again) = match self.findings.get(&k) {
                None => (now, now, true, false),
                Some(seen) => {
                    let due = renotify.is_some_and(|every| {
                        let elapsed = now.as_millisecond() - seen.last_reported.as_millisecond();
                        u128::try_from(elapsed).is_ok_and(|ms| ms >= every.as_millis())
                    });
                    (
                        seen.first_seen,
                        if due { now } else { seen.last_reported },
                        due,
                        due,
                    )
                }
            };
            if report {
                delta.report.push(f.clone());
                delta.renotified += usize::from(again);
            } else {
                delta.unchanged += 1;
            }
            next.findings.insert(
                k,
                Seen {
                    rule: f.rule.clone(),
                    kind: f.kind.clone(),
                    severity: f.severity,
                    fingerprint: f.fingerprint.clone(),
                    message: f.message.clone(),
                    first_seen,
                    last_seen: now,
                    last_reported,
                },
            );
        }
        for (k, seen) in &self.findings {
            if !next.findings.contains_key(k) {
                delta.resolved.push(seen.clone());
            }
        }
        (delta, next)
    }
}

/// Most findings an event stream remembers (`watch --events`): beyond it the least recently
/// seen are forgotten, so memory stays bounded whatever the event rate.
pub const EVENT_FINDINGS_MAX: usize = 10_000;

impl State {
    /// For event streams: returns the findings not reported yet (new, or due again with
    /// `renotify`) and records every one as seen `now`. Nothing resolves: an event that
    /// happened does not stop having happened.
    pub fn record_new(
        &mut self,
        findings: &[Finding],
        now: jiff::Timestamp,
        renotify: Option<Duration>,
    ) -> Vec<Finding> {
        let mut report = Vec::new();
        for f in findings {
            let k = key(f);
            let entry = self.findings.entry(k).or_insert_with(|| {
                report.push(f.clone());
                Seen {
                    rule: f.rule.clone(),
                    kind: f.kind.clone(),
                    severity: f.severity,
                    fingerprint: f.fingerprint.clone(),
                    message: f.message.clone(),
                    first_seen: now,
                    last_seen: now,
                    last_reported: now,
                }
            });
            let due = renotify.is_some_and(|every| {
                let elapsed = now.as_millisecond() - entry.last_reported.as_millisecond();
                u128::try_from(elapsed).is_ok_and(|ms| ms >= every.as_millis())
            });
            if due {
                entry.last_reported = now;
                report.push(f.clone());
            }
            entry.last_seen = now;
        }
        if self.findings.len() > EVENT_FINDINGS_MAX {
            let mut by_age: Vec<(jiff::Timestamp, String)> = self
                .findings
                .iter()
                .map(|(k, s)| (s.last_seen, k.clone()))
                .collect();
            by_age.sort();
            let excess = self.findings.len() - EVENT_FINDINGS_MAX;
            for (_, k) in by_age.into_iter().take(excess) {
                self.findings.remove(&k);
            }
        }
        self.updated_at = Some(now);
        report
    }
}

/// Why the state file could not be used; the run still fails only for write errors.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The lock file could not be opened or locked.
    #[error("{}: cannot lock the state file: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The state could not be written (the previous file is intact).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A privileged run refuses a state file (or directory) others can write: it decides
    /// which findings are reported (src/files/trust.rs).
    #[error(transparent)]
    Untrusted(#[from] crate::files::trust::TrustError),
}

/// The default state file: as root (an elevated Windows token), the machine's
/// (`/var/lib/sockaudit/state.json`, `%ProgramData%\sockaudit\state.json`), else the user's
/// (`$XDG_STATE_HOME/sockaudit/state.json`, default `~/.local/state/...`;
/// `%LOCALAPPDATA%\sockaudit\state.json`). See [`crate::files::places`].
pub fn default_path() -> PathBuf {
    let places = crate::files::places::Places::current();
    if crate::files::privilege::is_privileged() == Some(true) {
        places.system_state
    } else {
        places.user_state
    }
}

/// Why a state file's bytes are not a usable state ([`StateFile::open`] moves such a file aside).
#[derive(Debug, thiserror::Error)]
pub enum StateParseError {
    /// Not state JSON.
    #[error("unreadable state ({0})")]
    Json(#[from] serde_json::Error),
    /// A state of another version.
    #[error("unknown state version {0}")]
    Version(u32),
}

/// Parses the bytes of a state file, as [`StateFile::open`] does.
pub fn parse(bytes: &[u8]) -> Result<State, StateParseError> {
    let state = serde_json::from_slice::<State>(bytes)?;
    if state.schema_version == STATE_VERSION {
        Ok(state)
    } else {
        Err(StateParseError::Version(state.schema_version))
    }
}

/// An open, locked state file. The lock is held until this is dropped.
pub struct StateFile {
    path: PathBuf,
    _lock: std::fs::File,
    /// What was read (empty on a first run or after recovery).
    pub state: State,
    /// Notes for the report (a corrupt file moved aside...).
    pub warnings: Vec<String>,
}

impl StateFile {
    /// Locks and reads the state file, creating its directory. A corrupt or future-version
    /// file is moved aside as `FILE.corrupt` with a warning and the run continues as a first
    /// run.
    pub fn open(path: &Path) -> Result<StateFile, StateError> {
        crate::files::trust::check(path, "state file")?;
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        let lock_err = |source| StateError::Lock {
            path: lock_path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(lock_err)?;
        }
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(lock_err)?;
        lock_exclusive(&lock).map_err(lock_err)?;
        let mut warnings = Vec::new();
        let state = match crate::files::limits::read_capped(
            path,
            crate::files::limits::MAX_STATE_BYTES,
            "state file",
        ) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            // Not ours to read whole, and not ours to lose: set aside like a corrupt file.
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                set_aside(path, &e.to_string(), &mut warnings)
            }
            Err(e) => {
                warnings.push(format!(
                    "{}: cannot read state ({e}); treating this as a first run",
                    path.display()
                ));
                State::default()
            }
            Ok(bytes) => match parse(&bytes) {
                Ok(s) => s,
                Err(why) => set_aside(path, &why.to_string(), &mut warnings),
            },
        };
        Ok(StateFile {
            path: path.to_path_buf(),
            _lock: lock,
            state,
            warnings,
        })
    }

    /// Writes the next state atomically with mode 0600.
    pub fn save(&self, next: &State) -> Result<(), StateError> {
        let mut text = serde_json::to_string_pretty(next).unwrap_or_default();
        text.push('\n');
        write_atomic(&self.path, text.as_bytes(), NewFileMode::Private)?;
        Ok(())
    }
}

/// Moves an unusable state file to `FILE.corrupt` (kept for a look, never lost) and starts
/// over as a first run.
fn set_aside(path: &Path, why: &str, warnings: &mut Vec<String>) -> State {
    let aside = PathBuf::from(format!("{}.corrupt", path.display()));
    warnings.push(match std::fs::rename(path, &aside) {
        Ok(()) => format!(
            "{}: {why}; moved it to {} and continuing as a first run",
            path.display(),
            aside.display()
        ),
        Err(e) => format!(
            "{}: {why}; could not move it aside ({e}); continuing as a first run",
            path.display()
        ),
    });
    State::default()
}

#[cfg(unix)]
fn lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::LockExclusive).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    file.lock()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::finding::Evidence;

    fn finding(rule: &str, fp: &str) -> Finding {
        Finding {
            rule: rule.into(),
            kind: RuleKind::new("listen"),
            severity: Severity::High,
            message: format!("{rule} {fp}"),
            fingerprint: fp.into(),
            origin: "x:1".into(),
            socket: None,
            process: None,
            remote: None,
            evidence: Evidence::default(),
        }
    }

    #[test]
    fn new_unchanged_resolved_and_renotified() {
        let t0 = jiff::Timestamp::from_second(1_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let hour = Duration::from_secs(3600);
        let (d1, s1) =
            State::default().advance(&[finding("a", "1"), finding("b", "2")], t0, Some(hour));
        assert_eq!(d1.report.len(), 2);
        let t1 = t0 + jiff::SignedDuration::from_secs(60);
        let (d2, s2) = s1.advance(&[finding("a", "1")], t1, Some(hour));
        assert!(d2.report.is_empty());
        assert_eq!(d2.unchanged, 1);
        assert_eq!(d2.resolved.len(), 1);
        assert_eq!(d2.resolved[0].rule, "b");
        let t2 = t0 + jiff::SignedDuration::from_secs(3700);
        let (d3, s3) = s2.advance(&[finding("a", "1")], t2, Some(hour));
        assert_eq!((d3.report.len(), d3.renotified), (1, 1));
        assert_eq!(s3.findings["a:1"].first_seen, t0);
        assert_eq!(s3.findings["a:1"].last_reported, t2);
        let (d4, _) = s3.advance(&[finding("a", "1")], t2, None);
        assert!(d4.report.is_empty(), "no renotify without --renotify");
    }
}
