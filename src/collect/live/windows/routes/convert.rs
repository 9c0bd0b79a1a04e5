//! IP Helper rows as [`Route`]s and [`Neighbour`]s: the values the `route print` and `arp -a`
//! importers give for the same table (on-link is no gateway, the metric is route plus
//! interface metric, types inferred the same way), with what the API adds: interface aliases
//! instead of addresses, the protocol that installed a route, and NUD-style neighbour states.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use windows::Win32::NetworkManagement::IpHelper::{
    MIB_IF_ROW2, MIB_IPFORWARD_ROW2, MIB_IPINTERFACE_ROW, MIB_IPNET_ROW2, MIB_UNICASTIPADDRESS_ROW,
};
use windows::Win32::Networking::WinSock::{
    AF_INET, AF_INET6, NL_NEIGHBOR_STATE, NL_ROUTE_ORIGIN, NL_ROUTE_PROTOCOL, NlnsDelay,
    NlnsIncomplete, NlnsPermanent, NlnsProbe, NlnsReachable, NlnsStale, NlnsUnreachable, Nlro6to4,
    NlroDHCP, NlroRouterAdvertisement,
};

use super::super::iphlp::{alias, sockaddr_ip};
use crate::model::Family;
use crate::model::routes::{Neighbour, Prefix, Route, RouteType, format_mac};

/// What the routes need to know about interfaces, from the other tables.
#[derive(Debug, Default)]
pub(super) struct Interfaces {
    /// Interface index to alias.
    aliases: BTreeMap<u32, String>,
    /// (family, interface index) to the interface metric.
    metrics: BTreeMap<(Family, u32), u32>,
    /// This host's unicast addresses; `None` when they could not be read.
    own: Option<BTreeSet<IpAddr>>,
}

impl Interfaces {
    /// From `GetIfTable2`, `GetIpInterfaceTable` and `GetUnicastIpAddressTable` rows.
    pub(super) fn new(
        interfaces: &[MIB_IF_ROW2],
        ip_interfaces: &[MIB_IPINTERFACE_ROW],
        addresses: Option<&[MIB_UNICASTIPADDRESS_ROW]>,
    ) -> Interfaces {
        let aliases = interfaces
            .iter()
            .map(|row| (row.InterfaceIndex, alias(row)))
            .filter(|(_, name)| !name.is_empty())
            .collect();
        let metrics = ip_interfaces
            .iter()
            .filter_map(|row| {
                let family = family_of(row.Family.0)?;
                Some(((family, row.InterfaceIndex), row.Metric))
            })
            .collect();
        let own = addresses.map(|rows| {
            rows.iter()
                .filter_map(|row| sockaddr_ip(&row.Address))
                .collect()
        });
        Interfaces {
            aliases,
            metrics,
            own,
        }
    }

    /// The interface's alias, or `if7` for an index no table names.
    fn name(&self, index: u32) -> Option<String> {
        (index != 0).then(|| {
            self.aliases
                .get(&index)
                .cloned()
                .unwrap_or_else(|| format!("if{index}"))
        })
    }
}

fn family_of(af: u16) -> Option<Family> {
    if af == AF_INET.0 {
        Some(Family::Ipv4)
    } else if af == AF_INET6.0 {
        Some(Family::Ipv6)
    } else {
        None
    }
}

/// Every route row as a [`Route`], with its type inferred; rows whose prefix is not an IPv4
/// or IPv6 network are left out.
pub(super) fn routes_from(rows: &[MIB_IPFORWARD_ROW2], interfaces: &Interfaces) -> Vec<Route> {
    let mut routes: Vec<Route> = rows
        .iter()
        .filter_map(|row| route_of(row, interfaces))
        .collect();
    infer_types(&mut routes, interfaces.own.as_ref());
    for route in &mut routes {
        route.flags = route.derived_flags();
    }
    routes
}

fn route_of(row: &MIB_IPFORWARD_ROW2, interfaces: &Interfaces) -> Option<Route> {
    let address = sockaddr_ip(&row.DestinationPrefix.Prefix)?;
    let destination = Prefix::new(address, row.DestinationPrefix.PrefixLength)?;
    let mut route = Route::new(destination);
    // An unspecified next hop is what `route print` shows as "On-link".
    route.gateway = sockaddr_ip(&row.NextHop).filter(|g| !g.is_unspecified());
    route.interface = interfaces.name(row.InterfaceIndex);
    // `route print` shows the effective metric: the route's plus its interface's.
    let interface_metric = interfaces
        .metrics
        .get(&(route.family, row.InterfaceIndex))
        .copied()
        .unwrap_or(0);
    route.metric = Some(row.Metric.saturating_add(interface_metric));
    route.protocol = Some(protocol_name(row.Protocol, row.Origin));
    Some(route)
}

