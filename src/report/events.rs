//! Lines of `watch --events` (docs/events.md): one per socket event, the stream's first line
//! (its mode and what that mode misses), drop notices and the closing summary; text for a
//! person, JSON Lines otherwise.

use serde::Serialize;

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::model::event::{EventMode, KindCounts, SocketEvent, StreamStats};
use crate::text::endpoint::endpoint;
use crate::text::escape::{MESSAGE_MAX_CHARS, for_display};

fn stamp(t: &jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// One event for a person: `TIME connect tcp 127.0.0.1:41000 -> 127.0.0.1:80 pid 42 curl ...`.
pub fn event_text(e: &SocketEvent) -> String {
    let mut line = format!("{} {:<10}", stamp(&e.time), e.event.as_str());
    if let Some(raw) = &e.raw {
        line.push_str(&format!(
            " {} type {} protocol {}",
            raw.domain, raw.sock_type, raw.protocol
        ));
    }
    if let Some(proto) = e.proto {
        line.push_str(&format!(" {proto}"));
    }
    if let (Some(addr), Some(port)) = (e.local_addr, e.local_port) {
        line.push_str(&format!(" {}", endpoint(addr, port)));
    }
    if let (Some(addr), Some(port)) = (e.remote_addr, e.remote_port) {
        line.push_str(&format!(" -> {}", endpoint(addr, port)));
    }
    if let (crate::model::event::EventKind::Close, Some(state)) = (e.event, e.state) {
        line.push_str(&format!(" from {}", state.as_str()));
    }
    if let Some(ms) = e.duration_ms {
        line.push_str(&format!(" after {ms:.1} ms"));
    }
    if let (Some(sent), Some(received)) = (e.bytes_sent, e.bytes_received) {
        line.push_str(&format!(" sent {sent} B received {received} B"));
    }
    match &e.owner {
        Some(o) => {
            let exe = o.exe.as_deref().or(o.exe_name.as_deref()).unwrap_or("?");
            line.push_str(&format!(
                " pid {} {} ({}) uid {}",
                o.pid,
                for_display(&o.comm, 64),
                for_display(exe, MESSAGE_MAX_CHARS),
                o.user.clone().unwrap_or_else(|| o.uid.to_string())
            ));
            if o.exited {
                line.push_str(" exited");
            }
        }
        None => line.push_str(" owner unknown"),
    }
    if let Some(ns) = e
        .netns
        .as_deref()
        .filter(|n| *n != crate::model::namespace::HOST)
    {
        line.push_str(&format!(" netns {}", for_display(ns, 64)));
    }
    line.push('\n');
    line
}

#[derive(Serialize)]
struct EventLine<'a> {
    time: String,
    event: &'static str,
    socket_event: &'a SocketEvent,
}

/// One event as a JSON line: `{"time", "event": "socket", "socket_event": {...}}`.
pub fn event_json(e: &SocketEvent) -> String {
    let line = EventLine {
        time: stamp(&e.time),
        event: "socket",
        socket_event: e,
    };
    let mut text = serde_json::to_string(&line).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Serialize)]
struct StreamLine<'a> {
    time: String,
    event: &'static str,
    mode: &'static str,
    misses: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    degraded: &'a [String],
    rules: usize,
}

/// The stream's first line: which mode runs and what it can miss.
pub fn start(
    json: bool,
    now: &jiff::Timestamp,
    mode: EventMode,
    fallback_reason: Option<&str>,
    degraded: &[String],
    rules: usize,
) -> String {
    if json {
        let line = StreamLine {
            time: stamp(now),
            event: "stream",
            mode: mode.as_str(),
            misses: mode.misses(),
            fallback_reason,
            degraded,
            rules,
        };
        return format!("{}\n", serde_json::to_string(&line).unwrap_or_default());
    }
    let mut text = format!(
        "{} = events: mode {} with {rules} rule(s); misses: {}",
        stamp(now),
        mode.as_str(),
        mode.misses()
    );
    if let Some(reason) = fallback_reason {
        text.push_str(&format!(
            "; no eBPF: {}",
            for_display(reason, MESSAGE_MAX_CHARS)
        ));
    }
    for d in degraded {
        text.push_str(&format!(
            "; not attached: {}",
            for_display(d, MESSAGE_MAX_CHARS)
        ));
    }
    text.push_str("; `+` lines are new findings\n");
    text
}

#[derive(Serialize)]
struct StatsLine<'a> {
    time: String,
    event: &'static str,
    mode: &'static str,
    #[serde(flatten)]
    stats: &'a StreamStats,
}

/// A notice that the kernel dropped events since the last one (`dropped` is the total), and
/// that the stream now aggregates (see [`Aggregator`]).
pub fn drops(json: bool, now: &jiff::Timestamp, mode: EventMode, stats: &StreamStats) -> String {
    stats_line(
        json,
        now,
        mode,
        stats,
        "drops",
        "! ring buffer full: events dropped so far; aggregating per (process, peer) until drops stop:",
    )
}

