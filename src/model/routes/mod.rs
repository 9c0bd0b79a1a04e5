//! Routing and neighbour tables: one model for `ip route`, `netstat -rn`, Windows `route print`
//! and `ip neigh`, read live ([`crate::collect::live::routes`]) or from a capture ([`crate::collect::import::routes`]).
//!
//! Routes belong in an audit because an unexpected default gateway, or a host route that diverts
//! one address, is interception that no socket table shows (docs/routes.md). Like
//! [`crate::model`], everything here is plain serialisable data in a deterministic order.

mod prefix;
mod public;

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::model::Family;

pub use prefix::Prefix;
pub use public::captures_public;

/// The main routing table's name (Linux table 254; every Windows route).
pub const MAIN_TABLE: &str = "main";
/// The kernel's local table (255): addresses of this host, broadcast, multicast.
pub const LOCAL_TABLE: &str = "local";

/// A routing table number as `ip route` names it: `main`, `local`, `default`, else the number.
pub fn table_name(id: u32) -> String {
    match id {
        253 => "default".to_string(),
        254 => MAIN_TABLE.to_string(),
        255 => LOCAL_TABLE.to_string(),
        n => n.to_string(),
    }
}

/// What a route does with a packet (the kernel's `RTN_*` types, `ip route`'s first word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteType {
    /// Forwarded to a gateway or out of an interface: a real route.
    Unicast,
    /// An address of this host (kernel-generated, local table).
    Local,
    /// A broadcast address (kernel-generated, local table).
    Broadcast,
    /// Multicast (kernel-generated for IPv6 `ff00::/8`).
    Multicast,
    /// An anycast address of this host (kernel-generated, IPv6).
    Anycast,
    /// Silently dropped.
    Blackhole,
    /// Dropped with "host unreachable".
    Unreachable,
    /// Dropped with "administratively prohibited".
    Prohibit,
    /// Policy routing: continue with the next rule.
    Throw,
    /// Stateless NAT (obsolete).
    Nat,
    /// Anything else the OS reported.
    Other,
}

impl RouteType {
    /// The `ip route` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteType::Unicast => "unicast",
            RouteType::Local => "local",
            RouteType::Broadcast => "broadcast",
            RouteType::Multicast => "multicast",
            RouteType::Anycast => "anycast",
            RouteType::Blackhole => "blackhole",
            RouteType::Unreachable => "unreachable",
            RouteType::Prohibit => "prohibit",
            RouteType::Throw => "throw",
            RouteType::Nat => "nat",
            RouteType::Other => "other",
        }
    }

    /// Parses the `ip route` spelling.
    pub fn parse(text: &str) -> Option<RouteType> {
        Some(match text {
            "unicast" => RouteType::Unicast,
            "local" => RouteType::Local,
            "broadcast" => RouteType::Broadcast,
            "multicast" => RouteType::Multicast,
            "anycast" => RouteType::Anycast,
            "blackhole" => RouteType::Blackhole,
            "unreachable" => RouteType::Unreachable,
            "prohibit" => RouteType::Prohibit,
            "throw" => RouteType::Throw,
            "nat" => RouteType::Nat,
            _ => return None,
        })
    }

    /// Routes the kernel makes from this host's own addresses: not configuration, so never
    /// baselined.
    pub fn is_kernel_generated(self) -> bool {
        matches!(
            self,
            RouteType::Local | RouteType::Broadcast | RouteType::Multicast | RouteType::Anycast
        )
    }

    /// Routes that drop traffic (netstat's `!` flag).
    pub fn is_reject(self) -> bool {
        matches!(
            self,
            RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit | RouteType::Throw
        )
    }
}

impl fmt::Display for RouteType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One route (one next hop: a multipath route is one entry per next hop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// `ipv4` or `ipv6`.
    pub family: Family,
    /// Destination prefix; `0.0.0.0/0` / `::/0` is the default route.
    pub destination: Prefix,
    /// Next hop; `null` for a route straight out of an interface (on-link).
    pub gateway: Option<IpAddr>,
    /// Outgoing interface name (Linux), or the interface's address (Windows IPv4 `route print`).
    pub interface: Option<String>,
    /// Metric (priority); lower wins.
    pub metric: Option<u32>,
    /// Routing table: `main`, `local`, `default` or a number (Linux policy routing).
    pub table: String,
    /// What the route does.
    #[serde(rename = "type")]
    pub kind: RouteType,
    /// Who installed it, as `ip route` says: `kernel`, `boot`, `static`, `dhcp`, `ra`...
    pub protocol: Option<String>,
    /// `link` or `host` for routes narrower than the whole network; `null` for global.
    pub scope: Option<String>,
    /// Preferred source address.
    pub source: Option<IpAddr>,
    /// netstat-style flags: `U` up, `G` via a gateway, `H` host route, `!` reject; as printed
    /// by an imported `netstat`, derived otherwise.
    pub flags: String,
    /// Windows: a persistent route (`route -p`), listed as configured rather than active.
    #[serde(default, skip_serializing_if = "is_false")]
    pub persistent: bool,
}

