//! The routes and gateways a baseline records, written by `baseline create`, refreshed by
//! `baseline update`.

use std::collections::BTreeSet;
use std::net::IpAddr;

use toml_edit::{Array, ArrayOfTables, Item, Table, value};

use crate::model::baseline::{GatewayEntry, RouteEntry, sharing};
use crate::model::routes::{Prefix, Route, RouteTable, RouteType};

/// The configured routes of a snapshot as baseline entries, de-duplicated and sorted.
pub fn routes_of(table: &RouteTable) -> Vec<RouteEntry> {
    let set: BTreeSet<RouteEntry> = table.configured().map(RouteEntry::of).collect();
    let mut list: Vec<RouteEntry> = set.into_iter().collect();
    // The routing table's own order: main table first, then policy tables.
    list.sort_by(|a, b| {
        let key = |e: &RouteEntry| (e.family, table_rank(&e.table), e.table.clone());
        key(a).cmp(&key(b)).then_with(|| a.cmp(b))
    });
    list
}

fn table_rank(table: &str) -> (u8, Option<u32>) {
    match table {
        crate::model::routes::MAIN_TABLE => (0, None),
        crate::model::routes::LOCAL_TABLE => (2, None),
        other => (1, other.parse().ok()),
    }
}

/// The gateways of the configured routes whose MAC address is known, with the neighbours that
/// share it; sorted.
pub fn gateways_of(table: &RouteTable) -> Vec<GatewayEntry> {
    let mut out: BTreeSet<GatewayEntry> = BTreeSet::new();
    for route in table.configured() {
        let Some(gateway) = route.gateway else {
            continue;
        };
        let Some(n) = table.neighbour(gateway, route.interface.as_deref()) else {
            continue;
        };
        let Some(mac) = n.station_mac() else {
            continue;
        };
        let shared_with = sharing(table, gateway, n.interface.as_deref(), mac);
        out.insert(GatewayEntry {
            address: gateway,
            mac: mac.to_string(),
            interface: n.interface.clone().or_else(|| route.interface.clone()),
            shared_with,
            optional: false,
            origin: String::new(),
        });
    }
    out.into_iter().collect()
}

/// The TOML of a route entry.
pub fn route_table(e: &RouteEntry) -> Table {
    let mut t = Table::new();
    t.insert("destination", value(e.destination.to_string()));
    if let Some(g) = e.gateway {
        t.insert("gateway", value(g.to_string()));
    }
    if let Some(i) = &e.interface {
        t.insert("interface", value(i.as_str()));
    }
    t.insert("table", value(e.table.as_str()));
    if e.kind != RouteType::Unicast {
        t.insert("type", value(e.kind.as_str()));
    }
    t
}

/// The TOML of a gateway entry.
pub fn gateway_table(e: &GatewayEntry) -> Table {
    let mut t = Table::new();
    t.insert("address", value(e.address.to_string()));
    t.insert("mac", value(e.mac.as_str()));
    if let Some(i) = &e.interface {
        t.insert("interface", value(i.as_str()));
    }
    if !e.shared_with.is_empty() {
        t.insert("shared-with", value(addresses(&e.shared_with)));
    }
    t
}

fn addresses(list: &[IpAddr]) -> Array {
    list.iter().map(|a| a.to_string()).collect()
}

/// Adds `check-routes = true` and the route and gateway arrays to a new baseline's table.
pub fn insert_all(base: &mut Table, table: &RouteTable) {
    base.insert("check-routes", value(true));
    let mut routes = ArrayOfTables::new();
    for e in routes_of(table) {
        routes.push(route_table(&e));
    }
    base.insert("route", Item::ArrayOfTables(routes));
    let mut gateways = ArrayOfTables::new();
    for e in gateways_of(table) {
        gateways.push(gateway_table(&e));
    }
    base.insert("gateway", Item::ArrayOfTables(gateways));
}

/// Reads back a route entry written in a baseline (already validated by the rule loader).
fn entry_of(t: &Table) -> Option<RouteEntry> {
    let s = |k: &str| t.get(k).and_then(Item::as_str);
    let destination: Prefix = s("destination")?.parse().ok()?;
    Some(RouteEntry {
        family: destination.family(),
        destination,
        gateway: s("gateway").and_then(|g| g.parse().ok()),
        interface: s("interface").map(str::to_string),
        table: s("table")
            .unwrap_or(crate::model::routes::MAIN_TABLE)
            .to_string(),
        kind: s("type")
            .and_then(RouteType::parse)
            .unwrap_or(RouteType::Unicast),
        optional: t.get("optional").and_then(Item::as_bool) == Some(true),
        origin: String::new(),
    })
}

/// `baseline update` for routes: entries still present keep their comments, vanished ones are
/// removed (unless `optional = true`), new routes are appended; gateway MACs are refreshed where
/// the neighbour table knows them now. Returns (added, removed).
pub fn update(base: &mut Table, table: &RouteTable) -> (usize, usize) {
    if !base.contains_key("check-routes") {
        base.insert("check-routes", value(true));
    }
    let live: Vec<&Route> = table.configured().collect();
    let wanted = routes_of(table);
    let (mut added, mut removed) = (0, 0);
    let routes = base
        .entry("route")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    if let Some(aot) = routes.as_array_of_tables_mut() {
        let before = aot.len();
        aot.retain(|t| match entry_of(t) {
            Some(e) => e.optional || live.iter().any(|r| e.matches(r)),
            // Unreadable entries are the user's business; the loader reports them.
            None => true,
        });
        removed += before - aot.len();
        let present: Vec<RouteEntry> = aot.iter().filter_map(entry_of).collect();
        for e in &wanted {
            let route = e.as_route();
            if !present.iter().any(|p| p.matches(&route)) {
                aot.push(route_table(e));
                added += 1;
            }
        }
    }
    let gateways_now = gateways_of(table);
    let gateway_addresses: BTreeSet<IpAddr> = live.iter().filter_map(|r| r.gateway).collect();
    let gateways = base
        .entry("gateway")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    if let Some(aot) = gateways.as_array_of_tables_mut() {
        let address_of = |t: &Table| -> Option<IpAddr> { t.get("address")?.as_str()?.parse().ok() };
        let before = aot.len();
        aot.retain(|t| {
            t.get("optional").and_then(Item::as_bool) == Some(true)
                || address_of(t).is_none_or(|a| gateway_addresses.contains(&a))
        });
        removed += before - aot.len();
        for t in aot.iter_mut() {
            let Some(now) =
                address_of(t).and_then(|a| gateways_now.iter().find(|g| g.address == a))
            else {
                // Not in the neighbour table right now: nothing new is known, keep the record.
                continue;
            };
            if t.get("mac").and_then(Item::as_str) != Some(now.mac.as_str()) {
                t.insert("mac", value(now.mac.as_str()));
            }
            let recorded: Vec<IpAddr> = t
                .get("shared-with")
                .and_then(Item::as_array)
                .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
                .unwrap_or_default();
            if now.shared_with.is_empty() {
                t.remove("shared-with");
            } else if recorded != now.shared_with {
                t.insert("shared-with", value(addresses(&now.shared_with)));
            }
        }
        let present: Vec<IpAddr> = aot.iter().filter_map(address_of).collect();
        for g in &gateways_now {
            if !present.contains(&g.address) {
                aot.push(gateway_table(g));
                added += 1;
            }
        }
    }
    (added, removed)
}
