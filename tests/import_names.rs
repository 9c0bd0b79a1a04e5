//! Names a capture printed instead of addresses stay names (issue #20): `web1:mysql` is a
//! listener whose address is unknown, not one on 0.0.0.0 ("any"); an IPv6 row's `localhost` is
//! ::1; TCPView's cut names keep their row; the JSON says `local_addr: null` with the name
//! beside it, and a snapshot written before that (schema 2, the unspecified address) reads
//! back as a name again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sockaudit;
use serde_json::Value;

fn capture(name: &str) -> String {
    format!("{}/fixtures/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = sockaudit().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn sockets(doc: &Value) -> Vec<Value> {
    doc["sockets"].as_array().unwrap().clone()
}

#[test]
fn a_host_name_is_not_the_wildcard_and_localhost_keeps_its_family() {
    let file = capture("linux-netstat-tulpe-names.txt");
    let (code, text) = run(&["list", "--input", &file]);
    assert_eq!(code, Some(0));
    assert!(text.contains("web1:mysql"), "{text}");
    assert!(!text.contains("0.0.0.0:3306"), "{text}");

    let (_, json) = run(&["list", "--input", &file, "--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let all = sockets(&doc);
    let mysql: Vec<&Value> = all.iter().filter(|s| s["local_port"] == 3306).collect();
    assert_eq!(mysql.len(), 1, "{json}");
    assert_eq!(mysql[0]["local_addr"], Value::Null, "{}", mysql[0]);
    assert_eq!(mysql[0]["capture"]["local_name"], "web1:mysql");
    let smtp: Vec<(String, String)> = all
        .iter()
        .filter(|s| s["local_port"] == 25)
        .map(|s| {
            (
                s["family"].as_str().unwrap().to_string(),
                s["local_addr"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        smtp,
        vec![
            ("ipv4".to_string(), "127.0.0.1".to_string()),
            ("ipv6".to_string(), "::1".to_string())
        ]
    );

    // The rules see an unknown bind, not "any": mysqld is not reported as listening on every
    // address (db-beyond-loopback), and the CSV leaves the address empty beside the name.
    let (_, report) = run(&[
        "scan",
        "--input",
        &file,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let report: Value = serde_json::from_str(&report).unwrap();
    for f in report["findings"].as_array().unwrap() {
        let message = f["message"].as_str().unwrap();
        assert!(!message.contains("0.0.0.0:3306"), "{message}");
        assert!(
            !(message.contains("3306") && message.contains("any address")),
            "{message}"
        );
    }
    let notes = report["coverage"]["notes"].to_string();
    assert!(
        notes.contains("e.g. web1:mysql"),
        "the report names the sockets: {notes}"
    );
    let (_, csv) = run(&["list", "--input", &file, "--format", "csv"]);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("tcp,ipv4,,3306,") && l.contains(",web1:mysql,")),
        "{csv}"
    );
}

#[test]
fn tcpview_cut_names_keep_their_rows() {
    let file = capture("tcpview-v3-cut-names.txt");
    let (code, json) = run(&["list", "--input", &file, "--format", "json", "--strict"]);
    assert_eq!(code, Some(0), "--strict: no row was skipped");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let all = sockets(&doc);
    assert_eq!(all.len(), 5, "{json}");
    let cut: Vec<&Value> = all
        .iter()
        .filter(|s| {
            s["capture"]["remote_name"]
                .as_str()
                .is_some_and(|n| n.contains("..."))
        })
        .collect();
    assert_eq!(cut.len(), 2, "{json}");
    for s in &cut {
        assert_eq!(s["remote_addr"], Value::Null, "{s}");
    }
    // The service glued after the ellipsis is the port.
    assert!(cut.iter().any(|s| s["remote_port"] == 443), "{json}");
}

#[test]
fn a_schema_2_snapshot_with_names_reads_them_as_names() {
    let file = capture("linux-netstat-tulpe-names.txt");
    let (_, json) = run(&["snapshot", "--input", &file]);
    // What sockaudit wrote before schema 3: the unspecified address beside the name.
    let old = json
        .replace("\"schema_version\": 3", "\"schema_version\": 2")
        .replace("\"local_addr\": null", "\"local_addr\": \"0.0.0.0\"");
    assert!(old.contains("\"schema_version\": 2"), "{old}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(&path, old).unwrap();
    let (code, text) = run(&["list", "--input", &path.display().to_string()]);
    assert_eq!(code, Some(0));
    assert!(text.contains("web1:mysql"), "{text}");
    assert!(!text.contains("0.0.0.0:3306"), "{text}");
}

#[test]
fn lsof_localhost_in_an_ipv6_socket_is_the_ipv6_loopback() {
    let (code, json) = run(&[
        "list",
        "--input",
        &capture("linux-lsof-i-names.txt"),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(&json).unwrap();
    let mut smtp: Vec<String> = sockets(&doc)
        .iter()
        .filter(|s| s["local_port"] == 25)
        .map(|s| {
            format!(
                "{} {}",
                s["family"].as_str().unwrap(),
                s["local_addr"].as_str().unwrap()
            )
        })
        .collect();
    smtp.sort();
    assert_eq!(smtp, vec!["ipv4 127.0.0.1", "ipv6 ::1"]);
    let peer: Vec<Value> = sockets(&doc)
        .into_iter()
        .filter(|s| s["local_port"] == 49812)
        .collect();
    assert_eq!(peer[0]["remote_addr"], Value::Null, "{}", peer[0]);
    assert_eq!(peer[0]["remote_port"], 443);
}

/// A rule on the bind scope: `any` does not take a listener on a host name, `unknown` does.
#[test]
fn only_the_unknown_scope_matches_a_listener_on_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("scopes.toml");
    std::fs::write(
        &rules,
        "[[listen]]\nid = \"any-bind\"\nseverity = \"low\"\ndescription = \"wildcard\"\nbind = \"any\"\nport = 3306\n\n\
         [[listen]]\nid = \"named-bind\"\nseverity = \"low\"\ndescription = \"a name\"\nbind = \"unknown\"\nport = 3306\n",
    )
    .unwrap();
    let (_, json) = run(&[
        "scan",
        "--no-default-rules",
        "--rules",
        &rules.display().to_string(),
        "--input",
        &capture("linux-netstat-tulpe-names.txt"),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let report: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let fired: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(fired, vec!["named-bind"], "{report:#}");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("web1:mysql listening (unknown address)"),
        "{message}"
    );
}
