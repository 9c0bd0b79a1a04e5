//! `sockaudit scan` end to end against real sockets and processes this test starts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Holder, copy_self_to, sockaudit};
use serde_json::Value;

fn scan_json(extra: &[&str]) -> (Option<i32>, Value) {
    let out = sockaudit()
        .args(["scan", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), doc)
}

fn findings_for_pid(doc: &Value, pid: u32) -> Vec<Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["process"]["pid"] == pid)
        .cloned()
        .collect()
}

/// Scans until a finding of `rule` for `pid` shows up (the kernel needs a moment for request
/// sockets), or 10 s pass.
fn wait_for_finding(extra: &[&str], rule: &str, pid: u32) -> (Option<i32>, Value, Value) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, doc) = scan_json(extra);
        if let Some(f) = findings_for_pid(&doc, pid)
            .into_iter()
            .find(|f| f["rule"] == rule)
        {
            return (code, doc, f);
        }
        assert!(
            Instant::now() < deadline,
            "no {rule} finding for pid {pid}: {doc:#}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn backdoor_port_listener_is_critical_and_names_the_pid() {
    let holder = Holder::spawn("port:31337");
    let (code, doc, finding) = wait_for_finding(&[], "backdoor-port", holder.pid);
    assert_eq!(code, Some(1), "critical finding, default --fail-on high");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(finding["kind"], "listen");
    assert_eq!(finding["socket"]["local_port"], 31337);
    assert_eq!(finding["socket"]["pids"], serde_json::json!([holder.pid]));
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains(&format!("pid {}", holder.pid))
    );
    assert!(
        finding["origin"]
            .as_str()
            .unwrap()
            .starts_with("builtin:rules/default.toml:")
    );
    assert!(
        doc["summary"]["findings_by_severity"]["critical"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert_eq!(doc["summary"]["failed"], true);

    // The text report shows it under CRITICAL with the PID, and exits 1 too.
    let out = sockaudit().args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("CRITICAL"), "{text}");
    assert!(
        text.contains("backdoor-port") && text.contains(&format!("pid {}", holder.pid)),
        "{text}"
    );

    // Two runs: identical fingerprints (no PIDs, no ephemeral ports in them). Only this
    // rule's finding about our holder is compared: process rules are identified by exe, so
    // when the test binary lives under /tmp (a CARGO_TARGET_DIR there) `exe-in-temp` names
    // whichever process running that exe sorts first, and other tests' processes come and go.
    let (_, again) = scan_json(&[]);
    let fps = |d: &Value, pid: u32| {
        let mut v: Vec<String> = findings_for_pid(d, pid)
            .iter()
            .filter(|f| f["rule"] == "backdoor-port")
            .map(|f| f["fingerprint"].to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(fps(&doc, holder.pid).len(), 1);
    assert_eq!(fps(&doc, holder.pid), fps(&again, holder.pid));
    // Restart the service: a new PID on the same port and exe is the same finding.
    let first_fp = finding["fingerprint"].clone();
    drop(holder);
    let restarted = Holder::spawn("port:31337");
    let (_, _, refound) = wait_for_finding(&[], "backdoor-port", restarted.pid);
    assert_eq!(refound["fingerprint"], first_fp);
}

#[test]
fn program_run_from_a_temp_dir_and_then_deleted() {
    let dir = tempfile::Builder::new()
        .prefix("sockaudit-live")
        .tempdir_in("/tmp")
        .unwrap();
    let exe = copy_self_to(dir.path(), "tmp-holder");
    let in_temp = Holder::spawn_exe(&exe, "tcp");
    let (_, _, finding) = wait_for_finding(&["--fail-on", "never"], "exe-in-temp", in_temp.pid);
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["process"]["exe"], exe.to_string_lossy().as_ref());
    assert_eq!(finding["process"]["name"], "tmp-holder");

    // A second copy, deleted once it runs: its exe shows as deleted.
    let exe2 = copy_self_to(dir.path(), "gone-holder");
    let deleted = Holder::spawn_exe(&exe2, "udp");
    std::fs::remove_file(&exe2).unwrap();
    let (_, doc, finding) = wait_for_finding(&["--fail-on", "never"], "deleted-exe", deleted.pid);
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["process"]["exe_deleted"], true);
    assert_eq!(finding["process"]["exe_replaced"], false);
    assert_eq!(
        finding["process"]["exe"],
        exe2.to_string_lossy().as_ref(),
        "path without ' (deleted)'"
    );
    // The first copy still exists: not flagged as deleted.
    assert!(
        !findings_for_pid(&doc, in_temp.pid)
            .iter()
            .any(|f| f["rule"] == "deleted-exe")
    );
}

