//! `[[counter]]` rules against real counter samples (fixtures/counters: this machine, and a
//! listener's namespace under a real SYN flood), the snapshot that carries them, `--state`
//! keeping samples between runs, `watch` keeping them in memory, and `rules explain`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Holder, sockaudit, sockaudit_path};
use sockaudit::collect::live::linux::counters::read_counters;
use sockaudit::model::Snapshot;
use sockaudit::model::counters::{CounterSample, NamespaceCounters};
use sockaudit::model::finding::Severity;
use sockaudit::rules::engine::{Evaluation, evaluate};
use sockaudit::rules::kinds::counter;
use sockaudit::rules::{RuleSources, load};

const TODAY: jiff::civil::Date = jiff::civil::date(2026, 11, 28);

fn sample(name: &str) -> CounterSample {
    read_counters(&Path::new("fixtures/counters").join(name)).unwrap()
}

/// The clean Debian snapshot with the counters of `before` and `after` as namespace `label`.
fn snapshot_with(label: &str, before: &str, after: &str) -> Snapshot {
    let mut snap =
        sockaudit::collect::file::load(Path::new("fixtures/snapshots/clean-debian.json")).unwrap();
    snap.counters.push(NamespaceCounters {
        namespace: label.into(),
        current: sample(after),
        previous: Some(sample(before)),
    });
    snap
}

fn eval(snap: &Snapshot, builtin: bool, extra: &[&str]) -> Evaluation {
    let rules = load(&RuleSources::only(
        extra.iter().map(PathBuf::from).collect(),
        builtin,
    ))
    .unwrap_or_else(|e| panic!("rules load: {}", e.rendered));
    evaluate(
        &rules,
        snap,
        &sockaudit::enrich::Enrichment::default(),
        TODAY,
    )
}

/// The counter findings with their evidence, one block each: a stable, reviewable snapshot.
fn summary(eval: &Evaluation) -> String {
    let mut out = String::new();
    for f in eval.findings.iter().filter(|f| f.kind == counter::KIND) {
        let e = f.evidence.counters.as_ref().unwrap();
        out.push_str(&format!(
            "{:<6} {} fp={}\n  {}\n  namespace={} interval={:.3}s rate={:.3}",
            f.severity.as_str(),
            f.rule,
            f.fingerprint,
            f.message,
            e.namespace,
            e.interval_seconds,
            e.rate
        ));
        if let (Some(base), Some(ratio)) = (e.base_rate, e.ratio) {
            out.push_str(&format!(" base={base:.3} ratio={ratio:.4}"));
        }
        out.push('\n');
        for d in e.counters.iter().chain(&e.relative_to) {
            out.push_str(&format!("  {} {} -> {}\n", d.name, d.previous, d.current));
        }
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_real_syn_flood_fires_the_syn_cookie_rule_of_the_default_pack() {
    let eval = eval(
        &snapshot_with("host", "synflood-a", "synflood-b"),
        true,
        &[],
    );
    insta::assert_snapshot!(summary(&eval));
    let counter: Vec<&str> = eval
        .findings
        .iter()
        .filter(|f| f.kind == counter::KIND)
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(counter, ["syn-cookies-sent"], "only the cookies rose");
    let f = &eval.findings[0];
    assert_eq!(f.severity, Severity::High);
    assert!(f.socket.is_none() && f.process.is_none());
    let e = f.evidence.counters.as_ref().unwrap();
    assert_eq!(e.counters[0].current - e.counters[0].previous, 3000);
    // The rate is the change over the seconds between the two samples' taken_at.
    assert!((e.rate * e.interval_seconds - 3000.0).abs() < 1e-6);
    // Every counter rule had a rate to judge: none is inactive.
    assert!(
        !eval.inactive.iter().any(|i| i.rule.contains("syn")),
        "{:?}",
        eval.inactive
    );
}

#[test]
fn this_machines_normal_traffic_keeps_the_default_pack_quiet() {
    let eval = eval(&snapshot_with("host", "host-a", "host-b"), true, &[]);
    assert!(eval.findings.is_empty(), "{}", summary(&eval));
    // Every counter rule had two samples; what waits is data this schema-1 snapshot does not
    // carry (queue sizes, stdio peers, the hidden-process check, raw sockets) or the
    // hidden-socket check (no --deep); the feed rules wait for a feed nobody configured.
    let waiting: Vec<&str> = eval.inactive.iter().map(|i| i.rule.as_str()).collect();
    assert_eq!(
        waiting,
        [
            "accept-queue-full",
            "relayed-shell",
            "relayed-shell-loopback",
            "hidden-process",
            "hidden-socket",
            "packet-socket-unexpected",
            "raw-socket-unexpected"
        ],
        "{:?}",
        eval.inactive
    );
    assert_eq!(
        eval.rules_run, 37,
        "33 socket rules (13 of them the Windows section's) and 4 counter rules ran (the relayed-shell rules wait for stdio peers a schema-1 snapshot lacks)"
    );
    let unconfigured: Vec<&str> = eval
        .not_configured
        .iter()
        .map(|i| i.rule.as_str())
        .collect();
    assert_eq!(
        unconfigured,
        ["blocklisted-peer-outbound", "blocklisted-peer-inbound"]
    );
}

#[test]
fn site_rate_and_ratio_rules_fire_across_two_samples() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "site.toml",
        r#"
[lists]
open-counters = ["Tcp.ActiveOpens", "Tcp.PassiveOpens"]

[[counter]]
id = "connection-churn"
severity = "medium"
description = "Many connections opened"
counter = "@open-counters"
min-rate = 20

[[counter]]
id = "udp-to-closed-ports"
severity = "low"
counter = "Udp.NoPorts"
relative-to = "Udp.OutDatagrams"
min-ratio = 0.5

[[counter]]
id = "udp-ratio-needs-traffic"
severity = "low"
counter = "Udp.NoPorts"
relative-to = "Udp.OutDatagrams"
min-ratio = 0.5
min-base-rate = 100

[[counter]]
id = "other-namespaces-only"
severity = "low"
counter = "Tcp.ActiveOpens"
min-rate = 1
namespace = "container-*"
"#,
    );
    let eval = eval(&snapshot_with("host", "host-a", "host-b"), false, &[&rules]);
    insta::assert_snapshot!(summary(&eval));
    let fired: Vec<&str> = eval.findings.iter().map(|f| f.rule.as_str()).collect();
    // 150 + 150 opens in 4.7 s; 40 of 40 datagrams to closed ports, but only 8.5/s of them.
    assert_eq!(fired, ["connection-churn", "udp-to-closed-ports"]);
    let inactive: Vec<&str> = eval.inactive.iter().map(|i| i.rule.as_str()).collect();
    assert_eq!(inactive, ["other-namespaces-only"], "{:?}", eval.inactive);
    assert!(eval.inactive[0].reason.contains("no network namespace"));
}

