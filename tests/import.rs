//! Capture import: every fixture in `fixtures/captures/` parsed and pinned as a golden snapshot,
//! the real captures in `../shared/captures` checked row for row, robustness (strict mode,
//! truncation, garbage, encodings), and a property test: a snapshot rendered as each text
//! format parses back to the same sockets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;

use sockaudit::collect::CollectError;
use sockaudit::collect::import::{self, Format, ImportError, ImportOptions};
use sockaudit::model::{Snapshot, Socket};

fn epoch() -> jiff::Timestamp {
    jiff::Timestamp::UNIX_EPOCH
}

fn parse_file(path: &Path, options: &ImportOptions) -> Vec<Snapshot> {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    import::parse_bytes(&name, &bytes, options, epoch())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One line per socket: compact, deterministic, and shows every field the parsers fill.
fn socket_line(s: &Socket) -> String {
    let mut line = format!(
        "{}/{} {}:{}",
        s.proto.as_str(),
        match s.family {
            sockaudit::model::Family::Ipv4 => "4",
            sockaudit::model::Family::Ipv6 => "6",
        },
        // `?`: a host name the capture printed (its address is unknown, not the wildcard).
        s.local_ip().map_or("?".to_string(), |a| a.to_string()),
        s.local_port
    );
    match (s.remote_ip(), s.remote_port, s.remote_name()) {
        (Some(a), Some(p), _) => write!(line, " -> {a}:{p}").unwrap(),
        (None, Some(p), Some(_)) => write!(line, " -> ?:{p}").unwrap(),
        _ => line.push_str(" -> *"),
    }
    if let Some(state) = s.state {
        write!(line, " {state}").unwrap();
    }
    if !s.pids.is_empty() {
        write!(line, " pids={:?}", s.pids).unwrap();
    }
    if let Some(a) = s.attribution {
        write!(line, " by={a:?}").unwrap();
    }
    if let Some(u) = s.unattributed {
        write!(line, " gap={}", u.as_str()).unwrap();
    }
    if let Some(uid) = s.uid {
        write!(line, " uid={uid}").unwrap();
    }
    if let Some(inode) = s.inode {
        write!(line, " ino={inode}").unwrap();
    }
    if let Some(c) = &s.capture {
        write!(line, " capture={}", serde_json::to_string(c).unwrap()).unwrap();
    }
    line
}

/// The golden rendering of one parsed snapshot (large ones: the first 25 sockets and counts).
fn render(snapshot: &Snapshot) -> String {
    let mut out = String::new();
    let c = &snapshot.coverage;
    writeln!(out, "source: {}", snapshot.source).unwrap();
    writeln!(out, "hostname: {:?}", snapshot.host.hostname).unwrap();
    writeln!(
        out,
        "sockets: {} attributed: {} unattributed: {:?} unresolved_names: {} skipped_lines: {}",
        c.sockets, c.attributed, c.unattributed, c.unresolved_names, c.skipped_lines
    )
    .unwrap();
    let missing: Vec<&str> = c.missing.iter().map(|f| f.as_str()).collect();
    writeln!(out, "missing: {}", missing.join(", ")).unwrap();
    for note in &c.notes {
        writeln!(out, "note: {note}").unwrap();
    }
    for p in snapshot.processes.values() {
        writeln!(
            out,
            "process {} {:?} exe={:?} user={:?} uid={:?} stdio={:?} services={:?}",
            p.pid, p.name, p.exe, p.user, p.uid, p.stdio_sockets, p.services
        )
        .unwrap();
    }
    let shown = if snapshot.sockets.len() > 40 {
        25
    } else {
        snapshot.sockets.len()
    };
    for s in &snapshot.sockets[..shown] {
        writeln!(out, "{}", socket_line(s)).unwrap();
    }
    if shown < snapshot.sockets.len() {
        let mut by_state = std::collections::BTreeMap::new();
        for s in &snapshot.sockets {
            *by_state
                .entry(s.state.map_or("UDP", |st| st.as_str()))
                .or_insert(0) += 1;
        }
        writeln!(
            out,
            "... {} more; by state {by_state:?}",
            snapshot.sockets.len() - shown
        )
        .unwrap();
    }
    out
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/captures")
        .join(name)
}

/// Every capture fixture, parsed with format and encoding detected, pinned.
#[test]
fn every_fixture_parses_to_its_golden_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/captures");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md") && n != "win-tasklist.csv")
        .collect();
    names.sort();
    assert!(names.len() >= 30, "fixtures missing: {names:?}");
    for name in names {
        let blocks = parse_file(&dir.join(&name), &ImportOptions::default());
        let mut text = String::new();
        for (i, b) in blocks.iter().enumerate() {
            writeln!(text, "== block {}", i + 1).unwrap();
            text.push_str(&render(b));
        }
        insta::assert_snapshot!(format!("capture__{name}"), text);
    }
}

