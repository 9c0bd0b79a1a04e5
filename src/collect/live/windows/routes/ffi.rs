//! The IP Helper table calls of `routes`: each one allocates its table, which
//! [`read_table`] copies and frees. Nothing here interprets a row: that is `convert.rs`.

use windows::Win32::Foundation::WIN32_ERROR;
use windows::Win32::NetworkManagement::IpHelper::{
    GetIpForwardTable2, GetIpInterfaceTable, GetIpNetTable2, GetUnicastIpAddressTable,
    MIB_IPFORWARD_ROW2, MIB_IPFORWARD_TABLE2, MIB_IPINTERFACE_ROW, MIB_IPINTERFACE_TABLE,
    MIB_IPNET_ROW2, MIB_IPNET_TABLE2, MIB_UNICASTIPADDRESS_ROW, MIB_UNICASTIPADDRESS_TABLE,
};
use windows::Win32::Networking::WinSock::{ADDRESS_FAMILY, AF_INET, AF_INET6, AF_UNSPEC};

use super::super::iphlp::{MibTable, read_table};
use crate::collect::error::WindowsApiError;

/// Both families in one call (`AF_UNSPEC`, what Windows answers), else one call per family:
/// Wine 8 refuses `AF_UNSPEC` for some tables (`GetIpNetTable2`: error 1,
/// `GetIpInterfaceTable`: 50). IPv4's error is the one reported; IPv6's alone is only logged
/// (a stack without IPv6).
fn both_families<T: MibTable>(
    function: &'static str,
    call: impl Fn(ADDRESS_FAMILY, *mut *mut T) -> WIN32_ERROR,
) -> Result<Vec<T::Row>, WindowsApiError> {
    let unspec = match read_table::<T>(function, |out| call(AF_UNSPEC, out)) {
        Ok(rows) => return Ok(rows),
        Err(e) => e,
    };
    let mut rows = read_table::<T>(function, |out| call(AF_INET, out)).map_err(|_| unspec)?;
    match read_table::<T>(function, |out| call(AF_INET6, out)) {
        Ok(more) => rows.extend(more),
        Err(e) => tracing::debug!("{e} for IPv6 (and {unspec} for both families)"),
    }
    Ok(rows)
}

/// Every route of both families (`route print`'s active routes).
pub(super) fn forward_table() -> Result<Vec<MIB_IPFORWARD_ROW2>, WindowsApiError> {
    both_families::<MIB_IPFORWARD_TABLE2>("GetIpForwardTable2", |family, out| {
        #[allow(unsafe_code)]
        // SAFETY: `family` is one the function accepts (AF_UNSPEC, AF_INET or AF_INET6);
        // `out` is a valid place for the table pointer, which the API allocates and
        // `read_table` frees with FreeMibTable.
        unsafe {
            GetIpForwardTable2(family, out)
        }
    })
}

/// Every neighbour (ARP and NDP) entry of both families (`arp -a`,
/// `netsh interface ipv6 show neighbors`).
pub(super) fn neighbour_table() -> Result<Vec<MIB_IPNET_ROW2>, WindowsApiError> {
    both_families::<MIB_IPNET_TABLE2>("GetIpNetTable2", |family, out| {
        #[allow(unsafe_code)]
        // SAFETY: as for `forward_table`.
        unsafe {
            GetIpNetTable2(family, out)
        }
    })
}

/// The IP settings of every interface and family: their metrics are the interface half of
/// `route print`'s metric.
pub(super) fn ip_interface_table() -> Result<Vec<MIB_IPINTERFACE_ROW>, WindowsApiError> {
    both_families::<MIB_IPINTERFACE_TABLE>("GetIpInterfaceTable", |family, out| {
        #[allow(unsafe_code)]
        // SAFETY: as for `forward_table`.
        unsafe {
            GetIpInterfaceTable(family, out)
        }
    })
}

/// This host's own unicast addresses: a host route to one of them is a `local` route.
pub(super) fn unicast_address_table() -> Result<Vec<MIB_UNICASTIPADDRESS_ROW>, WindowsApiError> {
    both_families::<MIB_UNICASTIPADDRESS_TABLE>("GetUnicastIpAddressTable", |family, out| {
        #[allow(unsafe_code)]
        // SAFETY: as for `forward_table`.
        unsafe {
            GetUnicastIpAddressTable(family, out)
        }
    })
}
