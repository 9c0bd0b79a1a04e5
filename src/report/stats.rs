//! `sockaudit stats`: kernel counters as `netstat -s`/`netstat -e` show them (totals), or
//! per-second rates between two samples; text tables for a person, JSON for machines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::style::Palette;
use crate::model::counters::{
    CounterEvidence, CounterSample, InterfaceCounters, delta_between, interface_rates,
    interval_between, names,
};
use crate::rules::kinds::counter::number;
use crate::text::escape::for_terminal;

/// Version of the `stats` JSON layout.
pub const STATS_SCHEMA_VERSION: u32 = 1;

/// One report: a sample, and the earlier one when rates are wanted.
#[derive(Debug, Clone, Copy)]
pub struct StatsView<'a> {
    /// `live` or `file:DIR`.
    pub source: &'a str,
    /// Namespace label.
    pub namespace: &'a str,
    /// The latest sample.
    pub current: &'a CounterSample,
    /// The earlier sample (rates), if any.
    pub previous: Option<&'a CounterSample>,
}

#[derive(Serialize)]
struct JsonStats<'a> {
    schema_version: u32,
    source: &'a str,
    namespace: &'a str,
    taken_at: jiff::Timestamp,
    boot_id: Option<&'a str>,
    netns: Option<u64>,
    counters: &'a BTreeMap<String, i64>,
    interfaces: &'a BTreeMap<String, InterfaceCounters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_taken_at: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rates: Option<BTreeMap<&'a str, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interface_rates: Option<BTreeMap<&'a str, BTreeMap<&'static str, f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_rate: Option<String>,
}

/// The JSON document (docs/json.md): every counter and interface; with a previous sample also
/// `rates` (counters that went down and levels such as `Tcp.CurrEstab` have none).
/// `pretty` for a single document, compact for one per line.
pub fn render_json(view: &StatsView<'_>, pretty: bool) -> Result<String, serde_json::Error> {
    let cur = view.current;
    let mut doc = JsonStats {
        schema_version: STATS_SCHEMA_VERSION,
        source: view.source,
        namespace: view.namespace,
        taken_at: cur.taken_at,
        boot_id: cur.boot_id.as_deref(),
        netns: cur.netns,
        counters: &cur.values,
        interfaces: &cur.interfaces,
        previous_taken_at: None,
        interval_seconds: None,
        rates: None,
        interface_rates: None,
        no_rate: None,
    };
    if let Some(prev) = view.previous {
        doc.previous_taken_at = Some(prev.taken_at);
        match interval_between(prev, cur) {
            Ok(seconds) => {
                doc.interval_seconds = Some(seconds);
                doc.rates = Some(
                    cur.values
                        .keys()
                        .filter(|n| !names::is_gauge(n))
                        .filter_map(|n| {
                            delta_between(prev, cur, n)
                                .ok()
                                .map(|d| (n.as_str(), d.rate))
                        })
                        .collect(),
                );
                doc.interface_rates = interface_rates(prev, cur).ok().map(|all| {
                    all.into_iter()
                        .filter_map(|(name, rates)| {
                            let iface = cur.interfaces.get_key_value(&name)?.0.as_str();
                            let fields = InterfaceCounters::FIELDS
                                .iter()
                                .zip(rates)
                                .filter_map(|(f, r)| r.map(|r| (*f, r)))
                                .collect();
                            Some((iface, fields))
                        })
                        .collect()
                });
            }
            Err(why) => doc.no_rate = Some(why.to_string()),
        }
    }
    let mut text = if pretty {
        serde_json::to_string_pretty(&doc)?
    } else {
        serde_json::to_string(&doc)?
    };
    text.push('\n');
    Ok(text)
}

