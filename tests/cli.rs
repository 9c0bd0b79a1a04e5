//! End-to-end CLI behaviour of the built binary: help, versions, bad flags, bad files, golden
//! output of saved snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::output::assert_no_panic;
use common::sockaudit;
use predicates::prelude::*;

const CLEAN: &str = "fixtures/snapshots/clean-debian.json";

#[test]
fn version_and_help() {
    sockaudit()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "sockaudit {}",
            env!("CARGO_PKG_VERSION")
        )));
    sockaudit()
        .arg("--help")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Examples:")
                .and(predicate::str::contains("sockaudit list -tlnp")),
        )
        .stdout(predicate::str::contains("never kills processes"));
    sockaudit()
        .args(["list", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--interval").and(predicate::str::contains("--resolve")));
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    sockaudit()
        .args(["list", "--frobnicate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unexpected argument '--frobnicate'",
        ));
    sockaudit()
        .args(["list", "--state", "HALF_OPEN"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown TCP state `HALF_OPEN`")
                .and(predicate::str::contains("SYN_RECV")),
        );
    sockaudit()
        .args(["list", "--port", "70000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("70000"));
    sockaudit()
        .args(["list", "--interval", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a positive interval"));
    sockaudit()
        .args(["list", "--count", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--interval"));
    sockaudit()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Usage"));
}

/// Each bad input: exit 2, one `error:` line naming the file and what is wrong, no panic.
#[test]
fn bad_input_files_are_named_and_explained() {
    let cases: &[(&str, &str)] = &[
        (
            "fixtures/bad/does-not-exist.json",
            "fixtures/bad/does-not-exist.json: cannot read: No such file or directory",
        ),
        (
            "fixtures/bad/truncated.json",
            "fixtures/bad/truncated.json: invalid snapshot JSON at line 2 column 13: EOF while parsing",
        ),
        (
            "fixtures/bad/future-version.json",
            "fixtures/bad/future-version.json: snapshot schema_version 7 is not supported (this sockaudit reads versions 1 to 3)",
        ),
        (
            "fixtures/bad/not-json.txt",
            "fixtures/bad/not-json.txt: read as netstat-linux output, but it holds no column header and no socket row (cut short?); nothing was scanned",
        ),
        (
            "fixtures/bad/other-json.json",
            "fixtures/bad/other-json.json: not a sockaudit snapshot (no `schema_version`)",
        ),
        (
            "fixtures/bad/binary.json",
            "fixtures/bad/binary.json: not UTF-8 text",
        ),
        ("fixtures/bad", "fixtures/bad: is a directory"),
    ];
    for (file, message) in cases {
        for command in [["list", "--input"], ["snapshot", "--input"]] {
            let out = sockaudit().args(command).arg(file).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{command:?} {file}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.starts_with(&format!("error: {message}")),
                "{file}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
            // The cause is said once, not again after a message that quotes it.
            let tail = message.rsplit(": ").next().unwrap_or(message);
            assert_eq!(stderr.matches(tail).count(), 1, "{stderr}");
            assert_no_panic(file, &stderr);
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn golden_text_listing_of_a_saved_snapshot() {
    let out = sockaudit()
        .args(["list", "--input", CLEAN])
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("clean_debian_list", String::from_utf8(out.stdout).unwrap());
    let out = sockaudit()
        .args(["list", "-tlnp", "--input", CLEAN])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "clean_debian_list_tlnp",
        String::from_utf8(out.stdout).unwrap()
    );
    let out = sockaudit()
        .args(["list", "--format", "csv", "-u", "--input", CLEAN])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "clean_debian_list_udp_csv",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn color_is_opt_in_and_no_color_wins() {
    let out = sockaudit()
        .args(["list", "--color", "always", "--input", CLEAN])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[1m"));
    let out = sockaudit()
        .args(["list", "--input", CLEAN])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains('\x1b'),
        "no colour into a pipe"
    );
    let out = sockaudit()
        .env("NO_COLOR", "1")
        .args(["list", "--input", CLEAN])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn snapshot_round_trips_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let second = dir.path().join("second.json");
    sockaudit()
        .args(["snapshot", "-o"])
        .arg(&first)
        .assert()
        .success()
        .stdout("");
    sockaudit()
        .args(["snapshot", "--input"])
        .arg(&first)
        .arg("-o")
        .arg(&second)
        .assert()
        .success();
    let a = std::fs::read_to_string(&first).unwrap();
    let b = std::fs::read_to_string(&second).unwrap();
    assert_eq!(a, b, "collect -> write -> read -> write is lossless");
    let doc: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(doc["schema_version"], 3);
    assert!(doc["collected_at"].as_str().unwrap().ends_with('Z'));
    // Only the target file is left in the directory: no temp files.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

    // A list JSON document loads as a snapshot too.
    let listed = sockaudit()
        .args(["list", "--format", "json", "--input", CLEAN])
        .output()
        .unwrap();
    let list_file = dir.path().join("list.json");
    std::fs::write(&list_file, &listed.stdout).unwrap();
    let again = sockaudit()
        .args(["snapshot", "--input"])
        .arg(&list_file)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8(again.stdout).unwrap(),
        std::fs::read_to_string(CLEAN).unwrap()
    );
}

#[test]
fn snapshot_to_an_unwritable_place_fails_cleanly() {
    let out = sockaudit()
        .args([
            "snapshot",
            "--input",
            CLEAN,
            "-o",
            "/nonexistent-dir/x.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .starts_with("error: /nonexistent-dir/x.json: cannot write: No such file or directory"),
        "{stderr}"
    );
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(common::sockaudit_path())
        .args(["list", "--input", CLEAN])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_no_panic("list into a closed pipe", &stderr);
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn hostile_process_names_cannot_forge_or_clear_the_output() {
    const HOSTILE: &str = "fixtures/snapshots/hostile-names.json";
    for format in ["text", "csv"] {
        let out = sockaudit()
            .args(["list", "--format", format, "--input", HOSTILE])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\r'),
            "{format}: {text}"
        );
        assert!(
            text.contains("\\x1b[2Jevil\\x0aFAKE: all clear"),
            "{format}: {text}"
        );
        // The forged "FAKE: all clear" stays inside its row: no extra line.
        let rows = text.lines().filter(|l| l.contains("FAKE")).count();
        assert_eq!(rows, 1, "{format}: {text}");
    }
    // JSON keeps the original bytes, escaped by JSON itself, and stays valid.
    let out = sockaudit()
        .args(["list", "--format", "json", "--input", HOSTILE])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["processes"]["6002"]["name"],
        "\u{1b}[2Jevil\nFAKE: all clear"
    );
}

/// Issue #19, point 8: intervals and counts out of range are usage errors at parsing, naming
/// the flag, the value and the range (`1e300` used to panic in `Duration::from_secs_f64`,
/// `1e-300` gave a zero interval, `--count 0` was accepted).
#[test]
fn out_of_range_intervals_and_counts_name_the_flag_the_value_and_the_range() {
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (
            &["list", "--interval"],
            "--interval",
            "1e300",
            "100ms to 7 days",
        ),
        (
            &["list", "--interval"],
            "--interval",
            "1e-300",
            "100ms to 7 days",
        ),
        (
            &["list", "--interval"],
            "--interval",
            "0.01",
            "100ms to 7 days",
        ),
        (
            &["watch", "--interval"],
            "--interval",
            "1e300",
            "100ms to 7 days",
        ),
        (
            &["watch", "--interval"],
            "--interval",
            "8d",
            "100ms to 7 days",
        ),
        (
            &["stats", "--interval"],
            "--interval",
            "1e-300",
            "100ms to 7 days",
        ),
        (
            &["top", "--batch", "--interval"],
            "--interval",
            "1e300",
            "100ms to 7 days",
        ),
        (
            &["scan", "--sample"],
            "--sample",
            "1e300",
            "100ms to 1 hour",
        ),
        (
            &["snapshot", "--sample"],
            "--sample",
            "1e-300",
            "100ms to 1 hour",
        ),
        (
            &["scan", "--state", "/nonexistent/s.json", "--renotify"],
            "--renotify",
            "1e300",
            "1ms to 3650 days",
        ),
        (
            &["list", "--interval", "1", "--count"],
            "--count",
            "0",
            "1 or more",
        ),
        (&["watch", "--count"], "--count", "0", "1 or more"),
        (
            &["stats", "--interval", "1", "--count"],
            "--count",
            "0",
            "1 or more",
        ),
        (&["top", "--batch", "--count"], "--count", "0", "1 or more"),
    ];
    for (args, flag, value, range) in cases {
        let out = sockaudit().args(*args).arg(value).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_panic(&format!("{args:?} {value}"), &stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {value}: {stderr}");
        assert!(
            stderr.contains(&format!("'{flag} <"))
                && stderr.contains(&format!("`{value}`"))
                && stderr.contains(range),
            "{args:?} {value}: {stderr}"
        );
        let kind = match *value {
            "1e300" | "8d" => "is too long",
            "1e-300" | "0.01" => "is too short",
            _ => "is out of range",
        };
        assert!(stderr.contains(kind), "{args:?} {value}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    // The bounds themselves are accepted: the range is not stricter than it says.
    let out = sockaudit()
        .args([
            "list",
            "--interval",
            "0.1",
            "--count",
            "1",
            "--input",
            CLEAN,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = sockaudit().args(["list", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("100ms to 7 days") && help.contains("N >= 1"),
        "{help}"
    );
}

/// Issue #19, point 11: an empty input is said to be empty, with its name, whatever format is
/// forced on it, and exits 2 like other bad input; no advice to pass --input-format (it
/// cannot help) and no "looks like netstat-linux".
#[test]
fn an_empty_input_file_is_said_to_be_empty() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "\n  \r\n\t\n").unwrap();
    let files = [
        "/dev/null".to_string(),
        empty.display().to_string(),
        blank.display().to_string(),
    ];
    // Not tcpvcon: it prints no header, so its listing of no socket is an empty file (read as
    // an empty table, with a warning that says the file is empty).
    let forced: [&[&str]; 5] = [
        &[],
        &["--input-format", "netstat-linux"],
        &["--input-format", "netstat-windows"],
        &["--input-format", "ss"],
        &["--input-format", "snapshot"],
    ];
    for file in &files {
        for format in forced {
            for command in ["list", "scan", "snapshot"] {
                let out = sockaudit()
                    .args([command, "--input", file])
                    .args(format)
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                let what = format!("{command} {file} {format:?}");
                assert_no_panic(&what, &stderr);
                assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
                assert!(
                    stderr.starts_with(&format!("error: {file}: the file is empty")),
                    "{what}: {stderr}"
                );
                assert!(
                    !stderr.contains("--input-format") && !stderr.contains("looks like"),
                    "{what}: {stderr}"
                );
                assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
                assert!(out.stdout.is_empty(), "{what}");
            }
        }
        let out = sockaudit()
            .args(["list", "--input", file, "--input-format", "tcpvcon"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "tcpvcon {file}: {stderr}");
        assert!(
            stderr.contains(&format!("{file}: the file is empty")),
            "tcpvcon {file}: {stderr}"
        );
    }
}

/// Issue #19, point 5: the CSV header is the same whatever the rows (a table without
/// namespaces, one with containers, raw sockets, an imported capture), and every row has
/// as many fields as the header.
#[test]
fn csv_columns_do_not_change_with_the_data() {
    let inputs: [&[&str]; 4] = [
        &["--input", CLEAN],
        &["--input", "fixtures/snapshots/namespaces-fire.json"],
        &[
            "--input",
            "fixtures/snapshots/raw-sockets.json",
            "-t",
            "-u",
            "-w",
        ],
        &["--input", "fixtures/captures/linux-netstat-tulpen.txt"],
    ];
    let mut headers = Vec::new();
    for input in inputs {
        let out = sockaudit()
            .args(["list", "--format", "csv"])
            .args(input)
            .output()
            .unwrap();
        assert!(out.status.success(), "{input:?}");
        let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
        let header = reader.headers().unwrap().clone();
        assert!(header.iter().any(|h| h == "netns"), "{input:?}: {header:?}");
        let mut rows = 0;
        for record in reader.records() {
            // The csv reader refuses rows whose length differs from the header's.
            let record = record.unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(record.len(), header.len(), "{input:?}");
            rows += 1;
        }
        assert!(rows > 0, "{input:?}");
        headers.push(header);
    }
    assert!(
        headers.windows(2).all(|w| w[0] == w[1]),
        "one header for every input: {headers:#?}"
    );
    // A namespaced table names each socket's namespace; a container's is not `host`.
    let out = sockaudit()
        .args([
            "list",
            "--format",
            "csv",
            "--input",
            "fixtures/snapshots/namespaces-fire.json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .skip(1)
            .any(|l| !l.ends_with(",host") && !l.ends_with(',')),
        "{text}"
    );
}