/// Formats detected from the text alone.
#[test]
fn formats_are_detected() {
    for (name, want) in [
        ("win-en-netstat-ano.txt", Format::NetstatWindows),
        ("win-en-netstat-abno-utf16le.txt", Format::NetstatWindows),
        ("win-zhcn-netstat-abno-gbk.txt", Format::NetstatWindows),
        ("win-zhtw-netstat-an-big5.txt", Format::NetstatWindows),
        ("linux-netstat-tunap.txt", Format::NetstatLinux),
        ("linux-netstat-cs-tunap.txt", Format::NetstatLinux),
        ("linux-ss-tunap.txt", Format::Ss),
        ("linux-ss-tanp.txt", Format::Ss),
        ("linux-lsof-i-nP.txt", Format::Lsof),
        ("macos-lsof-i-nP.txt", Format::Lsof),
        ("macos-netstat-an.txt", Format::NetstatMacos),
        ("macos-netstat-anv.txt", Format::NetstatMacos),
        ("macos14-netstat-anv-p-tcp.txt", Format::NetstatMacos),
        ("macos-netstat-Aan-p-tcp.txt", Format::NetstatMacos),
        ("macos-netstat-anb.txt", Format::NetstatMacos),
        ("tcpview-v4.csv", Format::Tcpview),
        ("tcpview-tabs.txt", Format::Tcpview),
        ("tcpview-v3.txt", Format::Tcpview),
        ("tcpvcon-a-c.csv", Format::Tcpvcon),
        ("freebsd-netstat-an.txt", Format::NetstatFreebsd),
        ("freebsd-netstat-aT.txt", Format::NetstatFreebsd),
        ("freebsd-netstat-A.txt", Format::NetstatFreebsd),
        ("freebsd-netstat-x.txt", Format::NetstatFreebsd),
        ("freebsd-netstat-aL.txt", Format::NetstatFreebsd),
        ("freebsd-netstat-anW.txt", Format::NetstatFreebsd),
        ("freebsd-sockstat-46.txt", Format::Sockstat),
        ("freebsd-sockstat-46l.txt", Format::Sockstat),
        ("freebsd-sockstat-46cs.txt", Format::Sockstat),
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let got = import::detect_bytes(name, &bytes, &ImportOptions::default()).unwrap();
        assert_eq!(got, want, "{name}");
    }
}

/// The companion tasklist names the PIDs of a Windows `-ano` capture.
#[test]
fn tasklist_names_windows_pids() {
    let tasklist = std::fs::read(fixture("win-tasklist.csv")).unwrap();
    let names = import::tasklist::parse("t.csv", &tasklist, &ImportOptions::default()).unwrap();
    assert_eq!(names[&6666].name, "nc.exe");
    let options = ImportOptions {
        processes: Some(fixture("win-tasklist.csv")),
        ..ImportOptions::default()
    };
    let input = sockaudit::collect::Input::File(fixture("win-en-netstat-ano.txt"), options);
    let snapshot = sockaudit::collect::collect(&input).unwrap();
    assert_eq!(snapshot.processes[&6666].name, "nc.exe");
    assert!(
        !snapshot
            .coverage
            .missing
            .contains(&sockaudit::model::Fact::ProcessNames)
    );
}

