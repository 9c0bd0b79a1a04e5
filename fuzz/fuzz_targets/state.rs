//! The state loader (`--state FILE`) on arbitrary bytes: never a panic, and a state that loads
//! survives being saved and loaded again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockaudit::files::state::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(state) = parse(data) {
        // As StateFile::save writes it.
        let written = serde_json::to_string_pretty(&state).expect("a state serialises");
        let again = parse(written.as_bytes()).expect("a written state loads");
        assert_eq!(state, again, "the state changed on a round trip");
        // A run with no findings resolves everything that was recorded.
        let (delta, next) = state.advance(&[], jiff::Timestamp::UNIX_EPOCH, None);
        assert_eq!(delta.resolved.len(), state.findings.len());
        assert!(next.findings.is_empty());
    }
});
