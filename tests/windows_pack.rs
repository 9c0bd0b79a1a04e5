//! The Windows section of the default pack (issue #21): a stock Windows 11 machine is quiet at
//! medium and above, each technique fixture fires its rule, and no Windows rule fires on the
//! Linux fixtures. Run on whichever build reads the snapshots (here: Linux).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use sockaudit::model::finding::Severity;
use sockaudit::rules::engine::{Evaluation, evaluate};
use sockaudit::rules::{RuleSet, RuleSources, load};

const TODAY: jiff::civil::Date = jiff::civil::date(2026, 11, 24);
const STOCK: &str = "fixtures/snapshots/windows-stock-win11.json";
const TECHNIQUES: &str = "fixtures/snapshots/windows-techniques.json";

/// The rules of the Windows section, as written in rules/default.toml.
const WINDOWS_RULES: [&str; 13] = [
    "exe-in-windows-temp",
    "exe-in-programdata",
    "exe-in-appdata",
    "powershell-connection",
    "script-host-connection",
    "lolbin-connection",
    "msiexec-connection",
    "windows-system-impostor",
    "windows-bind-shell",
    "lolbin-listener",
    "rdp-exposed",
    "winrm-exposed",
    "smb-exposed",
];

fn default_pack() -> RuleSet {
    load(&RuleSources::only(Vec::<PathBuf>::new(), true))
        .unwrap_or_else(|e| panic!("rules load: {}", e.rendered))
}

fn run(snapshot: &sockaudit::model::Snapshot) -> Evaluation {
    evaluate(
        &default_pack(),
        snapshot,
        &sockaudit::enrich::Enrichment::default(),
        TODAY,
    )
}

fn scan(path: &str) -> Evaluation {
    run(&sockaudit::collect::file::load(Path::new(path)).unwrap())
}

/// A fixture edited in memory.
fn scan_edited(path: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Evaluation {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut json);
    let snapshot = sockaudit::collect::file::parse(Path::new(path), &json.to_string()).unwrap();
    run(&snapshot)
}

