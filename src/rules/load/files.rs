//! Finding and reading rule files: the built-in pack, the system and user directories, the
//! paths the user named; each checked for trust and size.

use std::path::{Path, PathBuf};

use super::builtin;
use super::diag::Diag;
use super::sources::RuleSources;

/// Largest rule file read; rule files are hand-written, this is far above any real one.
pub const MAX_RULE_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// (display name, text) of every file to read, in order; unreadable named paths are
/// diagnostics.
pub(super) fn gather(sources: &RuleSources, diags: &mut Vec<Diag>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if sources.builtin {
        out.extend(
            builtin::FILES
                .iter()
                .map(|(n, t)| ((*n).to_string(), (*t).to_string())),
        );
    }
    for dir in &sources.optional_dirs {
        if dir.is_dir() {
            read_dir_into(dir, &mut out, diags);
        }
    }
    for path in &sources.paths {
        if path.is_dir() {
            read_dir_into(path, &mut out, diags);
        } else {
            read_file_into(path, &mut out, diags);
        }
    }
    if sources.builtin {
        replace_builtin_copies(&mut out);
    }
    out
}

/// A named file that is a built-in file (the same text, or the file the pack was built from)
/// takes that file's place: loading both would report every one of its rules as a duplicate of
/// itself. It keeps the built-in file's position in the load order and its own name, so
/// diagnostics point at the file the user named.
fn replace_builtin_copies(out: &mut Vec<(String, String)>) {
    for (index, ((_, text), source)) in builtin::FILES.iter().zip(builtin::SOURCE_PATHS).enumerate()
    {
        let source = Path::new(source).canonicalize().ok();
        let copy = out.iter().skip(builtin::FILES.len()).position(|(name, t)| {
            t == text
                || source
                    .as_ref()
                    .is_some_and(|s| Path::new(name).canonicalize().ok().as_ref() == Some(s))
        });
        if let Some(at) = copy {
            let file = out.remove(builtin::FILES.len() + at);
            tracing::info!(
                "{} is the built-in {}: loaded once, in its place",
                file.0,
                builtin::FILES[index].0
            );
            out[index] = file;
        }
    }
}

fn file_diag(path: &Path, message: String, help: Option<&str>) -> Diag {
    Diag {
        loc: None,
        message,
        label: String::new(),
        help: help.map(str::to_string),
        path: Some(path.display().to_string()),
    }
}

fn read_dir_into(dir: &Path, out: &mut Vec<(String, String)>, diags: &mut Vec<Diag>) {
    if let Err(e) = crate::files::trust::check(dir, "rule directory") {
        diags.push(file_diag(dir, e.reason(), None));
        return;
    }
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .collect();
            files.sort();
            for f in files {
                read_file_into(&f, out, diags);
            }
        }
        Err(err) => diags.push(file_diag(
            dir,
            format!("cannot read rule directory: {err}"),
            None,
        )),
    }
}

fn read_file_into(path: &Path, out: &mut Vec<(String, String)>, diags: &mut Vec<Diag>) {
    if let Err(e) = crate::files::trust::check(path, "rule file") {
        diags.push(file_diag(path, e.reason(), None));
        return;
    }
    let too_big = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_RULE_FILE_BYTES);
    if too_big {
        diags.push(file_diag(
            path,
            format!(
                "larger than the {} MiB rule file limit",
                MAX_RULE_FILE_BYTES >> 20
            ),
            None,
        ));
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => out.push((path.display().to_string(), text)),
            Err(_) => diags.push(file_diag(
                path,
                "not UTF-8 text, so not a TOML rule file".to_string(),
                None,
            )),
        },
        Err(err) => diags.push(file_diag(
            path,
            format!("cannot read rule file: {err}"),
            Some("check the path given to --rules, --baseline or `baseline check`"),
        )),
    }
}