impl Route {
    /// A route with the common defaults (main table, unicast); fill in the rest.
    pub fn new(destination: Prefix) -> Route {
        Route {
            family: destination.family(),
            destination,
            gateway: None,
            interface: None,
            metric: None,
            table: MAIN_TABLE.to_string(),
            kind: RouteType::Unicast,
            protocol: None,
            scope: None,
            source: None,
            flags: String::new(),
            persistent: false,
        }
    }

    /// `ipv4` or `ipv6`, for messages.
    pub fn family_name(&self) -> &'static str {
        match self.family {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }

    /// The default route of its family.
    pub fn is_default(&self) -> bool {
        self.destination.is_default()
    }

    /// netstat's flags for what we know: `U`, `G` with a gateway, `H` for a host route, `!` for
    /// a reject route.
    pub fn derived_flags(&self) -> String {
        let mut flags = String::from("U");
        if self.kind.is_reject() {
            flags = "!".to_string();
        }
        if self.gateway.is_some() {
            flags.push('G');
        }
        if self.destination.is_host() {
            flags.push('H');
        }
        flags
    }

    /// Whether this route is configuration worth recording and checking, rather than kernel
    /// bookkeeping: not a local/broadcast/multicast entry, not in the local table, not a
    /// connected-network route the kernel made from an address (`proto kernel`), and not for
    /// link-local or multicast destinations.
    pub fn is_configured(&self) -> bool {
        if self.kind.is_kernel_generated() || self.table == LOCAL_TABLE {
            return false;
        }
        if self.protocol.as_deref() == Some("kernel") {
            return false;
        }
        let scope = crate::model::scope::classify(self.destination.addr());
        let narrow = matches!(
            scope,
            crate::model::scope::Scope::LinkLocal | crate::model::scope::Scope::Multicast
        );
        self.is_default() || !narrow
    }

    /// `0.0.0.0/0 via 192.0.2.1 dev eth0` (plus ` table 100` outside the main table), for
    /// messages.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if self.kind != RouteType::Unicast {
            text.push_str(self.kind.as_str());
            text.push(' ');
        }
        text.push_str(&self.destination.to_string());
        text.push_str(&next_hop(self.gateway, self.interface.as_deref()));
        if self.table != MAIN_TABLE {
            text.push_str(" table ");
            text.push_str(&self.table);
        }
        text
    }

    /// The deterministic output order: family, table (main first, local last), destination,
    /// metric, next hop.
    pub fn sort_key(&self) -> impl Ord + '_ {
        let table_rank = match self.table.as_str() {
            MAIN_TABLE => 0,
            LOCAL_TABLE => 2,
            _ => 1,
        };
        (
            self.family,
            table_rank,
            self.table.parse::<u32>().ok(),
            &self.table,
            self.destination,
            self.metric,
            self.gateway,
            &self.interface,
            self.kind,
            self.persistent,
        )
    }
}

/// ` via GATEWAY dev IFACE` (either part left out when unknown).
pub fn next_hop(gateway: Option<IpAddr>, interface: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(g) = gateway {
        text.push_str(" via ");
        text.push_str(&g.to_string());
    }
    if let Some(i) = interface {
        text.push_str(" dev ");
        text.push_str(i);
    }
    text
}

/// One entry of the ARP (IPv4) or NDP (IPv6) neighbour table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neighbour {
    /// `ipv4` or `ipv6`.
    pub family: Family,
    /// The neighbour's IP address.
    pub address: IpAddr,
    /// Its link-layer (MAC) address, lower case with colons; `null` while unresolved.
    pub mac: Option<String>,
    /// Interface name (Linux) or the interface's address (Windows `arp -a`).
    pub interface: Option<String>,
    /// `REACHABLE`, `STALE`, `DELAY`, `PROBE`, `FAILED`, `INCOMPLETE`, `PERMANENT`, `NOARP`;
    /// Windows: `dynamic`, `static`.
    pub state: String,
    /// The neighbour said it is a router (IPv6 NDP).
    #[serde(default, skip_serializing_if = "is_false")]
    pub router: bool,
}

