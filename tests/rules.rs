//! Rule kinds against fixtures: what must fire, what must stay quiet (insta snapshots), every
//! validation error pinned, and overrides/allow/expiry semantics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::sockaudit;
use sockaudit::model::finding::Severity;
use sockaudit::rules::engine::{Evaluation, evaluate};
use sockaudit::rules::{RuleSources, load};

const TODAY: jiff::civil::Date = jiff::civil::date(2026, 11, 24);

fn scan(snapshot: &str, extra_rules: &[&str]) -> Evaluation {
    let rules = load(&RuleSources::only(
        extra_rules.iter().map(PathBuf::from).collect(),
        true,
    ))
    .unwrap_or_else(|e| panic!("rules load: {}", e.rendered));
    let snap = sockaudit::collect::file::load(Path::new(snapshot)).unwrap();
    evaluate(
        &rules,
        &snap,
        &sockaudit::enrich::Enrichment::default(),
        TODAY,
    )
}

/// The default pack over a snapshot given as text (a fixture edited to look older).
fn scan_text(text: &str) -> Evaluation {
    let rules =
        load(&RuleSources::only(Vec::new(), true)).unwrap_or_else(|e| panic!("{}", e.rendered));
    let snapshot = sockaudit::collect::file::parse(Path::new("old.json"), text).unwrap();
    evaluate(
        &rules,
        &snapshot,
        &sockaudit::enrich::Enrichment::default(),
        TODAY,
    )
}

/// One line per finding plus its message: stable, reviewable snapshot text.
fn summary(eval: &Evaluation) -> String {
    let mut out = String::new();
    for f in &eval.findings {
        out.push_str(&format!(
            "{:<8} {:<22} fp={} count={}\n         {}\n",
            f.severity.as_str(),
            f.rule,
            f.fingerprint,
            f.evidence.count,
            f.message
        ));
    }
    for w in &eval.warnings {
        out.push_str(&format!("warning: {}\n", w.message));
    }
    out
}

#[test]
fn clean_debian_host_is_quiet_at_medium_and_above() {
    let eval = scan("fixtures/snapshots/clean-debian.json", &[]);
    let loud: Vec<_> = eval
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    assert!(loud.is_empty(), "{}", summary(&eval));
    assert!(
        eval.findings.is_empty(),
        "nothing at all on the clean host: {}",
        summary(&eval)
    );
    assert_eq!(
        eval.rules_run, 33,
        "every enabled built-in rule ran (unexpected-listener is dormant; the relayed-shell rules wait for stdio peers, which a schema-1 snapshot lacks; the 13 Windows rules run and find nothing)"
    );
}

#[test]
fn listen_rules_fire_on_backdoors_and_exposed_databases() {
    let eval = scan("fixtures/snapshots/listen-fire.json", &[]);
    insta::assert_snapshot!(summary(&eval));
    // The 0.0.0.0 and [::] listeners of one program on one port are one finding.
    let backdoor = eval
        .findings
        .iter()
        .find(|f| f.rule == "backdoor-port")
        .unwrap();
    assert_eq!(backdoor.evidence.count, 2);
    // Loopback redis and elasticsearch stay quiet; an ephemeral client port is no listener.
    assert!(
        !eval
            .findings
            .iter()
            .any(|f| f.message.contains(":6379") || f.message.contains("127.0.0.1:9200"))
    );
}

#[test]
fn flood_rules_count_per_listener_prefix_and_process() {
    let eval = scan("fixtures/snapshots/flood-fire.json", &[]);
    insta::assert_snapshot!(summary(&eval));
    let rules: Vec<&str> = eval.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["syn-recv-flood", "syn-recv-from-prefix", "close-wait-leak"]
    );
    // 10 SYN_RECV on app-server:8080 stay under the threshold of 128.
    assert!(!eval.findings.iter().any(|f| f.message.contains("8080/tcp")));
}

#[test]
fn remote_rule_fires_on_outbound_c2_ports_to_public_peers_only() {
    let eval = scan("fixtures/snapshots/remote-fire.json", &[]);
    insta::assert_snapshot!(summary(&eval));
    // The remote rule's findings (the interactive bash holding them is also a
    // shell-holds-connection finding, in the snapshot).
    let peers: Vec<String> = eval
        .findings
        .iter()
        .filter(|f| f.kind == sockaudit::rules::kinds::remote::KIND)
        .map(|f| f.socket.as_ref().unwrap().remote_addr.unwrap().to_string())
        .collect();
    // Private (10.0.0.9), documentation (198.51.100.7) and inbound (to sshd) stay quiet.
    assert_eq!(peers, ["8.8.4.4", "45.9.148.3", "2a01:4f8:0:1::7"]);
}

