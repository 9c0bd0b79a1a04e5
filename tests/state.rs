//! `--state` for cron: report once, resolve once, renotify, survive corrupt files, and two
//! overlapping runs. Deterministic inputs (saved snapshots); the state file is real.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::sockaudit;
use serde_json::Value;

const FIRE: &str = "fixtures/snapshots/listen-fire.json";
const CLEAN: &str = "fixtures/snapshots/clean-debian.json";

fn run(input: &str, state: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "critical",
            "--input",
            input,
            "--state",
        ])
        .arg(state)
        .args(extra)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn reported(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn report_once_then_resolve_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let (code, first, _) = run(FIRE, &state, &[]);
    assert_eq!(code, Some(1), "new critical findings");
    assert_eq!(reported(&first).len(), 7);
    let (code, second, _) = run(FIRE, &state, &[]);
    assert_eq!(code, Some(0), "nothing new: exit 0");
    assert!(reported(&second).is_empty());
    assert_eq!(second["state"]["unchanged"], 7);
    // The findings go away: resolved once...
    let (_, third, _) = run(CLEAN, &state, &[]);
    assert!(reported(&third).is_empty());
    assert_eq!(third["state"]["resolved"].as_array().unwrap().len(), 7);
    // ...and not again.
    let (_, fourth, _) = run(CLEAN, &state, &[]);
    assert!(fourth["state"]["resolved"].as_array().unwrap().is_empty());
    // The file is private and valid.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&state).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 1);
    assert!(
        saved["findings"].as_object().unwrap().is_empty(),
        "bounded: only present findings are kept"
    );
}

#[test]
fn renotify_reports_a_still_present_finding_again() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    run(FIRE, &state, &["--renotify", "24h"]);
    let (_, again, _) = run(FIRE, &state, &["--renotify", "24h"]);
    assert!(reported(&again).is_empty(), "not yet due");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (code, due, _) = run(FIRE, &state, &["--renotify", "10ms"]);
    assert_eq!(code, Some(1));
    assert_eq!(reported(&due).len(), 7);
    assert_eq!(due["state"]["renotified"], 7);
}

#[test]
fn corrupt_and_future_state_files_are_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("truncated", "{\"schema_version\": 1, \"findings\": {\"a"),
        ("future", "{\"schema_version\": 99, \"findings\": {}}"),
    ] {
        let state = dir.path().join(format!("{name}.json"));
        std::fs::write(&state, content).unwrap();
        let (code, doc, stderr) = run(FIRE, &state, &[]);
        assert_eq!(code, Some(1), "{name}: the run continues as a first run");
        assert_eq!(reported(&doc).len(), 7);
        assert!(
            stderr.contains("moved it to") && stderr.contains(".corrupt"),
            "{name}: {stderr}"
        );
        let aside = dir.path().join(format!("{name}.json.corrupt"));
        assert_eq!(
            std::fs::read_to_string(&aside).unwrap(),
            content,
            "{name}: kept for inspection"
        );
        let fresh: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        assert_eq!(fresh["schema_version"], 1);
    }
}

#[test]
fn overlapping_runs_leave_one_valid_state_and_no_duplicate_report() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let spawn = || {
        std::process::Command::new(common::sockaudit_path())
            .args([
                "scan",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--input",
                FIRE,
                "--state",
            ])
            .arg(&state)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    for _ in 0..5 {
        let _ = std::fs::remove_file(&state);
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(a.status.success() && b.status.success());
        let count =
            |o: &std::process::Output| reported(&serde_json::from_slice(&o.stdout).unwrap()).len();
        assert_eq!(
            count(&a) + count(&b),
            7,
            "each finding reported exactly once across both runs"
        );
        let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        assert_eq!(saved["findings"].as_object().unwrap().len(), 7);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn text_report_with_state_says_what_is_new_and_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let text = |input: &str| {
        let out = sockaudit()
            .args(["scan", "--fail-on", "never", "--input", input, "--state"])
            .arg(&state)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(text(FIRE).contains("CRITICAL (2)"));
    let second = text(FIRE);
    assert!(
        second.contains("No new findings.") && second.contains("7 finding(s) still present"),
        "{second}"
    );
    let third = text(CLEAN);
    assert!(third.contains("RESOLVED since the last run (7)"), "{third}");
}

#[test]
fn unwritable_state_directory_is_a_clear_error() {
    let out = sockaudit()
        .args([
            "scan",
            "--input",
            FIRE,
            "--state",
            "/proc/sockaudit-state/state.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: /proc/sockaudit-state/state.json.lock: cannot lock the state file:"
        ),
        "{stderr}"
    );
}