impl Neighbour {
    /// The MAC address when it identifies one station: resolved, not all zeros, not a
    /// broadcast or multicast address, and the entry is not failed.
    pub fn station_mac(&self) -> Option<&str> {
        if matches!(self.state.as_str(), "FAILED" | "INCOMPLETE" | "NONE") {
            return None;
        }
        let mac = self.mac.as_deref()?;
        let first = u8::from_str_radix(mac.get(0..2)?, 16).ok()?;
        let all_zero = mac.chars().all(|c| c == '0' || c == ':');
        (first & 1 == 0 && !all_zero).then_some(mac)
    }

    /// The deterministic output order.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (self.family, self.address, &self.interface, &self.mac)
    }
}

/// `00-1C-42-DA-01-6A`, `00 1c 42 da 01 6a` or `0:1c:42:da:1:6a` as `00:1c:42:da:01:6a`;
/// `None` unless it is 1-32 hex octets.
pub fn normalize_mac(text: &str) -> Option<String> {
    let parts: Vec<&str> = text
        .trim()
        .split([':', '-', ' ', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > 32 {
        return None;
    }
    let mut octets = Vec::with_capacity(parts.len());
    for part in parts {
        if part.len() > 2 {
            return None;
        }
        octets.push(u8::from_str_radix(part, 16).ok()?);
    }
    Some(format_mac(&octets))
}

/// Octets as `00:1c:42:da:01:6a`.
pub fn format_mac(octets: &[u8]) -> String {
    let parts: Vec<String> = octets.iter().map(|o| format!("{o:02x}")).collect();
    parts.join(":")
}

/// A routing table (and, when asked for, the neighbour table) of one machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTable {
    /// Every route of every table, sorted.
    pub routes: Vec<Route>,
    /// The ARP/NDP table, sorted; `null` when it was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<Vec<Neighbour>>,
}

impl RouteTable {
    /// Sorts routes and neighbours into the output order and drops exact duplicates.
    pub fn sort(&mut self) {
        self.routes.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.routes.dedup();
        if let Some(n) = &mut self.neighbours {
            n.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            n.dedup();
        }
    }

    /// The routes worth recording and checking ([`Route::is_configured`]).
    pub fn configured(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().filter(|r| r.is_configured())
    }

    /// The neighbour entry for `address` (on `interface` when given: IPv6 link-local gateways
    /// exist once per link) that names a station MAC.
    pub fn neighbour(&self, address: IpAddr, interface: Option<&str>) -> Option<&Neighbour> {
        self.neighbours.as_deref()?.iter().find(|n| {
            n.address == address
                && n.station_mac().is_some()
                && (interface.is_none()
                    || n.interface.is_none()
                    || n.interface.as_deref() == interface)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(text: &str) -> Route {
        Route::new(
            text.parse()
                .unwrap_or_else(|_| Prefix::default_route(Family::Ipv4)),
        )
    }

    #[test]
    fn macs_normalise() {
        assert_eq!(
            normalize_mac("00-1C-42-DA-01-6A").as_deref(),
            Some("00:1c:42:da:01:6a")
        );
        assert_eq!(
            normalize_mac("0:1c:42:da:1:6a").as_deref(),
            Some("00:1c:42:da:01:6a")
        );
        assert_eq!(normalize_mac("zz:00"), None);
        assert_eq!(normalize_mac(""), None);
    }

    #[test]
    fn kernel_noise_is_not_configuration() {
        let mut r = route("192.0.2.0/24");
        assert!(r.is_configured());
        r.protocol = Some("kernel".to_string());
        assert!(!r.is_configured());
        let mut local = route("127.0.0.1/32");
        local.kind = RouteType::Local;
        assert!(!local.is_configured());
        assert!(!route("fe80::/64").is_configured());
        assert!(route("0.0.0.0/0").is_configured());
        assert!(route("8.8.8.8/32").is_configured());
    }

    #[test]
    fn station_macs() {
        let n = |mac: &str, state: &str| Neighbour {
            family: Family::Ipv4,
            address: "192.0.2.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
            mac: Some(mac.to_string()),
            interface: None,
            state: state.to_string(),
            router: false,
        };
        assert!(n("00:00:5e:00:53:01", "STALE").station_mac().is_some());
        assert!(n("00:00:00:00:00:00", "NOARP").station_mac().is_none());
        assert!(n("01:00:5e:00:00:16", "static").station_mac().is_none());
        assert!(n("00:00:5e:00:53:01", "FAILED").station_mac().is_none());
    }
}