/// Row counts of the real captures in ../shared/captures (from its README), when present.
#[test]
fn real_captures_from_other_machines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if !dir.is_dir() {
        eprintln!("skipped: {} not present", dir.display());
        return;
    }
    for (name, sockets, tcp) in [
        ("win-de-netstat-ano-cp1252.txt", 328, 223),
        ("win-de-netstat-tn-offload-cp1252.txt", 163, 163),
        ("win-fr-netstat-abn.txt", 324, 179),
        ("win-en-netstat-abno.txt", 318, 114),
        ("win-en-netstat-anbv-xp.txt", 6, 4),
        ("win-ru-netstat-mojibake.txt", 10, 10),
        ("linux-ss-tulpen.txt", 73, 0),
        ("linux-ss-tunape-wide.txt", 155, 0),
    ] {
        let strict = ImportOptions {
            strict: true,
            ..ImportOptions::default()
        };
        let blocks = parse_file(&dir.join(name), &strict);
        let s = blocks.last().unwrap();
        assert_eq!(s.sockets.len(), sockets, "{name}");
        if tcp > 0 {
            let n = s
                .sockets
                .iter()
                .filter(|s| s.proto == sockaudit::model::Protocol::Tcp)
                .count();
            assert_eq!(n, tcp, "{name}");
        }
    }
    // Details the README points out.
    let de = parse_file(
        &dir.join("win-de-netstat-ano-cp1252.txt"),
        &ImportOptions::default(),
    );
    let de = de.last().unwrap();
    assert!(
        de.coverage.notes.iter().any(|n| n.contains("windows-1252")),
        "{:?}",
        de.coverage.notes
    );
    assert!(
        de.sockets
            .iter()
            .any(|s| s.state == Some(sockaudit::model::TcpState::CloseWait) && s.pids == [4588])
    );
    let fr = parse_file(
        &dir.join("win-fr-netstat-abn.txt"),
        &ImportOptions::default(),
    );
    let fr = fr.last().unwrap();
    let connected_udp = fr
        .sockets
        .iter()
        .filter(|s| s.proto == sockaudit::model::Protocol::Udp && s.remote_addr.is_some())
        .count();
    assert_eq!(connected_udp, 47);
    assert!(
        fr.sockets
            .iter()
            .any(|s| s.capture.as_ref().and_then(|c| c.program.as_deref()) == Some("svchost.exe"))
    );
    let xp = parse_file(
        &dir.join("win-en-netstat-anbv-xp.txt"),
        &ImportOptions::default(),
    );
    assert_eq!(
        xp.last().unwrap().processes[&988].exe.as_deref(),
        Some("C:\\WINDOWS\\system32\\svchost.exe")
    );
    let ss = parse_file(
        &dir.join("linux-ss-tunape-wide.txt"),
        &ImportOptions::default(),
    );
    let smtp = ss
        .last()
        .unwrap()
        .sockets
        .iter()
        .find(|s| s.local_port == 25)
        .unwrap();
    assert!(smtp.pids.len() > 10, "{:?}", smtp.pids);
    for route in [
        "win-de-route-print-cp1252.txt",
        "win-en-route-print-win10.txt",
        "win-en-route-print-xp.txt",
        "linux-netstat-rne.txt",
    ] {
        let bytes = std::fs::read(dir.join(route)).unwrap();
        let err =
            import::parse_bytes(route, &bytes, &ImportOptions::default(), epoch()).unwrap_err();
        assert!(err.to_string().contains("routing table"), "{route}: {err}");
    }
}

fn strict_error(bytes: &[u8], format: Format) -> String {
    let options = ImportOptions {
        format: Some(format),
        strict: true,
        ..ImportOptions::default()
    };
    match import::parse_bytes("cap.txt", bytes, &options, epoch()) {
        Err(CollectError::Import(ImportError::Strict { line, reason, .. })) => {
            format!("{line}: {reason}")
        }
        other => panic!("expected a strict error, got {other:?}"),
    }
}

