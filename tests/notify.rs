//! `--notify` against a real D-Bus session bus and a real notification server (dunst under
//! Xvfb), which `scripts/test` starts for the test run and stops afterwards. Without them the
//! tests say so and skip, unless SOCKAUDIT_REQUIRE_TOOLS=1 (set by scripts/test) demands them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{machine_wide, sockaudit};

const HOSTILE: &str = "fixtures/snapshots/hostile-names.json";

/// The bus address and dunst's PID and `-print` log, when a desktop is up.
fn desktop() -> Option<(String, String, String)> {
    let vars = (
        std::env::var("DBUS_SESSION_BUS_ADDRESS").ok(),
        std::env::var("SOCKAUDIT_TEST_DUNST_PID").ok(),
        std::env::var("SOCKAUDIT_TEST_DUNST_LOG").ok(),
    );
    match vars {
        (Some(bus), Some(pid), Some(log)) => Some((bus, pid, log)),
        _ => {
            assert!(
                std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
                "scripts/test should have started dbus-daemon and dunst"
            );
            eprintln!(
                "skipped: no test notification server (run ./scripts/test, which starts dbus-daemon, Xvfb and dunst)"
            );
            None
        }
    }
}

fn dunstctl(bus: &str, args: &[&str]) -> String {
    let out = Command::new("dunstctl")
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn notification_carries_summary_body_urgency_and_shows_markup_literally() {
    let _machine = machine_wide();
    let Some((bus, _pid, log)) = desktop() else {
        return;
    };
    dunstctl(&bus, &["close-all"]);
    dunstctl(&bus, &["history-clear"]);
    let log_before = std::fs::read(&log).map(|b| b.len()).unwrap_or(0);
    let out = sockaudit()
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .args(["scan", "--input", HOSTILE, "--notify", "--fail-on", "never"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("notification"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Closing moves the notification into dunst's history.
    let deadline = Instant::now() + Duration::from_secs(5);
    let history: serde_json::Value = loop {
        dunstctl(&bus, &["close-all"]);
        let h: serde_json::Value =
            serde_json::from_str(&dunstctl(&bus, &["history"])).unwrap_or_default();
        if h["data"][0].as_array().is_some_and(|a| !a.is_empty()) || Instant::now() > deadline {
            break h;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let n = &history["data"][0][0];
    assert_eq!(n["appname"]["data"], "sockaudit");
    assert_eq!(
        n["summary"]["data"],
        "sockaudit: 5 new findings on hostile-host"
    );
    let body = n["body"]["data"].as_str().unwrap();
    assert!(body.starts_with("CRITICAL backdoor-port: "), "{body}");
    // The markup-hostile name reaches the server escaped, so it is shown literally...
    assert!(body.contains("&lt;b&gt;x&lt;/b&gt; &amp; co"), "{body}");
    // ...and dunst's formatted text (its format wraps only the summary in <b>) carries no raw
    // tag from the process name, so the name is drawn literally, never as bold text.
    let formatted = n["message"]["data"].as_str().unwrap();
    assert!(
        formatted.contains("&lt;b&gt;x&lt;/b&gt; &amp; co (pid 6001)"),
        "{formatted}"
    );
    assert_eq!(
        formatted.matches("<b>").count(),
        1,
        "only dunst's own summary markup: {formatted}"
    );
    assert!(
        body.contains("\\x1b[2Jevil\\x0aFAKE"),
        "control characters escaped: {body}"
    );
    // Urgency from the highest severity (critical), as dunst -print logged it.
    let printed = String::from_utf8_lossy(&std::fs::read(&log).unwrap()[log_before..]).into_owned();
    assert!(printed.contains("urgency: CRITICAL"), "{printed}");
    assert!(printed.contains("appname: 'sockaudit'"), "{printed}");
}

#[test]
fn a_stalled_server_cannot_hang_the_scan() {
    let _machine = machine_wide();
    let Some((bus, pid, _log)) = desktop() else {
        return;
    };
    Command::new("kill").args(["-STOP", &pid]).status().unwrap();
    let started = Instant::now();
    let out = sockaudit()
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .args(["scan", "--input", HOSTILE, "--notify"])
        .output()
        .unwrap();
    let took = started.elapsed();
    Command::new("kill").args(["-CONT", &pid]).status().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status unchanged (critical findings)"
    );
    assert!(took < Duration::from_secs(9), "bounded wait, took {took:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: desktop notification timed out after 5 s"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("CRITICAL (2)"),
        "the report is still written"
    );
    dunstctl(&bus, &["close-all"]);
}

#[test]
fn no_session_bus_is_one_warning_and_nothing_else_changes() {
    let out = sockaudit()
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sockaudit-test-bus",
        )
        .args(["scan", "--input", HOSTILE, "--notify"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "same exit status as without --notify"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("warning: desktop notification failed: "),
        "{stderr}"
    );
    assert!(
        lines[0].ends_with("; the report was still written"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("CRITICAL (2)"));
}

#[test]
fn non_utf8_and_control_bytes_reach_the_server_as_visible_escapes() {
    let _machine = machine_wide();
    let Some((bus, _pid, _log)) = desktop() else {
        return;
    };
    dunstctl(&bus, &["close-all"]);
    dunstctl(&bus, &["history-clear"]);
    let out = sockaudit()
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .args([
            "scan",
            "--input",
            "fixtures/snapshots/hostile-bytes.json",
            "--notify",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let history: serde_json::Value = loop {
        dunstctl(&bus, &["close-all"]);
        let h: serde_json::Value =
            serde_json::from_str(&dunstctl(&bus, &["history"])).unwrap_or_default();
        if h["data"][0].as_array().is_some_and(|a| !a.is_empty()) || Instant::now() > deadline {
            break h;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let body = history["data"][0][0]["body"]["data"]
        .as_str()
        .unwrap_or_default();
    assert!(
        body.contains("by \\u202eev\\xff\\x1b[2J\\x0a)R 1 (pid 7001)"),
        "{body}"
    );
    for raw in ['\u{1b}', '\u{202e}', '\u{fffd}'] {
        assert!(
            !body.contains(raw),
            "raw {raw:?} reached the server: {body}"
        );
    }
    dunstctl(&bus, &["close-all"]);
}
