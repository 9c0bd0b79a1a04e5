//! Sigma engine at scale: 1,000 generated `network_connection` rules (endswith, cidr, port
//! lists, contains, regex) over a synthetic 100,000-socket snapshot.
//!
//! Run: `cargo bench --bench sigma`. Prints timings; asserts nothing about them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use sockaudit::model::{Process, SCHEMA_VERSION, Snapshot, Socket};
use sockaudit::rules::{RuleSources, load};

fn snapshot() -> Snapshot {
    let mut processes = BTreeMap::new();
    for pid in 1000..1300u32 {
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
            let mut s: Socket = serde_json::from_value(serde_json::json!({
                "proto": "tcp", "family": "ipv4", "local_addr": "10.0.0.1", "local_port": 40000,
                "remote_addr": null, "remote_port": null, "state": "ESTABLISHED", "uid": 0,
                "inode": 1, "pids": [1000 + i % 300], "attribution": "fd", "unattributed": null
            }))
            .unwrap();
            s.local_port = 32768 + (i % 28000) as u16;
            s.remote_addr = Some(IpAddr::V4(Ipv4Addr::from(
                0x0b00_0000 + i * 7919 % 0x00ff_ffff,
            )));
            s.remote_port = Some([443, 80, 22, 8080, 5432][(i % 5) as usize]);
            s
        })
        .collect();
    let mut snap: Snapshot = serde_json::from_value(serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "host": { "os": "Linux (bench)", "ephemeral_ports": [32768, 60999] },
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

/// Rule `i`: one of five shapes, so the mix resembles SigmaHQ's (mostly endswith + port).
fn rule(i: usize) -> String {
    let detection = match i % 5 {
        0 => format!(
            "    selection:\n        Image|endswith: '/svc{}'\n        DestinationPort: {}\n",
            i % 60,
            1000 + i
        ),
        1 => format!(
            "    selection:\n        DestinationIp|cidr: '{}.0.0.0/16'\n        Initiated: 'true'\n",
            11 + i % 5
        ),
        2 => format!(
            "    selection:\n        DestinationPort:\n            - {}\n            - {}\n    filter:\n        Image|startswith: '/usr/'\n",
            2000 + i,
            3000 + i
        ),
        3 => format!(
            "    selection:\n        CommandLine|contains|all:\n            - '--serve'\n            - 'svc{}x'\n",
            i
        ),
        _ => format!(
            "    selection:\n        Image|re: '/svc{}$'\n        DestinationPort|gt: 60000\n",
            i % 60
        ),
    };
    let condition = if i % 5 == 2 {
        "selection and not filter"
    } else {
        "selection"
    };
    format!(
        "title: bench {i}\nid: bench-{i:04}\nlogsource:\n    category: network_connection\n    product: linux\ndetection:\n{detection}    condition: {condition}\nlevel: low\n"
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..1000 {
        std::fs::write(dir.path().join(format!("r{i:04}.yml")), rule(i)).unwrap();
    }
    let t = Instant::now();
    let set =
        load(&RuleSources::only(Vec::new(), false).with_sigma(vec![dir.path().to_path_buf()]))
            .unwrap_or_else(|e| panic!("{}", e.rendered));
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let snap = snapshot();
    let enrichment = sockaudit::enrich::Enrichment::default();
    let today = jiff::civil::date(2026, 11, 24);
    let mut best = f64::MAX;
    let mut findings = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let eval = sockaudit::rules::engine::evaluate(&set, &snap, &enrichment, today);
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        findings = eval.findings.len();
        assert_eq!(eval.rules_run, 1000, "every generated rule runs");
    }
    println!("sigma: load 1,000 rules: {load_ms:.1} ms");
    println!(
        "sigma: evaluate 1,000 rules x {} sockets: {best:.1} ms (best of 3), {findings} findings",
        snap.sockets.len()
    );
}
