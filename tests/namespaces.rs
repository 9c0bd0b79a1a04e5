//! Every network namespace: a listener started inside a namespace this test creates is listed
//! by a scan from the host's namespace, with the namespace's label and its owner, while `ss`
//! on the host does not show it. Rules select it by namespace. Namespaces and processes are
//! removed on drop, also when an assertion fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::netns::{TestNetns, can_create};
use common::{Holder, json_of, sockaudit};
use serde_json::Value;

/// The listener on `port` in the namespace labelled `label`, once the listing shows it.
fn find_listener(label: &str, port: u16) -> (Value, Value) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let doc = json_of(&["list", "-l", "--format", "json"]);
        let found = doc["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["netns"] == label && s["local_port"] == port)
            .cloned();
        if let Some(socket) = found {
            return (doc, socket);
        }
        assert!(
            Instant::now() < deadline,
            "no listener on {port} in {label}: {doc:#}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_listener_in_another_namespace_is_seen_from_the_host_with_its_label() {
    if !can_create() {
        return;
    }
    let ns = TestNetns::create("sa-ns");
    let holder = Holder::spawn_in(&ns.exec(), "tcp");
    let port = holder.ports[0];

    let (doc, socket) = find_listener(&ns.name, port);
    assert_eq!(socket["pids"], serde_json::json!([holder.pid]));
    assert_eq!(socket["state"], "LISTEN");
    assert_eq!(socket["local_addr"], "127.0.0.1");
    assert_eq!(socket["process"]["pid"], holder.pid, "owner facts inline");
    // std listens with a backlog of 128 (capped by somaxconn); nothing waits to be accepted.
    assert_eq!(socket["listen"]["accept_queue"], 0);
    assert!(socket["listen"]["backlog"].as_u64().unwrap() > 0);
    let described = doc["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["label"] == ns.name.as_str())
        .cloned()
        .expect("the namespace is described");
    assert_eq!(described["inode"], ns.inode());
    assert_eq!(described["names"], serde_json::json!([ns.name]));
    assert_eq!(described["read_via"], "netlink");
    assert_eq!(described["own"], false);
    assert!(described["processes"].as_u64().unwrap() >= 1);
    let host = &doc["namespaces"][0];
    assert_eq!(host["label"], "host", "host first");
    assert_eq!(host["own"], true);

    // `ss` on the host reads only the host's namespace: it does not show the listener.
    let ss = Command::new("ss").args(["-Htln"]).output().unwrap();
    let ss = String::from_utf8_lossy(&ss.stdout);
    assert!(
        !ss.lines()
            .any(|l| l.contains(&format!("127.0.0.1:{port} "))),
        "ss on the host shows {port}: {ss}"
    );
    // Neither does sockaudit when told to read only its own namespace.
    let own = json_of(&["list", "-l", "--no-all-namespaces", "--format", "json"]);
    assert!(
        !own["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["netns"] == ns.name.as_str()),
        "{own:#}"
    );
    assert!(
        own["coverage"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("--no-all-namespaces")),
        "{:#}",
        own["coverage"]
    );

    // The text table grows a Netns column, and --netns selects by label.
    let text = sockaudit()
        .args(["list", "-l", "--netns", "sa-ns-*"])
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("Netns"), "{text}");
    let row = lines
        .find(|l| l.contains(&format!("127.0.0.1:{port} ")))
        .expect("the listener's row");
    assert!(row.starts_with(&ns.name), "{row}");
    assert!(row.contains(&format!("{}/", holder.pid)), "{row}");
}

#[test]
fn rules_select_sockets_by_namespace() {
    if !can_create() {
        return;
    }
    let ns = TestNetns::create("sa-nsr");
    let holder = Holder::spawn_in(&ns.exec(), "tcp");
    let port = holder.ports[0];
    find_listener(&ns.name, port);
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("ns.toml");
    std::fs::write(
        &rules,
        format!(
            "[[listen]]\nid = \"in-test-namespace\"\nseverity = \"high\"\nport = {port}\nnamespace = \"sa-nsr-*\"\n\n\
             [[listen]]\nid = \"on-the-host\"\nseverity = \"high\"\nport = {port}\nnamespace = \"host\"\n\n\
             [[listen]]\nid = \"anywhere-but-host\"\nseverity = \"low\"\nport = {port}\nnamespace = \"!host\"\n"
        ),
    )
    .unwrap();
    let out = sockaudit()
        .args([
            "scan",
            "--no-default-rules",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--rules",
        ])
        .arg(&rules)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules_fired: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules_fired,
        ["in-test-namespace", "anywhere-but-host"],
        "{doc:#}"
    );
    let finding = &doc["findings"][0];
    assert_eq!(finding["socket"]["netns"], ns.name.as_str());
    assert_eq!(finding["process"]["pid"], holder.pid);
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("in netns {}", ns.name)),
        "{finding:#}"
    );
}

#[test]
fn without_root_only_the_own_namespace_is_read_and_the_report_says_so() {
    if !can_create() {
        return;
    }
    let ns = TestNetns::create("sa-nsu");
    let holder = Holder::spawn_in(&ns.exec(), "tcp");
    let port = holder.ports[0];
    find_listener(&ns.name, port);
    // The binary must be readable by `nobody`: copy it out of root's build tree.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("sockaudit");
    std::fs::copy(common::sockaudit_path(), &bin).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["list", "-l", "--format", "json"])
        .output()
        .expect("setpriv runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !doc["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["netns"] == ns.name.as_str()),
        "{doc:#}"
    );
    let notes = doc["coverage"]["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("only this network namespace was read (not root)")),
        "{notes:#?}"
    );
    // And the person at the terminal is told too, not only the JSON.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("only this network namespace was read"),
        "{stderr}"
    );
}