/// One line per finding plus its message (the style of tests/rules.rs).
fn summary(eval: &Evaluation) -> String {
    let mut out = String::new();
    for f in &eval.findings {
        out.push_str(&format!(
            "{:<8} {:<23} fp={} count={}\n         {}\n",
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

/// `(rule, pid)` of every finding, sorted.
fn fired(eval: &Evaluation) -> Vec<(String, u32)> {
    let mut pairs: Vec<(String, u32)> = eval
        .findings
        .iter()
        .map(|f| {
            let pid = f.process.as_ref().map_or(0, |p| p.pid);
            (f.rule.clone(), pid)
        })
        .collect();
    pairs.sort();
    pairs
}

fn has(eval: &Evaluation, rule: &str, pid: u32) -> bool {
    fired(eval).contains(&(rule.to_string(), pid))
}

#[test]
fn a_stock_windows_11_machine_is_quiet_at_medium_and_above() {
    let eval = scan(STOCK);
    let loud: Vec<String> = eval
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| format!("{} ({}): {}", f.rule, f.severity.as_str(), f.message))
        .collect();
    assert!(loud.is_empty(), "findings >= medium:\n{}", loud.join("\n"));
    // Not even low: Defender in ProgramData, OneDrive in AppData, Edge, Teams, svchost from
    // C:\WINDOWS\system32 (any case) are all expected. SMB on 445/139 is a note.
    let rules: Vec<&str> = eval.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["smb-exposed", "smb-exposed"], "{}", summary(&eval));
    assert!(eval.findings.iter().all(|f| f.severity == Severity::Info));
    insta::assert_snapshot!(summary(&eval));
}

#[test]
fn each_technique_fires_its_rule() {
    let eval = scan(TECHNIQUES);
    insta::assert_snapshot!(summary(&eval));
    let expected = [
        // PowerShell.EXE: names ending in .exe match without case.
        ("powershell-connection", 8100),
        ("script-host-connection", 8200),
        ("lolbin-connection", 8210),
        ("lolbin-connection", 8220),
        ("lolbin-connection", 8230),
        ("lolbin-connection", 8240),
        ("windows-bind-shell", 8300),
        ("exe-in-windows-temp", 8400),
        ("exe-in-windows-temp", 8500),
        ("windows-system-impostor", 8500),
        ("exe-in-windows-temp", 8600),
        ("exe-in-programdata", 8700),
        ("exe-in-appdata", 8800),
        ("rdp-exposed", 1180),
        ("smb-exposed", 4),
    ];
    for (rule, pid) in expected {
        assert!(
            has(&eval, rule, pid),
            "{rule} for pid {pid}:\n{}",
            summary(&eval)
        );
    }
    let severity = |rule: &str| {
        eval.findings
            .iter()
            .find(|f| f.rule == rule)
            .map(|f| f.severity)
    };
    assert_eq!(severity("rdp-exposed"), Some(Severity::Info));
    assert_eq!(severity("windows-system-impostor"), Some(Severity::High));
    assert_eq!(severity("windows-bind-shell"), Some(Severity::Critical));
    // Quiet: Defender beside the ProgramData loader, pwsh talking to loopback only, the real
    // svchost on 135, RDP's UDP twin (one note per exposure).
    for pid in [3320, 8900, 1012] {
        assert!(
            !eval
                .findings
                .iter()
                .any(|f| f.process.as_ref().is_some_and(|p| p.pid == pid)),
            "pid {pid} should be quiet:\n{}",
            summary(&eval)
        );
    }
    assert_eq!(
        eval.findings
            .iter()
            .filter(|f| f.rule == "rdp-exposed")
            .count(),
        1
    );
    // Nothing beyond what the fixture stages.
    assert_eq!(eval.findings.len(), expected.len(), "{}", summary(&eval));
}

#[test]
fn an_impostor_whose_exe_is_unknown_is_not_judged() {
    // A scan without elevation cannot read the exe of SYSTEM's processes: no impostor finding
    // for what it cannot see (exe-in-windows-temp cannot see it either).
    let eval = scan_edited(TECHNIQUES, |json| {
        json["processes"]["8500"]["exe"] = serde_json::Value::Null;
    });
    assert!(
        !has(&eval, "windows-system-impostor", 8500),
        "{}",
        summary(&eval)
    );
    assert!(
        !has(&eval, "exe-in-windows-temp", 8500),
        "{}",
        summary(&eval)
    );
}

#[test]
fn system_programs_in_system32_are_no_impostors_in_any_case_and_elsewhere_they_are() {
    let eval = scan_edited(TECHNIQUES, |json| {
        let p = &mut json["processes"]["8500"];
        p["exe"] = "c:/windows/SYSTEM32/svchost.exe".into();
    });
    assert!(
        !has(&eval, "windows-system-impostor", 8500),
        "{}",
        summary(&eval)
    );
    // One folder too deep is not System32.
    let eval = scan_edited(TECHNIQUES, |json| {
        json["processes"]["8500"]["exe"] = r"C:\Windows\System32\Tasks\svchost.exe".into();
    });
    assert!(
        has(&eval, "windows-system-impostor", 8500),
        "{}",
        summary(&eval)
    );
    // explorer.exe belongs in C:\Windows, svchost.exe does not.
    let eval = scan_edited(TECHNIQUES, |json| {
        json["processes"]["8500"]["exe"] = r"C:\Windows\svchost.exe".into();
    });
    assert!(
        has(&eval, "windows-system-impostor", 8500),
        "{}",
        summary(&eval)
    );
    let eval = scan_edited(TECHNIQUES, |json| {
        let p = &mut json["processes"]["8500"];
        p["name"] = "explorer.exe".into();
        p["exe"] = r"C:\Windows\explorer.exe".into();
    });
    assert!(
        !has(&eval, "windows-system-impostor", 8500),
        "{}",
        summary(&eval)
    );
    // A system program on another volume's "Windows" folder is not trusted.
    let eval = scan_edited(TECHNIQUES, |json| {
        json["processes"]["8500"]["exe"] = r"D:\Windows\System32\svchost.exe".into();
    });
    assert!(
        has(&eval, "windows-system-impostor", 8500),
        "{}",
        summary(&eval)
    );
}

#[test]
fn msbuild_from_visual_studio_is_allowed_and_the_framework_one_is_not() {
    let msbuild = |exe: &str| {
        let exe = exe.to_string();
        scan_edited(TECHNIQUES, move |json| {
            let p = &mut json["processes"]["8230"];
            p["name"] = "MSBuild.exe".into();
            p["exe"] = exe.clone().into();
            p["cmdline"] = serde_json::json!([exe]);
        })
    };
    let vs = msbuild(
        r"C:\Program Files\Microsoft Visual Studio\2022\Community\MSBuild\Current\Bin\amd64\MSBuild.exe",
    );
    assert!(!has(&vs, "lolbin-connection", 8230), "{}", summary(&vs));
    let framework = msbuild(r"C:\Windows\Microsoft.NET\Framework64\v4.0.30319\MSBuild.exe");
    assert!(
        has(&framework, "lolbin-connection", 8230),
        "{}",
        summary(&framework)
    );
}

#[test]
fn msiexec_to_a_public_address_is_low_and_to_the_lan_is_quiet() {
    let msiexec = |remote: &str| {
        let remote = remote.to_string();
        scan_edited(TECHNIQUES, move |json| {
            let p = &mut json["processes"]["8230"];
            p["name"] = "msiexec.exe".into();
            p["exe"] = r"C:\Windows\System32\msiexec.exe".into();
            for s in json["sockets"].as_array_mut().unwrap() {
                if s["pids"] == serde_json::json!([8230]) {
                    s["remote_addr"] = remote.clone().into();
                }
            }
        })
    };
    // 203.0.113.0/24 is a documentation network, not public: a real address.
    let public = msiexec("93.184.215.14");
    let found: Vec<_> = public
        .findings
        .iter()
        .filter(|f| f.rule == "msiexec-connection")
        .collect();
    assert_eq!(found.len(), 1, "{}", summary(&public));
    assert_eq!(found[0].severity, Severity::Low);
    let lan = msiexec("192.168.1.10");
    assert!(!has(&lan, "msiexec-connection", 8230), "{}", summary(&lan));
}

#[test]
fn no_windows_rule_fires_on_the_linux_fixtures() {
    for fixture in [
        "fixtures/snapshots/clean-debian.json",
        "fixtures/snapshots/process-fire.json",
        "fixtures/snapshots/shells-fire.json",
        "fixtures/snapshots/listen-fire.json",
        "fixtures/snapshots/remote-fire.json",
    ] {
        let eval = scan(fixture);
        let windows: Vec<_> = eval
            .findings
            .iter()
            .filter(|f| WINDOWS_RULES.contains(&f.rule.as_str()))
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect();
        assert!(windows.is_empty(), "{fixture}:\n{}", windows.join("\n"));
    }
}

#[test]
fn the_windows_rules_are_in_the_default_pack_with_descriptions() {
    let pack = default_pack();
    for id in WINDOWS_RULES {
        let rule = pack
            .rules
            .iter()
            .find(|r| r.common.id == id)
            .unwrap_or_else(|| panic!("{id} missing from the default pack"));
        assert!(rule.common.description.is_some(), "{id} has no description");
        assert!(rule.common.enabled, "{id} is disabled");
    }
}
