//! Named lists (`[lists]`) and `@name` references to them.

use crate::rules::load::diag::Diag;
use crate::rules::load::reader::{RawItem, Scalar};
use std::collections::BTreeMap;

/// Named lists from every `[lists]` table, in load order (later files extend earlier lists).
#[derive(Debug, Default)]
pub struct Lists {
    items: BTreeMap<String, Vec<RawItem>>,
}

impl Lists {
    /// Appends items to a list (creating it).
    pub fn extend(&mut self, name: &str, items: Vec<RawItem>) {
        self.items
            .entry(name.to_string())
            .or_default()
            .extend(items);
    }

    /// Names of all lists.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.items.keys().map(String::as_str)
    }

    /// The items of a list.
    pub fn get(&self, name: &str) -> Option<&[RawItem]> {
        self.items.get(name).map(Vec::as_slice)
    }

    /// Replaces every `"@name"` item by the items of that list.
    pub fn expand(&self, items: &[RawItem], diags: &mut Vec<Diag>) -> Vec<RawItem> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                Scalar::Str(s) if s.starts_with('@') => {
                    let name = &s[1..];
                    match self.items.get(name) {
                        Some(list) => {
                            for entry in list {
                                if matches!(&entry.value, Scalar::Str(v) if v.starts_with('@')) {
                                    diags.push(Diag::at(
                                        entry.loc.clone(),
                                        "a list cannot refer to another list",
                                        "nested @list",
                                    ));
                                } else {
                                    out.push(entry.clone());
                                }
                            }
                        }
                        None => {
                            let known: Vec<&str> = self.names().collect();
                            let mut diag = Diag::at(
                                item.loc.clone(),
                                format!("unknown list `@{name}`"),
                                "no [lists] entry has this name",
                            );
                            diag = match crate::rules::load::diag::did_you_mean(name, &known) {
                                Some(s) => diag.help(format!("did you mean `@{s}`?")),
                                None if known.is_empty() => diag.help("define it under [lists]"),
                                None => diag.help(format!("known lists: {}", known.join(", "))),
                            };
                            diags.push(diag);
                        }
                    }
                }
                _ => out.push(item.clone()),
            }
        }
        out
    }
}
