//! The IP Helper statistics as a [`CounterSample`] under Linux's counter names, so the
//! `[[counter]]` rules and `stats` read a Windows sample as they read `/proc/net/snmp`.
//!
//! Linux's `Tcp` group counts both families, Windows counts each family on its own: the two
//! are added up (the settings `RtoAlgorithm`, `RtoMin`, `RtoMax` and `MaxConn` are IPv4's).
//! Linux splits UDP, ICMP and IP by family (`Udp`/`Udp6`, `Icmp`/`Icmp6`, `Ip`/`Ip6`), and so
//! does this. Counters Windows does not keep (the whole `TcpExt` group: SYN cookies, listen
//! drops; `Udp.RcvbufErrors`, `IpExt.InOctets`...) are absent, not zero, so a rule over them
//! says "not reported" instead of passing on a zero. Windows counters that Linux lacks
//! (`dwRoutingDiscards`, `dwNumConns`...) are left out: no rule names them.

use std::collections::BTreeMap;

use windows::Win32::NetworkManagement::IpHelper::{
    MIB_ICMP_EX_XPSP1, MIB_IF_ROW2, MIB_IPSTATS_LH, MIB_TCPSTATS_LH, MIB_UDPSTATS,
    MIBICMPSTATS_EX_XPSP1,
};

use super::super::iphlp::alias;
use crate::model::counters::{CounterSample, InterfaceCounters};

/// What the four statistics calls returned for one family.
#[derive(Clone, Copy)]
pub(super) struct FamilyStats {
    pub ip: MIB_IPSTATS_LH,
    pub tcp: MIB_TCPSTATS_LH,
    pub udp: MIB_UDPSTATS,
    pub icmp: MIB_ICMP_EX_XPSP1,
}

/// `InterfaceAndOperStatusFlags.FilterInterface` (the second bit): a filter driver's view of
/// an adapter (`...-WFP Native MAC Layer LightWeight Filter-0000`), whose counters repeat
/// the adapter's own.
const FILTER_INTERFACE: u8 = 0b10;

/// ICMP message types Linux counts under a name in `/proc/net/snmp` (`Icmp.InDestUnreachs`).
const ICMP_NAMES: &[(usize, &str)] = &[
    (0, "EchoReps"),
    (3, "DestUnreachs"),
    (4, "SrcQuenchs"),
    (5, "Redirects"),
    (8, "Echos"),
    (11, "TimeExcds"),
    (12, "ParmProbs"),
    (13, "Timestamps"),
    (14, "TimestampReps"),
    (17, "AddrMasks"),
    (18, "AddrMaskReps"),
];

/// ICMPv6 message types Linux counts under a name in `/proc/net/snmp6`.
const ICMP6_NAMES: &[(usize, &str)] = &[
    (1, "DestUnreachs"),
    (2, "PktTooBigs"),
    (3, "TimeExcds"),
    (4, "ParmProblems"),
    (128, "Echos"),
    (129, "EchoReplies"),
    (130, "GroupMembQueries"),
    (131, "GroupMembResponses"),
    (132, "GroupMembReductions"),
    (133, "RouterSolicits"),
    (134, "RouterAdvertisements"),
    (135, "NeighborSolicits"),
    (136, "NeighborAdvertisements"),
    (137, "Redirects"),
    (143, "MLDv2Reports"),
];

/// The sample: IPv4's statistics, IPv6's when the stack has them, and every interface of
/// `GetIfTable2`. Windows has no boot id nor namespaces (see [`super::sample`]).
pub(super) fn sample_from(
    taken_at: jiff::Timestamp,
    v4: &FamilyStats,
    v6: Option<&FamilyStats>,
    interfaces: &[MIB_IF_ROW2],
) -> CounterSample {
    let mut values = BTreeMap::new();
    ip_values(&v4.ip, false, &mut values);
    tcp_values(&v4.tcp, v6.map(|s| &s.tcp), &mut values);
    udp_values(&v4.udp, "Udp", &mut values);
    icmp_values(&v4.icmp, "Icmp", "IcmpMsg", ICMP_NAMES, &mut values);
    if let Some(v6) = v6 {
        ip_values(&v6.ip, true, &mut values);
        udp_values(&v6.udp, "Udp6", &mut values);
        icmp_values(&v6.icmp, "Icmp6", "Icmp6", ICMP6_NAMES, &mut values);
    }
    CounterSample {
        taken_at,
        boot_id: None,
        netns: None,
        values,
        interfaces: interface_counters(interfaces),
    }
}

