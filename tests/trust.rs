//! StrictModes-style trust checks (src/files/trust.rs): run as root, sockaudit refuses rule files,
//! rule directories, baselines, feeds, GeoIP databases and state files that someone other than
//! root (or the invoking user) owns or can write, and the directories above them; exit 2 with
//! the file, the problem and the fix. `--insecure-config` uses them with a warning. Files are
//! made with bad modes and owners (uid 65534) in temp dirs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::output::assert_no_panic;
use common::privileged::{binary_for_nobody, chmod, chown, require_root};
use common::sockaudit;

const INPUT: &str = "fixtures/snapshots/listen-fire.json";
const RULE: &str = "[[listen]]\nid = \"site-listen\"\nseverity = \"low\"\nport = 1\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    chmod(&path, 0o644);
    path
}

/// Runs sockaudit; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = sockaudit().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scan_with_rules(rules: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec![
        "scan",
        "--input",
        INPUT,
        "--fail-on",
        "never",
        "--rules",
        rules.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn assert_refused(stderr: &str, path: &Path, problem: &str, fix: &str) {
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains(problem), "{stderr}");
    assert!(stderr.contains(fix), "{stderr}");
    assert!(stderr.contains("--insecure-config"), "{stderr}");
    assert_no_panic("refused config", stderr);
}

#[test]
fn a_rule_file_others_can_write_is_refused_then_accepted_with_a_warning() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "site.toml", RULE);
    chmod(&rules, 0o666);
    let (code, _, err) = scan_with_rules(&rules, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert_refused(
        &err,
        &rules,
        "the rule file is writable by group and others (mode 0666)",
        &format!("chmod go-w {}", rules.display()),
    );
    assert!(err.contains("nothing was scanned"), "{err}");

    let (code, out, err) = scan_with_rules(&rules, &["--insecure-config"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "warning: --insecure-config: using rule file {} although",
            rules.display()
        )),
        "{err}"
    );
    assert!(out.contains("sockaudit scan"), "{out}");
    // The flag is global: it works before the command too.
    let out = sockaudit()
        .args([
            "--insecure-config",
            "rules",
            "check",
            rules.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_rule_file_owned_by_another_user_is_refused() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "site.toml", RULE);
    chown(&rules, 65534, 65534);
    let (code, _, err) = scan_with_rules(&rules, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert_refused(
        &err,
        &rules,
        "owned by uid 65534, not by root or the invoking user",
        &format!("chown root {}", rules.display()),
    );
    // `rules check` says the same: the file would be refused by a root scan.
    let (code, _, err) = run(&["rules", "check", rules.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("owned by uid 65534"), "{err}");
}

#[test]
fn sudo_uid_is_the_invoking_user_whose_files_are_trusted() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "site.toml", RULE);
    chown(&rules, 65534, 65534);
    let out = sockaudit()
        .env("SUDO_UID", "65534")
        .args(["scan", "--input", INPUT, "--fail-on", "never", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Another user's file is still refused under sudo.
    chown(&rules, 65533, 65533);
    let out = sockaudit()
        .env("SUDO_UID", "65534")
        .args(["scan", "--input", INPUT, "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trusted uids: 0, 65534"));
}

#[test]
fn a_writable_directory_above_the_file_is_refused_unless_sticky() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    let rules = write(&open, "site.toml", RULE);
    chmod(&open, 0o777);
    let (code, _, err) = scan_with_rules(&rules, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert_refused(
        &err,
        &rules,
        &format!(
            "its directory {} is writable by group and others (mode 0777)",
            open.display()
        ),
        &format!("chmod go-w {}", open.display()),
    );
    // Sticky (like /tmp): others cannot replace an entry they do not own.
    chmod(&open, 0o1777);
    let (code, _, err) = scan_with_rules(&rules, &[]);
    assert_eq!(code, Some(0), "{err}");
    // A directory owned by another user is refused even when not writable by others.
    chmod(&open, 0o755);
    chown(&open, 65534, 65534);
    let (code, _, err) = scan_with_rules(&rules, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("owned by uid 65534"), "{err}");
}

#[test]
fn a_rule_directory_and_a_symlinked_rule_file_are_checked_too() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules_d = dir.path().join("rules.d");
    std::fs::create_dir(&rules_d).unwrap();
    write(&rules_d, "10-site.toml", RULE);
    chmod(&rules_d, 0o775);
    let (code, _, err) = scan_with_rules(&rules_d, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("refusing to use this rule directory"), "{err}");
    assert!(
        err.contains("the rule directory is writable by group (mode 0775)"),
        "{err}"
    );
    chmod(&rules_d, 0o755);
    assert_eq!(scan_with_rules(&rules_d, &[]).0, Some(0));

    // A link in a good directory pointing into a writable one.
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    let target = write(&open, "real.toml", RULE);
    chmod(&open, 0o777);
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, _, err) = scan_with_rules(&link, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!("its directory {}", open.display())),
        "{err}"
    );
}