/// Left-aligned first column, the rest right-aligned but the last when `text_last`
/// (descriptions).
fn table(rows: &[Vec<String>], indent: &str, text_last: bool, out: &mut String) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::from(indent);
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            if i == 0 || (text_last && i + 1 == columns) {
                let _ = write!(line, "{cell:<w$}  ");
            } else {
                let _ = write!(line, "{cell:>w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

const INTERFACE_TOTALS: [&str; 9] = [
    "Interface",
    "RX bytes",
    "RX packets",
    "RX errs",
    "RX drop",
    "TX bytes",
    "TX packets",
    "TX errs",
    "TX drop",
];
const INTERFACE_RATES: [&str; 9] = [
    "Interface",
    "RX B/s",
    "RX pkt/s",
    "RX errs/s",
    "RX drop/s",
    "TX B/s",
    "TX pkt/s",
    "TX errs/s",
    "TX drop/s",
];
/// Columns of [`InterfaceCounters::columns`] shown: bytes, packets, errors, drops each way.
const INTERFACE_COLUMNS: [usize; 8] = [0, 1, 2, 3, 8, 9, 10, 11];

/// The text report: interfaces, then the key counters by section (every counter with
/// `all`); with a previous sample, rates per second beside the change and the total.
pub fn render_text(view: &StatsView<'_>, all: bool, palette: Palette) -> String {
    let cur = view.current;
    let mut out = String::new();
    let seconds = view.previous.map(|p| interval_between(p, cur));
    let when = cur.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC");
    let _ = match &seconds {
        Some(Ok(s)) => writeln!(
            out,
            "{}Kernel network counters{}, namespace {} ({}): rates over {:.1} s to {when}",
            palette.bold,
            palette.reset,
            for_terminal(view.namespace),
            for_terminal(view.source),
            s
        ),
        _ => writeln!(
            out,
            "{}Kernel network counters{}, namespace {} ({}), {when}",
            palette.bold,
            palette.reset,
            for_terminal(view.namespace),
            for_terminal(view.source)
        ),
    };
    if let Some(Err(why)) = &seconds {
        let _ = writeln!(out, "no rates: {why}; totals follow");
    }
    let prev = view.previous.filter(|_| matches!(seconds, Some(Ok(_))));
    interfaces_text(cur, prev, &mut out);
    for (section, counters) in names::KEY {
        let rows: Vec<Vec<String>> = counters
            .iter()
            .filter(|(name, _)| cur.values.contains_key(*name))
            .map(|(name, what)| counter_row(cur, prev, name, what))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}{section}{}", palette.bold, palette.reset);
        table(&with_header(rows, prev.is_some()), "  ", true, &mut out);
    }
    if all {
        let rows: Vec<Vec<String>> = cur
            .values
            .keys()
            .filter(|n| !names::is_key(n))
            .map(|n| counter_row(cur, prev, n, ""))
            .collect();
        if !rows.is_empty() {
            let _ = writeln!(
                out,
                "\n{}Every other counter{}",
                palette.bold, palette.reset
            );
            table(&with_header(rows, prev.is_some()), "  ", true, &mut out);
        }
    } else {
        out.push_str("\n(key counters only; --all shows every counter)\n");
    }
    out
}

fn with_header(mut rows: Vec<Vec<String>>, rates: bool) -> Vec<Vec<String>> {
    let header: &[&str] = if rates {
        &["", "per second", "change", "total", ""]
    } else {
        &["", "total", ""]
    };
    rows.insert(0, header.iter().map(|h| (*h).to_string()).collect());
    rows
}

fn counter_row(
    cur: &CounterSample,
    prev: Option<&CounterSample>,
    name: &str,
    what: &str,
) -> Vec<String> {
    let total = cur
        .values
        .get(name)
        .map_or_else(String::new, i64::to_string);
    let Some(prev) = prev else {
        return vec![for_terminal(name).into_owned(), total, what.to_string()];
    };
    let (rate, change) = match (names::is_gauge(name), delta_between(prev, cur, name)) {
        (true, _) => {
            let change = match (cur.values.get(name), prev.values.get(name)) {
                (Some(now), Some(was)) => format!("{:+}", now - was),
                _ => "-".to_string(),
            };
            ("level".to_string(), change)
        }
        (false, Ok(d)) => (number(d.rate), format!("{:+}", d.current - d.previous)),
        (false, Err(crate::model::counters::NoRate::WentDown { .. })) => {
            ("reset".to_string(), "-".to_string())
        }
        (false, Err(_)) => ("-".to_string(), "-".to_string()),
    };
    vec![
        for_terminal(name).into_owned(),
        rate,
        change,
        total,
        what.to_string(),
    ]
}

fn interfaces_text(cur: &CounterSample, prev: Option<&CounterSample>, out: &mut String) {
    if cur.interfaces.is_empty() {
        return;
    }
    out.push('\n');
    let mut rows: Vec<Vec<String>> = Vec::new();
    match prev.and_then(|p| interface_rates(p, cur).ok()) {
        Some(rates) => {
            rows.push(INTERFACE_RATES.iter().map(|h| (*h).to_string()).collect());
            for (name, r) in &rates {
                let mut row = vec![for_terminal(name).into_owned()];
                row.extend(
                    INTERFACE_COLUMNS
                        .iter()
                        .map(|&i| r[i].map_or_else(|| "reset".to_string(), number)),
                );
                rows.push(row);
            }
        }
        None => {
            rows.push(INTERFACE_TOTALS.iter().map(|h| (*h).to_string()).collect());
            for (name, c) in &cur.interfaces {
                let columns = c.columns();
                let mut row = vec![for_terminal(name).into_owned()];
                row.extend(INTERFACE_COLUMNS.iter().map(|&i| columns[i].to_string()));
                rows.push(row);
            }
        }
    }
    table(&rows, "", false, out);
}

/// The counter evidence of a finding, one line: `namespace host: TcpExt.SyncookiesSent 0 ->
/// 3000 over 4.4 s`.
pub fn evidence_line(e: &CounterEvidence) -> String {
    let mut parts: Vec<String> = e
        .counters
        .iter()
        .chain(&e.relative_to)
        .map(|d| format!("{} {} -> {}", d.name, d.previous, d.current))
        .collect();
    parts.dedup();
    format!(
        "namespace {}: {} over {:.1} s",
        for_terminal(&e.namespace),
        parts.join(", "),
        e.interval_seconds
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_words_left() {
        let mut out = String::new();
        table(
            &[
                vec!["a".into(), "1".into(), "x".into()],
                vec!["bbb".into(), "100".into(), "long words".into()],
            ],
            "  ",
            true,
            &mut out,
        );
        assert_eq!(out, "  a      1  x\n  bbb  100  long words\n");
    }
}
