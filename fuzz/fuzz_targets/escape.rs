//! The escaping functions for text an attacker chooses (process names, command lines, paths),
//! each checked for the property it exists for, not only for panics: `escape::for_terminal`
//! (text and list output), `report::list::csv_text` (CSV cells), `report::notify::escape_markup`
//! (notification bodies) and `report::junit::xml` (JUnit XML), all on the same input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockaudit::text::escape::for_terminal;
use sockaudit::report::junit::xml;
use sockaudit::report::list::csv_text;
use sockaudit::report::notify::escape_markup;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Characters that must never reach a terminal raw: controls (C0, DEL, C1), invisible format
/// characters (zero-width, bidi embeddings/overrides/isolates/marks, tags, BOM, soft hyphen...)
/// and line/paragraph separators. Decided from the Unicode general category, independently of
/// the list in src/escape.rs.
fn dangerous(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

fn assert_displayable(what: &str, input: &str, out: &str) {
    if let Some(c) = out.chars().find(|&c| dangerous(c)) {
        panic!(
            "{what}: U+{:04X} left raw in {out:?} (input {input:?})",
            u32::from(c)
        );
    }
}

/// XML 1.0 `Char`: what may appear in a document at all.
fn xml_char(c: char) -> bool {
    matches!(u32::from(c), 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// What a reader of the escaped text must see, in text and attributes alike: the input, with
/// characters XML cannot carry shown as `\u{..}`.
fn xml_expected(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if xml_char(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let input = input.as_ref();
    {
        let out = for_terminal(input);
        assert_displayable("for_terminal", input, &out);
    }
    {
        let cell = csv_text(input);
        assert_displayable("csv_text", input, &cell);
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "CSV cell {cell:?} starts like a formula (input {input:?})"
        );
        // Through the csv crate as render_csv writes it, and back: one record, one field,
        // exactly the neutralised cell.
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record([cell.as_str(), "next"])
            .expect("csv write");
        let written = writer.into_inner().expect("csv flush");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(written.as_slice());
        let records: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .expect("csv read");
        assert_eq!(
            records.len(),
            1,
            "one cell became {} records",
            records.len()
        );
        assert_eq!(records[0].len(), 2);
        assert_eq!(&records[0][0], cell.as_str());
    }
    {
        let body = escape_markup(input);
        assert_displayable("escape_markup", input, &body);
        assert!(
            !body.contains(['<', '>']),
            "raw markup in {body:?} (input {input:?})"
        );
        // Every `&` starts one of the three entities written, and undoing them gives back
        // exactly the terminal-escaped text.
        let mut rest = body.as_str();
        while let Some(i) = rest.find('&') {
            rest = &rest[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;"]
                    .iter()
                    .any(|e| rest.starts_with(e)),
                "raw `&` in {body:?} (input {input:?})"
            );
            rest = &rest[1..];
        }
        let undone = body
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        assert_eq!(undone, for_terminal(input));
    }
    {
        let escaped = xml(input);
        assert!(
            escaped.chars().all(xml_char),
            "not XML 1.0 text: {escaped:?}"
        );
        let doc = format!("<a v=\"{escaped}\" w='{escaped}'>{escaped}</a>");
        let parsed = match roxmltree::Document::parse(&doc) {
            Ok(parsed) => parsed,
            Err(err) => panic!("escaped {input:?} does not parse: {err}; {doc:?}"),
        };
        let root = parsed.root_element();
        let text = root.text().unwrap_or("");
        assert_eq!(text, xml_expected(input));
        assert_eq!(root.attribute("v"), Some(xml_expected(input).as_str()));
        assert_eq!(root.attribute("w"), Some(xml_expected(input).as_str()));
    }
});
