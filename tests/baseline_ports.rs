//! Baselines and the ports of the kernel's client range, with real listeners in a network
//! namespace the test creates (nothing else of the machine is in it): a port in that range is
//! recorded as its number, so a second listener of a baselined program and a takeover of its
//! port are drift; a port that really moves is learned by `baseline update` as
//! `port = "ephemeral"` for that program alone; an entry that says "ephemeral" without naming
//! its program is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::netns::{TestNetns, can_create};
use common::output::outcome;
use common::{Holder, copy_self_to, sockaudit};

fn run_in(ns: &TestNetns, args: &[&str]) -> (Option<i32>, String, String) {
    let run = ns.sockaudit(args);
    (run.code, run.stdout, run.stderr)
}

fn check(ns: &TestNetns, baseline: &Path) -> (Option<i32>, String) {
    let (code, out, _) = run_in(ns, &["baseline", "check", &baseline.display().to_string()]);
    (code, out)
}

/// The baseline's entry for `exe`, as written.
fn entry_of(text: &str, exe: &Path) -> String {
    text.split("[[baseline.")
        .find(|e| {
            e.starts_with("listener]]") && e.contains(&format!("exe = \"{}\"", exe.display()))
        })
        .unwrap_or_else(|| panic!("no listener entry for {}:\n{text}", exe.display()))
        .to_string()
}

/// A holder of `spec` running `exe` in the namespace.
fn start(ns: &TestNetns, exe: &Path, spec: &str) -> Holder {
    Holder::spawn_exe_in(&ns.exec(), exe, spec)
}

/// Restarts a holder of a kernel-picked port until the kernel picks another port.
fn restart_elsewhere(ns: &TestNetns, exe: &Path, old: Holder) -> Holder {
    let was = old.ports[0];
    drop(old);
    for _ in 0..10 {
        let new = start(ns, exe, "tcp");
        if new.ports[0] != was {
            return new;
        }
    }
    panic!("the kernel gave port {was} ten times in a row");
}

struct Programs {
    _dir: tempfile::TempDir,
    svc: PathBuf,
    mover: PathBuf,
    intruder: PathBuf,
}

fn programs() -> Programs {
    let dir = tempfile::tempdir().unwrap();
    Programs {
        svc: copy_self_to(dir.path(), "svc"),
        mover: copy_self_to(dir.path(), "mover"),
        intruder: copy_self_to(dir.path(), "intruder"),
        _dir: dir,
    }
}

#[test]
fn high_ports_are_exact_and_a_moving_port_is_learned_per_program() {
    if !can_create() {
        return;
    }
    let ns = TestNetns::create("sa-bport");
    let p = programs();
    let svc = start(&ns, &p.svc, "port:45001");
    let mut mover = start(&ns, &p.mover, "tcp");
    assert!(
        (32768..=60999).contains(&mover.ports[0]),
        "{:?}",
        mover.ports
    );
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("ports.baseline.toml");
    let path = baseline.display().to_string();
    let (code, _, err) = run_in(&ns, &["baseline", "create", "-o", &path]);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(entry_of(&text, &p.svc).contains("port = 45001\n"), "{text}");
    assert!(
        entry_of(&text, &p.mover).contains(&format!("port = {}\n", mover.ports[0])),
        "a kernel-picked port is recorded as its number until it is seen to move:\n{text}"
    );
    let (code, out) = check(&ns, &baseline);
    assert_eq!(code, Some(0), "{out}");

    // A second listener of a baselined program on another high port.
    let second = start(&ns, &p.svc, "port:45002");
    let (code, out) = check(&ns, &baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("+ tcp 127.0.0.1:45002 listening (loopback address) by svc"),
        "{out}"
    );
    assert!(out.contains("[new-listener, medium]"), "{out}");
    drop(second);

    // Another program takes the baselined high port over: an owner change, not a new listener.
    drop(svc);
    let intruder = start(&ns, &p.intruder, "port:45001");
    let (code, out) = check(&ns, &baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "owner changed (exe {} -> {})",
            p.svc.display(),
            p.intruder.display()
        )),
        "{out}"
    );
    assert!(out.contains("[owner-changed, high]"), "{out}");
    assert!(!out.contains("[new-listener"), "{out}");
    drop(intruder);
    let _svc = start(&ns, &p.svc, "port:45001");

    // The mover restarts on another kernel-picked port: drift while its port is a number...
    mover = restart_elsewhere(&ns, &p.mover, mover);
    let (code, out) = check(&ns, &baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("[new-listener, medium]"), "{out}");
    assert!(out.contains("[expected-listener-missing, medium]"), "{out}");
    assert!(
        out.contains("`sockaudit baseline update` learns that"),
        "the finding says how to record a moving port:\n{out}"
    );

    // ...until `baseline update` sees the move and learns that this program's port moves.
    let (code, out, err) = run_in(&ns, &["baseline", "update", &path]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!(
            "learned: tcp 127.0.0.1 {} listens on a port that moves",
            p.mover.display()
        )),
        "{out}"
    );
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        entry_of(&text, &p.mover).contains("port = \"ephemeral\""),
        "{text}"
    );
    assert!(entry_of(&text, &p.svc).contains("port = 45001\n"), "{text}");
    let (code, out) = check(&ns, &baseline);
    assert_eq!(code, Some(0), "{out}");
    mover = restart_elsewhere(&ns, &p.mover, mover);
    let (code, out) = check(&ns, &baseline);
    assert_eq!(
        code,
        Some(0),
        "a learned moving port may move again:\n{out}"
    );

    // Another program on a port of the range is still drift: the entry is the mover's only.
    let other = start(&ns, &p.intruder, "tcp");
    let (code, out) = check(&ns, &baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("+ tcp 127.0.0.1:{} listening", other.ports[0])),
        "{out}"
    );

    // The mover stops: missing, although another program listens in the range.
    drop(mover);
    let (code, out) = check(&ns, &baseline);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("- tcp 127.0.0.1 port ephemeral (mover) is not listening"),
        "{out}"
    );
    drop(other);
}

#[test]
fn an_ephemeral_entry_without_its_program_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hand.baseline.toml");
    std::fs::write(
        &file,
        "[baseline]\nhost = \"web1\"\n\n[[baseline.listener]]\nproto = \"tcp\"\nbind = \"0.0.0.0\"\nport = \"ephemeral\"\n",
    )
    .unwrap();
    let out = sockaudit()
        .args([
            "baseline",
            "check",
            "--input",
            "fixtures/snapshots/clean-debian.json",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let run = outcome(out);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing is checked: {}", run.stdout);
    assert!(
        run.stderr.contains("hand.baseline.toml:7:8"),
        "names file:line:column: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("needs `process` or `exe`"),
        "{}",
        run.stderr
    );
}
