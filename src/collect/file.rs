//! Saved snapshots: load (with version checks and located errors) and save (atomically).

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use super::CollectError;
use crate::model::{SCHEMA_VERSION, Snapshot};

/// The snapshot versions this build reads.
const READABLE: std::ops::RangeInclusive<u32> = 1..=SCHEMA_VERSION;

/// Largest snapshot file we read; a 100k-socket snapshot is ~40 MB.
pub const MAX_SNAPSHOT_BYTES: u64 = 512 * 1024 * 1024;

/// Reads a snapshot written by `sockaudit snapshot` or `sockaudit list --format json`.
pub fn load(path: &Path) -> Result<Snapshot, CollectError> {
    let read_err = |source| CollectError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if meta.is_dir() {
        return Err(invalid(
            path,
            "is a directory, not a snapshot file".to_string(),
        ));
    }
    // Refuse a large regular file before reading it; the capped read below catches streams.
    if meta.len() > MAX_SNAPSHOT_BYTES {
        return Err(invalid(
            path,
            format!(
                "larger than the {} MiB snapshot limit",
                MAX_SNAPSHOT_BYTES >> 20
            ),
        ));
    }
    let mut text = String::new();
    let read = file.take(MAX_SNAPSHOT_BYTES + 1).read_to_string(&mut text);
    match read {
        Ok(n) if n as u64 > MAX_SNAPSHOT_BYTES => {
            return Err(invalid(
                path,
                format!(
                    "larger than the {} MiB snapshot limit",
                    MAX_SNAPSHOT_BYTES >> 20
                ),
            ));
        }
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
            return Err(invalid(
                path,
                "not UTF-8 text, so not a snapshot JSON file".to_string(),
            ));
        }
        Err(err) => return Err(read_err(err)),
    }
    parse(path, &text)
}

/// Parses snapshot JSON; `path` only labels errors.
pub fn parse(path: &Path, text: &str) -> Result<Snapshot, CollectError> {
    if text.trim().is_empty() {
        return Err(invalid(
            path,
            "empty file, expected snapshot JSON".to_string(),
        ));
    }
    match serde_json::from_str::<Snapshot>(text) {
        // Version 1 is version 2 without stdio peers: it loads as it is, and the rules that
        // need them say they cannot check it instead of passing (crate::rules::facts).
        Ok(mut snapshot) if READABLE.contains(&snapshot.schema_version) => {
            // Hand-edited or foreign files may be in any order; our output never is.
            snapshot.sort();
            Ok(snapshot)
        }
        Ok(snapshot) => Err(version_error(path, snapshot.schema_version)),
        Err(err) => {
            // A document of another version fails on its fields; say which version it is.
            #[derive(Deserialize)]
            struct Header {
                schema_version: Option<u32>,
            }
            match serde_json::from_str::<Header>(text) {
                Ok(Header {
                    schema_version: Some(v),
                }) if !READABLE.contains(&v) => Err(version_error(path, v)),
                Ok(Header {
                    schema_version: None,
                }) if err.is_data() => Err(invalid(
                    path,
                    "not a sockaudit snapshot (no `schema_version`); create one with `sockaudit snapshot -o FILE`".to_string(),
                )),
                _ => Err(invalid(
                    path,
                    format!(
                        "invalid snapshot JSON at line {} column {}: {}",
                        err.line(),
                        err.column(),
                        strip_position(&err.to_string())
                    ),
                )),
            }
        }
    }
}

fn version_error(path: &Path, found: u32) -> CollectError {
    invalid(
        path,
        format!(
            "snapshot schema_version {found} is not supported (this sockaudit reads versions {} to {}); re-create it with this version's `sockaudit snapshot`",
            READABLE.start(),
            READABLE.end()
        ),
    )
}

fn invalid(path: &Path, message: String) -> CollectError {
    CollectError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

/// serde_json appends " at line L column C"; we print the position first instead.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |idx| &message[..idx])
}

/// Serialises a snapshot as pretty JSON (the `snapshot` command's format).
pub fn to_json(snapshot: &Snapshot) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_text(text: &str) -> String {
        match parse(Path::new("x.json"), text) {
            Ok(_) => "parsed".to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_documents_say_what_is_wrong() {
        assert_eq!(err_text(""), "x.json: empty file, expected snapshot JSON");
        assert!(
            err_text("{\"schema_version\": 99}").contains("schema_version 99 is not supported")
        );
        assert!(err_text("{\"a\": 1}").contains("not a sockaudit snapshot"));
        let truncated = err_text("{\"schema_version\": 1, \"host\": {");
        assert!(
            truncated.starts_with("x.json: invalid snapshot JSON at line 1 column"),
            "{truncated}"
        );
    }
}
