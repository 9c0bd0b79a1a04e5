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
