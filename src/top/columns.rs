//! The columns: what each shows, and which fit in the terminal's width.
//!
//! Every column has a priority: when the terminal is too narrow for all of them, the least
//! important go first (rates, protocol, PID...), so that Process, Local, Remote, State and
//! Finding stay readable down to about 60 columns. Wide cells are cut with `…` (addresses keep
//! their port).

use std::borrow::Cow;

use ratatui::text::Span;

use super::model::Row;
use crate::text::size::{human, human_rate};

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// The owning process.
    Process,
    /// Its PID.
    Pid,
    /// `tcp`, `tcp6`, `udp`, `udp6`.
    Proto,
    /// Local address and port.
    Local,
    /// Remote address and port, with the peer's country and AS when known.
    Remote,
    /// TCP state.
    State,
    /// Bytes sent.
    Sent,
    /// Bytes received.
    Received,
    /// Bytes per second sent.
    SentRate,
    /// Bytes per second received.
    ReceivedRate,
    /// The worst finding: severity and rule id.
    Finding,
    /// The network namespace, when not the host's.
    Netns,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 12] = [
        Column::Process,
        Column::Pid,
        Column::Proto,
        Column::Local,
        Column::Remote,
        Column::State,
        Column::Sent,
        Column::Received,
        Column::SentRate,
        Column::ReceivedRate,
        Column::Finding,
        Column::Netns,
    ];

    /// The column a name on the command line means (`--sort sent`).
    pub fn parse(text: &str) -> Option<Column> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "process" | "program" | "name" => Column::Process,
            "pid" => Column::Pid,
            "proto" | "protocol" => Column::Proto,
            "local" => Column::Local,
            "remote" | "foreign" => Column::Remote,
            "state" => Column::State,
            "sent" => Column::Sent,
            "recv" | "received" => Column::Received,
            "tx" | "tx/s" => Column::SentRate,
            "rx" | "rx/s" => Column::ReceivedRate,
            "finding" | "findings" => Column::Finding,
            "netns" | "namespace" => Column::Netns,
            _ => return None,
        })
    }

    /// The header.
    pub fn header(self) -> &'static str {
        match self {
            Column::Process => "Process",
            Column::Pid => "PID",
            Column::Proto => "Proto",
            Column::Local => "Local",
            Column::Remote => "Remote",
            Column::State => "State",
            Column::Sent => "Sent",
            Column::Received => "Recv",
            Column::SentRate => "Tx/s",
            Column::ReceivedRate => "Rx/s",
            Column::Finding => "Finding",
            Column::Netns => "Netns",
        }
    }

    /// Kept before columns with a larger number when space is short.
    fn priority(self) -> u8 {
        match self {
            Column::Process => 0,
            Column::Local => 1,
            Column::Remote => 2,
            Column::State => 3,
            Column::Finding => 4,
            Column::Pid => 5,
            Column::Sent => 6,
            Column::Received => 7,
            Column::Netns => 8,
            Column::Proto => 9,
            Column::SentRate => 10,
            Column::ReceivedRate => 11,
        }
    }

    /// Columns after these are extras: shown only when every column before them has room for
    /// its comfortable width.
    const LAST_ESSENTIAL: u8 = 7;

    /// The narrowest it may get, a comfortable width, and the widest it needs to be.
    /// Numbers are never cut: their narrowest is their widest.
    fn bounds(self) -> (usize, usize, usize) {
        match self {
            Column::Process => (7, 12, 20),
            Column::Pid => (7, 7, 7),
            Column::Proto => (5, 5, 5),
            Column::Local => (12, 21, 30),
            Column::Remote => (12, 24, 42),
            Column::State => (6, 11, 11),
            Column::Sent | Column::Received => (5, 5, 5),
            Column::SentRate | Column::ReceivedRate => (7, 7, 7),
            Column::Finding => (7, 18, 40),
            Column::Netns => (6, 14, 24),
        }
    }

    /// Numbers are right-aligned.
    pub fn right_aligned(self) -> bool {
        matches!(
            self,
            Column::Pid | Column::Sent | Column::Received | Column::SentRate | Column::ReceivedRate
        )
    }

    /// Whether sorting by it starts with the largest (numbers, findings).
    pub fn descending_first(self) -> bool {
        matches!(
            self,
            Column::Sent
                | Column::Received
                | Column::SentRate
                | Column::ReceivedRate
                | Column::Finding
        )
    }

    /// What a row shows in this column.
    pub fn text(self, row: &Row) -> Cow<'_, str> {
        let number = |n: Option<u64>| n.map_or(Cow::Borrowed(""), |n| Cow::Owned(human(n)));
        let rate = |r: Option<f64>| r.map_or(Cow::Borrowed(""), |r| Cow::Owned(human_rate(r)));
        match self {
            Column::Process => Cow::Borrowed(&row.process),
            Column::Pid => row
                .pid
                .map_or(Cow::Borrowed(""), |p| Cow::Owned(p.to_string())),
            Column::Proto => Cow::Borrowed(row.proto),
            Column::Local => Cow::Borrowed(&row.local),
            Column::Remote if row.geo.is_empty() => Cow::Borrowed(&row.remote),
            Column::Remote => Cow::Owned(format!("{} {}", row.remote, row.geo)),
            Column::State => Cow::Borrowed(row.state),
            Column::Sent => number(row.sent),
            Column::Received => number(row.received),
            Column::SentRate => rate(row.sent_rate),
            Column::ReceivedRate => rate(row.received_rate),
            Column::Finding => Cow::Owned(row.finding_text()),
            Column::Netns => Cow::Borrowed(&row.netns),
        }
    }
}

