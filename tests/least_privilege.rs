//! Least privilege: uid 65534 with exactly `CAP_SYS_PTRACE` and `CAP_DAC_READ_SEARCH` (ambient,
//! via setpriv) attributes a root-owned process's socket; with either one alone, or none, it
//! does not, and says so as a coverage gap. The systemd unit is bounded to exactly that set.
//! A scanner holding capabilities is privileged: it applies the trust checks (src/files/trust.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::privileged::{binary_for_nobody, chmod, require_root, require_tool};
use common::{Holder, machine_wide, sockets_on_port};

/// Runs `bin ARGS` as uid/gid 65534 holding only `caps` (setpriv names: `sys_ptrace`...).
fn as_nobody_with(bin: &Path, caps: &[&str], args: &[&str]) -> std::process::Output {
    let mut command = Command::new("setpriv");
    command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
    if !caps.is_empty() {
        let list: Vec<String> = caps.iter().map(|c| format!("+{c}")).collect();
        let list = list.join(",");
        command
            .arg(format!("--inh-caps={list}"))
            .arg(format!("--ambient-caps={list}"));
    }
    command.arg(bin).args(args).output().expect("setpriv runs")
}

#[test]
fn both_capabilities_attribute_a_root_owned_socket_and_either_alone_does_not() {
    if !require_root("dropping to uid 65534 with capabilities") || !require_tool("setpriv") {
        return;
    }
    let _machine = machine_wide();
    let holder = Holder::spawn("tcp");
    let port = holder.ports[0];
    let (_guard, bin) = binary_for_nobody();
    let cases: [(&[&str], bool); 4] = [
        (&["sys_ptrace", "dac_read_search"], true),
        (&["sys_ptrace"], false),
        (&["dac_read_search"], false),
        (&[], false),
    ];
    for (caps, attributed) in cases {
        let out = as_nobody_with(&bin, caps, &["list", "--format", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{caps:?}: {stderr}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["coverage"]["privileged"], false, "{caps:?}: not root");
        let ours = sockets_on_port(&doc, port);
        assert_eq!(ours.len(), 1, "{caps:?}");
        if attributed {
            assert_eq!(ours[0]["pids"], serde_json::json!([holder.pid]), "{caps:?}");
            assert_eq!(ours[0]["attribution"], "fd");
            // Process facts too: the exe link needs the same ptrace access.
            let exe = ours[0]["process"]["exe"].as_str().unwrap_or_default();
            assert!(
                exe.ends_with(
                    std::env::current_exe()
                        .unwrap()
                        .file_name()
                        .unwrap()
                        .to_str()
                        .unwrap()
                ),
                "{caps:?}: exe {exe}"
            );
        } else {
            assert_eq!(
                ours[0]["pids"],
                serde_json::json!([]),
                "{caps:?}: never guessed"
            );
            assert_eq!(ours[0]["unattributed"], "permission", "{caps:?}");
            assert!(
                stderr.contains("could not be attributed"),
                "{caps:?}: {stderr}"
            );
        }
    }
    holder.stop();
}

#[test]
fn the_systemd_unit_is_bounded_to_exactly_those_capabilities() {
    let unit = std::fs::read_to_string("contrib/systemd/sockaudit.service").unwrap();
    let bounded: BTreeSet<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("CapabilityBoundingSet="))
        .flat_map(str::split_whitespace)
        .collect();
    assert_eq!(
        bounded,
        BTreeSet::from(["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"]),
        "the unit and the capability test above must agree"
    );
    assert!(unit.contains("NoNewPrivileges=yes"));
    assert!(unit.contains("RestrictAddressFamilies=AF_NETLINK AF_UNIX"));
}