/// Bad lines name the line and why; strict turns them into errors.
#[test]
fn unreadable_lines_are_located() {
    let win = b"\r\nActive Connections\r\n\r\n  Proto  Local Address  Foreign Address  State  PID\r\n  TCP    0.0.0.0:135  0.0.0.0:0  LISTENING  1712\r\n  TCP    0.0.0.0:99999  0.0.0.0:0  LISTENING  4\r\n";
    assert_eq!(
        strict_error(win, Format::NetstatWindows),
        "6: local address bad port `99999`"
    );
    let lenient = import::parse_bytes("cap.txt", win, &ImportOptions::default(), epoch()).unwrap();
    assert_eq!(lenient[0].sockets.len(), 1);
    assert_eq!(lenient[0].coverage.skipped_lines, 1);
    let ss = b"Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\ntcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:((\"sshd\",pid=812,fd=3)\n";
    assert_eq!(
        strict_error(ss, Format::Ss),
        "2: users:( list without closing `)`"
    );
    let linux = b"Proto Recv-Q Send-Q Local Address Foreign Address State PID/Program name\ntcp 0 0 0.0.0.0:22 0.0.0.0:* SPAGHETTI 1/x\n";
    assert_eq!(
        strict_error(linux, Format::NetstatLinux),
        "2: unknown TCP state `SPAGHETTI`"
    );
    let lsof = b"COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\nsshd x root 3u IPv4 1 0t0 TCP *:22 (LISTEN)\n";
    assert_eq!(
        strict_error(lsof, Format::Lsof),
        "2: PID `x` is not a number"
    );
    let tv = b"TCP,svchost.exe,1712,LISTENING,0.0.0.0:135\n";
    assert_eq!(
        strict_error(tv, Format::Tcpvcon),
        "1: 5 fields, expected 6 (protocol,process,PID,state,local,remote)"
    );
}

/// Truncated files, mixed line endings, NUL bytes, trailing garbage and over-long lines never
/// panic, and the rows before the damage survive.
#[test]
fn damaged_captures_do_not_panic() {
    let good = std::fs::read(fixture("win-en-netstat-ano.txt")).unwrap();
    for cut in [1, 10, 100, 333, good.len() / 2, good.len() - 3] {
        let _ = import::parse_bytes("cut.txt", &good[..cut], &ImportOptions::default(), epoch());
    }
    let mut mixed = good.clone();
    mixed.extend_from_slice(b"\n\x00\x01\xff garbage\r\r\n");
    mixed.extend(std::iter::repeat_n(b'z', 200_000));
    let options = ImportOptions {
        format: Some(Format::NetstatWindows),
        ..ImportOptions::default()
    };
    let out = import::parse_bytes("mixed.txt", &mixed, &options, epoch()).unwrap();
    assert_eq!(out.last().unwrap().sockets.len(), 155);
    assert!(out.last().unwrap().coverage.skipped_lines >= 2);
    for format in Format::ALL.into_iter().filter(|f| *f != Format::Snapshot) {
        let options = ImportOptions {
            format: Some(format),
            ..ImportOptions::default()
        };
        for junk in [
            &b""[..],
            b"\n\n",
            b"\xff\xfe\x00",
            b"TCP",
            b"tcp 0 0",
            b"COMMAND\nx 1 u 3u IPv4",
            b"\"a\",\"b",
        ] {
            let _ = import::parse_bytes("junk.txt", junk, &options, epoch());
        }
    }
}

/// `netstat -on 5`: one snapshot per listing.
#[test]
fn repeated_listings_are_blocks() {
    let blocks = parse_file(
        &fixture("win-en-netstat-on-5.txt"),
        &ImportOptions::default(),
    );
    let counts: Vec<usize> = blocks.iter().map(|b| b.sockets.len()).collect();
    assert_eq!(counts, [1, 2, 3]);
    assert_eq!(
        blocks[2].source,
        "file:win-en-netstat-on-5.txt (netstat-windows, block 3)"
    );
}

