//! iproute2 `ip route` / `ip -4 route` / `ip -6 route` / `ip route show table all` (and `-d`).
//!
//! A line is `[TYPE] DESTINATION` followed by `key value` pairs and bare flags; a multipath
//! route continues on indented `nexthop via ... dev ...` lines, each of which becomes one route.
//! `default` has no family of its own: it takes the family of its gateway or source, `pref`
//! (IPv6 only) makes it IPv6, else the family of the file's other routes, else IPv4.

use std::net::IpAddr;

use super::parsed::{Parsed, words};
use crate::model::Family;
use crate::model::routes::{LOCAL_TABLE, Prefix, Route, RouteType};

/// Keys followed by one value.
const VALUE_KEYS: &[&str] = &[
    "via",
    "dev",
    "proto",
    "scope",
    "src",
    "metric",
    "priority",
    "preference",
    "table",
    "pref",
    "expires",
    "mtu",
    "advmss",
    "hoplimit",
    "error",
    "nhid",
    "realm",
    "realms",
    "tos",
    "dsfield",
    "weight",
    "from",
    "rtt",
    "rttvar",
    "reordering",
    "window",
    "cwnd",
    "initcwnd",
    "initrwnd",
    "ssthresh",
    "features",
    "quickack",
    "congctl",
    "fastopen_no_cookie",
    "rto_min",
    "ttl-propagate",
    "vrf",
    "iif",
    "oif",
    "mark",
    "uid",
    "ipproto",
    "sport",
    "dport",
    "age",
    "used",
];

/// Whether a line is a route line of this format (for detection).
pub(super) fn is_row(line: &str) -> bool {
    let w = words(line);
    let start = usize::from(w.first().is_some_and(|t| RouteType::parse(t).is_some()));
    let Some(dest) = w.get(start) else {
        return false;
    };
    let dest_ok = *dest == "default" || dest.parse::<Prefix>().is_ok();
    dest_ok
        && w[start + 1..]
            .iter()
            .any(|k| matches!(*k, "dev" | "via" | "proto" | "table"))
}

/// One route line before its family is settled.
struct Pending {
    route: Route,
    default_without_family: bool,
    has_pref: bool,
    table_given: bool,
}

/// Parses every route line (and its `nexthop` lines).
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut pending: Vec<Pending> = Vec::new();
    // The route whose `nexthop` lines follow, and whether one was seen yet.
    let mut multipath: Option<(Pending, bool)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let w = words(line);
        if w.is_empty() {
            continue;
        }
        if w[0] == "nexthop" {
            match &mut multipath {
                Some((base, seen)) => {
                    let mut hop = Pending {
                        route: base.route.clone(),
                        default_without_family: base.default_without_family,
                        has_pref: base.has_pref,
                        table_given: base.table_given,
                    };
                    hop.route.gateway = None;
                    hop.route.interface = None;
                    apply_keys(&mut hop, &w[1..]);
                    pending.push(hop);
                    *seen = true;
                }
                None => out.skipped.push((index + 1, line.trim().to_string())),
            }
            continue;
        }
        if let Some((base, seen)) = multipath.take()
            && !seen
        {
            pending.push(base);
        }
        if matches!(w[0], "cache" | "Deleted") {
            continue;
        }
        match route_line(&w) {
            Some(p) => multipath = Some((p, false)),
            None => out.skipped.push((index + 1, line.trim().to_string())),
        }
    }
    if let Some((base, false)) = multipath {
        pending.push(base);
    }
    // `default` lines take the family the rest of the file shows when nothing else says.
    let v6 = pending
        .iter()
        .filter(|p| !p.default_without_family)
        .filter(|p| p.route.family == Family::Ipv6)
        .count();
    let v4 = pending.iter().filter(|p| !p.default_without_family).count() - v6;
    for mut p in pending {
        if p.default_without_family && (p.has_pref || v6 > v4) {
            p.route.destination = Prefix::default_route(Family::Ipv6);
            p.route.family = Family::Ipv6;
        }
        if !p.table_given && p.route.kind.is_kernel_generated() {
            // `ip route show table local` leaves out the table it was asked for.
            p.route.table = LOCAL_TABLE.to_string();
        }
        p.route.flags = p.route.derived_flags();
        out.routes.push(p.route);
    }
    out
}

