//! Compiled Sigma value tests: what one `Field|modifiers: values` entry checks, already
//! lower-cased and expanded (windash, base64) at load time so that matching is plain string
//! work.

use std::net::IpAddr;

use super::event::{Event, Events};
use super::field::Field;

/// One piece of a wildcard value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Literal text.
    Lit(String),
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    One,
}

/// One value to compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// The whole value.
    Exact(String),
    /// `startswith`, or a value ending in `*` only.
    Prefix(String),
    /// `endswith`, or a value starting with `*` only.
    Suffix(String),
    /// `contains`, or `*text*`.
    Contains(String),
    /// Any other use of `*` and `?`.
    Wild(Vec<Token>),
}

impl Pattern {
    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Pattern::Exact(p) => text == p,
            Pattern::Prefix(p) => text.starts_with(p.as_str()),
            Pattern::Suffix(p) => text.ends_with(p.as_str()),
            Pattern::Contains(p) => text.contains(p.as_str()),
            Pattern::Wild(tokens) => wild(tokens, text),
        }
    }

    /// Whether the pattern can be decided from a program's file name alone (`endswith
    /// '\nc.exe'`, `endswith 'nc'`): a suffix with no path separator but a leading one.
    pub fn decidable_by_name(&self) -> bool {
        match self {
            Pattern::Suffix(p) => {
                let rest = p.strip_prefix(['\\', '/']).unwrap_or(p);
                !rest.contains(['\\', '/'])
            }
            _ => false,
        }
    }

    /// Matches a file name against a pattern [`Pattern::decidable_by_name`] accepts: a
    /// leading separator means the name is exactly the rest.
    fn matches_name(&self, name: &str) -> bool {
        match self {
            Pattern::Suffix(p) => match p.strip_prefix(['\\', '/']) {
                Some(rest) => name == rest,
                None => name.ends_with(p.as_str()),
            },
            other => other.matches(name),
        }
    }
}

/// Glob matching with `*` and `?` (iterative, with one backtrack point: linear in practice).
fn wild(tokens: &[Token], text: &str) -> bool {
    fn go(tokens: &[Token], text: &str) -> bool {
        match tokens.split_first() {
            None => text.is_empty(),
            Some((Token::Lit(l), rest)) => text.strip_prefix(l.as_str()).is_some_and(|t| go(rest, t)),
            Some((Token::One, rest)) => {
                let mut chars = text.chars();
                chars.next().is_some() && go(rest, chars.as_str())
            }
            Some((Token::Star, rest)) => {
                if rest.is_empty() {
                    return true;
                }
                text.char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(text.len()))
                    .any(|i| go(rest, &text[i..]))
            }
        }
    }
    go(tokens, text)
}

/// A numeric comparison (`gt`, `gte`, `lt`, `lte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `>`.
    Gt,
    /// `>=`.
    Gte,
    /// `<`.
    Lt,
    /// `<=`.
    Lte,
}

/// What one field entry tests.
#[derive(Debug, Clone)]
pub enum Test {
    /// String values (lists are OR, or AND with `all`); `cased` compares as written.
    Text {
        /// The values.
        patterns: Vec<Pattern>,
        /// `all`: every value must match.
        all: bool,
        /// `cased`: case-sensitive.
        cased: bool,
    },
    /// `cidr`: the address is in one of the networks.
    Cidr(Vec<ipnet::IpNet>),
    /// `re`: one of (or with `all`, every) regular expression matches.
    Regex {
        /// The expressions.
        regexes: Vec<regex::Regex>,
        /// `all`.
        all: bool,
    },
    /// `exists`: whether the input knows the field for this event.
    Exists(bool),
    /// `gt`/`gte`/`lt`/`lte` against numbers (OR over the values).
    Number(Vec<(Compare, f64)>),
    /// `null` (or an empty value): the field is absent or empty.
    Null,
}

/// One `Field|modifiers: values` entry.
#[derive(Debug, Clone)]
pub struct FieldTest {
    /// The field.
    pub field: Field,
    /// The test.
    pub test: Test,
}

impl FieldTest {
    /// Whether an `Image` test can be answered from process names alone.
    pub fn decidable_by_name(&self) -> bool {
        match &self.test {
            Test::Text { patterns, .. } => patterns.iter().all(Pattern::decidable_by_name),
            Test::Exists(_) => true,
            _ => false,
        }
    }