/// The same table in every encoding Windows writes it in gives the same sockets.
#[test]
fn encodings_agree() {
    let reference = parse_file(
        &fixture("win-en-netstat-abno-utf8bom.txt"),
        &ImportOptions::default(),
    );
    for name in [
        "win-en-netstat-abno-utf16le.txt",
        "win-en-netstat-abno-utf16be.txt",
    ] {
        let other = parse_file(&fixture(name), &ImportOptions::default());
        assert_eq!(other[0].sockets, reference[0].sockets, "{name}");
        assert_eq!(other[0].processes, reference[0].processes, "{name}");
    }
    // Forcing the wrong encoding still parses the ASCII parts; forcing the right one works.
    let cp850 = ImportOptions {
        encoding: sockaudit::collect::import::text::TextEncoding::from_name("cp850"),
        ..ImportOptions::default()
    };
    let de = parse_file(&fixture("win-de-netstat-ano-cp850.txt"), &cp850);
    assert_eq!(
        de[0]
            .sockets
            .iter()
            .filter(|s| s.state == Some(sockaudit::model::TcpState::Listen))
            .count(),
        2
    );
}

mod roundtrip {
    //! A snapshot rendered as each text format parses back to the same sockets.

    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;
    use sockaudit::model::{Protocol, TcpState};

    use super::*;

    #[derive(Debug, Clone)]
    struct Sock {
        proto: Protocol,
        local: IpAddr,
        lport: u16,
        remote: Option<(IpAddr, u16)>,
        state: Option<TcpState>,
        pid: u32,
        name: String,
    }

    const STATES: [TcpState; 11] = [
        TcpState::Listen,
        TcpState::Established,
        TcpState::SynSent,
        TcpState::SynRecv,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::TimeWait,
        TcpState::Close,
        TcpState::CloseWait,
        TcpState::LastAck,
        TcpState::Closing,
    ];

    fn addr(v6: bool) -> impl Strategy<Value = IpAddr> {
        if v6 {
            any::<[u16; 8]>()
                .prop_map(|s| {
                    IpAddr::V6(Ipv6Addr::new(
                        s[0] | 1,
                        s[1],
                        s[2],
                        s[3],
                        s[4],
                        s[5],
                        s[6],
                        s[7],
                    ))
                })
                .boxed()
        } else {
            any::<[u8; 4]>()
                .prop_map(|b| IpAddr::V4(Ipv4Addr::from(b)))
                .boxed()
        }
    }

    fn sock() -> impl Strategy<Value = Sock> {
        (
            any::<bool>(),
            any::<bool>(),
            0..STATES.len(),
            any::<bool>(),
            1u16..,
            1u16..,
            1u32..4_000_000,
            "[a-z][a-z0-9]{0,7}",
        )
            .prop_flat_map(|(tcp, v6, state, connected, lport, rport, pid, name)| {
                (addr(v6), addr(v6)).prop_map(move |(local, remote)| {
                    let proto = if tcp { Protocol::Tcp } else { Protocol::Udp };
                    let state = tcp.then_some(STATES[state]);
                    let listening = state == Some(TcpState::Listen) || (!tcp && !connected);
                    // A peer of 0.0.0.0:0 reads as "no peer" in every format.
                    let remote =
                        (!listening && !remote.is_unspecified()).then_some((remote, rport));
                    Sock {
                        proto,
                        local,
                        lport,
                        remote,
                        state,
                        pid,
                        name: name.clone(),
                    }
                })
            })
    }

    fn v6(a: &IpAddr) -> bool {
        a.is_ipv6()
    }

    fn bracket(a: &IpAddr, port: u16) -> String {
        if v6(a) {
            format!("[{a}]:{port}")
        } else {
            format!("{a}:{port}")
        }
    }

    fn windows(socks: &[Sock]) -> String {
        let mut t = String::from(
            "\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n",
        );
        for s in socks {
            let remote = match (s.remote, s.proto) {
                (Some((a, p)), _) => bracket(&a, p),
                (None, Protocol::Udp) => "*:*".to_string(),
                (None, Protocol::Tcp) => {
                    if v6(&s.local) {
                        "[::]:0".into()
                    } else {
                        "0.0.0.0:0".into()
                    }
                }
            };
            let state = s.state.map_or(String::new(), |st| match st {
                TcpState::Listen => "LISTENING".into(),
                TcpState::SynRecv => "SYN_RECEIVED".into(),
                TcpState::FinWait1 => "FIN_WAIT_1".into(),
                TcpState::FinWait2 => "FIN_WAIT_2".into(),
                TcpState::Close => "CLOSED".into(),
                other => other.as_str().to_string(),
            });
            let proto = if s.proto == Protocol::Tcp {
                "TCP"
            } else {
                "UDP"
            };
            t += &format!(
                "  {proto:<6} {:<22} {remote:<22} {state:<15} {}\r\n  [{}.exe]\r\n",
                bracket(&s.local, s.lport),
                s.pid,
                s.name
            );
        }
        t
    }

