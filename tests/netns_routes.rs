//! Route drift against the real kernel: two network namespaces joined by veth pairs (documentation
//! and private addresses only), routes and static neighbour entries changed with `ip`, and the
//! built binary run inside one of them with `ip netns exec`. Nothing is sent anywhere: routes
//! and permanent neighbour entries need no traffic. The namespaces (and with them the veth
//! pairs) are removed on drop, also when an assertion fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::netns::{self, VethPair};
use common::output::outcome;
use common::sockaudit_path;

/// Namespace `a` (the host under test: 198.51.100.2 on `va`, 10.9.0.2 on `va2`) and `b` (its
/// routers: 198.51.100.1 and .66 on `vb`, 10.9.0.1 on `vb2`). Deleted on drop.
struct RouteLab {
    net: VethPair,
    a: String,
    b: String,
    va: String,
    va2: String,
}

impl RouteLab {
    fn create() -> RouteLab {
        let id = std::process::id() % 100_000;
        // Each step's namespaces are owned from the start: a failing step still deletes them.
        let net = VethPair::create("sa-rt", "sar");
        let (va2, vb2) = (format!("sar{id}c"), format!("sar{id}d"));
        net.a.veth_to(&va2, &net.b, &vb2);
        net.a
            .ip(&["addr", "add", "198.51.100.2/24", "dev", &net.dev_a]);
        net.a.ip(&["addr", "add", "10.9.0.2/24", "dev", &va2]);
        net.b
            .ip(&["addr", "add", "198.51.100.1/24", "dev", &net.dev_b]);
        net.b
            .ip(&["addr", "add", "198.51.100.66/24", "dev", &net.dev_b]);
        net.b.ip(&["addr", "add", "10.9.0.1/24", "dev", &vb2]);
        RouteLab {
            a: net.a.name.clone(),
            b: net.b.name.clone(),
            va: net.dev_a.clone(),
            va2,
            net,
        }
    }

    /// `ip -n A ARGS`.
    fn in_a(&self, args: &[&str]) {
        self.net.a.ip(args);
    }

    /// Runs the binary inside namespace `a`: (exit code, stdout, stderr).
    fn sockaudit(&self, args: &[&str], baseline: &Path) -> (Option<i32>, String, String) {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.a])
            .arg(sockaudit_path())
            .args(args)
            .arg(baseline)
            .output()
            .unwrap();
        let run = outcome(out);
        (run.code, run.stdout, run.stderr)
    }

    fn check(&self, baseline: &Path) -> (Option<i32>, String) {
        let (code, out, _) = self.sockaudit(&["baseline", "check"], baseline);
        (code, out)
    }

    fn assert_quiet(&self, baseline: &Path, after: &str) {
        let (code, out) = self.check(baseline);
        assert_eq!(code, Some(0), "{after}: {out}");
        assert!(out.contains("No drift"), "{after}: {out}");
    }

    /// Checks, expects exit 1 and exactly one drift line, which must contain `want`.
    fn assert_drift(&self, baseline: &Path, want: &[&str]) -> String {
        let (code, out) = self.check(baseline);
        assert_eq!(code, Some(1), "{out}");
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with(['+', '-', '~']))
            .collect();
        assert_eq!(lines.len(), 1, "one drift line expected:\n{out}");
        for w in want {
            assert!(lines[0].contains(w), "missing {w:?} in:\n{out}");
        }
        lines[0].to_string()
    }
}

