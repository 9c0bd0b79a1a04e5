//! Lines of `watch --events` (docs/events.md): one per socket event, the stream's first line
//! (its mode and what that mode misses), drop notices and the closing summary; text for a
//! person, JSON Lines otherwise.

use serde::Serialize;

use crate::model::event::{EventMode, SocketEvent, StreamStats};
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

/// A notice that the kernel dropped events since the last one (`dropped` is the total).
pub fn drops(json: bool, now: &jiff::Timestamp, mode: EventMode, stats: &StreamStats) -> String {
    stats_line(
        json,
        now,
        mode,
        stats,
        "drops",
        "! ring buffer full: events dropped so far",
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
