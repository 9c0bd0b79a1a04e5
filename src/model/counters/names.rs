//! Counter names: the groups and names Linux reports, the ones worth a person's attention
//! first, and which of them are gauges rather than counters.

/// Groups of `/proc/net/{snmp,netstat,snmp6}` (`Tcp`, `TcpExt`, `Ip6`...).
pub const GROUPS: &[&str] = &[
    "Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite", "TcpExt", "IpExt", "MPTcpExt", "Ip6",
    "Icmp6", "Udp6", "UdpLite6",
];

/// Prefixes of `/proc/net/snmp6` names, longest first (`Udp6InDatagrams` is `Udp6.InDatagrams`).
pub const SNMP6_GROUPS: &[&str] = &["UdpLite6", "Udp6", "Icmp6", "Ip6"];

/// Values that are levels or settings, not event counts: they have no rate.
pub const GAUGES: &[&str] = &[
    "Ip.Forwarding",
    "Ip.DefaultTTL",
    "Tcp.RtoAlgorithm",
    "Tcp.RtoMin",
    "Tcp.RtoMax",
    "Tcp.MaxConn",
    "Tcp.CurrEstab",
    "MPTcpExt.MPCurrEstab",
];

/// Whether `name` is a level or setting rather than an event count.
pub fn is_gauge(name: &str) -> bool {
    GAUGES.contains(&name)
}

/// The counters `sockaudit stats` shows first (and alone without `--all`), by section, each
/// with what it counts.
pub const KEY: &[(&str, &[(&str, &str)])] = &[
    (
        "TCP",
        &[
            ("Tcp.ActiveOpens", "connections this host opened"),
            ("Tcp.PassiveOpens", "connections this host accepted"),
            ("Tcp.AttemptFails", "connection attempts that failed"),
            ("Tcp.EstabResets", "established connections reset"),
            ("Tcp.CurrEstab", "connections established now"),
            ("Tcp.InSegs", "segments received"),
            ("Tcp.OutSegs", "segments sent"),
            ("Tcp.RetransSegs", "segments retransmitted"),
            ("Tcp.InErrs", "bad segments received"),
            ("Tcp.OutRsts", "resets sent"),
            ("TcpExt.TCPTimeouts", "retransmission timeouts"),
            ("TcpExt.TCPSynRetrans", "SYNs retransmitted"),
            (
                "TcpExt.TCPAbortOnData",
                "connections reset on unexpected data",
            ),
            (
                "TcpExt.TCPAbortOnTimeout",
                "connections dropped after too many retries",
            ),
        ],
    ),
    (
        "Listen queues and SYN cookies",
        &[
            (
                "TcpExt.ListenOverflows",
                "accept queue full: handshake dropped",
            ),
            (
                "TcpExt.ListenDrops",
                "connections dropped at a listener (overflows included)",
            ),
            (
                "TcpExt.SyncookiesSent",
                "SYN cookies sent (SYN queue full, or syncookies=2)",
            ),
            ("TcpExt.SyncookiesRecv", "valid SYN cookies received back"),
            ("TcpExt.SyncookiesFailed", "invalid SYN cookies received"),
            (
                "TcpExt.TCPReqQFullDoCookies",
                "SYN queue full: answered with a cookie",
            ),
            ("TcpExt.TCPReqQFullDrop", "SYN queue full: SYN dropped"),
            (
                "TcpExt.TCPBacklogDrop",
                "segments dropped: socket backlog full",
            ),
        ],
    ),
    (
        "UDP",
        &[
            ("Udp.InDatagrams", "datagrams received"),
            ("Udp.OutDatagrams", "datagrams sent"),
            ("Udp.NoPorts", "datagrams to a port nobody listens on"),
            ("Udp.InErrors", "datagrams dropped on receipt"),
            ("Udp.RcvbufErrors", "datagrams dropped: receive buffer full"),
            ("Udp.SndbufErrors", "datagrams dropped: send buffer full"),
            ("Udp6.InDatagrams", "IPv6 datagrams received"),
            ("Udp6.NoPorts", "IPv6 datagrams to a port nobody listens on"),
            (
                "Udp6.RcvbufErrors",
                "IPv6 datagrams dropped: receive buffer full",
            ),
        ],
    ),
    (
        "IP",
        &[
            ("Ip.InReceives", "packets received"),
            ("Ip.InDelivers", "packets delivered to protocols"),
            ("Ip.OutRequests", "packets sent"),
            ("Ip.ForwDatagrams", "packets forwarded"),
            ("Ip.InHdrErrors", "packets with bad headers"),
            ("Ip.InAddrErrors", "packets for an address not ours"),
            ("Ip.InDiscards", "packets discarded on receipt"),
            ("Ip.OutDiscards", "packets discarded on send"),
            ("Ip.OutNoRoutes", "packets with no route"),
            ("IpExt.InOctets", "bytes received"),
            ("IpExt.OutOctets", "bytes sent"),
            ("Ip6.InReceives", "IPv6 packets received"),
            ("Ip6.OutRequests", "IPv6 packets sent"),
            ("Ip6.InDiscards", "IPv6 packets discarded on receipt"),
            ("Ip6.InNoRoutes", "IPv6 packets with no route"),
        ],
    ),
    (
        "ICMP",
        &[
            ("Icmp.InMsgs", "messages received"),
            ("Icmp.OutMsgs", "messages sent"),
            ("Icmp.InDestUnreachs", "destination-unreachable received"),
            ("Icmp.OutDestUnreachs", "destination-unreachable sent"),
            ("Icmp6.InMsgs", "ICMPv6 messages received"),
            ("Icmp6.OutMsgs", "ICMPv6 messages sent"),
        ],
    ),
];

