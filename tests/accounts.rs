//! User names of service accounts whose shell is `/bin/false` (mysql, memcache): sysinfo's
//! user list skips them, so they used to appear as bare uids, baselines lacked the `user`, a
//! rule with `user = "NAME"` never matched and a restart as root was no owner change. The
//! test creates a real account with `useradd`, runs a real listener as that user in a
//! namespace the test creates, and removes the account afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::netns::{TestNetns, can_create};
use common::privileged::{chmod, require_tool};
use common::{Holder, copy_self_to};

/// A system account with a `/bin/false` shell and no home, removed on drop.
struct Account {
    name: String,
    uid: u32,
    gid: u32,
}

impl Account {
    fn create() -> Account {
        let name = format!("sa-svc{}", std::process::id() % 100_000);
        // Left over by a killed earlier run with the same PID.
        let _ = Command::new("userdel").arg(&name).output();
        let out = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/bin/false",
                &name,
            ])
            .output()
            .expect("useradd runs");
        assert!(
            out.status.success(),
            "useradd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let id = |flag: &str| -> u32 {
            let out = Command::new("id")
                .args([flag, &name])
                .output()
                .expect("id runs");
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("numeric id")
        };
        let (uid, gid) = (id("-u"), id("-g"));
        Account { name, uid, gid }
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).output();
    }
}

fn run_in(ns: &TestNetns, args: &[&str]) -> (Option<i32>, String, String) {
    let run = ns.sockaudit(args);
    (run.code, run.stdout, run.stderr)
}

#[test]
fn a_service_account_with_a_false_shell_is_named_everywhere() {
    if !can_create()
        || !["useradd", "userdel", "setpriv"]
            .iter()
            .all(|t| require_tool(t))
    {
        return;
    }
    const PORT: u16 = 11211;
    let account = Account::create();
    let ns = TestNetns::create("sa-acct");
    // The account must be able to execute the listener: a 0755 copy outside the build tree.
    let dir = tempfile::Builder::new()
        .prefix("sockaudit-acct")
        .tempdir_in("/tmp")
        .unwrap();
    chmod(dir.path(), 0o755);
    let exe = copy_self_to(dir.path(), "cached");
    chmod(&exe, 0o755);
    let (uid, gid) = (
        format!("--reuid={}", account.uid),
        format!("--regid={}", account.gid),
    );
    let mut wrapper = ns.exec().to_vec();
    wrapper.extend(["setpriv", uid.as_str(), gid.as_str(), "--clear-groups"]);
    let service = Holder::spawn_exe_in(&wrapper, &exe, &format!("port:{PORT}"));

    // The live table names the user.
    let (code, out, err) = run_in(&ns, &["list", "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pid = service.pid.to_string();
    let process = &doc["processes"][pid.as_str()];
    assert_eq!(process["uid"], account.uid, "{process}");
    assert_eq!(process["user"], account.name.as_str(), "{process}");

    // A rule on the user matches.
    let rules = dir.path().join("user.toml");
    std::fs::write(
        &rules,
        format!(
            "[[process]]\nid = \"service-account-listens\"\nseverity = \"low\"\n\
             description = \"The test's service account owns sockets\"\nuser = \"{}\"\n",
            account.name
        ),
    )
    .unwrap();
    let (_, out, err) = run_in(
        &ns,
        &[
            "scan",
            "--no-default-rules",
            "--rules",
            &rules.display().to_string(),
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    let hits: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "service-account-listens")
        .collect();
    assert_eq!(hits.len(), 1, "{report:#}");

    // The baseline records the user, and the same program restarted as root is an owner change.
    let baseline = dir.path().join("acct.baseline.toml");
    let path = baseline.display().to_string();
    let (code, _, err) = run_in(&ns, &["baseline", "create", "-o", &path]);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        text.contains(&format!("user = \"{}\"", account.name)),
        "{text}"
    );
    drop(service);
    let as_root = Holder::spawn_exe_in(&ns.exec(), &exe, &format!("port:{PORT}"));
    let (code, out, _) = run_in(&ns, &["baseline", "check", &path]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("owner changed (user {} -> root)", account.name)),
        "{out}"
    );
    assert!(out.contains("[owner-changed, high]"), "{out}");
    drop(as_root);
}