#[test]
fn process_rules_fire_on_temp_deleted_masquerade_and_reverse_shell() {
    let eval = scan("fixtures/snapshots/process-fire.json", &[]);
    insta::assert_snapshot!(summary(&eval));
    let names: Vec<(&str, &str)> = eval
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.process.as_ref().unwrap().name.as_str()))
        .collect();
    assert!(names.contains(&("exe-in-temp", "miner")));
    assert!(names.contains(&("deleted-exe", "updater")));
    assert!(names.contains(&("masquerade", "[kworker/0:2]")));
    assert!(names.contains(&("reverse-shell", "bash")));
    // Replaced by an upgrade, interpreter running a script, known alias, sshd on stdio: quiet.
    for quiet in ["nginx", "myscript.py", "redis-server", "sshd"] {
        assert!(
            !names.iter().any(|(_, n)| *n == quiet),
            "{quiet} must stay quiet: {names:?}"
        );
    }
}

#[test]
fn site_rules_of_every_kind() {
    let eval = scan(
        "fixtures/snapshots/clean-debian.json",
        &["fixtures/rules/good/site.toml"],
    );
    insta::assert_snapshot!(summary(&eval));
}

#[test]
fn overrides_change_severity_disable_and_suppress_by_id() {
    let eval = scan(
        "fixtures/snapshots/listen-fire.json",
        &["fixtures/rules/good/overrides.toml"],
    );
    insta::assert_snapshot!(summary(&eval));
    let backdoor = eval
        .findings
        .iter()
        .find(|f| f.rule == "backdoor-port")
        .unwrap();
    assert_eq!(
        backdoor.severity,
        Severity::High,
        "[rules.backdoor-port] severity"
    );
    assert!(
        !eval.findings.iter().any(|f| f.rule == "port-7000"),
        "disabled"
    );
    assert!(
        !eval.findings.iter().any(|f| f.rule == "backdoor-port-udp"),
        "allowed by [[allow]]"
    );
    assert!(
        !eval.findings.iter().any(|f| f.message.contains("mongod")),
        "allowed by exe"
    );
    // The extended list makes db-beyond-loopback see the Cassandra port 7000.
    assert!(
        eval.findings
            .iter()
            .any(|f| f.rule == "db-beyond-loopback" && f.message.contains(":7000"))
    );
}

#[test]
fn expired_allow_entries_warn_and_stop_suppressing() {
    let eval = scan(
        "fixtures/snapshots/listen-fire.json",
        &["fixtures/rules/good/expired-allow.toml"],
    );
    assert!(
        eval.findings.iter().any(|f| f.rule == "backdoor-port"),
        "expired entry no longer suppresses"
    );
    assert!(
        !eval.findings.iter().any(|f| f.message.contains(":3306")),
        "unexpired entry still suppresses"
    );
    assert_eq!(eval.warnings.len(), 1);
    assert!(
        eval.warnings[0].message.contains("expired on 2026-01-31"),
        "{:?}",
        eval.warnings
    );
    assert!(
        eval.warnings[0].message.contains("expired-allow.toml:1"),
        "{:?}",
        eval.warnings
    );
}

#[test]
fn require_allow_rule_wakes_up_with_its_first_allow_entry() {
    let dormant = scan("fixtures/snapshots/clean-debian.json", &[]);
    assert!(
        !dormant
            .findings
            .iter()
            .any(|f| f.rule == "unexpected-listener")
    );
    let eval = scan(
        "fixtures/snapshots/clean-debian.json",
        &["fixtures/rules/good/allowlist.toml"],
    );
    insta::assert_snapshot!(summary(&eval));
    // The allow-list covers ssh, https, loopback and chrony; nginx's port 80 (0.0.0.0 and [::],
    // one finding) is what remains.
    let unexpected: Vec<_> = eval
        .findings
        .iter()
        .filter(|f| f.rule == "unexpected-listener")
        .collect();
    assert_eq!(unexpected.len(), 1, "{}", summary(&eval));
    assert_eq!(unexpected[0].evidence.count, 2);
    assert!(
        unexpected[0].message.contains("0.0.0.0:80"),
        "{}",
        unexpected[0].message
    );
}

