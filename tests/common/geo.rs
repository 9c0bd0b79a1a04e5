//! Test GeoIP databases, built at test time with mmdb-writer and read back through the real
//! maxminddb reader by sockaudit. No downloaded GeoIP data is used or shipped.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use mmdb_writer::Writer;
use serde_json::json;

/// network, country iso code, registered-country code, ASN, org
type Entry = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    u32,
    &'static str,
);

/// What the test databases say.
pub const NETWORKS: &[Entry] = &[
    ("203.0.113.0/24", Some("KP"), None, 64512, "Example Org"),
    (
        "198.51.100.0/24",
        None,
        Some("DE"),
        64513,
        "Registered Only GmbH",
    ),
    ("8.8.4.0/24", Some("US"), Some("US"), 15169, "GOOGLE"),
    (
        "45.9.148.0/24",
        Some("NL"),
        Some("NL"),
        64514,
        "Pool Hosting BV",
    ),
    (
        "2a01:4f8::/32",
        Some("DE"),
        Some("DE"),
        24940,
        "Hetzner Online GmbH",
    ),
    ("2001:db8::/32", Some("KP"), None, 64512, "Example Org"),
];

fn writer(kind: &str, age_days: u64) -> Writer {
    Writer::builder(kind)
        .description(&[("en", "sockaudit test database")])
        .build_epoch(SystemTime::now() - Duration::from_secs(age_days * 86_400))
        .build()
}

/// Writes a Country and an ASN database into `dir`; returns their paths.
pub fn write_databases(dir: &Path, age_days: u64) -> (PathBuf, PathBuf) {
    let mut country = writer("GeoLite2-Country", age_days);
    let mut asn = writer("GeoLite2-ASN", age_days);
    for (net, iso, registered, number, org) in NETWORKS {
        let net: mmdb_writer::ipnet::IpNet = net.parse().expect("network");
        let mut record = serde_json::Map::new();
        if let Some(iso) = iso {
            record.insert(
                "country".into(),
                json!({ "iso_code": iso, "names": { "en": iso } }),
            );
        }
        if let Some(reg) = registered {
            record.insert("registered_country".into(), json!({ "iso_code": reg }));
        }
        country
            .insert(net, &serde_json::Value::Object(record))
            .expect("insert country");
        // A typed record: maxminddb decodes integers strictly (the ASN must be a uint32).
        #[derive(serde::Serialize)]
        struct AsnRecord<'a> {
            autonomous_system_number: u32,
            autonomous_system_organization: &'a str,
        }
        let record = AsnRecord {
            autonomous_system_number: *number,
            autonomous_system_organization: org,
        };
        asn.insert(net, &record).expect("insert asn");
    }
    let country_path = dir.join("test-country.mmdb");
    let asn_path = dir.join("test-asn.mmdb");
    std::fs::write(&country_path, country.to_bytes().expect("country bytes")).expect("write");
    std::fs::write(&asn_path, asn.to_bytes().expect("asn bytes")).expect("write");
    (country_path, asn_path)
}

/// A valid database of a type sockaudit does not use.
pub fn write_wrong_type(dir: &Path) -> PathBuf {
    let mut w = writer("GeoIP2-Anonymous-IP", 1);
    w.insert(
        "192.0.2.0/24"
            .parse::<mmdb_writer::ipnet::IpNet>()
            .expect("net"),
        &json!({ "is_anonymous": true }),
    )
    .expect("insert");
    let path = dir.join("anonymous.mmdb");
    std::fs::write(&path, w.to_bytes().expect("bytes")).expect("write");
    path
}
