//! End to end with the built binary: `scan`, `list` and `snapshot` on captures from other
//! machines, exit statuses for unknown formats and strict failures, `--all-blocks`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sockaudit;
use predicates::prelude::*;

fn capture(name: &str) -> String {
    format!("{}/fixtures/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn rules_of(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// A backdoor listener and a SYN_RECV flood in a Windows capture and in real `ss`/`netstat`
/// captures taken on this machine: the default rules find both.
#[test]
fn scan_finds_backdoor_and_flood_in_captures() {
    for name in [
        "win-en-netstat-ano.txt",
        "linux-ss-tunap.txt",
        "linux-netstat-tunap.txt",
        "linux-netstat-de-tunap.txt",
    ] {
        let out = sockaudit()
            .args(["scan", "--format", "json", "--input", &capture(name)])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules = rules_of(&report);
        assert!(
            rules.contains(&"backdoor-port".to_string()),
            "{name}: {rules:?}"
        );
        assert!(
            rules.contains(&"syn-recv-flood".to_string()),
            "{name}: {rules:?}"
        );
        let flood = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "syn-recv-flood")
            .unwrap();
        assert_eq!(flood["evidence"]["count"], 130, "{name}");
        assert!(
            report["source"]
                .as_str()
                .unwrap()
                .starts_with(&format!("file:{name} ("))
        );
        // The report says the data is imported and what it lacks.
        let warnings = report["warnings"].to_string();
        assert!(
            warnings.contains("imported capture") && warnings.contains("exe"),
            "{warnings}"
        );
        assert!(
            report["coverage"]["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "exe")
        );
    }
    // The text report names the format in its header.
    sockaudit()
        .args(["scan", "--input", &capture("win-en-netstat-ano.txt")])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("file:win-en-netstat-ano.txt (netstat-windows)")
                .and(predicate::str::contains("backdoor-port"))
                .and(predicate::str::contains("syn-recv-flood")),
        );
}

/// macOS lsof shows fds: a shell with its stdio on a socket is found.
#[test]
fn scan_finds_reverse_shell_in_lsof() {
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--input",
            &capture("macos-lsof-i-nP.txt"),
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rules_of(&report).contains(&"reverse-shell".to_string()));
}