/// Whether `name` is one of [`KEY`].
pub fn is_key(name: &str) -> bool {
    KEY.iter()
        .any(|(_, counters)| counters.iter().any(|(n, _)| *n == name))
}

/// Every counter name Linux 6.18 reports, by group (`IcmpMsg` and the per-type ICMPv6
/// counters are named after message types and checked by pattern instead). Rule files are
/// checked against it for typos; a name it lacks is still accepted when it is not close to one
/// it has (newer kernels add counters).
pub const KNOWN: &[(&str, &str)] = &[
    (
        "Ip",
        "Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams \
        InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout \
        ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits",
    ),
    (
        "Icmp",
        "InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs \
        InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps \
        OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds \
        OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps \
        OutTimestampReps OutAddrMasks OutAddrMaskReps",
    ),
    (
        "Tcp",
        "RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets \
        CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors",
    ),
    (
        "Udp",
        "InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors \
        IgnoredMulti MemErrors",
    ),
    (
        "UdpLite",
        "InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors \
        IgnoredMulti MemErrors",
    ),
    (
        "TcpExt",
        "SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned \
        OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled \
        PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs \
        DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks \
        TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder \
        TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo \
        TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans \
        TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail \
        TCPSackRecoveryFail TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent \
        TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory \
        TCPAbortOnTimeout TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures \
        TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo \
        TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted \
        TCPSackMerged TCPSackShiftFallback TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop \
        TCPDeferAcceptDrop IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies \
        TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge \
        TCPChallengeACK TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail \
        TCPFastOpenPassive TCPFastOpenPassiveFail TCPFastOpenListenOverflow \
        TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets \
        TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv \
        TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd \
        TCPHystartDelayDetect TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS \
        TCPACKSkippedSeq TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge \
        TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered TCPDeliveredCE \
        TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig \
        TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs \
        TCPDSACKIgnoredDubious TCPMigrateReqSuccess TCPMigrateReqFailure TCPPLBRehash \
        TCPAORequired TCPAOBad TCPAOKeyNotFound TCPAOGood TCPAODroppedIcmps",
    ),
    (
        "IpExt",
        "InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets \
        OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors \
        InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps",
    ),
    (
        "MPTcpExt",
        "MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX MPCapableFallbackACK \
        MPCapableFallbackSYNACK MPCapableSYNTXDrop MPCapableSYNTXDisabled MPCapableEndpAttempt \
        MPFallbackTokenInit MPTCPRetrans MPJoinNoTokenFound MPJoinSynRx MPJoinSynBackupRx \
        MPJoinSynAckRx MPJoinSynAckBackupRx MPJoinSynAckHMacFailure MPJoinAckRx \
        MPJoinAckHMacFailure MPJoinRejected MPJoinSynTx MPJoinSynTxCreatSkErr \
        MPJoinSynTxBindErr MPJoinSynTxConnectErr DSSNotMatching DSSCorruptionFallback \
        DSSCorruptionReset InfiniteMapTx InfiniteMapRx DSSNoMatchTCP DataCsumErr OFOQueueTail \
        OFOQueue OFOMerge NoDSSInWindow DuplicateData AddAddr AddAddrTx AddAddrTxDrop EchoAdd \
        EchoAddTx EchoAddTxDrop PortAdd AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx \
        MPJoinPortAckRx MismatchPortSynRx MismatchPortAckRx RmAddr RmAddrDrop RmAddrTx \
        RmAddrTxDrop RmSubflow MPPrioTx MPPrioRx MPFailTx MPFailRx MPFastcloseTx MPFastcloseRx \
        MPRstTx MPRstRx SubflowStale SubflowRecover SndWndShared RcvWndShared \
        RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole MPCapableDataFallback \
        MD5SigFallback DssFallback SimultConnectFallback FallbackFailed WinProbe",
    ),
    (
        "Ip6",
        "InReceives InHdrErrors InTooBigErrors InNoRoutes InAddrErrors InUnknownProtos \
        InTruncatedPkts InDiscards InDelivers OutForwDatagrams OutRequests OutDiscards \
        OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates \
        InMcastPkts OutMcastPkts InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets \
        OutBcastOctets InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts OutTransmits",
    ),
    (
        "Icmp6",
        "InMsgs InErrors OutMsgs OutErrors InCsumErrors OutRateLimitHost InDestUnreachs \
        InPktTooBigs InTimeExcds InParmProblems InEchos InEchoReplies InGroupMembQueries \
        InGroupMembResponses InGroupMembReductions InRouterSolicits InRouterAdvertisements \
        InNeighborSolicits InNeighborAdvertisements InRedirects InMLDv2Reports OutDestUnreachs \
        OutPktTooBigs OutTimeExcds OutParmProblems OutEchos OutEchoReplies OutGroupMembQueries \
        OutGroupMembResponses OutGroupMembReductions OutRouterSolicits OutRouterAdvertisements \
        OutNeighborSolicits OutNeighborAdvertisements OutRedirects OutMLDv2Reports",
    ),
    (
        "Udp6",
        "InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors \
        IgnoredMulti MemErrors",
    ),
    (
        "UdpLite6",
        "InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors \
        MemErrors",
    ),
];

