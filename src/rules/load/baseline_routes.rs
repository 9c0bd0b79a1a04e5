//! Reading a baseline's `[[baseline.route]]` and `[[baseline.gateway]]` entries, with every
//! mistake reported at its file:line:column like the rest of a rule file.

use std::net::IpAddr;

use super::diag::{Diag, Loc, Sources};
use super::reader::{Scalar, TableReader};
use crate::model::baseline::{GatewayEntry, RouteEntry};
use crate::model::routes::{MAIN_TABLE, Prefix, RouteType, normalize_mac};

/// Keys of a `[[baseline.route]]` entry (`note` is free text for the reviewer).
const ROUTE_KEYS: &[&str] = &[
    "destination",
    "gateway",
    "interface",
    "table",
    "type",
    "optional",
    "note",
];
/// Keys of a `[[baseline.gateway]]` entry.
const GATEWAY_KEYS: &[&str] = &[
    "address",
    "mac",
    "interface",
    "shared-with",
    "optional",
    "note",
];

fn address(text: &str, loc: Loc, what: &str, diags: &mut Vec<Diag>) -> Option<IpAddr> {
    let parsed = text.parse::<IpAddr>().ok();
    if parsed.is_none() {
        diags.push(Diag::at(
            loc,
            format!("`{text}` is not an IP address"),
            format!("bad {what}"),
        ));
    }
    parsed
}

/// Reads the `route` entries of a `[baseline]` table.
pub(super) fn read_routes(
    reader: &mut TableReader<'_>,
    sources: &Sources,
    diags: &mut Vec<Diag>,
) -> Vec<RouteEntry> {
    let file = reader.file();
    let mut out = Vec::new();
    for (entry, entry_loc) in reader.tables("route", diags) {
        let mut r = TableReader::new(entry, file, ROUTE_KEYS, "a [[baseline.route]] entry");
        let destination = r.string("destination", diags).and_then(|(d, l)| {
            let parsed = d.parse::<Prefix>();
            if let Err(e) = &parsed {
                diags.push(Diag::at(l, e.to_string(), "bad destination").help(
                    "write a prefix like \"0.0.0.0/0\", \"10.0.0.0/8\" or \"2001:db8::/32\"",
                ));
            }
            parsed.ok()
        });
        let gateway_loc = r.value_loc("gateway");
        let gateway = r
            .string("gateway", diags)
            .and_then(|(g, l)| address(&g, l, "gateway", diags));
        let interface = r.string("interface", diags).map(|(v, _)| v);
        let table = r
            .string("table", diags)
            .map_or_else(|| MAIN_TABLE.to_string(), |(t, _)| t);
        let kind = match r.string("type", diags) {
            Some((t, l)) => match RouteType::parse(&t) {
                Some(k) => k,
                None => {
                    diags.push(Diag::at(l, format!("unknown route type `{t}`"), "bad type").help(
                        "unicast, blackhole, unreachable, prohibit, throw, local, broadcast, multicast, anycast or nat",
                    ));
                    RouteType::Unicast
                }
            },
            None => RouteType::Unicast,
        };
        let optional = r.boolean("optional", diags).is_some_and(|(b, _)| b);
        let _ = r.string("note", diags);
        if destination.is_none() && r.value_loc("destination").is_none() {
            diags.push(Diag::at(
                entry_loc.clone(),
                "route entry lacks `destination`",
                "incomplete entry",
            ));
        }
        r.finish(diags);
        let Some(destination) = destination else {
            continue;
        };
        if let (Some(g), Some(l)) = (gateway, gateway_loc)
            && g.is_ipv4() != destination.addr().is_ipv4()
            && g.is_ipv4()
        {
            // IPv6 routes never have an IPv4 next hop (the reverse, RFC 5549, exists).
            diags.push(Diag::at(
                l,
                format!("IPv4 gateway {g} for the IPv6 destination {destination}"),
                "family mismatch",
            ));
            continue;
        }
        out.push(RouteEntry {
            family: destination.family(),
            destination,
            gateway,
            interface,
            table,
            kind,
            optional,
            origin: sources.origin(&entry_loc),
        });
    }
    out
}

/// Reads the `gateway` entries of a `[baseline]` table.
pub(super) fn read_gateways(
    reader: &mut TableReader<'_>,
    sources: &Sources,
    diags: &mut Vec<Diag>,
) -> Vec<GatewayEntry> {
    let file = reader.file();
    let mut out = Vec::new();
    for (entry, entry_loc) in reader.tables("gateway", diags) {
        let mut r = TableReader::new(entry, file, GATEWAY_KEYS, "a [[baseline.gateway]] entry");
        let addr = r
            .string("address", diags)
            .and_then(|(a, l)| address(&a, l, "address", diags));
        let mac = r.string("mac", diags).and_then(|(m, l)| {
            let parsed = normalize_mac(&m);
            if parsed.is_none() {
                diags.push(
                    Diag::at(l, format!("`{m}` is not a MAC address"), "bad mac")
                        .help("write it like \"00:00:5e:00:53:01\""),
                );
            }
            parsed
        });
        let interface = r.string("interface", diags).map(|(v, _)| v);
        let mut shared_with = Vec::new();
        for item in r.items("shared-with", diags).unwrap_or_default() {
            match &item.value {
                Scalar::Str(s) => {
                    shared_with.extend(address(s, item.loc.clone(), "address", diags))
                }
                Scalar::Int(_) => diags.push(Diag::at(
                    item.loc.clone(),
                    "`shared-with` takes IP addresses as strings",
                    "bad address",
                )),
            }
        }
        shared_with.sort();
        let optional = r.boolean("optional", diags).is_some_and(|(b, _)| b);
        let _ = r.string("note", diags);
        r.require(
            &[("address", addr.is_none()), ("mac", mac.is_none())],
            "gateway entry",
            &entry_loc,
            diags,
        );
        r.finish(diags);
        if let (Some(address), Some(mac)) = (addr, mac) {
            out.push(GatewayEntry {
                address,
                mac,
                interface,
                shared_with,
                optional,
                origin: sources.origin(&entry_loc),
            });
        }
    }
    out
}
