//! Import parser throughput: each capture format's fixture repeated to about 8 MB (as
//! `netstat -on 5` repeats its listing) and parsed in memory.
//!
//! Run: `cargo bench --bench import`. Prints MB/s; asserts nothing about speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use sockaudit::collect::import::{Format, ImportOptions, parse_bytes};

const TARGET_BYTES: usize = 8 * 1024 * 1024;

fn main() {
    let cases = [
        (
            "fixtures/captures/win-en-netstat-ano.txt",
            Format::NetstatWindows,
        ),
        (
            "fixtures/captures/linux-netstat-tunap.txt",
            Format::NetstatLinux,
        ),
        ("fixtures/captures/linux-ss-tunap.txt", Format::Ss),
        ("fixtures/captures/linux-lsof-i-nP.txt", Format::Lsof),
        ("fixtures/captures/tcpview-v4.csv", Format::Tcpview),
    ];
    for (path, format) in cases {
        let seed = std::fs::read(path).unwrap();
        let mut bytes = Vec::with_capacity(TARGET_BYTES + seed.len());
        while bytes.len() < TARGET_BYTES {
            bytes.extend_from_slice(&seed);
            if !bytes.ends_with(b"\n") {
                bytes.push(b'\n');
            }
        }
        let options = ImportOptions {
            format: Some(format),
            all_blocks: true,
            ..ImportOptions::default()
        };
        let mut best = f64::MAX;
        let mut sockets = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let blocks = parse_bytes(path, &bytes, &options, jiff::Timestamp::now()).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
            sockets = blocks.iter().map(|b| b.sockets.len()).sum();
        }
        println!(
            "{:<16} {:>6.1} MB in {:>7.1} ms = {:>6.1} MB/s ({sockets} sockets)",
            format.name(),
            bytes.len() as f64 / 1e6,
            best * 1e3,
            bytes.len() as f64 / 1e6 / best
        );
    }
}
