//! Aligned text tables: `list`'s TCP/UDP and raw/packet tables.

use std::fmt::Write as _;

/// Header (in `bold`..`reset`) and rows, each column as wide as its widest cell.
pub fn aligned_table(headers: &[&str], rows: &[Vec<String>], bold: &str, reset: &str) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::with_capacity((rows.len() + 3) * 100);
    let header: Vec<String> = headers.iter().map(|h| (*h).to_string()).collect();
    let _ = writeln!(out, "{bold}{}{reset}", join_row(&header, &widths));
    for row in rows {
        out.push_str(&join_row(row, &widths));
        out.push('\n');
    }
    out
}

fn join_row(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i + 1 == cells.len() {
            line.push_str(cell);
        } else {
            let _ = write!(line, "{cell:<width$}  ");
        }
    }
    line.trim_end().to_string()
}
