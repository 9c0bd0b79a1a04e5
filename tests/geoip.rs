//! GeoIP and feeds through the real maxminddb reader on databases built by the test, and the
//! documented behaviour for missing, corrupt, truncated, empty, wrong-type and stale data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;
use std::path::Path;

use common::geo::{write_databases, write_wrong_type};
use common::sockaudit;
use serde_json::Value;
use sockaudit::enrich::{EnrichConfig, Enricher};

const REMOTE: &str = "fixtures/snapshots/remote-fire.json";
const CLEAN: &str = "fixtures/snapshots/clean-debian.json";

fn enricher(paths: Vec<std::path::PathBuf>) -> Enricher {
    let config = EnrichConfig {
        geoip: paths,
        geoip_max_age_days: 60,
        ..EnrichConfig::default()
    };
    Enricher::open(&config, jiff::Timestamp::now()).unwrap()
}

#[test]
fn lookups_go_through_the_real_reader() {
    let dir = tempfile::tempdir().unwrap();
    let (country, asn) = write_databases(dir.path(), 1);
    let e = enricher(vec![country, asn]);
    let caps = e.capabilities();
    assert!(caps.country && caps.asn);
    let mut errors = 0;
    let look = |ip: &str, errors: &mut usize| e.lookup(ip.parse::<IpAddr>().unwrap(), errors);
    let a = look("203.0.113.7", &mut errors);
    assert_eq!(
        (a.country.as_deref(), a.asn, a.org.as_deref()),
        (Some("KP"), Some(64512), Some("Example Org"))
    );
    // registered_country is the fallback when country is absent.
    assert_eq!(
        look("198.51.100.9", &mut errors).country.as_deref(),
        Some("DE")
    );
    // IPv4-mapped IPv6 is looked up as IPv4; native IPv6 works.
    assert_eq!(
        look("::ffff:203.0.113.7", &mut errors).country.as_deref(),
        Some("KP")
    );
    assert_eq!(
        look("::ffff:203.0.113.7", &mut errors).ip.to_string(),
        "203.0.113.7"
    );
    let v6 = look("2a01:4f8:0:1::7", &mut errors);
    assert_eq!((v6.country.as_deref(), v6.asn), (Some("DE"), Some(24940)));
    // Not in the database, and private: nothing.
    assert_eq!(look("1.1.1.1", &mut errors).country, None);
    assert_eq!(look("10.0.0.1", &mut errors).asn, None);
    assert_eq!(errors, 0);
    assert_eq!(e.databases.len(), 2);
    assert!(
        e.databases.iter().all(|d| d.mapped),
        "trusted files are mapped"
    );
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
}

#[test]
fn each_distinct_peer_is_looked_up_once() {
    let dir = tempfile::tempdir().unwrap();
    let (country, asn) = write_databases(dir.path(), 1);
    let e = enricher(vec![country, asn]);
    let snap = sockaudit::collect::file::load(Path::new(REMOTE)).unwrap();
    let enrichment = e.enrich(&snap);
    let distinct: std::collections::BTreeSet<IpAddr> =
        snap.sockets.iter().filter_map(|s| s.remote_addr).collect();
    assert_eq!(enrichment.by_ip.len(), distinct.len());
    assert_eq!(
        enrichment.get("8.8.4.4".parse().unwrap()).org.as_deref(),
        Some("GOOGLE")
    );
}

