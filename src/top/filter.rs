//! The filter line (`/`): words that must all appear in a row; `port:N`-style terms.

use super::model::Row;

/// A `/` filter: whitespace-separated terms that must all match. `:22` or `port:22` is an exact
/// local or remote port; any other term matches a case-insensitive part of the process, PID,
/// protocol, addresses, country/AS, state, namespace or finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Port(u16),
    Text(String),
}

impl Filter {
    /// Parses what was typed after `/`.
    pub fn parse(text: &str) -> Filter {
        let terms = text
            .split_whitespace()
            .map(|t| {
                let port = t.strip_prefix("port:").or_else(|| t.strip_prefix(':'));
                match port.and_then(|p| p.parse::<u16>().ok()) {
                    Some(port) => Term::Port(port),
                    None => Term::Text(t.to_lowercase()),
                }
            })
            .collect();
        Filter { terms }
    }

    /// Whether nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether a row matches every term.
    pub fn matches(&self, row: &Row) -> bool {
        self.terms.iter().all(|term| match term {
            Term::Port(port) => {
                row.key.local.1 == *port || row.key.remote.is_some_and(|(_, p)| p == *port)
            }
            Term::Text(text) => {
                let pid = row.pid.map(|p| p.to_string()).unwrap_or_default();
                [
                    row.process.as_str(),
                    pid.as_str(),
                    row.proto,
                    row.local.as_str(),
                    row.remote.as_str(),
                    row.geo.as_str(),
                    row.state,
                    row.netns.as_str(),
                    row.finding_text().as_str(),
                ]
                .iter()
                .any(|field| contains_ignore_case(field, text))
            }
        })
    }
}

/// `needle` is already lower case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}