    /// Whether the entry holds for event `e`. A field the input does not know matches
    /// nothing (Sigma's semantics for a missing field), except `exists: false` and `null`.
    pub fn matches(&self, events: &Events, e: &Event, image_by_name: bool) -> bool {
        let value = events.value(e, self.field, image_by_name);
        let by_name = image_by_name
            && self.field == Field::Image
            && events.value(e, Field::Image, false).is_none();
        match &self.test {
            Test::Exists(want) => value.is_some() == *want,
            Test::Null => value.is_none_or(|v| v.raw.is_empty()),
            Test::Cidr(nets) => Events::ip(e, self.field).is_some_and(|ip| in_any(nets, ip)),
            Test::Number(bounds) => value
                .and_then(|v| v.raw.parse::<f64>().ok())
                .is_some_and(|n| bounds.iter().any(|(op, b)| compare(*op, n, *b))),
            Test::Regex { regexes, all } => value.is_some_and(|v| {
                if *all {
                    regexes.iter().all(|r| r.is_match(v.raw))
                } else {
                    regexes.iter().any(|r| r.is_match(v.raw))
                }
            }),
            Test::Text { patterns, all, cased } => value.is_some_and(|v| {
                let text = if *cased { v.raw } else { v.lower };
                let one = |p: &Pattern| if by_name { p.matches_name(text) } else { p.matches(text) };
                if *all { patterns.iter().all(one) } else { patterns.iter().any(one) }
            }),
        }
    }
}

fn in_any(nets: &[ipnet::IpNet], ip: IpAddr) -> bool {
    nets.iter().any(|n| n.contains(&ip))
}

fn compare(op: Compare, n: f64, bound: f64) -> bool {
    match op {
        Compare::Gt => n > bound,
        Compare::Gte => n >= bound,
        Compare::Lt => n < bound,
        Compare::Lte => n <= bound,
    }
}

/// A search identifier: a map (every entry holds) or a list of maps (one of them holds).
#[derive(Debug, Clone)]
pub struct Selection {
    /// Its name in `detection`.
    pub name: String,
    /// Alternatives, each a conjunction.
    pub alternatives: Vec<Vec<FieldTest>>,
}

impl Selection {
    /// Whether the selection holds for event `e`.
    pub fn matches(&self, events: &Events, e: &Event, image_by_name: bool) -> bool {
        self.alternatives
            .iter()
            .any(|tests| tests.iter().all(|t| t.matches(events, e, image_by_name)))
    }
}

/// A parsed `condition`.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A selection, by index.
    Sel(usize),
    /// `not`.
    Not(Box<Expr>),
    /// `and`, `all of`.
    And(Vec<Expr>),
    /// `or`, `1 of`.
    Or(Vec<Expr>),
}

impl Expr {
    /// Evaluates the condition for event `e`.
    pub fn eval(&self, sels: &[Selection], events: &Events, e: &Event, image_by_name: bool) -> bool {
        match self {
            Expr::Sel(i) => sels.get(*i).is_some_and(|s| s.matches(events, e, image_by_name)),
            Expr::Not(x) => !x.eval(sels, events, e, image_by_name),
            Expr::And(xs) => xs.iter().all(|x| x.eval(sels, events, e, image_by_name)),
            Expr::Or(xs) => xs.iter().any(|x| x.eval(sels, events, e, image_by_name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_sigma() {
        let p = Pattern::Wild(vec![
            Token::Lit("c:\\".into()),
            Token::Star,
            Token::Lit("\\nc".into()),
            Token::One,
            Token::Lit(".exe".into()),
        ]);
        assert!(p.matches("c:\\tools\\bin\\nc6.exe"));
        assert!(!p.matches("c:\\tools\\nc.exe"));
        assert!(Pattern::Suffix("\\nc.exe".into()).decidable_by_name());
        assert!(!Pattern::Suffix("\\temp\\nc.exe".into()).decidable_by_name());
        assert!(Pattern::Suffix("\\nc.exe".into()).matches_name("nc.exe"));
        assert!(!Pattern::Suffix("\\nc.exe".into()).matches_name("anc.exe"));
        assert!(Pattern::Suffix("nc.exe".into()).matches_name("anc.exe"));
    }
}