/// How long the stream keeps aggregating after the drop counter last grew.
pub const AGGREGATE_HOLD: jiff::SignedDuration = jiff::SignedDuration::from_secs(10);
/// How often an aggregating stream prints its counts.
pub const AGGREGATE_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(1);
/// Most (process, peer) keys of one window; the events of further keys are counted under one
/// `other` line, so memory stays bounded whatever the event rate.
pub const AGGREGATE_KEYS: usize = 1024;

/// One (process, peer) of an aggregation window.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct AggKey {
    pid: Option<u32>,
    comm: Option<String>,
    peer: Option<IpAddr>,
}

/// What a stream does once the ring buffer overflowed: the kernel's drops mean the reader is
/// behind, and a line per event is what costs most, so for [`AGGREGATE_HOLD`] after the drop
/// counter last grew, events arriving are counted per (process, peer, kind) and printed as one
/// line per key every [`AGGREGATE_EVERY`] instead of a line each. The rules still see every
/// event that arrives (findings are unchanged); what the lines lose is each event's ports,
/// time, lifetime, bytes and namespace (docs/events.md). Bounded: at most [`AGGREGATE_KEYS`]
/// keys per window.
#[derive(Debug, Default)]
pub struct Aggregator {
    until: Option<jiff::Timestamp>,
    window_start: Option<jiff::Timestamp>,
    counts: BTreeMap<AggKey, KindCounts>,
    other: KindCounts,
}

#[derive(Serialize)]
struct AggregateProcess<'a> {
    pid: Option<u32>,
    comm: Option<&'a str>,
}

#[derive(Serialize)]
struct AggregateLine<'a> {
    time: String,
    event: &'static str,
    from: String,
    /// `null` with `other: true`: the events of keys beyond the window's bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    process: Option<AggregateProcess<'a>>,
    peer: Option<IpAddr>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    other: bool,
    counts: BTreeMap<&'static str, u64>,
}

impl Aggregator {
    /// Whether events are being aggregated (not printed one by one).
    pub fn active(&self) -> bool {
        self.until.is_some()
    }

    /// The drop counter grew at `now`: aggregate (again) for [`AGGREGATE_HOLD`].
    pub fn on_drops(&mut self, now: jiff::Timestamp) {
        self.until = Some(now.saturating_add(AGGREGATE_HOLD).unwrap_or(now));
        self.window_start.get_or_insert(now);
    }

    /// Counts one arrived event.
    pub fn add(&mut self, e: &SocketEvent) {
        let key = AggKey {
            pid: e.owner.as_ref().map(|o| o.pid),
            comm: e.owner.as_ref().map(|o| o.comm.clone()),
            peer: e.remote_addr,
        };
        let counts = if self.counts.len() < AGGREGATE_KEYS || self.counts.contains_key(&key) {
            self.counts.entry(key).or_default()
        } else {
            &mut self.other
        };
        counts.add(e.event);
    }

    /// Every count still held (the stream is ending): the last window and the end line.
    pub fn flush_all(&mut self, json: bool, now: jiff::Timestamp) -> String {
        if self.until.is_some() {
            self.until = Some(now);
        }
        self.flush(json, now)
    }

    /// The lines due at `now`: a window's counts once it is [`AGGREGATE_EVERY`] old, and the
    /// last window when the hold ended (then per-event lines resume). Empty otherwise.
    pub fn flush(&mut self, json: bool, now: jiff::Timestamp) -> String {
        let Some(until) = self.until else {
            return String::new();
        };
        let start = *self.window_start.get_or_insert(now);
        let ended = now >= until;
        if !ended && now.duration_since(start) < AGGREGATE_EVERY {
            return String::new();
        }
        let mut out = String::new();
        let counts = std::mem::take(&mut self.counts);
        for (key, n) in &counts {
            out.push_str(&aggregate_line(json, now, start, Some(key), n));
        }
        if self.other.total() > 0 {
            out.push_str(&aggregate_line(json, now, start, None, &self.other));
            self.other = KindCounts::default();
        }
        if ended {
            self.until = None;
            self.window_start = None;
            out.push_str(&if json {
                format!(
                    "{}\n",
                    serde_json::json!({"time": stamp(&now), "event": "aggregation-ended"})
                )
            } else {
                format!(
                    "{} = no drops for {} s: one line per event again\n",
                    stamp(&now),
                    AGGREGATE_HOLD.as_secs()
                )
            });
        } else {
            self.window_start = Some(now);
        }
        out
    }
}

fn aggregate_line(
    json: bool,
    now: jiff::Timestamp,
    from: jiff::Timestamp,
    key: Option<&AggKey>,
    counts: &KindCounts,
) -> String {
    if json {
        let line = AggregateLine {
            time: stamp(&now),
            event: "aggregate",
            from: stamp(&from),
            process: key.map(|k| AggregateProcess {
                pid: k.pid,
                comm: k.comm.as_deref(),
            }),
            peer: key.and_then(|k| k.peer),
            other: key.is_none(),
            counts: counts.nonzero().map(|(k, n)| (k.as_str(), n)).collect(),
        };
        return format!("{}\n", serde_json::to_string(&line).unwrap_or_default());
    }
    let who = match key {
        None => "other processes and peers".to_string(),
        Some(k) => {
            let process = match (k.pid, &k.comm) {
                (Some(pid), Some(comm)) => format!("pid {pid} {}", for_display(comm, 64)),
                _ => "owner unknown".to_string(),
            };
            match k.peer {
                Some(peer) => format!("{process} -> {peer}"),
                None => process,
            }
        }
    };
    let counts: Vec<String> = counts
        .nonzero()
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect();
    format!(
        "{} ~ aggregate since {}: {who}: {}\n",
        stamp(&now),
        stamp(&from),
        counts.join(", ")
    )
}

