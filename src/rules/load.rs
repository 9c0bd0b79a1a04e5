//! Loading rule files in order, validating everything, and reporting every problem at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml_edit::{Document, Item, TableLike};

use super::diag::{Diag, Loc, Sources, did_you_mean, render};
use super::reader::{Scalar, TableReader};
use super::spec::Lists;
use super::{
    ALLOW_KEYS, Body, Rule, RuleSet, builtin, counter, flood, hidden, listen, process, read_allow,
    read_common, remote,
};
use crate::model::finding::{RuleKind, Severity};

/// Largest rule file read; rule files are hand-written, this is far above any real one.
pub const MAX_RULE_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Where rules come from, in load order: the built-in pack, `/etc/sockaudit/rules.d`,
/// `$XDG_CONFIG_HOME/sockaudit/rules.d`, then each explicit path (file or directory).
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    /// Load the embedded default pack.
    pub builtin: bool,
    /// Directories read when they exist (missing ones are skipped silently).
    pub optional_dirs: Vec<PathBuf>,
    /// Files or directories the user named; they must exist.
    pub paths: Vec<PathBuf>,
}

impl RuleSources {
    /// The standard order: built-in pack (unless `no_default`), system and user directories,
    /// then `paths`.
    pub fn standard(no_default: bool, paths: Vec<PathBuf>) -> RuleSources {
        let mut optional_dirs = vec![PathBuf::from("/etc/sockaudit/rules.d")];
        let xdg = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
        if let Some(config) = xdg {
            optional_dirs.push(config.join("sockaudit").join("rules.d"));
        }
        RuleSources {
            builtin: !no_default,
            optional_dirs,
            paths,
        }
    }

    /// Only the given files, no built-in pack and no system directories (`rules check`).
    pub fn only(paths: Vec<PathBuf>, with_builtin: bool) -> RuleSources {
        RuleSources {
            builtin: with_builtin,
            optional_dirs: Vec::new(),
            paths,
        }
    }
}

/// Rule files that could not be loaded; nothing may run with half the rules.
#[derive(Debug, thiserror::Error)]
#[error("{count} problem(s) in rule files; nothing was scanned")]
pub struct RuleErrors {
    /// Every diagnostic, rendered with file:line:column and a caret.
    pub rendered: String,
    /// How many.
    pub count: usize,
}

/// Top-level keys of a rule file.
const TOP_KEYS: &[&str] = &[
    "lists", "listen", "flood", "remote", "process", "hidden", "counter", "allow", "rules",
    "geoip", "feeds", "baseline", "notify",
];
/// Keys of the `[notify]` table.
const NOTIFY_KEYS: &[&str] = &["enabled", "timeout-seconds"];
/// Keys of the `[baseline]` table.
const BASELINE_KEYS: &[&str] = &[
    "host",
    "created",
    "updated",
    "ephemeral-ports",
    "listener",
    "program",
    "check-routes",
    "route",
    "gateway",
];
/// Keys of a `[[baseline.listener]]` entry (`note` is free text for the reviewer).
const BASELINE_LISTENER_KEYS: &[&str] = &[
    "proto", "bind", "port", "process", "exe", "user", "optional", "note",
];
/// Keys of a `[[baseline.program]]` entry.
const BASELINE_PROGRAM_KEYS: &[&str] = &["name", "exe", "user", "note"];
/// Keys of the `[geoip]` table.
const GEOIP_KEYS: &[&str] = &["databases", "max-age-days"];
/// Keys of a `[feeds]` entry written as a table.
const FEED_KEYS: &[&str] = &["path", "max-age-days"];
/// Keys of a top-level `[[allow]]` entry: an allow entry's keys plus the `rule` it names.
const TOP_ALLOW_KEYS: [&str; ALLOW_KEYS.len() + 1] = {
    let mut keys = [""; ALLOW_KEYS.len() + 1];
    keys[0] = "rule";
    let mut i = 0;
    while i < ALLOW_KEYS.len() {
        keys[i + 1] = ALLOW_KEYS[i];
        i += 1;
    }
    keys
};
/// Keys of a `[rules.ID]` override.
const OVERRIDE_KEYS: &[&str] = &["enabled", "severity"];

