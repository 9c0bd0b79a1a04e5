//! Inputs the fuzz targets (fuzz/, `scripts/fuzz`, docs/fuzzing.md) found breaking a target,
//! minimised and kept in `fixtures/fuzz-regressions/TARGET/NAME`. Each goes through the same
//! public entry point as its target and must now give the right answer, not only no panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use sockaudit::report::junit::xml;
use sockaudit::report::list::csv_text;
use sockaudit::report::notify::escape_markup;
use sockaudit::text::escape::for_terminal;

fn input(target: &str, name: &str) -> Vec<u8> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "fixtures",
        "fuzz-regressions",
        target,
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// escape: U+206E NATIONAL DIGIT SHAPES, an invisible format character, went through
/// `for_terminal` raw (and so into the text report, `list`, CSV and notifications): the old
/// list named some format characters instead of all of them.
#[test]
fn escape_format_char_u206e_is_shown_escaped() {
    let bytes = input("escape", "format-char-u206e");
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(text, "\u{206e}");
    assert_eq!(for_terminal(text), "\\u206e");
    assert_eq!(csv_text(text), "\\u206e");
    assert_eq!(escape_markup(text), "\\u206e");
    // XML can carry it; JUnit keeps it as it is.
    assert_eq!(xml(text), "\u{206e}");
}

/// escape: `xml` left CR raw, so a JUnit reader got LF (XML end-of-line handling; roxmltree,
/// which the target parses with, even kept the CR before an entity), and tab and newline in
/// attributes became spaces. All three are character references now and read back exactly.
#[test]
fn escape_xml_carriage_return_reads_back() {
    let bytes = input("escape", "xml-cr-before-quote");
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(text, "\r\"");
    assert_eq!(xml(text), "&#13;&quot;");
    assert_eq!(xml("a\tb\nc"), "a&#9;b&#10;c");
}