#[test]
fn fingerprints_name_rule_namespace_and_counters_never_values() {
    let flood = eval(
        &snapshot_with("host", "synflood-a", "synflood-b"),
        true,
        &[],
    );
    // Same namespace, other values (the flood's second half only): same identity.
    let mut later = snapshot_with("host", "synflood-a", "synflood-b");
    let ns = &mut later.counters[0];
    let prev = ns.previous.as_mut().unwrap();
    prev.values.insert("TcpExt.SyncookiesSent".into(), 1000);
    prev.taken_at = ns.current.taken_at - jiff::SignedDuration::from_secs(2);
    let again = eval(&later, true, &[]);
    assert_eq!(flood.findings[0].fingerprint, again.findings[0].fingerprint);
    assert_ne!(flood.findings[0].message, again.findings[0].message);
    let other = eval(
        &snapshot_with("web-1", "synflood-a", "synflood-b"),
        true,
        &[],
    );
    assert_ne!(flood.findings[0].fingerprint, other.findings[0].fingerprint);
    assert!(other.findings[0].message.ends_with("in namespace web-1"));
}

#[test]
fn without_two_comparable_samples_counter_rules_are_inactive_with_the_fix() {
    let reason = |snap: &Snapshot| {
        let e = eval(snap, true, &[]);
        assert!(e.findings.is_empty());
        e.inactive
            .iter()
            .find(|i| i.rule == "syn-cookies-sent")
            .map(|i| i.reason.clone())
            .expect("inactive, never silently passing")
    };
    let mut plain = snapshot_with("host", "host-a", "host-b");
    plain.counters.clear();
    let why = reason(&plain);
    assert!(
        why.contains("no kernel counters") && why.contains("--sample 1s"),
        "{why}"
    );

    let mut one = snapshot_with("host", "host-a", "host-b");
    one.counters[0].previous = None;
    let why = reason(&one);
    assert!(
        why.contains("rates need two") && why.contains("--state"),
        "{why}"
    );

    let mut rebooted = snapshot_with("host", "host-a", "synflood-b");
    rebooted.counters[0].current.boot_id = Some("another-boot".into());
    assert!(
        reason(&rebooted).contains("another boot"),
        "{}",
        reason(&rebooted)
    );

    // After the flood namespace, the host's own (lower) cookie count: as if re-created.
    let mut recreated = snapshot_with("host", "synflood-b", "host-b");
    let ns = &mut recreated.counters[0];
    ns.previous.as_mut().unwrap().taken_at =
        ns.current.taken_at - jiff::SignedDuration::from_secs(5);
    assert!(
        reason(&recreated).contains("went down"),
        "{}",
        reason(&recreated)
    );
}