    fn linux_netstat(socks: &[Sock]) -> String {
        let mut t = String::from(
            "Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name\n",
        );
        for s in socks {
            let six = if v6(&s.local) { "6" } else { "" };
            let proto = if s.proto == Protocol::Tcp {
                "tcp"
            } else {
                "udp"
            };
            let remote = match s.remote {
                Some((a, p)) => format!("{a}:{p}"),
                None => {
                    if v6(&s.local) {
                        ":::*".into()
                    } else {
                        "0.0.0.0:*".into()
                    }
                }
            };
            let state = match (s.state, s.remote) {
                (Some(st), _) => st.as_str().to_string(),
                (None, Some(_)) => "ESTABLISHED".into(),
                (None, None) => String::new(),
            };
            t += &format!(
                "{proto}{six:<5} 0 0 {}:{} {remote} {state:<11} {}/{}\n",
                s.local, s.lport, s.pid, s.name
            );
        }
        t
    }

    fn macos_netstat(socks: &[Sock]) -> String {
        // `netstat -anv` of macOS 13: the pid column, widths as inet.c prints them.
        let mut t = String::from(
            "Active Internet connections (including servers)\nProto Recv-Q Send-Q  Local Address          Foreign Address        (state)        rxbytes    txbytes rhiwat shiwat    pid   epid state  options\n",
        );
        let dotted = |a: &IpAddr, p: u16| format!("{a}.{p}");
        for s in socks {
            let proto = format!(
                "{}{}",
                s.proto.as_str(),
                if v6(&s.local) { "6" } else { "4" }
            );
            let remote = s.remote.map_or("*.*".to_string(), |(a, p)| dotted(&a, p));
            let state = s.state.map_or(String::new(), |st| match st {
                TcpState::SynRecv => "SYN_RCVD".into(),
                TcpState::FinWait1 => "FIN_WAIT_1".into(),
                TcpState::FinWait2 => "FIN_WAIT_2".into(),
                TcpState::Close => "CLOSED".into(),
                other => other.as_str().to_string(),
            });
            // -W: the whole address, whatever its width (random IPv6 addresses are long).
            t += &format!(
                "{proto:<5} {:>6} {:>6}  {:<22} {remote:<22} {state:<11} {:>10} {:>10} {:>6} {:>6} {:>6} {:>6} 00102  00000008\n",
                0,
                0,
                dotted(&s.local, s.lport),
                0,
                0,
                131072,
                131072,
                s.pid,
                0
            );
        }
        t
    }

    fn ss(socks: &[Sock]) -> String {
        let mut t = String::from(
            "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n",
        );
        for s in socks {
            let state = match s.state {
                None if s.remote.is_some() => "ESTAB",
                None => "UNCONN",
                Some(TcpState::Established) => "ESTAB",
                Some(TcpState::SynSent) => "SYN-SENT",
                Some(TcpState::SynRecv) => "SYN-RECV",
                Some(TcpState::FinWait1) => "FIN-WAIT-1",
                Some(TcpState::FinWait2) => "FIN-WAIT-2",
                Some(TcpState::TimeWait) => "TIME-WAIT",
                Some(TcpState::Close) => "UNCONN",
                Some(TcpState::CloseWait) => "CLOSE-WAIT",
                Some(TcpState::LastAck) => "LAST-ACK",
                Some(TcpState::Listen) => "LISTEN",
                Some(_) => "CLOSING",
            };
            let remote = match s.remote {
                Some((a, p)) => bracket(&a, p),
                None => {
                    if v6(&s.local) {
                        "[::]:*".into()
                    } else {
                        "0.0.0.0:*".into()
                    }
                }
            };
            t += &format!(
                "{} {state} 0 0 {} {remote} users:((\"{}\",pid={},fd=3))\n",
                s.proto.as_str(),
                bracket(&s.local, s.lport),
                s.name,
                s.pid
            );
        }
        t
    }

