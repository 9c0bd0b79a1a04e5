//! Rule evaluation at scale: a synthetic 100,000-socket snapshot against the default pack plus
//! 1,000 allow entries and a 100,000-CIDR feed; and snapshot JSON encode/decode.
//!
//! Run: `cargo bench --bench engine`. Prints timings; asserts nothing about them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Instant;

use sockaudit::enrich::{EnrichConfig, Enricher};
use sockaudit::model::{
    Attribution, Family, Process, Protocol, SCHEMA_VERSION, Snapshot, Socket, TcpState,
};
use sockaudit::rules::{RuleSources, load};

fn snapshot() -> Snapshot {
    let mut processes = BTreeMap::new();
    for pid in 1000..1300u32 {
        // Built from JSON so the bench keeps compiling as optional fields are added.
        let process: Process = serde_json::from_value(serde_json::json!({
            "pid": pid, "ppid": 1, "name": format!("svc{}", pid % 50),
            "exe": format!("/usr/sbin/svc{}", pid % 50),
            "cmdline": [format!("/usr/sbin/svc{}", pid % 50), "--serve"],
            "user": "daemon", "uid": 1, "start_time": null
        }))
        .unwrap();
        processes.insert(pid, process);
    }
    let sockets: Vec<Socket> = (0..100_000u32)
        .map(|i| {
            let listen = i % 100 == 0;
            let state = match i % 10 {
                _ if listen => TcpState::Listen,
                0..=6 => TcpState::Established,
                7 => TcpState::TimeWait,
                8 => TcpState::CloseWait,
                _ => TcpState::SynRecv,
            };
            let pid = 1000 + i % 300;
            let mut s: Socket = serde_json::from_value(serde_json::json!({
                "proto": "tcp", "family": "ipv4", "local_addr": "10.0.0.1", "local_port": 1024,
                "remote_addr": null, "remote_port": null, "state": "LISTEN", "uid": 0, "inode": 1,
                "pids": [], "attribution": null, "unattributed": null
            }))
            .unwrap();
            s.proto = Protocol::Tcp;
            s.family = Family::Ipv4;
            s.local_port = if listen { 1024 + (i / 100) as u16 } else { 443 };
            if !listen {
                s.remote_addr = Some(IpAddr::V4(Ipv4Addr::from(
                    0x0b00_0000 + i * 7919 % 0x00ff_ffff,
                )));
                s.remote_port = Some(32768 + (i % 28000) as u16);
            }
            s.state = Some(state);
            s.inode = Some(u64::from(i) + 1);
            s.pids = vec![pid];
            s.attribution = Some(Attribution::Fd);
            s
        })
        .collect();
    let mut snap: Snapshot = serde_json::from_value(serde_json::json!({
        "schema_version": SCHEMA_VERSION, "host": { "ephemeral_ports": [32768, 60999] },
        "collected_at": "2026-11-24T09:00:00Z", "source": "bench", "sockets": [], "processes": {},
        "coverage": { "sockets": 0, "attributed": 0, "unattributed": { "permission": 0, "exited": 0, "no-owner": 0 },
                      "unreadable_processes": 0, "privileged": true }
    }))
    .unwrap();
    snap.sockets = sockets;
    snap.processes = processes;
    snap.sort();
    snap
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // 1,000 allow entries for the allow-list rule, and a 100,000-entry feed.
    let mut rules = String::from("[feeds]\nbench = \"feed.netset\"\n\n");
    for i in 0..1000u32 {
        let _ = write!(
            rules,
            "[[allow]]\nrule = \"unexpected-listener\"\nport = {}\nprocess = \"svc{}\"\nreason = \"bench entry {i}\"\n\n",
            1024 + i,
            i % 50
        );
    }
    std::fs::write(dir.path().join("bench.toml"), rules).unwrap();
    let mut feed = String::new();
    for i in 0..100_000u32 {
        let _ = writeln!(feed, "{}/30", Ipv4Addr::from(0x0b00_0000 + i * 163));
    }
    std::fs::write(dir.path().join("feed.netset"), feed).unwrap();

    let t = Instant::now();
    let set = load(&RuleSources::only(
        vec![dir.path().join("bench.toml")],
        true,
    ))
    .unwrap();
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut feeds = BTreeMap::new();
    feeds.insert("bench".to_string(), (dir.path().join("feed.netset"), 7));
    let config = EnrichConfig {
        geoip: Vec::new(),
        geoip_max_age_days: 60,
        feeds,
        strict: false,
    };
    let enricher = Enricher::open(&config, jiff::Timestamp::now()).unwrap();
    let snap = snapshot();
    println!(
        "rules: {} rules, {} allow entries, loaded in {load_ms:.1} ms",
        set.rules.len(),
        1000
    );
    for round in 0..5 {
        let t = Instant::now();
        let enrichment = enricher.enrich(&snap);
        let enrich_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let eval = sockaudit::rules::engine::evaluate(
            &set,
            &snap,
            &enrichment,
            jiff::civil::date(2026, 11, 24),
        );
        let eval_ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "round {round}: enrich {} distinct peers {enrich_ms:.1} ms | evaluate 100,000 sockets x {} rules {eval_ms:.1} ms ({} findings)",
            enrichment.by_ip.len(),
            eval.rules_run,
            eval.findings.len()
        );
    }
    let path = dir.path().join("snap.json");
    for round in 0..3 {
        let t = Instant::now();
        let json = sockaudit::collect::file::to_json(&snap).unwrap();
        let encode_ms = t.elapsed().as_secs_f64() * 1e3;
        std::fs::write(&path, &json).unwrap();
        let t = Instant::now();
        let back = sockaudit::collect::file::load(Path::new(&path)).unwrap();
        let decode_ms = t.elapsed().as_secs_f64() * 1e3;
        assert_eq!(back.sockets.len(), snap.sockets.len());
        println!(
            "round {round}: snapshot JSON ({:.1} MB) encode {encode_ms:.1} ms, decode {decode_ms:.1} ms",
            json.len() as f64 / 1e6
        );
    }
}
