//! Windows `route print` (= `netstat -r`), in any display language.
//!
//! Only the titles and the on-link word are translated (`Aktive Routen:`, `Auf Verbindung`,
//! `Ständige Routen:`), so the parser goes by structure, not words: a title containing `IPv4` or
//! `IPv6` opens a section; inside it, the first line ending in `:` opens the active routes and
//! the next one the persistent routes; a gateway column that is not an address is "on-link".
//! Layouts: Windows 7-11 (interface list first, IPv6 rows wrapped when the destination is long)
//! and XP (`0x2 ...` interface list, `Default Gateway:` line, gateway = interface for on-link).
//!
//! Windows prints no route types; they are inferred from the addresses: the interface's own
//! address is `local`, the subnet's last address and `255.255.255.255` are `broadcast`,
//! `224.0.0.0/4` and `ff00::/8` are `multicast`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::parsed::{Parsed, words};
use crate::model::routes::{Prefix, Route, RouteType};

/// Whether the text is a `route print` capture: a `====` rule and an IPv4/IPv6 title.
pub(super) fn looks_like(text: &str) -> bool {
    let mut rule = false;
    let mut title = false;
    for line in text.lines().take(400) {
        let t = line.trim();
        rule |= t.len() >= 20 && t.bytes().all(|b| b == b'=');
        title |= !is_row_start(t) && (t.contains("IPv4") || t.contains("IPv6"));
        if rule && title {
            return true;
        }
    }
    false
}

fn is_row_start(t: &str) -> bool {
    t.split_whitespace()
        .next()
        .is_some_and(|w| w.parse::<IpAddr>().is_ok() || w.parse::<u32>().is_ok())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    V4,
    V6,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Before the first `...:` title of a section.
    Preamble,
    Active,
    Persistent,
}

/// Parses every section of a `route print` capture.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut interfaces: BTreeMap<u32, String> = BTreeMap::new();
    let mut section = Section::None;
    let mut block = Block::Preamble;
    // An IPv6 row whose gateway was wrapped onto the next line.
    let mut wrapped: Option<(usize, Route)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if let Some((_, mut route)) = wrapped.take() {
            if !t.is_empty() && !is_row_start(t) && !t.ends_with(':') && !is_rule(t) {
                route.gateway = gateway(t);
                finish(&mut out, route);
                continue;
            }
            finish(&mut out, route);
        }
        if t.is_empty() || is_rule(t) {
            continue;
        }
        if let Some((idx, name)) = interface_row(t) {
            interfaces.insert(idx, name);
            continue;
        }
        if !is_row_start(t) {
            if t.contains("IPv4") {
                (section, block) = (Section::V4, Block::Preamble);
            } else if t.contains("IPv6") {
                (section, block) = (Section::V6, Block::Preamble);
            } else if t.ends_with(':') && section != Section::None {
                block = match block {
                    Block::Preamble => Block::Active,
                    _ => Block::Persistent,
                };
            }
            // Column headers, "None"/"Keine", "Default Gateway: ..." carry no routes.
            continue;
        }
        if block == Block::Preamble {
            continue;
        }
        let persistent = block == Block::Persistent;
        match section {
            Section::V4 => match v4_row(t, persistent) {
                Some(route) => out.routes.push(route),
                None => out.skipped.push((number, t.to_string())),
            },
            Section::V6 => match v6_row(t, persistent, &interfaces) {
                Some((route, true)) => wrapped = Some((number, route)),
                Some((route, false)) => finish(&mut out, route),
                None => out.skipped.push((number, t.to_string())),
            },
            Section::None => {}
        }
    }
    if let Some((_, route)) = wrapped {
        finish(&mut out, route);
    }
    infer_v4_types(&mut out.routes);
    for route in &mut out.routes {
        route.flags = route.derived_flags();
    }
    out
}

fn is_rule(t: &str) -> bool {
    t.len() >= 10 && t.bytes().all(|b| b == b'=')
}

/// An IPv6 row is complete: its type from the addresses (an on-link `/128` is one of this
/// host's own addresses).
fn finish(out: &mut Parsed, mut route: Route) {
    if route.destination.addr().is_multicast() {
        route.kind = RouteType::Multicast;
    } else if route.destination.is_host() && route.gateway.is_none() && !route.persistent {
        route.kind = RouteType::Local;
    }
    out.routes.push(route);
}

/// ` 12...00 1c 42 da 01 6a ......Parallels VirtIO Ethernet Adapter`, `0x2 ...00 0c 29 ... Intel`.
fn interface_row(t: &str) -> Option<(u32, String)> {
    let (head, rest) = t.split_once("...")?;
    let head = head.trim();
    let index = match head.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => head.parse().ok()?,
    };
    // The rest is an optional MAC address between runs of dots, then the name.
    let name = rest
        .rsplit_once("..")
        .map_or(rest, |(_, name)| name)
        .trim_start_matches('.')
        .trim();
    Some((index, name.to_string()))
}