#[test]
fn list_and_snapshot_convert_captures() {
    let out = sockaudit()
        .args([
            "list",
            "--format",
            "json",
            "--input",
            &capture("linux-netstat-tunap.txt"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["sockets"].as_array().unwrap().len(), 267);
    assert_eq!(
        doc["source"],
        "file:linux-netstat-tunap.txt (netstat-linux)"
    );
    assert_eq!(doc["coverage"]["privileged"], serde_json::Value::Null);

    // snapshot --input converts; the JSON reads back through the same --input.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("converted.json");
    sockaudit()
        .args([
            "snapshot",
            "--input",
            &capture("win-en-netstat-abno-utf16le.txt"),
            "-o",
        ])
        .arg(&json)
        .assert()
        .success();
    let first: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(first["processes"]["6666"]["name"], "nc.exe");
    let again = sockaudit()
        .args(["snapshot", "--input"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(again.status.success());
    let second: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(first["sockets"], second["sockets"]);

    // --processes names the PIDs of an -ano capture.
    sockaudit()
        .args([
            "list",
            "-l",
            "--input",
            &capture("win-en-netstat-ano.txt"),
            "--processes",
            &capture("win-tasklist.csv"),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("6666/nc.exe"));
}

#[test]
fn unknown_format_and_encoding_exit_2_with_the_choices() {
    sockaudit()
        .args([
            "list",
            "--input",
            &capture("linux-ss-tunap.txt"),
            "--input-format",
            "frobnitz",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown input format `frobnitz`").and(
                predicate::str::contains(
                    "netstat-windows, netstat-linux, netstat-macos, netstat-freebsd, sockstat, ss, lsof, tcpview, tcpvcon",
                ),
            ),
        );
    sockaudit()
        .args([
            "list",
            "--input",
            &capture("linux-ss-tunap.txt"),
            "--encoding",
            "klingon",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown encoding `klingon`")
                .and(predicate::str::contains("cp850")),
        );
    // A file no format matches.
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my shopping list\neggs\n").unwrap();
    sockaudit()
        .args(["list", "--input"])
        .arg(&notes)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cannot tell the capture format")
                .and(predicate::str::contains("--input-format")),
        );
    // route print is not a socket table.
    let route = dir.path().join("route.txt");
    std::fs::write(&route, "===\nInterface List\n 12...00 0c 29 aa bb cc ......Intel(R) PRO/1000\n===\nIPv4 Route Table\n").unwrap();
    sockaudit()
        .args(["scan", "--input"])
        .arg(&route)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("routing table"));
}

#[test]
fn strict_turns_skipped_lines_into_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join("damaged.txt");
    let mut text = std::fs::read_to_string(capture("linux-ss-tunap.txt")).unwrap();
    text.push_str("tcp   LISTEN 0 128 0.0.0.0:99999 0.0.0.0:*\n");
    std::fs::write(&damaged, &text).unwrap();
    let line = text.lines().count();
    // Lenient: a warning naming file:line, the rest is read.
    sockaudit()
        .args(["list", "--input"])
        .arg(&damaged)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "damaged.txt:{line}: local address bad port `99999`; line skipped"
        )));
    for cmd in ["list", "snapshot", "scan"] {
        sockaudit()
            .args([cmd, "--strict", "--input"])
            .arg(&damaged)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "damaged.txt:{line}: local address bad port `99999` (--strict"
            )));
    }
    // Forcing the wrong format makes every row unreadable.
    sockaudit()
        .args([
            "list",
            "--strict",
            "--input-format",
            "lsof",
            "--input",
            &capture("linux-ss-tunap.txt"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("linux-ss-tunap.txt:1:"));
}

/// `netstat -on 5`: the last listing by default, each with --all-blocks.
#[test]
fn all_blocks() {
    let file = capture("win-en-netstat-on-5.txt");
    let last = sockaudit()
        .args(["list", "--format", "json", "--input", &file])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&last.stdout).unwrap();
    assert_eq!(doc["sockets"].as_array().unwrap().len(), 3);
    let lines = |out: &[u8]| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let each = sockaudit()
        .args(["list", "--format", "json", "--all-blocks", "--input", &file])
        .output()
        .unwrap();
    let counts: Vec<usize> = lines(&each.stdout)
        .iter()
        .map(|d| d["sockets"].as_array().unwrap().len())
        .collect();
    assert_eq!(counts, [1, 2, 3]);
    let snaps = sockaudit()
        .args(["snapshot", "--all-blocks", "--input", &file])
        .output()
        .unwrap();
    assert_eq!(lines(&snaps.stdout).len(), 3);
    let scans = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--all-blocks",
            "--fail-on",
            "never",
            "--input",
            &file,
        ])
        .output()
        .unwrap();
    assert!(scans.status.success());
    let reports = lines(&scans.stdout);
    assert_eq!(reports.len(), 3);
    assert_eq!(
        reports[2]["source"],
        "file:win-en-netstat-on-5.txt (netstat-windows, block 3)"
    );
    sockaudit()
        .args(["list", "--all-blocks", "--input", &file])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Endpoints: 1 ")
                .and(predicate::str::contains("Endpoints: 3 ")),
        );
    // --all-blocks needs --input.
    sockaudit().args(["list", "--all-blocks"]).assert().code(2);
}

/// A saved snapshot still loads through --input, detected as JSON.
#[test]
fn snapshot_json_still_works() {
    let file = format!(
        "{}/fixtures/snapshots/clean-debian.json",
        env!("CARGO_MANIFEST_DIR")
    );
    sockaudit()
        .args(["list", "--input", &file])
        .assert()
        .success()
        .stdout(predicate::str::contains("Endpoints:"));
    sockaudit()
        .args(["list", "--input", &file, "--input-format", "snapshot"])
        .assert()
        .success();
}

