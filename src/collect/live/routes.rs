//! This machine's routing (and neighbour) tables, now.
//!
//! Linux only, over rtnetlink (`src/collect/live/linux/routes.rs`): one dump per table kind gives every
//! routing table, policy-routing tables included. Elsewhere [`read`] says it is unsupported;
//! imported captures ([`crate::collect::import`]) work on every OS.

pub use crate::collect::error::LiveError;
use crate::model::routes::RouteTable;

/// Reads every routing table, and the neighbour table when `neighbours` is set; sorted.
pub fn read(neighbours: bool) -> Result<RouteTable, LiveError> {
    #[cfg(target_os = "linux")]
    {
        let mut table = super::linux::routes::read(neighbours)?;
        table.sort();
        Ok(table)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = neighbours;
        Err(LiveError::Unsupported(std::env::consts::OS))
    }
}
