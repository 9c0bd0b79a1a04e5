//! `sockaudit list` against real sockets this test opens (loopback only).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Holder, is_root, json_of, sockaudit, sockets_on_port};
use serde_json::Value;

/// Polls `list --format json --port P` until `pred` holds for the sockets on P (the kernel
/// publishes request sockets a moment after connect returns).
fn wait_for(port: u16, pred: impl Fn(&[Value]) -> bool) -> (Value, Vec<Value>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let doc = json_of(&["list", "--format", "json", "--port", &port.to_string()]);
        let sockets = sockets_on_port(&doc, port);
        if pred(&sockets) || Instant::now() > deadline {
            return (doc, sockets);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn listener_of_another_process_has_its_pid_name_and_exe() {
    let holder = Holder::spawn("tcp");
    let port = holder.ports[0];
    let (doc, sockets) = wait_for(port, |s| !s.is_empty());
    assert_eq!(sockets.len(), 1, "{sockets:#?}");
    let s = &sockets[0];
    assert_eq!(s["proto"], "tcp");
    assert_eq!(s["state"], "LISTEN");
    assert_eq!(s["local_addr"], "127.0.0.1");
    assert_eq!(s["remote_addr"], Value::Null);
    assert_eq!(s["pids"], serde_json::json!([holder.pid]));
    assert_eq!(s["attribution"], "fd");
    let exe = std::env::current_exe().unwrap();
    let expected_name: String = exe
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .take(15)
        .collect();
    assert_eq!(s["process"]["pid"], holder.pid);
    assert_eq!(s["process"]["name"], expected_name.as_str());
    assert_eq!(s["process"]["exe"], exe.to_string_lossy().as_ref());
    assert_eq!(s["process"]["exe_deleted"], false);
    assert!(
        s["process"]["cmdline"][1] == "common::holder_main",
        "{}",
        s["process"]["cmdline"]
    );
    assert_eq!(s["process"]["ppid"], std::process::id());
    assert!(s["process"]["start_time"].is_string());
    assert_eq!(doc["processes"][holder.pid.to_string()]["pid"], holder.pid);
    assert_eq!(doc["schema_version"], 3);
    assert_eq!(doc["source"], "live");
}

#[test]
fn established_pair_udp_and_ipv6_are_all_seen() {
    let holder = Holder::spawn("pair;udp;tcp6");
    let (pair_port, udp_port, v6_port) = (holder.ports[0], holder.ports[1], holder.ports[2]);

    let (_, pair) = wait_for(pair_port, |s| s.len() == 3);
    let states: Vec<&str> = pair.iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(
        states.iter().filter(|s| **s == "ESTABLISHED").count(),
        2,
        "{pair:#?}"
    );
    assert_eq!(states.iter().filter(|s| **s == "LISTEN").count(), 1);
    assert!(
        pair.iter()
            .all(|s| s["pids"] == serde_json::json!([holder.pid]))
    );

    let (_, udp) = wait_for(udp_port, |s| !s.is_empty());
    assert_eq!(udp.len(), 1);
    assert_eq!(udp[0]["proto"], "udp");
    assert_eq!(udp[0]["state"], Value::Null);
    assert_eq!(
        udp[0]["remote_addr"],
        Value::Null,
        "unconnected UDP is a listener"
    );
    assert_eq!(udp[0]["pids"], serde_json::json!([holder.pid]));

    let (_, v6) = wait_for(v6_port, |s| !s.is_empty());
    assert_eq!(v6[0]["family"], "ipv6");
    assert_eq!(v6[0]["local_addr"], "::1");

    // The text view brackets IPv6 and shows PID/Program.
    let out = sockaudit()
        .args(["list", "-6", "-l", "--port", &v6_port.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("[::1]:{v6_port}")), "{text}");
    assert!(text.contains(&format!("{}/", holder.pid)), "{text}");
    assert!(
        text.contains("Endpoints: 1 | Established: 0 | Listening: 1"),
        "{text}"
    );
}

#[test]
fn syn_recv_request_sockets_carry_the_listeners_pid() {
    const CLIENTS: usize = 5;
    let holder = Holder::spawn(&format!("defer:{CLIENTS}"));
    let port = holder.ports[0];
    let syn_recv = |s: &[Value]| s.iter().filter(|s| s["state"] == "SYN_RECV").count();
    let (doc, sockets) = wait_for(port, |s| syn_recv(s) == CLIENTS);
    assert_eq!(syn_recv(&sockets), CLIENTS, "{sockets:#?}");
    for s in sockets.iter().filter(|s| s["state"] == "SYN_RECV") {
        assert_eq!(s["pids"], serde_json::json!([holder.pid]), "{s:#}");
        assert_eq!(s["attribution"], "listener");
        assert_eq!(s["inode"], 0);
        assert_eq!(s["unattributed"], Value::Null);
        assert_eq!(s["local_port"], port);
    }
    assert!(doc["coverage"]["attributed"].as_u64().unwrap() >= CLIENTS as u64);

    // `--state` filters them, and the footer counts them.
    let out = sockaudit()
        .args(["list", "--state", "syn-recv", "--port", &port.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("Syn Recv: {CLIENTS}")), "{text}");
    assert_eq!(text.matches("SYN_RECV").count(), CLIENTS, "{text}");
}

#[test]
fn filters_combine_like_netstat() {
    let holder = Holder::spawn("pair;udp");
    let (tcp_port, udp_port) = (holder.ports[0], holder.ports[1]);
    wait_for(tcp_port, |s| s.len() == 3);
    let run = |args: &[&str]| {
        let doc = json_of(&[&["list", "--format", "json"], args].concat());
        doc["sockets"].as_array().unwrap().clone()
    };
    let pid = holder.pid.to_string();
    // -tlnp: TCP listeners only.
    let tl = run(&["-tlnp", "--pid", &pid]);
    assert_eq!(tl.len(), 1, "{tl:#?}");
    assert_eq!(tl[0]["local_port"], tcp_port);
    // -u: the UDP socket only.
    let u = run(&["-u", "--pid", &pid]);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0]["local_port"], udp_port);
    // -l covers TCP LISTEN and unconnected UDP.
    assert_eq!(run(&["-l", "--pid", &pid]).len(), 2);
    // state + pid.
    assert_eq!(run(&["--state", "ESTABLISHED", "--pid", &pid]).len(), 2);
    // -6 excludes these IPv4 sockets.
    assert!(run(&["-6", "--pid", &pid]).is_empty());
    // --process by name (case-insensitive).
    let name: String = std::env::current_exe()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .take(15)
        .collect();
    let by_name = run(&[
        "--process",
        &name.to_uppercase(),
        "--port",
        &udp_port.to_string(),
    ]);
    assert_eq!(by_name.len(), 1);
    assert!(run(&["--process", "no-such-process-xyz", "--pid", &pid]).is_empty());
}