/// Room for most IPv4 endpoints (`10.0.2.15:44210`) before other columns grow.
const ADDRESS: usize = 15;
/// An IPv4 address with any port (`255.255.255.255:65535`): the peer is the cell people read
/// first, so Remote gets this much before the finding grows.
const ADDRESS_PORT: usize = 21;

/// Display width of a text in terminal cells.
pub fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// Which columns to show and how wide, for a terminal `total` cells wide. `natural` is the
/// widest cell (or header) of each candidate column; columns are separated by one space.
///
/// The essential columns (Process ... Recv) are taken in priority order while their narrowest
/// widths fit; the extras only while every chosen column still gets its comfortable width.
/// Spare room is then shared out, first up to each column's comfortable width and then up to
/// its natural one.
pub fn layout(total: usize, natural: &[(Column, usize)]) -> Vec<(Column, usize)> {
    struct Pick {
        column: Column,
        width: usize,
        comfortable: usize,
        wanted: usize,
    }
    let mut candidates: Vec<(Column, usize)> = natural.to_vec();
    candidates.sort_by_key(|(c, _)| c.priority());
    let mut chosen: Vec<Pick> = Vec::new();
    let cost = |picks: &[Pick], pick: fn(&Pick) -> usize| {
        picks.iter().map(pick).sum::<usize>() + picks.len().saturating_sub(1)
    };
    for (column, natural) in candidates {
        let (min, comfortable, max) = column.bounds();
        let wanted = natural.clamp(column.header().len(), max.max(column.header().len()));
        let pick = Pick {
            column,
            width: min.min(wanted),
            comfortable: comfortable.min(wanted),
            wanted,
        };
        chosen.push(pick);
        let fits = if column.priority() <= Column::LAST_ESSENTIAL {
            cost(&chosen, |p| p.width) <= total
        } else {
            cost(&chosen, |p| p.comfortable) <= total
        };
        if !fits {
            chosen.pop();
        }
    }
    // First room for a process name, a whole IPv4 peer, a usual local endpoint, then for the
    // finding (it is why sockaudit has a table at all), then one cell at a time to each column still short
    // of the target, so that no column takes all the room while its neighbours stay cut.
    let mut spare = total.saturating_sub(cost(&chosen, |p| p.width));
    for (column, target) in [
        (Column::Process, 10),
        (Column::Remote, ADDRESS_PORT),
        (Column::Local, ADDRESS),
        (Column::Finding, usize::MAX),
    ] {
        if let Some(p) = chosen.iter_mut().find(|p| p.column == column) {
            let grow = p.comfortable.min(target).saturating_sub(p.width).min(spare);
            p.width += grow;
            spare -= grow;
        }
    }
    for target in [|p: &Pick| p.comfortable, |p: &Pick| p.wanted] {
        while spare > 0 {
            let mut grew = false;
            for p in chosen.iter_mut().filter(|p| p.width < target(p)) {
                if spare == 0 {
                    break;
                }
                p.width += 1;
                spare -= 1;
                grew = true;
            }
            if !grew {
                break;
            }
        }
    }
    let mut out: Vec<(Column, usize)> = chosen.iter().map(|p| (p.column, p.width)).collect();
    out.sort_by_key(|(c, _)| Column::ALL.iter().position(|x| x == c));
    out
}

impl Column {
    /// A cell's text cut to the column's width: addresses keep their port, a finding keeps at
    /// least its severity.
    pub fn fit<'t>(self, text: &'t str, cells: usize) -> Cow<'t, str> {
        match self {
            Column::Local | Column::Remote => fit(text, cells, true),
            Column::State if width(text) > cells => fit(short_state(text), cells, false),
            Column::Finding if width(text) > cells => {
                let severity = text.split(' ').next().unwrap_or_default();
                if cells >= severity.len() + 5 {
                    fit(text, cells, false)
                } else {
                    fit(severity, cells, false)
                }
            }
            _ => fit(text, cells, false),
        }
    }
}