    fn lsof(socks: &[Sock]) -> String {
        let mut t = String::from("COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\n");
        for (i, s) in socks.iter().enumerate() {
            let kind = if v6(&s.local) { "IPv6" } else { "IPv4" };
            let mut name = bracket(&s.local, s.lport);
            if let Some((a, p)) = s.remote {
                name += &format!("->{}", bracket(&a, p));
            }
            if let Some(st) = s.state {
                name += &format!(" ({})", st.as_str());
            }
            let node = if s.proto == Protocol::Tcp {
                "TCP"
            } else {
                "UDP"
            };
            t += &format!(
                "{} {} root {}u {kind} {} 0t0 {node} {name}\n",
                s.name,
                s.pid,
                i + 3,
                1000 + i
            );
        }
        t
    }

    fn tcpview(socks: &[Sock]) -> String {
        let mut t = String::from(
            "Process Name,Process ID,Protocol,State,Local Address,Local Port,Remote Address,Remote Port\n",
        );
        for s in socks {
            let proto = match (s.proto, v6(&s.local)) {
                (Protocol::Tcp, false) => "TCP",
                (Protocol::Tcp, true) => "TCPv6",
                (Protocol::Udp, false) => "UDP",
                (Protocol::Udp, true) => "UDPv6",
            };
            let (ra, rp) = match s.remote {
                Some((a, p)) => (a.to_string(), p.to_string()),
                None => ("*".into(), "*".into()),
            };
            t += &format!(
                "{}.exe,{},{proto},{},{},{},{ra},{rp}\n",
                s.name,
                s.pid,
                s.state.map_or("", |st| st.as_str()),
                s.local,
                s.lport
            );
        }
        t
    }

    fn tcpvcon(socks: &[Sock]) -> String {
        let mut t = String::new();
        for s in socks {
            let proto = match (s.proto, v6(&s.local)) {
                (Protocol::Tcp, false) => "TCP",
                (Protocol::Tcp, true) => "TCPV6",
                (Protocol::Udp, false) => "UDP",
                (Protocol::Udp, true) => "UDPV6",
            };
            let remote = s.remote.map_or("*:*".to_string(), |(a, p)| bracket(&a, p));
            t += &format!(
                "{proto},{}.exe,{},{},{},{remote}\n",
                s.name,
                s.pid,
                s.state.map_or("", |st| st.as_str()),
                bracket(&s.local, s.lport)
            );
        }
        t
    }

    /// FreeBSD's spelling of the states that differ from Linux's.
    fn bsd_state(st: TcpState) -> String {
        match st {
            TcpState::SynRecv => "SYN_RCVD".into(),
            TcpState::FinWait1 => "FIN_WAIT_1".into(),
            TcpState::FinWait2 => "FIN_WAIT_2".into(),
            TcpState::Close => "CLOSED".into(),
            other => other.as_str().to_string(),
        }
    }

    fn freebsd_netstat(socks: &[Sock]) -> String {
        let mut t = String::from(
            "Active Internet connections (including servers)\nProto Recv-Q Send-Q Local Address          Foreign Address        (state)\n",
        );
        for s in socks {
            let proto = match (s.proto, v6(&s.local)) {
                (Protocol::Tcp, false) => "tcp4",
                (Protocol::Tcp, true) => "tcp6",
                (Protocol::Udp, false) => "udp4",
                (Protocol::Udp, true) => "udp6",
            };
            let remote = s
                .remote
                .map_or("*.*".to_string(), |(a, p)| format!("{a}.{p}"));
            let state = s.state.map_or(String::new(), bsd_state);
            t += &format!(
                "{proto:<5}      0      0 {:<22} {remote:<22} {state}\n",
                format!("{}.{}", s.local, s.lport)
            );
        }
        t
    }