/// Who installed the route: the origin when it is automatic configuration (`dhcp`, `ra`,
/// `6to4`), else Windows' protocol in `Get-NetRoute`'s words, lower case (`local` for the
/// stack's own routes from addresses and interfaces, `netmgmt` for `route add` and other
/// management); unknown numbers as numbers.
fn protocol_name(protocol: NL_ROUTE_PROTOCOL, origin: NL_ROUTE_ORIGIN) -> String {
    if origin == NlroDHCP {
        return "dhcp".to_string();
    }
    if origin == NlroRouterAdvertisement {
        return "ra".to_string();
    }
    if origin == Nlro6to4 {
        return "6to4".to_string();
    }
    let name = match protocol.0 {
        1 => "other",
        2 => "local",
        3 => "netmgmt",
        4 => "icmp",
        5 => "egp",
        6 => "ggp",
        7 => "hello",
        8 => "rip",
        9 => "isis",
        10 => "esis",
        11 => "cisco",
        12 => "bbn",
        13 => "ospf",
        14 => "bgp",
        15 => "idpr",
        16 => "eigrp",
        17 => "dvmrp",
        18 => "rpl",
        19 => "dhcp",
        10002 => "autostatic",
        10006 => "static",
        10007 => "static",
        n => return n.to_string(),
    };
    name.to_string()
}

/// Local, broadcast and multicast entries, as the `route print` importer infers them
/// (Windows reports no types), except that a host route is `local` only when its address is
/// one of this host's (when the addresses could be read): an on-link host route to another
/// machine stays a route someone configured.
fn infer_types(routes: &mut [Route], own: Option<&BTreeSet<IpAddr>>) {
    // On-link networks per interface: their last address is a broadcast address.
    let subnets: Vec<(String, Prefix)> = routes
        .iter()
        .filter(|r| r.gateway.is_none() && !r.destination.is_host())
        .filter_map(|r| Some((r.interface.clone()?, r.destination)))
        .collect();
    for route in routes.iter_mut() {
        let dest = route.destination.addr();
        let host = route.destination.is_host();
        let on_link = route.gateway.is_none();
        let broadcast = match dest {
            IpAddr::V4(v4) => {
                host && (v4.is_broadcast()
                    || subnets.iter().any(|(iface, net)| {
                        route.interface.as_deref() == Some(iface.as_str())
                            && net.prefix_len() < 31
                            && net.bounds().1 == u128::from(u32::from(v4))
                    }))
            }
            IpAddr::V6(_) => false,
        };
        let own_address = own.is_none_or(|set| set.contains(&dest));
        route.kind = if dest.is_multicast() {
            RouteType::Multicast
        } else if broadcast {
            RouteType::Broadcast
        } else if (host && on_link && own_address) || (dest.is_loopback() && on_link) {
            RouteType::Local
        } else {
            RouteType::Unicast
        };
    }
}

/// Every neighbour row as a [`Neighbour`].
pub(super) fn neighbours_from(rows: &[MIB_IPNET_ROW2], interfaces: &Interfaces) -> Vec<Neighbour> {
    rows.iter()
        .filter_map(|row| neighbour_of(row, interfaces))
        .collect()
}

fn neighbour_of(row: &MIB_IPNET_ROW2, interfaces: &Interfaces) -> Option<Neighbour> {
    let address = sockaddr_ip(&row.Address)?;
    let state = state_name(row.State);
    let length = usize::try_from(row.PhysicalAddressLength)
        .unwrap_or(0)
        .min(row.PhysicalAddress.len());
    let octets = &row.PhysicalAddress[..length];
    // An unresolved entry carries a zeroed address: no MAC, as `ip neigh` shows it.
    let unresolved = matches!(state.as_str(), "FAILED" | "INCOMPLETE");
    let zeroed = octets.iter().all(|&b| b == 0);
    let mac = if octets.is_empty() || (unresolved && zeroed) {
        None
    } else {
        Some(format_mac(octets))
    };
    Some(Neighbour {
        family: Family::of(&address),
        address,
        mac,
        interface: interfaces.name(row.InterfaceIndex),
        state,
        router: is_router(row),
    })
}

/// `IsRouter`, the first bit of the row's flags (IPv6 NDP).
#[allow(unsafe_code)]
fn is_router(row: &MIB_IPNET_ROW2) -> bool {
    // SAFETY: both members of the union are one byte of plain integer bits (a bit-field struct
    // and `Flags`), any value is valid, and the row is fully initialised.
    let flags = unsafe { row.Anonymous.Flags };
    flags & 1 != 0
}

/// The NUD state `ip neigh` (and the `ip neigh` importer) would print for Windows' state;
/// `arp -a` folds the same states into `dynamic` and `static` (= `PERMANENT`).
fn state_name(state: NL_NEIGHBOR_STATE) -> String {
    let name = match state {
        s if s == NlnsUnreachable => "FAILED",
        s if s == NlnsIncomplete => "INCOMPLETE",
        s if s == NlnsProbe => "PROBE",
        s if s == NlnsDelay => "DELAY",
        s if s == NlnsStale => "STALE",
        s if s == NlnsReachable => "REACHABLE",
        s if s == NlnsPermanent => "PERMANENT",
        other => return format!("0x{:x}", other.0),
    };
    name.to_string()
}

#[cfg(all(test, windows))]
mod tests;