/// Loads and validates every rule file.
pub fn load(sources: &RuleSources) -> Result<RuleSet, RuleErrors> {
    let mut diags = Vec::new();
    let files = gather(sources, &mut diags);
    load_gathered(files, diags)
}

/// Loads and validates rule files given as (display name, TOML text) pairs, in order, exactly
/// as [`load`] does once it has read its files (no built-in pack unless passed in). For tests
/// and the fuzz targets.
pub fn load_texts(files: Vec<(String, String)>) -> Result<RuleSet, RuleErrors> {
    load_gathered(files, Vec::new())
}

/// The shared path of [`load`] and [`load_texts`]: `diags` holds problems met while reading.
fn load_gathered(
    files: Vec<(String, String)>,
    mut diags: Vec<Diag>,
) -> Result<RuleSet, RuleErrors> {
    let mut set = RuleSet::default();
    for (name, text) in files {
        set.files.push(name.clone());
        set.sources.add(name, text);
    }
    // Parse every file first; spans point into the texts kept in `set.sources`.
    let mut docs = Vec::new();
    for id in 0..set.files.len() {
        match Document::parse(set.sources.text(id).to_string()) {
            Ok(doc) => docs.push((id, doc)),
            Err(err) => diags.push(Diag::at(
                Loc {
                    file: id,
                    span: err.span().unwrap_or(0..0),
                },
                format!("invalid TOML: {}", err.message().trim()),
                "here",
            )),
        }
    }
    // Lists first: a later file may extend a list an earlier rule uses.
    let mut lists = Lists::default();
    for (id, doc) in &docs {
        read_lists(doc.as_table(), *id, &mut lists, &mut diags);
    }
    let mut first_definition: BTreeMap<String, Loc> = BTreeMap::new();
    let mut overrides = Vec::new();
    for (id, doc) in &docs {
        let root = doc.as_table();
        for (key, item) in root.iter() {
            let key_loc = Loc {
                file: *id,
                span: root
                    .get_key_value(key)
                    .and_then(|(k, _)| k.span())
                    .unwrap_or(0..0),
            };
            match key {
                "lists" => {}
                "geoip" => read_geoip(
                    item,
                    key_loc.clone(),
                    &set.sources,
                    &mut set.enrich,
                    &mut diags,
                ),
                "feeds" => read_feeds(
                    item,
                    key_loc.clone(),
                    &set.sources,
                    &mut set.enrich,
                    &mut diags,
                ),
                "notify" => match item.as_table_like() {
                    Some(table) => {
                        let mut r = TableReader::new(table, *id, NOTIFY_KEYS, "[notify]");
                        if let Some((enabled, _)) = r.boolean("enabled", &mut diags) {
                            set.notify.enabled = enabled;
                        }
                        match r.integer("timeout-seconds", &mut diags) {
                            Some((n, _)) if (1..=300).contains(&n) => {
                                set.notify.timeout_seconds = u64::try_from(n).ok()
                            }
                            Some((n, loc)) => diags.push(Diag::at(
                                loc,
                                format!("timeout-seconds {n} is not 1-300"),
                                "bad timeout",
                            )),
                            None => {}
                        }
                        r.finish(&mut diags);
                    }
                    None => diags.push(Diag::at(
                        key_loc,
                        "`notify` must be a table: [notify] enabled = true",
                        "expected a table",
                    )),
                },
                "baseline" => {
                    let rules = read_baseline(item, key_loc.clone(), &set.sources, &mut diags);
                    if let Some(first) = rules
                        .iter()
                        .find_map(|r| first_definition.get(&r.common.id))
                    {
                        diags.push(
                            Diag::at(
                                key_loc.clone(),
                                "a second baseline, or a rule named like a drift rule",
                                "only one baseline per scan",
                            )
                            .help(format!(
                                "the first definition is at {}",
                                set.sources.position(first)
                            )),
                        );
                    } else {
                        for rule in rules {
                            first_definition
                                .insert(rule.common.id.clone(), rule.common.loc.clone());
                            set.rules.push(rule);
                        }
                    }
                }
                "listen" | "flood" | "remote" | "process" | "hidden" | "counter" => {
                    let kind = match key {
                        "listen" => RuleKind::Listen,
                        "flood" => RuleKind::Flood,
                        "remote" => RuleKind::Remote,
                        "hidden" => RuleKind::Hidden,
                        "counter" => RuleKind::Counter,
                        _ => RuleKind::Process,
                    };
                    for table in tables_of(item, key, key_loc.clone(), &mut diags) {
                        let span = table.1;
                        if let Some(rule) = read_rule(
                            kind,
                            table.0,
                            Loc { file: *id, span },
                            &set.sources,
                            &lists,
                            &mut diags,
                        ) {
                            match first_definition.get(&rule.common.id) {
                                Some(first) => diags.push(
                                    Diag::at(rule.common.loc.clone(), format!("duplicate rule id `{}`", rule.common.id), "already defined")
                                        .help(format!(
                                            "first defined at {}; to change a rule defined elsewhere use [rules.{}] with enabled/severity",
                                            set.sources.position(first),
                                            rule.common.id
                                        )),
                                ),
                                None => {
                                    first_definition.insert(rule.common.id.clone(), rule.common.loc.clone());
                                    set.rules.push(rule);
                                }
                            }
                        }
                    }
                }
                "allow" => {
                    for (table, span) in tables_of(item, key, key_loc.clone(), &mut diags) {
                        let loc = Loc { file: *id, span };
                        overrides.push(read_top_allow(
                            table,
                            loc,
                            &set.sources,
                            &lists,
                            &mut diags,
                        ));
                    }
                }
                "rules" => match item.as_table_like() {
                    Some(table) => {
                        for (rule_id, entry) in table.iter() {
                            let loc = Loc {
                                file: *id,
                                span: table
                                    .get_key_value(rule_id)
                                    .and_then(|(k, _)| k.span())
                                    .unwrap_or(0..0),
                            };
                            match entry.as_table_like() {
                                Some(t) => {
                                    overrides.push(read_override(rule_id, t, loc, *id, &mut diags))
                                }
                                None => diags.push(Diag::at(
                                    loc,
                                    format!("[rules.{rule_id}] must be a table"),
                                    "expected a table",
                                )),
                            }
                        }
                    }
                    None => diags.push(Diag::at(
                        key_loc,
                        "`rules` must be a table of [rules.ID] entries",
                        "expected a table",
                    )),
                },
                other => {
                    let mut d = Diag::at(
                        key_loc,
                        format!("unknown top-level key `{other}`"),
                        "unknown key",
                    );
                    d = match did_you_mean(other, TOP_KEYS) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!("valid keys: {}", TOP_KEYS.join(", "))),
                    };
                    diags.push(d);
                }
            }
        }
    }
    apply_overrides(&mut set, overrides, &mut diags);
    if diags.is_empty() {
        Ok(set)
    } else {
        Err(RuleErrors {
            rendered: render(&set.sources, &diags),
            count: diags.len(),
        })
    }
}

