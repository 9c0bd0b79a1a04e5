//! [`Prefix`]: a route destination, always truncated to its network, written `ADDR/LEN`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Family;

/// A destination prefix (`10.0.0.0/8`, `::/0`). Host bits are cleared on construction, so two
/// spellings of one network compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix(IpNet);

/// Why a prefix does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an address or ADDRESS/LENGTH prefix")]
pub struct PrefixError(pub String);

impl Prefix {
    /// `addr/len`, truncated; `None` when `len` is too long for the family.
    pub fn new(addr: IpAddr, len: u8) -> Option<Prefix> {
        IpNet::new(addr, len).ok().map(|n| Prefix(n.trunc()))
    }

    /// A single address (`/32`, `/128`).
    pub fn host(addr: IpAddr) -> Prefix {
        Prefix(IpNet::from(addr))
    }

    /// `0.0.0.0/0` or `::/0`.
    pub fn default_route(family: Family) -> Prefix {
        let addr = match family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        // A zero length always fits; the fallback only satisfies the type.
        Prefix(IpNet::new(addr, 0).unwrap_or_else(|_| IpNet::from(addr)))
    }

    /// An IPv4 network from a dotted netmask (`255.255.255.0`), as netstat and `route print`
    /// write it; `None` for a non-contiguous mask.
    pub fn from_mask(addr: Ipv4Addr, mask: Ipv4Addr) -> Option<Prefix> {
        let bits = u32::from(mask);
        let len = bits.leading_ones();
        // Contiguous: every one bit comes before every zero bit.
        if bits.checked_shl(len).unwrap_or(0) != 0 {
            return None;
        }
        Prefix::new(IpAddr::V4(addr), u8::try_from(len).ok()?)
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.0.network()
    }

    /// The prefix length (0 for a default route).
    pub fn prefix_len(&self) -> u8 {
        self.0.prefix_len()
    }

    /// A default route (`/0`).
    pub fn is_default(&self) -> bool {
        self.prefix_len() == 0
    }

    /// A single address (`/32` or `/128`).
    pub fn is_host(&self) -> bool {
        self.prefix_len() == self.0.max_prefix_len()
    }

    /// The family.
    pub fn family(&self) -> Family {
        Family::of(&self.addr())
    }

    /// The first and last address as integers (IPv4 in the low 32 bits).
    pub fn bounds(&self) -> (u128, u128) {
        match self.0 {
            IpNet::V4(n) => (
                u128::from(u32::from(n.network())),
                u128::from(u32::from(n.broadcast())),
            ),
            IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
        }
    }

    /// Whether `addr` is inside.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.0.contains(&addr)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(), self.prefix_len())
    }
}

impl FromStr for Prefix {
    type Err = PrefixError;

    /// `10.0.0.0/8`, `::/0`, or a bare address (a host route).
    fn from_str(text: &str) -> Result<Prefix, PrefixError> {
        let text = text.trim();
        let err = || PrefixError(text.to_string());
        match text.split_once('/') {
            Some((addr, len)) => {
                let addr: IpAddr = addr.parse().map_err(|_| err())?;
                let len: u8 = len.parse().map_err(|_| err())?;
                Prefix::new(addr, len).ok_or_else(err)
            }
            None => text.parse::<IpAddr>().map(Prefix::host).map_err(|_| err()),
        }
    }
}

impl Serialize for Prefix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Prefix, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_truncate_and_print() {
        let p: Prefix = "10.1.2.3/8".parse().unwrap();
        assert_eq!(p.to_string(), "10.0.0.0/8");
        assert_eq!(
            "8.8.8.8".parse::<Prefix>().unwrap().to_string(),
            "8.8.8.8/32"
        );
        assert!("::/0".parse::<Prefix>().unwrap().is_default());
        assert!("10.0.0.0/33".parse::<Prefix>().is_err());
        assert!("default".parse::<Prefix>().is_err());
        assert_eq!(Prefix::default_route(Family::Ipv6).to_string(), "::/0");
    }

    #[test]
    fn netmasks() {
        let p = |a: &str, m: &str| Prefix::from_mask(a.parse().unwrap(), m.parse().unwrap());
        assert_eq!(
            p("10.0.0.0", "255.0.0.0").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(p("0.0.0.0", "0.0.0.0").unwrap().to_string(), "0.0.0.0/0");
        assert_eq!(
            p("1.2.3.4", "255.255.255.255").unwrap().to_string(),
            "1.2.3.4/32"
        );
        assert!(p("10.0.0.0", "255.0.255.0").is_none());
    }
}
