//! Well-known service names, for captures taken without `-n` (`0.0.0.0:epmap`,
//! `lo-in-f188:https`). Windows has no `/etc/services` to consult on the analyst's machine and
//! the suspect's own file is not in the capture, so the names Windows' and Debian's services
//! files print for common ports are built in. A name not listed keeps port 0 and is counted
//! as unresolved.

use crate::model::Protocol;

/// `(name, port)` valid for TCP and UDP alike.
const BOTH: &[(&str, u16)] = &[
    ("echo", 7),
    ("discard", 9),
    ("sink", 9),
    ("null", 9),
    ("daytime", 13),
    ("qotd", 17),
    ("chargen", 19),
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("mail", 25),
    ("time", 37),
    ("nameserver", 42),
    ("nicname", 43),
    ("whois", 43),
    ("tacacs", 49),
    ("domain", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("gopher", 70),
    ("finger", 79),
    ("http", 80),
    ("www", 80),
    ("www-http", 80),
    ("kerberos", 88),
    ("kerberos-sec", 88),
    ("hostname", 101),
    ("iso-tsap", 102),
    ("rtelnet", 107),
    ("pop2", 109),
    ("pop3", 110),
    ("sunrpc", 111),
    ("rpcbind", 111),
    ("portmapper", 111),
    ("auth", 113),
    ("ident", 113),
    ("sqlserv", 118),
    ("nntp", 119),
    ("ntp", 123),
    ("epmap", 135),
    ("loc-srv", 135),
    ("netbios-ns", 137),
    ("netbios-dgm", 138),
    ("netbios-ssn", 139),
    ("imap", 143),
    ("imap2", 143),
    ("sql-net", 150),
    ("sqlsrv", 156),
    ("snmp", 161),
    ("snmptrap", 162),
    ("snmp-trap", 162),
    ("print-srv", 170),
    ("xdmcp", 177),
    ("bgp", 179),
    ("irc", 194),
    ("ipx", 213),
    ("imap3", 220),
    ("ldap", 389),
    ("https", 443),
    ("microsoft-ds", 445),
    ("kpasswd", 464),
    ("kpasswd5", 464),
    ("submissions", 465),
    ("urd", 465),
    ("smtps", 465),
    ("isakmp", 500),
    ("printer", 515),
    ("talk", 517),
    ("ntalk", 518),
    ("ulp", 522),
    ("timed", 525),
    ("tempo", 526),
    ("courier", 530),
    ("conference", 531),
    ("netnews", 532),
    ("netwall", 533),
    ("uucp", 540),
    ("klogin", 543),
    ("kshell", 544),
    ("dhcpv6-client", 546),
    ("dhcpv6-server", 547),
    ("afpovertcp", 548),
    ("rtsp", 554),
    ("remotefs", 556),
    ("nntps", 563),
    ("whoami", 565),
    ("submission", 587),
    ("http-rpc-epmap", 593),
    ("ipp", 631),
    ("ldaps", 636),
    ("kerberos-adm", 749),
    ("kerberos-iv", 750),
    ("rsync", 873),
    ("ftps-data", 989),
    ("ftps", 990),
    ("telnets", 992),
    ("imaps", 993),
    ("ircs", 994),
    ("pop3s", 995),
    ("activesync", 1034),
    ("socks", 1080),
    ("kpop", 1109),
    ("openvpn", 1194),
    ("opsmgr", 1270),
    ("ms-sql-s", 1433),
    ("ms-sql-m", 1434),
    ("ms-sna-server", 1477),
    ("ms-sna-base", 1478),
    ("wins", 1512),
    ("ingreslock", 1524),
    ("l2tp", 1701),
    ("l2f", 1701),
    ("pptconference", 1711),
    ("pptp", 1723),
    ("msiccp", 1731),
    ("remote-winsock", 1745),
    ("ms-streaming", 1755),
    ("msmq", 1801),
    ("radius", 1812),
    ("radius-acct", 1813),
    ("ssdp", 1900),
    ("nfs", 2049),
    ("knetd", 2053),
    ("directplay", 2234),
    ("ms-olap3", 2382),
    ("ms-olap4", 2383),
    ("ms-olap1", 2393),
    ("ms-olap2", 2394),
    ("ms-theater", 2460),
    ("wlbs", 2504),
    ("ms-v-worlds", 2525),
    ("sms-rcinfo", 2701),
    ("sms-xfer", 2702),
    ("sms-chat", 2703),
    ("sms-remctrl", 2704),
    ("msolap-ptp2", 2725),
    ("icslap", 2869),
    ("cifs", 3020),
    ("xbox", 3074),
    ("ms-dotnetster", 3126),
    ("ms-rule-engine", 3132),
    ("msft-gc", 3268),
    ("msft-gc-ssl", 3269),
    ("mysql", 3306),
    ("ms-cluster-net", 3343),
    ("ms-wbt-server", 3389),
    ("ms-la", 3535),
    ("pnrp-port", 3540),
    ("teredo", 3544),
    ("p2pgroup", 3587),
    ("svn", 3690),
    ("ws-discovery", 3702),
    ("dvcprov-port", 3776),
    ("msfw-control", 3847),
    ("msdts1", 3882),
    ("sdp-portmapper", 3935),
    ("epmd", 4369),
    ("net-device", 4350),
    ("ipsec-msft", 4500),
    ("ipsec-nat-t", 4500),
    ("sip", 5060),
    ("sip-tls", 5061),
    ("xmpp-client", 5222),
    ("xmpp-server", 5269),
    ("mdns", 5353),
    ("llmnr", 5355),
    ("postgresql", 5432),
    ("postgres", 5432),
    ("amqp", 5672),
    ("rrac", 5678),
    ("dccm", 5679),
    ("ms-licensing", 5720),
    ("x11", 6000),
    ("directplay8", 6073),
    ("ircd", 6667),
    ("http-alt", 8080),
    ("webcache", 8080),
    ("git", 9418),
    ("rasadv", 9753),
    ("webmin", 10000),
    ("zabbix-agent", 10050),
    ("zabbix-trapper", 10051),
    ("memcache", 11211),
    ("hkp", 11371),
    ("imip-channels", 11320),
    ("mongodb", 27017),
    ("directplaysrvr", 47624),
];

/// Names whose port differs between TCP and UDP (Windows' services file).
const TCP_ONLY: &[(&str, u16)] = &[
    ("exec", 512),
    ("login", 513),
    ("cmd", 514),
    ("shell", 514),
    ("efs", 520),
];
const UDP_ONLY: &[(&str, u16)] = &[
    ("biff", 512),
    ("comsat", 512),
    ("who", 513),
    ("syslog", 514),
    ("router", 520),
    ("route", 520),
];

/// The port of a well-known service name (case-insensitive).
pub fn port_of(name: &str, proto: Protocol) -> Option<u16> {
    let lower = name.to_ascii_lowercase();
    let specific = match proto {
        Protocol::Tcp => TCP_ONLY,
        Protocol::Udp => UDP_ONLY,
    };
    specific
        .iter()
        .chain(BOTH)
        .find(|(n, _)| *n == lower)
        .map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(port_of("https", Protocol::Tcp), Some(443));
        assert_eq!(port_of("EPMAP", Protocol::Tcp), Some(135));
        assert_eq!(port_of("netbios-ns", Protocol::Udp), Some(137));
        assert_eq!(port_of("syslog", Protocol::Udp), Some(514));
        assert_eq!(port_of("cmd", Protocol::Tcp), Some(514));
        assert_eq!(port_of("frobnitz", Protocol::Tcp), None);
    }

    #[test]
    fn no_name_is_listed_twice() {
        let mut seen = std::collections::HashSet::new();
        for (name, _) in BOTH.iter().chain(TCP_ONLY) {
            assert!(seen.insert(*name), "{name}");
        }
    }
}
