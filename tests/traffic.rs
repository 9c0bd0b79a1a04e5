//! Per-connection traffic counters: real bytes over a loopback connection between two holder
//! processes, seen by `list --wide` (JSON, text, CSV), and `[[remote]]` byte thresholds, live
//! and on imported captures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Holder, json_of, sockaudit};
use serde_json::Value;

/// Bytes the sending holder writes.
const SENT: u64 = 1_000_000;

/// A drain holder and a sender holder that wrote [`SENT`] bytes to it: (drain, sender, drain
/// port, sender's local port).
fn transfer() -> (Holder, Holder, u16, u16) {
    let drain = Holder::spawn("drain:127.0.0.1:0");
    let port = drain.ports[0];
    let sender = Holder::spawn(&format!("send:127.0.0.1:{port}:{SENT}"));
    let local = sender.ports[0];
    (drain, sender, port, local)
}

/// The two ends of the connection from `local` to `port` in a `list --wide --format json`
/// document: (sender's end, drain's end).
fn ends(doc: &Value, port: u16, local: u16) -> (Option<Value>, Option<Value>) {
    let sockets = doc["sockets"].as_array().expect("sockets");
    let find = |lp: u16, rp: u16| {
        sockets
            .iter()
            .find(|s| s["local_port"] == lp && s["remote_port"] == rp)
            .cloned()
    };
    (find(local, port), find(port, local))
}

fn number(socket: &Option<Value>, field: &str) -> u64 {
    socket
        .as_ref()
        .and_then(|s| s["traffic"][field].as_u64())
        .unwrap_or(0)
}

