//! `scan` and `rules` from the command line on saved snapshots: exit statuses, formats, files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sockaudit;
use predicates::prelude::*;

const CLEAN: &str = "fixtures/snapshots/clean-debian.json";
const LISTEN: &str = "fixtures/snapshots/listen-fire.json";
const FLOOD: &str = "fixtures/snapshots/flood-fire.json";

fn code(args: &[&str]) -> Option<i32> {
    sockaudit().args(args).output().unwrap().status.code()
}

#[test]
fn exit_status_follows_fail_on() {
    assert_eq!(code(&["scan", "--input", CLEAN]), Some(0), "clean");
    assert_eq!(
        code(&["scan", "--input", LISTEN]),
        Some(1),
        "critical findings"
    );
    assert_eq!(
        code(&["scan", "--input", LISTEN, "--fail-on", "never"]),
        Some(0)
    );
    // flood-fire's worst finding is high.
    assert_eq!(
        code(&["scan", "--input", FLOOD, "--fail-on", "critical"]),
        Some(0)
    );
    assert_eq!(
        code(&["scan", "--input", FLOOD, "--fail-on", "high"]),
        Some(1)
    );
    assert_eq!(
        code(&["scan", "--input", CLEAN, "--fail-on", "info"]),
        Some(0)
    );
    assert_eq!(
        code(&["scan", "--input", CLEAN, "--fail-on", "sometimes"]),
        Some(2)
    );
    assert_eq!(
        code(&[
            "scan",
            "--input",
            CLEAN,
            "--rules",
            "fixtures/rules/bad/port-zero.toml"
        ]),
        Some(2)
    );
    assert_eq!(
        code(&["scan", "--input", "fixtures/bad/truncated.json"]),
        Some(2)
    );
}

#[test]
fn json_report_has_the_documented_shape() {
    let out = sockaudit()
        .args(["scan", "--format", "json", "--input", LISTEN])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 3);
    for key in [
        "host",
        "collected_at",
        "source",
        "summary",
        "findings",
        "warnings",
        "coverage",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    assert_eq!(doc["summary"]["sockets"], 10);
    assert_eq!(doc["summary"]["fail_on"], "high");
    let sev = &doc["summary"]["findings_by_severity"];
    assert_eq!(
        (
            sev["critical"].as_u64(),
            sev["high"].as_u64(),
            sev["low"].as_u64()
        ),
        (Some(2), Some(4), Some(1))
    );
    let first = &doc["findings"][0];
    for key in [
        "rule",
        "kind",
        "severity",
        "message",
        "fingerprint",
        "origin",
        "socket",
        "process",
        "evidence",
    ] {
        assert!(first.get(key).is_some(), "finding lacks {key}");
    }
    assert_eq!(first["fingerprint"].as_str().unwrap().len(), 16);
    // Sorted: severity descending.
    let order = ["critical", "high", "medium", "low", "info"];
    let ranks: Vec<usize> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| order.iter().position(|s| *s == f["severity"]).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
}

