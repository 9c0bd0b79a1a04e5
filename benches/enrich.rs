//! Enrichment cost: 100,000 sockets to 5,000 distinct public peers through real GeoIP
//! databases (built here with mmdb-writer), and loading a 100,000-line feed.
//!
//! Run: `cargo bench --bench enrich`. Prints timings; asserts nothing about them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use mmdb_writer::Writer;
use sockaudit::enrich::{EnrichConfig, Enricher};
use sockaudit::model::{
    Coverage, Family, Host, Protocol, SCHEMA_VERSION, Snapshot, Socket, TcpState,
};

fn peer(i: u32) -> Ipv4Addr {
    // 5,000 peers spread over 20 /16s of public space (11.x.y.z ... 30.x.y.z).
    Ipv4Addr::from((11 + i % 20) << 24 | (i * 2654435761 % 0xffffff))
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    #[derive(serde::Serialize)]
    struct Asn<'a> {
        autonomous_system_number: u32,
        autonomous_system_organization: &'a str,
    }
    let mut country = Writer::builder("GeoLite2-Country")
        .description(&[("en", "bench")])
        .build();
    let mut asn = Writer::builder("GeoLite2-ASN")
        .description(&[("en", "bench")])
        .build();
    let codes = ["US", "DE", "NL", "FR", "JP", "BR", "KP", "CN", "RU", "GB"];
    // 20 x 256 /24 networks with data, like a real database's density around these peers.
    for a in 11u32..31 {
        for b in 0u32..256 {
            let net: mmdb_writer::ipnet::IpNet = format!("{a}.{b}.0.0/16").parse().unwrap();
            let code = codes[((a + b) % 10) as usize];
            country
                .insert(net, &serde_json::json!({ "country": { "iso_code": code } }))
                .unwrap();
            asn.insert(
                net,
                &Asn {
                    autonomous_system_number: 64_512 + a * 256 + b,
                    autonomous_system_organization: "Bench Org",
                },
            )
            .unwrap();
        }
    }
    let country_path = dir.path().join("country.mmdb");
    let asn_path = dir.path().join("asn.mmdb");
    std::fs::write(&country_path, country.to_bytes().unwrap()).unwrap();
    std::fs::write(&asn_path, asn.to_bytes().unwrap()).unwrap();

    // A 100,000-line feed (FireHOL-like: CIDRs and single addresses, some comments).
    let feed_path = dir.path().join("feed.netset");
    let mut feed = String::from("# bench feed\n");
    for i in 0..100_000u32 {
        let ip = Ipv4Addr::from(0x2000_0000 + i * 4093);
        if i % 3 == 0 {
            feed.push_str(&format!("{ip}/30\n"));
        } else {
            feed.push_str(&format!("{ip}\n"));
        }
    }
    std::fs::write(&feed_path, feed).unwrap();

    let sockets: Vec<Socket> = (0..100_000u32)
        .map(|i| Socket {
            proto: Protocol::Tcp,
            family: Family::Ipv4,
            local_addr: IpAddr::from([10, 0, 0, 1]),
            local_port: 443,
            remote_addr: Some(IpAddr::V4(peer(i % 5_000))),
            remote_port: Some(40_000 + (i % 20_000) as u16),
            state: Some(TcpState::Established),
            uid: Some(0),
            inode: Some(u64::from(i) + 1),
            pids: vec![1],
            attribution: None,
            unattributed: None,
            capture: None,
            netns: None,
            listen: None,
            traffic: None,
            initiated: None,
        })
        .collect();
    let snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        host: Host::default(),
        collected_at: jiff::Timestamp::now(),
        time_source: sockaudit::model::TimeSource::Clock,
        source: "bench".into(),
        sockets,
        processes: BTreeMap::new(),
        coverage: Coverage::default(),
        routes: None,
        namespaces: Vec::new(),
        deep: None,
        counters: Vec::new(),
        raw_sockets: Vec::new(),
    };

    let mut feeds = BTreeMap::new();
    feeds.insert("bench".to_string(), (feed_path.clone(), 7));
    let config = EnrichConfig {
        geoip: vec![country_path, asn_path],
        geoip_max_age_days: 60,
        feeds,
        strict: false,
    };

    for round in 0..5 {
        let t = Instant::now();
        let enricher = Enricher::open(&config, jiff::Timestamp::now()).unwrap();
        let open_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let enrichment = enricher.enrich(&snapshot);
        let enrich_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let feed = sockaudit::enrich::feeds::load("bench", &feed_path).unwrap();
        let feed_ms = t.elapsed().as_secs_f64() * 1e3;
        let with_country = enrichment
            .by_ip
            .values()
            .filter(|r| r.country.is_some())
            .count();
        println!(
            "round {round}: open (2 databases + 100k-line feed) {open_ms:.1} ms | enrich 100,000 sockets / {} distinct peers ({} with a country) {enrich_ms:.1} ms | feed load alone {feed_ms:.1} ms ({} entries)",
            enrichment.by_ip.len(),
            with_country,
            feed.entries
        );
    }
}
