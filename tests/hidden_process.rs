//! Processes hidden from `/proc`, the way rootkits and backdoors hide them: a tmpfs mounted
//! over `/proc/PID`, another process's entry bound over it, and a readdir hook preloaded into
//! the scanner (libprocesshider's method, fixtures/preload/hide_pid.c). The mounts are made in
//! a private mount namespace (`unshare -m --propagation private`) that only the scan lives in,
//! and the hook is preloaded into that one scan, so the host is untouched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::privileged::{require_root, require_tool};
use common::{Holder, sockaudit_path};
use serde_json::Value;

/// `scan --format json` (extra `args`) run after `mount` inside a private mount namespace.
fn scan_behind(mount: &str, args: &[&str]) -> (Value, String) {
    let scan = format!(
        "{mount} && exec {} scan --format json --fail-on never {}",
        sockaudit_path().display(),
        args.join(" ")
    );
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &scan])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    common::output::assert_no_panic("scan", &stderr);
    assert!(out.status.success(), "{scan}: {stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn ready() -> bool {
    require_root("mounting over /proc/PID in a private mount namespace") && require_tool("unshare")
}

fn hidden_finding(doc: &Value, pid: u32) -> Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "hidden-process" && f["process"]["pid"] == pid)
        .cloned()
        .unwrap_or_else(|| panic!("no hidden-process finding for {pid}: {:#}", doc["findings"]))
}

#[test]
fn a_tmpfs_over_proc_pid_hides_nothing_from_the_scan() {
    if !ready() {
        return;
    }
    let holder = Holder::spawn("tcp");
    let (pid, port) = (holder.pid, holder.ports[0]);
    let (doc, stderr) = scan_behind(&format!("mount -t tmpfs none /proc/{pid}"), &[]);
    let f = hidden_finding(&doc, pid);
    assert_eq!(f["severity"], "high");
    let how = &f["process"]["hidden"];
    assert_eq!(
        how["mount"],
        format!("tmpfs (none) mounted on /proc/{pid}"),
        "{f:#}"
    );
    assert_eq!(how["unlisted"], false);
    assert_eq!(how["read_via"], "private-procfs");
    // Its facts are its own, read through the private procfs.
    let exe = std::env::current_exe().unwrap();
    assert_eq!(f["process"]["exe"], exe.to_str().unwrap(), "{f:#}");
    // The listener it holds is attributed to it and is the finding's evidence.
    let evidence = f["evidence"]["sockets"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|s| s["local_port"] == port && s["pids"][0] == pid),
        "{f:#}"
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("/proc/{pid} is covered by tmpfs")),
        "{message}"
    );
    assert!(
        stderr.contains(&format!("process {pid} is hidden from /proc")),
        "{stderr}"
    );
    let check = &doc["coverage"]["hidden_process_check"];
    assert!(check["hidden"].as_u64() >= Some(1), "{check}");
    holder.stop();
}

#[test]
fn another_processs_entry_bound_over_proc_pid_is_not_taken_for_it() {
    if !ready() {
        return;
    }
    let decoy = Holder::spawn("");
    let holder = Holder::spawn("tcp");
    let (pid, port) = (holder.pid, holder.ports[0]);
    let (doc, _) = scan_behind(
        &format!("mount --bind /proc/{} /proc/{pid}", decoy.pid),
        &["--deep"],
    );
    let f = hidden_finding(&doc, pid);
    let how = &f["process"]["hidden"];
    assert!(
        how["mount"]
            .as_str()
            .unwrap()
            .ends_with(&format!("mounted on /proc/{pid}")),
        "{f:#}"
    );
    // `ps` would show the decoy's facts under this PID; the scan shows the real ones.
    assert_eq!(f["process"]["pid"], pid);
    assert_eq!(f["process"]["ppid"], std::process::id(), "{f:#}");
    let socket = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["evidence"]["sockets"].as_array().unwrap())
        .find(|s| s["local_port"] == port)
        .cloned()
        .unwrap();
    assert_eq!(socket["pids"], serde_json::json!([pid]), "{socket:#}");
    // --deep adds the signal-0 probe of every PID.
    let views = &doc["coverage"]["hidden_process_check"]["views"];
    assert!(
        views.as_array().unwrap().iter().any(|v| v == "kill-probe"),
        "{views}"
    );
    holder.stop();
    decoy.stop();
}

#[test]
fn a_preloaded_readdir_hook_does_not_hide_a_process_from_the_scan() {
    if !(require_root("the hidden-process check runs as root") && require_tool("cc")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let hook = dir.path().join("hide_pid.so");
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&hook)
        .arg("fixtures/preload/hide_pid.c")
        .arg("-ldl")
        .status()
        .unwrap();
    assert!(built.success());
    let holder = Holder::spawn("tcp");
    let (pid, port) = (holder.pid, holder.ports[0]);
    // The hook works: `ls /proc` under it does not show the PID.
    let ls = Command::new("ls")
        .arg("/proc")
        .env("LD_PRELOAD", &hook)
        .env("HIDE_PID", pid.to_string())
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&ls.stdout)
            .lines()
            .any(|l| l == pid.to_string())
    );
    let out = common::sockaudit()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .env("LD_PRELOAD", &hook)
        .env("HIDE_PID", pid.to_string())
        .output()
        .unwrap();
    common::output::assert_no_panic("scan", &String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = hidden_finding(&doc, pid);
    assert_eq!(f["severity"], "high");
    let how = &f["process"]["hidden"];
    let hook_text = how["readdir_hook"].as_str().unwrap_or_default();
    assert!(
        hook_text.contains(&format!("LD_PRELOAD={}", hook.display())),
        "{f:#}"
    );
    assert_eq!(how["unlisted"], false);
    assert!(
        how["seen_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "getdents64"),
        "{f:#}"
    );
    assert!(
        f["evidence"]["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["local_port"] == port && s["pids"][0] == pid),
        "{f:#}"
    );
    holder.stop();
}

#[test]
fn nothing_is_hidden_without_a_mount_and_the_check_is_recorded() {
    if !require_root("the hidden-process check runs as root") {
        return;
    }
    let holder = Holder::spawn("tcp");
    let out = common::sockaudit()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Unreadable fd tables (a sandbox's init) stay a gap, and the warning says no owner hides.
    if doc["coverage"]["unattributed"]["permission"].as_u64() > Some(0) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("no owner is hidden"), "{stderr}");
    }
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "hidden-process"),
        "{:#}",
        doc["findings"]
    );
    let check = &doc["coverage"]["hidden_process_check"];
    assert_eq!(check["hidden"], 0, "{check}");
    assert!(
        check["views"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "mountinfo"),
        "{check}"
    );
    holder.stop();
}
