//! End to end with real peers: two network namespaces joined by a veth pair, documentation
//! addresses inside them only, a test GeoIP database mapping the peer to a denied country and
//! AS. Traffic never leaves the pair; the namespaces and processes are removed on drop, also
//! when an assertion fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::geo::write_databases;
use common::netns::{self, VethPair};
use common::{Holder, sockaudit_path};
use serde_json::Value;

/// Namespaces `a` (203.0.113.1) and `b` (203.0.113.2) joined by veth; deleted on drop.
fn create_pair() -> VethPair {
    let pair = VethPair::create("sa-geo", "sav");
    pair.a
        .ip(&["addr", "add", "203.0.113.1/24", "dev", &pair.dev_a]);
    pair.b
        .ip(&["addr", "add", "203.0.113.2/24", "dev", &pair.dev_b]);
    pair
}

#[test]
fn inbound_and_outbound_peers_in_a_denied_country_and_as() {
    if !netns::can_create() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (country, asn) = write_databases(dir.path(), 1);
    let rules = dir.path().join("netns.toml");
    std::fs::write(
        &rules,
        "[[remote]]\nid = \"inbound-from-kp\"\nseverity = \"high\"\ndirection = \"inbound\"\nremote = \"documentation\"\ndeny-countries = [\"KP\"]\n\n\
         [[remote]]\nid = \"outbound-to-as64512\"\nseverity = \"high\"\ndirection = \"outbound\"\nremote = \"documentation\"\ndeny-asn = [64512]\n",
    )
    .unwrap();

    // Declared first, dropped last: holders die before their namespaces go.
    let pair = create_pair();
    let in_a = ["ip", "netns", "exec", pair.a.name.as_str()];
    let in_b = ["ip", "netns", "exec", pair.b.name.as_str()];
    // (a) the peer connects in to our listener; (b) we connect out to the peer's listener.
    let server_a = Holder::spawn_in(&in_a, "serve:203.0.113.1:8443");
    let server_b = Holder::spawn_in(&in_b, "serve:203.0.113.2:9443");
    let client_b = Holder::spawn_in(&in_b, "connect:203.0.113.1:8443");
    let client_a = Holder::spawn_in(&in_a, "connect:203.0.113.2:9443");

    let deadline = Instant::now() + Duration::from_secs(10);
    let doc = loop {
        let out = Command::new("ip")
            .args(["netns", "exec", &pair.a.name])
            .arg(sockaudit_path())
            .args([
                "scan",
                // As if sockaudit ran on host a: only its own namespace (tests/namespaces.rs
                // covers reading every namespace).
                "--no-all-namespaces",
                "--no-default-rules",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--rules",
            ])
            .arg(&rules)
            .arg("--geoip")
            .arg(&country)
            .arg("--geoip")
            .arg(&asn)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        if doc["findings"].as_array().unwrap().len() >= 2 || Instant::now() > deadline {
            break doc;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let findings = doc["findings"].as_array().unwrap();
    let inbound = findings
        .iter()
        .find(|f| f["rule"] == "inbound-from-kp")
        .expect("inbound finding");
    assert_eq!(inbound["remote"]["ip"], "203.0.113.2");
    assert_eq!(inbound["remote"]["country"], "KP");
    assert_eq!(inbound["remote"]["scope"], "documentation");
    assert_eq!(inbound["socket"]["local_port"], 8443);
    assert_eq!(
        inbound["process"]["pid"], server_a.pid,
        "the accepting server owns it"
    );
    assert!(
        inbound["message"]
            .as_str()
            .unwrap()
            .contains("inbound tcp connection from 203.0.113.2:")
    );

    let outbound = findings
        .iter()
        .find(|f| f["rule"] == "outbound-to-as64512")
        .expect("outbound finding");
    assert_eq!(outbound["remote"]["ip"], "203.0.113.2");
    assert_eq!(outbound["remote"]["asn"], 64512);
    assert_eq!(outbound["remote"]["org"], "Example Org");
    assert_eq!(outbound["socket"]["remote_port"], 9443);
    assert_eq!(outbound["process"]["pid"], client_a.pid);
    assert!(
        outbound["message"]
            .as_str()
            .unwrap()
            .contains("203.0.113.2:9443 [KP, AS64512 Example Org]")
    );
    assert_eq!(
        findings.len(),
        2,
        "with --no-all-namespaces, namespace b's sockets are not read from a: {findings:#?}"
    );

    drop((client_a, client_b, server_b, server_a));
    drop(pair);
    let listed = Command::new("ip").args(["netns", "list"]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains("sa-geo-"),
        "namespaces removed"
    );
}
