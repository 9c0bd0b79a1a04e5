//! No surprises: a scan opens no IP socket (so no connection and no DNS lookup) and runs no
//! other program, shown with `strace -f`; every file the scanner reads has a documented size
//! limit and a file past it is a clear error (exit 2) or, for our own state file, set aside
//! with a warning, never read into memory first. Large files are sparse: nothing is written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::output::outcome;
use common::privileged::require_tool;
use common::{machine_wide, sockaudit, sockaudit_path};

/// What one traced run did.
#[derive(Debug, Default)]
struct Trace {
    execs: Vec<String>,
    /// Address families of every socket() call.
    socket_families: Vec<String>,
    /// Address families of every connect() call, with the path of AF_UNIX ones.
    connect_families: Vec<String>,
    text: String,
}

/// Runs sockaudit `args` under `strace -f` and parses what it did.
fn traced(args: &[&str], extra_env: &[(&str, &str)]) -> Trace {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("strace.log");
    let out = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=execve,execveat,socket,connect,sendto,sendmsg",
            "-o",
        ])
        .arg(&log)
        .arg(sockaudit_path())
        .args(args)
        .envs(extra_env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "sockaudit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let mut trace = Trace::default();
    for line in text.lines() {
        // "PID syscall(args) = result"
        let call = line
            .split_once(' ')
            .map_or(line, |(_, rest)| rest)
            .trim_start();
        if call.starts_with("execve(") || call.starts_with("execveat(") {
            trace.execs.push(call.to_string());
        } else if let Some(args) = call.strip_prefix("socket(") {
            trace
                .socket_families
                .push(args.split([',', ')']).next().unwrap_or("").to_string());
        } else if call.starts_with("connect(") {
            let family = call.split_once("sa_family=").map_or("?", |(_, rest)| {
                rest.split([',', '}']).next().unwrap_or("?")
            });
            let path = call
                .split_once("sun_path=\"")
                .and_then(|(_, rest)| rest.split('"').next())
                .unwrap_or("");
            trace
                .connect_families
                .push(format!("{family} {path}").trim_end().to_string());
        }
    }
    trace.text = text;
    trace
}

/// The local account-lookup daemons glibc's NSS connects to: nscd, sssd, systemd-userdbd.
const NSS_SOCKETS: &[&str] = &[
    "/var/run/nscd/socket",
    "/run/nscd/socket",
    "/var/lib/sss/pipes/nss",
    "/run/systemd/userdb/io.systemd.DynamicUser",
    "/run/systemd/userdb/io.systemd.Multiplexer",
];

fn assert_quiet(what: &str, trace: &Trace) {
    assert_eq!(
        trace.execs.len(),
        1,
        "{what}: exactly one execve (sockaudit itself):\n{}",
        trace.text
    );
    for family in &trace.socket_families {
        assert!(
            family == "AF_NETLINK" || family == "AF_UNIX",
            "{what}: opened a {family} socket:\n{}",
            trace.text
        );
    }
    for family in &trace.connect_families {
        // User names come from the system's account lookup (getpwuid: tests/accounts.rs),
        // which glibc first asks of the local name-service caches at their fixed paths.
        assert!(
            family == "AF_NETLINK"
                || NSS_SOCKETS
                    .iter()
                    .any(|p| family == &format!("AF_UNIX {p}")),
            "{what}: connected somewhere other than the kernel or a local account cache: {family}\n{}",
            trace.text
        );
    }
}

#[test]
fn scans_and_lists_open_no_network_socket_and_run_no_program() {
    if !require_tool("strace") {
        return;
    }
    let _machine = machine_wide();
    // A peer on loopback so there is something to enrich.
    let holder = common::Holder::spawn("pair");
    let dir = tempfile::tempdir().unwrap();
    let (country, asn) = common::geo::write_databases(dir.path(), 1);
    let feed = dir.path().join("feed.netset");
    std::fs::write(&feed, "203.0.113.0/24\n").unwrap();
    let rules = dir.path().join("feeds.toml");
    std::fs::write(
        &rules,
        format!("[feeds]\nblocklist = \"{}\"\n", feed.display()),
    )
    .unwrap();
    let state = dir.path().join("state.json");
    let snap = dir.path().join("snap.json");
    let baseline = dir.path().join("baseline.toml");
    let runs: Vec<Vec<&str>> = vec![
        vec!["scan"],
        vec!["scan", "--format", "json"],
        vec![
            "scan",
            "--geoip",
            country.to_str().unwrap(),
            "--geoip",
            asn.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ],
        vec!["list"],
        vec!["list", "--resolve", "--format", "json"],
        vec!["snapshot", "-o", snap.to_str().unwrap()],
        vec!["baseline", "create", "-o", baseline.to_str().unwrap()],
        vec!["baseline", "check", baseline.to_str().unwrap()],
        vec!["scan", "--input", "fixtures/captures/linux-ss-tanp.txt"],
    ];
    for args in &runs {
        let what = args.join(" ");
        let trace = traced(args, &[]);
        assert_quiet(&what, &trace);
        assert!(
            trace.socket_families.iter().any(|f| f == "AF_NETLINK") || args.contains(&"--input"),
            "{what}: the live dump should show as netlink: {}",
            trace.text
        );
    }
    holder.stop();
}