#[test]
fn fingerprints_ignore_pids_and_ephemeral_ports() {
    let a = scan("fixtures/snapshots/listen-fire.json", &[]);
    // Restart every service: every PID changes.
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/snapshots/listen-fire.json").unwrap(),
    )
    .unwrap();
    let shift = |v: &serde_json::Value| serde_json::json!(v.as_u64().unwrap() + 10_000);
    for socket in doc["sockets"].as_array_mut().unwrap() {
        let pids: Vec<serde_json::Value> = socket["pids"]
            .as_array()
            .unwrap()
            .iter()
            .map(shift)
            .collect();
        socket["pids"] = serde_json::Value::Array(pids);
    }
    let old = doc["processes"].as_object().unwrap().clone();
    let mut new = serde_json::Map::new();
    for (_, mut p) in old {
        p["pid"] = shift(&p["pid"]);
        new.insert(p["pid"].to_string(), p);
    }
    doc["processes"] = serde_json::Value::Object(new);
    let restarted = serde_json::to_string(&doc).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restarted.json");
    std::fs::write(&path, restarted).unwrap();
    let b = scan(path.to_str().unwrap(), &[]);
    let fa: Vec<&str> = a.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let fb: Vec<&str> = b.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(fa, fb);
}

/// Every file in fixtures/rules/bad: exit 2 from `rules check` and from `scan`, nothing on
/// stdout, and the exact diagnostics (file:line:column, caret, help) pinned.
#[test]
fn every_bad_rule_file_gets_its_exact_diagnostic() {
    let mut files: Vec<PathBuf> = std::fs::read_dir("fixtures/rules/bad")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "one fixture per validation error");
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let out = sockaudit()
            .args(["rules", "check"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("{}:", file.display())),
            "{name}: names the file: {stderr}"
        );
        insta::assert_snapshot!(format!("bad_rules__{name}"), stderr);
        let scan = sockaudit()
            .args([
                "scan",
                "--input",
                "fixtures/snapshots/clean-debian.json",
                "--rules",
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(scan.status.code(), Some(2), "{name}: scan refuses to run");
        assert!(
            scan.stdout.is_empty(),
            "{name}: no report with half the rules"
        );
    }
}