/// Whether Linux names a counter `name` (`Group.Name`), as far as this build knows.
pub fn is_known(name: &str) -> bool {
    let Some((group, rest)) = name.split_once('.') else {
        return false;
    };
    if group == "IcmpMsg" || group == "Icmp6" {
        let typed = rest
            .strip_prefix("InType")
            .or_else(|| rest.strip_prefix("OutType"));
        if typed.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
            return true;
        }
    }
    KNOWN
        .iter()
        .any(|(g, names)| *g == group && names.split_whitespace().any(|n| n == rest))
}

/// Every known name as `Group.Name`, in kernel order.
pub fn known_names() -> impl Iterator<Item = String> {
    KNOWN.iter().flat_map(|(group, names)| {
        names
            .split_whitespace()
            .map(move |n| format!("{group}.{n}"))
    })
}

/// `Udp6InDatagrams` (a `/proc/net/snmp6` name) as `Udp6.InDatagrams`; unknown prefixes keep
/// the whole name under `Snmp6`.
pub fn snmp6_name(raw: &str) -> String {
    for group in SNMP6_GROUPS {
        if let Some(rest) = raw.strip_prefix(group)
            && !rest.is_empty()
        {
            return format!("{group}.{rest}");
        }
    }
    format!("Snmp6.{raw}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_and_patterns() {
        assert!(is_known("TcpExt.SyncookiesSent"));
        assert!(is_known("Udp6.RcvbufErrors"));
        assert!(is_known("IcmpMsg.InType3"));
        assert!(is_known("Icmp6.OutType133"));
        assert!(!is_known("TcpExt.SyncookieSent"));
        assert!(!is_known("IcmpMsg.InTypeX"));
        assert!(!is_known("Tcp"));
        for (_, counters) in KEY {
            for (name, _) in *counters {
                assert!(is_known(name), "{name}");
            }
        }
        for gauge in GAUGES {
            assert!(is_known(gauge), "{gauge}");
        }
        assert!(known_names().count() > 300);
    }

    #[test]
    fn snmp6_names_split_at_their_group() {
        assert_eq!(snmp6_name("Udp6InDatagrams"), "Udp6.InDatagrams");
        assert_eq!(snmp6_name("UdpLite6InErrors"), "UdpLite6.InErrors");
        assert_eq!(snmp6_name("Icmp6InType133"), "Icmp6.InType133");
        assert_eq!(snmp6_name("Ip6InReceives"), "Ip6.InReceives");
        assert_eq!(snmp6_name("Weird"), "Snmp6.Weird");
    }
}
