//! The route and gateway drift checks of a baseline (docs/rules/baseline.md, docs/routes.md):
//! the routing table now against `[[baseline.route]]` and `[[baseline.gateway]]`.
//!
//! Only configured routes ([`Route::is_configured`]) are compared, the same set `baseline
//! create` records, so the kernel's own entries never show up as drift. A change of the default
//! route is reported once, as the most specific of `default-route-changed` (high) and
//! `default-route-new-interface` (medium); the baselined default it replaced is not also
//! reported as `expected-route-missing`.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::check::DriftCheck;
use crate::model::baseline::Baseline;
use crate::model::baseline::{RouteEntry, sharing};
use crate::model::finding::{Evidence, Finding};
use crate::model::routes::{Route, RouteTable, captures_public};
use crate::rules::context::RuleRun;

/// Runs one route or gateway check.
pub(super) fn evaluate(
    run: &RuleRun<'_>,
    check: DriftCheck,
    base: &Baseline,
    table: &RouteTable,
    out: &mut Vec<Finding>,
) {
    match check {
        DriftCheck::DefaultRouteChanged | DriftCheck::DefaultRouteNewInterface => {
            default_routes(run, check, base, table, out);
        }
        DriftCheck::RouteCapturesPublic => captures(run, base, table, out),
        DriftCheck::ExpectedRouteMissing => missing(run, base, table, out),
        DriftCheck::GatewayMacChanged => mac_changed(run, base, table, out),
        DriftCheck::GatewayMacShared => mac_shared(run, base, table, out),
        _ => {}
    }
}

/// `count` stays 0: it counts sockets, and a route finding has none.
fn route_evidence(route: &Route) -> Evidence {
    Evidence {
        routes: vec![route.clone()],
        ..Evidence::default()
    }
}

fn metric_text(route: &Route) -> String {
    route
        .metric
        .map_or_else(String::new, |m| format!(", metric {m}"))
}

fn gateway_text(gateway: Option<IpAddr>) -> String {
    gateway.map_or_else(|| "on-link".to_string(), |g| g.to_string())
}

/// How a current default route differs from the baseline, if it does.
#[derive(PartialEq, Eq)]
enum DefaultDrift<'b> {
    /// The baseline had no default route of this family.
    Appeared,
    /// The baselined default route(s) of this family and table are gone: this replaced them.
    Replaced(Vec<&'b RouteEntry>),
    /// Out of an interface no baselined default route of this family used.
    NewInterface,
    /// Beside a baselined default route that is still there, via another gateway.
    Additional(Vec<&'b RouteEntry>),
}

fn default_drift<'b>(
    route: &Route,
    base: &'b Baseline,
    current: &[&Route],
) -> Option<DefaultDrift<'b>> {
    let defaults: Vec<&RouteEntry> = base
        .routes
        .iter()
        .filter(|e| e.is_default() && e.family == route.family)
        .collect();
    if defaults.iter().any(|e| e.matches(route)) {
        return None;
    }
    if defaults.is_empty() {
        return Some(DefaultDrift::Appeared);
    }
    let same_table: Vec<&RouteEntry> = defaults
        .iter()
        .copied()
        .filter(|e| e.table == route.table)
        .collect();
    let still_there = same_table
        .iter()
        .any(|e| current.iter().any(|r| e.matches(r)));
    if !same_table.is_empty() && !still_there {
        return Some(DefaultDrift::Replaced(same_table));
    }
    let known_interface = defaults
        .iter()
        .any(|e| e.interface.is_none() || e.interface == route.interface);
    if !known_interface {
        return Some(DefaultDrift::NewInterface);
    }
    Some(DefaultDrift::Additional(same_table))
}

fn default_routes(
    run: &RuleRun<'_>,
    check: DriftCheck,
    base: &Baseline,
    table: &RouteTable,
    out: &mut Vec<Finding>,
) {
    let current: Vec<&Route> = table.configured().filter(|r| r.is_default()).collect();
    for route in &current {
        let Some(drift) = default_drift(route, base, &current) else {
            continue;
        };
        let wanted = match drift {
            DefaultDrift::NewInterface => DriftCheck::DefaultRouteNewInterface,
            _ => DriftCheck::DefaultRouteChanged,
        };
        if wanted != check {
            continue;
        }
        let family = route.family_name();
        let now = format!(
            "via {}{} (table {}{})",
            gateway_text(route.gateway),
            route
                .interface
                .as_deref()
                .map_or_else(String::new, |i| format!(" dev {i}")),
            route.table,
            metric_text(route)
        );
        let was = |entries: &[&RouteEntry]| {
            let list: Vec<String> = entries
                .iter()
                .map(|e| {
                    format!(
                        "{} (baseline entry at {})",
                        e.next_hop().trim_start(),
                        e.origin
                    )
                })
                .collect();
            list.join(", ")
        };
        let message = match &drift {
            DefaultDrift::Appeared => format!(
                "new {family} default route {now}; the baseline had no {family} default route"
            ),
            DefaultDrift::Replaced(entries) => format!(
                "{family} default route is now {now}; the baseline had {}",
                was(entries)
            ),
            DefaultDrift::Additional(entries) if !entries.is_empty() => format!(
                "additional {family} default route {now} beside the baselined {}",
                was(entries)
            ),
            DefaultDrift::Additional(_) => {
                format!("{family} default route {now} is not in the baseline")
            }
            DefaultDrift::NewInterface => format!(
                "{family} default route {now}: interface {} carried no {family} default route in the baseline",
                route.interface.as_deref().unwrap_or("?")
            ),
        };
        let gateway = gateway_text(route.gateway);
        let interface = route.interface.clone().unwrap_or_default();
        out.push(run.finding(
            message,
            &[family, &route.table, &gateway, &interface],
            None,
            None,
            route_evidence(route),
        ));
    }
}