/// (display name, text) of every file to read, in order; unreadable named paths are
/// diagnostics.
fn gather(sources: &RuleSources, diags: &mut Vec<Diag>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if sources.builtin {
        out.extend(
            builtin::FILES
                .iter()
                .map(|(n, t)| ((*n).to_string(), (*t).to_string())),
        );
    }
    for dir in &sources.optional_dirs {
        if dir.is_dir() {
            read_dir_into(dir, &mut out, diags);
        }
    }
    for path in &sources.paths {
        if path.is_dir() {
            read_dir_into(path, &mut out, diags);
        } else {
            read_file_into(path, &mut out, diags);
        }
    }
    out
}

fn file_diag(path: &Path, message: String, help: Option<&str>) -> Diag {
    Diag {
        loc: None,
        message,
        label: String::new(),
        help: help.map(str::to_string),
        path: Some(path.display().to_string()),
    }
}

fn read_dir_into(dir: &Path, out: &mut Vec<(String, String)>, diags: &mut Vec<Diag>) {
    if let Err(e) = crate::files::trust::check(dir, "rule directory") {
        diags.push(file_diag(dir, e.reason(), None));
        return;
    }
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .collect();
            files.sort();
            for f in files {
                read_file_into(&f, out, diags);
            }
        }
        Err(err) => diags.push(file_diag(
            dir,
            format!("cannot read rule directory: {err}"),
            None,
        )),
    }
}

