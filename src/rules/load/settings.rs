//! The settings rule files carry beside rules: `[lists]`, `[geoip]`, `[feeds]`, `[notify]`,
//! `[sigma]`.

use std::path::{Path, PathBuf};

use toml_edit::Item;

use super::diag::{Diag, Loc, Sources};
use super::reader::{Scalar, TableReader};
use crate::rules::set::{EnrichSettings, NotifySettings};
use crate::rules::spec::Lists;

/// Keys of the `[notify]` table.
const NOTIFY_KEYS: &[&str] = &["enabled", "timeout-seconds"];
/// Keys of the `[geoip]` table.
const GEOIP_KEYS: &[&str] = &["databases", "max-age-days"];
/// Keys of the `[sigma]` table.
const SIGMA_KEYS: &[&str] = &["paths"];
/// Keys of a `[feeds]` entry written as a table.
const FEED_KEYS: &[&str] = &["path", "max-age-days"];
/// Reads the `[notify]` table.
pub(super) fn read_notify(
    item: &Item,
    key_loc: Loc,
    file: usize,
    settings: &mut NotifySettings,
    diags: &mut Vec<Diag>,
) {
    match item.as_table_like() {
        Some(table) => {
            let mut r = TableReader::new(table, file, NOTIFY_KEYS, "[notify]");
            if let Some((enabled, _)) = r.boolean("enabled", diags) {
                settings.enabled = enabled;
            }
            match r.integer("timeout-seconds", diags) {
                Some((n, _)) if (1..=300).contains(&n) => {
                    settings.timeout_seconds = u64::try_from(n).ok()
                }
                Some((n, loc)) => diags.push(Diag::at(
                    loc,
                    format!("timeout-seconds {n} is not 1-300"),
                    "bad timeout",
                )),
                None => {}
            }
            r.finish(diags);
        }
        None => diags.push(Diag::at(
            key_loc,
            "`notify` must be a table: [notify] enabled = true",
            "expected a table",
        )),
    }
}

/// The directory relative paths in a rule file are resolved against.
fn base_dir(sources: &Sources, file: usize) -> PathBuf {
    let name = sources.name(file);
    if name.starts_with("builtin:") {
        return PathBuf::from(".");
    }
    Path::new(name)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub(super) fn resolve(sources: &Sources, file: usize, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base_dir(sources, file).join(p)
    }
}

fn max_age(reader: &mut TableReader<'_>, diags: &mut Vec<Diag>) -> Option<i64> {
    match reader.integer("max-age-days", diags) {
        Some((n, _)) if n >= 1 => Some(n),
        Some((n, loc)) => {
            diags.push(Diag::at(
                loc,
                format!("max-age-days {n} must be at least 1"),
                "bad age",
            ));
            None
        }
        None => None,
    }
}

pub(super) fn read_geoip(
    item: &Item,
    loc: Loc,
    sources: &Sources,
    settings: &mut EnrichSettings,
    diags: &mut Vec<Diag>,
) {
    let Some(table) = item.as_table_like() else {
        diags.push(Diag::at(
            loc,
            "`geoip` must be a table: [geoip] databases = [...]",
            "expected a table",
        ));
        return;
    };
    let mut reader = TableReader::new(table, loc.file, GEOIP_KEYS, "[geoip]");
    if let Some(items) = reader.items("databases", diags) {
        for item in items {
            match item.value {
                Scalar::Str(path) => settings.geoip.push(resolve(sources, loc.file, &path)),
                Scalar::Int(_) => diags.push(Diag::at(
                    item.loc,
                    "a database is a file path string",
                    "not a path",
                )),
            }
        }
    }
    if let Some(days) = max_age(&mut reader, diags) {
        settings.geoip_max_age_days = Some(days);
    }
    reader.finish(diags);
}

/// `[sigma] paths = [...]`: Sigma files or directories, relative to the file naming them.
pub(super) fn read_sigma(
    item: &Item,
    loc: Loc,
    sources: &Sources,
    paths: &mut Vec<PathBuf>,
    diags: &mut Vec<Diag>,
) {
    let Some(table) = item.as_table_like() else {
        diags.push(Diag::at(
            loc,
            "`sigma` must be a table: [sigma] paths = [...]",
            "expected a table",
        ));
        return;
    };
    let mut reader = TableReader::new(table, loc.file, SIGMA_KEYS, "[sigma]");
    if let Some(items) = reader.items("paths", diags) {
        for item in items {
            match item.value {
                Scalar::Str(path) => paths.push(resolve(sources, loc.file, &path)),
                Scalar::Int(_) => diags.push(Diag::at(
                    item.loc,
                    "a Sigma path is a file or directory path string",
                    "not a path",
                )),
            }
        }
    }
    reader.finish(diags);
}

pub(super) fn read_feeds(
    item: &Item,
    loc: Loc,
    sources: &Sources,
    settings: &mut EnrichSettings,
    diags: &mut Vec<Diag>,
) {
    let Some(table) = item.as_table_like() else {
        diags.push(Diag::at(
            loc,
            "`feeds` must be a table: [feeds] name = \"/path\"",
            "expected a table",
        ));
        return;
    };
    for (name, entry) in table.iter() {
        let entry_loc = Loc {
            file: loc.file,
            span: entry.span().unwrap_or(0..0),
        };
        let (path, days) = if let Some(path) = entry.as_str() {
            (Some(path.to_string()), None)
        } else if let Some(t) = entry.as_table_like() {
            let mut reader = TableReader::new(t, loc.file, FEED_KEYS, "a [feeds] entry");
            let path = reader.string("path", diags).map(|(p, _)| p);
            if path.is_none() && reader.value_loc("path").is_none() {
                diags.push(Diag::at(
                    entry_loc.clone(),
                    format!("feed `{name}` has no `path`"),
                    "add path = \"...\"",
                ));
            }
            let days = max_age(&mut reader, diags);
            reader.finish(diags);
            (path, days)
        } else {
            diags.push(Diag::at(
                entry_loc,
                format!("feed `{name}` must be a path or {{ path = \"...\", max-age-days = N }}"),
                "expected a path",
            ));
            continue;
        };
        if let Some(path) = path {
            let days = days.unwrap_or(crate::enrich::DEFAULT_FEED_MAX_AGE_DAYS);
            settings
                .feeds
                .insert(name.to_string(), (resolve(sources, loc.file, &path), days));
        }
    }
}

pub(super) fn read_lists(
    root: &toml_edit::Table,
    file: usize,
    lists: &mut Lists,
    diags: &mut Vec<Diag>,
) {
    let Some(item) = root.get("lists") else {
        return;
    };
    let Some(table) = item.as_table_like() else {
        diags.push(Diag::at(
            Loc {
                file,
                span: item.span().unwrap_or(0..0),
            },
            "`lists` must be a table of name = [values]",
            "expected a table",
        ));
        return;
    };
    let names: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let known: &'static [&'static str] = &[];
    let mut reader = TableReader::new(table, file, known, "[lists]");
    for name in names {
        if let Some(items) = reader.items(&name, diags) {
            lists.extend(&name, items);
        }
    }
}
