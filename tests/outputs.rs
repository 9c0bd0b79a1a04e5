//! jsonl, prometheus, junit and several outputs from one scan.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::sockaudit;

const LISTEN: &str = "fixtures/snapshots/listen-fire.json";
const HOSTILE: &str = "fixtures/snapshots/hostile-names.json";

fn stdout(args: &[&str]) -> String {
    let out = sockaudit().args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn require(tool: &str) -> bool {
    if Command::new(tool).arg("--help").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
        "scripts/test should have installed {tool}"
    );
    eprintln!("skipped: {tool} is not installed (./scripts/test installs it)");
    false
}

#[test]
fn jsonl_is_one_valid_object_per_finding() {
    let text = stdout(&["scan", "--format", "jsonl", "--input", LISTEN]);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    for l in &lines {
        assert_eq!(l["host"], "fixture-host");
        assert_eq!(l["time"], "2026-11-24T09:00:00Z");
        for key in [
            "rule",
            "kind",
            "severity",
            "message",
            "fingerprint",
            "origin",
            "evidence",
        ] {
            assert!(l.get(key).is_some(), "{key} missing in {l}");
        }
    }
    // Hostile names stay valid JSON, one object per line.
    let hostile = stdout(&["scan", "--format", "jsonl", "--input", HOSTILE]);
    assert_eq!(hostile.lines().count(), 5);
    assert!(
        hostile
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
}

#[test]
fn prometheus_output_passes_promtool() {
    let text = stdout(&["scan", "--format", "prometheus", "--input", LISTEN]);
    for needle in [
        "# TYPE sockaudit_sockets gauge",
        "sockaudit_sockets{proto=\"tcp\",state=\"LISTEN\"} 8",
        "sockaudit_findings_by_severity{severity=\"critical\"} 2",
        "sockaudit_findings{rule=\"backdoor-port\",severity=\"critical\"} 1",
        "sockaudit_unattributed_sockets{reason=\"permission\"} 0",
        "sockaudit_last_scan_timestamp_seconds 1795510800.000",
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
    if !require("promtool") {
        return;
    }
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_is_xml_with_a_case_per_rule_and_a_failure_per_finding() {
    let text = stdout(&["scan", "--format", "junit", "--input", HOSTILE]);
    // 33 rules run: backdoor-port has 2 findings, masquerade 2, exe-in-temp 1 (5 failing
    // cases), the 30 others pass (13 of them the Windows section's); the 2 blocklist rules, hidden-socket (no --deep),
    // accept-queue-full (the fixture has no queue sizes), the 4 counter rules (no counter
    // samples), the 2 relayed-shell rules and hidden-process (a schema-1 snapshot has no
    // stdio peers and predates the hidden-process check) and the 2 raw rules (it records no
    // raw sockets) are inactive (skipped).
    assert!(
        text.contains("<testsuites tests=\"48\" failures=\"5\" skipped=\"13\">"),
        "{text}"
    );
    assert!(text.contains("&lt;b&gt;x&lt;/b&gt; &amp; co"), "{text}");
    assert!(!text.contains('\u{1b}'), "no raw control characters in XML");
    if !require("xmllint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    std::fs::write(&path, &text).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |xpath: &str| {
        let out = Command::new("xmllint")
            .args(["--xpath", xpath])
            .arg(&path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(count("count(//testcase)"), "48");
    assert_eq!(count("count(//failure)"), "5");
    assert_eq!(count("count(//skipped)"), "13");
}

#[test]
fn several_outputs_from_one_scan() {
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("sockaudit.prom");
    let json = dir.path().join("last.json");
    let out = sockaudit()
        .args(["scan", "--input", LISTEN, "--write"])
        .arg(format!("prometheus={}", prom.display()))
        .arg("--write")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("CRITICAL (2)"),
        "text still on stdout"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 7);
    assert!(
        std::fs::read_to_string(&prom)
            .unwrap()
            .contains("sockaudit_findings_by_severity{severity=\"critical\"} 2")
    );
    let bad = sockaudit()
        .args(["scan", "--input", LISTEN, "--write", "yaml=x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown format `yaml`"));
}

#[test]
fn prometheus_with_state_still_describes_every_present_finding() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let prom = dir.path().join("s.prom");
    for _ in 0..2 {
        sockaudit()
            .args(["scan", "--input", LISTEN, "--fail-on", "never", "--state"])
            .arg(&state)
            .arg("--write")
            .arg(format!("prometheus={}", prom.display()))
            .assert()
            .success();
    }
    // Second run reports nothing new, but the gauges still count the present findings.
    assert!(
        std::fs::read_to_string(&prom)
            .unwrap()
            .contains("sockaudit_findings_by_severity{severity=\"critical\"} 2")
    );
}
