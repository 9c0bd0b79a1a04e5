//! Socket events for `watch --events` (docs/events.md): eBPF on Linux when it can be loaded,
//! otherwise sock_diag destroy notifications plus polling, and the caller's plain polling on
//! other systems. Each mode says what it is and what it misses.

#[cfg(target_os = "linux")]
mod bpf;
mod error;
#[cfg(target_os = "linux")]
mod fallback;
#[cfg(target_os = "linux")]
mod owner;
#[cfg(target_os = "linux")]
pub mod wire;

use std::time::Duration;

pub use error::EventsError;

use crate::model::event::{EventMode, SocketEvent, StreamStats};

/// Set (to anything) to skip eBPF and use the fallback: tests of the fallback as root, and
/// a way out if a kernel misbehaves with the programs.
pub const NO_BPF_ENV: &str = "SOCKAUDIT_EVENTS_NO_BPF";

/// An open event stream.
pub struct EventSource {
    inner: Inner,
    /// Why eBPF was not used (when it was not): said in the stream's first line.
    pub fallback_reason: Option<String>,
    /// Attach points that failed (those events are missing), said at the start.
    pub degraded: Vec<String>,
    stats: StreamStats,
}

enum Inner {
    #[cfg(target_os = "linux")]
    Bpf(Box<bpf::BpfSource>, Box<owner::Completer>),
    #[cfg(target_os = "linux")]
    Fallback(Box<fallback::Fallback>),
    /// Never built (`open` says `Unsupported` there): other systems poll instead.
    #[cfg(not(target_os = "linux"))]
    #[allow(dead_code)]
    Poll,
}

/// Most records taken per read: the caller evaluates and prints between reads.
#[cfg(target_os = "linux")]
const BATCH: usize = 4096;

impl EventSource {
    /// Opens the best source this system allows.
    pub fn open() -> Result<EventSource, EventsError> {
        #[cfg(target_os = "linux")]
        {
            let bpf = if std::env::var_os(NO_BPF_ENV).is_some() {
                Err(EventsError::Bpf(format!("disabled by {NO_BPF_ENV}")))
            } else {
                bpf::BpfSource::open()
            };
            match bpf {
                Ok(source) => {
                    let degraded = source.failed.clone();
                    Ok(EventSource {
                        inner: Inner::Bpf(Box::new(source), Box::new(owner::Completer::new())),
                        fallback_reason: None,
                        degraded,
                        stats: StreamStats::default(),
                    })
                }
                Err(why) => {
                    tracing::info!("events: {why}; trying sock_diag destroy notifications");
                    let fallback = fallback::Fallback::open()
                        .map_err(|e| EventsError::Fallback(format!("{e} (and {why})")))?;
                    Ok(EventSource {
                        inner: Inner::Fallback(Box::new(fallback)),
                        fallback_reason: Some(why.to_string()),
                        degraded: Vec::new(),
                        stats: StreamStats::default(),
                    })
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err(EventsError::Unsupported)
        }
    }

    /// The mode running.
    pub fn mode(&self) -> EventMode {
        match &self.inner {
            #[cfg(target_os = "linux")]
            Inner::Bpf(..) => EventMode::Ebpf,
            #[cfg(target_os = "linux")]
            Inner::Fallback(..) => EventMode::SockDiagPoll,
            #[cfg(not(target_os = "linux"))]
            Inner::Poll => EventMode::Poll,
        }
    }

    /// Waits up to `timeout` and returns the events that arrived, oldest first.
    pub fn next_batch(&mut self, timeout: Duration) -> Vec<SocketEvent> {
        let events: Vec<SocketEvent> = match &mut self.inner {
            #[cfg(target_os = "linux")]
            Inner::Bpf(source, completer) => source
                .read(timeout, BATCH)
                .iter()
                .filter_map(|r| completer.event(r))
                .collect(),
            #[cfg(target_os = "linux")]
            Inner::Fallback(f) => f.read(timeout, BATCH),
            #[cfg(not(target_os = "linux"))]
            Inner::Poll => {
                std::thread::sleep(timeout);
                Vec::new()
            }
        };
        self.stats.events += events.len() as u64;
        events
    }

    /// Counters so far (drops read from the kernel now).
    pub fn stats(&self) -> StreamStats {
        let dropped = match &self.inner {
            #[cfg(target_os = "linux")]
            Inner::Bpf(source, _) => source.dropped(),
            // Overruns of the netlink buffer: each lost an unknown number of closes.
            #[cfg(target_os = "linux")]
            Inner::Fallback(f) => f.overruns,
            #[cfg(not(target_os = "linux"))]
            Inner::Poll => 0,
        };
        StreamStats {
            dropped,
            ..self.stats
        }
    }

    /// Counts events handed to the rules (for the summary).
    pub fn count_evaluated(&mut self, n: u64) {
        self.stats.evaluated += n;
    }
}
