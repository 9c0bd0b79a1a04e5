//! The IP Helper table calls of `routes`: each one allocates its table, which
//! [`read_table`] copies and frees. Nothing here interprets a row: that is `convert.rs`.

use windows::Win32::NetworkManagement::IpHelper::{
    GetIpForwardTable2, GetIpInterfaceTable, GetIpNetTable2, GetUnicastIpAddressTable,
    MIB_IPFORWARD_ROW2, MIB_IPFORWARD_TABLE2, MIB_IPINTERFACE_ROW, MIB_IPINTERFACE_TABLE,
    MIB_IPNET_ROW2, MIB_IPNET_TABLE2, MIB_UNICASTIPADDRESS_ROW, MIB_UNICASTIPADDRESS_TABLE,
};
use windows::Win32::Networking::WinSock::AF_UNSPEC;

use super::super::iphlp::read_table;
use crate::collect::error::WindowsApiError;

/// Every route of both families (`route print`'s active routes).
pub(super) fn forward_table() -> Result<Vec<MIB_IPFORWARD_ROW2>, WindowsApiError> {
    read_table::<MIB_IPFORWARD_TABLE2>("GetIpForwardTable2", |out| {
        #[allow(unsafe_code)]
        // SAFETY: AF_UNSPEC is a family the function accepts; `out` is a valid place for the
        // table pointer, which the API allocates and `read_table` frees with FreeMibTable.
        unsafe {
            GetIpForwardTable2(AF_UNSPEC, out)
        }
    })
}

/// Every neighbour (ARP and NDP) entry of both families (`arp -a`,
/// `netsh interface ipv6 show neighbors`).
pub(super) fn neighbour_table() -> Result<Vec<MIB_IPNET_ROW2>, WindowsApiError> {
    read_table::<MIB_IPNET_TABLE2>("GetIpNetTable2", |out| {
        #[allow(unsafe_code)]
        // SAFETY: as for `forward_table`.
        unsafe {
            GetIpNetTable2(AF_UNSPEC, out)
        }
    })
}

/// The IP settings of every interface and family: their metrics are the interface half of
/// `route print`'s metric.
pub(super) fn ip_interface_table() -> Result<Vec<MIB_IPINTERFACE_ROW>, WindowsApiError> {
    read_table::<MIB_IPINTERFACE_TABLE>("GetIpInterfaceTable", |out| {
        #[allow(unsafe_code)]
        // SAFETY: as for `forward_table`.
        unsafe {
            GetIpInterfaceTable(AF_UNSPEC, out)
        }
    })
}

/// This host's own unicast addresses: a host route to one of them is a `local` route.
pub(super) fn unicast_address_table() -> Result<Vec<MIB_UNICASTIPADDRESS_ROW>, WindowsApiError> {
    read_table::<MIB_UNICASTIPADDRESS_TABLE>("GetUnicastIpAddressTable", |out| {
        #[allow(unsafe_code)]
        // SAFETY: as for `forward_table`.
        unsafe {
            GetUnicastIpAddressTable(AF_UNSPEC, out)
        }
    })
}
