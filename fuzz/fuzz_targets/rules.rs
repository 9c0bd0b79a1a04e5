//! The rule-file loader on arbitrary text: one or more files (split at NUL bytes, which TOML
//! never contains) loaded in order, as `--rules a.toml --rules b.toml` would. Never a panic,
//! and a refusal always says what is wrong.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        // The file loader refuses non-UTF-8 before parsing; nothing more to reach.
        return;
    };
    let files: Vec<(String, String)> = text
        .split('\0')
        .take(4)
        .enumerate()
        .map(|(i, t)| (format!("fuzz/{i}.toml"), t.to_string()))
        .collect();
    if let Err(err) = sockaudit::rules::load_texts(files) {
        assert!(err.count > 0, "a refusal without a problem");
        assert!(
            !err.rendered.trim().is_empty(),
            "a refusal that says nothing"
        );
    }
});