/// The summary when the stream ends.
pub fn summary(json: bool, now: &jiff::Timestamp, mode: EventMode, stats: &StreamStats) -> String {
    stats_line(json, now, mode, stats, "summary", "= stream ended:")
}

fn stats_line(
    json: bool,
    now: &jiff::Timestamp,
    mode: EventMode,
    stats: &StreamStats,
    event: &'static str,
    text: &str,
) -> String {
    if json {
        let line = StatsLine {
            time: stamp(now),
            event,
            mode: mode.as_str(),
            stats,
        };
        return format!("{}\n", serde_json::to_string(&line).unwrap_or_default());
    }
    format!(
        "{} {text} {} event(s), {} dropped, {} evaluated (mode {})\n",
        stamp(now),
        stats.events,
        stats.dropped,
        stats.evaluated,
        mode.as_str()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::event::{EventKind, EventOwner};

    fn event(kind: EventKind, pid: u32, peer: &str, time: jiff::Timestamp) -> SocketEvent {
        SocketEvent {
            event: kind,
            time,
            proto: Some(crate::model::Protocol::Tcp),
            family: Some(crate::model::Family::Ipv4),
            local_addr: Some("127.0.0.1".parse().unwrap()),
            local_port: Some(40000),
            remote_addr: Some(peer.parse().unwrap()),
            remote_port: Some(80),
            state: None,
            netns: None,
            duration_ms: None,
            bytes_sent: None,
            bytes_received: None,
            raw: None,
            owner: Some(EventOwner {
                pid,
                tid: pid,
                uid: 0,
                user: None,
                comm: format!("p{pid}"),
                exe_name: None,
                exe: None,
                cmdline: Vec::new(),
                exited: false,
                cgroup_id: None,
            }),
        }
    }

    #[test]
    fn drops_switch_to_per_process_and_peer_counts_until_they_stop() {
        let t0: jiff::Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let at = |ms: i64| {
            t0.checked_add(jiff::SignedDuration::from_millis(ms))
                .unwrap()
        };
        let mut agg = Aggregator::default();
        assert!(!agg.active());
        assert_eq!(agg.flush(true, t0), "");
        agg.on_drops(t0);
        assert!(agg.active());
        for i in 0..300 {
            let kind = if i % 2 == 0 {
                EventKind::Connect
            } else {
                EventKind::Close
            };
            agg.add(&event(kind, 10 + (i % 3), "192.0.2.1", at(i64::from(i))));
        }
        agg.add(&event(EventKind::Connect, 10, "192.0.2.2", at(400)));
        // Not a second old yet: nothing printed, nothing lost.
        assert_eq!(agg.flush(true, at(500)), "");
        let lines: Vec<serde_json::Value> = agg
            .flush(true, at(1000))
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // Three processes to one peer, one of them to a second peer.
        assert_eq!(lines.len(), 4, "{lines:?}");
        let total: u64 = lines
            .iter()
            .flat_map(|l| l["counts"].as_object().unwrap().values())
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(total, 301);
        let first = &lines[0];
        assert_eq!(first["event"], "aggregate");
        assert_eq!(first["process"]["pid"], 10);
        assert_eq!(first["peer"], "192.0.2.1");
        assert_eq!(first["counts"]["connect"], 50);
        assert_eq!(first["counts"]["close"], 50);
        assert_eq!(first["from"], "2026-12-04T10:00:00.000Z");
        // Still aggregating; the hold ends 10 s after the last drop: the last window, then
        // an end line, and per-event lines again.
        agg.add(&event(EventKind::Connect, 11, "192.0.2.1", at(2000)));
        let end = agg.flush(false, at(10_000));
        assert!(
            end.contains(
                "~ aggregate since 2026-12-04T10:00:01.000Z: pid 11 p11 -> 192.0.2.1: 1 connect"
            ),
            "{end}"
        );
        assert!(end.contains("one line per event again"), "{end}");
        assert!(!agg.active());
    }

    #[test]
    fn keys_beyond_the_bound_are_counted_together() {
        let t0: jiff::Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let mut agg = Aggregator::default();
        agg.on_drops(t0);
        let n = u32::try_from(AGGREGATE_KEYS).unwrap() + 5;
        for pid in 0..n {
            agg.add(&event(EventKind::Connect, pid, "192.0.2.1", t0));
        }
        let text = agg.flush(true, t0.checked_add(AGGREGATE_EVERY).unwrap());
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), AGGREGATE_KEYS + 1);
        let other = lines.last().unwrap();
        assert_eq!(other["other"], true, "{other}");
        assert_eq!(other["counts"]["connect"], 5, "{other}");
    }
}
