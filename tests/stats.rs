//! `sockaudit stats`: text and JSON, live and from saved copies of /proc/net, rates with
//! --interval, and the errors (exit 2).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sockaudit;
use serde_json::Value;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = sockaudit().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn live_text_shows_interfaces_and_the_key_counters() {
    let (code, text, _) = run(&["stats"]);
    assert_eq!(code, Some(0));
    assert!(
        text.starts_with("Kernel network counters, namespace host (live)"),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("lo ")), "{text}");
    for name in [
        "Tcp.ActiveOpens",
        "TcpExt.ListenOverflows",
        "TcpExt.SyncookiesSent",
        "TcpExt.TCPReqQFullDrop",
        "Udp.RcvbufErrors",
    ] {
        assert!(text.contains(name), "{name}");
    }
    assert!(!text.contains("MPTcpExt."), "not a key counter");
    let (_, all, _) = run(&["stats", "--all"]);
    assert!(all.contains("Every other counter") && all.contains("MPTcpExt."));
}

#[test]
fn live_json_holds_every_counter_and_interface() {
    let (code, text, _) = run(&["stats", "--format", "json"]);
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["source"], "live");
    assert_eq!(doc["namespace"], "host");
    assert!(doc["counters"]["Tcp.ActiveOpens"].is_i64());
    assert_eq!(doc["counters"]["Tcp.MaxConn"], -1);
    assert!(doc["interfaces"]["lo"]["rx_bytes"].is_u64());
    assert!(doc["netns"].is_u64());
    assert!(doc.get("rates").is_none(), "one sample has no rates");
}

#[test]
fn interval_prints_one_rate_report_per_interval() {
    let (code, text, _) = run(&[
        "stats",
        "--interval",
        "0.3",
        "--count",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let docs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "--count 2: two intervals, one line each");
    for doc in &docs {
        assert!(doc["interval_seconds"].as_f64().unwrap() > 0.0);
        assert!(doc["rates"]["Tcp.ActiveOpens"].as_f64().unwrap() >= 0.0);
        assert!(
            doc["rates"].get("Tcp.CurrEstab").is_none(),
            "a level has no rate"
        );
        assert!(doc["interface_rates"]["lo"]["rx_bytes"].as_f64().unwrap() >= 0.0);
    }
    assert_eq!(docs[1]["previous_taken_at"], docs[0]["taken_at"]);
    let (code, text, _) = run(&["stats", "--interval", "0.2", "--count", "2"]);
    assert_eq!(code, Some(0));
    assert_eq!(text.matches("Kernel network counters").count(), 2);
    assert_eq!(
        text.matches("per second").count(),
        2 * 5,
        "five sections each"
    );
    assert!(
        text.contains("\n\nKernel network counters"),
        "separated by a blank line"
    );
}

#[test]
fn a_saved_copy_prints_the_same_every_time() {
    let (code, text, _) = run(&["stats", "--input", "fixtures/counters/host-b"]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(text);
}

#[test]
fn two_saved_copies_give_the_rates_between_them() {
    let (code, text, _) = run(&[
        "stats",
        "--input",
        "fixtures/counters/synflood-a",
        "--input",
        "fixtures/counters/synflood-b",
    ]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(text);
    let (_, json, _) = run(&[
        "stats",
        "--format",
        "json",
        "--input",
        "fixtures/counters/synflood-a",
        "--input",
        "fixtures/counters/synflood-b",
    ]);
    assert_eq!(json.lines().count(), 1, "one interval, one line");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let seconds = doc["interval_seconds"].as_f64().unwrap();
    let rate = doc["rates"]["TcpExt.SyncookiesSent"].as_f64().unwrap();
    assert!((rate * seconds - 3000.0).abs() < 1e-6, "{rate} * {seconds}");
    assert_eq!(doc["previous_taken_at"], "2026-11-28T14:44:04.72306542Z");
}

#[test]
fn copies_from_another_boot_give_no_rates_but_say_why() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["snmp", "netstat", "snmp6", "dev", "taken_at"] {
        std::fs::copy(
            format!("fixtures/counters/synflood-b/{f}"),
            dir.path().join(f),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("boot_id"), "another-boot\n").unwrap();
    let after = dir.path().to_str().unwrap();
    let (code, json, _) = run(&[
        "stats",
        "--format",
        "json",
        "--input",
        "fixtures/counters/synflood-a",
        "--input",
        after,
    ]);
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert!(doc.get("rates").is_none());
    assert_eq!(
        doc["no_rate"],
        "the previous counter sample is from another boot"
    );
}

#[test]
fn bad_flags_and_bad_input_exit_2() {
    for args in [
        &["stats", "--count", "2"][..],
        &["stats", "--interval", "0"],
        &["stats", "--interval", "soon"],
        &["stats", "--format", "xml"],
        &[
            "stats",
            "--interval",
            "1",
            "--input",
            "fixtures/counters/host-a",
        ],
        &["stats", "--bogus"],
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
    }
    let (code, _, stderr) = run(&["stats", "--input", "fixtures/counters/nowhere"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("fixtures/counters/nowhere/snmp: cannot read"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("snmp"), "Tcp: A B\nTcp: 1\n").unwrap();
    let (code, _, stderr) = run(&["stats", "--input", dir.path().to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("snmp:2: `Tcp` has 2 names but 1 values"),
        "{stderr}"
    );
}
