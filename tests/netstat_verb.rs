//! `sockaudit netstat`, run as the built binary: the Windows and Linux dialects on real
//! loopback sockets of this test process (our PID), the finding marks, intervals, errors, the
//! statistics and routing views, and the layouts on fixed snapshots (insta).
//!
//! Network traffic: only to 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{TcpListener, TcpStream, UdpSocket};

use common::sockaudit;
use predicates::prelude::*;

const WINDOWS: &str = "fixtures/netstat/windows.json";
const LINUX: &str = "fixtures/snapshots/process-fire.json";
const RULES: &str = "fixtures/netstat/rules.toml";

/// A listener on 127.0.0.1 with one accepted connection: (listener, client, server side).
fn loopback_pair() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (listener, client, server)
}

/// stdout of a successful run.
fn stdout_of(args: &[&str]) -> String {
    let out = sockaudit().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "sockaudit {args:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The whitespace-separated fields of every line.
/// Each line's columns, without the finding mark (`  [high exe-in-temp]`): a test binary run
/// from under /tmp (a fresh clone in CI) owns sockets that the default pack flags.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| match l.rsplit_once("  [") {
            Some((row, mark))
                if ["critical ", "high ", "medium ", "low ", "info "]
                    .iter()
                    .any(|s| mark.starts_with(s)) =>
            {
                row
            }
            _ => l,
        })
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Windows rows (`TCP local remote state pid`) whose local address is `local`.
fn windows_rows<'a>(rows: &'a [Vec<String>], local: &str) -> Vec<&'a Vec<String>> {
    rows.iter()
        .filter(|r| matches!(r.first().map(String::as_str), Some("TCP" | "UDP")))
        .filter(|r| r.get(1).map(String::as_str) == Some(local))
        .collect()
}

#[test]
fn windows_ano_lists_our_listener_and_both_ends_of_the_connection_with_our_pid() {
    let (listener, client, _server) = loopback_pair();
    let port = listener.local_addr().unwrap().port();
    let client_port = client.local_addr().unwrap().port();
    let pid = std::process::id().to_string();
    let text = stdout_of(&["netstat", "-ano", "--dialect", "windows"]);
    assert!(
        text.contains(
            "  Proto  Local Address          Foreign Address        State           PID\n"
        ),
        "{text}"
    );
    let rows = rows(&text);
    let local = format!("127.0.0.1:{port}");
    let peer = format!("127.0.0.1:{client_port}");
    let ours = windows_rows(&rows, &local);
    let listening: Vec<_> = ours
        .iter()
        .filter(|r| r[2] == "0.0.0.0:0" && r[3] == "LISTENING")
        .collect();
    assert_eq!(listening.len(), 1, "{text}");
    assert_eq!(listening[0][4], pid, "{text}");
    let accepted: Vec<_> = ours
        .iter()
        .filter(|r| r[2] == peer && r[3] == "ESTABLISHED")
        .collect();
    assert_eq!(accepted.len(), 1, "{text}");
    assert_eq!(accepted[0][4], pid);
    let connecting: Vec<_> = windows_rows(&rows, &peer)
        .into_iter()
        .filter(|r| r[2] == local && r[3] == "ESTABLISHED")
        .collect();
    assert_eq!(connecting.len(), 1, "{text}");
    assert_eq!(connecting[0][4], pid);

    // Without -a: connections only, no listener anywhere, no UDP.
    let text = stdout_of(&["netstat", "-no", "--dialect", "windows"]);
    assert!(!text.contains("LISTENING"), "{text}");
    assert!(!text.contains("  UDP "), "{text}");
    let rows = self::rows(&text);
    assert_eq!(windows_rows(&rows, &local).len(), 1, "{text}");
    assert_eq!(windows_rows(&rows, &peer).len(), 1, "{text}");
    // Without -o: no PID column.
    let text = stdout_of(&["netstat", "-an", "--dialect", "windows"]);
    let rows = self::rows(&text);
    let ours = windows_rows(&rows, &local);
    assert!(ours.iter().all(|r| r.len() == 4), "{text}");
}