#[test]
fn csv_has_header_and_quoted_rows() {
    let holder = Holder::spawn("tcp");
    let port = holder.ports[0];
    wait_for(port, |s| !s.is_empty());
    let out = sockaudit()
        .args(["list", "--format", "csv", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "proto,family,local_addr,local_port,remote_addr,remote_port,state,pids,program,exe,user,uid,inode,unattributed,local_name,remote_name,netns"
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(&format!(
            "tcp,ipv4,127.0.0.1,{port},,,LISTEN,{},",
            holder.pid
        )),
        "{row}"
    );
    // A live table labels each socket's network namespace; the holder is in ours.
    assert!(row.ends_with(",host"), "{row}");
    assert_eq!(lines.next(), None);
}

#[test]
fn interval_and_count_repeat_the_listing() {
    let holder = Holder::spawn("tcp");
    let port = holder.ports[0].to_string();
    let out = sockaudit()
        .args([
            "list",
            "--interval",
            "200ms",
            "--count",
            "3",
            "--port",
            &port,
        ])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("Endpoints: 1 |").count(), 3, "{text}");
    // JSON with an interval: one compact document per line.
    let out = sockaudit()
        .args([
            "list",
            "--format",
            "json",
            "--interval",
            "0.1",
            "--count",
            "2",
            "--port",
            &port,
        ])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let docs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert!(
        docs.iter()
            .all(|d| d["sockets"].as_array().unwrap().len() == 1)
    );
    drop(holder);
}

