//! Format and encoding detection, then whichever parser it picks (JSON snapshots included).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockaudit::collect::import::{ImportOptions, parse_bytes};

fuzz_target!(|data: &[u8]| {
    let _ = parse_bytes(
        "fuzz.txt",
        data,
        &ImportOptions::default(),
        jiff::Timestamp::UNIX_EPOCH,
    );
});