/// A capture records no time: the report says the time is the file's, in text and JSON, and a
/// snapshot converted from it keeps saying so; a saved snapshot's own time stays "collected".
#[test]
fn a_capture_time_is_labelled_as_the_file_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("web1-ss.txt");
    std::fs::copy(capture("linux-ss-tunap.txt"), &copy).unwrap();
    // A time far from today, as after a copy made years after the capture.
    let modified = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_934_245);
    std::fs::File::options()
        .write(true)
        .open(&copy)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let input = copy.display().to_string();
    let text = sockaudit()
        .args(["scan", "--fail-on", "never", "--input", &input])
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(0));
    let first = String::from_utf8(text.stdout).unwrap();
    let first = first.lines().next().unwrap().to_string();
    assert!(
        first.ends_with(", capture file modified 2020-01-02 03:04:05 UTC)"),
        "{first}"
    );
    assert!(!first.contains("collected"), "{first}");
    let doc = common::json_of(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--input",
        &input,
    ]);
    assert_eq!(doc["collected_at"], "2020-01-02T03:04:05Z");
    assert_eq!(doc["time_source"], "file-modified");
    let list = common::json_of(&["list", "--format", "json", "--input", &input]);
    assert_eq!(list["time_source"], "file-modified");

    // Converted to a snapshot and read back: still the file's time, still said so.
    let saved = dir.path().join("web1.json");
    sockaudit()
        .args(["snapshot", "--input", &input, "-o"])
        .arg(&saved)
        .assert()
        .success();
    let snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(snap["time_source"], "file-modified");
    let again = common::json_of(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--input",
        &saved.display().to_string(),
    ]);
    assert_eq!(again["collected_at"], "2020-01-02T03:04:05Z");
    assert_eq!(again["time_source"], "file-modified");

    // A snapshot older than the field, taken live: its recorded time is the collection's.
    let old = common::json_of(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--input",
        "fixtures/snapshots/clean-debian.json",
    ]);
    assert_eq!(old["collected_at"], "2026-11-24T09:00:00Z");
    assert_eq!(old["time_source"], "clock");
}