#[test]
fn three_mistakes_in_one_file_are_all_reported() {
    let out = sockaudit()
        .args(["scan", "--rules", "fixtures/rules/bad/three-mistakes.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for position in [
        "three-mistakes.toml:4:1",
        "three-mistakes.toml:10:10",
        "three-mistakes.toml:15:8",
    ] {
        assert!(stderr.contains(position), "{position} in {stderr}");
    }
    assert!(
        stderr.ends_with("error: 3 problem(s) in rule files; nothing was scanned\n"),
        "{stderr}"
    );
}

#[test]
fn missing_rule_file_is_an_error_not_a_silent_gap() {
    let out = sockaudit()
        .args(["scan", "--rules", "fixtures/rules/nope.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "error: fixtures/rules/nope.toml: cannot read rule file: No such file or directory"
        ),
        "{stderr}"
    );
}

#[test]
fn namespaces_and_containers_select_and_separate_findings() {
    let eval = scan(
        "fixtures/snapshots/namespaces-fire.json",
        &["fixtures/rules/good/containers.toml"],
    );
    insta::assert_snapshot!(summary(&eval));
    let by_rule = |rule: &str| -> Vec<&sockaudit::model::finding::Finding> {
        eval.findings.iter().filter(|f| f.rule == rule).collect()
    };
    // The same backdoor in two containers: two findings, each naming its namespace.
    let backdoors = by_rule("backdoor-port");
    assert_eq!(backdoors.len(), 2);
    assert_ne!(backdoors[0].fingerprint, backdoors[1].fingerprint);
    assert!(
        backdoors[0]
            .message
            .ends_with("in netns docker:4f3b1c0e9a8d")
    );
    assert!(
        backdoors[1]
            .message
            .ends_with("in netns docker:9a8d7c6b5a4f")
    );
    // Postgres inside its container binds 0.0.0.0 as it must; the host's published port is
    // the exposure (docker-proxy, in the host namespace).
    let exposed = by_rule("db-beyond-loopback");
    assert_eq!(exposed.len(), 1);
    assert_eq!(
        exposed[0].process.as_ref().map(|p| p.name.as_str()),
        Some("docker-proxy")
    );
    // Container listeners: the two nc, not the allowed database, not the host's sshd.
    let in_containers = by_rule("container-listener");
    assert_eq!(in_containers.len(), 2);
    assert!(in_containers.iter().all(|f| f.message.contains(":31337")));
    // By systemd unit: the python server from a login session, in the `lab` namespace.
    let session = by_rule("session-listener");
    assert_eq!(session.len(), 1);
    assert!(session[0].message.ends_with("in netns lab"));
}

#[test]
fn hidden_rule_reports_each_disagreement_and_respects_allow_entries() {
    let eval = scan(
        "fixtures/snapshots/hidden-fire.json",
        &["fixtures/rules/good/hidden-allow.toml"],
    );
    insta::assert_snapshot!(summary(&eval));
    let hidden: Vec<&str> = eval
        .findings
        .iter()
        .filter(|f| f.rule == "hidden-socket")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(hidden.len(), 4, "{hidden:#?}");
    assert!(hidden.iter().any(|m| m.starts_with(
        "tcp 0.0.0.0:31337 LISTEN owned by nc (pid 4242) is shown by netlink sock_diag (ss) and a process's fd table but missing from /proc/net (netstat)"
    )));
    assert!(
        hidden
            .iter()
            .any(|m| m.starts_with("tcp port 12345 is shown by bind()"))
    );
    assert!(
        !hidden.iter().any(|m| m.contains(":9000")),
        "the allowed vendor agent is suppressed"
    );
    // The backdoor listener netstat cannot see is still a backdoor listener.
    assert!(eval.findings.iter().any(|f| f.rule == "backdoor-port"));

    let quiet = scan("fixtures/snapshots/hidden-quiet.json", &[]);
    assert!(quiet.findings.is_empty(), "{}", summary(&quiet));
    assert!(quiet.inactive.is_empty() || !quiet.inactive.iter().any(|i| i.rule == "hidden-socket"));
    // Without a deep check the rule could not look: inactive, never silently passing.
    let without = scan("fixtures/snapshots/listen-fire.json", &[]);
    let inactive = without
        .inactive
        .iter()
        .find(|i| i.rule == "hidden-socket")
        .expect("inactive without --deep");
    assert!(inactive.reason.contains("--deep"), "{}", inactive.reason);
}

#[test]
fn hidden_rule_summarises_more_than_max_listed_disagreements() {
    let mut snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/snapshots/hidden-fire.json").unwrap(),
    )
    .unwrap();
    let template = snapshot["deep"]["hidden"][1].clone();
    let mut many = Vec::new();
    for port in 0..25u16 {
        let mut h = template.clone();
        h["socket"]["local_port"] = serde_json::json!(40000 + port);
        h["socket"]["inode"] = serde_json::json!(9000 + u64::from(port));
        many.push(h);
    }
    snapshot["deep"]["hidden"] = serde_json::Value::Array(many);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.json");
    std::fs::write(&path, snapshot.to_string()).unwrap();
    let eval = scan(path.to_str().unwrap(), &[]);
    let hidden: Vec<_> = eval
        .findings
        .iter()
        .filter(|f| f.rule == "hidden-socket")
        .collect();
    assert_eq!(hidden.len(), 1, "{}", summary(&eval));
    assert_eq!(hidden[0].evidence.count, 25);
    assert!(
        hidden[0].message.starts_with(
            "25 sockets still disagree between the views after the re-check (25 netlink-missing)"
        ),
        "{}",
        hidden[0].message
    );
    assert!(hidden[0].message.contains("race"));
}

/// Shells behind relays and impostors in a saved snapshot (schema 2, with stdio peers): a
/// socat pty relay to a public peer is critical, ncat's pipes over loopback high; an SSH
/// login's shell (a trusted relay), a web worker's `sh -c` and postgres' `-c config_file` stay
/// quiet.
#[test]
fn shells_behind_relays_and_kernel_thread_impostors_in_a_snapshot() {
    let eval = scan("fixtures/snapshots/shells-fire.json", &[]);
    insta::assert_snapshot!(summary(&eval));
    let by_pid = |pid: u32| -> Vec<(&str, Severity)> {
        eval.findings
            .iter()
            .filter(|f| f.process.as_ref().is_some_and(|p| p.pid == pid))
            .map(|f| (f.rule.as_str(), f.severity))
            .collect()
    };
    assert_eq!(by_pid(7002), [("relayed-shell", Severity::Critical)]);
    assert_eq!(by_pid(7004), [("relayed-shell-loopback", Severity::High)]);
    assert!(by_pid(7006).is_empty(), "an SSH login is no relayed shell");
    assert!(by_pid(7008).is_empty(), "`sh -c` is not interactive");
    assert!(by_pid(800).is_empty(), "postgres -c is no exec option");
    assert_eq!(
        by_pid(7011),
        [("kernel-thread-impostor-idle", Severity::Medium)]
    );
    assert!(by_pid(7010).contains(&("kernel-thread-impostor", Severity::High)));
}

