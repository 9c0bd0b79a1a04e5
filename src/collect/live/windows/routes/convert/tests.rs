//! The conversions over API rows built here: the Windows 10 machine of
//! `fixtures/routes/win-en-route-print-win10.txt`, rebuilt as the rows its `route print` was
//! printed from, must give the routes the importer reads from that text.

use std::net::IpAddr;

use windows::Win32::NetworkManagement::IpHelper::{
    MIB_IF_ROW2, MIB_IPFORWARD_ROW2, MIB_IPINTERFACE_ROW, MIB_IPNET_ROW2, MIB_UNICASTIPADDRESS_ROW,
};
use windows::Win32::Networking::WinSock::{
    AF_INET, AF_INET6, MIB_IPPROTO_LOCAL, MIB_IPPROTO_NETMGMT, NL_ROUTE_PROTOCOL, NlnsPermanent,
    NlnsReachable, NlnsStale, NlnsUnreachable, NlroDHCP, NlroManual,
};

use super::super::super::iphlp::{sockaddr, wide_buffer};
use super::*;
use crate::collect::import::routes::{RouteFormat, parse};

fn ip(text: &str) -> IpAddr {
    text.parse()
        .unwrap_or_else(|e| panic!("test address {text}: {e}"))
}

/// (index, alias, IPv4 metric, IPv6 metric)
const INTERFACES: &[(u32, &str, u32, u32)] = &[
    (1, "Loopback Pseudo-Interface 1", 75, 75),
    (12, "Ethernet", 15, 15),
    (28, "Tailscale", 5, 5),
];

const OWN: &[&str] = &[
    "10.211.55.3",
    "169.254.83.107",
    "127.0.0.1",
    "::1",
    "fdb2:2c26:f4e4:0:670f:fec7:75b7:eb83",
    "fdb2:2c26:f4e4:0:b4d5:8083:6ce6:37d",
    "fe80::4abd:fa70:3d36:83fd",
];

/// (destination, prefix length, next hop, interface, route metric)
const ROUTES: &[(&str, u8, &str, u32, u32)] = &[
    ("0.0.0.0", 0, "10.211.55.1", 12, 0),
    ("10.0.0.0", 8, "192.168.22.1", 12, 1),
    ("10.0.1.0", 24, "192.168.22.1", 12, 1),
    ("10.0.3.0", 24, "192.168.22.1", 12, 1),
    ("10.0.4.0", 24, "192.168.22.1", 12, 1),
    ("10.211.55.0", 24, "0.0.0.0", 12, 256),
    ("10.211.55.3", 32, "0.0.0.0", 12, 256),
    ("10.211.55.255", 32, "0.0.0.0", 12, 256),
    ("127.0.0.0", 8, "0.0.0.0", 1, 256),
    ("127.0.0.1", 32, "0.0.0.0", 1, 256),
    ("127.255.255.255", 32, "0.0.0.0", 1, 256),
    ("169.254.0.0", 16, "0.0.0.0", 28, 256),
    ("169.254.83.107", 32, "0.0.0.0", 28, 256),
    ("169.254.255.255", 32, "0.0.0.0", 28, 256),
    ("224.0.0.0", 4, "0.0.0.0", 1, 256),
    ("224.0.0.0", 4, "0.0.0.0", 12, 256),
    ("255.255.255.255", 32, "0.0.0.0", 1, 256),
    ("255.255.255.255", 32, "0.0.0.0", 12, 256),
    ("::1", 128, "::", 1, 256),
    ("2001:db8::", 64, "fe80::1", 12, 256),
    ("fdb2:2c26:f4e4::", 64, "::", 12, 256),
    ("fdb2:2c26:f4e4:0:670f:fec7:75b7:eb83", 128, "::", 12, 256),
    ("fdb2:2c26:f4e4:0:b4d5:8083:6ce6:37d", 128, "::", 12, 256),
    ("fe80::", 64, "::", 12, 256),
    ("fe80::4abd:fa70:3d36:83fd", 128, "::", 12, 256),
    ("ff00::", 8, "::", 1, 256),
    ("ff00::", 8, "::", 12, 256),
];

fn if_row(index: u32, name: &str) -> MIB_IF_ROW2 {
    MIB_IF_ROW2 {
        InterfaceIndex: index,
        Alias: wide_buffer(name),
        ..MIB_IF_ROW2::default()
    }
}

fn ip_if_row(index: u32, v6: bool, metric: u32) -> MIB_IPINTERFACE_ROW {
    MIB_IPINTERFACE_ROW {
        Family: if v6 { AF_INET6 } else { AF_INET },
        InterfaceIndex: index,
        Metric: metric,
        ..MIB_IPINTERFACE_ROW::default()
    }
}

fn address_row(text: &str) -> MIB_UNICASTIPADDRESS_ROW {
    MIB_UNICASTIPADDRESS_ROW {
        Address: sockaddr(ip(text)),
        ..MIB_UNICASTIPADDRESS_ROW::default()
    }
}

fn route_row(
    (dest, len, hop, index, metric): (&str, u8, &str, u32, u32),
    protocol: NL_ROUTE_PROTOCOL,
) -> MIB_IPFORWARD_ROW2 {
    let mut row = MIB_IPFORWARD_ROW2::default();
    row.DestinationPrefix.Prefix = sockaddr(ip(dest));
    row.DestinationPrefix.PrefixLength = len;
    row.NextHop = sockaddr(ip(hop));
    row.InterfaceIndex = index;
    row.Metric = metric;
    row.Protocol = protocol;
    row.Origin = NlroManual;
    row
}

