//! A baseline's route and gateway entries (`[[baseline.route]]`, `[[baseline.gateway]]`).
//!
//! Only configuration is recorded ([`Route::is_configured`]): default routes, host routes,
//! static routes and every policy-routing table; never the kernel's own local, broadcast,
//! multicast, link-local or connected-network entries, which follow the addresses and would
//! only add noise. Metrics are not recorded: DHCP clients renumber them.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::model::Family;
use crate::model::routes::{Prefix, Route, RouteTable, RouteType, next_hop};

/// One expected route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteEntry {
    /// Family of the destination.
    pub family: Family,
    /// Destination prefix.
    pub destination: Prefix,
    /// Next hop; `None` for an on-link route.
    pub gateway: Option<IpAddr>,
    /// Outgoing interface; `None` matches any.
    pub interface: Option<String>,
    /// Routing table (`main`, or a policy table).
    pub table: String,
    /// Route type (`unicast` unless written).
    pub kind: RouteType,
    /// Not reported when missing.
    pub optional: bool,
    /// `FILE:LINE` of the entry.
    pub origin: String,
}

impl RouteEntry {
    /// The entry recording a live route.
    pub fn of(route: &Route) -> RouteEntry {
        RouteEntry {
            family: route.family,
            destination: route.destination,
            gateway: route.gateway,
            interface: route.interface.clone(),
            table: route.table.clone(),
            kind: route.kind,
            optional: false,
            origin: String::new(),
        }
    }

    /// Whether a live route is this entry: same destination, table, type and next hop (the
    /// interface only when the entry names one).
    pub fn matches(&self, route: &Route) -> bool {
        self.destination == route.destination
            && self.table == route.table
            && self.kind == route.kind
            && self.gateway == route.gateway
            && (self.interface.is_none() || self.interface == route.interface)
    }

    /// A default route.
    pub fn is_default(&self) -> bool {
        self.destination.is_default()
    }

    /// The route this entry describes (what a live route must look like to match it).
    pub fn as_route(&self) -> Route {
        let mut route = Route::new(self.destination);
        route.gateway = self.gateway;
        route.interface = self.interface.clone();
        route.table = self.table.clone();
        route.kind = self.kind;
        route
    }

    /// `0.0.0.0/0 via 192.0.2.1 dev eth0` (plus the table outside `main`).
    pub fn describe(&self) -> String {
        self.as_route().describe()
    }

    /// ` via GATEWAY dev IFACE`.
    pub fn next_hop(&self) -> String {
        next_hop(self.gateway, self.interface.as_deref())
    }
}

/// The link-layer address a gateway had.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GatewayEntry {
    /// The gateway's IP address.
    pub address: IpAddr,
    /// Its MAC address, lower case with colons.
    pub mac: String,
    /// The interface it is reached on, when known.
    pub interface: Option<String>,
    /// Other neighbours that had the same MAC when the baseline was made (a router with several
    /// addresses): not reported as sharing it.
    pub shared_with: Vec<IpAddr>,
    /// Not reported when its MAC changes (a gateway that fails over between two routers).
    pub optional: bool,
    /// `FILE:LINE` of the entry.
    pub origin: String,
}

/// Other neighbours of the same family on the same link with the same MAC as `gateway`,
/// sorted.
pub fn sharing(
    table: &RouteTable,
    gateway: IpAddr,
    interface: Option<&str>,
    mac: &str,
) -> Vec<IpAddr> {
    let set: BTreeSet<IpAddr> = table
        .neighbours
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .filter(|n| {
            n.address != gateway
                && n.family == Family::of(&gateway)
                && n.station_mac() == Some(mac)
                && (interface.is_none() || n.interface.as_deref() == interface)
        })
        .map(|n| n.address)
        .collect();
    set.into_iter().collect()
}
