//! Sigma `network_connection` rules: fixture rules for every modifier and condition form over
//! Linux and Windows snapshots and a Windows `netstat -abno` capture (insta snapshots), one bad
//! rule per mistake class with its pinned diagnostic, unsupported constructs reported
//! inactive with file and line, the CLI's exit codes, and a live connection to a TEST-NET peer
//! in a network namespace.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::sockaudit;
use sockaudit::rules::engine::{Evaluation, evaluate};
use sockaudit::rules::{RuleSources, load};

const TODAY: jiff::civil::Date = jiff::civil::date(2026, 11, 24);

fn sigma_sources(dirs: &[&str]) -> RuleSources {
    RuleSources::only(Vec::new(), false).with_sigma(dirs.iter().map(PathBuf::from).collect())
}

fn scan(input: &str, dirs: &[&str]) -> Evaluation {
    let rules = load(&sigma_sources(dirs)).unwrap_or_else(|e| panic!("{}", e.rendered));
    let input_file = sockaudit::collect::Input::File(
        PathBuf::from(input),
        sockaudit::collect::ImportOptions::default(),
    );
    let snap = sockaudit::collect::collect(&input_file).unwrap_or_else(|e| panic!("{input}: {e}"));
    evaluate(
        &rules,
        &snap,
        &sockaudit::enrich::Enrichment::default(),
        TODAY,
    )
}

/// Findings, then inactive rules with their reasons: the reviewable text the snapshots pin.
fn summary(eval: &Evaluation) -> String {
    let mut out = format!("rules run: {}\n", eval.rules_run);
    for f in &eval.findings {
        out.push_str(&format!(
            "{:<8} {} fp={}\n         {}\n",
            f.severity.as_str(),
            f.rule,
            f.fingerprint,
            f.message
        ));
    }
    for i in &eval.inactive {
        out.push_str(&format!(
            "inactive {} ({}){}: {}\n",
            i.rule,
            i.origin,
            if i.opt_in {
                " [not counted by --strict]"
            } else {
                ""
            },
            i.reason
        ));
    }
    out
}

