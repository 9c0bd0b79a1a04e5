//! A `[baseline]` table read into its drift rules: the socket checks, plus the route and
//! gateway checks when the baseline records routes.

use std::sync::Arc;

use toml_edit::Item;

use super::diag::{Diag, Loc, Sources};
use super::reader::{Scalar, TableReader};
use crate::model::baseline::{BasePort, Baseline, Bind, KnownProgram, Listener};
use crate::rules::common::Common;
use crate::rules::kinds::drift::{DriftCheck, DriftRule};
use crate::rules::set::Rule;

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
/// Reads a `[baseline]` table into its drift rules: the five socket checks, plus the route and
/// gateway checks when the baseline records routes.
pub(super) fn read_baseline(
    item: &Item,
    loc: Loc,
    sources: &Sources,
    diags: &mut Vec<Diag>,
) -> Vec<Rule> {
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
    let ephemeral_ports = read_range(reader.items("ephemeral-ports", diags), loc.clone(), diags);
    let mut baseline = Baseline {
        host,
        ephemeral_ports,
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
            .and_then(|(p, l)| crate::rules::spec::build_proto(&p, l, diags));
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
        let port_items = r.items("port", diags);
        let port_loc = port_items
            .as_deref()
            .and_then(|items| items.first())
            .map_or_else(|| entry_loc.clone(), |item| item.loc.clone());
        let port = match port_items.as_deref() {
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
        if port == Some(BasePort::Ephemeral) && process.is_none() && exe.is_none() {
            diags.push(
                Diag::at(
                    port_loc,
                    "`port = \"ephemeral\"` needs `process` or `exe`: a port that moves \
                     identifies a listener only together with its program",
                    "moving port of no program",
                )
                .help("name the program (process = \"NAME\" or exe = \"/path\"), or write the port number"),
            );
        }
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
    let baseline = Arc::new(baseline);
    DriftCheck::ALL
        .iter()
        .filter(|(check, ..)| baseline.check_routes || !check.is_route_check())
        .map(|(check, id, severity, description)| Rule {
            common: Common {
                id: (*id).to_string(),
                severity: *severity,
                description: Some((*description).to_string()),
                enabled: true,
                allow: Vec::new(),
                origin: sources.origin(&loc),
                loc: loc.clone(),
                from_pack: false,
            },
            body: Arc::new(DriftRule {
                check: *check,
                baseline: baseline.clone(),
            }),
        })
        .collect()
}

/// `ephemeral-ports = [LOW, HIGH]`.
fn read_range(
    items: Option<Vec<super::reader::RawItem>>,
    loc: Loc,
    diags: &mut Vec<Diag>,
) -> Option<[u16; 2]> {
    let items = items?;
    let port = |i: &super::reader::RawItem| match i.value {
        Scalar::Int(n) => u16::try_from(n).ok().filter(|&p| p > 0),
        Scalar::Str(_) => None,
    };
    match items.as_slice() {
        [lo, hi] => match (port(lo), port(hi)) {
            (Some(a), Some(b)) if a <= b => Some([a, b]),
            _ => {
                diags.push(Diag::at(
                    lo.loc.clone(),
                    "`ephemeral-ports` must be [LOW, HIGH], two ports with LOW <= HIGH",
                    "bad port range",
                ));
                None
            }
        },
        _ => {
            diags.push(Diag::at(
                items.first().map_or(loc, |i| i.loc.clone()),
                "`ephemeral-ports` must be [LOW, HIGH] (as in ip_local_port_range)",
                "bad port range",
            ));
            None
        }
    }
}
