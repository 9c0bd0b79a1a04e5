//! The per-key aggregation window of event streams: connects of one process to one peer are
//! collected for the rule's window, and once they reach the threshold of distinct ports the
//! window becomes one snapshot for the engine, where the `[[port-scan]]` kind reports it.
//! Memory is bounded whatever the event rate: at most [`MAX_KEYS`] windows, each holding at
//! most the highest threshold of distinct ports. Pure: time comes with each event.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::PortScanRule;
use crate::model::event::{EventKind, SocketEvent, snapshot_of};
use crate::model::{Host, Process, Snapshot, Socket};
use crate::rules::RuleSet;

/// Windows kept at once; beyond it the oldest is dropped.
pub const MAX_KEYS: usize = 4096;

type Key = (u32, IpAddr, Option<String>);

struct Window {
    start: jiff::Timestamp,
    ports: BTreeMap<u16, Socket>,
    process: Option<Process>,
    fired: bool,
}

/// Scan windows of one event stream.
pub struct ScanWindows {
    threshold: usize,
    cap: usize,
    window_ms: i64,
    windows: HashMap<Key, Window>,
}

impl ScanWindows {
    /// Windows sized for the enabled `[[port-scan]]` rules (the smallest threshold fires, the
    /// longest window collects); `None` when there is none.
    pub fn for_rules(rules: &RuleSet) -> Option<ScanWindows> {
        let scans: Vec<&PortScanRule> = rules
            .rules
            .iter()
            .filter(|r| r.dormant_reason().is_none())
            .filter_map(|r| r.body.as_any().downcast_ref::<PortScanRule>())
            .collect();
        let threshold = scans.iter().map(|r| r.threshold).min()?;
        let cap = scans.iter().map(|r| r.threshold).max()?;
        let window = scans.iter().map(|r| r.window_secs).max()?;
        Some(ScanWindows {
            threshold,
            cap,
            window_ms: i64::try_from(window.saturating_mul(1000)).unwrap_or(i64::MAX),
            windows: HashMap::new(),
        })
    }

    /// Windows open now.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// Whether no window is open.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Adds a connect; returns the window as a snapshot when it reaches the threshold (once
    /// per window).
    pub fn observe(&mut self, host: &Host, event: &SocketEvent) -> Option<Snapshot> {
        if event.event != EventKind::Connect {
            return None;
        }
        let owner = event.owner.as_ref()?;
        let socket = event.socket()?;
        let (ip, port) = (socket.remote_ip()?, socket.remote_port?);
        let key = (owner.pid, ip, event.netns.clone());
        let now = event.time;
        let expired = |w: &Window| now.as_millisecond() - w.start.as_millisecond() > self.window_ms;
        if !self.windows.contains_key(&key) && self.windows.len() >= MAX_KEYS {
            self.windows.retain(|_, w| !expired(w));
            if self.windows.len() >= MAX_KEYS
                && let Some(oldest) = self
                    .windows
                    .iter()
                    .min_by_key(|(_, w)| w.start)
                    .map(|(k, _)| k.clone())
            {
                self.windows.remove(&oldest);
            }
        }
        let window = self.windows.entry(key).or_insert_with(|| Window {
            start: now,
            ports: BTreeMap::new(),
            process: None,
            fired: false,
        });
        if expired(window) {
            *window = Window {
                start: now,
                ports: BTreeMap::new(),
                process: None,
                fired: false,
            };
        }
        if window.ports.len() < self.cap {
            window.ports.entry(port).or_insert(socket);
        }
        window.process = event.process();
        if window.fired || window.ports.len() < self.threshold {
            return None;
        }
        window.fired = true;
        // The evidence: one socket per distinct port, as a scan of the table would show it.
        Some(snapshot_of(
            host,
            now,
            window.ports.values().cloned().collect(),
            window.process.clone().into_iter().collect(),
        ))
    }
}
