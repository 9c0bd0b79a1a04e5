//! The mapping over statistics structures built here, as the API would fill them.

use windows::Win32::NetworkManagement::IpHelper::MIB_IF_ROW2_0;

use super::super::super::iphlp::wide_buffer;
use super::*;
use crate::model::counters::{delta_between, names};

fn stats(seed: u32) -> FamilyStats {
    let mut ip = MIB_IPSTATS_LH::default();
    ip.Anonymous.dwForwarding = 2;
    ip.dwDefaultTTL = 128;
    ip.dwInReceives = 1000 * seed;
    ip.dwInDiscards = 3 * seed;
    ip.dwForwDatagrams = 7;
    ip.dwReasmOks = 5;
    let mut tcp = MIB_TCPSTATS_LH::default();
    tcp.Anonymous.dwRtoAlgorithm = 4;
    tcp.dwRtoMin = 300;
    tcp.dwRtoMax = 120_000;
    tcp.dwMaxConn = u32::MAX;
    tcp.dwActiveOpens = 10 * seed;
    tcp.dwCurrEstab = seed;
    tcp.dwOutSegs = 5000 * seed;
    tcp.dwRetransSegs = 50 * seed;
    tcp.dwNumConns = 99;
    let udp = MIB_UDPSTATS {
        dwInDatagrams: 20 * seed,
        dwNoPorts: seed,
        dwInErrors: 0,
        dwOutDatagrams: 30 * seed,
        dwNumAddrs: 4,
    };
    let mut icmp = MIB_ICMP_EX_XPSP1::default();
    icmp.icmpInStats.dwMsgs = 9;
    icmp.icmpInStats.rgdwTypeCount[3] = 4;
    icmp.icmpInStats.rgdwTypeCount[135] = 6;
    icmp.icmpOutStats.rgdwTypeCount[8] = 2;
    FamilyStats { ip, tcp, udp, icmp }
}

fn interface(alias: &str, index: u32, flags: u8) -> MIB_IF_ROW2 {
    MIB_IF_ROW2 {
        Alias: wide_buffer(alias),
        InterfaceIndex: index,
        InterfaceAndOperStatusFlags: MIB_IF_ROW2_0 { _bitfield: flags },
        InOctets: 1500,
        InUcastPkts: 10,
        InNUcastPkts: 2,
        InErrors: 1,
        InDiscards: 3,
        OutOctets: 700,
        OutUcastPkts: 5,
        OutNUcastPkts: 1,
        OutDiscards: 4,
        ..MIB_IF_ROW2::default()
    }
}

fn at(second: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(second).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

#[test]
fn linux_names_with_both_families_of_tcp_added() {
    let v4 = stats(1);
    let v6 = stats(2);
    let s = sample_from(at(100), &v4, Some(&v6), &[]);
    let v = &s.values;
    assert_eq!(v["Ip.InReceives"], 1000);
    assert_eq!(v["Ip6.InReceives"], 2000);
    assert_eq!(v["Ip.Forwarding"], 2);
    assert_eq!(v["Ip.DefaultTTL"], 128);
    assert_eq!(v["Ip.ForwDatagrams"], 7);
    assert_eq!(v["Ip6.OutForwDatagrams"], 7);
    assert_eq!(v["Ip.ReasmOKs"], 5);
    assert!(!v.contains_key("Ip6.Forwarding"), "Linux has none");
    assert_eq!(v["Tcp.ActiveOpens"], 30, "IPv4's 10 + IPv6's 20");
    assert_eq!(v["Tcp.CurrEstab"], 3);
    assert_eq!(v["Tcp.RetransSegs"], 150);
    assert_eq!(v["Tcp.MaxConn"], -1, "signed, as Linux prints it");
    assert_eq!(v["Tcp.RtoAlgorithm"], 4);
    assert_eq!(v["Udp.InDatagrams"], 20);
    assert_eq!(v["Udp6.InDatagrams"], 40);
    assert_eq!(v["Udp6.NoPorts"], 2);
    assert_eq!(v["Icmp.InMsgs"], 9);
    assert_eq!(v["Icmp.InDestUnreachs"], 4);
    assert_eq!(v["IcmpMsg.InType3"], 4);
    assert_eq!(v["Icmp.OutEchos"], 2);
    assert_eq!(v["IcmpMsg.OutType8"], 2);
    assert!(
        !v.contains_key("IcmpMsg.InType0"),
        "unseen types are absent"
    );
    assert_eq!(v["Icmp6.InNeighborSolicits"], 6);
    assert_eq!(v["Icmp6.InType135"], 6);
    // What Windows does not count is absent, not zero.
    for absent in [
        "TcpExt.SyncookiesSent",
        "TcpExt.ListenDrops",
        "Udp.RcvbufErrors",
    ] {
        assert!(!v.contains_key(absent), "{absent}");
    }
    // Every name is one Linux uses: the rules and `stats` know them.
    for name in v.keys() {
        assert!(names::is_known(name), "{name}");
    }
    assert_eq!((s.boot_id, s.netns), (None, None));
}

#[test]
fn identical_family_answers_are_counted_once() {
    // What Wine returns: the same Tcp line for AF_INET and AF_INET6.
    let s = sample_from(at(1), &stats(2), Some(&stats(2)), &[]);
    assert_eq!(s.values["Tcp.ActiveOpens"], 20);
    assert_eq!(s.values["Tcp.InSegs"], 0);
}

#[test]
fn without_ipv6_only_the_ipv4_groups() {
    let s = sample_from(at(1), &stats(1), None, &[]);
    assert_eq!(s.values["Tcp.ActiveOpens"], 10);
    assert!(s.values.keys().all(|k| !k.contains('6')), "{:?}", s.values);
}

#[test]
fn rates_between_two_windows_samples() {
    let a = sample_from(at(100), &stats(1), None, &[]);
    let b = sample_from(at(104), &stats(3), None, &[]);
    let d = delta_between(&a, &b, "Tcp.ActiveOpens").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((d.previous, d.current, d.rate), (10, 30, 5.0));
    // No boot id on Windows: samples compare by time alone.
    assert!(delta_between(&a, &b, "TcpExt.SyncookiesSent").is_err());
}

#[test]
fn interfaces_by_alias_without_filter_interfaces() {
    let rows = [
        interface("Ethernet", 4, 0b1),
        interface(
            "Ethernet-WFP Native MAC Layer LightWeight Filter-0000",
            4,
            0b11,
        ),
        interface("Loopback Pseudo-Interface 1", 1, 0),
        interface("Ethernet", 9, 0b1),
    ];
    let s = sample_from(at(1), &stats(1), None, &rows);
    assert_eq!(
        s.interfaces.keys().collect::<Vec<_>>(),
        ["Ethernet", "Ethernet (if9)", "Loopback Pseudo-Interface 1"]
    );
    let e = s.interfaces["Ethernet"];
    assert_eq!(
        (e.rx_bytes, e.rx_packets, e.rx_errors, e.rx_dropped),
        (1500, 12, 1, 3)
    );
    assert_eq!(
        (e.tx_bytes, e.tx_packets, e.tx_errors, e.tx_dropped),
        (700, 6, 0, 4)
    );
    assert_eq!(e.rx_multicast, 0);
}
