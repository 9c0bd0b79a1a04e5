//! Every routing/neighbour capture parser (`sockaudit routes --input`): the first byte picks
//! `route print`, `netstat -rn`, `ip route`, `ip neigh` or `arp` directly (each parser sees every
//! input, not only what detection hands it), or the whole import path with detection and
//! snapshot JSON, lenient or `--strict`. Never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sockaudit::routes::import::{RouteFormat, decode, import_bytes, parse};

const FORMATS: [RouteFormat; 5] = [
    RouteFormat::RoutePrint,
    RouteFormat::NetstatLinux,
    RouteFormat::IpRoute,
    RouteFormat::IpNeigh,
    RouteFormat::Arp,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match FORMATS.get(usize::from(selector % 8)) {
        Some(&format) => {
            let text = decode(bytes, None);
            let parsed = parse(format, &text);
            for (line, _) in &parsed.skipped {
                assert!(*line >= 1, "line numbers are 1-based");
            }
        }
        None => {
            let strict = selector % 8 == 7;
            if let Ok(imported) = import_bytes(Path::new("fuzz.txt"), bytes, None, strict) {
                assert!(!strict || imported.skipped.is_empty(), "--strict skipped a row");
            }
        }
    }
});