fn write_rules(dir: &Path, text: &str) -> String {
    let path = dir.join("geo-rules.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn country_and_asn_rules_fire_with_the_peer_in_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (country, asn) = write_databases(dir.path(), 1);
    let rules = write_rules(
        dir.path(),
        "[[remote]]\nid = \"us-peer\"\nseverity = \"medium\"\ndeny-countries = [\"us\"]\n\n\
         [[remote]]\nid = \"not-us-or-nl\"\nseverity = \"low\"\nremote = \"public\"\nallow-countries = [\"US\", \"NL\"]\n\n\
         [[remote]]\nid = \"pool-asn\"\nseverity = \"high\"\ndirection = \"outbound\"\ndeny-asn = [\"AS64514\"]\n",
    );
    let out = sockaudit()
        .args([
            "scan",
            "--no-default-rules",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--input",
            REMOTE,
            "--rules",
            &rules,
            "--geoip",
        ])
        .arg(&country)
        .arg("--geoip")
        .arg(&asn)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_rule = |rule: &str| -> Vec<Value> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .cloned()
            .collect()
    };
    let us = by_rule("us-peer");
    assert_eq!(
        us.len(),
        1,
        "two sockets to 8.8.4.4 from one program are one finding"
    );
    assert_eq!(us[0]["remote"]["country"], "US");
    assert_eq!(us[0]["remote"]["asn"], 15169);
    assert_eq!(us[0]["remote"]["org"], "GOOGLE");
    assert_eq!(us[0]["remote"]["scope"], "public");
    assert!(
        us[0]["message"]
            .as_str()
            .unwrap()
            .contains("8.8.4.4:4444 [US, AS15169 GOOGLE]"),
        "{}",
        us[0]["message"]
    );
    let not_allowed: Vec<String> = by_rule("not-us-or-nl")
        .iter()
        .map(|f| f["remote"]["ip"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        not_allowed,
        ["2a01:4f8:0:1::7"],
        "DE is not allowed; private and unknown peers are not judged"
    );
    let pool = by_rule("pool-asn");
    assert_eq!(pool.len(), 1);
    assert_eq!(pool[0]["process"]["name"], "xmrig");
    assert!(
        pool[0]["message"]
            .as_str()
            .unwrap()
            .contains("AS64514 is denied")
    );
    assert!(doc["inactive"].as_array().unwrap().is_empty());
}

#[test]
fn rules_needing_missing_data_are_inactive_not_silently_passing() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_rules(
        dir.path(),
        "[[remote]]\nid = \"kp-peer\"\nseverity = \"high\"\ndeny-countries = [\"KP\"]\n",
    );
    let empty_geoip_dir = tempfile::tempdir().unwrap();
    let run = |strict: bool| {
        let mut cmd = sockaudit();
        cmd.env("SOCKAUDIT_GEOIP_DIRS", empty_geoip_dir.path())
            .args([
                "scan",
                "--format",
                "json",
                "--input",
                REMOTE,
                "--rules",
                &rules,
                "--fail-on",
                "never",
            ]);
        if strict {
            cmd.arg("--strict");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    assert_eq!(
        out.status.code(),
        Some(0),
        "exit status unaffected without --strict"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let inactive = doc["inactive"].as_array().unwrap();
    let kp = inactive.iter().find(|i| i["rule"] == "kp-peer").unwrap();
    assert!(
        kp["reason"]
            .as_str()
            .unwrap()
            .contains("needs a GeoIP country database")
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: rule kp-peer is inactive: needs a GeoIP country database"),
        "{stderr}"
    );
    let strict = run(true);
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&strict.stderr).contains("--strict"),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
}

#[test]
fn bad_databases_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (country, _) = write_databases(dir.path(), 1);
    let bytes = std::fs::read(&country).unwrap();
    let truncated = dir.path().join("truncated.mmdb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let corrupt = dir.path().join("corrupt.mmdb");
    std::fs::write(&corrupt, b"this is not a maxmind database\n".repeat(64)).unwrap();
    let empty = dir.path().join("empty.mmdb");
    std::fs::write(&empty, b"").unwrap();
    let wrong = write_wrong_type(dir.path());
    let missing = dir.path().join("missing.mmdb");
    let cases = [
        (&truncated, "not a valid MaxMind DB"),
        (&corrupt, "not a valid MaxMind DB"),
        (&empty, "empty file, not a MaxMind DB"),
        (&wrong, "unsupported database type `GeoIP2-Anonymous-IP`"),
        (&missing, "cannot open: No such file or directory"),
    ];
    for (path, expected) in cases {
        let out = sockaudit()
            .args(["scan", "--input", CLEAN, "--geoip"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let want = format!("error: {}: GeoIP database: {expected}", path.display());
        assert!(stderr.starts_with(&want), "{stderr}\nwanted: {want}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn stale_database_is_a_warning_with_its_type_and_age() {
    let dir = tempfile::tempdir().unwrap();
    let (country, _) = write_databases(dir.path(), 90);
    let out = sockaudit()
        .args(["scan", "--format", "json", "--input", CLEAN, "--geoip"])
        .arg(&country)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("(GeoLite2-Country) was built 90 days ago (more than 60)")),
        "{warnings:?}"
    );
    // -v names each database, its type and build date.
    let out = sockaudit()
        .args(["-v", "scan", "--input", CLEAN, "--geoip"])
        .arg(&country)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("GeoLite2-Country (Country), built "),
        "{stderr}"
    );
}

#[test]
fn feeds_activate_the_blocklist_rule_and_report_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("firehol_level1.netset");
    std::fs::write(
        &feed,
        "# FireHOL level1 excerpt\n45.9.148.0/24\n8.8.4.4 ; not really\nbogus-entry\n",
    )
    .unwrap();
    let rules = write_rules(
        dir.path(),
        "[feeds]\nblocklist = \"firehol_level1.netset\"\n",
    );
    let out = sockaudit()
        .args([
            "scan",
            "--format",
            "json",
            "--input",
            REMOTE,
            "--fail-on",
            "high",
            "--rules",
            &rules,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "blocklisted outbound peer is high"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "blocklisted-peer-outbound")
        .collect();
    let peers: Vec<&str> = hits
        .iter()
        .map(|f| f["remote"]["ip"].as_str().unwrap())
        .collect();
    assert_eq!(peers, ["8.8.4.4", "45.9.148.3"]);
    assert_eq!(hits[0]["remote"]["feeds"], serde_json::json!(["blocklist"]));
    // Both blocklist rules now have their feed (others may still wait for other data: the
    // fixture has no queue sizes and no counter samples, and --deep did not run).
    assert!(
        !doc["inactive"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["rule"].as_str().unwrap().starts_with("blocklisted-")),
        "{}",
        doc["inactive"]
    );
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains(
            "firehol_level1.netset:4: skipped: `bogus-entry` is not an IP address or CIDR"
        ),
        "{warnings}"
    );
    // --strict: a bad line is an error.
    let strict = sockaudit()
        .args(["scan", "--strict", "--input", REMOTE, "--rules", &rules])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("1 bad line(s), first at line 4"));
    // A missing feed file is an error.
    let gone = write_rules(dir.path(), "[feeds]\nblocklist = \"nope.netset\"\n");
    let out = sockaudit()
        .args(["scan", "--input", REMOTE, "--rules", &gone])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.netset: feed: cannot open"));
}

#[test]
fn list_geo_adds_country_and_asn_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (country, asn) = write_databases(dir.path(), 1);
    let out = sockaudit()
        .args(["list", "--input", REMOTE, "--geo", "--geoip"])
        .arg(&country)
        .arg("--geoip")
        .arg(&asn)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("Foreign Address") && header.contains("Country") && header.contains("ASN"),
        "{header}"
    );
    let row = text
        .lines()
        .find(|l| l.contains("45.9.148.3:3333"))
        .unwrap();
    assert!(
        row.contains("NL") && row.contains("AS64514 Pool Hosting BV"),
        "{row}"
    );
    let out = sockaudit()
        .args([
            "list", "--format", "json", "--input", REMOTE, "--geo", "--geoip",
        ])
        .arg(&country)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = doc["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["remote_addr"] == "8.8.4.4")
        .unwrap();
    assert_eq!(s["remote_info"]["country"], "US");
    assert_eq!(
        s["remote_info"]["asn"],
        Value::Null,
        "no ASN database given"
    );
}
