//! The destination and gateway columns of BSD `netstat -rn` (macOS and FreeBSD print them
//! alike): one reading for both parsers.

use std::net::{IpAddr, Ipv4Addr};

use crate::model::Family;
use crate::model::routes::Prefix;

/// A destination as BSD netstat prints it: `default`, an address (a host), `/len`,
/// `fe80::%lo0/64`, and the classful abbreviations (`127`, `192.0.2`, `10/8`).
pub(super) fn destination(text: &str, family: Family) -> Option<Prefix> {
    if text == "default" {
        return Some(Prefix::default_route(family));
    }
    // `fe80::%lo0/64`, `fe80::1%lo0`: the scope names the interface, which Netif gives too.
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let addr = addr.split_once('%').map_or(addr, |(a, _)| a);
    if let Ok(ip) = addr.parse::<IpAddr>() {
        return match len {
            Some(l) => Prefix::new(ip, l),
            None => Some(Prefix::host(ip)),
        };
    }
    if family != Family::Ipv4 {
        return None;
    }
    // Classful abbreviations of old releases: the octets printed, the rest zero.
    let octets: Vec<u8> = addr
        .split('.')
        .map(|o| o.parse::<u8>().ok())
        .collect::<Option<_>>()?;
    if octets.is_empty() || octets.len() > 3 {
        return None;
    }
    let mut full = [0u8; 4];
    full[..octets.len()].copy_from_slice(&octets);
    let len = len.unwrap_or(8 * octets.len() as u8);
    Prefix::new(IpAddr::V4(Ipv4Addr::from(full)), len)
}

/// `Some(None)` for an on-link gateway (`link#2`, a MAC), `None` for text that is neither.
pub(super) fn gateway(text: &str) -> Option<Option<IpAddr>> {
    if text.starts_with("link#") {
        return Some(None);
    }
    let addr = text.split_once('%').map_or(text, |(a, _)| a);
    if let Ok(ip) = addr.parse::<IpAddr>() {
        return Some((!ip.is_unspecified()).then_some(ip));
    }
    let mac = text.split(':').collect::<Vec<_>>();
    (mac.len() == 6
        && mac
            .iter()
            .all(|b| !b.is_empty() && b.len() <= 2 && b.chars().all(|c| c.is_ascii_hexdigit())))
    .then_some(None)
}
