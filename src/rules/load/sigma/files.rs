//! Finding Sigma files: each named file, and every `*.yml` / `*.yaml` under each named
//! directory (recursively, in path order: SigmaHQ nests rules by platform and category).

use std::path::{Path, PathBuf};

use crate::rules::load::MAX_RULE_FILE_BYTES;
use crate::rules::load::diag::Diag;

fn file_diag(path: &Path, message: String) -> Diag {
    Diag {
        loc: None,
        message,
        label: String::new(),
        help: None,
        path: Some(path.display().to_string()),
    }
}

/// (display name, text) of every Sigma file under `paths`; problems become diagnostics.
pub(super) fn gather(paths: &[PathBuf], diags: &mut Vec<Diag>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found, diags, 0);
            found.sort();
            for f in found {
                read(&f, &mut out, diags);
            }
        } else {
            read(path, &mut out, diags);
        }
    }
    out
}

/// Directories nested deeper than this are not followed (a symlink loop would never end).
const MAX_DEPTH: usize = 16;

fn walk(dir: &Path, found: &mut Vec<PathBuf>, diags: &mut Vec<Diag>, depth: usize) {
    if let Err(e) = crate::files::trust::check(dir, "Sigma rule directory") {
        diags.push(file_diag(dir, e.reason()));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            diags.push(file_diag(
                dir,
                format!("cannot read Sigma rule directory: {err}"),
            ));
            return;
        }
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.is_dir() && depth < MAX_DEPTH {
            walk(&path, found, diags, depth + 1);
        } else if path.is_file()
            && path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("yml") || x.eq_ignore_ascii_case("yaml"))
        {
            found.push(path);
        }
    }
}

fn read(path: &Path, out: &mut Vec<(String, String)>, diags: &mut Vec<Diag>) {
    if let Err(e) = crate::files::trust::check(path, "Sigma rule file") {
        diags.push(file_diag(path, e.reason()));
        return;
    }
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_RULE_FILE_BYTES) {
        diags.push(file_diag(
            path,
            format!(
                "larger than the {} MiB rule file limit",
                MAX_RULE_FILE_BYTES >> 20
            ),
        ));
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => out.push((path.display().to_string(), text)),
            Err(_) => diags.push(file_diag(path, "not UTF-8 text, so not a Sigma rule file".to_string())),
        },
        Err(err) => diags.push(file_diag(
            path,
            format!("cannot read Sigma rule file: {err} (check the path given to --sigma or [sigma] paths)"),
        )),
    }
}
