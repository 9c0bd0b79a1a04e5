//! The one-line bars around the table: the title, the footer with state counts, and the status line.

use super::frame::Frame;
use super::keys::Mode;
use super::model::Status;
use super::screen::View;
use super::table::Table;
use crate::text::escape::{MESSAGE_MAX_CHARS, for_display};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TextLine, Span};

pub(super) fn title_line(frame: &Frame, view: &View, width: u16) -> TextLine<'static> {
    let host = frame
        .snapshot
        .host
        .hostname
        .as_deref()
        .map(|h| for_display(h, 64).into_owned())
        .unwrap_or_default();
    let time = frame
        .snapshot
        .collected_at
        .to_zoned(jiff::tz::TimeZone::system())
        .strftime("%H:%M:%S")
        .to_string();
    let mut spans = vec![
        Span::styled(" sockaudit top ", Style::new().reversed().bold()),
        Span::raw(format!(" {host}  {}  {time}", view.source)),
    ];
    if let Some(ms) = view.refresh_ms {
        spans.push(Span::raw(format!("  refresh {ms:.0} ms")));
    }
    if view.paused {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            " PAUSED ",
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ));
    }
    if view.warnings > 0 {
        spans.push(Span::styled(
            format!("  {} warning(s), shown on exit", view.warnings),
            Style::new().fg(Color::Yellow),
        ));
    }
    if let Some(error) = &view.error {
        spans.push(Span::styled(
            format!(
                "  refresh failed: {}",
                for_display(error, MESSAGE_MAX_CHARS)
            ),
            Style::new().fg(Color::Red),
        ));
    }
    let _ = width;
    TextLine::from(spans)
}

/// The state counts, as `list` prints them when they fit, else shorter; then new, closed
/// and findings when there is room.
pub(super) fn footer_line(frame: &Frame, width: u16) -> String {
    use crate::model::TcpState as T;
    let s = &frame.snapshot;
    let count = |state| s.sockets.iter().filter(|x| x.state == Some(state)).count();
    let listening = s.sockets.iter().filter(|x| x.is_listener()).count();
    let new = frame
        .rows
        .iter()
        .filter(|r| r.status == Status::New)
        .count();
    let closed = frame
        .rows
        .iter()
        .filter(|r| r.status == Status::Closed)
        .count();
    let findings = frame.findings.len();
    let raw = raw_counts(s);
    let (est, tw, cw, sr) = (
        count(T::Established),
        count(T::TimeWait),
        count(T::CloseWait),
        count(T::SynRecv),
    );
    let total = s.sockets.len();
    let full = crate::report::list::footer(s);
    let medium = format!(
        "Endpoints: {total}  Estab: {est}  Listen: {listening}  TimeWait: {tw}  CloseWait: {cw}  SynRecv: {sr}"
    );
    let short = format!("End {total} Est {est} Lis {listening} TW {tw} CW {cw} SR {sr}");
    let extras = [
        format!(
            "{} | New: {new} | Closed: {closed} | Findings: {findings}",
            raw.as_ref()
                .map_or(String::new(), |(r, p)| format!(" | Raw: {r} | Packet: {p}"))
        ),
        format!(
            "{}  New: {new}  Closed: {closed}  Findings: {findings}",
            raw.as_ref()
                .map_or(String::new(), |(r, p)| format!("  Raw: {r}  Packet: {p}"))
        ),
        format!(
            "{} New {new} Cls {closed} Fnd {findings}",
            raw.as_ref()
                .map_or(String::new(), |(r, p)| format!(" Raw {r} Pkt {p}"))
        ),
    ];
    let fits = |text: &String| text.chars().count() <= usize::from(width);
    [
        format!("{full}{}", extras[0]),
        full,
        format!("{medium}{}", extras[1]),
        medium,
        format!("{short}{}", extras[2]),
    ]
    .into_iter()
    .find(fits)
    .unwrap_or(short)
}

pub(super) fn status_line(table: &Table, view: &View) -> TextLine<'static> {
    if view.mode == Mode::Filter {
        return TextLine::from(vec![
            Span::styled("/", Style::new().bold()),
            Span::raw(view.filter_input.clone()),
            Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::raw("   Enter keeps, Esc clears"),
        ]);
    }
    let mut parts: Vec<String> = Vec::new();
    let shown = table.shown_rows();
    if shown != table.rows().len() {
        parts.push(format!("showing {shown} of {}", table.rows().len()));
    }
    if !table.filter_text().is_empty() {
        parts.push(format!("filter /{}", table.filter_text()));
    }
    if table.listeners_only {
        parts.push("listeners".to_string());
    }
    if table.findings_only {
        parts.push("findings".to_string());
    }
    if table.grouped {
        parts.push("by process".to_string());
    }
    let mut spans = Vec::new();
    if !parts.is_empty() {
        spans.push(Span::styled(
            format!("{}  ", parts.join(" · ")),
            Style::new().fg(Color::Cyan),
        ));
    }
    for (key, what) in [
        ("q", "quit"),
        ("/", "filter"),
        ("s", "sort"),
        ("g", "group"),
        ("l", "listen"),
        ("f", "findings"),
        ("Enter", "details"),
        ("p", "pause"),
        ("?", "help"),
    ] {
        spans.push(Span::styled(key, Style::new().bold()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    TextLine::from(spans)
}

/// Raw IP and packet sockets (the `raw-sockets` rules' findings are in the findings count),
/// when the collection read them and saw any.
fn raw_counts(snapshot: &crate::model::Snapshot) -> Option<(usize, usize)> {
    if snapshot.raw_sockets.is_empty() {
        return None;
    }
    let packet = snapshot
        .raw_sockets
        .iter()
        .filter(|s| s.kind == crate::model::RawKind::Packet)
        .count();
    Some((snapshot.raw_sockets.len() - packet, packet))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawSocket;

    fn raw(kind: crate::model::RawKind, inode: u64) -> RawSocket {
        RawSocket {
            kind,
            family: None,
            protocol: 3,
            protocol_name: "all".to_string(),
            packet_type: None,
            ifindex: 0,
            interface: None,
            local_addr: None,
            remote_addr: None,
            inode,
            uid: None,
            pids: vec![],
            netns: None,
        }
    }

    #[test]
    fn the_footer_counts_raw_and_packet_sockets_when_there_are_any() {
        let text = include_str!("../../fixtures/snapshots/clean-debian.json");
        let Ok(mut snapshot) = serde_json::from_str::<crate::model::Snapshot>(text) else {
            panic!("fixture does not parse");
        };
        let frame = |snapshot: &crate::model::Snapshot| {
            Frame::new(snapshot.clone(), Vec::new(), Default::default(), None)
        };
        assert!(!footer_line(&frame(&snapshot), 200).contains("Raw"));
        use crate::model::RawKind::{Packet, Raw};
        snapshot.raw_sockets = vec![raw(Packet, 1), raw(Raw, 2), raw(Packet, 3)];
        let line = footer_line(&frame(&snapshot), 200);
        assert!(line.contains("| Raw: 1 | Packet: 2 |"), "{line}");
    }
}
