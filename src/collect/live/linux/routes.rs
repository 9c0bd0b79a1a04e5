//! rtnetlink dumps of the routing, neighbour and link tables (Linux).
//!
//! Chosen over `/proc/net/route` + `/proc/net/ipv6_route` because those show only the main IPv4
//! table and the IPv6 FIB without table numbers, types or protocols: a route an attacker puts
//! in a policy-routing table, or a blackhole, would be invisible there. Netlink sees only the
//! caller's network namespace, which is what `ip netns exec` relies on.

use std::collections::BTreeMap;
use std::net::IpAddr;

use netlink_packet_route::link::{LinkAttribute, LinkMessage};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteHeader, RouteMessage, RouteType as NlType,
    RouteVia,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;

use crate::collect::error::LiveError;
use crate::collect::live::linux::netlink::DumpError;
use crate::model::Family;
use crate::model::routes::{
    Neighbour, Prefix, Route, RouteTable, RouteType, format_mac, table_name,
};

/// Reads every route of both families (and the neighbours when asked).
pub fn read(neighbours: bool) -> Result<RouteTable, LiveError> {
    let mut conn = Conn {
        conn: crate::collect::live::linux::netlink::Conn::open(NETLINK_ROUTE)
            .map_err(|e| live_error(e, "routing table"))?,
    };
    let names = conn.interfaces()?;
    let mut table = RouteTable::default();
    for family in [AddressFamily::Inet, AddressFamily::Inet6] {
        let mut request = RouteMessage::default();
        request.header.address_family = family;
        let answers = match conn.dump(RouteNetlinkMessage::GetRoute(request), "routing table") {
            Ok(answers) => answers,
            // A kernel booted with ipv6.disable=1 has no IPv6 table to dump.
            Err(LiveError::Kernel { source, .. })
                if family == AddressFamily::Inet6
                    && source.raw_os_error() == Some(libc_eafnosupport()) =>
            {
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        for answer in answers {
            if let RouteNetlinkMessage::NewRoute(message) = answer {
                table.routes.extend(routes_of(&message, &names));
            }
        }
    }
    if neighbours {
        let answers = conn.dump(
            RouteNetlinkMessage::GetNeighbour(NeighbourMessage::default()),
            "neighbour table",
        )?;
        let list = answers
            .into_iter()
            .filter_map(|answer| match answer {
                RouteNetlinkMessage::NewNeighbour(message) => neighbour_of(&message, &names),
                _ => None,
            })
            // NOARP entries are the kernel's placeholders for links without address
            // resolution (loopback, multicast); `ip neigh` hides them too.
            .filter(|n| n.state != "NOARP")
            .collect();
        table.neighbours = Some(list);
    }
    Ok(table)
}

/// `EAFNOSUPPORT` on Linux (every architecture), without a libc dependency for one number.
const fn libc_eafnosupport() -> i32 {
    97
}

struct Conn {
    conn: crate::collect::live::linux::netlink::Conn,
}

impl Conn {
    /// Interface index to name, from an RTM_GETLINK dump.
    fn interfaces(&mut self) -> Result<BTreeMap<u32, String>, LiveError> {
        let answers = self.dump(
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            "interface list",
        )?;
        Ok(answers
            .into_iter()
            .filter_map(|answer| match answer {
                RouteNetlinkMessage::NewLink(link) => {
                    link.attributes.iter().find_map(|a| match a {
                        LinkAttribute::IfName(name) => Some((link.header.index, name.clone())),
                        _ => None,
                    })
                }
                _ => None,
            })
            .collect())
    }

    /// One dump (src/collect/live/linux/netlink.rs), its errors named after the table.
    fn dump(
        &mut self,
        request: RouteNetlinkMessage,
        what: &'static str,
    ) -> Result<Vec<RouteNetlinkMessage>, LiveError> {
        self.conn
            .dump(request, what)
            .map_err(|e| live_error(e, what))
    }
}

fn live_error(error: DumpError, what: &'static str) -> LiveError {
    match error {
        DumpError::Socket(source) => LiveError::Socket { what, source },
        DumpError::Kernel(source) => LiveError::Kernel { what, source },
        DumpError::Decode(message) => LiveError::Decode { what, message },
    }
}

fn family_of(family: AddressFamily) -> Option<Family> {
    match family {
        AddressFamily::Inet => Some(Family::Ipv4),
        AddressFamily::Inet6 => Some(Family::Ipv6),
        _ => None,
    }
}

fn route_ip(address: &RouteAddress) -> Option<IpAddr> {
    match address {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

fn via_ip(via: &RouteVia) -> Option<IpAddr> {
    match via {
        RouteVia::Inet(a) => Some(IpAddr::V4(*a)),
        RouteVia::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

/// The next hop named by a list of attributes (a route's, or one multipath hop's).
fn gateway_of(attributes: &[RouteAttribute]) -> Option<IpAddr> {
    attributes.iter().find_map(|a| match a {
        RouteAttribute::Gateway(g) => route_ip(g),
        RouteAttribute::Via(v) => via_ip(v),
        _ => None,
    })
}

fn route_type(kind: NlType) -> RouteType {
    match kind {
        NlType::Unicast => RouteType::Unicast,
        NlType::Local => RouteType::Local,
        NlType::Broadcast => RouteType::Broadcast,
        NlType::Anycast => RouteType::Anycast,
        NlType::Multicast => RouteType::Multicast,
        NlType::BlackHole => RouteType::Blackhole,
        NlType::Unreachable => RouteType::Unreachable,
        NlType::Prohibit => RouteType::Prohibit,
        NlType::Throw => RouteType::Throw,
        NlType::Nat => RouteType::Nat,
        _ => RouteType::Other,
    }
}

/// `ip route`'s names for the `RTPROT_*` numbers (iproute2's rt_protos), else the number.
fn protocol_name(id: u8) -> Option<String> {
    let name = match id {
        0 => return None,
        1 => "redirect",
        2 => "kernel",
        3 => "boot",
        4 => "static",
        8 => "gated",
        9 => "ra",
        10 => "mrt",
        11 => "zebra",
        12 => "bird",
        13 => "dnrouted",
        14 => "xorp",
        15 => "ntk",
        16 => "dhcp",
        18 => "keepalived",
        42 => "babel",
        99 => "openr",
        186 => "bgp",
        187 => "isis",
        188 => "ospf",
        189 => "rip",
        192 => "eigrp",
        n => return Some(n.to_string()),
    };
    Some(name.to_string())
}

/// `ip route`'s scope names; `null` for global (what `ip route` does not print either).
fn scope_name(id: u8) -> Option<String> {
    match id {
        0 => None,
        200 => Some("site".to_string()),
        253 => Some("link".to_string()),
        254 => Some("host".to_string()),
        255 => Some("nowhere".to_string()),
        n => Some(n.to_string()),
    }
}

fn interface_name(names: &BTreeMap<u32, String>, index: u32) -> Option<String> {
    (index != 0).then(|| {
        names
            .get(&index)
            .cloned()
            // An interface that vanished between the two dumps: still say which one it was.
            .unwrap_or_else(|| format!("if{index}"))
    })
}

/// One route message as routes: one per next hop of a multipath route.
fn routes_of(message: &RouteMessage, names: &BTreeMap<u32, String>) -> Vec<Route> {
    let header: &RouteHeader = &message.header;
    let Some(family) = family_of(header.address_family) else {
        return Vec::new();
    };
    // Cached clones (PMTU exceptions) are not routes anyone configured.
    if header.flags.contains(RouteFlags::Cloned) {
        return Vec::new();
    }
    let attrs = &message.attributes;
    let unspecified = Prefix::default_route(family).addr();
    let destination_ip = attrs
        .iter()
        .find_map(|a| match a {
            RouteAttribute::Destination(d) => route_ip(d),
            _ => None,
        })
        .unwrap_or(unspecified);
    let Some(destination) = Prefix::new(destination_ip, header.destination_prefix_length) else {
        return Vec::new();
    };
    let table = attrs
        .iter()
        .find_map(|a| match a {
            RouteAttribute::Table(t) => Some(*t),
            _ => None,
        })
        .unwrap_or(u32::from(header.table));
    let mut base = Route::new(destination);
    base.table = table_name(table);
    base.kind = route_type(header.kind);
    base.protocol = protocol_name(u8::from(header.protocol));
    base.scope = scope_name(u8::from(header.scope));
    for a in attrs {
        match a {
            RouteAttribute::Priority(p) => base.metric = Some(*p),
            RouteAttribute::PrefSource(s) => base.source = route_ip(s),
            RouteAttribute::Oif(index) => base.interface = interface_name(names, *index),
            _ => {}
        }
    }
    base.gateway = gateway_of(attrs);
    let hops: Vec<Route> = attrs
        .iter()
        .filter_map(|a| match a {
            RouteAttribute::MultiPath(hops) => Some(hops),
            _ => None,
        })
        .flatten()
        .map(|hop| {
            let mut route = base.clone();
            route.gateway = gateway_of(&hop.attributes);
            route.interface = interface_name(names, hop.interface_index);
            route
        })
        .collect();
    let mut routes = if hops.is_empty() { vec![base] } else { hops };
    for route in &mut routes {
        route.flags = route.derived_flags();
    }
    routes
}

fn neighbour_of(message: &NeighbourMessage, names: &BTreeMap<u32, String>) -> Option<Neighbour> {
    let family = family_of(message.header.family)?;
    let address = message.attributes.iter().find_map(|a| match a {
        NeighbourAttribute::Destination(NeighbourAddress::Inet(a)) => Some(IpAddr::V4(*a)),
        NeighbourAttribute::Destination(NeighbourAddress::Inet6(a)) => Some(IpAddr::V6(*a)),
        _ => None,
    })?;
    let mac = message.attributes.iter().find_map(|a| match a {
        NeighbourAttribute::LinkLocalAddress(bytes) if !bytes.is_empty() => Some(format_mac(bytes)),
        _ => None,
    });
    Some(Neighbour {
        family,
        address,
        mac,
        interface: interface_name(names, message.header.ifindex),
        state: state_name(message.header.state),
        router: message.header.flags.contains(NeighbourFlags::Router),
    })
}

/// `ip neigh`'s spelling of a NUD state.
fn state_name(state: NeighbourState) -> String {
    match state {
        NeighbourState::Incomplete => "INCOMPLETE".to_string(),
        NeighbourState::Reachable => "REACHABLE".to_string(),
        NeighbourState::Stale => "STALE".to_string(),
        NeighbourState::Delay => "DELAY".to_string(),
        NeighbourState::Probe => "PROBE".to_string(),
        NeighbourState::Failed => "FAILED".to_string(),
        NeighbourState::Noarp => "NOARP".to_string(),
        NeighbourState::Permanent => "PERMANENT".to_string(),
        NeighbourState::None => "NONE".to_string(),
        other => format!("0x{:x}", u16::from(other)),
    }
}