/// The gateway column: an address, or the translated "On-link" (`Auf Verbindung`...).
fn gateway(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

/// `0.0.0.0  0.0.0.0  10.211.55.1  10.211.55.3  15` (active) or
/// `10.0.1.0  255.255.255.0  192.168.22.1  1` (persistent: no interface column).
fn v4_row(t: &str, persistent: bool) -> Option<Route> {
    let w = words(t);
    let dest: Ipv4Addr = w.first()?.parse().ok()?;
    let mask: Ipv4Addr = w.get(1)?.parse().ok()?;
    let metric: u32 = w.last()?.parse().ok()?;
    let mut route = Route::new(Prefix::from_mask(dest, mask)?);
    route.metric = Some(metric);
    route.persistent = persistent;
    if persistent {
        if w.len() < 4 {
            return None;
        }
        route.gateway = gateway(&w[2..w.len() - 1].join(" "));
        return Some(route);
    }
    if w.len() < 5 {
        return None;
    }
    let interface: Ipv4Addr = w[w.len() - 2].parse().ok()?;
    route.interface = Some(interface.to_string());
    // XP writes the interface's own address as the gateway of on-link routes.
    route.gateway = gateway(&w[2..w.len() - 2].join(" ")).filter(|g| *g != IpAddr::V4(interface));
    Some(route)
}

/// ` 12    271 2001:db8::/64            fe80::1`; the gateway may be on the next line (then the
/// bool is true).
fn v6_row(t: &str, persistent: bool, interfaces: &BTreeMap<u32, String>) -> Option<(Route, bool)> {
    let w = words(t);
    let index: u32 = w.first()?.parse().ok()?;
    let metric: u32 = w.get(1)?.parse().ok()?;
    let destination: Prefix = w.get(2)?.parse().ok()?;
    if destination.family() != crate::model::Family::Ipv6 {
        return None;
    }
    let mut route = Route::new(destination);
    route.metric = Some(metric);
    route.persistent = persistent;
    route.interface = (index != 0).then(|| {
        interfaces
            .get(&index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    });
    if w.len() == 3 {
        return Some((route, true));
    }
    route.gateway = gateway(&w[3..].join(" "));
    Some((route, false))
}

/// Local, broadcast and multicast entries, from the addresses (Windows prints no types).
fn infer_v4_types(routes: &mut [Route]) {
    // On-link networks per interface: their last address is a broadcast address.
    let subnets: Vec<(String, Prefix)> = routes
        .iter()
        .filter(|r| r.gateway.is_none() && !r.destination.is_host() && !r.persistent)
        .filter_map(|r| Some((r.interface.clone()?, r.destination)))
        .collect();
    for route in routes.iter_mut() {
        let IpAddr::V4(dest) = route.destination.addr() else {
            continue;
        };
        let own = route.interface.as_deref() == Some(dest.to_string().as_str());
        let host = route.destination.is_host();
        let subnet_broadcast = host
            && subnets.iter().any(|(iface, net)| {
                route.interface.as_deref() == Some(iface.as_str())
                    && net.prefix_len() < 31
                    && net.bounds().1 == u128::from(u32::from(dest))
            });
        route.kind = if dest.is_multicast() {
            RouteType::Multicast
        } else if host && (dest.is_broadcast() || subnet_broadcast) {
            RouteType::Broadcast
        } else if (host && (own || via_loopback(route)))
            || (dest.is_loopback() && route.gateway.is_none())
        {
            RouteType::Local
        } else {
            RouteType::Unicast
        };
    }
}

/// XP routes the host's own addresses through the loopback interface.
fn via_loopback(route: &Route) -> bool {
    route
        .interface
        .as_deref()
        .and_then(|i| i.parse::<Ipv4Addr>().ok())
        .is_some_and(|i| i.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_list_rows() {
        assert_eq!(
            interface_row("12...00 1c 42 da 01 6a ......Parallels VirtIO Ethernet Adapter"),
            Some((12, "Parallels VirtIO Ethernet Adapter".to_string()))
        );
        assert_eq!(
            interface_row("28...........................Tailscale Tunnel"),
            Some((28, "Tailscale Tunnel".to_string()))
        );
        assert_eq!(
            interface_row("0x1 ........................... MS TCP Loopback interface"),
            Some((1, "MS TCP Loopback interface".to_string()))
        );
    }

    #[test]
    fn german_on_link_and_types() {
        let text = "IPv4-Routentabelle\n===========================================================================\nAktive Routen:\n     Netzwerkziel    Netzwerkmaske          Gateway    Schnittstelle Metrik\n          0.0.0.0          0.0.0.0      192.168.2.1    192.168.2.111     20\n      192.168.2.0    255.255.255.0   Auf Verbindung     192.168.2.111    276\n    192.168.2.111  255.255.255.255   Auf Verbindung     192.168.2.111    276\n    192.168.2.255  255.255.255.255   Auf Verbindung     192.168.2.111    276\n===========================================================================\nStändige Routen:\n  Keine\n";
        let parsed = parse(text);
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        let kinds: Vec<RouteType> = parsed.routes.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                RouteType::Unicast,
                RouteType::Unicast,
                RouteType::Local,
                RouteType::Broadcast
            ]
        );
        assert_eq!(parsed.routes[1].gateway, None);
        assert_eq!(parsed.routes[0].flags, "UG");
    }
}
