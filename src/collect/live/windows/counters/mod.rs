//! This Windows machine's network counters (`netstat -s`, `netstat -e`) from the IP Helper
//! API: `GetIpStatisticsEx`, `GetTcpStatisticsEx`, `GetUdpStatisticsEx` and
//! `GetIcmpStatisticsEx` for each family, and `GetIfTable2` per interface. The calls are in
//! `ffi.rs`, the mapping to Linux's counter names in `convert.rs`.
//!
//! Windows has neither a boot id nor network namespaces: a sample carries neither, and two
//! samples are compared by time alone. A reboot between them shows as counters that went down
//! (no rate); a counter that grew again past its old value yields a rate lower than the true
//! one (the new boot counted only part of the interval), never a higher one.

mod convert;
mod ffi;

use crate::collect::error::CounterError;
use crate::model::counters::CounterSample;

/// A sample of the whole machine. IPv4's statistics are required; IPv6's and the interface
/// table are left out, with a note in the log, when the stack refuses them (IPv6 removed,
/// an emulator that lacks the call).
pub fn sample() -> Result<CounterSample, CounterError> {
    let taken_at = jiff::Timestamp::now();
    let v4 = ffi::ipv4()?;
    let v6 = match ffi::ipv6() {
        Ok(stats) => Some(stats),
        Err(e) => {
            tracing::debug!("no IPv6 counters: {e}");
            None
        }
    };
    let interfaces = match super::iphlp::interfaces() {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!("no per-interface counters: {e}");
            Vec::new()
        }
    };
    Ok(convert::sample_from(
        taken_at,
        &v4,
        v6.as_ref(),
        &interfaces,
    ))
}

/// The live calls on the machine running the tests (Windows, or Wine in `scripts/test`).
#[cfg(all(test, windows))]
mod tests {
    #[test]
    fn this_machine_has_the_counters_the_rules_read() {
        let sample = super::sample().unwrap_or_else(|e| panic!("{e}"));
        for name in [
            "Tcp.ActiveOpens",
            "Tcp.OutSegs",
            "Tcp.RetransSegs",
            "Udp.NoPorts",
        ] {
            assert!(sample.values.contains_key(name), "{name}");
        }
        assert!(!sample.values.contains_key("TcpExt.SyncookiesSent"));
        assert!(!sample.interfaces.is_empty());
    }
}
