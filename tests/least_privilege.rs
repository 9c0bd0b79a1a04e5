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
