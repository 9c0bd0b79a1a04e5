//! Baselines against a real Docker engine and a real BIND 9, in a network namespace the test
//! creates (tests/common/docker.rs): a port published with `docker run -p` is recorded as its
//! number (it is chosen, even inside the ephemeral range), a container restart is no drift
//! although it recreates the veth whose `fe80::` address named listens on, a newly published
//! port is drift, and a stopped container's listener is reported missing while other
//! programs' listeners in the ephemeral range remain.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::Holder;
use common::docker::{Docker, Named};
use common::netns::{TestNetns, can_create};
use common::privileged::require_tool;

fn run_in(ns: &TestNetns, args: &[&str]) -> (Option<i32>, String, String) {
    let run = ns.sockaudit(args);
    (run.code, run.stdout, run.stderr)
}

/// The link-local addresses something listens on in the namespace, from `ss`.
fn link_local_listeners(ns: &TestNetns, port: u16) -> BTreeSet<String> {
    let out = Command::new("ip")
        .args(&ns.exec()[1..])
        .args(["ss", "-Hlun"])
        .output()
        .expect("ss runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3))
        .filter(|a| a.starts_with("[fe80:") && a.ends_with(&format!(":{port}")))
        .map(str::to_string)
        .collect()
}

/// Waits (at most 30 s) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn check(ns: &TestNetns, baseline: &Path) -> (Option<i32>, String) {
    let (code, out, err) = run_in(ns, &["baseline", "check", &baseline.display().to_string()]);
    assert!(!err.contains("panicked"), "{err}");
    (code, out)
}

#[test]
fn published_ports_container_restarts_and_link_local_binds() {
    if !can_create()
        || !["dockerd", "docker", "nsenter", "named", "ss"]
            .iter()
            .all(|t| require_tool(t))
    {
        return;
    }
    const DNS: u16 = 5353;
    let docker = Docker::start("sa-dock");
    docker.run_published("web", 41080);
    let named = Named::start(&docker.netns, DNS);
    let ns = &docker.netns;
    // named binds docker0's and the container veth's fe80:: address once DAD has passed.
    wait_until("named on two link-local addresses", || {
        link_local_listeners(ns, DNS).len() >= 2
    });
    // Another program listening in the ephemeral range (a port the kernel picked).
    let other = Holder::spawn_in(&ns.exec(), "tcp");
    assert!(
        (32768..=60999).contains(&other.ports[0]),
        "{:?}",
        other.ports
    );

    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("docker.baseline.toml");
    let (code, _, err) = run_in(
        ns,
        &["baseline", "create", "-o", &baseline.display().to_string()],
    );
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        text.contains("port = 41080\nprocess = \"docker-proxy\""),
        "a published port is recorded as its number:\n{text}"
    );
    assert!(
        text.contains("bind = \"link-local\"\nport = 5353\nprocess = \"named\""),
        "named's per-address link-local binds are one scope entry:\n{text}"
    );
    assert!(
        !text.contains("\nport = \"ephemeral\""),
        "no port is assumed to move:\n{text}"
    );
    assert!(
        !text.contains("fe80:"),
        "no link-local address is recorded:\n{text}"
    );
    let (code, out) = check(ns, &baseline);
    assert_eq!(code, Some(0), "{out}");

    // A restart recreates the veth: a new fe80:: address, named follows it. Not drift.
    let before = link_local_listeners(ns, DNS);
    docker.ok(&["restart", "web"]);
    wait_until("named on the new veth's address", || {
        let now = link_local_listeners(ns, DNS);
        now.len() >= 2 && now != before
    });
    let (code, out) = check(ns, &baseline);
    assert_eq!(code, Some(0), "a container restart is no drift:\n{out}");
    assert!(out.contains("No drift"), "{out}");

    // A newly published port, in the ephemeral range, of a baselined program: drift.
    docker.run_published("api", 41082);
    let (code, out) = check(ns, &baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("+ tcp 0.0.0.0:41082 listening (any address) by docker-proxy"),
        "{out}"
    );
    assert!(out.contains("[new-listener, medium]"), "{out}");

    // The stopped container's listener is missing, although docker-proxy (for api) and the
    // other program still listen in the ephemeral range.
    docker.ok(&["stop", "web"]);
    let (code, out) = check(ns, &baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("- tcp 0.0.0.0 port 41080 (docker-proxy) is not listening"),
        "{out}"
    );
    assert!(
        out.contains("- tcp :: port 41080 (docker-proxy) is not listening"),
        "{out}"
    );
    assert!(out.contains("[expected-listener-missing, medium]"), "{out}");
    drop(other);
    drop(named);
}