#[test]
fn a_baseline_others_can_write_is_refused() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.toml");
    let (code, _, err) = run(&[
        "baseline",
        "create",
        "--input",
        INPUT,
        "-o",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    chmod(&baseline, 0o646);
    for command in ["check", "update"] {
        let (code, _, err) = run(&[
            "baseline",
            command,
            baseline.to_str().unwrap(),
            "--input",
            INPUT,
        ]);
        assert_eq!(code, Some(2), "baseline {command}: {err}");
        assert_refused(
            &err,
            &baseline,
            "writable by others (mode 0646)",
            "chmod o-w",
        );
    }
    // `scan --baseline` loads it as rules: refused too.
    let (code, _, err) = run(&[
        "scan",
        "--input",
        INPUT,
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn a_feed_owned_by_another_user_is_refused() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let feed = write(dir.path(), "block.netset", "203.0.113.0/24\n");
    chown(&feed, 65534, 65534);
    let rules = write(
        dir.path(),
        "feeds.toml",
        &format!("[feeds]\nblocklist = \"{}\"\n", feed.display()),
    );
    let (code, _, err) = scan_with_rules(&rules, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert_refused(&err, &feed, "owned by uid 65534", "chown root");
    assert!(err.contains("feed"), "{err}");
    let (code, _, err) = scan_with_rules(&rules, &["--insecure-config"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("using feed"), "{err}");
}

#[test]
fn a_geoip_database_others_can_write_is_refused() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (country, _asn) = common::geo::write_databases(dir.path(), 1);
    chmod(&country, 0o664);
    let (code, _, err) = run(&[
        "scan",
        "--input",
        INPUT,
        "--geoip",
        country.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert_refused(&err, &country, "writable by group (mode 0664)", "chmod g-w");
    assert!(err.contains("GeoIP database"), "{err}");
    // With the override it is used, and read into memory rather than mapped (the mapping is
    // sound only for files nobody else can change).
    let (code, _, err) = run(&[
        "-v",
        "--insecure-config",
        "scan",
        "--input",
        INPUT,
        "--fail-on",
        "never",
        "--geoip",
        country.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("using GeoIP database"), "{err}");
    assert!(err.contains("read into memory"), "not mapped: {err}");
}

#[test]
fn a_state_file_in_a_directory_others_can_write_is_refused() {
    if !require_root("trust checks") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("state");
    std::fs::create_dir(&open).unwrap();
    chmod(&open, 0o777);
    let state = open.join("state.json");
    let (code, _, err) = run(&["scan", "--input", INPUT, "--state", state.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert_refused(
        &err,
        &state,
        "is writable by group and others",
        "chmod go-w",
    );
    assert!(err.contains("state file"), "{err}");
    assert!(!state.exists(), "nothing written");
}

#[test]
fn an_unprivileged_run_checks_nothing() {
    if !require_root("dropping to uid 65534") || !common::privileged::require_tool("setpriv") {
        return;
    }
    let (guard, bin) = binary_for_nobody();
    // World-writable and owned by root: refused for root, but nobody reads it as nobody.
    let rules = write(guard.path(), "site.toml", RULE);
    chmod(&rules, 0o666);
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["rules", "list", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("refusing"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("site-listen"));
}
