//! Reading rule tables key by key with spans, collecting every problem instead of stopping at
//! the first.
//!
//! serde with `deny_unknown_fields` stops at the first error; a user who made three mistakes
//! must see all three in one run, each at its file:line:column. So rule files are read from a
//! spanned `toml_edit` document through this small reader rather than derived with serde.

use std::collections::BTreeSet;

use toml_edit::{Item, TableLike, Value};

use super::diag::{Diag, Loc, did_you_mean};

/// A scalar from a rule file, before its meaning (port, glob, CIDR...) is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    /// An integer.
    Int(i64),
    /// A string (`"@name"` refers to a list).
    Str(String),
}

/// A scalar and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawItem {
    /// The value.
    pub value: Scalar,
    /// Its location.
    pub loc: Loc,
}

/// Reads one table, remembering which keys were used so unknown ones can be reported.
pub struct TableReader<'a> {
    table: &'a dyn TableLike,
    file: usize,
    known: &'a [&'a str],
    what: &'a str,
    used: BTreeSet<String>,
}

impl<'a> TableReader<'a> {
    /// A reader for `table` (a `[[kind]]` entry, an allow entry...) whose valid keys are `known`.
    pub fn new(table: &'a dyn TableLike, file: usize, known: &'a [&'a str], what: &'a str) -> Self {
        TableReader {
            table,
            file,
            known,
            what,
            used: BTreeSet::new(),
        }
    }

    /// The file being read.
    pub fn file(&self) -> usize {
        self.file
    }

    fn loc(&self, span: Option<std::ops::Range<usize>>) -> Loc {
        Loc {
            file: self.file,
            span: span.unwrap_or(0..0),
        }
    }

    /// Location of the value of `key`.
    pub fn value_loc(&self, key: &str) -> Option<Loc> {
        self.table.get(key).map(|item| self.loc(item.span()))
    }

    fn take(&mut self, key: &str) -> Option<&'a Item> {
        // A shared reader (the selector) may ask for a key this kind does not take: leave it
        // unread, so `finish` reports it as unknown instead of ignoring it silently. An empty
        // key list ([lists]) takes any key.
        if !self.known.is_empty() && !self.known.contains(&key) {
            return None;
        }
        self.used.insert(key.to_string());
        self.table.get(key)
    }

    fn wrong_type(&self, key: &str, item: &Item, expected: &str, diags: &mut Vec<Diag>) {
        diags.push(Diag::at(
            self.loc(item.span()),
            format!("`{key}` must be {expected}, not {}", item.type_name()),
            format!("expected {expected}"),
        ));
    }

    /// A string value.
    pub fn string(&mut self, key: &str, diags: &mut Vec<Diag>) -> Option<(String, Loc)> {
        let item = self.take(key)?;
        match item.as_str() {
            Some(s) => Some((s.to_string(), self.loc(item.span()))),
            None => {
                self.wrong_type(key, item, "a string", diags);
                None
            }
        }
    }

    /// A boolean value.
    pub fn boolean(&mut self, key: &str, diags: &mut Vec<Diag>) -> Option<(bool, Loc)> {
        let item = self.take(key)?;
        match item.as_bool() {
            Some(b) => Some((b, self.loc(item.span()))),
            None => {
                self.wrong_type(key, item, "true or false", diags);
                None
            }
        }
    }

    /// An integer value.
    pub fn integer(&mut self, key: &str, diags: &mut Vec<Diag>) -> Option<(i64, Loc)> {
        let item = self.take(key)?;
        match item.as_integer() {
            Some(i) => Some((i, self.loc(item.span()))),
            None => {
                self.wrong_type(key, item, "an integer", diags);
                None
            }
        }
    }

    /// A number: an integer or a float (`10`, `0.05`), finite.
    pub fn number(&mut self, key: &str, diags: &mut Vec<Diag>) -> Option<(f64, Loc)> {
        let item = self.take(key)?;
        let loc = self.loc(item.span());
        #[allow(clippy::cast_precision_loss)] // rule thresholds are far below 2^53
        let value = item
            .as_integer()
            .map(|i| i as f64)
            .or_else(|| item.as_float());
        match value {
            Some(v) if v.is_finite() => Some((v, loc)),
            _ => {
                self.wrong_type(key, item, "a number", diags);
                None
            }
        }
    }

