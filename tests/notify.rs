//! `--notify` against a real D-Bus session bus and a real notification server (dunst under
//! Xvfb), which `scripts/test` starts for the test run and stops afterwards. Without them the
//! tests say so and skip, unless SOCKAUDIT_REQUIRE_TOOLS=1 (set by scripts/test) demands them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::desktop::Desktop;
use common::{machine_wide, sockaudit};

const HOSTILE: &str = "fixtures/snapshots/hostile-names.json";

#[test]
fn notification_carries_summary_body_urgency_and_shows_markup_literally() {
    let _machine = machine_wide();
    let Some(desktop) = Desktop::find() else {
        return;
    };
    desktop.clear();
    let log_before = std::fs::read(&desktop.log).map(|b| b.len()).unwrap_or(0);
    let out = sockaudit()
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus)
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
    let history = desktop.wait_for_history();
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
    let printed =
        String::from_utf8_lossy(&std::fs::read(&desktop.log).unwrap()[log_before..]).into_owned();
    assert!(printed.contains("urgency: CRITICAL"), "{printed}");
    assert!(printed.contains("appname: 'sockaudit'"), "{printed}");
}

#[test]
fn a_stalled_server_cannot_hang_the_scan() {
    let _machine = machine_wide();
    let Some(desktop) = Desktop::find() else {
        return;
    };
    let pid = &desktop.dunst_pid;
    Command::new("kill").args(["-STOP", pid]).status().unwrap();
    let started = Instant::now();
    let out = sockaudit()
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus)
        .args(["scan", "--input", HOSTILE, "--notify"])
        .output()
        .unwrap();
    let took = started.elapsed();
    Command::new("kill").args(["-CONT", pid]).status().unwrap();
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
    desktop.dunstctl(&["close-all"]);
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
    let Some(desktop) = Desktop::find() else {
        return;
    };
    desktop.clear();
    let out = sockaudit()
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus)
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
    let history = desktop.wait_for_history();
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
    desktop.dunstctl(&["close-all"]);
}