#[test]
fn linux_tlnp_shows_our_listener_with_pid_and_program() {
    let (listener, client, _server) = loopback_pair();
    let port = listener.local_addr().unwrap().port();
    let client_port = client.local_addr().unwrap().port();
    let owner = format!("{}/", std::process::id());
    let text = stdout_of(&["netstat", "-tlnp", "--dialect", "linux"]);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("Active Internet connections (only servers)")
    );
    assert_eq!(
        lines.next(),
        Some(
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name"
        )
    );
    let rows = rows(&text);
    let local = format!("127.0.0.1:{port}");
    let ours: Vec<_> = rows
        .iter()
        .filter(|r| r.get(3).map(String::as_str) == Some(&local))
        .collect();
    assert_eq!(ours.len(), 1, "{text}");
    assert_eq!(ours[0][0], "tcp");
    assert_eq!(ours[0][4], "0.0.0.0:*");
    assert_eq!(ours[0][5], "LISTEN");
    assert!(ours[0][6].starts_with(&owner), "{text}");
    // -l: listeners only.
    assert!(!text.contains("ESTABLISHED"), "{text}");
    assert!(!text.contains("\nudp"), "{text}");

    // Neither -a nor -l: connections only (net-tools' "w/o servers").
    let text = stdout_of(&["netstat", "-tnp", "--dialect", "linux"]);
    assert!(text.starts_with("Active Internet connections (w/o servers)\n"));
    assert!(!text.contains(" LISTEN "), "{text}");
    let peer = format!("127.0.0.1:{client_port}");
    let rows = self::rows(&text);
    let pair: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.get(3).is_some_and(|l| *l == local || *l == peer)
                && r.get(5).map(String::as_str) == Some("ESTABLISHED")
        })
        .collect();
    assert_eq!(pair.len(), 2, "{text}");
    assert!(pair.iter().all(|r| r[6].starts_with(&owner)), "{text}");
    // -a: both, and -e adds User and Inode.
    let text = stdout_of(&["netstat", "-tanpe", "--dialect", "linux"]);
    assert!(text.contains("State       User       Inode      PID/Program name"));
    assert!(text.contains(" LISTEN ") && text.contains(" ESTABLISHED "));
}

#[test]
fn protocol_filters_follow_each_dialect() {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (listener, _client, _server) = loopback_pair();
    let udp_local = format!("127.0.0.1:{}", udp.local_addr().unwrap().port());
    let tcp_local = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());

    let text = stdout_of(&["netstat", "-anop", "udp", "--dialect", "windows"]);
    let rows = rows(&text);
    let ours = windows_rows(&rows, &udp_local);
    assert_eq!(ours.len(), 1, "{text}");
    assert_eq!(ours[0][..3], ["UDP", udp_local.as_str(), "*:*"]);
    assert_eq!(ours[0][3], std::process::id().to_string());
    assert!(!text.contains("  TCP "), "{text}");
    let text = stdout_of(&["netstat", "-ano", "-p", "TCP", "--dialect", "windows"]);
    assert!(!text.contains("  UDP "), "{text}");
    // TCP is IPv4 only on Windows; TCPv6 is the other table.
    assert!(!text.contains("[::"), "{text}");
    // The listener and the accepted end.
    assert_eq!(
        windows_rows(&self::rows(&text), &tcp_local).len(),
        2,
        "{text}"
    );

    let text = stdout_of(&["netstat", "-aun", "--dialect", "linux"]);
    assert!(
        text.contains(&format!("udp        0      0 {udp_local} ")),
        "{text}"
    );
    assert!(!text.contains("\ntcp"), "{text}");
}

#[test]
fn a_row_with_a_finding_is_marked_and_fail_on_sets_the_exit_status() {
    let (listener, _client, _server) = loopback_pair();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("port.toml");
    std::fs::write(
        &rules,
        format!("[[listen]]\nid = \"netstat-test-port\"\nseverity = \"high\"\nport = {port}\n"),
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    let args = [
        "netstat",
        "-ano",
        "--dialect",
        "windows",
        "--no-default-rules",
        "--rules",
        rules,
    ];
    let text = stdout_of(&args);
    let local = format!("127.0.0.1:{port}");
    let marked: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("[high netstat-test-port]"))
        .collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0].contains(&local) && marked[0].contains("LISTENING"));
    assert!(marked[0].ends_with("  [high netstat-test-port]"), "{text}");
    // Exit 0 by default (like list), 1 with --fail-on at the finding's level.
    let mut failing = args.to_vec();
    failing.extend(["--fail-on", "high"]);
    sockaudit()
        .args(&failing)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[high netstat-test-port]"));
    // --no-marks: the plain layout.
    let mut plain = args.to_vec();
    plain.push("--no-marks");
    let text = stdout_of(&plain);
    assert!(!text.contains("netstat-test-port"), "{text}");
    assert!(text.contains(&local));
}

