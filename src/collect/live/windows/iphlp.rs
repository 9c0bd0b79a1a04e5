//! What `counters` and `routes` share of the IP Helper API: reading a table the API allocates
//! (`GetIfTable2`, `GetIpForwardTable2`...) into owned rows, the interface table both need,
//! and the few union reads every conversion needs (addresses in `SOCKADDR_INET`).
//!
//! The `unsafe` of this folder's IP Helper calls is here and in the two `ffi.rs` files; the
//! conversions (`convert.rs`) see only owned rows.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use windows::Win32::Foundation::{NO_ERROR, WIN32_ERROR};
use windows::Win32::NetworkManagement::IpHelper::{
    FreeMibTable, GetIfTable2, MIB_IF_ROW2, MIB_IF_TABLE2, MIB_IPFORWARD_ROW2,
    MIB_IPFORWARD_TABLE2, MIB_IPINTERFACE_ROW, MIB_IPINTERFACE_TABLE, MIB_IPNET_ROW2,
    MIB_IPNET_TABLE2, MIB_UNICASTIPADDRESS_ROW, MIB_UNICASTIPADDRESS_TABLE,
};
use windows::Win32::Networking::WinSock::{AF_INET, AF_INET6, SOCKADDR_INET};

use crate::collect::error::WindowsApiError;

/// A `MIB_*_TABLE2`-style table: `NumEntries`, then that many rows starting at `Table[0]`
/// (declared `[Row; 1]`, allocated as long as needed).
pub(super) trait MibTable {
    /// The row type.
    type Row: Copy;
    /// Byte offset of `NumEntries` (a `u32`) from the start of the table.
    const COUNT_OFFSET: usize;
    /// Byte offset of `Table[0]` from the start of the table.
    const ROWS_OFFSET: usize;
}

macro_rules! mib_table {
    ($table:ty, $row:ty) => {
        impl MibTable for $table {
            type Row = $row;
            const COUNT_OFFSET: usize = std::mem::offset_of!($table, NumEntries);
            const ROWS_OFFSET: usize = std::mem::offset_of!($table, Table);
        }
        // `read_table` reads `NumEntries` as a u32 and the rows as `$row`: these compile
        // only if the table's fields have those types.
        const _: fn(&$table) -> u32 = |t| t.NumEntries;
        const _: fn(&$table) -> &[$row; 1] = |t| &t.Table;
    };
}

mib_table!(MIB_IF_TABLE2, MIB_IF_ROW2);
mib_table!(MIB_IPFORWARD_TABLE2, MIB_IPFORWARD_ROW2);
mib_table!(MIB_IPNET_TABLE2, MIB_IPNET_ROW2);
mib_table!(MIB_IPINTERFACE_TABLE, MIB_IPINTERFACE_ROW);
mib_table!(MIB_UNICASTIPADDRESS_TABLE, MIB_UNICASTIPADDRESS_ROW);

/// Frees a table the API allocated, whatever happens while its rows are copied.
struct Allocated<T>(*mut T);

impl<T> Drop for Allocated<T> {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer is one the IP Helper API stored through the out-parameter
            // of a `Get*Table2` call and nobody else frees it (this guard owns it); the API
            // documents FreeMibTable as the way to release it.
            unsafe { FreeMibTable(self.0.cast::<std::ffi::c_void>().cast_const()) };
        }
    }
}

/// Calls a `Get*Table2`-style function through `call` (which passes the out-pointer on) and
/// copies the rows it returns; the API's table is freed before this returns.
pub(super) fn read_table<T: MibTable>(
    function: &'static str,
    call: impl FnOnce(*mut *mut T) -> WIN32_ERROR,
) -> Result<Vec<T::Row>, WindowsApiError> {
    let mut table: *mut T = std::ptr::null_mut();
    let status = call(&mut table);
    // Owned from here: also freed when the call failed but still stored a table.
    let guard = Allocated(table);
    check(function, status.0)?;
    if guard.0.is_null() {
        return Ok(Vec::new());
    }
    #[allow(unsafe_code)]
    // SAFETY: the call succeeded, so `guard.0` points to a table the API allocated with
    // `NumEntries` initialised rows after the count, and it stays allocated until the guard
    // drops after the copy. Both pointers are computed from the table pointer with the
    // fields' offsets, never through a reference to the whole declared struct (an empty table
    // may be allocated shorter than its one declared row) nor to the one-element `Table`
    // array, so they are in bounds and may cover all the rows. The offsets come from
    // `offset_of!`, so both are aligned. The rows are plain data (`Copy`): copying them out
    // moves no ownership.
    let rows = unsafe {
        let base = guard.0.cast::<u8>();
        let count = base.add(T::COUNT_OFFSET).cast::<u32>().read() as usize;
        let first = base.add(T::ROWS_OFFSET).cast::<T::Row>();
        std::slice::from_raw_parts(first, count).to_vec()
    };
    Ok(rows)
}

