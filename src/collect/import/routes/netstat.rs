//! Linux net-tools `netstat -rn` (and `route -n`): `-rn` (MSS Window irtt), `-rne` (Metric Ref
//! Use), `-rnee` (both, interface in the middle), and the IPv6 table of `netstat -rn6` /
//! `-A inet6`.
//!
//! The IPv4 table is `/proc/net/route`: the main table only, so every IPv4 route is `main`.
//! The IPv6 table is the whole FIB, local entries included; netstat prints no types, so they
//! are inferred: `ff00::/8` is multicast, a `/128` with the `n` (no next hop) flag and no
//! gateway is one of this host's addresses (local table), `!` is unreachable.

use std::net::{IpAddr, Ipv4Addr};

use super::parsed::{Parsed, words};
use crate::model::routes::{LOCAL_TABLE, Prefix, Route, RouteType};

fn is_flags(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic() || c == '!')
}

fn is_v4(w: &str) -> bool {
    w.parse::<Ipv4Addr>().is_ok()
}

/// An IPv4 row: three addresses (or `-` for the gateway of a reject route) and flags.
fn is_v4_row(w: &[&str]) -> bool {
    w.len() >= 5 && is_v4(w[0]) && (is_v4(w[1]) || w[1] == "-") && is_v4(w[2]) && is_flags(w[3])
}

/// An IPv6 row: `prefix next-hop flags metric ref use iface`.
fn is_v6_row(w: &[&str]) -> bool {
    w.len() >= 7
        && w[0].contains(':')
        && w[0].parse::<Prefix>().is_ok()
        && w[1].parse::<IpAddr>().is_ok()
        && is_flags(w[2])
}

/// Whether a line is a row of this format (for detection).
pub(super) fn is_row(line: &str) -> bool {
    let w = words(line);
    is_v4_row(&w) || is_v6_row(&w)
}

/// Parses both tables.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    // `-rn` puts MSS/Window/irtt where `-rne` has Metric/Ref/Use: the header says which.
    let mut mss_first = false;
    for (index, raw) in text.lines().enumerate() {
        let w = words(raw);
        if w.len() > 4 && w.contains(&"Genmask") {
            mss_first = w[4] == "MSS";
            continue;
        }
        let route = if is_v4_row(&w) {
            v4_row(&w, mss_first)
        } else if is_v6_row(&w) {
            v6_row(&w)
        } else {
            if w.first()
                .is_some_and(|x| is_v4(x) || x.parse::<Prefix>().is_ok())
            {
                out.skipped.push((index + 1, raw.trim().to_string()));
            }
            continue;
        };
        match route {
            Some(r) => out.routes.push(r),
            None => out.skipped.push((index + 1, raw.trim().to_string())),
        }
    }
    out
}

fn interface(w: &str) -> Option<String> {
    (!matches!(w, "-" | "*")).then(|| w.to_string())
}

fn v4_row(w: &[&str], mss_first: bool) -> Option<Route> {
    let dest: Ipv4Addr = w[0].parse().ok()?;
    let mask: Ipv4Addr = w[2].parse().ok()?;
    let mut route = Route::new(Prefix::from_mask(dest, mask)?);
    route.gateway = w[1]
        .parse::<Ipv4Addr>()
        .ok()
        .filter(|g| !g.is_unspecified())
        .map(IpAddr::V4);
    route.flags = w[3].to_string();
    if route.flags.contains('!') {
        route.kind = RouteType::Unreachable;
    }
    // The interface is the first word after the flags that is not a number (`-rnee` puts it
    // between Metric/Ref/Use and MSS/Window/irtt); a reject route prints `-` there.
    let rest = &w[4..];
    let iface_at = rest
        .iter()
        .position(|x| x.parse::<i64>().is_err() && *x != "-")
        .or_else(|| rest.len().checked_sub(1))?;
    route.interface = interface(rest[iface_at]);
    if !mss_first {
        route.metric = rest.first().and_then(|m| m.parse().ok());
    }
    Some(route)
}

fn v6_row(w: &[&str]) -> Option<Route> {
    let destination: Prefix = w[0].parse().ok()?;
    let mut route = Route::new(destination);
    route.gateway = w[1].parse::<IpAddr>().ok().filter(|g| !g.is_unspecified());
    route.flags = w[2].to_string();
    // `-1` is how netstat prints the largest metric (4294967295).
    route.metric = w[3]
        .parse::<i64>()
        .ok()
        .map(|m| u32::try_from(m).unwrap_or(u32::MAX));
    route.interface = interface(w[6]);
    route.kind = if route.flags.contains('!') {
        RouteType::Unreachable
    } else if destination.addr().is_multicast() {
        RouteType::Multicast
    } else if destination.is_host() && route.flags.contains('n') && route.gateway.is_none() {
        RouteType::Local
    } else {
        RouteType::Unicast
    };
    if route.kind.is_kernel_generated() {
        route.table = LOCAL_TABLE.to_string();
    }
    Some(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rn_and_rne_metrics() {
        let rn = "Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n0.0.0.0         192.0.2.1       0.0.0.0         UG        0 0          0 eth0\n";
        let r = &parse(rn).routes[0];
        assert_eq!(r.metric, None);
        assert_eq!(r.interface.as_deref(), Some("eth0"));
        let rne = "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         192.168.71.2    0.0.0.0         UG    100    0        0 ens33\n";
        let r = &parse(rne).routes[0];
        assert_eq!(r.metric, Some(100));
        assert_eq!(r.gateway, Some("192.168.71.2".parse().unwrap()));
        let rnee = "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n10.0.0.0        0.0.0.0         255.0.0.0       U     5      0        0 eth1     0     0      0\n";
        let r = &parse(rnee).routes[0];
        assert_eq!((r.metric, r.interface.as_deref()), (Some(5), Some("eth1")));
    }

    #[test]
    fn ipv6_types() {
        let text = "Kernel IPv6 routing table\nDestination                    Next Hop                   Flag Met Ref  Use If\nfd00::2/128                    ::                         Un   0   3      0 eth0\n::/0                           fd00::1                    UG   1024 2      0 eth0\n::/0                           ::                         !n   -1  1      0 lo\n";
        let routes = parse(text).routes;
        assert_eq!(routes[0].kind, RouteType::Local);
        assert_eq!(routes[0].table, "local");
        assert_eq!(routes[1].gateway, Some("fd00::1".parse().unwrap()));
        assert_eq!(routes[2].kind, RouteType::Unreachable);
        assert_eq!(routes[2].metric, Some(u32::MAX));
    }
}
