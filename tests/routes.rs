//! Routing tables: every fixture in `fixtures/routes/` parsed and pinned as a golden snapshot,
//! the real captures checked row for row, detection and encodings, the `routes` command, and
//! route drift end to end from snapshot fixtures (`fixtures/routes/drift/`). The live test in
//! network namespaces is tests/netns_routes.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::output::{assert_no_panic, outcome};
use common::sockaudit;
use sockaudit::collect::import::routes::{RouteFormat, RouteImportError, import_file};
use sockaudit::model::routes::{Route, RouteTable};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/routes")
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn drift(name: &str) -> PathBuf {
    fixtures().join("drift").join(name)
}

/// One line per route: every field the parsers fill.
fn route_line(r: &Route) -> String {
    let mut line = format!("{} {}", r.family_name(), r.destination);
    if let Some(g) = r.gateway {
        write!(line, " via {g}").unwrap();
    }
    if let Some(i) = &r.interface {
        write!(line, " dev {i:?}").unwrap();
    }
    if let Some(m) = r.metric {
        write!(line, " metric {m}").unwrap();
    }
    write!(line, " table {} type {} flags {}", r.table, r.kind, r.flags).unwrap();
    if let Some(p) = &r.protocol {
        write!(line, " proto {p}").unwrap();
    }
    if let Some(s) = &r.scope {
        write!(line, " scope {s}").unwrap();
    }
    if let Some(s) = r.source {
        write!(line, " src {s}").unwrap();
    }
    if r.persistent {
        line.push_str(" persistent");
    }
    line
}

fn render(table: &RouteTable, format: RouteFormat, skipped: &[(usize, String)]) -> String {
    let mut out = format!("format {}\n", format.name());
    for r in &table.routes {
        writeln!(out, "{}", route_line(r)).unwrap();
    }
    if let Some(list) = &table.neighbours {
        for n in list {
            writeln!(
                out,
                "neigh {} mac {} dev {:?} {}{}",
                n.address,
                n.mac.as_deref().unwrap_or("-"),
                n.interface.as_deref().unwrap_or("-"),
                n.state,
                if n.router { " router" } else { "" }
            )
            .unwrap();
        }
    }
    for (line, text) in skipped {
        writeln!(out, "skipped line {line}: {text}").unwrap();
    }
    out
}

/// Every capture fixture (not the deliberately bad ones), detected and parsed, pinned.
#[test]
fn every_fixture_parses_to_its_golden_snapshot() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("bad-") && !n.ends_with(".md"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "fixtures missing: {names:?}");
    for name in names {
        let imported =
            import_file(&fixture(&name), None, true).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = render(&imported.table, imported.format, &imported.skipped);
        insta::assert_snapshot!(format!("fixture__{name}"), text);
    }
}

fn count(table: &RouteTable, v6: bool, persistent: bool) -> usize {
    table
        .routes
        .iter()
        .filter(|r| r.destination.addr().is_ipv6() == v6 && r.persistent == persistent)
        .count()
}

/// The row counts the captures' README gives, from the copies in fixtures/ and (when present,
/// as on the development machine) the originals.
#[test]
fn real_captures_have_every_row() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    for (name, v4, v4p, v6, v6p) in [
        ("win-en-route-print-win10.txt", 18, 4, 9, 1),
        ("win-en-route-print-xp.txt", 8, 1, 0, 0),
        ("win-de-route-print-cp1252.txt", 26, 0, 2, 0),
        ("linux-netstat-rne.txt", 3, 0, 0, 0),
    ] {
        let mut paths = vec![match name {
            "linux-netstat-rne.txt" => fixture("linux-netstat-rne-centos7.txt"),
            _ => fixture(name),
        }];
        if shared.join(name).exists() {
            paths.push(shared.join(name));
        }
        for path in paths {
            let imported = import_file(&path, None, true).unwrap();
            let t = &imported.table;
            assert_eq!(
                (
                    count(t, false, false),
                    count(t, false, true),
                    count(t, true, false),
                    count(t, true, true)
                ),
                (v4, v4p, v6, v6p),
                "{}",
                path.display()
            );
        }
    }
}

