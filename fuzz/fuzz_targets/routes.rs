//! Every routing/neighbour capture parser (`sockaudit routes --input`) on the same bytes:
//! `route print`, `netstat -rn`, `ip route`, `ip neigh` and `arp` directly (each parser sees every
//! input, not only what detection hands it), then the whole import path with detection and
//! snapshot JSON, lenient and `--strict`. Never a panic, and `--strict` refuses exactly the
//! captures that lenient reading skipped rows of.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sockaudit::collect::import::routes::{RouteFormat, decode, import_bytes, parse};

const FORMATS: [RouteFormat; 6] = [
    RouteFormat::RoutePrint,
    RouteFormat::NetstatLinux,
    RouteFormat::NetstatFreebsd,
    RouteFormat::IpRoute,
    RouteFormat::IpNeigh,
    RouteFormat::Arp,
];

fuzz_target!(|data: &[u8]| {
    let text = decode(data, None);
    for format in FORMATS {
        let parsed = parse(format, &text);
        for (line, _) in &parsed.skipped {
            assert!(*line >= 1, "line numbers are 1-based");
        }
    }
    let path = Path::new("fuzz.txt");
    let lenient = import_bytes(path, data, None, false);
    let strict = import_bytes(path, data, None, true);
    match (&lenient, &strict) {
        (Ok(l), Ok(s)) => {
            assert!(l.skipped.is_empty() && s.skipped.is_empty());
            assert_eq!(l, s);
        }
        (Ok(l), Err(_)) => assert!(!l.skipped.is_empty(), "--strict refused a clean capture"),
        (Err(_), Ok(_)) => panic!("--strict accepted what lenient reading refused"),
        (Err(_), Err(_)) => {}
    }
});
