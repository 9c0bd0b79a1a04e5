//! The FreeBSD netstat parser on arbitrary bytes: any encoding detection, any line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockaudit::collect::import::{Format, ImportOptions, parse_bytes};

fuzz_target!(|data: &[u8]| {
    let options = ImportOptions {
        format: Some(Format::NetstatFreebsd),
        ..ImportOptions::default()
    };
    let _ = parse_bytes("fuzz.txt", data, &options, jiff::Timestamp::UNIX_EPOCH);
});
