//! The hidden-socket cross-check on this machine (`scan --deep`): quiet on a normal machine
//! and while sockets churn, and it finds a socket no table lists: a listener held by a process
//! in a network namespace that no process or name leads to any more (so neither `ss` nor
//! `netstat` on the host can show it, as if a rootkit hid it). Needs root, like `--deep`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::netns::{TestNetns, can_create};
use common::{Holder, is_root, machine_wide, sockaudit};
use serde_json::Value;

/// `sockaudit scan --deep ARGS --format json`: (exit code, report).
fn deep_scan(args: &[&str]) -> (i32, Value) {
    let out = sockaudit()
        .args(["scan", "--deep", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

fn hidden_of(report: &Value) -> &Vec<Value> {
    report["deep"]["hidden"].as_array().unwrap()
}

fn assert_nothing_hidden(report: &Value) {
    assert_eq!(
        hidden_of(report),
        &Vec::<Value>::new(),
        "{:#}",
        report["deep"]
    );
}

#[test]
fn a_deep_scan_of_this_machine_reports_nothing_hidden() {
    if !is_root() {
        eprintln!("skipped: --deep needs root (CI runs as root)");
        return;
    }
    let _machine = machine_wide();
    // Sockets of every kind, and one bound TCP socket that never listens: no table lists it,
    // by design, and it must not be taken for a hidden one.
    let holder = Holder::spawn("tcp;tcp6;udp;pair;bindonly");
    let (code, report) = deep_scan(&["--fail-on", "never"]);
    assert_eq!(code, 0);
    assert_nothing_hidden(&report);
    assert!(
        report["deep"]["inactive_held"].as_u64().unwrap() >= 1,
        "the bound-only socket was asked and found inactive: {:#}",
        report["deep"]
    );
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "hidden-socket"),
        "{:#}",
        report["findings"]
    );
    assert!(
        !report["inactive"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["rule"] == "hidden-socket"),
        "the rule ran"
    );
    holder.stop();
}

#[test]
fn sockets_churning_during_the_scan_are_not_reported_after_the_recheck() {
    if !is_root() {
        eprintln!("skipped: --deep needs root (CI runs as root)");
        return;
    }
    let _machine = machine_wide();
    let holder = Holder::spawn("churn");
    let mut raced = 0;
    for _ in 0..10 {
        let (code, report) = deep_scan(&["--fail-on", "never"]);
        assert_eq!(code, 0);
        assert_nothing_hidden(&report);
        raced += report["deep"]["candidates"].as_u64().unwrap();
    }
    // How many disagreements the re-check resolved depends on timing; it is not asserted.
    eprintln!("disagreements seen at first sight and resolved by the re-check: {raced}");
    holder.stop();
}

#[test]
fn a_listener_no_table_can_show_is_reported_as_held_but_unlisted() {
    if !can_create() {
        return;
    }
    let _machine = machine_wide();
    let ns = TestNetns::create("sa-hide");
    let holder = Holder::spawn(&format!("hide:{}", ns.name));
    let port = holder.ports[0];
    // Without its name, the namespace lives on only through the holder's socket.
    drop(ns);

    let (code, report) = deep_scan(&[]);
    let hidden = hidden_of(&report);
    let ours: Vec<&Value> = hidden
        .iter()
        .filter(|h| h["socket"]["local_port"] == port)
        .collect();
    assert_eq!(ours.len(), 1, "{:#}", report["deep"]);
    let h = ours[0];
    assert_eq!(h["seen_by"], serde_json::json!(["fds"]));
    assert_eq!(h["missing_from"], serde_json::json!(["netlink", "proc"]));
    assert_eq!(h["held_by"][0], holder.pid);
    assert_eq!(h["socket"]["state"], "LISTEN");
    assert_eq!(h["socket"]["local_addr"], "127.0.0.1");
    assert_eq!(h["socket"]["pids"], serde_json::json!([holder.pid]));
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "hidden-socket")
        .expect("the default pack's hidden-socket rule fires");
    assert_eq!(finding["severity"], "high");
    assert!(
        finding["message"].as_str().unwrap().contains(&format!(
            "held by {} (pid {}",
            finding["process"]["name"].as_str().unwrap(),
            holder.pid
        )),
        "{finding:#}"
    );
    assert_eq!(code, 1, "a high finding fails the default --fail-on high");
    // And indeed ss cannot show it.
    let ss = Command::new("ss").args(["-Htln"]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&ss.stdout).contains(&format!(":{port} ")),
        "ss shows it"
    );

    // Once the holder closes it, nothing is left to report.
    holder.stop();
    let (_, after) = deep_scan(&["--fail-on", "never"]);
    assert!(
        !hidden_of(&after)
            .iter()
            .any(|h| h["socket"]["local_port"] == port),
        "{:#}",
        after["deep"]
    );
}

#[test]
fn the_port_probe_finds_every_port_in_use_explained() {
    if !is_root() {
        eprintln!("skipped: --probe-ports needs root (CI runs as root)");
        return;
    }
    let _machine = machine_wide();
    let holder = Holder::spawn("tcp;udp;pair;bindonly");
    let (code, report) = deep_scan(&["--probe-ports", "--fail-on", "never"]);
    assert_eq!(code, 0);
    let probe = &report["deep"]["probe"];
    // Two protocols, two families, 65535 ports, less what the tables explain.
    assert!(probe["binds"].as_u64().unwrap() > 200_000, "{probe:#}");
    assert_nothing_hidden(&report);
    holder.stop();
}

#[test]
fn sockets_of_namespaces_not_read_are_inconclusive_not_hidden() {
    if !can_create() {
        return;
    }
    let _machine = machine_wide();
    let ns = TestNetns::create("sa-unread");
    let holder = Holder::spawn_in(&ns.exec(), "tcp");
    // Told to read only our namespace, the check cannot compare the holder's listener with its
    // namespace's tables: it must say so, not call it hidden.
    let (code, report) = deep_scan(&["--no-all-namespaces", "--fail-on", "never"]);
    assert_eq!(code, 0);
    assert_nothing_hidden(&report);
    assert!(
        report["deep"]["inconclusive"].as_u64().unwrap() >= 1,
        "{:#}",
        report["deep"]
    );
    let unread = format!("net:[{}]", ns.inode());
    assert!(
        report["deep"]["skipped_namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == unread.as_str()),
        "{:#}",
        report["deep"]
    );
    holder.stop();
}