#[test]
fn a_scanner_with_capabilities_applies_the_trust_checks() {
    if !require_root("dropping to uid 65534 with capabilities") || !require_tool("setpriv") {
        return;
    }
    let (guard, bin) = binary_for_nobody();
    let rules = guard.path().join("site.toml");
    std::fs::write(
        &rules,
        "[[listen]]\nid = \"x\"\nseverity = \"low\"\nport = 1\n",
    )
    .unwrap();
    chmod(&rules, 0o666);
    let args = ["rules", "list", "--rules", rules.to_str().unwrap()];
    let out = as_nobody_with(&bin, &["sys_ptrace", "dac_read_search"], &args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to use this rule file in a privileged run"),
        "{stderr}"
    );
    // The same user without capabilities is not privileged: nothing is checked.
    let out = as_nobody_with(&bin, &[], &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Without root, the process rules cannot see who owns another user's socket: the report says
/// so next to the result (text and JSON) instead of reading as all-clear, and `--strict` fails.
#[test]
fn an_unprivileged_scan_says_which_rules_could_not_check_which_sockets() {
    if !require_root("dropping to uid 65534") || !require_tool("setpriv") {
        return;
    }
    let _machine = machine_wide();
    let holder = Holder::spawn("tcp");
    let (_guard, bin) = binary_for_nobody();
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    let rules = dir.path().join("shells.toml");
    std::fs::write(
        &rules,
        "[[process]]\nid = \"site-reverse-shell\"\nseverity = \"critical\"\nstdio-socket = true\nprocess = [\"sh\", \"bash\"]\n",
    )
    .unwrap();
    chmod(&rules, 0o644);

    let out = as_nobody_with(&bin, &[], &["scan", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unchecked = &doc["unchecked"];
    assert!(
        unchecked["sockets"].as_u64().unwrap_or(0) >= 1,
        "the holder's socket at least: {unchecked}"
    );
    assert_eq!(unchecked["needs_root"], true);
    let named: Vec<&str> = unchecked["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    for rule in ["reverse-shell", "masquerade", "exe-in-temp", "deleted-exe"] {
        assert!(named.contains(&rule), "{rule} missing from {named:?}");
    }
    // The raw and packet socket rules never look at these TCP/UDP sockets.
    for rule in ["raw-socket-unexpected", "packet-socket-unexpected"] {
        assert!(!named.contains(&rule), "{rule} in {named:?}");
    }

    let out = as_nobody_with(&bin, &[], &["scan"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("Unchecked: "))
        .unwrap_or_else(|| panic!("no Unchecked line:\n{text}"));
    assert!(
        line.contains("reverse-shell") && line.contains("run as root"),
        "{line}"
    );
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.contains("unchecked by process rules, see above"),
        "{last}"
    );

    let rules_arg = rules.to_str().unwrap();
    let strict = [
        "scan",
        "--no-default-rules",
        "--rules",
        rules_arg,
        "--strict",
    ];
    let out = as_nobody_with(&bin, &[], &strict);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--strict: ")
            && stderr.contains("site-reverse-shell")
            && stderr.contains("run as root"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no report on a --strict failure");

    // As root the holder's socket is checked: it is not among the unchecked ones.
    let root = common::json_of(&[
        "scan",
        "--no-default-rules",
        "--rules",
        rules_arg,
        "--format",
        "json",
    ]);
    let as_root = root["unchecked"]["sockets"].as_u64().unwrap_or(0);
    assert!(
        as_root < unchecked["sockets"].as_u64().unwrap_or(0),
        "root checks more: {as_root} vs {unchecked}"
    );
    holder.stop();
}

/// Issue #19, point 9: a repeating run says a coverage gap once, not once per round:
/// `list --interval ... --count 3` and `watch --count 3` as uid 65534 print the "could not be
/// attributed" warning once, while every round's JSON still records the gap.
#[test]
fn a_repeating_unprivileged_run_warns_about_coverage_once() {
    if !require_root("dropping to uid 65534") || !require_tool("setpriv") {
        return;
    }
    let _machine = machine_wide();
    // A root-owned socket uid 65534 cannot attribute: the warning has a reason to appear.
    let holder = Holder::spawn("tcp");
    let (_guard, bin) = binary_for_nobody();
    const WARNING: &str = "could not be attributed";
    let out = as_nobody_with(
        &bin,
        &[],
        &[
            "list",
            "--format",
            "json",
            "--interval",
            "0.1",
            "--count",
            "3",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches(WARNING).count(), 1, "once: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rounds: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rounds.len(), 3, "{stdout}");
    for doc in &rounds {
        assert_eq!(doc["coverage"]["privileged"], false);
        assert!(sockets_on_port(doc, holder.ports[0]).len() == 1, "{doc}");
    }
    let out = as_nobody_with(
        &bin,
        &[],
        &[
            "watch",
            "--no-default-rules",
            "--format",
            "jsonl",
            "--interval",
            "0.1",
            "--count",
            "3",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches(WARNING).count(), 1, "once: {stderr}");
}