fn route_line(w: &[&str]) -> Option<Pending> {
    let (kind, rest) = match RouteType::parse(w[0]) {
        Some(kind) => (kind, &w[1..]),
        None => (RouteType::Unicast, w),
    };
    let dest = *rest.first()?;
    let (destination, default_without_family) = if dest == "default" {
        (Prefix::default_route(Family::Ipv4), true)
    } else {
        (dest.parse::<Prefix>().ok()?, false)
    };
    let mut route = Route::new(destination);
    route.kind = kind;
    let mut p = Pending {
        route,
        default_without_family,
        has_pref: false,
        table_given: false,
    };
    apply_keys(&mut p, &rest[1..]);
    Some(p)
}

/// Reads `key value` pairs and bare flags into the route.
fn apply_keys(p: &mut Pending, w: &[&str]) {
    let mut i = 0;
    while i < w.len() {
        let key = w[i];
        if !VALUE_KEYS.contains(&key) {
            // A bare flag (onlink, linkdown, dead, offload...) or a key we do not know.
            i += 1;
            continue;
        }
        let mut value = w.get(i + 1).copied().unwrap_or("");
        i += 2;
        // `via inet6 fe80::1`, `mtu lock 1400`.
        if matches!(value, "inet" | "inet6" | "lock") {
            value = w.get(i).copied().unwrap_or("");
            i += 1;
        }
        let route = &mut p.route;
        match key {
            "via" => {
                route.gateway = value.parse().ok();
                settle_family(p, value);
            }
            "dev" => route.interface = Some(value.to_string()),
            "proto" => route.protocol = Some(value.to_string()),
            "scope" => {
                route.scope = (!matches!(value, "global" | "universe")).then(|| value.to_string());
            }
            "src" => {
                route.source = value.parse().ok();
                settle_family(p, value);
            }
            "metric" | "priority" | "preference" => route.metric = value.parse().ok(),
            "table" => {
                route.table = value.to_string();
                p.table_given = true;
            }
            "pref" => p.has_pref = true,
            _ => {}
        }
    }
}

/// A gateway or source address settles the family of a `default` route.
fn settle_family(p: &mut Pending, value: &str) {
    if !p.default_without_family {
        return;
    }
    if let Ok(addr) = value.parse::<IpAddr>() {
        let family = Family::of(&addr);
        p.route.destination = Prefix::default_route(family);
        p.route.family = family;
        p.default_without_family = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_of_default_routes() {
        let text = "default via 192.0.2.1 dev eth0\ndefault dev wg0 metric 1024 pref medium\nunreachable default dev lo proto kernel metric 4294967295 error -101 pref medium\n";
        let routes = parse(text).routes;
        assert_eq!(routes[0].family, Family::Ipv4);
        assert_eq!(routes[1].family, Family::Ipv6);
        assert_eq!(routes[1].destination.to_string(), "::/0");
        assert_eq!(routes[2].kind, RouteType::Unreachable);
        assert_eq!(routes[2].metric, Some(u32::MAX));
    }

    #[test]
    fn multipath_and_via_inet6() {
        let text = "default proto ra metric 1024 expires 1796sec pref medium\n\tnexthop via fe80::1 dev eth0 weight 1\n\tnexthop via fe80::2 dev eth1 weight 1\n10.0.0.0/8 via inet6 fe80::9 dev eth0 onlink\n";
        let parsed = parse(text);
        assert!(parsed.skipped.is_empty());
        let r = &parsed.routes;
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].gateway, Some("fe80::1".parse().unwrap()));
        assert_eq!(r[1].interface.as_deref(), Some("eth1"));
        assert_eq!(r[0].destination.to_string(), "::/0");
        assert_eq!(r[2].gateway, Some("fe80::9".parse().unwrap()));
        assert_eq!(r[2].family, Family::Ipv4);
    }

    #[test]
    fn local_table_and_scope() {
        let text = "local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1\nbroadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2\n";
        let r = parse(text).routes;
        assert_eq!(r[0].table, "local");
        assert_eq!(r[0].scope.as_deref(), Some("host"));
        assert_eq!(r[1].kind, RouteType::Broadcast);
    }
}
