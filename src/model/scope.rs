//! What kind of network an address belongs to.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

/// The scope of an address, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// `0.0.0.0` / `::`: a wildcard bind ("any").
    Unspecified,
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918, fc00::/7.
    Private,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// 100.64.0.0/10 carrier-grade NAT.
    Cgnat,
    /// 224.0.0.0/4, ff00::/8, and broadcast.
    Multicast,
    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32.
    Documentation,
    /// Everything else: the Internet.
    Public,
    /// A host name a capture printed instead of an address: where it points is not known
    /// (never taken for "any", nor for any other scope).
    Unknown,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 9] = [
        Scope::Unspecified,
        Scope::Loopback,
        Scope::Private,
        Scope::LinkLocal,
        Scope::Cgnat,
        Scope::Multicast,
        Scope::Documentation,
        Scope::Public,
        Scope::Unknown,
    ];

    /// Name used in rules and JSON. `any` is the rule spelling of `unspecified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Unspecified => "any",
            Scope::Loopback => "loopback",
            Scope::Private => "private",
            Scope::LinkLocal => "link-local",
            Scope::Cgnat => "cgnat",
            Scope::Multicast => "multicast",
            Scope::Documentation => "documentation",
            Scope::Public => "public",
            Scope::Unknown => "unknown",
        }
    }

    /// Parses a rule spelling (`any` and `unspecified` are the same).
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "unspecified" => Some(Scope::Unspecified),
            _ => Scope::ALL.into_iter().find(|s| s.as_str() == text),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies an address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is treated as IPv4.
pub fn classify(addr: IpAddr) -> Scope {
    match addr {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(a: Ipv4Addr) -> Scope {
    let o = a.octets();
    if a.is_unspecified() {
        Scope::Unspecified
    } else if a.is_loopback() {
        Scope::Loopback
    } else if a.is_private() {
        Scope::Private
    } else if a.is_link_local() {
        Scope::LinkLocal
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Scope::Cgnat
    } else if a.is_multicast() || a.is_broadcast() {
        Scope::Multicast
    } else if a.is_documentation() {
        Scope::Documentation
    } else {
        Scope::Public
    }
}

fn classify_v6(a: Ipv6Addr) -> Scope {
    let s = a.segments();
    if a.is_unspecified() {
        Scope::Unspecified
    } else if a.is_loopback() {
        Scope::Loopback
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Scope::Private
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Scope::LinkLocal
    } else if a.is_multicast() {
        Scope::Multicast
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Scope::Documentation
    } else {
        Scope::Public
    }
}

/// The IPv4 address inside an IPv4-mapped IPv6 address, else the address itself.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Scope {
        classify(text.parse().unwrap())
    }

    #[test]
    fn classifies_every_scope() {
        assert_eq!(c("0.0.0.0"), Scope::Unspecified);
        assert_eq!(c("::"), Scope::Unspecified);
        assert_eq!(c("127.0.0.53"), Scope::Loopback);
        assert_eq!(c("::1"), Scope::Loopback);
        assert_eq!(c("10.1.2.3"), Scope::Private);
        assert_eq!(c("172.31.255.1"), Scope::Private);
        assert_eq!(c("172.32.0.1"), Scope::Public);
        assert_eq!(c("192.168.0.1"), Scope::Private);
        assert_eq!(c("fd00::1"), Scope::Private);
        assert_eq!(c("169.254.1.1"), Scope::LinkLocal);
        assert_eq!(c("fe80::1"), Scope::LinkLocal);
        assert_eq!(c("100.64.0.1"), Scope::Cgnat);
        assert_eq!(c("100.127.255.255"), Scope::Cgnat);
        assert_eq!(c("100.128.0.1"), Scope::Public);
        assert_eq!(c("224.0.0.251"), Scope::Multicast);
        assert_eq!(c("255.255.255.255"), Scope::Multicast);
        assert_eq!(c("ff02::fb"), Scope::Multicast);
        assert_eq!(c("203.0.113.7"), Scope::Documentation);
        assert_eq!(c("2001:db8::7"), Scope::Documentation);
        assert_eq!(c("8.8.8.8"), Scope::Public);
        assert_eq!(c("2a00:1450::1"), Scope::Public);
        assert_eq!(c("::ffff:10.0.0.1"), Scope::Private);
        assert_eq!(c("::ffff:127.0.0.1"), Scope::Loopback);
        assert_eq!(c("::ffff:8.8.8.8"), Scope::Public);
    }

    #[test]
    fn names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("unspecified"), Some(Scope::Unspecified));
        assert_eq!(Scope::parse("internet"), None);
    }
}
