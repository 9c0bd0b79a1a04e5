//! The closing "next steps" of a text scan report: the command that explains each rule that
//! found something, once per rule, so a person reading a finding knows where to go next.

use crate::model::finding::Finding;
use crate::text::escape::for_terminal;

/// `sockaudit rules explain ID` for each rule with findings, in report order (severity, then
/// id), once each. A rule from the built-in pack or the standard rule directories is found by
/// id alone; a rule from a file named on the command line needs that file again (`--rules`,
/// or `--baseline` for drift rules), taken from the finding's origin.
pub fn explain_commands(findings: &[Finding]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for f in findings {
        if !seen.insert(f.rule.as_str()) {
            continue;
        }
        let file = origin_file(&f.origin);
        let extra = match file {
            Some(file) if !loaded_by_default(file) => {
                let flag = if f.kind.as_str() == "baseline" {
                    "--baseline"
                } else {
                    "--rules"
                };
                format!(" {flag} {}", shell_word(file))
            }
            _ => String::new(),
        };
        out.push(format!(
            "sockaudit rules explain {}{extra}",
            shell_word(&f.rule)
        ));
    }
    out
}

/// The file of a `FILE:LINE` origin; `None` for the built-in pack.
fn origin_file(origin: &str) -> Option<&str> {
    if origin.starts_with("builtin:") {
        return None;
    }
    Some(
        origin
            .rsplit_once(':')
            .filter(|(_, line)| line.chars().all(|c| c.is_ascii_digit()))
            .map_or(origin, |(file, _)| file),
    )
}

/// Files every command loads anyway (`/etc/sockaudit/rules.d`, `~/.config/sockaudit/rules.d`,
/// their Windows folders): naming them again would define their rules twice.
fn loaded_by_default(file: &str) -> bool {
    // Either separator: a Windows path read on any build.
    let dir = file.rsplit_once(['/', '\\']).map(|(dir, _)| dir);
    dir.is_some_and(|d| {
        let d = d.to_ascii_lowercase().replace('\\', "/");
        d.ends_with("sockaudit/rules.d")
    })
}

/// A word a shell reads back as it is: quoted when it holds anything but plain characters;
/// control characters are escaped for the terminal first.
fn shell_word(word: &str) -> String {
    let word = for_terminal(word);
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+=,".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::{loaded_by_default, origin_file, shell_word};

    #[test]
    fn origins_name_their_file_unless_built_in() {
        assert_eq!(origin_file("builtin:rules/default.toml:59"), None);
        assert_eq!(origin_file("site.toml:12"), Some("site.toml"));
        assert_eq!(
            origin_file("C:\\rules\\site.toml:3"),
            Some("C:\\rules\\site.toml")
        );
        assert!(loaded_by_default("/etc/sockaudit/rules.d/10-site.toml"));
        assert!(!loaded_by_default("/srv/site.toml"));
        assert!(loaded_by_default(
            r"C:\ProgramData\sockaudit\rules.d\10-site.toml"
        ));
        assert!(!loaded_by_default(r"C:\rules\site.toml"));
        assert_eq!(shell_word("my rules.toml"), "'my rules.toml'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