/// The same snapshot saved by an older sockaudit (schema 1) has no stdio peers: the relayed
/// shell rules say they cannot check it instead of passing.
#[test]
fn a_schema_1_snapshot_makes_the_relayed_shell_rules_inactive() {
    let text = std::fs::read_to_string("fixtures/snapshots/shells-fire.json")
        .unwrap()
        .replace("\"schema_version\": 2", "\"schema_version\": 1");
    let eval = scan_text(&text);
    let inactive: Vec<&str> = eval.inactive.iter().map(|i| i.rule.as_str()).collect();
    assert!(
        inactive.contains(&"relayed-shell") && inactive.contains(&"relayed-shell-loopback"),
        "{inactive:?}"
    );
    assert!(
        !eval
            .findings
            .iter()
            .any(|f| f.rule.starts_with("relayed-shell"))
    );
}

/// Processes hidden from `/proc` (a tmpfs over one's entry, another process's entry bound over
/// one read through pidfd only, one missing from the listing) are high whether they own a
/// socket or not; sshd and an unknown web server beside them are not hidden.
#[test]
fn hidden_processes_in_a_snapshot() {
    let eval = scan("fixtures/snapshots/hidden-process.json", &[]);
    insta::assert_snapshot!(summary(&eval));
    let mut hidden: Vec<(u32, Severity)> = eval
        .findings
        .iter()
        .filter(|f| f.rule == "hidden-process")
        .filter_map(|f| Some((f.process.as_ref()?.pid, f.severity)))
        .collect();
    hidden.sort_unstable();
    assert_eq!(
        hidden,
        [
            (7100, Severity::High),
            (7101, Severity::High),
            (7103, Severity::High)
        ]
    );
}

/// Saved before the hidden-process check (schema 1), the rule says it cannot check.
#[test]
fn a_schema_1_snapshot_makes_the_hidden_process_rule_inactive() {
    let text = std::fs::read_to_string("fixtures/snapshots/hidden-process.json")
        .unwrap()
        .replace("\"schema_version\": 2", "\"schema_version\": 1");
    let eval = scan_text(&text);
    assert!(eval.inactive.iter().any(|i| i.rule == "hidden-process"));
    assert!(!eval.findings.iter().any(|f| f.rule == "hidden-process"));
}

/// Raw and packet sockets of expected programs (by exe path) stay quiet; a sniffer, a copied
/// tcpdump, an ICMP backdoor and a container's capture script fire; an ownerless socket is a
/// coverage gap, not a finding.
#[test]
fn raw_and_packet_sockets_of_unexpected_programs_fire() {
    let eval = scan("fixtures/snapshots/raw-sockets.json", &[]);
    insta::assert_snapshot!(summary(&eval));
    let by_pid = |pid: u32| -> Vec<(&str, Severity)> {
        eval.findings
            .iter()
            .filter(|f| f.process.as_ref().is_some_and(|p| p.pid == pid))
            .map(|f| (f.rule.as_str(), f.severity))
            .collect()
    };
    for quiet in [900, 901, 904, 906, 700] {
        assert!(by_pid(quiet).is_empty(), "pid {quiet}: {:?}", by_pid(quiet));
    }
    let packet = ("packet-socket-unexpected", Severity::High);
    let raw = ("raw-socket-unexpected", Severity::High);
    assert_eq!(by_pid(902), [packet], "a copy of tcpdump under /tmp");
    assert_eq!(by_pid(903), [packet]);
    assert_eq!(by_pid(905), [raw, raw], "ICMP and ICMPv6");
    let container = eval
        .findings
        .iter()
        .find(|f| f.process.as_ref().is_some_and(|p| p.pid == 907));
    assert!(container.is_some_and(|f| f.message.ends_with("in netns docker:4f3b1c0e9a8d")));
    // Evidence names the socket.
    let sniffer = eval
        .findings
        .iter()
        .find(|f| f.process.as_ref().is_some_and(|p| p.pid == 903))
        .unwrap();
    assert_eq!(sniffer.evidence.raw_sockets.len(), 1);
    assert_eq!(sniffer.evidence.raw_sockets[0].inode, 80004);
    assert_eq!(
        sniffer.evidence.raw_sockets[0].interface.as_deref(),
        Some("eth0")
    );
    assert!(
        eval.inactive
            .iter()
            .all(|i| !i.rule.contains("socket-unexpected"))
    );
}