#[test]
fn an_interval_repeats_until_count() {
    for (dialect, words, title) in [
        ("windows", "-ano", "Active Connections"),
        ("linux", "-tan", "Active Internet connections"),
    ] {
        let out = sockaudit()
            .args(["netstat", words, "1", "--count", "2", "--dialect", dialect])
            .args(["--input", LINUX])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(out.status.success(), "{dialect}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.matches(title).count(), 2, "{dialect}: {text}");
    }
    sockaudit()
        .args(["netstat", "-an", "--count", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--count needs an interval"));
}

#[test]
fn unknown_flags_are_usage_errors_naming_the_flag_and_the_dialect() {
    for (dialect, words, flag) in [
        ("windows", "-anz", "`-z`"),
        ("windows", "-l", "`-l`"),
        ("linux", "-tulpz", "`-z`"),
        ("linux", "-b", "`-b`"),
        ("linux", "--bogus", "`--bogus`"),
    ] {
        sockaudit()
            .args(["netstat", words, "--dialect", dialect])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(
                predicate::str::contains(flag)
                    .and(predicate::str::contains(format!("{dialect} dialect"))),
            );
    }
    // The other dialect's flag says which --dialect would take it.
    sockaudit()
        .args(["netstat", "-b", "--dialect", "linux"])
        .assert()
        .stderr(predicate::str::contains("--dialect windows"));
    sockaudit()
        .args(["netstat", "-an", "--dialect", "bsd"])
        .assert()
        .code(2);
}

/// The lines without digits: titles and headers, what stays the same between two reads of
/// counters that move.
fn words_only(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

#[test]
fn statistics_and_routes_are_the_stats_and_routes_commands() {
    if !cfg!(target_os = "linux") {
        eprintln!("skipped: stats and routes read live data on Linux only here");
        return;
    }
    let stats = stdout_of(&["stats"]);
    for words in ["-s", "-e"] {
        let text = stdout_of(&["netstat", words, "--dialect", "windows"]);
        assert!(text.starts_with("Kernel network counters"), "{text}");
        assert_eq!(words_only(&text), words_only(&stats), "{words}");
    }
    for words in ["-s", "-i"] {
        let text = stdout_of(&["netstat", words, "--dialect", "linux"]);
        assert_eq!(words_only(&text), words_only(&stats), "{words}");
    }
    let routes = stdout_of(&["routes"]);
    assert!(routes.contains("Destination"), "{routes}");
    assert_eq!(stdout_of(&["netstat", "-rn", "--dialect", "linux"]), routes);
    assert_eq!(
        stdout_of(&["netstat", "-r", "--dialect", "windows"]),
        routes
    );
    // -s -p PROTO is validated in the Windows dialect.
    sockaudit()
        .args(["netstat", "-s", "-p", "sctp", "--dialect", "windows"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sctp"));
}

#[test]
fn layouts_on_fixed_snapshots() {
    let run = |words: &[&str], dialect: &str, input: &str| {
        let mut args = vec!["netstat"];
        args.extend_from_slice(words);
        args.extend([
            "--dialect",
            dialect,
            "--input",
            input,
            "--no-default-rules",
            "--rules",
            RULES,
        ]);
        stdout_of(&args)
    };
    let anob = run(&["-anob"], "windows", WINDOWS);
    // Services before the image name, as Windows prints them; the unowned TIME_WAIT.
    assert!(anob.contains("1712\n  RpcEptMapper\n  RpcSs\n [svchost.exe]\n"));
    assert!(anob.contains("TIME_WAIT       0\n Can not obtain ownership information\n"));
    assert!(anob.contains(
        "  TCP    [::]:135                [::]:0                  LISTENING       1712\n"
    ));
    insta::assert_snapshot!("windows_anob", anob);
    insta::assert_snapshot!("windows_ano", run(&["-ano"], "windows", WINDOWS));
    insta::assert_snapshot!("windows_n", run(&["-n"], "windows", WINDOWS));
    let tulpen = run(&["-tulpen"], "linux", LINUX);
    assert!(tulpen.contains("5001/miner  [high tmp-exe]\n"), "{tulpen}");
    insta::assert_snapshot!("linux_tulpen", tulpen);
    insta::assert_snapshot!("linux_antpo", run(&["-antpo"], "linux", LINUX));
}

#[test]
fn the_output_without_marks_reads_back_as_the_same_sockets() {
    let dir = tempfile::tempdir().unwrap();
    for (dialect, words, input) in [("windows", "-anob", WINDOWS), ("linux", "-antupe", LINUX)] {
        let text = stdout_of(&[
            "netstat",
            words,
            "--no-marks",
            "--dialect",
            dialect,
            "--input",
            input,
        ]);
        let capture = dir.path().join(format!("{dialect}.txt"));
        std::fs::write(&capture, &text).unwrap();
        let sockets = |path: &str| {
            let doc = common::json_of(&["list", "--format", "json", "--input", path]);
            let mut out: Vec<(String, String, String, String, String)> = doc["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["proto"].to_string(),
                        s["local_addr"].to_string(),
                        s["local_port"].to_string(),
                        s["state"].to_string(),
                        s["pids"].to_string(),
                    )
                })
                .collect();
            out.sort();
            out
        };
        let read_back = sockets(capture.to_str().unwrap());
        let original = sockets(input);
        assert!(!original.is_empty());
        assert_eq!(read_back, original, "{dialect}:\n{text}");
    }
}
