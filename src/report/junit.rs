//! JUnit XML for CI dashboards: a passing test case per enabled rule without findings, a
//! failing test case per finding (one `<failure>` each, which every JUnit consumer reads), and
//! a skipped test case per inactive rule.

use std::fmt::Write as _;

use crate::rules::RuleSet;
use crate::rules::engine::Evaluation;
use crate::text::escape::{MESSAGE_MAX_CHARS, for_display};

/// Escapes text for XML 1.0: the five special characters, tab, newline and carriage return as
/// character references (a parser would turn them into spaces in attributes and CR into LF in
/// text; fuzzing found the CR), and characters XML cannot carry at all (most C0 controls) as a
/// visible `\u{..}`. Written here because an escaping crate would still leave the invalid
/// characters (a hostile process name) to break the document. Used for attribute values and
/// text alike, so that both read back as the original; public for the fuzz targets.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The report.
pub fn render(rules: &RuleSet, eval: &Evaluation, hostname: Option<&str>) -> String {
    let mut cases = String::new();
    let mut tests = 0;
    let mut failures = 0;
    let mut skipped = 0;
    for rule in rules.rules.iter().filter(|r| r.dormant_reason().is_none()) {
        let id = &rule.common.id;
        let class = format!("sockaudit.{}", rule.kind());
        if let Some(inactive) = eval
            .inactive
            .iter()
            .chain(&eval.not_configured)
            .find(|i| &i.rule == id)
        {
            tests += 1;
            skipped += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\"><skipped message=\"{}\"/></testcase>",
                xml(&class),
                xml(id),
                xml(&inactive.reason)
            );
            continue;
        }
        let findings: Vec<_> = eval.findings.iter().filter(|f| &f.rule == id).collect();
        if findings.is_empty() {
            tests += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\"/>",
                xml(&class),
                xml(id)
            );
        }
        for f in findings {
            tests += 1;
            // Escaped and cut as on a terminal: CI logs print this text.
            let message = for_display(&f.message, MESSAGE_MAX_CHARS);
            failures += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"{} {}\">\n      <failure type=\"{}\" message=\"{}\">{}\nrule at {}</failure>\n    </testcase>",
                xml(&class),
                xml(id),
                xml(&f.fingerprint),
                f.severity,
                xml(&message),
                xml(&message),
                xml(&f.origin)
            );
        }
    }
    let host = hostname.map_or_else(String::new, |h| {
        format!(
            " hostname=\"{}\"",
            xml(&for_display(h, crate::text::escape::FIELD_MAX_CHARS))
        )
    });
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">\n  <testsuite name=\"sockaudit\"{host} tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_illegal_characters() {
        assert_eq!(super::xml("<b>&\"x'"), "&lt;b&gt;&amp;&quot;x&apos;");
        assert_eq!(super::xml("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(super::xml("tab\tok"), "tab&#9;ok");
        assert_eq!(super::xml("a\r\nb\r"), "a&#13;&#10;b&#13;");
    }
}
