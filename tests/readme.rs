//! The README's example outputs are run: every ```` ```console ```` block in README.md holds
//! `$ sockaudit ...` commands over `fixtures/`, each followed by the output it prints, and this
//! test runs them with the built binary and compares, so the front page cannot drift from what
//! sockaudit does. A line `...` stands for any number of lines, `[..]` for any text within a
//! line (a capture's file time, which a checkout sets). Written here rather than with `trycmd`:
//! those two wildcards and the block syntax are all it needs, and no new dependency.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sockaudit;

/// One checked example: the command line and the output shown under it.
struct Example {
    line: usize,
    args: Vec<String>,
    expected: Vec<String>,
}

fn examples(readme: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut in_console = false;
    for (n, line) in readme.lines().enumerate() {
        if let Some(info) = line.strip_prefix("```") {
            in_console = !in_console && info.trim() == "console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let words: Vec<String> = command.split_whitespace().map(str::to_string).collect();
            assert_eq!(
                words.first().map(String::as_str),
                Some("sockaudit"),
                "README.md:{}: a checked example runs sockaudit",
                n + 1
            );
            assert!(
                !command.contains(['\'', '"', '|', '>', '<', '&', ';']),
                "README.md:{}: plain words only (no shell)",
                n + 1
            );
            out.push(Example {
                line: n + 1,
                args: words[1..].to_vec(),
                expected: Vec::new(),
            });
        } else {
            let example = out
                .last_mut()
                .unwrap_or_else(|| panic!("README.md:{}: output before any `$ ` command", n + 1));
            example.expected.push(line.to_string());
        }
    }
    out
}

/// Whether `line` matches `pattern`, where `[..]` matches any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether `lines` match `patterns`, where a `...` pattern matches any number of lines.
fn lines_match(patterns: &[String], lines: &[&str]) -> bool {
    match patterns.split_first() {
        None => lines.is_empty(),
        Some((p, rest)) if p == "..." => {
            (0..=lines.len()).any(|skip| lines_match(rest, &lines[skip..]))
        }
        Some((p, rest)) => lines
            .split_first()
            .is_some_and(|(l, more)| line_matches(p, l) && lines_match(rest, more)),
    }
}

#[test]
fn wildcards_match_what_they_say() {
    assert!(line_matches("a [..] c", "a b b c"));
    assert!(!line_matches("a [..] c", "a b b d"));
    assert!(line_matches("exact", "exact"));
    assert!(!line_matches("exact", "exactly"));
    let p: Vec<String> = ["a", "...", "z"].map(String::from).to_vec();
    assert!(lines_match(&p, &["a", "b", "c", "z"]));
    assert!(lines_match(&p, &["a", "z"]));
    assert!(!lines_match(&p, &["a", "b"]));
}

#[test]
fn readme_examples_print_what_the_readme_shows() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let examples = examples(&readme);
    assert!(
        examples.len() >= 4,
        "README.md keeps its checked examples (list, scan, a capture, rules explain)"
    );
    // No machine-specific configuration: no user rule directory, no GeoIP databases.
    let empty = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for example in &examples {
        let out = sockaudit()
            .args(&example.args)
            .env("NO_COLOR", "1")
            .env("XDG_CONFIG_HOME", empty.path())
            .env("SOCKAUDIT_GEOIP_DIRS", empty.path())
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        // Exit 1 is a scan reporting findings; 2 would be an example that does not run.
        let ran = matches!(out.status.code(), Some(0 | 1));
        // A scan's last line states its exit status: it must be the real one.
        let stated = ["0", "1"]
            .into_iter()
            .find(|code| stdout.contains(&format!(": exit {code})")));
        let ran = ran
            && stated
                .is_none_or(|c| Some(c) == out.status.code().map(|n| n.to_string()).as_deref());
        if !ran || !lines_match(&example.expected, &lines) {
            failures.push(format!(
                "README.md:{}: `sockaudit {}` (exit {:?}) printed:\n{stdout}{}\nREADME shows:\n{}\n",
                example.line,
                example.args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr),
                example.expected.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