#[test]
fn resolve_shows_service_names_without_dns() {
    if !std::path::Path::new("/etc/services").exists() {
        eprintln!("skipped: /etc/services is missing on this machine");
        return;
    }
    let services = std::fs::read_to_string("/etc/services").unwrap();
    // Use a port /etc/services names and that is free here: the test binds it itself.
    let candidates = [
        ("gopher", 70),
        ("finger", 79),
        ("rtelnet", 107),
        ("sunrpc", 111),
    ];
    let Some((name, port, listener)) = candidates.iter().find_map(|(name, port)| {
        let named = services
            .lines()
            .any(|l| l.starts_with(name) && l.contains(&format!("{port}/tcp")));
        let l = std::net::TcpListener::bind(("127.0.0.1", *port)).ok()?;
        named.then_some((*name, *port, l))
    }) else {
        eprintln!("skipped: no free named low port (needs root to bind < 1024)");
        return;
    };
    let out = sockaudit()
        .args(["list", "-tl", "--resolve", "--port", &port.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("127.0.0.1:{name}")), "{text}");
    drop(listener);
}

#[test]
fn non_root_run_reports_coverage_instead_of_guessing() {
    if !is_root() {
        eprintln!("skipped: needs root to drop to nobody (CI runs as root)");
        return;
    }
    // Root-owned sockets nobody may attribute: our holder (root) listens.
    let holder = Holder::spawn("tcp");
    let port = holder.ports[0];
    // nobody must be able to execute the binary: copy it out of /root-owned trees.
    let dir = tempfile::Builder::new()
        .prefix("sockaudit-nobody")
        .tempdir_in("/tmp")
        .unwrap();
    let bin = dir.path().join("sockaudit");
    std::fs::copy(common::sockaudit_path(), &bin).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["list", "--format", "json"])
        .output()
        .expect("setpriv runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["coverage"]["privileged"], false);
    assert!(
        doc["coverage"]["unattributed"]["permission"]
            .as_u64()
            .unwrap()
            >= 1,
        "{:#}",
        doc["coverage"]
    );
    let ours = sockets_on_port(&doc, port);
    assert_eq!(ours.len(), 1);
    assert_eq!(
        ours[0]["pids"],
        serde_json::json!([]),
        "never guess an owner"
    );
    assert_eq!(ours[0]["unattributed"], "permission");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not be attributed") && stderr.contains("run as root"),
        "{stderr}"
    );
    // What it did not look at, on the same line: other network namespaces.
    assert!(
        stderr.contains("only this network namespace was read"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one warning line: {stderr}");
}

/// Issue #19, point 4: net-tools' `-e` (extended: User and Inode) and Windows' `-o` (owner
/// PID; Linux timers, not collected) are accepted, so `netstat -tulpen` and `netstat -ano`
/// habits work live; `-e` shows the socket's inode as the kernel numbers it.
#[test]
fn netstat_habits_tulpen_and_ano_work_on_the_live_table() {
    use std::os::unix::fs::MetadataExt as _;
    use std::os::unix::io::AsRawFd as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // fstat of a socket fd: st_ino is the socket inode the kernel lists in /proc/net/tcp.
    let inode = std::fs::metadata(format!("/proc/self/fd/{}", listener.as_raw_fd()))
        .unwrap()
        .ino();
    let local = format!("127.0.0.1:{port}");
    let owner = format!("{}/", std::process::id());
    let row_of = |args: &[&str]| -> (String, String) {
        let out = sockaudit()
            .args(args)
            .args(["--port", &port.to_string()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        let text = String::from_utf8(out.stdout).unwrap();
        let header = text.lines().next().unwrap_or_default().to_string();
        let row = text
            .lines()
            .find(|l| l.split_whitespace().any(|w| w == local))
            .unwrap_or_else(|| panic!("{args:?}: no row for {local}:\n{text}"))
            .to_string();
        (header, row)
    };
    let (header, row) = row_of(&["list", "-tulpen"]);
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert!(
        columns.ends_with(&["User", "Inode"]),
        "User then Inode: {header}"
    );
    assert_eq!(
        row.split_whitespace().last(),
        Some(inode.to_string().as_str()),
        "{row}"
    );
    assert!(row.contains(&owner), "{row}");
    // Without -e, no Inode column.
    let (header, _) = row_of(&["list", "-tulpn"]);
    assert!(!header.contains("Inode"), "{header}");
    let (header, row) = row_of(&["list", "-ano"]);
    assert!(!header.contains("Inode"), "{header}");
    assert!(row.contains(&owner) && row.contains("LISTEN"), "{row}");
    // The help says what -o does and does not do.
    let help = sockaudit().args(["list", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("-e, --extended") && help.contains("Inode"),
        "{help}"
    );
    assert!(
        help.lines().any(|l| l.trim() == "-o") && help.contains("timer"),
        "{help}"
    );
    drop(listener);
}
