//! `sockaudit watch` with real listeners: changes printed once, clean exit on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Holder, machine_wide, sockaudit_path};

fn free_port() -> u16 {
    (30_000..32_000)
        .find(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .expect("a free port")
}

#[test]
fn a_listener_opened_between_scans_is_printed_exactly_once() {
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let rules = dir.path().join("watch.toml");
    std::fs::write(
        &rules,
        format!("[[listen]]\nid = \"watched-port\"\nseverity = \"low\"\nport = {port}\n"),
    )
    .unwrap();
    let mut child = Command::new(sockaudit_path())
        .args([
            "watch",
            "--count",
            "3",
            "--interval",
            "1",
            "--no-default-rules",
            "--rules",
        ])
        .arg(&rules)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // During the second interval (after the first scan).
    std::thread::sleep(Duration::from_millis(1300));
    let holder = Holder::spawn(&format!("port:{port}"));
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        status.success(),
        "low finding, default --fail-on high: exit 0; {out}"
    );
    let hits: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(&format!("127.0.0.1:{port}")))
        .collect();
    assert_eq!(hits.len(), 1, "printed exactly once: {out}");
    assert!(
        hits[0].contains(" + low") && hits[0].contains("watched-port"),
        "{}",
        hits[0]
    );
    // Timestamped.
    assert!(
        hits[0].starts_with("20") && hits[0].as_bytes()[10] == b'T',
        "{}",
        hits[0]
    );
    drop(holder);
}

#[test]
fn sigterm_and_sigint_end_watch_cleanly() {
    for signal in ["-TERM", "-INT"] {
        let mut child = Command::new(sockaudit_path())
            .args([
                "watch",
                "--interval",
                "10s",
                "--input",
                "fixtures/snapshots/clean-debian.json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        let started = Instant::now();
        Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("watch ignored {signal}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "{signal}: clean exit");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{signal}: promptly, not after the 10 s interval"
        );
    }
}

/// Issue #19, point 9: with nothing to report, `watch` still says what it watches and how
/// often: the first line of a text watch (stdout is its event log), on stderr for JSON (stdout
/// holds only events and stays valid JSON Lines); `list --interval` says it on stderr; `-q`
/// silences the stderr line.
#[test]
fn a_watch_with_nothing_to_report_says_what_it_watches_and_how_often() {
    const INPUT: &str = "fixtures/snapshots/clean-debian.json";
    let run = |args: &[&str]| {
        let out = common::sockaudit().args(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        (String::from_utf8(out.stdout).unwrap(), stderr)
    };
    let watch = [
        "watch",
        "--no-default-rules",
        "--input",
        INPUT,
        "--interval",
        "0.1",
        "--count",
        "2",
    ];
    let (stdout, _) = run(&watch);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "only the start line, no rule no finding: {stdout}"
    );
    assert!(
        lines[0].starts_with("20")
            && lines[0].contains(&format!(
                "watching {INPUT} with 0 rule(s), every 100ms, 2 times"
            )),
        "{stdout}"
    );

    let (stdout, stderr) = run(&[&watch[..], &["--format", "jsonl"]].concat());
    assert!(stdout.is_empty(), "no event, no line: {stdout}");
    assert!(
        stderr.contains(&format!(
            "sockaudit watch: watching {INPUT} with 0 rule(s), every 100ms, 2 times"
        )),
        "{stderr}"
    );
    let (_, stderr) = run(&[&["-q"], &watch[..], &["--format", "jsonl"]].concat());
    assert!(stderr.is_empty(), "-q: {stderr}");

    let (stdout, stderr) = run(&[
        "list",
        "--format",
        "csv",
        "--input",
        INPUT,
        "--interval",
        "0.1",
        "--count",
        "2",
    ]);
    assert!(
        stderr.contains(&format!(
            "sockaudit list: listing {INPUT} every 100ms, 2 times"
        )),
        "{stderr}"
    );
    assert!(
        stdout.starts_with("proto,"),
        "stdout holds only the listings: {stdout}"
    );
    let (stdout, _) = run(&[
        "list",
        "--format",
        "json",
        "--input",
        INPUT,
        "--interval",
        "0.1",
        "--count",
        "2",
    ]);
    for line in stdout.lines() {
        let _: serde_json::Value = serde_json::from_str(line).unwrap();
    }
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
}

/// `watch --events` writes only the stream's Prometheus counters: another `--write` format
/// (a report of one scan, which a stream never makes) is refused before anything runs, not
/// silently ignored.
#[test]
fn watch_events_refuses_a_write_it_would_never_make() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("last.json");
    let out = Command::new(sockaudit_path())
        .args(["watch", "--events", "--no-default-rules", "--write"])
        .arg(format!("json={}", target.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("writes only --write prometheus=FILE"),
        "{stderr}"
    );
    assert!(!target.exists());
}