fn read_file_into(path: &Path, out: &mut Vec<(String, String)>, diags: &mut Vec<Diag>) {
    if let Err(e) = crate::files::trust::check(path, "rule file") {
        diags.push(file_diag(path, e.reason(), None));
        return;
    }
    let too_big = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_RULE_FILE_BYTES);
    if too_big {
        diags.push(file_diag(
            path,
            format!(
                "larger than the {} MiB rule file limit",
                MAX_RULE_FILE_BYTES >> 20
            ),
            None,
        ));
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => out.push((path.display().to_string(), text)),
            Err(_) => diags.push(file_diag(
                path,
                "not UTF-8 text, so not a TOML rule file".to_string(),
                None,
            )),
        },
        Err(err) => diags.push(file_diag(
            path,
            format!("cannot read rule file: {err}"),
            Some("check the path given to --rules, --baseline or `baseline check`"),
        )),
    }
}

/// Reads a `[baseline]` table into its drift rules: the five socket checks, plus the route and
/// gateway checks when the baseline records routes.
fn read_baseline(item: &Item, loc: Loc, sources: &Sources, diags: &mut Vec<Diag>) -> Vec<Rule> {
    use crate::model::baseline::{BasePort, Baseline, Bind, KnownProgram, Listener};
    let Some(table) = item.as_table_like() else {
        diags.push(Diag::at(
            loc,
            "`baseline` must be a table",
            "expected [baseline]",
        ));
        return Vec::new();
    };
    let before = diags.len();
    let mut reader = TableReader::new(table, loc.file, BASELINE_KEYS, "[baseline]");
    let host = reader.string("host", diags).map(|(h, _)| h);
    let _ = reader.string("created", diags);
    let _ = reader.string("updated", diags);
    let _ = reader.items("ephemeral-ports", diags);
    let mut baseline = Baseline {
        host,
        ..Baseline::default()
    };
    for (entry, entry_loc) in reader.tables("listener", diags) {
        let mut r = TableReader::new(
            entry,
            loc.file,
            BASELINE_LISTENER_KEYS,
            "a [[baseline.listener]] entry",
        );
        let proto = r
            .string("proto", diags)
            .and_then(|(p, l)| super::spec::build_proto(&p, l, diags));
        let bind = r.string("bind", diags).and_then(|(b, l)| {
            let parsed = Bind::parse(&b);
            if parsed.is_none() {
                diags.push(Diag::at(
                    l,
                    format!("`{b}` is not an address or scope"),
                    "bad bind",
                ));
            }
            parsed
        });
        let port = match r.items("port", diags).as_deref() {
            Some([item]) => match &item.value {
                Scalar::Str(s) if s == "ephemeral" => Some(BasePort::Ephemeral),
                Scalar::Int(n) if (1..=65535).contains(n) => {
                    u16::try_from(*n).ok().map(BasePort::Number)
                }
                _ => {
                    diags.push(Diag::at(
                        item.loc.clone(),
                        "port must be 1-65535 or \"ephemeral\"",
                        "bad port",
                    ));
                    None
                }
            },
            _ => None,
        };
        let process = r.string("process", diags).map(|(v, _)| v);
        let exe = r.string("exe", diags).map(|(v, _)| v);
        let user = r.string("user", diags).map(|(v, _)| v);
        let optional = r.boolean("optional", diags).is_some_and(|(b, _)| b);
        let _ = r.string("note", diags);
        r.require(
            &[
                ("proto", proto.is_none()),
                ("bind", bind.is_none()),
                ("port", port.is_none()),
            ],
            "listener entry",
            &entry_loc,
            diags,
        );
        r.finish(diags);
        if let (Some(proto), Some(bind), Some(port)) = (proto, bind, port) {
            baseline.listeners.push(Listener {
                proto,
                bind,
                port,
                process,
                exe,
                user,
                optional,
                origin: sources.origin(&entry_loc),
            });
        }
    }
    for (entry, entry_loc) in reader.tables("program", diags) {
        let mut r = TableReader::new(
            entry,
            loc.file,
            BASELINE_PROGRAM_KEYS,
            "a [[baseline.program]] entry",
        );
        let name = r.string("name", diags).map(|(v, _)| v);
        let exe = r.string("exe", diags).map(|(v, _)| v);
        let user = r.string("user", diags).map(|(v, _)| v);
        let _ = r.string("note", diags);
        r.finish(diags);
        match name {
            Some(name) => baseline.programs.push(KnownProgram { exe, name, user }),
            None => diags.push(Diag::at(
                entry_loc,
                "program entry lacks `name`",
                "incomplete entry",
            )),
        }
    }
    let check_routes = reader.boolean("check-routes", diags).map(|(b, _)| b);
    baseline.routes = super::baseline_routes::read_routes(&mut reader, sources, diags);
    baseline.gateways = super::baseline_routes::read_gateways(&mut reader, sources, diags);
    // A baseline written before routes were recorded has none: it must not report every
    // route as new.
    baseline.check_routes =
        check_routes.unwrap_or(!baseline.routes.is_empty() || !baseline.gateways.is_empty());
    reader.finish(diags);
    if diags.len() > before {
        return Vec::new();
    }
    let baseline = std::sync::Arc::new(baseline);
    super::drift::DriftCheck::ALL
        .iter()
        .filter(|(check, ..)| baseline.check_routes || !check.is_route_check())
        .map(|(check, id, severity, description)| Rule {
            common: super::Common {
                id: (*id).to_string(),
                severity: *severity,
                description: Some((*description).to_string()),
                enabled: true,
                allow: Vec::new(),
                origin: sources.origin(&loc),
                loc: loc.clone(),
            },
            body: Body::Drift(super::drift::DriftRule {
                check: *check,
                baseline: baseline.clone(),
            }),
        })
        .collect()
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

fn resolve(sources: &Sources, file: usize, path: &str) -> PathBuf {
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

fn read_geoip(
    item: &Item,
    loc: Loc,
    sources: &Sources,
    settings: &mut super::EnrichSettings,
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

fn read_feeds(
    item: &Item,
    loc: Loc,
    sources: &Sources,
    settings: &mut super::EnrichSettings,
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

fn read_lists(root: &toml_edit::Table, file: usize, lists: &mut Lists, diags: &mut Vec<Diag>) {
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

/// Every table of a `[[kind]]` / `[[allow]]` array, with its span.
fn tables_of<'a>(
    item: &'a Item,
    key: &str,
    loc: Loc,
    diags: &mut Vec<Diag>,
) -> Vec<(&'a dyn TableLike, std::ops::Range<usize>)> {
    match item {
        Item::ArrayOfTables(aot) => aot
            .iter()
            .map(|t| {
                (
                    t as &dyn TableLike,
                    t.span().unwrap_or_else(|| loc.span.clone()),
                )
            })
            .collect(),
        _ => {
            diags.push(
                Diag::at(
                    loc,
                    format!("`{key}` must be an array of tables"),
                    "expected [[...]]",
                )
                .help(format!("write each entry as [[{key}]]")),
            );
            Vec::new()
        }
    }
}

fn read_rule(
    kind: RuleKind,
    table: &dyn TableLike,
    loc: Loc,
    sources: &Sources,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<Rule> {
    let (keys, what): (&'static [&'static str], &str) = match kind {
        RuleKind::Listen => (listen::KEYS, "a [[listen]] rule"),
        RuleKind::Flood => (flood::KEYS, "a [[flood]] rule"),
        RuleKind::Remote => (remote::KEYS, "a [[remote]] rule"),
        RuleKind::Process => (process::KEYS, "a [[process]] rule"),
        RuleKind::Hidden => (hidden::KEYS, "a [[hidden]] rule"),
        RuleKind::Counter => (counter::KEYS, "a [[counter]] rule"),
        RuleKind::Baseline => return None,
    };
    let mut reader = TableReader::new(table, loc.file, keys, what);
    let common = read_common(&mut reader, loc, sources, lists, diags);
    let body = match kind {
        RuleKind::Listen => Some(Body::Listen(listen::read(&mut reader, lists, diags))),
        RuleKind::Flood => flood::read(&mut reader, lists, diags).map(Body::Flood),
        RuleKind::Remote => Some(Body::Remote(remote::read(&mut reader, lists, diags))),
        RuleKind::Process => Some(Body::Process(process::read(&mut reader, lists, diags))),
        RuleKind::Hidden => Some(Body::Hidden(hidden::read(&mut reader, lists, diags))),
        RuleKind::Counter => counter::read(&mut reader, lists, diags).map(Body::Counter),
        RuleKind::Baseline => None,
    };
    reader.finish(diags);
    Some(Rule {
        common: common?,
        body: body?,
    })
}

/// A change to a rule defined elsewhere: an extra allow entry, or enabled/severity.
enum Override {
    Allow {
        rules: Vec<(String, Loc)>,
        allow: Option<Box<super::Allow>>,
    },
    Settings {
        id: String,
        loc: Loc,
        enabled: Option<bool>,
        severity: Option<Severity>,
    },
}

fn read_top_allow(
    table: &dyn TableLike,
    loc: Loc,
    sources: &Sources,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Override {
    let file = loc.file;
    let mut reader = TableReader::new(table, file, &TOP_ALLOW_KEYS, "an [[allow]] entry");
    let rules = match reader.items("rule", diags) {
        Some(items) => items
            .into_iter()
            .filter_map(|item| match item.value {
                Scalar::Str(s) => Some((s, item.loc)),
                Scalar::Int(_) => {
                    diags.push(Diag::at(
                        item.loc,
                        "`rule` names a rule id (a string)",
                        "not a string",
                    ));
                    None
                }
            })
            .collect(),
        None => {
            let anchor = ALLOW_KEYS
                .iter()
                .find_map(|k| reader.value_loc(k))
                .unwrap_or(Loc { file, span: 0..0 });
            diags.push(
                Diag::at(
                    anchor,
                    "[[allow]] entry has no `rule`",
                    "which rule does it suppress?",
                )
                .help("add rule = \"RULE-ID\""),
            );
            Vec::new()
        }
    };
    let allow = read_allow(&mut reader, loc, sources, lists, diags).map(Box::new);
    reader.finish(diags);
    Override::Allow { rules, allow }
}

fn read_override(
    id: &str,
    table: &dyn TableLike,
    loc: Loc,
    file: usize,
    diags: &mut Vec<Diag>,
) -> Override {
    let mut reader = TableReader::new(table, file, OVERRIDE_KEYS, "a [rules.ID] override");
    let enabled = reader.boolean("enabled", diags).map(|(b, _)| b);
    let severity = reader.string("severity", diags).and_then(|(text, loc)| {
        let s = Severity::parse(&text);
        if s.is_none() {
            diags.push(
                Diag::at(
                    loc,
                    format!("unknown severity `{text}`"),
                    "unknown severity",
                )
                .help("use one of: info, low, medium, high, critical"),
            );
        }
        s
    });
    reader.finish(diags);
    Override::Settings {
        id: id.to_string(),
        loc,
        enabled,
        severity,
    }
}

fn apply_overrides(set: &mut RuleSet, overrides: Vec<Override>, diags: &mut Vec<Diag>) {
    let ids: Vec<String> = set.rules.iter().map(|r| r.common.id.clone()).collect();
    let unknown = |id: &str, loc: Loc, diags: &mut Vec<Diag>| {
        let known: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut d = Diag::at(loc, format!("no rule has the id `{id}`"), "unknown rule id");
        if let Some(s) = did_you_mean(id, &known) {
            d = d.help(format!("did you mean `{s}`?"));
        } else {
            d = d.help("`sockaudit rules list` shows every rule id");
        }
        diags.push(d);
    };
    for o in overrides {
        match o {
            Override::Allow { rules, allow } => {
                for (id, loc) in rules {
                    let targets: Vec<&mut Rule> = if id == "*" {
                        set.rules.iter_mut().collect()
                    } else {
                        set.rules.iter_mut().filter(|r| r.common.id == id).collect()
                    };
                    if targets.is_empty() {
                        unknown(&id, loc, diags);
                    }
                    if let Some(allow) = &allow {
                        for rule in targets {
                            rule.common.allow.push((**allow).clone());
                        }
                    }
                }
            }
            Override::Settings {
                id,
                loc,
                enabled,
                severity,
            } => match set.rules.iter_mut().find(|r| r.common.id == id) {
                Some(rule) => {
                    if let Some(e) = enabled {
                        rule.common.enabled = e;
                    }
                    if let Some(s) = severity {
                        rule.common.severity = s;
                    }
                }
                None => unknown(&id, loc, diags),
            },
        }
    }
}