/// `NO_ERROR`, or the call's error with its name.
pub(super) fn check(function: &'static str, code: u32) -> Result<(), WindowsApiError> {
    if code == NO_ERROR.0 {
        Ok(())
    } else {
        Err(WindowsApiError { function, code })
    }
}

/// Every interface with its counters (`GetIfTable2`: all interfaces, filter interfaces
/// included).
pub(super) fn interfaces() -> Result<Vec<MIB_IF_ROW2>, WindowsApiError> {
    read_table::<MIB_IF_TABLE2>("GetIfTable2", |out| {
        #[allow(unsafe_code)]
        // SAFETY: `out` is a valid place for the table pointer; the API allocates the table
        // and `read_table` frees it with FreeMibTable.
        unsafe {
            GetIfTable2(out)
        }
    })
}

/// The interface's alias (`Ethernet`, `Wi-Fi`, `Loopback Pseudo-Interface 1`): the name
/// `netsh`, `Get-NetAdapter` and `ipconfig` show.
pub(super) fn alias(row: &MIB_IF_ROW2) -> String {
    wide(&row.Alias)
}

/// A NUL-terminated UTF-16 buffer as text (unpaired surrogates replaced).
pub(super) fn wide(buffer: &[u16]) -> String {
    let end = buffer.iter().position(|&c| c == 0).unwrap_or(buffer.len());
    String::from_utf16_lossy(&buffer[..end])
}

/// The address in a `SOCKADDR_INET`, when it is IPv4 or IPv6.
#[allow(unsafe_code)]
pub(super) fn sockaddr_ip(address: &SOCKADDR_INET) -> Option<IpAddr> {
    // SAFETY: every member of SOCKADDR_INET (and of the IN_ADDR/IN6_ADDR unions inside) is
    // made of plain integers, for which any bit pattern is valid, and each starts with the
    // family; the value is fully initialised (written by the API, or built in a test), so
    // reading any member is defined. The family says which member is meaningful.
    unsafe {
        let family = address.si_family;
        if family == AF_INET {
            let octets = address.Ipv4.sin_addr.S_un.S_addr.to_ne_bytes();
            Some(IpAddr::V4(Ipv4Addr::from(octets)))
        } else if family == AF_INET6 {
            Some(IpAddr::V6(Ipv6Addr::from(address.Ipv6.sin6_addr.u.Byte)))
        } else {
            None
        }
    }
}

/// A `SOCKADDR_INET` holding `ip` (for tests of the conversions).
#[cfg(all(test, windows))]
pub(super) fn sockaddr(ip: IpAddr) -> SOCKADDR_INET {
    use windows::Win32::Networking::WinSock::{IN_ADDR, IN_ADDR_0, IN6_ADDR, IN6_ADDR_0};
    let mut out = SOCKADDR_INET::default();
    match ip {
        IpAddr::V4(v4) => {
            out.Ipv4.sin_family = AF_INET;
            out.Ipv4.sin_addr = IN_ADDR {
                S_un: IN_ADDR_0 {
                    S_addr: u32::from_ne_bytes(v4.octets()),
                },
            };
        }
        IpAddr::V6(v6) => {
            out.Ipv6.sin6_family = AF_INET6;
            out.Ipv6.sin6_addr = IN6_ADDR {
                u: IN6_ADDR_0 { Byte: v6.octets() },
            };
        }
    }
    out
}

/// `text` as a NUL-terminated UTF-16 buffer (for tests).
#[cfg(all(test, windows))]
pub(super) fn wide_buffer<const N: usize>(text: &str) -> [u16; N] {
    let mut out = [0u16; N];
    for (slot, unit) in out.iter_mut().zip(text.encode_utf16().take(N - 1)) {
        *slot = unit;
    }
    out
}