fn sparse(dir: &Path, name: &str, head: &[u8], len: u64) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(head).unwrap();
    file.set_len(len).unwrap();
    path
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let run = outcome(sockaudit().args(args).output().unwrap());
    (run.code, run.stderr)
}

fn assert_limit(args: &[&str], path: &Path, message: &str) {
    let (code, stderr) = run(args);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(&path.display().to_string()) && stderr.contains(message),
        "{args:?}: expected `{message}` naming the file: {stderr}"
    );
}

const MIB: u64 = 1024 * 1024;

#[test]
fn every_input_file_has_a_size_limit_and_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rules = sparse(d, "big.toml", b"# rules\n", 16 * MIB + 1);
    assert_limit(
        &["rules", "check", rules.to_str().unwrap()],
        &rules,
        "larger than the 16 MiB rule file limit",
    );
    // Baselines load as rule files, with the same limit.
    assert_limit(
        &["baseline", "check", rules.to_str().unwrap()],
        &rules,
        "larger than the 16 MiB rule file limit",
    );
    let feed = sparse(d, "big.netset", b"203.0.113.0/24\n", 256 * MIB + 1);
    let feed_rules = d.join("feed.toml");
    std::fs::write(
        &feed_rules,
        format!("[feeds]\nbig = \"{}\"\n", feed.display()),
    )
    .unwrap();
    assert_limit(
        &[
            "scan",
            "--input",
            "fixtures/snapshots/remote-fire.json",
            "--rules",
            feed_rules.to_str().unwrap(),
        ],
        &feed,
        "larger than the 256 MiB feed limit",
    );
    let snapshot = sparse(d, "big.json", b"{\"schema_version\": 1, ", 512 * MIB + 1);
    assert_limit(
        &["list", "--input", snapshot.to_str().unwrap()],
        &snapshot,
        "larger than the 512 MiB snapshot limit",
    );
    let capture = sparse(
        d,
        "big-ss.txt",
        &std::fs::read("fixtures/captures/linux-ss-tanp.txt").unwrap(),
        4096 * MIB + 1,
    );
    assert_limit(
        &["list", "--input", capture.to_str().unwrap()],
        &capture,
        "larger than the 4 GiB capture file limit",
    );
    let tasklist = sparse(
        d,
        "tasklist.csv",
        b"\"Image Name\",\"PID\"\n",
        256 * MIB + 1,
    );
    assert_limit(
        &[
            "list",
            "--input",
            "fixtures/captures/win-en-netstat-ano.txt",
            "--processes",
            tasklist.to_str().unwrap(),
        ],
        &tasklist,
        "larger than the 256 MiB tasklist file limit",
    );
    let geoip = sparse(d, "big.mmdb", b"\0", 1024 * MIB + 1);
    assert_limit(
        &[
            "scan",
            "--input",
            "fixtures/snapshots/remote-fire.json",
            "--geoip",
            geoip.to_str().unwrap(),
        ],
        &geoip,
        "larger than the 1 GiB GeoIP database limit",
    );
    let routes = sparse(
        d,
        "routes.txt",
        b"default via 192.0.2.1 dev eth0\n",
        256 * MIB + 1,
    );
    assert_limit(
        &["routes", "--input", routes.to_str().unwrap()],
        &routes,
        "larger than the 256 MiB limit",
    );
}

#[test]
fn an_oversized_state_file_is_set_aside_not_read_and_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let state = sparse(dir.path(), "state.json", b"{", 64 * MIB + 1);
    let out = sockaudit()
        .args([
            "scan",
            "--input",
            "fixtures/snapshots/listen-fire.json",
            "--fail-on",
            "never",
            "--state",
            state.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("larger than the 64 MiB state file limit"),
        "{stdout}{stderr}"
    );
    let aside = dir.path().join("state.json.corrupt");
    assert_eq!(
        std::fs::metadata(&aside).map(|m| m.len()).ok(),
        Some(64 * MIB + 1),
        "the old file is kept, whole"
    );
    let fresh: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(fresh["schema_version"], 1);
}
