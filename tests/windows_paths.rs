//! Windows executable paths are judged the same on either build (issue #21, point 1): a
//! Windows snapshot audited here splits `C:\...\svchost.exe` on `\` (so `masquerade` fires on
//! an impostor only, not on every Windows process), and exe patterns written for Windows
//! match with either separator and in any case, as Windows compares paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sockaudit;
use serde_json::Value;

const SNAPSHOT: &str = "fixtures/snapshots/windows-paths.json";

fn scan(extra: &[&str]) -> Value {
    let out = sockaudit()
        .args([
            "scan",
            "--input",
            SNAPSHOT,
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pids_of(report: &Value, rule: &str) -> Vec<u64> {
    let mut pids: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["process"]["pid"].as_u64().unwrap())
        .collect();
    pids.sort_unstable();
    pids
}

#[test]
fn masquerade_splits_windows_paths() {
    let report = scan(&[]);
    // svchost.exe, MsMpEng.exe and upd.exe are what their executables say; the svchost.exe
    // running C:\Users\Public\updater.exe is not.
    assert_eq!(pids_of(&report, "masquerade"), vec![8888], "{report:#}");
}

#[test]
fn windows_exe_patterns_match_either_separator_and_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("temp.toml");
    std::fs::write(
        &rules,
        r#"
[[process]]
id = "runs-from-user-temp"
severity = "high"
description = "Program in a user's temp folder owns sockets"
exe = ['C:\Users\*\AppData\Local\Temp\**']

[[process]]
id = "lower-case-forward-slashes"
severity = "low"
description = "The same folder written another way"
exe = ["c:/users/*/appdata/local/temp/**"]

[[process]]
id = "unix-temp"
severity = "low"
description = "A Unix pattern matches no Windows path"
exe = ["/tmp/**"]
"#,
    )
    .unwrap();
    let report = scan(&[
        "--no-default-rules",
        "--rules",
        &rules.display().to_string(),
    ]);
    assert_eq!(
        pids_of(&report, "runs-from-user-temp"),
        vec![6666],
        "{report:#}"
    );
    assert_eq!(
        pids_of(&report, "lower-case-forward-slashes"),
        vec![6666],
        "{report:#}"
    );
    assert!(pids_of(&report, "unix-temp").is_empty(), "{report:#}");
}
