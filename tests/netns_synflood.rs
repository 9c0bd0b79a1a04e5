//! A real SYN flood that leaves (almost) no SYN_RECV sockets: two network namespaces joined by
//! veth (198.51.100.0/24, documentation addresses, only inside them), SYN cookies always on
//! (`net.ipv4.tcp_syncookies=2`) in the listener's namespace, and a raw socket in the other
//! namespace sending a bounded number of bare SYNs from 198.51.100.77, an address nobody owns
//! (the SYN-ACKs go nowhere). `sockaudit scan --sample 2s`, run inside the listener's namespace
//! and from the host (which reads every namespace's counters) while the SYNs flow, must report
//! the SYN-cookie counter rule for the listener's namespace although `syn-recv-flood` sees
//! nothing. Traffic never leaves the pair; namespaces and processes are removed on drop, also
//! when an assertion fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::netns::{self, VethPair, ip};
use common::{Holder, sockaudit_path};
use serde_json::Value;

const LISTENER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
const SENDER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
/// In the prefix, owned by no interface: nothing answers ARP for it.
const SPOOFED: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 77);
const PORT: u16 = 8080;
/// SYNs sent, 1 ms apart: about 6 s of flood, longer than the 2 s sample.
const SYNS: u32 = 6000;

/// Namespace `listener` and `sender` joined by veth; deleted on drop (with the veth pair).
struct Pair {
    /// Held for its drop: the namespaces go with it.
    _net: VethPair,
    listener: String,
    sender: String,
}

impl Pair {
    fn create() -> Pair {
        // Owned from the first command on, so a failing step still deletes what was made.
        let net = VethPair::create("sa-syn", "sas");
        net.a
            .ip(&["addr", "add", &format!("{LISTENER}/24"), "dev", &net.dev_a]);
        net.b
            .ip(&["addr", "add", &format!("{SENDER}/24"), "dev", &net.dev_b]);
        let pair = Pair {
            listener: net.a.name.clone(),
            sender: net.b.name.clone(),
            _net: net,
        };
        // /proc/sys/net shows the namespace of the process that opens it.
        ip(&[
            "netns",
            "exec",
            &pair.listener,
            "sh",
            "-c",
            "echo 2 > /proc/sys/net/ipv4/tcp_syncookies",
        ]);
        pair
    }

    fn exec(&self, ns: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns]);
        c
    }
}

/// The sender process; killed and reaped on drop.
struct Sender(Child);

impl Drop for Sender {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One's-complement sum of 16-bit words (the IP/TCP checksum before the final inversion).
fn ones_complement_sum(bytes: &[u8], mut sum: u32) -> u32 {
    for chunk in bytes.chunks(2) {
        let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum
}

/// The TCP checksum over the IPv4 pseudo-header and `segment`.
fn tcp_checksum(src: Ipv4Addr, dst: Ipv4Addr, segment: &[u8]) -> u16 {
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&src.octets());
    pseudo.extend_from_slice(&dst.octets());
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&u16::try_from(segment.len()).unwrap().to_be_bytes());
    let sum = ones_complement_sum(segment, ones_complement_sum(&pseudo, 0));
    !u16::try_from(sum).unwrap()
}

/// A bare SYN as a whole IPv4 packet (IP_HDRINCL). The kernel fills in the IP id, total length
/// and header checksum; the TCP checksum is ours.
fn syn_packet(src: Ipv4Addr, dst: Ipv4Addr, src_port: u16, dst_port: u16, seq: u32) -> Vec<u8> {
    let mut tcp = Vec::with_capacity(20);
    tcp.extend_from_slice(&src_port.to_be_bytes());
    tcp.extend_from_slice(&dst_port.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&0u32.to_be_bytes()); // ack
    tcp.push(5 << 4); // data offset: 5 words, no options
    tcp.push(0x02); // SYN
    tcp.extend_from_slice(&64240u16.to_be_bytes()); // window
    tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    let sum = tcp_checksum(src, dst, &tcp);
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    let mut packet = vec![0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0];
    packet.extend_from_slice(&src.octets());
    packet.extend_from_slice(&dst.octets());
    packet.extend_from_slice(&tcp);
    packet
}

/// Sends `count` SYNs from `src` to `dst:port`, 1 ms apart, each from another source port.
fn send_syns(src: Ipv4Addr, dst: Ipv4Addr, port: u16, count: u32) {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).expect("raw socket");
    socket.set_header_included_v4(true).expect("IP_HDRINCL");
    let to = SockAddr::from(SocketAddrV4::new(dst, 0));
    println!("SENDING");
    for i in 0..count {
        let src_port = 20000 + u16::try_from(i % 40000).unwrap();
        let packet = syn_packet(src, dst, src_port, port, i.wrapping_mul(2_654_435_761));
        socket.send_to(&packet, &to).expect("send");
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("SENT {count}");
}

