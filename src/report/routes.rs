//! `sockaudit routes`: the routing and neighbour tables as aligned text or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::style::Palette;
use crate::model::routes::{Neighbour, Route, RouteTable};
use crate::model::{Family, SCHEMA_VERSION};
use crate::text::escape::for_terminal;

/// The JSON document of `routes --format json` (docs/routes.md).
#[derive(Debug, Serialize)]
pub struct RoutesDocument<'a> {
    /// Layout version (shared with the snapshot JSON).
    pub schema_version: u32,
    /// `live`, or `file:NAME (FORMAT)` per input, comma-separated.
    pub source: &'a str,
    /// Every route, sorted.
    pub routes: &'a [Route],
    /// The neighbour table, when shown and read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<&'a [Neighbour]>,
    /// Rows of imported captures that could not be read; omitted when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_lines: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Pretty JSON with a trailing newline.
pub fn render_json(
    table: &RouteTable,
    source: &str,
    neighbours: bool,
    skipped_lines: usize,
) -> Result<String, serde_json::Error> {
    let doc = RoutesDocument {
        schema_version: SCHEMA_VERSION,
        source,
        routes: &table.routes,
        // Omitted, not empty, when the input has no neighbour table: "none" would be a claim.
        neighbours: table.neighbours.as_deref().filter(|_| neighbours),
        skipped_lines,
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
fn columns(rows: &[Vec<String>], palette: Palette, out: &mut String) {
    let width = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..width)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (n, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        let line = line.trim_end();
        if n == 0 {
            let _ = writeln!(out, "{}{line}{}", palette.bold, palette.reset);
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The routes (like `ip route show table all` with netstat's columns), then the neighbours
/// when asked for, then a one-line summary.
pub fn render_text(table: &RouteTable, source: &str, neighbours: bool, palette: Palette) -> String {
    let mut out = String::new();
    let mut rows = vec![
        [
            "Destination",
            "Gateway",
            "Interface",
            "Metric",
            "Flags",
            "Table",
            "Type",
            "Proto",
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    for r in &table.routes {
        let proto = if r.persistent {
            "persistent".to_string()
        } else {
            opt(r.protocol.as_deref())
        };
        rows.push(vec![
            r.destination.to_string(),
            r.gateway
                .map_or_else(|| "on-link".to_string(), |g| g.to_string()),
            for_terminal(r.interface.as_deref().unwrap_or("-")).into_owned(),
            opt(r.metric),
            r.flags.clone(),
            for_terminal(&r.table).into_owned(),
            r.kind.to_string(),
            for_terminal(&proto).into_owned(),
        ]);
    }
    columns(&rows, palette, &mut out);
    let v4 = table
        .routes
        .iter()
        .filter(|r| r.family == Family::Ipv4)
        .count();
    let defaults = table.routes.iter().filter(|r| r.is_default()).count();
    let mut footer = format!(
        "Routes: {} | IPv4: {v4} | IPv6: {} | Default: {defaults}",
        table.routes.len(),
        table.routes.len() - v4
    );
    if neighbours {
        out.push('\n');
        let list = table.neighbours.as_deref().unwrap_or(&[]);
        match &table.neighbours {
            None => out.push_str("No neighbour table in the input.\n"),
            Some(_) => {
                let mut rows = vec![
                    ["Address", "MAC", "Interface", "State", "Router"]
                        .map(str::to_string)
                        .to_vec(),
                ];
                for n in list {
                    rows.push(vec![
                        n.address.to_string(),
                        opt(n.mac.as_deref()),
                        for_terminal(n.interface.as_deref().unwrap_or("-")).into_owned(),
                        for_terminal(&n.state).into_owned(),
                        if n.router { "yes" } else { "" }.to_string(),
                    ]);
                }
                columns(&rows, palette, &mut out);
            }
        }
        let _ = write!(footer, " | Neighbours: {}", list.len());
    }
    let _ = writeln!(out, "{footer} | from {}", for_terminal(source));
    out
}