fn put(out: &mut BTreeMap<String, i64>, group: &str, name: &str, value: u64) {
    // Sums of two u32 always fit; the fallback only satisfies the type.
    out.insert(
        format!("{group}.{name}"),
        i64::try_from(value).unwrap_or(i64::MAX),
    );
}

/// `Ip.*` (IPv4) or `Ip6.*` (IPv6, named as `/proc/net/snmp6` names them).
fn ip_values(ip: &MIB_IPSTATS_LH, v6: bool, out: &mut BTreeMap<String, i64>) {
    let group = if v6 { "Ip6" } else { "Ip" };
    if !v6 {
        // Both use the SNMP values: 1 forwarding, 2 not.
        put(out, group, "Forwarding", u64::from(forwarding(ip)));
        put(out, group, "DefaultTTL", u64::from(ip.dwDefaultTTL));
        put(out, group, "ForwDatagrams", u64::from(ip.dwForwDatagrams));
    } else {
        put(
            out,
            group,
            "OutForwDatagrams",
            u64::from(ip.dwForwDatagrams),
        );
    }
    let pairs = [
        ("InReceives", ip.dwInReceives),
        ("InHdrErrors", ip.dwInHdrErrors),
        ("InAddrErrors", ip.dwInAddrErrors),
        ("InUnknownProtos", ip.dwInUnknownProtos),
        ("InDiscards", ip.dwInDiscards),
        ("InDelivers", ip.dwInDelivers),
        ("OutRequests", ip.dwOutRequests),
        ("OutDiscards", ip.dwOutDiscards),
        ("OutNoRoutes", ip.dwOutNoRoutes),
        ("ReasmTimeout", ip.dwReasmTimeout),
        ("ReasmReqds", ip.dwReasmReqds),
        ("ReasmOKs", ip.dwReasmOks),
        ("ReasmFails", ip.dwReasmFails),
        ("FragOKs", ip.dwFragOks),
        ("FragFails", ip.dwFragFails),
        ("FragCreates", ip.dwFragCreates),
    ];
    for (name, value) in pairs {
        put(out, group, name, u64::from(value));
    }
}

#[allow(unsafe_code)]
fn forwarding(ip: &MIB_IPSTATS_LH) -> u32 {
    // SAFETY: both members of the union are 32-bit integers (a u32 and a newtype of i32), any
    // bit pattern is valid for either, and the structure is fully initialised.
    unsafe { ip.Anonymous.dwForwarding }
}

#[allow(unsafe_code)]
fn rto_algorithm(tcp: &MIB_TCPSTATS_LH) -> u32 {
    // SAFETY: as for `forwarding`: a u32 and a newtype of i32, any bit pattern valid.
    unsafe { tcp.Anonymous.dwRtoAlgorithm }
}

/// `Tcp.*`: IPv4's and IPv6's counts added (Linux's `Tcp` covers both), IPv4's settings.
fn tcp_values(v4: &MIB_TCPSTATS_LH, v6: Option<&MIB_TCPSTATS_LH>, out: &mut BTreeMap<String, i64>) {
    put(out, "Tcp", "RtoAlgorithm", u64::from(rto_algorithm(v4)));
    put(out, "Tcp", "RtoMin", u64::from(v4.dwRtoMin));
    put(out, "Tcp", "RtoMax", u64::from(v4.dwRtoMax));
    // Signed as on Linux: "no fixed limit" is 0xFFFFFFFF on Windows, -1 in /proc/net/snmp.
    out.insert(
        "Tcp.MaxConn".to_string(),
        i64::from(v4.dwMaxConn.cast_signed()),
    );
    let counts = |t: &MIB_TCPSTATS_LH| {
        [
            ("ActiveOpens", t.dwActiveOpens),
            ("PassiveOpens", t.dwPassiveOpens),
            ("AttemptFails", t.dwAttemptFails),
            ("EstabResets", t.dwEstabResets),
            ("CurrEstab", t.dwCurrEstab),
            ("InSegs", t.dwInSegs),
            ("OutSegs", t.dwOutSegs),
            ("RetransSegs", t.dwRetransSegs),
            ("InErrs", t.dwInErrs),
            ("OutRsts", t.dwOutRsts),
        ]
    };
    let four = counts(v4);
    // Wine answers both families with the host's one (already combined) Linux `Tcp` line;
    // adding it twice would double every count. Two real stacks never agree on every count
    // unless both are idle, where adding nothing changes nothing.
    let six = v6.map(counts).filter(|six| *six != four);
    for (i, (name, value)) in four.into_iter().enumerate() {
        let other = six.map_or(0, |s| s[i].1);
        put(out, "Tcp", name, u64::from(value) + u64::from(other));
    }
}

