//! macOS (and BSD) `netstat -rn`: `Routing tables`, then `Internet:` and `Internet6:` sections,
//! each with a `Destination Gateway Flags [Refs Use] Netif Expire` header.
//!
//! Destinations are `default`, classful shorthands (`127` is 127.0.0.0/8, `192.0.2` is
//! 192.0.2.0/24, `224.0.0/4`), hosts (`192.0.2.1`), and IPv6 with scopes (`fe80::%lo0/64`).
//! Gateways are an address (a next hop), `link#N` (on-link, no next hop) or a MAC address (an
//! ARP/NDP entry of a neighbour on the link: no next hop either).

use super::bsd_fields::{destination, gateway};
use super::parsed::{Parsed, words};
use crate::model::Family;
use crate::model::routes::{Route, RouteType};

/// Whether the text is this layout (for detection): the title and a section name.
pub(super) fn looks_like(text: &str) -> bool {
    let mut lines = text.lines().take(50).map(str::trim);
    let title = lines.clone().any(|l| l == "Routing tables");
    title && lines.any(|l| l == "Internet:" || l == "Internet6:")
}

/// Parses both sections.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut family = None;
    // Where Netif sits: after Flags, or after Refs and Use on older releases.
    let mut netif_at = 3;
    for (index, raw) in text.lines().enumerate() {
        let w = words(raw);
        match w.first().copied() {
            None | Some("Routing") => continue,
            Some("Internet:") => {
                family = Some(Family::Ipv4);
                continue;
            }
            Some("Internet6:") => {
                family = Some(Family::Ipv6);
                continue;
            }
            Some("Destination") => {
                netif_at = w.iter().position(|c| *c == "Netif").unwrap_or(3);
                continue;
            }
            _ => {}
        }
        // Other sections (`AppleTalk:`...) are not IP routes.
        let Some(family) = family else { continue };
        match row(&w, family, netif_at) {
            Some(route) => out.routes.push(route),
            None => out.skipped.push((index + 1, raw.trim().to_string())),
        }
    }
    out
}

fn row(w: &[&str], family: Family, netif_at: usize) -> Option<Route> {
    if w.len() < 3 {
        return None;
    }
    let destination = destination(w[0], family)?;
    let flags = w[2];
    if !flags.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut route = Route::new(destination);
    route.gateway = gateway(w[1])?;
    route.flags = flags.to_string();
    route.interface = w.get(netif_at).map(|s| s.to_string());
    // BSD flags: B blackhole, R reject, b broadcast, m multicast.
    route.kind = if flags.contains('B') {
        RouteType::Blackhole
    } else if flags.contains('R') {
        RouteType::Unreachable
    } else if flags.contains('b') {
        RouteType::Broadcast
    } else if flags.contains('m') || destination.addr().is_multicast() {
        RouteType::Multicast
    } else {
        RouteType::Unicast
    };
    Some(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Routing tables\n\nInternet:\nDestination        Gateway            Flags           Netif Expire\ndefault            192.0.2.1          UGScg             en0\n127                127.0.0.1          UCS               lo0\n192.0.2            link#6             UCS               en0      !\n192.0.2.1          0:0:5e:0:53:1      UHLWIir           en0   1184\n192.0.2.255        ff:ff:ff:ff:ff:ff  UHLWbI            en0      !\n224.0.0/4          link#6             UmCS              en0      !\n\nInternet6:\nDestination                             Gateway                                 Flags           Netif Expire\ndefault                                 fe80::%utun0                            UGcIg           utun0\nfe80::%lo0/64                           fe80::1%lo0                             UcI               lo0\n";

    #[test]
    fn sections_shorthands_and_gateways() {
        assert!(looks_like(TEXT));
        let p = parse(TEXT);
        assert!(p.skipped.is_empty(), "{:?}", p.skipped);
        let r = &p.routes;
        assert_eq!(r.len(), 8);
        assert_eq!(r[0].destination.to_string(), "0.0.0.0/0");
        assert_eq!(r[0].gateway, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(r[1].destination.to_string(), "127.0.0.0/8");
        assert_eq!(r[2].destination.to_string(), "192.0.2.0/24");
        assert_eq!(r[2].gateway, None);
        assert_eq!(r[3].destination.to_string(), "192.0.2.1/32");
        assert_eq!(r[3].gateway, None);
        assert_eq!(r[4].kind, RouteType::Broadcast);
        assert_eq!(r[5].destination.to_string(), "224.0.0.0/4");
        assert_eq!(r[5].kind, RouteType::Multicast);
        assert_eq!(r[6].destination.to_string(), "::/0");
        assert_eq!(r[6].gateway, Some("fe80::".parse().unwrap()));
        assert_eq!(r[6].interface.as_deref(), Some("utun0"));
        assert_eq!(r[7].destination.to_string(), "fe80::/64");
    }
}
