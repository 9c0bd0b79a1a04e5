//! Rule-file diagnostics: every problem with its file:line:column, the source line and a caret.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::{Files as _, SimpleFiles};
use codespan_reporting::term;

/// A place in a loaded rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// Index into [`Sources`].
    pub file: usize,
    /// Byte range in that file.
    pub span: Range<usize>,
}

/// The text of every rule file read, so diagnostics and `rules explain` can quote it.
#[derive(Debug, Default)]
pub struct Sources {
    files: SimpleFiles<String, String>,
    names: Vec<String>,
}

impl Sources {
    /// Registers a file's text under its display name.
    pub fn add(&mut self, name: String, text: String) -> usize {
        self.names.push(name.clone());
        self.files.add(name, text)
    }

    /// The display name of file `id`.
    pub fn name(&self, id: usize) -> &str {
        self.names.get(id).map_or("?", String::as_str)
    }

    /// The full text of file `id`.
    pub fn text(&self, id: usize) -> &str {
        self.files.get(id).map_or("", |f| f.source().as_str())
    }

    /// `FILE:LINE` of a location (1-based line).
    pub fn origin(&self, loc: &Loc) -> String {
        let line = self.files.line_index(loc.file, loc.span.start).unwrap_or(0) + 1;
        format!("{}:{line}", self.name(loc.file))
    }

    /// `FILE:LINE:COLUMN` of a location.
    pub fn position(&self, loc: &Loc) -> String {
        match self.files.location(loc.file, loc.span.start) {
            Ok(l) => format!(
                "{}:{}:{}",
                self.name(loc.file),
                l.line_number,
                l.column_number
            ),
            Err(_) => self.name(loc.file).to_string(),
        }
    }
}

/// One problem found in a rule file.
#[derive(Debug, Clone)]
pub struct Diag {
    /// Where; `None` for file-level problems (unreadable file).
    pub loc: Option<Loc>,
    /// What is wrong.
    pub message: String,
    /// Short label under the caret.
    pub label: String,
    /// Extra advice (did you mean, allowed values).
    pub help: Option<String>,
    /// A file that is not a registered source (unreadable file).
    pub path: Option<String>,
}

impl Diag {
    /// A problem at `loc`.
    pub fn at(loc: Loc, message: impl Into<String>, label: impl Into<String>) -> Diag {
        Diag {
            loc: Some(loc),
            message: message.into(),
            label: label.into(),
            help: None,
            path: None,
        }
    }

    /// Adds advice.
    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }
}

/// Renders all diagnostics as plain text, in file order and then position order.
pub fn render(sources: &Sources, diags: &[Diag]) -> String {
    let config = term::Config::default();
    let mut sorted: Vec<&Diag> = diags.iter().collect();
    sorted.sort_by_key(|d| d.loc.as_ref().map(|l| (l.file, l.span.start)));
    let mut out = String::new();
    for d in sorted {
        match &d.loc {
            Some(loc) => {
                let mut diagnostic =
                    Diagnostic::error()
                        .with_message(&d.message)
                        .with_labels(vec![
                            Label::primary(loc.file, loc.span.clone()).with_message(&d.label),
                        ]);
                if let Some(help) = &d.help {
                    diagnostic = diagnostic.with_notes(vec![format!("help: {help}")]);
                }
                match term::emit_into_string(&config, &sources.files, &diagnostic) {
                    Ok(text) => out.push_str(&text),
                    Err(_) => out.push_str(&format!(
                        "error: {}: {}\n",
                        sources.position(loc),
                        d.message
                    )),
                }
            }
            None => {
                out.push_str(&format!(
                    "error: {}: {}\n",
                    d.path.as_deref().unwrap_or("?"),
                    d.message
                ));
                if let Some(help) = &d.help {
                    out.push_str(&format!("  = help: {help}\n"));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// The closest known key to a misspelt one, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    // Jaro-Winkler catches dropped letters in long keys; Damerau-Levenshtein catches swapped
    // letters in short names (`wbe` for `web`).
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), *k))
        .filter(|(score, k)| {
            *score > 0.8 || strsim::damerau_levenshtein(unknown, k) <= (k.len() / 4).max(1)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let known = ["severity", "description", "enabled", "allow"];
        assert_eq!(did_you_mean("sevrity", &known), Some("severity"));
        assert_eq!(did_you_mean("enable", &known), Some("enabled"));
        assert_eq!(did_you_mean("zzz", &known), None);
    }

    #[test]
    fn positions_are_one_based() {
        let mut sources = Sources::default();
        let id = sources.add("r.toml".into(), "a = 1\nbb = 2\n".into());
        let loc = Loc {
            file: id,
            span: 6..8,
        };
        assert_eq!(sources.position(&loc), "r.toml:2:1");
        assert_eq!(sources.origin(&loc), "r.toml:2");
        let text = render(
            &sources,
            &[Diag::at(loc, "unknown key `bb`", "here").help("did you mean `b`?")],
        );
        assert!(text.contains("r.toml:2:1"), "{text}");
        assert!(text.contains("^^"), "{text}");
    }
}