/// A source that never reports a counter (Windows keeps no `TcpExt` group): the rules over it
/// are inactive with "not available", never passing on a zero; the others are judged.
#[test]
fn counters_a_source_lacks_make_their_rules_not_available_not_quiet() {
    let mut snap = snapshot_with("host", "host-a", "host-b");
    let ns = &mut snap.counters[0];
    for sample in [Some(&mut ns.current), ns.previous.as_mut()]
        .into_iter()
        .flatten()
    {
        sample.values.retain(|name, _| !name.starts_with("TcpExt."));
        sample.boot_id = None;
        sample.netns = None;
    }
    let e = eval(&snap, true, &[]);
    assert!(e.findings.is_empty());
    let reason = |rule: &str| {
        e.inactive
            .iter()
            .find(|i| i.rule == rule)
            .map(|i| i.reason.clone())
    };
    for rule in ["syn-cookies-sent", "syn-queue-drops", "listen-queue-drops"] {
        let why = reason(rule).unwrap_or_else(|| panic!("{rule} inactive"));
        assert!(why.contains("not available on this source"), "{why}");
    }
    assert_eq!(reason("retransmission-spike"), None, "{:?}", e.inactive);
}

#[test]
fn a_snapshot_taken_with_sample_carries_its_counters_to_another_machine() {
    let out = sockaudit()
        .args(["scan", "--input", "fixtures/snapshots/synflood.json"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a high finding: exit 1");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "syn-cookies-sent");
    assert_eq!(f["kind"], "counter");
    assert_eq!(f["socket"], serde_json::Value::Null);
    let e = &f["evidence"]["counters"];
    assert_eq!(e["namespace"], "host");
    assert_eq!(e["counters"][0]["name"], "TcpExt.SyncookiesSent");
    assert!(e["counters"][0]["current"].as_i64() > e["counters"][0]["previous"].as_i64());
    assert!(e["rate"].as_f64().unwrap() >= 10.0);
    assert_eq!(e["min_rate"], 10.0);
    // The flood left no SYN_RECV socket behind: only the listener.
    assert_eq!(doc["summary"]["by_state"], serde_json::json!({"LISTEN": 1}));
    // A capture carries no counters: inactive, and this machine's are never used.
    let out = sockaudit()
        .args(["scan", "--format", "json", "--input"])
        .arg("fixtures/captures/linux-ss-tunap.txt")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inactive = doc["inactive"].as_array().unwrap();
    assert!(
        inactive.iter().any(|i| i["rule"] == "syn-cookies-sent"
            && i["reason"].as_str().unwrap().contains("no kernel counters")),
        "{inactive:?}"
    );
}

#[test]
fn sample_conflicts_with_input() {
    let out = sockaudit()
        .args([
            "scan",
            "--sample",
            "1s",
            "--input",
            "fixtures/snapshots/synflood.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
    let out = sockaudit()
        .args(["scan", "--sample", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The default pack's counter rules.
const COUNTER_RULES: [&str; 4] = [
    "syn-cookies-sent",
    "syn-queue-drops",
    "listen-queue-drops",
    "retransmission-spike",
];

#[test]
fn state_keeps_each_namespaces_last_sample_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    // A state file from before counters existed is read as it is.
    std::fs::write(
        &state,
        r#"{"schema_version":1,"updated_at":null,"findings":{}}"#,
    )
    .unwrap();
    let run = || {
        let out = sockaudit()
            .args(["scan", "--format", "json", "--fail-on", "never", "--state"])
            .arg(&state)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let inactive_counter_rules = |doc: &serde_json::Value| -> Vec<String> {
        doc["inactive"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| COUNTER_RULES.contains(&i["rule"].as_str().unwrap()))
            .map(|i| i["reason"].as_str().unwrap().to_string())
            .collect()
    };
    let first = run();
    let reasons = inactive_counter_rules(&first);
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].contains("the next run compares"), "{reasons:?}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let host = &saved["counters"]["host"];
    assert!(host["values"]["TcpExt.SyncookiesSent"].is_i64(), "{saved}");
    assert!(host["netns"].is_u64() && host["boot_id"].is_string());
    let second = run();
    assert!(
        inactive_counter_rules(&second).is_empty(),
        "the second run compares with the first: {:?}",
        second["inactive"]
    );
    // 39 socket and process rules (13 of them the Windows section's; a live scan has queue
    // sizes, so accept-queue-full runs, stdio peers, the hidden-process check and raw sockets)
    // and 4 counter rules;
    // hidden-socket waits for --deep, the blocklist rules for a feed.
    assert_eq!(second["summary"]["rules_run"], 43);
}

#[test]
fn watch_compares_each_scan_with_the_previous_one_in_memory() {
    let _machine = common::machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "opens.toml",
        "[[counter]]\nid = \"any-opens\"\nseverity = \"low\"\ncounter = \"Tcp.ActiveOpens\"\nmin-rate = 0.01\n",
    );
    let server = Holder::spawn("serve:127.0.0.1:0");
    let port = server.ports[0];
    let mut child = Command::new(sockaudit_path())
        .args([
            "watch",
            "--no-default-rules",
            "--format",
            "jsonl",
            "--rules",
            &rules,
        ])
        .args(["--count", "3", "--interval", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Connections keep being opened while watch runs (bounded: watch ends after 3 scans).
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        let _ = std::net::TcpStream::connect(("127.0.0.1", port));
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "reported once, then unchanged: {stdout}");
    assert_eq!(events[0]["event"], "new");
    assert_eq!(events[0]["finding"]["rule"], "any-opens");
    assert_eq!(
        events[0]["finding"]["evidence"]["counters"]["namespace"],
        "host"
    );
    server.stop();
}

#[test]
fn rules_explain_counter_prints_the_kind_and_a_rule() {
    let out = sockaudit()
        .args(["rules", "explain", "counter"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "## What it detects",
        "## Why it matters",
        "## Configuration",
        "## False positives",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    let out = sockaudit()
        .args(["rules", "explain", "syn-cookies-sent"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Rule `syn-cookies-sent` (counter kind, severity high)"),
        "{text}"
    );
    assert!(
        text.contains("counter = \"TcpExt.SyncookiesSent\""),
        "{text}"
    );
}

#[test]
fn counter_file_errors_are_reported_in_one_pass() {
    let out = sockaudit()
        .args(["rules", "check", "fixtures/rules/bad/counter-mistakes.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for (position, what) in [
        (
            "counter-mistakes.toml:5:11",
            "did you mean `TcpExt.SyncookiesSent`?",
        ),
        ("counter-mistakes.toml:11:12", "is a level or a setting"),
        ("counter-mistakes.toml:11:48", "is listed twice"),
        ("counter-mistakes.toml:12:12", "min-rate -1 must be above 0"),
        ("counter-mistakes.toml:18:13", "must be a number"),
        (
            "counter-mistakes.toml:19:17",
            "`min-base-rate` is the floor of `relative-to`",
        ),
        (
            "counter-mistakes.toml:22:6",
            "counter rule has no threshold",
        ),
        ("counter-mistakes.toml:24:11", "is not a counter name"),
        (
            "counter-mistakes.toml:25:15",
            "`relative-to` needs `min-ratio`",
        ),
        ("counter-mistakes.toml:26:9", "no sockets to allow"),
        (
            "counter-mistakes.toml:29:6",
            "counter rule has no `counter`",
        ),
        ("counter-mistakes.toml:32:1", "did you mean `namespace`?"),
        ("counter-mistakes.toml:37:11", "`counter` is empty"),
        ("counter-mistakes.toml:38:15", "`relative-to` is empty"),
    ] {
        let at = stderr
            .find(position)
            .unwrap_or_else(|| panic!("{position} in {stderr}"));
        let before = &stderr[..at];
        let block_start = before.rfind("error:").unwrap_or(0);
        let block_end = stderr[at..]
            .find("\nerror")
            .map_or(stderr.len(), |i| at + i);
        assert!(
            stderr[block_start..block_end].contains(what),
            "{what} at {position}: {stderr}"
        );
    }
}

#[test]
fn stats_input_reads_what_the_collector_reads() {
    // The CLI and the library read the same copy the same way.
    let doc: serde_json::Value = serde_json::from_slice(
        &sockaudit()
            .args([
                "stats",
                "--format",
                "json",
                "--input",
                "fixtures/counters/host-b",
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let lib = sample("host-b");
    assert_eq!(doc["counters"].as_object().unwrap().len(), lib.values.len());
    assert_eq!(doc["taken_at"], lib.taken_at.to_string());
}
