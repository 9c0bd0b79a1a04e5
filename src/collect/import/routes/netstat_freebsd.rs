//! FreeBSD `netstat -rn` (and `-rnW`, `-rn -F N`): a `Routing tables` title, `Internet:` and
//! `Internet6:` sections, each with a `Destination Gateway Flags [Refs Use Mtu] Netif Expire`
//! header. Destinations are `default`, an address (a host route), `addr/len`, a scoped IPv6
//! prefix (`fe80::%lo0/64`) or an old classful abbreviation (`10/8`, `127`, `192.168.1`);
//! gateways are an address, `link#N` (on-link) or a MAC address (a host on the link).
//!
//! Types from the flags: `R` reject is unreachable, `B` blackhole; a host route out of a
//! loopback interface without a gateway is one of this host's addresses (local table, as
//! Linux keeps them); a multicast destination is multicast.

use super::bsd_fields::{destination, gateway};
use super::parsed::{Parsed, words};
use crate::model::Family;
use crate::model::routes::{LOCAL_TABLE, MAIN_TABLE, Route, RouteType};

/// Whether the text is this format (its title or its header).
pub(super) fn looks_like(text: &str) -> bool {
    text.lines().take(2000).any(|l| {
        let w = words(l);
        l.trim_start().starts_with("Routing tables")
            || (w.len() >= 4
                && w[..3] == ["Destination", "Gateway", "Flags"]
                && w.contains(&"Netif"))
    })
}

/// Parses every section.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut family = None;
    let mut netif_at = None;
    let mut table = MAIN_TABLE.to_string();
    for (index, raw) in text.lines().enumerate() {
        let w = words(raw);
        let Some(&first) = w.first() else {
            continue;
        };
        match first {
            "Routing" => {
                // `Routing tables (fib: 1)`: FIBs other than 0 are tables of their own.
                table = raw
                    .split_once("fib:")
                    .map(|(_, n)| n.trim().trim_end_matches(')').trim().to_string())
                    .filter(|n| !n.is_empty() && n != "0")
                    .unwrap_or_else(|| MAIN_TABLE.to_string());
                continue;
            }
            "Internet:" => family = Some(Family::Ipv4),
            "Internet6:" => family = Some(Family::Ipv6),
            "Destination" => netif_at = w.iter().position(|x| *x == "Netif"),
            // Another section (Netgraph, Bluetooth...): not IP routes.
            _ if first.ends_with(':') && w.len() == 1 => family = None,
            _ => {
                let Some(f) = family else {
                    continue;
                };
                match row(&w, f, netif_at, &table) {
                    Some(r) => out.routes.push(r),
                    None => out.skipped.push((index + 1, raw.trim().to_string())),
                }
            }
        }
    }
    out
}

fn row(w: &[&str], family: Family, netif_at: Option<usize>, table: &str) -> Option<Route> {
    if w.len() < 3 {
        return None;
    }
    let destination = destination(w[0], family)?;
    let mut route = Route::new(destination);
    route.gateway = gateway(w[1])?;
    let flags = w[2];
    if !flags.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    route.flags = flags.to_string();
    // Refs, Use and Mtu (when shown) are numbers; the interface is the first word that is not.
    route.interface = match netif_at.and_then(|i| w.get(i)) {
        Some(n) if n.parse::<u64>().is_err() => Some((*n).to_string()),
        _ => w[3..]
            .iter()
            .find(|x| x.parse::<u64>().is_err())
            .map(|x| (*x).to_string()),
    };
    let loopback = route
        .interface
        .as_deref()
        .is_some_and(|i| i.starts_with("lo"));
    route.kind = if flags.contains('R') {
        RouteType::Unreachable
    } else if flags.contains('B') {
        RouteType::Blackhole
    } else if destination.addr().is_multicast() {
        RouteType::Multicast
    } else if destination.is_host() && route.gateway.is_none() && loopback {
        RouteType::Local
    } else {
        RouteType::Unicast
    };
    route.table = if route.kind == RouteType::Local {
        LOCAL_TABLE.to_string()
    } else {
        table.to_string()
    };
    Some(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Routing tables\n\nInternet:\nDestination        Gateway            Flags         Netif Expire\ndefault            192.0.2.1          UGS          vtnet0\n127.0.0.1          link#2             UH              lo0\n192.0.2.0/24       link#1             U            vtnet0\n192.0.2.10         link#1             UHS             lo0\n10/8               192.0.2.254        UGS          vtnet0\n192.0.2.77         00:00:5e:00:53:01  UHLW         vtnet0   1180\n\nInternet6:\nDestination                       Gateway                       Flags         Netif Expire\n::/96                             ::1                           UGRS            lo0\ndefault                           2001:db8::1                   UGS          vtnet0\nfe80::%lo0/64                     link#2                        U               lo0\nff02::/16                         ::1                           UGRS            lo0\n";

    #[test]
    fn sections_types_and_gateways() {
        assert!(looks_like(TEXT));
        let p = parse(TEXT);
        assert!(p.skipped.is_empty(), "{:?}", p.skipped);
        let r = &p.routes;
        assert_eq!(r.len(), 10);
        assert_eq!(r[0].destination.to_string(), "0.0.0.0/0");
        assert_eq!(r[0].gateway, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(r[0].interface.as_deref(), Some("vtnet0"));
        assert_eq!(r[1].kind, RouteType::Local);
        assert_eq!(r[2].gateway, None);
        assert_eq!(r[2].kind, RouteType::Unicast);
        assert_eq!(r[4].destination.to_string(), "10.0.0.0/8");
        assert_eq!(r[5].gateway, None);
        assert_eq!(r[6].kind, RouteType::Unreachable);
        assert_eq!(r[7].destination.to_string(), "::/0");
        assert_eq!(r[8].destination.to_string(), "fe80::/64");
        assert_eq!(r[9].kind, RouteType::Unreachable);
    }

    #[test]
    fn fibs_and_bad_rows() {
        let p = parse(
            "Routing tables (fib: 1)\n\nInternet:\nDestination Gateway Flags Netif Expire\ndefault 198.51.100.1 UGS em1\nnonsense here\n",
        );
        assert_eq!(p.routes[0].table, "1");
        assert_eq!(p.skipped.len(), 1);
    }
}