/// Polls `list --wide --format json` until both ends count every byte (the last ACK may
/// trail the write by a moment), then returns them.
fn both_ends_counted(port: u16, local: u16) -> (Value, Value) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let doc = json_of(&[
            "list",
            "--wide",
            "--format",
            "json",
            "--port",
            &port.to_string(),
        ]);
        let (sender, drain) = ends(&doc, port, local);
        let done =
            number(&sender, "bytes_acked") >= SENT && number(&drain, "bytes_received") >= SENT;
        if done || Instant::now() > deadline {
            return (
                sender.expect("the sender's end is listed"),
                drain.expect("the drain's end is listed"),
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_loopback_transfer_shows_its_bytes_on_both_ends() {
    let (drain, sender, port, local) = transfer();
    let (out, inn) = both_ends_counted(port, local);
    assert!(
        out["traffic"]["bytes_acked"].as_u64().unwrap() >= SENT,
        "sender: {out:#}"
    );
    assert!(
        inn["traffic"]["bytes_received"].as_u64().unwrap() >= SENT,
        "drain: {inn:#}"
    );
    // The drain sent nothing back, the sender received nothing.
    assert_eq!(inn["traffic"]["bytes_acked"], 0, "{inn:#}");
    assert_eq!(out["traffic"]["bytes_received"], 0, "{out:#}");
    // 1 MB takes more than one segment each way, and the kernel measured a round trip.
    assert!(out["traffic"]["segs_out"].as_u64().unwrap() > 1, "{out:#}");
    assert!(inn["traffic"]["segs_in"].as_u64().unwrap() > 1, "{inn:#}");
    assert!(out["traffic"]["rtt_us"].as_u64().unwrap() > 0, "{out:#}");
    // Each end belongs to its holder.
    assert_eq!(out["pids"], serde_json::json!([sender.pid]));
    assert_eq!(inn["pids"], serde_json::json!([drain.pid]));

    // Without --wide the counters are not read at all.
    let plain = json_of(&["list", "--format", "json", "--port", &port.to_string()]);
    let (a, b) = ends(&plain, port, local);
    assert!(a.is_some() && b.is_some());
    assert!(a.unwrap().get("traffic").is_none());
    assert!(b.unwrap().get("traffic").is_none());
}

#[test]
fn list_wide_text_and_csv_show_the_counters() {
    let (_drain, _sender, port, local) = transfer();
    let (out, _) = both_ends_counted(port, local);
    let acked = out["traffic"]["bytes_acked"].as_u64().unwrap();
    let text = sockaudit()
        .args(["list", "--wide", "-t", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    let header = text.lines().next().unwrap();
    for column in ["Sent", "Recv", "RTT ms", "Retrans"] {
        assert!(header.contains(column), "{text}");
    }
    let sender_end = format!("127.0.0.1:{local}");
    let row = text
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(sender_end.as_str()))
        .expect("the sender's row");
    // The counters moved on a little since the JSON (the drain may ACK late): at least as many.
    let shown: Vec<u64> = row
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .filter(|n| *n >= SENT)
        .collect();
    assert!(shown.iter().any(|n| *n >= acked), "{row}");

    let csv = sockaudit()
        .args([
            "list",
            "--wide",
            "--format",
            "csv",
            "--port",
            &port.to_string(),
        ])
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with(&format!("tcp,ipv4,127.0.0.1,{local},")))
        .unwrap()
        .split(',')
        .collect();
    assert!(
        row[at("bytes_sent")].parse::<u64>().unwrap() >= SENT,
        "{csv}"
    );
    assert_eq!(row[at("bytes_received")], "0", "{csv}");
}

/// A rule file in a temp dir.
fn rule_file(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("bytes.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const BIG_UPLOAD: &str = r#"
[[remote]]
id = "big-upload"
severity = "high"
remote = "loopback"
min-bytes-sent = "500kB"
"#;

#[test]
fn a_byte_threshold_rule_fires_on_the_connection_that_sent_enough() {
    let (_drain, sender, port, local) = transfer();
    both_ends_counted(port, local);
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(&dir, BIG_UPLOAD);
    let report = json_of(&[
        "scan",
        "--no-default-rules",
        "--rules",
        &rules,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let findings: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "big-upload")
        .collect();
    // The sender's end sent 1 MB; the drain's end (same peer pair) sent nothing.
    let ours: Vec<&&Value> = findings
        .iter()
        .filter(|f| f["socket"]["local_port"] == local)
        .collect();
    assert_eq!(ours.len(), 1, "{findings:#?}");
    assert_eq!(ours[0]["process"]["pid"], sender.pid);
    assert!(
        ours[0]["message"]
            .as_str()
            .unwrap()
            .contains("at least 500kB"),
        "{}",
        ours[0]["message"]
    );
    assert!(
        !findings.iter().any(|f| f["socket"]["local_port"] == port),
        "the receiving end sent nothing: {findings:#?}"
    );
}

#[test]
fn byte_rules_use_a_captures_columns_or_are_inactive_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(
        &dir,
        r#"
[[remote]]
id = "chatty"
severity = "medium"
min-bytes-received = 10000
"#,
    );
    let scan = |input: &str| -> Value {
        let out = sockaudit()
            .args([
                "scan",
                "--no-default-rules",
                "--rules",
                &rules,
                "--input",
                input,
                "--format",
                "json",
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
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // TCPView's "Recv Bytes": chrome received 18,442 bytes, over the threshold.
    let tcpview = scan("fixtures/captures/tcpview-v4.csv");
    let fired: Vec<&Value> = tcpview["findings"].as_array().unwrap().iter().collect();
    assert!(!fired.is_empty(), "{tcpview:#}");
    assert!(
        fired
            .iter()
            .all(|f| f["socket"]["capture"]["received_bytes"].as_u64().unwrap() >= 10_000),
        "{fired:#?}"
    );
    assert!(tcpview["inactive"].as_array().is_none_or(|a| a.is_empty()));
    // netstat prints no byte counts: the rule says it cannot check anything.
    let netstat = scan("fixtures/captures/win-en-netstat-ano.txt");
    assert_eq!(netstat["findings"].as_array().unwrap().len(), 0);
    let inactive = netstat["inactive"].as_array().expect("inactive rules");
    assert!(
        inactive.iter().any(|i| i["rule"] == "chatty"
            && i["reason"]
                .as_str()
                .unwrap()
                .contains("how many bytes each connection sent and received")),
        "{inactive:#?}"
    );
}

#[test]
fn bad_sizes_are_reported_at_their_location() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(
        &dir,
        "[[remote]]\nid = \"x\"\nseverity = \"low\"\nmin-bytes-sent = \"10 parsecs\"\nmin-bytes-received = -1\n",
    );
    let out = sockaudit()
        .args(["rules", "check", &rules])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bytes.toml:4:"), "{err}");
    assert!(err.contains("unknown unit `parsecs`"), "{err}");
    assert!(err.contains("bytes.toml:5:"), "{err}");
    assert!(err.contains("cannot be negative"), "{err}");
}
