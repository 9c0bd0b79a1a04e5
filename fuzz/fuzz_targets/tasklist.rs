//! The `tasklist /fo csv` companion parser on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockaudit::collect::import::{ImportOptions, tasklist};

fuzz_target!(|data: &[u8]| {
    let _ = tasklist::parse("fuzz.csv", data, &ImportOptions::default());
});
