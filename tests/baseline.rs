//! Baselines end to end with the built binary and real listeners. The tests of this file run
//! one at a time (a baseline sees every socket of the machine, including other tests' ones).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::output::outcome;
use common::{Holder, copy_self_to, machine_wide, sockaudit};

/// A free TCP port below the ephemeral range, so it is recorded as a number.
fn free_port() -> u16 {
    (20_000..30_000)
        .find(|p| {
            std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok()
                && std::net::TcpListener::bind(("0.0.0.0", *p)).is_ok()
        })
        .expect("a free port")
}

fn create(dir: &Path) -> PathBuf {
    let path = dir.join("host.baseline.toml");
    sockaudit()
        .args(["baseline", "create", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    path
}

fn check(path: &Path) -> (Option<i32>, String) {
    let out = sockaudit()
        .args(["baseline", "check"])
        .arg(path)
        .output()
        .unwrap();
    let run = outcome(out);
    (run.code, run.stdout)
}

#[test]
fn new_missing_restart_and_widened_listeners() {
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let service = Holder::spawn(&format!("port:{port}"));
    let baseline = create(dir.path());
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains(&format!("port = {port}")), "{text}");
    assert!(
        !text.contains(&format!("{}", service.pid)),
        "no PIDs in a baseline"
    );

    // Same state: clean.
    let (code, out) = check(&baseline);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("No drift"), "{out}");

    // A new listener: exit 1, named.
    let extra_port = free_port();
    let extra = Holder::spawn(&format!("port:{extra_port}"));
    let (code, out) = check(&baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("+ tcp 127.0.0.1:{extra_port} listening")),
        "{out}"
    );
    assert!(out.contains("[new-listener, medium]"), "{out}");
    drop(extra);

    // Restart the baselined service (new PID, same exe, same port): nothing.
    let old_pid = service.pid;
    service.stop();
    let (code, out) = check(&baseline);
    assert_eq!(code, Some(1));
    assert!(
        out.contains(&format!("- tcp 127.0.0.1 port {port} ")) && out.contains("is not listening"),
        "{out}"
    );
    let restarted = Holder::spawn(&format!("port:{port}"));
    assert_ne!(restarted.pid, old_pid);
    let (code, out) = check(&baseline);
    assert_eq!(code, Some(0), "a restart is not drift: {out}");
    restarted.stop();

    // The same port now on 0.0.0.0: scope widened (high).
    let widened = Holder::spawn(&format!("any:{port}"));
    let (code, out) = check(&baseline);
    assert_eq!(code, Some(1));
    assert!(
        out.contains(&format!(
            "~ tcp port {port}: now bound to 0.0.0.0 (any), baseline had 127.0.0.1"
        )),
        "{out}"
    );
    assert!(out.contains("[scope-widened, high]"), "{out}");
    // scan --baseline reports the same drift among the other rules' findings.
    let scan = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--no-default-rules",
            "--baseline",
        ])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(1), "scope-widened is high");
    let doc: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "scope-widened" && f["kind"] == "baseline")
    );
    drop(widened);
}

#[test]
fn another_program_on_a_baselined_port_is_owner_changed() {
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let service = Holder::spawn(&format!("port:{port}"));
    let baseline = create(dir.path());
    service.stop();
    let impostor_exe = copy_self_to(dir.path(), "impostor");
    let impostor = Holder::spawn_exe(&impostor_exe, &format!("port:{port}"));
    let (code, out) = check(&baseline);
    assert_eq!(code, Some(1));
    let line = out
        .lines()
        .find(|l| l.contains("owner-changed"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with(&format!("~ tcp 127.0.0.1:{port}: owner changed (exe ")),
        "{line}"
    );
    assert!(
        line.contains(&format!("-> {}", impostor_exe.display())),
        "{line}"
    );
    assert!(
        out.contains("impostor") && out.contains("[new-process, low]"),
        "{out}"
    );
    drop(impostor);
}

#[test]
fn update_keeps_comments_and_hand_edits() {
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let service = Holder::spawn(&format!("port:{port}"));
    let baseline = create(dir.path());
    // The reviewer annotates the entry.
    let text = std::fs::read_to_string(&baseline).unwrap();
    let marker = format!("port = {port}\n");
    let annotated = text
        .replacen(
            &marker,
            &format!("port = {port}\nnote = \"reviewed by alice\"\n"),
            1,
        )
        .replacen(
            "[[baseline.listener]]",
            "# keep me: the test service, reviewed 2026-11-24\n[[baseline.listener]]",
            1,
        );
    std::fs::write(&baseline, &annotated).unwrap();
    assert_eq!(check(&baseline).0, Some(0), "hand edits are valid");

    let new_port = free_port();
    let newcomer = Holder::spawn(&format!("port:{new_port}"));
    assert_eq!(check(&baseline).0, Some(1));
    sockaudit()
        .args(["baseline", "update"])
        .arg(&baseline)
        .assert()
        .success()
        .stdout(predicates::str::contains("1 entry added, 0 removed"));
    let updated = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        updated.contains("# keep me: the test service, reviewed 2026-11-24"),
        "{updated}"
    );
    assert!(
        updated.contains("note = \"reviewed by alice\""),
        "{updated}"
    );
    assert!(updated.contains(&format!("port = {new_port}")), "{updated}");
    assert!(updated.contains("updated = "), "{updated}");
    assert_eq!(check(&baseline).0, Some(0), "updated baseline matches");
    drop((service, newcomer));

    // A broken baseline is not rewritten.
    std::fs::write(&baseline, "[baseline\n").unwrap();
    let out = sockaudit()
        .args(["baseline", "update"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&baseline).unwrap(),
        "[baseline\n",
        "left untouched"
    );
}

#[test]
fn check_of_a_file_without_baseline_is_a_usage_error() {
    let out = sockaudit()
        .args(["baseline", "check", "fixtures/rules/good/site.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [baseline] table"));
    let out = sockaudit()
        .args(["baseline", "check", "fixtures/nope.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
