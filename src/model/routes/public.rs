//! Whether a route's destination reaches public (Internet) addresses: what makes a new, more
//! specific route an interception risk rather than a private detour.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Prefix;
use crate::model::scope::{Scope, classify};

/// The non-public IPv4 blocks, as [`classify`] sees them (loopback, RFC 1918, link-local,
/// CGNAT, multicast, broadcast, documentation, unspecified).
const V4_BLOCKS: [(u32, u8); 12] = [
    (0x0000_0000, 32),
    (0x7f00_0000, 8),
    (0x0a00_0000, 8),
    (0xac10_0000, 12),
    (0xc0a8_0000, 16),
    (0xa9fe_0000, 16),
    (0x6440_0000, 10),
    (0xe000_0000, 4),
    (0xffff_ffff, 32),
    (0xc000_0200, 24),
    (0xc633_6400, 24),
    (0xcb00_7100, 24),
];

/// The non-public IPv6 blocks (unspecified, loopback, ULA, link-local, multicast,
/// documentation).
const V6_BLOCKS: [(u128, u8); 6] = [
    (0, 128),
    (1, 128),
    (0xfc00 << 112, 7),
    (0xfe80 << 112, 10),
    (0xff00 << 112, 8),
    (0x2001_0db8 << 96, 32),
];

/// Whether `prefix` contains at least one public address.
///
/// Exact without walking the prefix: the public addresses inside it, if any, form runs that
/// start or end at the prefix's own bounds or right next to a non-public block, so those few
/// candidates are all that need classifying.
pub fn captures_public(prefix: Prefix) -> bool {
    let (first, last) = prefix.bounds();
    let blocks: Vec<(u128, u128)> = match prefix.addr() {
        IpAddr::V4(_) => V4_BLOCKS
            .iter()
            .map(|(start, len)| span(u128::from(*start), u32::from(*len), 32))
            .collect(),
        IpAddr::V6(_) => V6_BLOCKS
            .iter()
            .map(|(start, len)| span(*start, u32::from(*len), 128))
            .collect(),
    };
    let v4 = prefix.addr().is_ipv4();
    let to_ip = |n: u128| match u32::try_from(n) {
        Ok(n) if v4 => IpAddr::V4(Ipv4Addr::from(n)),
        _ => IpAddr::V6(Ipv6Addr::from(n)),
    };
    let mut candidates = vec![first, last];
    for (start, end) in blocks {
        if let Some(before) = start.checked_sub(1) {
            candidates.push(before);
        }
        if let Some(after) = end.checked_add(1) {
            candidates.push(after);
        }
    }
    candidates
        .into_iter()
        .filter(|c| (first..=last).contains(c))
        .any(|c| classify(to_ip(c)) == Scope::Public)
}

/// First and last address of `start/len` in a `bits`-wide space.
fn span(start: u128, len: u32, bits: u32) -> (u128, u128) {
    let host_bits = bits - len;
    let size_minus_one = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    (start, start + size_minus_one)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        captures_public(text.parse().unwrap())
    }

    #[test]
    fn public_destinations() {
        assert!(public("8.8.8.8/32"));
        assert!(public("0.0.0.0/1"), "the VPN half-default");
        assert!(public("128.0.0.0/1"));
        assert!(public("0.0.0.0/0"));
        assert!(public("192.0.2.0/23"), "192.0.3.x is public");
        assert!(public("2a00:1450::/32"));
        assert!(public("::/1"));
    }

    #[test]
    fn private_destinations() {
        assert!(!public("10.0.0.0/8"));
        assert!(!public("10.1.0.0/16"));
        assert!(!public("192.168.1.0/24"));
        assert!(!public("203.0.113.7/32"));
        assert!(!public("127.0.0.0/8"));
        assert!(!public("224.0.0.0/4"));
        assert!(!public("fd00::/64"));
        assert!(!public("fe80::/64"));
        assert!(!public("2001:db8::/48"));
    }
}