fn captures(run: &RuleRun<'_>, base: &Baseline, table: &RouteTable, out: &mut Vec<Finding>) {
    for route in table.configured().filter(|r| !r.is_default()) {
        if base.routes.iter().any(|e| e.matches(route)) || !captures_public(route.destination) {
            continue;
        }
        let half = if route.destination.prefix_len() == 1 {
            " (half the address space: the classic override of the default route)"
        } else {
            ""
        };
        let message = format!(
            "new route {}{} captures public destinations more specifically than the default route{half}; not in the baseline",
            route.describe(),
            metric_text(route)
        );
        let destination = route.destination.to_string();
        let gateway = gateway_text(route.gateway);
        let interface = route.interface.clone().unwrap_or_default();
        out.push(run.finding(
            message,
            &[&destination, &route.table, &gateway, &interface],
            None,
            None,
            route_evidence(route),
        ));
    }
}

fn missing(run: &RuleRun<'_>, base: &Baseline, table: &RouteTable, out: &mut Vec<Finding>) {
    for entry in base.routes.iter().filter(|e| !e.optional) {
        if table.routes.iter().any(|r| entry.matches(r)) {
            continue;
        }
        // A replaced default route is default-route-changed's finding, not a missing route.
        let replaced = entry.is_default()
            && table
                .configured()
                .any(|r| r.is_default() && r.family == entry.family && r.table == entry.table);
        if replaced {
            continue;
        }
        let message = format!(
            "baselined route {} is missing (baseline entry at {})",
            entry.describe(),
            entry.origin
        );
        let destination = entry.destination.to_string();
        let gateway = gateway_text(entry.gateway);
        let interface = entry.interface.clone().unwrap_or_default();
        out.push(run.finding(
            message,
            &[&destination, &entry.table, &gateway, &interface],
            None,
            None,
            Evidence::default(),
        ));
    }
}

fn mac_changed(run: &RuleRun<'_>, base: &Baseline, table: &RouteTable, out: &mut Vec<Finding>) {
    for entry in base.gateways.iter().filter(|e| !e.optional) {
        // No entry now (never resolved, or expired): nothing is known, nothing to report.
        let Some(n) = table.neighbour(entry.address, entry.interface.as_deref()) else {
            continue;
        };
        let Some(mac) = n.station_mac() else {
            continue;
        };
        if mac == entry.mac {
            continue;
        }
        let on = n
            .interface
            .as_deref()
            .map_or_else(String::new, |i| format!(" on {i}"));
        let message = format!(
            "gateway {}{on} now answers with MAC {mac}; the baseline had {} (ARP/NDP spoofing, or a replaced router; baseline entry at {})",
            entry.address, entry.mac, entry.origin
        );
        out.push(run.finding(
            message,
            &[&entry.address.to_string(), mac],
            None,
            None,
            Evidence {
                neighbours: vec![n.clone()],
                ..Evidence::default()
            },
        ));
    }
}

fn mac_shared(run: &RuleRun<'_>, base: &Baseline, table: &RouteTable, out: &mut Vec<Finding>) {
    // Gateways now, and the baselined ones (a spoofer may have taken over a gateway that has
    // since lost its route).
    let mut gateways: BTreeSet<(IpAddr, Option<String>)> = table
        .configured()
        .filter_map(|r| Some((r.gateway?, r.interface.clone())))
        .collect();
    gateways.extend(
        base.gateways
            .iter()
            .map(|g| (g.address, g.interface.clone())),
    );
    let mut reported: BTreeSet<(IpAddr, IpAddr)> = BTreeSet::new();
    for (gateway, interface) in gateways {
        let Some(n) = table.neighbour(gateway, interface.as_deref()) else {
            continue;
        };
        let Some(mac) = n.station_mac() else {
            continue;
        };
        // Recorded as sharing when the baseline was made, in either entry.
        let known = |other: IpAddr| {
            base.gateways.iter().any(|g| {
                (g.address == gateway && g.shared_with.contains(&other))
                    || (g.address == other && g.shared_with.contains(&gateway))
            })
        };
        for other in sharing(table, gateway, n.interface.as_deref(), mac) {
            let pair = (gateway.min(other), gateway.max(other));
            if known(other) || !reported.insert(pair) {
                continue;
            }
            let others: Vec<_> = table
                .neighbours
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .filter(|x| x.address == other || x.address == gateway)
                .cloned()
                .collect();
            let on = n
                .interface
                .as_deref()
                .map_or_else(String::new, |i| format!(" on {i}"));
            let message = format!(
                "gateway {gateway} and {other} share MAC {mac}{on}: one station answers for both (the ARP spoofing pattern, unless the router has both addresses)"
            );
            out.push(run.finding(
                message,
                &[&gateway.to_string(), &other.to_string(), mac],
                None,
                None,
                Evidence {
                    neighbours: others,
                    ..Evidence::default()
                },
            ));
        }
    }
}
