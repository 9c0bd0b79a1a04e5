//! The snapshot loader on arbitrary text: never a panic, and whatever loads survives being
//! written and read back unchanged (what `sockaudit snapshot` writes, `--input` reads).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sockaudit::collect::file::parse;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz.json");
    if let Ok(snapshot) = parse(path, &text) {
        let written = serde_json::to_string_pretty(&snapshot).expect("a snapshot serialises");
        let again = parse(path, &written).expect("a written snapshot loads");
        assert_eq!(snapshot, again, "the snapshot changed on a round trip");
    }
});