/// The same table in another encoding or with CRLF reads the same; the German umlauts in the
/// interface names come out right in both code pages.
#[test]
fn encodings_and_line_ends_do_not_change_the_table() {
    let read = |name: &str| import_file(&fixture(name), None, true).unwrap();
    let ansi = read("win-de-route-print-cp1252.txt");
    let oem = read("win-de-route-print-cp850-crlf.txt");
    assert_eq!(ansi.table, oem.table);
    assert_eq!(ansi.format, RouteFormat::RoutePrint);
    let utf8 = read("win-en-route-print-win10.txt");
    let utf16 = read("win-en-route-print-utf16le.txt");
    assert_eq!(utf8.table, utf16.table);
    let arp = read("win-de-arp-a-cp850.txt");
    assert_eq!(arp.format, RouteFormat::Arp);
    assert_eq!(arp.table.neighbours.as_ref().unwrap()[0].state, "dynamic");
}

/// What every format is detected as.
#[test]
fn formats_are_detected() {
    for (name, want) in [
        ("linux-ip-route-table-all.txt", RouteFormat::IpRoute),
        ("linux-ip-6-route.txt", RouteFormat::IpRoute),
        ("linux-ip-route-policy.txt", RouteFormat::IpRoute),
        ("linux-netstat-rn.txt", RouteFormat::NetstatLinux),
        ("linux-netstat-rne.txt", RouteFormat::NetstatLinux),
        ("linux-netstat-rn6.txt", RouteFormat::NetstatLinux),
        ("freebsd-netstat-rn.txt", RouteFormat::NetstatFreebsd),
        ("linux-ip-neigh.txt", RouteFormat::IpNeigh),
        ("linux-arp-an.txt", RouteFormat::Arp),
        ("win-en-arp-a.txt", RouteFormat::Arp),
        ("win-en-route-print-xp.txt", RouteFormat::RoutePrint),
    ] {
        assert_eq!(
            import_file(&fixture(name), None, false).unwrap().format,
            want,
            "{name}"
        );
    }
    match import_file(&fixture("bad-not-a-table.txt"), None, false) {
        Err(RouteImportError::Unrecognised { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn routes_command_reads_captures() {
    let out = sockaudit()
        .args(["routes", "--input"])
        .arg(fixture("win-en-route-print-win10.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text.replace(env!("CARGO_MANIFEST_DIR"), "<repo>");
    insta::assert_snapshot!("cli__routes_win10_text", text);

    // Routes from one file, neighbours from another, as JSON.
    let out = sockaudit()
        .args(["routes", "--format", "json", "--input"])
        .arg(fixture("linux-ip-route-table-all.txt"))
        .arg("--input")
        .arg(fixture("linux-ip-neigh.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 3);
    let routes = doc["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 14);
    assert_eq!(routes[0]["destination"], "0.0.0.0/0");
    assert_eq!(routes[0]["gateway"], "192.0.2.1");
    assert_eq!(routes[0]["type"], "unicast");
    assert_eq!(doc["neighbours"][0]["mac"], "02:fc:00:00:00:05");
    assert!(doc["source"].as_str().unwrap().contains("(ip-neigh)"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let run = |args: &[&str], path: &Path| {
        let out = sockaudit()
            .arg("routes")
            .args(args)
            .arg("--input")
            .arg(path)
            .output()
            .unwrap();
        let run = outcome(out);
        (run.code, run.stderr)
    };
    let (code, err) = run(&[], &fixture("bad-not-a-table.txt"));
    assert_eq!(code, Some(2));
    assert!(err.contains("bad-not-a-table.txt: not a routing or neighbour table capture"));

    // A row that does not read: a warning with its line, or with --strict an error.
    let odd = fixture("bad-netstat-rn-odd-mask.txt");
    let (code, err) = run(&[], &odd);
    assert_eq!(code, Some(0));
    assert!(err.contains("skipped, the first at line 6"), "{err}");
    let (code, err) = run(&["--strict"], &odd);
    assert_eq!(code, Some(2));
    assert!(err.contains("bad-netstat-rn-odd-mask.txt:6: cannot read this netstat-rn row"));

    let (code, err) = run(&[], &fixture("no-such-file.txt"));
    assert_eq!(code, Some(2));
    assert!(err.contains("no-such-file.txt: cannot read"), "{err}");

    // A snapshot without routes says so; one with routes shows them.
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots/clean-debian.json");
    let (code, err) = run(&[], &plain);
    assert_eq!(code, Some(2));
    assert!(err.contains("this snapshot has no routing table"), "{err}");
    let (code, _) = run(&["--neighbours"], &drift("host-clean.json"));
    assert_eq!(code, Some(0));
}

/// Snapshot JSON with routes loads and writes back byte for byte, like every other snapshot.
#[test]
fn snapshots_with_routes_round_trip() {
    for name in ["host-clean.json", "host-attacked.json"] {
        let out = sockaudit()
            .args(["snapshot", "--input"])
            .arg(drift(name))
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            std::fs::read_to_string(drift(name)).unwrap(),
            "{name}"
        );
    }
}

fn check(baseline: &Path, input: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = sockaudit()
        .args(["baseline", "check"])
        .arg(baseline)
        .arg("--input")
        .arg(input)
        .args(extra)
        .current_dir(fixtures().join("drift"))
        .output()
        .unwrap();
    let run = outcome(out);
    (run.code, run.stdout)
}

/// The baseline recorded from the clean host is quiet on it and reports every kind of route
/// drift on the attacked one: gateway changed, VPN-style half-default routes and a host route
/// to a public address, a default route out of a new interface, a missing static route, and
/// the gateway's MAC both changed and shared.
#[test]
fn route_drift_from_snapshots() {
    let (code, out) = check(
        Path::new("host.baseline.toml"),
        Path::new("host-clean.json"),
        &[],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("No drift"), "{out}");
    let (code, out) = check(
        Path::new("host.baseline.toml"),
        Path::new("host-attacked.json"),
        &[],
    );
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("drift__attacked_text", out);

    let out = sockaudit()
        .args([
            "scan",
            "--no-default-rules",
            "--format",
            "json",
            "--baseline",
            "host.baseline.toml",
            "--input",
            "host-attacked.json",
        ])
        .current_dir(fixtures().join("drift"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "default-route-changed is high");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let summary: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["fingerprint"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!("drift__attacked_json_findings", summary.join("\n"));
    let changed = &findings[0];
    assert_eq!(changed["rule"], "default-route-changed");
    assert_eq!(changed["evidence"]["routes"][0]["gateway"], "192.0.2.66");
    let spoof = findings
        .iter()
        .find(|f| f["rule"] == "gateway-mac-changed")
        .unwrap();
    assert_eq!(
        spoof["evidence"]["neighbours"][0]["mac"],
        "00:00:5e:00:53:66"
    );
}

/// Without a routing table (a socket capture, or a snapshot taken without routes) the route
/// checks say they did not run instead of passing.
#[test]
fn route_checks_without_routes_are_not_checked() {
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots/clean-debian.json");
    let (_, out) = check(Path::new("host.baseline.toml"), &plain, &[]);
    assert!(
        out.contains("not checked: default-route-changed needs the routing table"),
        "{out}"
    );
    assert!(!out.contains("[default-route-changed"), "{out}");
}

/// A baseline made before routes were recorded (no route entries, no `check-routes`) gets no
/// route rules: upgrading sockaudit must not turn every route into drift.
#[test]
fn old_baselines_have_no_route_rules() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.baseline.toml");
    std::fs::write(&old, "[baseline]\nhost = \"gw-test\"\n").unwrap();
    let (code, out) = check(&old, &drift("host-attacked.json"), &[]);
    assert_eq!(code, Some(0), "{out}");
    let listed = sockaudit()
        .args(["rules", "list", "--no-default-rules", "--baseline"])
        .arg(&old)
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("new-listener") && !listed.contains("default-route-changed"));
}

/// Mistakes in route and gateway entries are reported together, each at file:line:column.
#[test]
fn bad_route_entries_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.baseline.toml");
    std::fs::write(
        &path,
        "[baseline]\nhost = \"x\"\n\n[[baseline.route]]\ndestination = \"10.0.0.0/33\"\n\n[[baseline.route]]\ndestination = \"::/0\"\ngateway = \"192.0.2.1\"\n\n[[baseline.route]]\ndestination = \"0.0.0.0/0\"\ngateway = \"nope\"\ntype = \"sideways\"\ninterfce = \"eth0\"\n\n[[baseline.gateway]]\naddress = \"192.0.2.1\"\nmac = \"zz:00\"\n",
    )
    .unwrap();
    let out = sockaudit()
        .args(["baseline", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    for want in [
        "bad.baseline.toml:5:15",
        "`10.0.0.0/33` is not an address or ADDRESS/LENGTH prefix",
        "bad.baseline.toml:9:11",
        "IPv4 gateway 192.0.2.1 for the IPv6 destination ::/0",
        "`nope` is not an IP address",
        "unknown route type `sideways`",
        "did you mean `interface`?",
        "`zz:00` is not a MAC address",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert_no_panic("import of a routes capture", &err);
}

/// `baseline update` takes the attacked table as the new normal (after review), keeping the
/// reviewer's comments; the check is then quiet.
#[test]
fn update_records_route_changes_and_keeps_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.baseline.toml");
    let text = std::fs::read_to_string(drift("host.baseline.toml")).unwrap();
    // On the IPv6 default route, which stays (the IPv4 one is replaced, and goes with its
    // comments).
    let annotated = text.replacen(
        "[[baseline.route]]\ndestination = \"::/0\"",
        "# the IPv6 uplink, reviewed by alice\n[[baseline.route]]\ndestination = \"::/0\"",
        1,
    );
    assert_ne!(annotated, text);
    std::fs::write(&path, annotated).unwrap();
    let out = sockaudit()
        .args(["baseline", "update"])
        .arg(&path)
        .arg("--input")
        .arg(drift("host-attacked.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let updated = std::fs::read_to_string(&path).unwrap();
    assert!(
        updated.contains("# the IPv6 uplink, reviewed by alice"),
        "{updated}"
    );
    assert!(updated.contains("gateway = \"192.0.2.66\""), "{updated}");
    assert!(updated.contains("mac = \"00:00:5e:00:53:66\""), "{updated}");
    assert!(
        updated.contains("shared-with = [\"192.0.2.1\"]"),
        "{updated}"
    );
    assert!(!updated.contains("10.0.0.0/8"), "{updated}");
    let (code, out) = check(&path, &drift("host-attacked.json"), &[]);
    assert_eq!(code, Some(0), "{out}");
}

/// The live table of this machine (Linux): every route has a table and a type, sorted.
#[cfg(target_os = "linux")]
#[test]
fn live_routes_read() {
    let out = sockaudit()
        .args(["routes", "--neighbours", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["source"], "live");
    assert!(doc["neighbours"].is_array());
    for r in doc["routes"].as_array().unwrap() {
        assert!(r["table"].is_string() && r["type"].is_string(), "{r}");
    }
    // The kernel always has a local table with loopback in it.
    assert!(
        doc["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["table"] == "local" && r["interface"] == "lo")
    );
}

/// Truncated, shuffled and binary input never panics, whatever parser it is handed to.
#[test]
fn garbage_never_panics() {
    use sockaudit::collect::import::routes::{decode, detect, parse};
    let formats = [
        RouteFormat::RoutePrint,
        RouteFormat::NetstatLinux,
        RouteFormat::NetstatFreebsd,
        RouteFormat::IpRoute,
        RouteFormat::IpNeigh,
        RouteFormat::Arp,
    ];
    let mut texts: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let text = decode(&std::fs::read(&path).unwrap(), None);
        let chars: Vec<char> = text.chars().collect();
        for cut in (0..chars.len()).step_by(37) {
            texts.push(chars[..cut].iter().collect());
        }
        // Every line's words rotated: rows with columns in the wrong places.
        texts.push(
            text.lines()
                .map(|l| {
                    let mut w: Vec<&str> = l.split_whitespace().collect();
                    if !w.is_empty() {
                        w.rotate_left(1);
                    }
                    w.join(" ")
                })
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    // Pseudo-random bytes (a fixed LCG: the same cases every run).
    let mut seed: u64 = 0x5eed;
    for _ in 0..50 {
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                (seed >> 56) as u8
            })
            .collect();
        texts.push(decode(&bytes, None));
    }
    texts.push("nexthop via fe80::1\n\tnexthop\nlocal\nunreachable\n0.0.0.0 - 0.0.0.0 !\n".into());
    texts.push(" 12    271 fe80::/64\n===\nIPv6\nActive:\n 1 2 ::/0\n".into());
    for text in &texts {
        let _ = detect(text);
        for format in formats {
            let _ = parse(format, text);
        }
    }
}
