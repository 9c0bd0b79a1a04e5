//! `sockaudit watch --events` with real BPF programs (docs/events.md): as root, or skipped
//! with a line (a failure under `SOCKAUDIT_REQUIRE_TOOLS=1`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::events::{Stream, can_run, socket_events};
use common::{Holder, copy_self_to, sockaudit_path};

/// Accepts `n` connections on `listener` in the background, reading each until EOF.
fn accept_n(listener: TcpListener, n: usize) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut accepted = 0;
        for _ in 0..n {
            let Ok((mut c, _)) = listener.accept() else {
                break;
            };
            accepted += 1;
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut sink = Vec::new();
            let _ = c.read_to_end(&mut sink);
        }
        accepted
    })
}

fn find<'a>(
    events: &[&'a serde_json::Value],
    local: u16,
    remote: u16,
) -> Option<&'a serde_json::Value> {
    events
        .iter()
        .copied()
        .find(|e| e["local_port"] == local && e["remote_port"] == remote)
}

/// The first event of `events` on this port pair that `taken` has not handed out yet, marked
/// taken. Loopback reuses a closed connection's 4-tuple (tcp_tw_reuse = 2 for loopback), so a
/// beacon's connections must be matched in order, not by ports alone.
fn take<'a>(
    events: &[&'a serde_json::Value],
    taken: &mut std::collections::BTreeSet<usize>,
    local: u16,
    remote: u16,
) -> Option<&'a serde_json::Value> {
    let (index, event) = events.iter().enumerate().find(|(i, e)| {
        !taken.contains(i) && e["local_port"] == local && e["remote_port"] == remote
    })?;
    taken.insert(index);
    Some(*event)
}

/// Issue #22: a beacon of 100 connections of ~20 ms each, spread over 10 s, every one seen
/// with the right PID and exe, including from processes that exit right after.
#[test]
fn every_connection_of_a_beacon_is_seen_with_its_owner() {
    if !can_run("every_connection_of_a_beacon_is_seen_with_its_owner") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let beacon = copy_self_to(dir.path(), "sa-beacon");
    let stream = Stream::start(&[], &sockaudit_path(), &["--no-default-rules"], &[]);
    assert_eq!(stream.first()["mode"], "ebpf", "{}", stream.first());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = accept_n(listener, 100);
    let me = std::process::id();
    let my_name = std::env::current_exe()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    // (local port, pid, exe file name); every tenth from a process that exits at once.
    let mut made = Vec::new();
    for i in 0..100 {
        let started = Instant::now();
        if i % 10 == 9 {
            let holder = Holder::spawn_exe(&beacon, &format!("connect:127.0.0.1:{port}"));
            let local = holder.ports[0];
            let pid = holder.pid;
            std::thread::sleep(Duration::from_millis(20));
            holder.stop();
            made.push((local, pid, "sa-beacon".to_string()));
        } else {
            let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let local = c.local_addr().unwrap().port();
            c.write_all(b"beacon").unwrap();
            std::thread::sleep(Duration::from_millis(20));
            drop(c);
            made.push((local, me, my_name.clone()));
        }
        std::thread::sleep(Duration::from_millis(100).saturating_sub(started.elapsed()));
    }
    assert_eq!(acceptor.join().unwrap(), 100);
    let lines = stream.stop(Duration::from_secs(1));
    let listens = socket_events(&lines, "listen");
    assert!(
        listens
            .iter()
            .any(|e| e["local_port"] == port && e["owner"]["pid"] == me),
        "the listen event names this process: {listens:?}"
    );
    let connects = socket_events(&lines, "connect");
    let closes = socket_events(&lines, "close");
    let accepts = socket_events(&lines, "accept");
    let (mut taken_connects, mut taken_closes, mut taken_accepts) = Default::default();
    for (local, pid, name) in &made {
        let c = take(&connects, &mut taken_connects, *local, port)
            .unwrap_or_else(|| panic!("no connect event for port {local} (pid {pid})"));
        assert_eq!(c["owner"]["pid"], *pid, "{c}");
        assert_eq!(c["owner"]["exe_name"], name.as_str(), "{c}");
        let close = take(&closes, &mut taken_closes, *local, port)
            .unwrap_or_else(|| panic!("no close event for port {local} (pid {pid})"));
        assert_eq!(close["owner"]["pid"], *pid, "{close}");
        // It was held open 20 ms before closing: a lower bound, not a timing.
        assert!(close["duration_ms"].as_f64().unwrap() >= 20.0, "{close}");
        let accept = take(&accepts, &mut taken_accepts, port, *local)
            .unwrap_or_else(|| panic!("no accept event for port {local}"));
        assert_eq!(
            accept["owner"]["pid"], me,
            "the acceptor is this process: {accept}"
        );
    }
    let own = made.iter().filter(|(_, pid, _)| *pid == me).count();
    assert_eq!(own, 90);
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary", "{summary}");
    assert!(summary["dropped"].is_u64(), "{summary}");
}