/// A TCP state in at most 6 characters, for narrow State columns.
fn short_state(state: &str) -> &str {
    match state {
        "ESTABLISHED" => "ESTAB",
        "SYN_SENT" => "SYN-S",
        "SYN_RECV" => "SYN-R",
        "FIN_WAIT1" => "FIN-W1",
        "FIN_WAIT2" => "FIN-W2",
        "TIME_WAIT" => "TIME-W",
        "CLOSE_WAIT" => "CLOS-W",
        "LAST_ACK" => "LAST-A",
        "CLOSING" => "CLOSNG",
        "DELETE_TCB" => "DELTCB",
        "UNKNOWN" => "?",
        other => other,
    }
}

/// `text` cut to `cells` wide with a trailing `…`; addresses (`keep_port`) are cut in the
/// middle so that the port stays visible.
pub fn fit(text: &str, cells: usize, keep_port: bool) -> Cow<'_, str> {
    if width(text) <= cells {
        return Cow::Borrowed(text);
    }
    if cells == 0 {
        return Cow::Borrowed("");
    }
    let chars: Vec<char> = text.chars().collect();
    if keep_port && let Some(colon) = text.rfind(':') {
        let tail = &text[colon..];
        let tail_width = width(tail);
        if tail_width + 2 <= cells {
            let head = take_width(&chars, cells - tail_width - 1);
            return Cow::Owned(format!("{head}…{tail}"));
        }
    }
    Cow::Owned(format!("{}…", take_width(&chars, cells - 1)))
}

/// The longest prefix of `chars` at most `cells` wide.
fn take_width(chars: &[char], cells: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in chars {
        let w = width(c.encode_utf8(&mut [0; 4]));
        if used + w > cells {
            break;
        }
        used += w;
        out.push(*c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn natural() -> Vec<(Column, usize)> {
        Column::ALL
            .iter()
            .filter(|c| **c != Column::Netns)
            .map(|c| (*c, c.bounds().2))
            .collect()
    }

    #[test]
    fn everything_fits_when_wide() {
        let cols = layout(200, &natural());
        assert_eq!(cols.len(), 11);
        assert_eq!(cols[0].0, Column::Process);
        assert_eq!(cols.last().map(|c| c.0), Some(Column::Finding));
    }

    #[test]
    fn narrow_terminals_drop_the_least_important_columns() {
        for width in [80, 60, 40] {
            let cols = layout(width, &natural());
            let used: usize = cols.iter().map(|c| c.1).sum::<usize>() + cols.len() - 1;
            assert!(used <= width, "{width}: {cols:?} take {used}");
            let names: Vec<Column> = cols.iter().map(|c| c.0).collect();
            assert!(names.contains(&Column::Process) && names.contains(&Column::Local));
            if width >= 60 {
                for c in [Column::Remote, Column::State, Column::Finding] {
                    assert!(names.contains(&c), "{width}: {names:?}");
                }
            }
            // Rates go before the finding does.
            if names.contains(&Column::SentRate) {
                assert!(names.contains(&Column::Finding));
            }
        }
        let at80: Vec<Column> = layout(80, &natural()).iter().map(|c| c.0).collect();
        assert!(!at80.contains(&Column::ReceivedRate), "{at80:?}");
        assert!(at80.contains(&Column::Pid), "{at80:?}");
    }

    #[test]
    fn at_80_columns_a_peer_is_never_cut() {
        let cols = layout(80, &natural());
        let remote = cols.iter().find(|c| c.0 == Column::Remote).map(|c| c.1);
        assert_eq!(remote, Some(ADDRESS_PORT), "{cols:?}");
        let finding = cols.iter().find(|c| c.0 == Column::Finding).map(|c| c.1);
        assert!(finding.is_some_and(|w| w >= 7), "{cols:?}");
    }

    #[test]
    fn cells_are_cut_visibly() {
        assert_eq!(
            Column::Finding.fit("CRIT backdoor-port +1", 30),
            "CRIT backdoor-port +1"
        );
        assert_eq!(
            Column::Finding.fit("CRIT backdoor-port +1", 10),
            "CRIT back…"
        );
        assert_eq!(Column::Finding.fit("CRIT backdoor-port +1", 6), "CRIT");
        assert_eq!(Column::Remote.fit("203.0.113.50:443", 12), "203.0.1…:443");
        assert_eq!(Column::State.fit("ESTABLISHED", 6), "ESTAB");
        assert_eq!(Column::State.fit("CLOSE_WAIT", 6), "CLOS-W");
        assert_eq!(Column::State.fit("LISTEN", 6), "LISTEN");
        assert_eq!(fit("nginx", 10, false), "nginx");
        assert_eq!(fit("very-long-process-name", 8, false), "very-lo…");
        assert_eq!(
            fit("[2001:db8:1234:5678::1]:443", 16, true),
            "[2001:db8:1…:443"
        );
        assert_eq!(fit("漢字漢字", 5, false), "漢字…");
        assert_eq!(fit("abc", 0, false), "");
    }
}