    /// A date: a TOML local date (`2026-12-31`) or a string of one.
    pub fn date(&mut self, key: &str, diags: &mut Vec<Diag>) -> Option<(jiff::civil::Date, Loc)> {
        let item = self.take(key)?;
        let loc = self.loc(item.span());
        let text = match item.as_value() {
            Some(Value::Datetime(dt)) => dt.value().to_string(),
            Some(Value::String(s)) => s.value().clone(),
            _ => {
                self.wrong_type(key, item, "a date like 2026-12-31", diags);
                return None;
            }
        };
        match text.parse::<jiff::civil::Date>() {
            Ok(date) => Some((date, loc)),
            Err(_) => {
                diags.push(Diag::at(
                    loc,
                    format!("`{key}` is not a date: `{text}`"),
                    "expected YYYY-MM-DD",
                ));
                None
            }
        }
    }

    /// A scalar or an array of scalars (integers and strings), in order.
    pub fn items(&mut self, key: &str, diags: &mut Vec<Diag>) -> Option<Vec<RawItem>> {
        let item = self.take(key)?;
        let Some(value) = item.as_value() else {
            self.wrong_type(key, item, "a value or an array of values", diags);
            return None;
        };
        let mut out = Vec::new();
        match value {
            Value::Array(array) => {
                for v in array.iter() {
                    if let Some(raw) = self.scalar(key, v, diags) {
                        out.push(raw);
                    }
                }
            }
            other => out.extend(self.scalar(key, other, diags)),
        }
        Some(out)
    }

    fn scalar(&self, key: &str, value: &Value, diags: &mut Vec<Diag>) -> Option<RawItem> {
        let loc = self.loc(value.span());
        match value {
            Value::Integer(i) => Some(RawItem {
                value: Scalar::Int(*i.value()),
                loc,
            }),
            Value::String(s) => Some(RawItem {
                value: Scalar::Str(s.value().clone()),
                loc,
            }),
            other => {
                diags.push(Diag::at(
                    loc,
                    format!(
                        "`{key}` takes integers and strings, not {}",
                        other.type_name()
                    ),
                    "unexpected value",
                ));
                None
            }
        }
    }

    /// An array of tables: `allow = [{...}, {...}]` or `[[kind.allow]]`, each with its location.
    pub fn tables(&mut self, key: &str, diags: &mut Vec<Diag>) -> Vec<(&'a dyn TableLike, Loc)> {
        let Some(item) = self.take(key) else {
            return Vec::new();
        };
        match item {
            Item::ArrayOfTables(aot) => aot
                .iter()
                .map(|t| (t as &dyn TableLike, self.loc(t.span())))
                .collect(),
            Item::Value(Value::Array(array)) => {
                let mut out: Vec<(&dyn TableLike, Loc)> = Vec::new();
                for v in array.iter() {
                    match v {
                        Value::InlineTable(t) => out.push((t, self.loc(t.span()))),
                        other => diags.push(Diag::at(
                            self.loc(other.span()),
                            format!("`{key}` entries must be tables like {{ port = 22, reason = \"...\" }}"),
                            format!("{} here", other.type_name()),
                        )),
                    }
                }
                out
            }
            other => {
                self.wrong_type(key, other, "an array of tables", diags);
                Vec::new()
            }
        }
    }

    /// Whether the table has an unknown key that looks like a misspelling of `key` (so a
    /// "missing `key`" error would only repeat the misspelling's).
    pub fn has_misspelling_of(&self, key: &str) -> bool {
        self.table
            .iter()
            .any(|(k, _)| !self.known.contains(&k) && did_you_mean(k, &[key]).is_some())
    }

    /// Reports the keys of `required` that are absent (`true` = no usable value) and not merely
    /// present with a bad value (that has its own diagnostic): `{what} lacks proto, port`.
    pub fn require(&self, required: &[(&str, bool)], what: &str, at: &Loc, diags: &mut Vec<Diag>) {
        let missing: Vec<&str> = required
            .iter()
            .filter(|(key, absent)| *absent && self.value_loc(key).is_none())
            .map(|(key, _)| *key)
            .collect();
        if !missing.is_empty() {
            diags.push(Diag::at(
                at.clone(),
                format!("{what} lacks {}", missing.join(", ")),
                "incomplete entry",
            ));
        }
    }

    /// Reports every key that is not in `known`, with a suggestion when one is close.
    pub fn finish(self, diags: &mut Vec<Diag>) {
        for (key, _) in self.table.iter() {
            if self.used.contains(key) || self.known.contains(&key) {
                continue;
            }
            let span = self.table.get_key_value(key).and_then(|(k, _)| k.span());
            let mut diag = Diag::at(
                Loc {
                    file: self.file,
                    span: span.unwrap_or(0..0),
                },
                format!("unknown key `{key}` in {}", self.what),
                "unknown key",
            );
            diag = match did_you_mean(key, self.known) {
                Some(suggestion) => diag.help(format!("did you mean `{suggestion}`?")),
                None => diag.help(format!("valid keys: {}", self.known.join(", "))),
            };
            diags.push(diag);
        }
    }
}