#[test]
fn text_report_of_a_capture_is_stable() {
    let out = sockaudit()
        .args(["scan", "--input", LISTEN, "--fail-on", "never"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn output_file_is_written_atomically_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    sockaudit()
        .args(["scan", "--format", "json", "--input", LISTEN, "-o"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout("");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 7);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn rules_list_explain_and_check() {
    sockaudit()
        .args(["rules", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("backdoor-port")
                .and(predicate::str::contains("waiting for allow entries")),
        );
    sockaudit()
        .args(["rules", "explain", "backdoor-port"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("## What it detects")
                .and(predicate::str::contains("## Why it matters"))
                .and(predicate::str::contains("## Configuration"))
                .and(predicate::str::contains("## False positives"))
                .and(predicate::str::contains("port = \"@backdoor-ports\"")),
        );
    // The quoted definition ends with the rule: the comment introducing the next one is not
    // part of it.
    let explain = sockaudit()
        .args(["rules", "explain", "hidden-process"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&explain.stdout);
    let quoted = text
        .split("As written:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n---").next())
        .unwrap_or_default();
    assert!(
        quoted.trim_end().ends_with("hidden-from-proc = true"),
        "{quoted}"
    );
    for kind in ["listen", "flood", "remote", "process"] {
        sockaudit()
            .args(["rules", "explain", kind])
            .assert()
            .success()
            .stdout(predicate::str::contains("## False positives"));
    }
    sockaudit()
        .args(["rules", "explain", "backdor-port"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `backdoor-port`?"));
    sockaudit()
        .args(["rules", "check", "fixtures/rules/good"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ok: 1 file(s)"));
    sockaudit().args(["rules", "check"]).assert().code(2);
}

#[test]
fn no_default_rules_means_only_the_given_ones() {
    let out = sockaudit()
        .args([
            "scan",
            "--no-default-rules",
            "--rules",
            "fixtures/rules/good/site.toml",
            "--input",
            LISTEN,
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["rules_run"], 4);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["origin"].as_str().unwrap().contains("site.toml"))
    );
}

#[test]
fn user_rule_directory_is_loaded_after_the_builtin_pack() {
    let config = tempfile::tempdir().unwrap();
    let dir = config.path().join("sockaudit").join("rules.d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("10-quiet.toml"),
        "[rules.backdoor-port]\nenabled = false\n",
    )
    .unwrap();
    let out = sockaudit()
        .env("XDG_CONFIG_HOME", config.path())
        .args([
            "scan",
            "--input",
            LISTEN,
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "backdoor-port")
    );
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "backdoor-port-udp")
    );
}

#[test]
fn rules_needing_facts_a_capture_lacks_are_inactive() {
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--input",
            "fixtures/captures/win-en-netstat-ano.txt",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inactive: Vec<(&str, &str)> = doc["inactive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["rule"].as_str().unwrap(), i["reason"].as_str().unwrap()))
        .collect();
    for rule in ["exe-in-temp", "deleted-exe", "masquerade"] {
        let reason = inactive
            .iter()
            .find(|(r, _)| *r == rule)
            .unwrap_or_else(|| panic!("{rule} inactive: {inactive:?}"))
            .1;
        assert!(
            reason.contains("does not show executable paths"),
            "{reason}"
        );
    }
    // Socket-only rules still run on the capture.
    assert!(!inactive.iter().any(|(r, _)| *r == "backdoor-port"));
}

#[test]
fn baselines_work_on_imported_captures_too() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("suspect.baseline.toml");
    let capture = "fixtures/captures/linux-ss-tunap.txt";
    sockaudit()
        .args(["baseline", "create", "--input", capture, "-o"])
        .arg(&baseline)
        .assert()
        .success();
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("port = 31337"), "{text}");
    sockaudit()
        .args(["baseline", "check", "--input", capture])
        .arg(&baseline)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No drift"));
    // Another machine's capture drifts from it.
    sockaudit()
        .args([
            "baseline",
            "check",
            "--input",
            "fixtures/captures/win-en-netstat-ano.txt",
        ])
        .arg(&baseline)
        .assert()
        .code(1);
}

/// `fixtures/snapshots/raw-sockets.json` (a live collection as root, raw sockets read) with its
/// listener's accept queue, so every fact the built-in pack needs is there; written to `dir`.
fn full_data_snapshot(dir: &std::path::Path) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/snapshots/raw-sockets.json").unwrap(),
    )
    .unwrap();
    doc["sockets"][0]["listen"] = serde_json::json!({"accept_queue": 0, "backlog": 128});
    let path = dir.join("full.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn strict_passes_when_only_unconfigured_feeds_are_missing() {
    let dir = tempfile::tempdir().unwrap();
    let input = full_data_snapshot(dir.path());
    let empty_geoip = tempfile::tempdir().unwrap();
    let scan = |extra: &[&str]| {
        sockaudit()
            .env("SOCKAUDIT_GEOIP_DIRS", empty_geoip.path())
            .args(["scan", "--strict", "--fail-on", "never", "--input", &input])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = scan(&["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Full data: what is inactive waits only for opt-in checks (--deep, a second sample).
    let short: Vec<&serde_json::Value> = doc["inactive"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["opt_in"] != true)
        .collect();
    assert!(short.is_empty(), "{short:?}");
    let unconfigured: Vec<&str> = doc["not_configured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        unconfigured,
        ["blocklisted-peer-outbound", "blocklisted-peer-inbound"]
    );
    let text = String::from_utf8(scan(&[]).stdout).unwrap();
    assert!(
        text.contains("Not configured (built-in rules waiting for optional data; --strict does not count them):\n  blocklisted-peer-outbound: feed(s) blocklist not configured"),
        "{text}"
    );
    let inactive_block = text
        .split("Inactive rules")
        .nth(1)
        .and_then(|rest| rest.split("Not configured").next())
        .unwrap_or("");
    assert!(
        !inactive_block.contains("blocklisted-"),
        "listed once, not also as inactive: {text}"
    );

    // A configured feed that is missing stops the scan, naming the file.
    let missing = dir.path().join("nope.netset");
    let rules = dir.path().join("feeds.toml");
    std::fs::write(
        &rules,
        format!("[feeds]\nblocklist = {:?}\n", missing.display().to_string()),
    )
    .unwrap();
    let out = scan(&["--rules", &rules.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no report");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nope.netset"), "{stderr}");

    // Configured and present: the rules run, neither inactive nor unconfigured.
    std::fs::write(&missing, "192.0.2.0/24\n").unwrap();
    let out = scan(&["--format", "json", "--rules", &rules.display().to_string()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["not_configured"], serde_json::json!([]));
    let feed_rules: Vec<&serde_json::Value> = doc["inactive"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["rule"].as_str().unwrap().starts_with("blocklisted-"))
        .collect();
    assert!(feed_rules.is_empty(), "{feed_rules:?}");
}

#[test]
fn strict_fails_when_a_rule_the_user_wrote_or_enabled_lacks_its_feed() {
    let dir = tempfile::tempdir().unwrap();
    let input = full_data_snapshot(dir.path());
    for (name, text) in [
        (
            "own.toml",
            "[[remote]]\nid = \"my-list\"\nseverity = \"high\"\nfeeds = [\"mine\"]\n",
        ),
        // A pack rule the user switched on by hand is one they asked for.
        (
            "enable.toml",
            "[rules.blocklisted-peer-outbound]\nenabled = true\n",
        ),
    ] {
        let rules = dir.path().join(name);
        std::fs::write(&rules, text).unwrap();
        let out = sockaudit()
            .args(["scan", "--strict", "--fail-on", "never", "--input", &input])
            .arg("--rules")
            .arg(&rules)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--strict: 1 rule(s) inactive for lack of data"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn text_report_points_to_rules_explain_once_per_rule() {
    let out = sockaudit()
        .args(["scan", "--fail-on", "never", "--input", LISTEN])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let doc = common::json_of(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--input",
        LISTEN,
    ]);
    let mut rules: Vec<&str> = Vec::new();
    for f in doc["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap();
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    assert!(
        doc["findings"].as_array().unwrap().len() > rules.len(),
        "the fixture has a rule with several findings"
    );
    let block: Vec<&str> = text
        .split("\nNext steps: what each rule detects, why it matters, its false positives:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no next steps:\n{text}"))
        .lines()
        .take_while(|l| !l.is_empty())
        .collect();
    let expected: Vec<String> = rules
        .iter()
        .map(|r| format!("  sockaudit rules explain {r}"))
        .collect();
    assert_eq!(block, expected, "{text}");
    // Each pointer works as printed.
    let first = block[0].trim().split(' ').skip(1).collect::<Vec<_>>();
    sockaudit().args(&first).assert().success();
    // A rule from a file named with --rules is explained with that file.
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    std::fs::write(
        &site,
        "[[listen]]\nid = \"site-ssh\"\nseverity = \"low\"\nport = 22\n",
    )
    .unwrap();
    let out = sockaudit()
        .args(["scan", "--fail-on", "never", "--input", CLEAN, "--rules"])
        .arg(&site)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = format!(
        "  sockaudit rules explain site-ssh --rules {}",
        site.display()
    );
    assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    sockaudit()
        .args(["rules", "explain", "site-ssh", "--rules"])
        .arg(&site)
        .assert()
        .success();
    // No findings, no next steps.
    let clean = sockaudit()
        .args(["scan", "--fail-on", "never", "--input", CLEAN])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8(clean.stdout)
            .unwrap()
            .contains("Next steps")
    );
}

#[test]
fn unchecked_line_names_the_sockets_that_were_not_attributed() {
    // The clean Debian host as an unprivileged scan would see it: five sockets' owners unread.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CLEAN).unwrap()).unwrap();
    let mut hidden = Vec::new();
    for socket in doc["sockets"].as_array_mut().unwrap() {
        if hidden.len() < 5 && !socket["pids"].as_array().unwrap().is_empty() {
            socket["pids"] = serde_json::json!([]);
            socket["attribution"] = serde_json::Value::Null;
            socket["unattributed"] = "permission".into();
            hidden.push(format!(
                "{} {}:{}",
                socket["proto"].as_str().unwrap(),
                socket["local_addr"].as_str().unwrap(),
                socket["local_port"]
            ));
        }
    }
    let attributed = doc["coverage"]["attributed"].as_u64().unwrap() - 5;
    doc["coverage"]["attributed"] = attributed.into();
    doc["coverage"]["unattributed"]["permission"] = 5.into();
    doc["coverage"]["privileged"] = false.into();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("unprivileged.json");
    std::fs::write(&input, serde_json::to_string(&doc).unwrap()).unwrap();
    let out = sockaudit()
        .args(["scan", "--fail-on", "never", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Unchecked: 5 socket(s)"))
        .unwrap_or_else(|| panic!("no Unchecked line:\n{text}"));
    let named = lines[at + 1];
    assert!(named.starts_with("  not attributed: "), "{text}");
    for socket in &hidden[..3] {
        assert!(named.contains(socket.as_str()), "{socket} in {named}");
    }
    assert!(
        !named.contains(hidden[3].as_str()),
        "only the first few: {named}"
    );
    assert!(named.ends_with(" and 2 more"), "{named}");
    let report = common::json_of(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--input",
        &input.display().to_string(),
    ]);
    assert_eq!(report["unchecked"]["examples"].as_array().unwrap().len(), 3);
}