#[test]
fn default_route_gateway_and_mac_drift_in_a_namespace() {
    if !netns::can_create() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("ns.baseline.toml");
    let lab = RouteLab::create();
    let va = lab.va.clone();
    lab.in_a(&["route", "add", "default", "via", "198.51.100.1", "dev", &va]);
    lab.in_a(&[
        "route",
        "add",
        "10.77.0.0/16",
        "via",
        "198.51.100.1",
        "dev",
        &va,
    ]);
    // A policy-routing table: invisible in /proc/net/route, recorded through netlink.
    lab.in_a(&[
        "route",
        "add",
        "default",
        "via",
        "198.51.100.66",
        "dev",
        &va,
        "table",
        "100",
    ]);
    let gateway_mac = |mac: &str| {
        lab.in_a(&[
            "neigh",
            "replace",
            "198.51.100.1",
            "lladdr",
            mac,
            "dev",
            &va,
            "nud",
            "permanent",
        ]);
    };
    gateway_mac("00:00:5e:00:53:01");

    // The routes command sees the namespace's tables.
    let out = Command::new("ip")
        .args(["netns", "exec", &lab.a])
        .arg(sockaudit_path())
        .args(["routes", "--neighbours", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let routes = doc["routes"].as_array().unwrap();
    let default = &routes[0];
    assert_eq!(default["destination"], "0.0.0.0/0");
    assert_eq!(default["gateway"], "198.51.100.1");
    assert_eq!(default["interface"], va.as_str());
    assert_eq!(default["table"], "main");
    assert!(routes.iter().any(|r| r["table"] == "100"));
    assert!(
        doc["neighbours"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["address"] == "198.51.100.1"
                && n["mac"] == "00:00:5e:00:53:01"
                && n["state"] == "PERMANENT")
    );

    // The baseline records the configured routes and the gateway's MAC, not kernel noise.
    let (code, _, stderr) = lab.sockaudit(&["baseline", "create", "-o"], &baseline);
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    for want in [
        "check-routes = true",
        "destination = \"0.0.0.0/0\"\ngateway = \"198.51.100.1\"",
        "destination = \"10.77.0.0/16\"",
        "table = \"100\"",
        "[[baseline.gateway]]\naddress = \"198.51.100.1\"\nmac = \"00:00:5e:00:53:01\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    for noise in [
        "198.51.100.0/24",
        "table = \"local\"",
        "fe80::/64",
        "10.9.0.0/24",
    ] {
        assert!(!text.contains(noise), "{noise} recorded:\n{text}");
    }
    lab.assert_quiet(&baseline, "right after create");

    // The default route's gateway changes: high, once (not also "missing").
    lab.in_a(&[
        "route",
        "replace",
        "default",
        "via",
        "198.51.100.66",
        "dev",
        &va,
    ]);
    let line = lab.assert_drift(
        &baseline,
        &[
            "~ ipv4 default route is now via 198.51.100.66 dev",
            "the baseline had via 198.51.100.1",
            "[default-route-changed, high]",
        ],
    );
    assert!(line.contains("ns.baseline.toml:"), "{line}");
    let (code, out, _) = lab.sockaudit(
        &[
            "scan",
            "--no-default-rules",
            "--format",
            "json",
            "--baseline",
        ],
        &baseline,
    );
    assert_eq!(code, Some(1), "high fails the scan: {out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["default-route-changed"], "{out}");
    // Restored: quiet again.
    lab.in_a(&[
        "route",
        "replace",
        "default",
        "via",
        "198.51.100.1",
        "dev",
        &va,
    ]);
    lab.assert_quiet(&baseline, "gateway restored");

    // A host route for a public address (never used: nothing is sent).
    lab.in_a(&[
        "route",
        "add",
        "9.9.9.9/32",
        "via",
        "198.51.100.66",
        "dev",
        &va,
    ]);
    lab.assert_drift(
        &baseline,
        &[
            "+ new route 9.9.9.9/32 via 198.51.100.66",
            "[route-captures-public, medium]",
        ],
    );
    lab.in_a(&["route", "del", "9.9.9.9/32"]);
    // A private one is not an interception risk.
    lab.in_a(&[
        "route",
        "add",
        "10.78.0.0/16",
        "via",
        "198.51.100.66",
        "dev",
        &va,
    ]);
    lab.assert_quiet(&baseline, "private route added");
    lab.in_a(&["route", "del", "10.78.0.0/16"]);

    // A second default route out of an interface that had none.
    let va2 = lab.va2.clone();
    lab.in_a(&[
        "route", "add", "default", "via", "10.9.0.1", "dev", &va2, "metric", "500",
    ]);
    lab.assert_drift(
        &baseline,
        &[
            "+ ipv4 default route via 10.9.0.1 dev",
            "metric 500",
            "[default-route-new-interface, medium]",
        ],
    );
    lab.in_a(&["route", "del", "default", "via", "10.9.0.1", "dev", &va2]);
    lab.assert_quiet(&baseline, "second default removed");

    // A baselined static route disappears: low.
    lab.in_a(&["route", "del", "10.77.0.0/16"]);
    lab.assert_drift(
        &baseline,
        &[
            "- baselined route 10.77.0.0/16 via 198.51.100.1",
            "[expected-route-missing, low]",
        ],
    );
    lab.in_a(&[
        "route",
        "add",
        "10.77.0.0/16",
        "via",
        "198.51.100.1",
        "dev",
        &va,
    ]);
    lab.assert_quiet(&baseline, "static route restored");

    // ARP spoofing: the gateway's MAC changes, then another address answers with it too.
    gateway_mac("00:00:5e:00:53:66");
    lab.assert_drift(
        &baseline,
        &[
            "~ gateway 198.51.100.1 on",
            "now answers with MAC 00:00:5e:00:53:66; the baseline had 00:00:5e:00:53:01",
            "[gateway-mac-changed, high]",
        ],
    );
    lab.in_a(&[
        "neigh",
        "replace",
        "198.51.100.7",
        "lladdr",
        "00:00:5e:00:53:66",
        "dev",
        &va,
        "nud",
        "permanent",
    ]);
    let (code, out) = lab.check(&baseline);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("+ gateway 198.51.100.1 and 198.51.100.7 share MAC 00:00:5e:00:53:66")
            && out.contains("[gateway-mac-shared, medium]")
            && out.contains("[gateway-mac-changed, high]"),
        "{out}"
    );
    lab.in_a(&["neigh", "del", "198.51.100.7", "dev", &va]);
    gateway_mac("00:00:5e:00:53:01");
    lab.assert_quiet(&baseline, "neighbours restored");

    let names = (lab.a.clone(), lab.b.clone());
    drop(lab);
    let listed = Command::new("ip").args(["netns", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        !listed.contains(&names.0) && !listed.contains(&names.1),
        "namespaces removed: {listed}"
    );
}