/// A snapshot that does not say it read raw sockets (a capture, or one saved before they were
/// read) makes the raw rules inactive, not clean.
#[test]
fn raw_rules_are_inactive_without_the_raw_sockets_fact() {
    let text = std::fs::read_to_string("fixtures/snapshots/raw-sockets.json")
        .unwrap()
        .replace(",\n    \"collected\": [\n      \"raw-sockets\"\n    ]", "");
    assert!(!text.contains("\"collected\""));
    let eval = scan_text(&text);
    let inactive: Vec<&str> = eval.inactive.iter().map(|i| i.rule.as_str()).collect();
    assert!(
        inactive.contains(&"packet-socket-unexpected")
            && inactive.contains(&"raw-socket-unexpected"),
        "{inactive:?}"
    );
    assert!(!eval.findings.iter().any(|f| f.kind.as_str() == "raw"));
}

/// The number of rule tables (`[[kind]]` headers) in a rule file: what `rules check` must
/// count as valid when the file is the pack itself.
fn rule_tables(path: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("[[") && !l.starts_with("[[allow"))
        .count()
}

#[test]
fn checking_the_shipped_pack_passes_with_or_without_the_builtin_copy() {
    let tables = rule_tables("rules/default.toml");
    assert!(tables > 20, "the pack has its rules");
    let expected = format!("ok: 1 file(s), {tables} rule(s) valid\n");
    // The pack itself, and a copy of it elsewhere (an installed /usr/share/... file).
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.toml");
    std::fs::copy("rules/default.toml", &copy).unwrap();
    for file in [PathBuf::from("rules/default.toml"), copy] {
        for extra in [&[][..], &["--no-default-rules"][..]] {
            let out = sockaudit()
                .args(["rules", "check"])
                .args(extra)
                .arg(&file)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{file:?} {extra:?}: {stderr}");
            assert!(!stderr.contains("duplicate"), "{stderr}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        }
    }
    // A scan naming the pack with --rules runs each rule once.
    let out = sockaudit()
        .args([
            "scan",
            "--input",
            "fixtures/snapshots/clean-debian.json",
            "--rules",
            "rules/default.toml",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_user_file_reusing_a_builtin_id_is_still_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(
        &file,
        "[[listen]]\nid = \"backdoor-port\"\nseverity = \"low\"\nport = 1\n",
    )
    .unwrap();
    let out = sockaudit()
        .args(["rules", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("duplicate rule id `backdoor-port`")
            && stderr.contains(&format!("{}:2:6", file.display()))
            && stderr.contains("first defined at builtin:rules/default.toml:"),
        "{stderr}"
    );
    // Alone, the same file is valid: nothing else defines the id.
    let alone = sockaudit()
        .args(["rules", "check", "--no-default-rules"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        alone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
}

/// Issue #22: `[[port-scan]]` over a snapshot: 120 distinct ports of one peer from one
/// program is one finding; 30 ports of another peer and a browser's two ports stay quiet.
#[test]
fn port_scan_rule_fires_once_per_program_and_peer_over_the_threshold() {
    let eval = scan(
        "fixtures/snapshots/port-scan.json",
        &["fixtures/rules/good/port-scan.toml"],
    );
    let scans: Vec<_> = eval
        .findings
        .iter()
        .filter(|f| f.kind == sockaudit::rules::kinds::port_scan::KIND)
        .collect();
    assert_eq!(scans.len(), 1, "{}", summary(&eval));
    assert_eq!(scans[0].evidence.count, 120);
    assert!(
        scans[0].message.contains("of 10.0.0.9 (1-120)"),
        "{}",
        scans[0].message
    );
    insta::assert_snapshot!(summary(&eval));
}
