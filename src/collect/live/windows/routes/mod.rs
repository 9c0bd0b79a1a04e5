//! This Windows machine's routing and neighbour tables (`route print`, `arp -a`) from the IP
//! Helper API: `GetIpForwardTable2` and `GetIpNetTable2`, with `GetIfTable2` for interface
//! names, `GetIpInterfaceTable` for interface metrics and `GetUnicastIpAddressTable` for this
//! host's own addresses. The calls are in `ffi.rs`, the conversion in `convert.rs`.

mod convert;
mod ffi;

use crate::collect::error::LiveError;
use crate::model::routes::RouteTable;

/// Every route (and the neighbours when asked). Only the route table itself is required:
/// without interface names, metrics or addresses the routes are still listed, with index
/// names (`if7`), route metrics alone and types guessed as `route print` import does.
pub fn read(neighbours: bool) -> Result<RouteTable, LiveError> {
    let rows = ffi::forward_table()?;
    let interfaces = optional(super::iphlp::interfaces(), "interface names");
    let ip_interfaces = optional(ffi::ip_interface_table(), "interface metrics");
    let addresses = match ffi::unicast_address_table() {
        Ok(rows) => Some(rows),
        Err(e) => {
            tracing::warn!("{e}: local routes are told by their shape only");
            None
        }
    };
    let context = convert::Interfaces::new(&interfaces, &ip_interfaces, addresses.as_deref());
    let mut table = RouteTable {
        routes: convert::routes_from(&rows, &context),
        neighbours: None,
    };
    if neighbours {
        table.neighbours = Some(convert::neighbours_from(&ffi::neighbour_table()?, &context));
    }
    Ok(table)
}

/// The rows of a table the routes can do without; a failure is a warning.
fn optional<T>(rows: Result<Vec<T>, crate::collect::error::WindowsApiError>, what: &str) -> Vec<T> {
    rows.unwrap_or_else(|e| {
        tracing::warn!("{e}: routes are listed without {what}");
        Vec::new()
    })
}

/// The live calls on the machine running the tests (Windows, or Wine in `scripts/test`).
#[cfg(all(test, windows))]
mod tests {
    #[test]
    fn this_machines_tables_read() {
        let table = super::read(true).unwrap_or_else(|e| panic!("{e}"));
        assert!(!table.routes.is_empty());
        for route in &table.routes {
            assert_eq!(route.family, route.destination.family(), "{route:?}");
            assert!(route.interface.is_some(), "{route:?}");
        }
        assert!(table.neighbours.is_some());
    }
}
