//! The IP Helper statistics calls, one per protocol and family, each filling a structure we
//! own. Nothing here interprets a value: that is `convert.rs`.

use windows::Win32::NetworkManagement::IpHelper::{
    GetIcmpStatisticsEx, GetIpStatisticsEx, GetTcpStatisticsEx, GetUdpStatisticsEx,
    MIB_ICMP_EX_XPSP1, MIB_IPSTATS_LH, MIB_TCPSTATS_LH, MIB_UDPSTATS,
};
use windows::Win32::Networking::WinSock::{ADDRESS_FAMILY, AF_INET, AF_INET6};

use super::super::iphlp::check;
use super::convert::FamilyStats;
use crate::collect::error::WindowsApiError;

/// The four statistics of IPv4 (`AF_INET`) or IPv6 (`AF_INET6`).
pub(super) fn family(family: ADDRESS_FAMILY) -> Result<FamilyStats, WindowsApiError> {
    let af = u32::from(family.0);
    let mut ip = MIB_IPSTATS_LH::default();
    #[allow(unsafe_code)]
    // SAFETY: `ip` is a live, writable MIB_IPSTATS_LH, the structure this function fills
    // (its size is fixed: no length is passed or needed).
    let code = unsafe { GetIpStatisticsEx(&mut ip, af) };
    check("GetIpStatisticsEx", code)?;
    let mut tcp = MIB_TCPSTATS_LH::default();
    #[allow(unsafe_code)]
    // SAFETY: as above, a live MIB_TCPSTATS_LH, the structure GetTcpStatisticsEx fills.
    let code = unsafe { GetTcpStatisticsEx(&mut tcp, af) };
    check("GetTcpStatisticsEx", code)?;
    let mut udp = MIB_UDPSTATS::default();
    #[allow(unsafe_code)]
    // SAFETY: as above, a live MIB_UDPSTATS, the structure GetUdpStatisticsEx fills.
    let code = unsafe { GetUdpStatisticsEx(&mut udp, af) };
    check("GetUdpStatisticsEx", code)?;
    let mut icmp = MIB_ICMP_EX_XPSP1::default();
    #[allow(unsafe_code)]
    // SAFETY: as above, a live MIB_ICMP_EX_XPSP1 (two MIBICMPSTATS_EX with their 256-entry
    // type arrays), the structure GetIcmpStatisticsEx fills.
    let code = unsafe { GetIcmpStatisticsEx(&mut icmp, af) };
    check("GetIcmpStatisticsEx", code)?;
    Ok(FamilyStats { ip, tcp, udp, icmp })
}

/// IPv4's statistics.
pub(super) fn ipv4() -> Result<FamilyStats, WindowsApiError> {
    family(AF_INET)
}

/// IPv6's statistics.
pub(super) fn ipv6() -> Result<FamilyStats, WindowsApiError> {
    family(AF_INET6)
}