/// macOS `netstat -anv`, detected without --input-format: the rules run on it (a listener on
/// 31337 is `backdoor-port`), and `list` shows its rows with their states and PIDs.
#[test]
fn macos_netstat_is_detected_scanned_and_listed() {
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--input",
            &capture("macos-netstat-anv.txt"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["source"],
        "file:macos-netstat-anv.txt (netstat-macos)"
    );
    let backdoor = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "backdoor-port")
        .expect("a backdoor-port finding");
    assert_eq!(backdoor["socket"]["local_port"], 31337);
    assert_eq!(backdoor["socket"]["pids"], serde_json::json!([6666]));

    let out = sockaudit()
        .args(["list", "--input", &capture("macos-netstat-anv.txt")])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for row in [
        ["0.0.0.0:31337", "LISTEN", "6666/"],
        ["[::]:22", "LISTEN", "1/"],
        ["192.0.2.10:52344", "ESTABLISHED", "529/"],
        ["192.0.2.10:52301", "CLOSE_WAIT", "812/"],
        ["[::1]:631", "LISTEN", "188/"],
    ] {
        assert!(
            table
                .lines()
                .any(|l| row.iter().all(|cell| l.contains(cell))),
            "{row:?} in\n{table}"
        );
    }
    assert!(
        table.contains("Endpoints: 16 | Established: 3 | Listening: 9"),
        "{table}"
    );

    // macOS 14's process:pid column gives the names too.
    let out = sockaudit()
        .args([
            "list",
            "--format",
            "json",
            "--input",
            &capture("macos14-netstat-anv-p-tcp.txt"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nc = doc["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["local_port"] == 31337)
        .unwrap();
    assert_eq!(nc["process"]["name"], "nc");
    assert_eq!(nc["state"], "LISTEN");
}

/// Before macOS netstat was known, its output was read as Linux netstat: garbage rows with
/// exit 0 (`tcp6 [fe80::aede:48ff]:0 ... ESTABLISHED`). Now the Linux reading is not chosen for
/// it, and a forced one reads no macOS row as a socket.
#[test]
fn macos_netstat_is_not_taken_for_linux() {
    sockaudit()
        .args([
            "list",
            "--format",
            "json",
            "--input",
            &capture("macos-netstat-an.txt"),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("(netstat-macos)"));
    sockaudit()
        .args([
            "list",
            "--format",
            "json",
            "--input-format",
            "netstat-linux",
            "--input",
            &capture("macos-netstat-an.txt"),
        ])
        .assert()
        .stdout(predicate::str::contains("fe80::aede:48ff\"").not())
        .stderr(predicate::str::contains("line skipped"));
}

/// FreeBSD `sockstat -46`: owners come from USER COMMAND PID FD, so the default rules name the
/// `nc` listening on 31337 and its PID; `list` shows the rows, states and PIDs.
#[test]
fn freebsd_sockstat_is_scanned_and_listed() {
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--input",
            &capture("freebsd-sockstat-46.txt"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["source"], "file:freebsd-sockstat-46.txt (sockstat)");
    let backdoor = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "backdoor-port")
        .expect("backdoor-port finding");
    assert_eq!(backdoor["process"]["pid"], 6666);
    assert_eq!(backdoor["process"]["name"], "nc");
    assert_eq!(backdoor["process"]["user"], "alice");
    assert_eq!(backdoor["socket"]["local_port"], 31337);

    let out = sockaudit()
        .args(["list", "--input", &capture("freebsd-sockstat-46.txt")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let row = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no row with {needle}:\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        row("0.0.0.0:31337"),
        "tcp 0.0.0.0:31337 *:* LISTEN 6666/nc alice"
    );
    assert_eq!(
        row("[::]:80"),
        "tcp6 [::]:80 *:* LISTEN 1201/nginx (+1) root"
    );
    assert_eq!(row("[fe80::1]:123"), "udp6 [fe80::1]:123 *:* 610/ntpd ntpd");
    assert!(text.contains("Endpoints: 17 |"), "{text}");

    // With -s the states are sockstat's own.
    let out = sockaudit()
        .args([
            "list",
            "--format",
            "json",
            "--input",
            &capture("freebsd-sockstat-46cs.txt"),
        ])
        .output()
        .unwrap();
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<&str> = listing["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["state"].as_str())
        .collect();
    assert_eq!(
        states,
        [
            "ESTABLISHED",
            "FIN_WAIT2",
            "CLOSE_WAIT",
            "TIME_WAIT",
            "ESTABLISHED"
        ]
    );
}

/// FreeBSD `netstat -an` is detected without `--input-format` and read (it used to be an
/// empty table with "0 finding(s)"); its variants too.
#[test]
fn freebsd_netstat_is_detected_and_read() {
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--input",
            &capture("freebsd-netstat-an.txt"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["source"],
        "file:freebsd-netstat-an.txt (netstat-freebsd)"
    );
    assert_eq!(report["summary"]["sockets"], 20);
    assert!(rules_of(&report).contains(&"backdoor-port".to_string()));
    for (name, sockets) in [
        ("freebsd-netstat-an.txt", 20),
        ("freebsd-netstat-aT.txt", 20),
        ("freebsd-netstat-A.txt", 11),
        ("freebsd-netstat-x.txt", 9),
    ] {
        let out = sockaudit()
            .args(["list", "--format", "json", "--input", &capture(name)])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            listing["sockets"].as_array().unwrap().len(),
            sockets,
            "{name}"
        );
        assert!(
            listing["source"]
                .as_str()
                .unwrap()
                .ends_with("(netstat-freebsd)"),
            "{name}"
        );
    }
    // `netstat -aL` gives the accept queues: a full one is found.
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--input",
            &capture("freebsd-netstat-aL.txt"),
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let full = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "accept-queue-full")
        .expect("accept-queue-full finding");
    assert_eq!(full["socket"]["local_port"], 80);
    // FreeBSD's routing table saved by mistake is named as such.
    sockaudit()
        .args([
            "scan",
            "--input",
            &format!(
                "{}/fixtures/routes/freebsd-netstat-rn.txt",
                env!("CARGO_MANIFEST_DIR")
            ),
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("this is a routing table")
                .and(predicate::str::contains("sockstat -46s")),
        );
    // The alias names the same format.
    sockaudit()
        .args([
            "list",
            "--input",
            &capture("freebsd-netstat-an.txt"),
            "--input-format",
            "netstat-bsd",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2001:db8::10"));
}