/// `Udp.*` or `Udp6.*`.
fn udp_values(udp: &MIB_UDPSTATS, group: &str, out: &mut BTreeMap<String, i64>) {
    put(out, group, "InDatagrams", u64::from(udp.dwInDatagrams));
    put(out, group, "NoPorts", u64::from(udp.dwNoPorts));
    put(out, group, "InErrors", u64::from(udp.dwInErrors));
    put(out, group, "OutDatagrams", u64::from(udp.dwOutDatagrams));
}

/// `Icmp.*` with the named types, and `IcmpMsg.InTypeN` for every type seen (IPv4); or
/// `Icmp6.*` and `Icmp6.InTypeN` (IPv6). Like Linux, a per-type counter appears once its
/// type has been seen; the named ones always.
fn icmp_values(
    icmp: &MIB_ICMP_EX_XPSP1,
    group: &str,
    typed_group: &str,
    names: &[(usize, &str)],
    out: &mut BTreeMap<String, i64>,
) {
    let sides: [(&str, &MIBICMPSTATS_EX_XPSP1); 2] =
        [("In", &icmp.icmpInStats), ("Out", &icmp.icmpOutStats)];
    for (side, stats) in sides {
        put(out, group, &format!("{side}Msgs"), u64::from(stats.dwMsgs));
        put(
            out,
            group,
            &format!("{side}Errors"),
            u64::from(stats.dwErrors),
        );
        for (kind, name) in names {
            let count = stats.rgdwTypeCount.get(*kind).copied().unwrap_or(0);
            put(out, group, &format!("{side}{name}"), u64::from(count));
        }
        for (kind, count) in stats.rgdwTypeCount.iter().enumerate() {
            if *count > 0 {
                put(
                    out,
                    typed_group,
                    &format!("{side}Type{kind}"),
                    u64::from(*count),
                );
            }
        }
    }
}

/// `GetIfTable2` rows as `/proc/net/dev` lines, by alias. Windows counts unicast and
/// non-unicast packets apart (added here); it has no FIFO, frame, compressed, collision or
/// carrier counts, and counts multicast in bytes only: those columns stay 0.
pub(super) fn interface_counters(rows: &[MIB_IF_ROW2]) -> BTreeMap<String, InterfaceCounters> {
    let mut out = BTreeMap::new();
    for row in rows {
        if row.InterfaceAndOperStatusFlags._bitfield & FILTER_INTERFACE != 0 {
            continue;
        }
        let counters = InterfaceCounters {
            rx_bytes: row.InOctets,
            rx_packets: row.InUcastPkts.saturating_add(row.InNUcastPkts),
            rx_errors: row.InErrors,
            rx_dropped: row.InDiscards,
            tx_bytes: row.OutOctets,
            tx_packets: row.OutUcastPkts.saturating_add(row.OutNUcastPkts),
            tx_errors: row.OutErrors,
            tx_dropped: row.OutDiscards,
            ..InterfaceCounters::default()
        };
        let mut name = alias(row);
        if name.is_empty() || out.contains_key(&name) {
            // Aliases are unique on a healthy system; keep both rather than lose one.
            name = format!("{name} (if{})", row.InterfaceIndex);
        }
        out.insert(name, counters);
    }
    out
}

#[cfg(all(test, windows))]
mod tests;