fn findings_of<'a>(lines: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    lines
        .iter()
        .filter(|l| l["event"] == "new" && l["finding"]["rule"] == rule)
        .map(|l| &l["finding"])
        .collect()
}

/// Issue #22: a rule on a denied port fires for a 10 ms connection no poll would see, and a
/// bounded scan of 200 closed ports is one port-scan finding; drops are reported.
#[test]
fn a_ten_ms_connection_to_a_denied_port_and_a_port_scan_are_findings() {
    if !can_run("a_ten_ms_connection_to_a_denied_port_and_a_port_scan_are_findings") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let denied = TcpListener::bind("127.0.0.1:0").unwrap();
    let denied_port = denied.local_addr().unwrap().port();
    // 200 ports that were free a moment ago: closed when the scan comes.
    let closed: Vec<u16> = (0..200)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect::<Vec<_>>()
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    let rules = dir.path().join("events.toml");
    std::fs::write(
        &rules,
        format!(
            "[[remote]]\nid = \"denied-port\"\nseverity = \"high\"\ndirection = \"outbound\"\nremote-port = [{denied_port}]\n\n\
             [[port-scan]]\nid = \"scan\"\nseverity = \"high\"\nthreshold = 100\nwindow = 60\n"
        ),
    )
    .unwrap();
    let rules = rules.to_string_lossy().into_owned();
    let stream = Stream::start(
        &[],
        &sockaudit_path(),
        &["--no-default-rules", "--rules", &rules],
        &[],
    );
    let acceptor = accept_n(denied, 1);
    let c = TcpStream::connect(("127.0.0.1", denied_port)).unwrap();
    let local = c.local_addr().unwrap().port();
    std::thread::sleep(Duration::from_millis(10));
    drop(c);
    assert_eq!(acceptor.join().unwrap(), 1);
    let mut refused = 0;
    for port in &closed {
        refused += usize::from(TcpStream::connect(("127.0.0.1", *port)).is_err());
    }
    let lines = stream.stop(Duration::from_secs(1));
    let hits = findings_of(&lines, "denied-port");
    assert_eq!(hits.len(), 1, "one finding for the denied port: {hits:?}");
    assert_eq!(hits[0]["socket"]["remote_port"], denied_port, "{}", hits[0]);
    assert_eq!(hits[0]["socket"]["local_port"], local, "{}", hits[0]);
    assert_eq!(hits[0]["process"]["pid"], std::process::id(), "{}", hits[0]);
    // Ports someone else took in between are not closed; the rest are a scan.
    assert!(refused >= 100, "only {refused} of 200 ports were closed");
    let scans = findings_of(&lines, "scan");
    assert_eq!(scans.len(), 1, "one scan is one finding: {scans:?}");
    assert_eq!(scans[0]["evidence"]["count"], 100, "{}", scans[0]);
    assert!(
        scans[0]["message"]
            .as_str()
            .unwrap()
            .contains("distinct TCP ports of 127.0.0.1"),
        "{}",
        scans[0]
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary", "{summary}");
    assert_eq!(summary["dropped"], 0, "{summary}");
    assert!(summary["evaluated"].as_u64().unwrap() >= 201, "{summary}");
}

/// Issue #22: without eBPF (unprivileged, or turned off) the stream says it runs on sock_diag
/// destroy notifications plus polling, and still reports every TCP close; as root the poll
/// names the owner of a connection that lived across it.
#[test]
fn the_fallback_says_what_it_is_and_still_reports_closes() {
    if !can_run("the_fallback_says_what_it_is_and_still_reports_closes")
        || !common::privileged::require_tool("setpriv")
    {
        return;
    }
    let (_dir, nobody_bin) = common::privileged::binary_for_nobody();
    let unprivileged = Stream::start(
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ],
        &nobody_bin,
        &["--no-default-rules"],
        &[],
    );
    let no_bpf = Stream::start(
        &[],
        &sockaudit_path(),
        &["--no-default-rules"],
        &[("SOCKAUDIT_EVENTS_NO_BPF", "1")],
    );
    for first in [unprivileged.first(), no_bpf.first()] {
        assert_eq!(first["mode"], "sock-diag+poll", "{first}");
        assert!(
            first["misses"]
                .as_str()
                .unwrap()
                .contains("exits before the next poll"),
            "{first}"
        );
        assert!(first["fallback_reason"].is_string(), "{first}");
    }
    assert!(
        no_bpf.first()["fallback_reason"]
            .as_str()
            .unwrap()
            .contains("SOCKAUDIT_EVENTS_NO_BPF"),
        "{}",
        no_bpf.first()
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = accept_n(listener, 1);
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let local = c.local_addr().unwrap().port();
    c.write_all(b"hello").unwrap();
    // Several owner polls (every 500 ms) see it open.
    std::thread::sleep(Duration::from_secs(3));
    drop(c);
    assert_eq!(acceptor.join().unwrap(), 1);
    let unprivileged = unprivileged.stop(Duration::from_secs(1));
    let no_bpf = no_bpf.stop(Duration::from_millis(100));
    for lines in [&unprivileged, &no_bpf] {
        let closes = socket_events(lines, "close");
        let close = find(&closes, local, port)
            .unwrap_or_else(|| panic!("no close for port {local}: {closes:?}"));
        // tcpi_bytes_acked: the 5 bytes, plus one each for the SYN and the FIN once acked.
        let sent = close["bytes_sent"].as_u64().unwrap();
        assert!((5..=7).contains(&sent), "{close}");
        assert_eq!(lines.last().unwrap()["mode"], "sock-diag+poll");
    }
    let closes = socket_events(&no_bpf, "close");
    let close = find(&closes, local, port).unwrap();
    assert_eq!(close["owner"]["pid"], std::process::id(), "{close}");
}

/// Issue #22: the first UDP send of a process to each peer (not every datagram), raw and
/// packet socket creation, and a connection inside a network namespace this test created,
/// which carries that namespace.
#[test]
fn udp_first_sends_raw_sockets_and_namespaced_connections_are_events() {
    if !can_run("udp_first_sends_raw_sockets_and_namespaced_connections_are_events")
        || !common::netns::can_create()
    {
        return;
    }
    use socket2::{Domain, Protocol as SockProto, Socket, Type};
    let ns = common::netns::TestNetns::create("sa-events");
    let stream = Stream::start(&[], &sockaudit_path(), &["--no-default-rules"], &[]);
    let sink_a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let sink_b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let (a, b) = (
        sink_a.local_addr().unwrap().port(),
        sink_b.local_addr().unwrap().port(),
    );
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    for _ in 0..5 {
        udp.send_to(b"x", ("127.0.0.1", a)).unwrap();
    }
    udp.send_to(b"y", ("127.0.0.1", b)).unwrap();
    let raw = Socket::new(Domain::IPV4, Type::RAW, Some(SockProto::ICMPV4)).unwrap();
    // ETH_P_ALL in network byte order, as tcpdump asks for it.
    let packet = Socket::new(Domain::PACKET, Type::RAW, Some(SockProto::from(0x0300))).unwrap();
    let holder = Holder::spawn_in(&ns.exec(), "pair");
    let ns_port = holder.ports[0];
    let ns_pid = holder.pid;
    holder.stop();
    drop((raw, packet));
    let lines = stream.stop(Duration::from_secs(1));
    let sends: Vec<_> = socket_events(&lines, "udp-send")
        .into_iter()
        .filter(|e| e["local_port"] == udp_port)
        .collect();
    let peers: Vec<&serde_json::Value> = sends.iter().map(|e| &e["remote_port"]).collect();
    assert_eq!(
        peers,
        [a, b],
        "one event per peer, not per datagram: {sends:?}"
    );
    assert_eq!(sends[0]["owner"]["pid"], std::process::id());
    let me = std::process::id();
    let raws: Vec<_> = socket_events(&lines, "raw-socket")
        .into_iter()
        .filter(|e| e["owner"]["pid"] == me)
        .collect();
    let domains: Vec<&serde_json::Value> = raws.iter().map(|e| &e["raw"]["domain"]).collect();
    assert_eq!(domains, ["raw", "packet"], "{raws:?}");
    assert_eq!(raws[0]["raw"]["protocol"], 1, "ICMP: {raws:?}");
    let connects = socket_events(&lines, "connect");
    let inside = connects
        .iter()
        .find(|e| e["remote_port"] == ns_port && e["owner"]["pid"] == ns_pid)
        .unwrap_or_else(|| panic!("no connect of pid {ns_pid} to port {ns_port}: {connects:?}"));
    assert_eq!(inside["netns"], ns.name.as_str(), "{inside}");
}

/// Gap 2 of issue #22: `--write prometheus=FILE` holds the stream's event counts per kind and
/// the ring buffer's drop count, written atomically (no temp file left next to it), and
/// passes `promtool check metrics`.
#[test]
fn the_prometheus_file_counts_events_and_drops() {
    if !can_run("the_prometheus_file_counts_events_and_drops") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("sockaudit.prom");
    let write = format!("prometheus={}", prom.display());
    let stream = Stream::start(
        &[],
        &sockaudit_path(),
        &["--no-default-rules", "--write", &write],
        &[],
    );
    // Written once attached, before any event.
    let first = std::fs::read_to_string(&prom).unwrap();
    assert!(
        first.contains("sockaudit_events_mode{mode=\"ebpf\"} 1"),
        "{first}"
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = accept_n(listener, 5);
    for _ in 0..5 {
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(b"x").unwrap();
    }
    assert_eq!(acceptor.join().unwrap(), 5);
    let lines = stream.stop(Duration::from_secs(1));
    let text = std::fs::read_to_string(&prom).unwrap();
    let value = |name: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .unwrap_or_else(|| panic!("{name} in\n{text}"));
        line[name.len()..].trim().parse().unwrap()
    };
    // Other processes of this machine connect too: at least ours, and the file agrees with
    // the stream's own summary (written after it, at the end).
    assert!(
        value("sockaudit_events_total{kind=\"connect\"}") >= 5,
        "{text}"
    );
    assert!(
        value("sockaudit_events_total{kind=\"accept\"}") >= 5,
        "{text}"
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary", "{summary}");
    assert_eq!(
        value("sockaudit_events_dropped_total"),
        summary["dropped"].as_u64().unwrap(),
        "{text}"
    );
    let total: u64 = text
        .lines()
        .filter(|l| l.starts_with("sockaudit_events_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, summary["events"].as_u64().unwrap(), "{text}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["sockaudit.prom"], "no temp file is left behind");
    if !common::privileged::require_tool("promtool") {
        return;
    }
    let out = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&prom).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
