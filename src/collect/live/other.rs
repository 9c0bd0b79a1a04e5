//! Windows and macOS: netstat2 reports owning PIDs itself.

use super::LiveOptions;
use super::sockets::{PlatformSockets, convert, flags};
use crate::collect::error::CollectError;
use crate::model::{Attribution, Coverage, Unattributed};

pub fn sockets(options: &LiveOptions) -> Result<PlatformSockets, CollectError> {
    let (af, proto) = flags();
    let raw = netstat2::get_sockets_info(af, proto)
        .map_err(|e| CollectError::Enumerate(e.to_string()))?;
    let sockets = raw
        .iter()
        .map(|info| {
            let mut socket = convert(info);
            if options.attribute {
                let mut pids: Vec<u32> = info
                    .associated_pids
                    .iter()
                    .copied()
                    .filter(|&p| p != 0)
                    .collect();
                pids.sort_unstable();
                pids.dedup();
                if pids.is_empty() {
                    socket.unattributed = Some(Unattributed::NoOwner);
                } else {
                    socket.attribution = Some(Attribution::Reported);
                }
                socket.pids = pids;
            }
            socket
        })
        .collect();
    Ok(PlatformSockets {
        sockets,
        coverage: Coverage {
            // The hidden-process check reads Linux's /proc and mount table.
            missing: vec![crate::model::Fact::HiddenProcesses],
            ..Coverage::default()
        },
        stdio: Vec::new(),
        stdio_peers: Default::default(),
        extra_pids: Vec::new(),
        namespaces: Vec::new(),
        deep: None,
        hidden_processes: Vec::new(),
        // Not read on this system (no `raw-sockets` fact: raw rules say so).
        raw_sockets: Vec::new(),
    })
}