fn context(own: bool) -> Interfaces {
    let ifs: Vec<MIB_IF_ROW2> = INTERFACES.iter().map(|i| if_row(i.0, i.1)).collect();
    let ip_ifs: Vec<MIB_IPINTERFACE_ROW> = INTERFACES
        .iter()
        .flat_map(|i| [ip_if_row(i.0, false, i.2), ip_if_row(i.0, true, i.3)])
        .collect();
    let addresses: Vec<MIB_UNICASTIPADDRESS_ROW> = OWN.iter().map(|a| address_row(a)).collect();
    Interfaces::new(&ifs, &ip_ifs, own.then_some(addresses.as_slice()))
}

fn win10_rows() -> Vec<MIB_IPFORWARD_ROW2> {
    ROUTES
        .iter()
        .map(|r| route_row(*r, MIB_IPPROTO_LOCAL))
        .collect()
}

/// What `route print` text and the API agree on: all but the interface (an address or an
/// interface-list name there, the alias here) and the protocol (not printed).
fn comparable(routes: &[Route]) -> Vec<String> {
    let mut out: Vec<String> = routes
        .iter()
        .filter(|r| !r.persistent)
        .map(|r| {
            format!(
                "{} {} {:?} {:?} {} {}",
                r.family_name(),
                r.destination,
                r.gateway,
                r.metric,
                r.kind,
                r.flags
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_api_rows_give_what_route_print_shows() {
    let text = include_str!("../../../../../../fixtures/routes/win-en-route-print-win10.txt");
    let imported = parse(RouteFormat::RoutePrint, text);
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    for own in [true, false] {
        let live = routes_from(&win10_rows(), &context(own));
        assert_eq!(
            comparable(&live),
            comparable(&imported.routes),
            "own: {own}"
        );
    }
}

#[test]
fn interfaces_by_alias_and_protocols_by_name() {
    let mut rows = win10_rows();
    rows[0].Protocol = MIB_IPPROTO_NETMGMT;
    rows[0].Origin = NlroDHCP;
    rows[1].Protocol = MIB_IPPROTO_NETMGMT;
    rows[2].InterfaceIndex = 99;
    let routes = routes_from(&rows, &context(true));
    assert_eq!(routes[0].interface.as_deref(), Some("Ethernet"));
    assert_eq!(routes[0].protocol.as_deref(), Some("dhcp"));
    assert_eq!(routes[1].protocol.as_deref(), Some("netmgmt"));
    assert_eq!(routes[5].protocol.as_deref(), Some("local"));
    assert_eq!(
        routes[2].interface.as_deref(),
        Some("if99"),
        "no alias known"
    );
    assert_eq!(routes[2].metric, Some(1), "no interface metric known");
    assert_eq!(
        routes[8].interface.as_deref(),
        Some("Loopback Pseudo-Interface 1")
    );
}

#[test]
fn a_host_route_to_another_machine_is_not_local() {
    let mut rows = win10_rows();
    // `route add 10.211.55.77 mask 255.255.255.255 0.0.0.0`: on-link, not this host's.
    rows.push(route_row(
        ("10.211.55.77", 32, "0.0.0.0", 12, 1),
        MIB_IPPROTO_NETMGMT,
    ));
    let routes = routes_from(&rows, &context(true));
    let added = routes.last().map(|r| (r.kind, r.is_configured()));
    assert_eq!(added, Some((RouteType::Unicast, true)));
    // Without the address table, the importer's guess: an on-link host route is local.
    let routes = routes_from(&rows, &context(false));
    assert_eq!(routes.last().map(|r| r.kind), Some(RouteType::Local));
}

fn neighbour_row(
    address: &str,
    mac: &[u8],
    state: windows::Win32::Networking::WinSock::NL_NEIGHBOR_STATE,
    index: u32,
) -> MIB_IPNET_ROW2 {
    let mut physical = [0u8; 32];
    physical[..mac.len()].copy_from_slice(mac);
    MIB_IPNET_ROW2 {
        Address: sockaddr(ip(address)),
        PhysicalAddress: physical,
        PhysicalAddressLength: u32::try_from(mac.len()).unwrap_or(0),
        State: state,
        InterfaceIndex: index,
        ..MIB_IPNET_ROW2::default()
    }
}

#[test]
fn neighbours_with_nud_states_and_station_macs() {
    let mut router = neighbour_row(
        "fe80::1",
        &[0x00, 0x1c, 0x42, 0x00, 0x00, 0x18],
        NlnsStale,
        12,
    );
    router.Anonymous.Flags = 1;
    let rows = [
        neighbour_row(
            "10.211.55.1",
            &[0x00, 0x1c, 0x42, 0x00, 0x00, 0x18],
            NlnsReachable,
            12,
        ),
        neighbour_row(
            "224.0.0.22",
            &[0x01, 0x00, 0x5e, 0x00, 0x00, 0x16],
            NlnsPermanent,
            12,
        ),
        neighbour_row("10.211.55.9", &[0; 6], NlnsUnreachable, 12),
        router,
        neighbour_row("127.0.0.1", &[], NlnsPermanent, 1),
    ];
    let n = neighbours_from(&rows, &context(true));
    assert_eq!(n[0].mac.as_deref(), Some("00:1c:42:00:00:18"));
    assert_eq!(n[0].state, "REACHABLE");
    assert_eq!(n[0].interface.as_deref(), Some("Ethernet"));
    assert_eq!(n[0].station_mac(), Some("00:1c:42:00:00:18"));
    assert_eq!(n[1].state, "PERMANENT");
    assert_eq!(n[1].station_mac(), None, "multicast");
    assert_eq!((n[2].state.as_str(), n[2].mac.as_deref()), ("FAILED", None));
    assert_eq!((n[3].family, n[3].router), (Family::Ipv6, true));
    assert_eq!(n[4].mac, None);
    assert!(!n[0].router);
}