fn rules_of(eval: &Evaluation) -> Vec<&str> {
    eval.findings.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn windows_rules_over_a_windows_snapshot() {
    let eval = scan(
        "fixtures/snapshots/windows-techniques.json",
        &["fixtures/sigma/windows", "fixtures/sigma/linux"],
    );
    let fired = rules_of(&eval);
    // One rule per modifier family must fire; a broken modifier makes its rule quiet.
    for (id, what) in [
        (
            "9a1c0e52-6f0e-4b47-9a8e-000000000001",
            "endswith list + cidr + not",
        ),
        ("9a1c0e52-6f0e-4b47-9a8e-000000000002", "windash|contains"),
        (
            "9a1c0e52-6f0e-4b47-9a8e-000000000003",
            "wide|base64offset + all of + or",
        ),
        (
            "9a1c0e52-6f0e-4b47-9a8e-000000000004",
            "contains, case-insensitive",
        ),
        (
            "9a1c0e52-6f0e-4b47-9a8e-000000000005",
            "re|i + gte + all of them",
        ),
        (
            "9a1c0e52-6f0e-4b47-9a8e-000000000006",
            "wildcards * and ?, startswith, lt",
        ),
        ("9a1c0e52-6f0e-4b47-9a8e-000000000007", "cased"),
        (
            "9a1c0e52-6f0e-4b47-9a8e-000000000008",
            "1 of selection_*, list of maps, null",
        ),
    ] {
        assert!(
            fired.contains(&id),
            "{what} ({id}) did not fire:\n{}",
            summary(&eval)
        );
    }
    // Linux rules are inactive on Windows, without failing --strict.
    assert!(
        eval.inactive
            .iter()
            .any(|i| i.rule.starts_with("3e0f7c1a") && i.opt_in)
    );
    insta::assert_snapshot!(summary(&eval));
}

#[test]
fn linux_rules_over_linux_snapshots() {
    for input in [
        "fixtures/snapshots/remote-fire.json",
        "fixtures/snapshots/shells-fire.json",
    ] {
        let eval = scan(input, &["fixtures/sigma/linux", "fixtures/sigma/windows"]);
        let name = Path::new(input)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        insta::assert_snapshot!(format!("linux-{name}"), summary(&eval));
    }
    let eval = scan(
        "fixtures/snapshots/remote-fire.json",
        &["fixtures/sigma/linux"],
    );
    let fired = rules_of(&eval);
    for id in [
        "000000000001",
        "000000000002",
        "000000000005",
        "000000000006",
    ] {
        assert!(
            fired.iter().any(|r| r.ends_with(id)),
            "3e0f7c1a-...-{id} did not fire:\n{}",
            summary(&eval)
        );
    }
}

#[test]
fn the_netcat_rule_over_a_windows_netstat_capture() {
    let eval = scan(
        "fixtures/sigma/captures/win-netstat-abno-nc.txt",
        &["fixtures/sigma/windows"],
    );
    let netcat: Vec<_> = eval
        .findings
        .iter()
        .filter(|f| f.rule == "9a1c0e52-6f0e-4b47-9a8e-00000000000a")
        .collect();
    // Port 4444 only, not the same program's port 80 connection.
    assert_eq!(netcat.len(), 1, "{}", summary(&eval));
    assert_eq!(netcat[0].socket.as_ref().unwrap().remote_port, Some(4444));
    insta::assert_snapshot!(summary(&eval));
}

#[test]
fn a_directory_loads_with_every_rule_active_or_inactive_with_a_reason() {
    let set = load(&sigma_sources(&[
        "fixtures/sigma/windows",
        "fixtures/sigma/linux",
        "fixtures/sigma/unsupported",
        "fixtures/sigma/other",
    ]))
    .unwrap_or_else(|e| panic!("{}", e.rendered));
    assert_eq!(set.sigma.files, 22);
    assert_eq!(set.sigma.rules, 21);
    assert_eq!(set.sigma.unsupported, 5);
    assert_eq!(set.sigma.skipped.values().sum::<usize>(), 2);
    let snapshot =
        sockaudit::collect::file::load(Path::new("fixtures/snapshots/windows-techniques.json"))
            .unwrap();
    let eval = evaluate(
        &set,
        &snapshot,
        &sockaudit::enrich::Enrichment::default(),
        TODAY,
    );
    // Every rule either ran or says why not.
    assert_eq!(eval.rules_run + eval.inactive.len(), set.rules.len());
    let reasons: Vec<String> = eval
        .inactive
        .iter()
        .filter(|i| i.rule.starts_with("7d7d7d7d"))
        .map(|i| format!("{}: {}", i.rule, i.reason))
        .collect();
    insta::assert_snapshot!(reasons.join("\n"));
}

#[test]
fn every_mistake_class_has_its_pinned_diagnostic() {
    let mut files: Vec<PathBuf> = std::fs::read_dir("fixtures/sigma/bad")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut all = String::new();
    for file in files {
        let err = load(&RuleSources::only(Vec::new(), false).with_sigma(vec![file.clone()]))
            .expect_err(&format!("{} must not load", file.display()));
        assert!(
            err.rendered.contains(&format!("{}:", file.display())),
            "{}",
            err.rendered
        );
        all.push_str(&err.rendered);
    }
    insta::assert_snapshot!(all);
}

#[test]
fn cli_exit_codes_and_listing() {
    let out = sockaudit()
        .args([
            "rules",
            "check",
            "--no-default-rules",
            "--sigma",
            "fixtures/sigma/bad/yaml_syntax.yml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fixtures/sigma/bad/yaml_syntax.yml:9:"),
        "{stderr}"
    );

    let out = sockaudit()
        .args([
            "rules",
            "list",
            "--no-default-rules",
            "--sigma",
            "fixtures/sigma",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "the bad/ fixtures are in that tree"
    );

    let out = sockaudit()
        .args(["rules", "list", "--no-default-rules"])
        .args([
            "--sigma",
            "fixtures/sigma/windows",
            "--sigma",
            "fixtures/sigma/unsupported",
            "--sigma",
            "fixtures/sigma/other",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Sigma: 16 file(s), 15 network_connection rule(s): 10 supported, 5 inactive (unsupported); 2 skipped (other categories: dns_query 1, process_creation 1)"), "{stdout}");
    assert!(
        stdout.contains("tags: attack.defense-evasion, attack.t1218"),
        "{stdout}"
    );
    assert!(
        stdout.contains("false positives: Software installers"),
        "{stdout}"
    );
    assert!(
        stdout.contains("inactive: fixtures/sigma/unsupported/event_id.yml:8: field `EventID`"),
        "{stdout}"
    );

    let out = sockaudit()
        .args([
            "rules",
            "explain",
            "9a1c0e52-6f0e-4b47-9a8e-000000000001",
            "--no-default-rules",
            "--sigma",
            "fixtures/sigma/windows",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("(sigma kind, severity high)")
            && stdout.contains("tags: attack.defense-evasion"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    condition: selection and not filter_private"),
        "{stdout}"
    );

    // Findings are ordinary findings: --fail-on, allow entries by the Sigma id.
    let scan = |extra: &[&str]| {
        sockaudit()
            .args([
                "scan",
                "--no-default-rules",
                "--input",
                "fixtures/sigma/captures/win-netstat-abno-nc.txt",
                "--sigma",
                "fixtures/sigma/windows",
                "--format",
                "json",
                "--fail-on",
                "high",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = scan(&[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &doc["findings"][0];
    assert_eq!(finding["kind"], "sigma");
    assert_eq!(finding["rule"], "9a1c0e52-6f0e-4b47-9a8e-00000000000a");
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.toml");
    std::fs::write(&allow, "[[allow]]\nrule = \"9a1c0e52-6f0e-4b47-9a8e-00000000000a\"\nprocess = \"nc.exe\"\nreason = \"lab test\"\n").unwrap();
    let out = scan(&["--rules", allow.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // [sigma] paths in a rule file, relative to that file.
    let config = dir.path().join("sigma.toml");
    let windows = std::fs::canonicalize("fixtures/sigma/windows").unwrap();
    std::fs::write(
        &config,
        format!("[sigma]\npaths = [{:?}]\n", windows.display().to_string()),
    )
    .unwrap();
    let out = sockaudit()
        .args([
            "scan",
            "--no-default-rules",
            "--input",
            "fixtures/sigma/captures/win-netstat-abno-nc.txt",
            "--fail-on",
            "high",
            "--rules",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn live_netcat_to_a_test_net_peer_in_a_namespace() {
    use common::Holder;
    use common::netns::{self, VethPair};
    if !netns::can_create() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("nc.yml");
    std::fs::write(
        &rule,
        "title: Netcat to TEST-NET\nid: 5b1c1d2e-0000-4000-8000-000000000001\nlogsource:\n    category: network_connection\n    product: linux\ndetection:\n    selection:\n        Image|endswith: '/nc'\n        DestinationIp|cidr: '192.0.2.0/24'\n        DestinationPort: 4444\n    condition: selection\nlevel: high\n",
    )
    .unwrap();
    // The client is a copy of this test executable named `nc`.
    let nc = common::copy_self_to(dir.path(), "nc");
    // Declared first, dropped last: holders die before their namespaces go.
    let pair = VethPair::create("sa-sig", "sgv");
    pair.a
        .ip(&["addr", "add", "192.0.2.1/24", "dev", &pair.dev_a]);
    pair.b
        .ip(&["addr", "add", "192.0.2.2/24", "dev", &pair.dev_b]);
    let in_a = ["ip", "netns", "exec", pair.a.name.as_str()];
    let in_b = ["ip", "netns", "exec", pair.b.name.as_str()];
    let _server = Holder::spawn_in(&in_b, "serve:192.0.2.2:4444");
    let client = Holder::spawn_exe_in(&in_a, &nc, "connect:192.0.2.2:4444");
    let out = pair.a.sockaudit(&[
        "scan",
        "--no-all-namespaces",
        "--no-default-rules",
        "--format",
        "json",
        "--fail-on",
        "high",
        "--sigma",
        rule.to_str().unwrap(),
    ]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{}", out.stdout);
    assert_eq!(findings[0]["rule"], "5b1c1d2e-0000-4000-8000-000000000001");
    assert_eq!(findings[0]["process"]["pid"], client.pid);
    assert_eq!(findings[0]["socket"]["remote_addr"], "192.0.2.2");
}