    fn sockstat(socks: &[Sock]) -> String {
        // -i gives every socket an ID, so equal endpoints stay two sockets.
        let mut t = String::from(
            "USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS       ID       PATH STATE   CONN STATE\n",
        );
        for (i, s) in socks.iter().enumerate() {
            let proto = match (s.proto, v6(&s.local)) {
                (Protocol::Tcp, false) => "tcp4",
                (Protocol::Tcp, true) => "tcp6",
                (Protocol::Udp, false) => "udp4",
                (Protocol::Udp, true) => "udp6",
            };
            let remote = s
                .remote
                .map_or("*:*".to_string(), |(a, p)| format!("{a}:{p}"));
            let state = s.state.map_or(String::new(), bsd_state);
            t += &format!(
                "root     {:<10} {:>5} 3   {proto:<6} {:<21} {remote:<21} {:<8} {:<12} {state}\n",
                s.name,
                s.pid,
                format!("{}:{}", s.local, s.lport),
                i + 1,
                ""
            );
        }
        t
    }

    /// What every format must agree on, sorted.
    fn key(socks: &[Sock]) -> Vec<String> {
        let mut k: Vec<String> = socks
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} {:?} {:?} {}",
                    s.proto.as_str(),
                    s.local,
                    s.lport,
                    s.remote,
                    s.state,
                    s.pid
                )
            })
            .collect();
        k.sort();
        k
    }

    fn parsed_key(snapshot: &Snapshot) -> Vec<String> {
        let mut k: Vec<String> = snapshot
            .sockets
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} {:?} {:?} {}",
                    s.proto.as_str(),
                    s.local_addr,
                    s.local_port,
                    s.remote_addr.zip(s.remote_port),
                    s.state,
                    s.pids.first().copied().unwrap_or(0)
                )
            })
            .collect();
        k.sort();
        k
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn every_format_round_trips(socks in proptest::collection::vec(sock(), 0..30)) {
            let renderings: [(Format, String); 9] = [
                (Format::NetstatWindows, windows(&socks)),
                (Format::NetstatLinux, linux_netstat(&socks)),
                (Format::NetstatMacos, macos_netstat(&socks)),
                (Format::Ss, ss(&socks)),
                (Format::Lsof, lsof(&socks)),
                (Format::Tcpview, tcpview(&socks)),
                (Format::Tcpvcon, tcpvcon(&socks)),
                (Format::NetstatFreebsd, freebsd_netstat(&socks)),
                (Format::Sockstat, sockstat(&socks)),
            ];
            for (format, text) in renderings {
                // Strict: every rendered line must be read.
                let options = ImportOptions { format: Some(format), strict: true, ..ImportOptions::default() };
                let result = import::parse_bytes("p.txt", text.as_bytes(), &options, epoch());
                if socks.is_empty() && format != Format::Tcpvcon {
                    // A header and no row is never an empty table that scans clean (tcpvcon
                    // prints no header: its listing of no socket is an empty file).
                    let err = result.err().map(|e| e.to_string()).unwrap_or_default();
                    prop_assert!(err.contains("a column header and no socket row"), "{}: {}", format, err);
                    continue;
                }
                let parsed = result
                    .map_err(|e| TestCaseError::fail(format!("{format}: {e}\n{text}")))?;
                let last = parsed.last().cloned();
                let got = last.as_ref().map(parsed_key).unwrap_or_default();
                // BSD netstat shows no owners.
                let want = if format == Format::NetstatFreebsd {
                    let anonymous: Vec<Sock> = socks.iter().map(|s| Sock { pid: 0, ..s.clone() }).collect();
                    key(&anonymous)
                } else {
                    key(&socks)
                };
                prop_assert_eq!(got, want, "{}\n{}", format, text);
                if !socks.is_empty() {
                    // Detection picks the same format from the text alone.
                    let detected = import::detect_bytes("p.txt", text.as_bytes(), &ImportOptions::default()).unwrap();
                    prop_assert_eq!(detected, format);
                }
            }
        }
    }
}

/// macOS `netstat -rn` saved as a socket capture is named a routing table, not misread.
#[test]
fn macos_routing_table_is_refused() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/routes/macos-netstat-rn.txt");
    let bytes = std::fs::read(&path).unwrap();
    let err =
        import::parse_bytes("rn.txt", &bytes, &ImportOptions::default(), epoch()).unwrap_err();
    assert!(err.to_string().contains("routing table"), "{err}");
}