#[test]
fn replaced_executable_is_not_reported_as_deleted() {
    let dir = tempfile::Builder::new()
        .prefix("sockaudit-live")
        .tempdir_in("/tmp")
        .unwrap();
    let exe = copy_self_to(dir.path(), "upgraded");
    let holder = Holder::spawn_exe(&exe, "tcp");
    // What a package upgrade does: unlink the old file, put a new one at the same path.
    std::fs::remove_file(&exe).unwrap();
    copy_self_to(dir.path(), "upgraded");
    let (_, _, finding) = wait_for_finding(&["--fail-on", "never"], "exe-in-temp", holder.pid);
    assert_eq!(finding["process"]["exe_deleted"], true);
    assert_eq!(finding["process"]["exe_replaced"], true);
    let (_, doc) = scan_json(&["--fail-on", "never"]);
    assert!(
        !findings_for_pid(&doc, holder.pid)
            .iter()
            .any(|f| f["rule"] == "deleted-exe")
    );
}

#[test]
fn real_syn_recv_sockets_above_a_threshold_are_a_flood_on_that_listener() {
    const CLIENTS: usize = 20;
    let holder = Holder::spawn(&format!("defer:{CLIENTS}"));
    let port = holder.ports[0];
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("flood.toml");
    std::fs::write(
        &rules,
        format!(
            "[[flood]]\nid = \"test-syn-flood\"\nseverity = \"high\"\nstate = \"SYN_RECV\"\ngroup-by = \"listener\"\nthreshold = 10\nport = {port}\n"
        ),
    )
    .unwrap();
    let rules_arg = rules.to_string_lossy().to_string();
    let extra = ["--rules", rules_arg.as_str(), "--fail-on", "critical"];
    let deadline = Instant::now() + Duration::from_secs(10);
    let finding = loop {
        let (_, doc) = scan_json(&extra);
        let f = findings_for_pid(&doc, holder.pid)
            .into_iter()
            .find(|f| f["rule"] == "test-syn-flood" && f["evidence"]["count"] == CLIENTS);
        if let Some(f) = f {
            break f;
        }
        assert!(Instant::now() < deadline, "{doc:#}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(finding["evidence"]["threshold"], 10);
    assert_eq!(finding["socket"]["state"], "SYN_RECV");
    assert_eq!(finding["socket"]["local_port"], port);
    assert_eq!(finding["socket"]["attribution"], "listener");
    assert!(
        finding["evidence"]["group"]
            .as_str()
            .unwrap()
            .contains(&format!("listener {port}/tcp"))
    );
}

#[test]
fn the_proc_walk_is_skipped_only_for_metrics_without_owner_rules() {
    let holder = Holder::spawn("tcp");
    let port = holder.ports[0];
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("sockets-only.toml");
    std::fs::write(
        &rules,
        format!("[[listen]]\nid = \"port-only\"\nseverity = \"low\"\nport = {port}\n"),
    )
    .unwrap();
    let rules = rules.to_string_lossy().to_string();
    let base = [
        "--no-default-rules",
        "--rules",
        rules.as_str(),
        "--fail-on",
        "never",
    ];
    // Prometheus only, no rule about owners: the walk is skipped, the finding still counted.
    let out = sockaudit()
        .args(["-v", "scan", "--format", "prometheus"])
        .args(base)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipping the /proc walk"), "{stderr}");
    let metrics = String::from_utf8(out.stdout).unwrap();
    assert!(
        metrics.contains("sockaudit_findings{rule=\"port-only\",severity=\"low\"} 1"),
        "{metrics}"
    );
    // Any report a person or a log reads names owners, whatever the rules need.
    let (_, doc) = scan_json(&base);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "port-only")
        .unwrap()
        .clone();
    assert_eq!(f["socket"]["pids"], serde_json::json!([holder.pid]));
    assert_eq!(f["process"]["pid"], holder.pid);
}

#[test]
fn a_listener_whose_accept_queue_is_full_is_reported_with_its_queue() {
    let holder = Holder::spawn("fullqueue");
    let port = holder.ports[0];
    let (code, doc, finding) =
        wait_for_finding(&["--fail-on", "never"], "accept-queue-full", holder.pid);
    assert_eq!(code, Some(0));
    assert_eq!(finding["severity"], "medium");
    assert_eq!(finding["socket"]["local_port"], port);
    assert_eq!(finding["socket"]["listen"]["accept_queue"], 3);
    assert_eq!(finding["socket"]["listen"]["backlog"], 2);
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .ends_with(", accept queue 3/2"),
        "{finding:#}"
    );
    // A listener with room in its queue is not reported.
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "accept-queue-full" && f["socket"]["local_port"] != port),
        "{:#}",
        doc["findings"]
    );
    holder.stop();
}
