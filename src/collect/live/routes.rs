//! This machine's routing (and neighbour) tables, now.
//!
//! Linux over rtnetlink (`src/collect/live/linux/routes.rs`): one dump per table kind gives every
//! routing table, policy-routing tables included. Windows through the IP Helper API
//! (`src/collect/live/windows/routes/`): the one table `route print` shows. Elsewhere [`read`]
//! says it is unsupported; imported captures ([`crate::collect::import`]) work on every OS.

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
    #[cfg(windows)]
    {
        let mut table = super::windows::routes::read(neighbours)?;
        table.sort();
        Ok(table)
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        let _ = neighbours;
        Err(LiveError::Unsupported(std::env::consts::OS))
    }
}