/// The sender's entry point when re-run inside the sender namespace (SOCKAUDIT_TEST_SYN_SENDER
/// set); as a plain test, checks the packets it would send.
#[test]
fn syn_sender_main() {
    if let Ok(spec) = std::env::var("SOCKAUDIT_TEST_SYN_SENDER") {
        let count: u32 = spec.parse().expect("SYN count");
        send_syns(SPOOFED, LISTENER, PORT, count);
        return;
    }
    let packet = syn_packet(SPOOFED, LISTENER, 20000, PORT, 7);
    assert_eq!(packet.len(), 40);
    assert_eq!(&packet[12..16], &SPOOFED.octets());
    assert_eq!(&packet[16..20], &LISTENER.octets());
    assert_eq!(packet[33], 0x02, "SYN only");
    // A correct checksum makes the sum over pseudo-header and segment all ones.
    assert_eq!(tcp_checksum(SPOOFED, LISTENER, &packet[20..]), 0);
    // RFC 1071's worked example: the words 0001 f203 f4f5 f6f7 sum to ddf2.
    assert_eq!(
        ones_complement_sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7], 0),
        0xddf2
    );
}

#[test]
fn syn_flood_with_cookies_is_found_by_the_counter_rule_not_by_syn_recv_sockets() {
    if !netns::can_create() {
        return;
    }
    // Declared first, dropped last: the processes die before their namespaces go.
    let pair = Pair::create();
    let syncookies = pair
        .exec(&pair.listener)
        .args(["cat", "/proc/sys/net/ipv4/tcp_syncookies"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&syncookies.stdout).trim(), "2");
    let in_listener = ["ip", "netns", "exec", pair.listener.as_str()];
    let server = Holder::spawn_in(&in_listener, &format!("serve:{LISTENER}:{PORT}"));

    let mut child = pair
        .exec(&pair.sender)
        .arg(std::env::current_exe().unwrap())
        .args([
            "syn_sender_main",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SOCKAUDIT_TEST_SYN_SENDER", SYNS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let sender = Sender(child);
    loop {
        let line = lines.next().expect("sender said SENDING").unwrap();
        if line.contains("SENDING") {
            break;
        }
    }

    // While the SYNs flow, two scans sample the counters 2 s apart: one inside the listener's
    // namespace (as if sockaudit ran there), one from the host reading every namespace.
    let inside = pair
        .exec(&pair.listener)
        .arg(sockaudit_path())
        .args([
            "scan",
            "--no-all-namespaces",
            "--sample",
            "2s",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let from_host = Command::new(sockaudit_path())
        .args(["scan", "--sample", "2s", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (inside, from_host) = (
        inside.wait_with_output().unwrap(),
        from_host.wait_with_output().unwrap(),
    );
    let list = pair
        .exec(&pair.listener)
        .arg(sockaudit_path())
        .args(["list", "--state", "SYN_RECV", "--format", "json"])
        .output()
        .unwrap();
    let cookies_of = |scan: &std::process::Output| -> (Value, Value) {
        assert_eq!(
            scan.status.code(),
            Some(1),
            "a high finding: {}",
            String::from_utf8_lossy(&scan.stderr)
        );
        let doc: Value = serde_json::from_slice(&scan.stdout).unwrap();
        let findings = doc["findings"].as_array().unwrap();
        let cookies = findings
            .iter()
            .find(|f| f["rule"] == "syn-cookies-sent")
            .cloned()
            .unwrap_or_else(|| panic!("syn-cookies-sent in {findings:#?}"));
        assert!(
            !findings.iter().any(|f| f["rule"] == "syn-recv-flood"),
            "the SYN queue stays short: {findings:#?}"
        );
        (doc, cookies)
    };
    let (doc, cookies) = cookies_of(&inside);
    assert_eq!(cookies["severity"], "high");
    let e = &cookies["evidence"]["counters"];
    assert_eq!(
        e["namespace"], doc["namespaces"][0]["label"],
        "the namespace the scanner ran in (the only one it read)"
    );
    assert_eq!(e["counters"][0]["name"], "TcpExt.SyncookiesSent");
    let sent = e["counters"][0]["current"].as_i64().unwrap()
        - e["counters"][0]["previous"].as_i64().unwrap();
    assert!(sent > 100, "thousands of SYNs in 2 s got cookies: {e}");
    assert!(e["rate"].as_f64().unwrap() >= 10.0, "{e}");
    // From the host: the same flood, in the listener's namespace, by its name; `ss` on the
    // host would show nothing of it.
    let (_, cookies) = cookies_of(&from_host);
    let e = &cookies["evidence"]["counters"];
    assert_eq!(e["namespace"], pair.listener.as_str(), "{cookies:#}");
    assert!(
        cookies["message"]
            .as_str()
            .unwrap()
            .contains(pair.listener.as_str()),
        "{cookies:#}"
    );
    // Few SYN_RECV sockets in the listener's namespace: cookies keep no request sockets.
    let listed: Value = serde_json::from_slice(&list.stdout).unwrap();
    let syn_recv = listed["sockets"].as_array().unwrap().len();
    assert!(syn_recv < 10, "{syn_recv} SYN_RECV sockets");
    assert!(
        doc["summary"]["by_state"]
            .get("SYN_RECV")
            .is_none_or(|n| n.as_u64() < Some(10))
    );

    // The flood stops by itself (bounded), well before this deadline.
    let mut sender = sender;
    let deadline = Instant::now() + Duration::from_secs(60);
    while sender.0.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains(&format!("SENT {SYNS}")))),
        "every SYN was sent"
    );
    drop((sender, server));
    drop(pair);
    let listed = Command::new("ip").args(["netns", "list"]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains("sa-syn-"),
        "namespaces removed"
    );
}
