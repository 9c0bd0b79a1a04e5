//! Grouping rows by process (`g`): one summary line per program, its sockets beneath.

use super::model::{Row, Status};
use crate::model::finding::Severity;

/// A process's rows, summed, as the header of its group (`g`).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The process name (as its rows show it).
    pub process: String,
    /// Its PID.
    pub pid: Option<u32>,
    /// Its rows (shown under the header).
    pub rows: Vec<usize>,
    /// Bytes sent by all its sockets that have counters.
    pub sent: Option<u64>,
    /// Bytes received.
    pub received: Option<u64>,
    /// Summed rates.
    pub sent_rate: Option<f64>,
    /// Summed rates.
    pub received_rate: Option<f64>,
    /// The worst finding among its rows.
    pub worst: Option<(Severity, String)>,
}

/// One line of the table as shown: a socket, or a process header when grouped.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// The row at this index of [`Table::rows`](crate::top::table::Table::rows).
    Row(usize),
    /// A process header; its rows follow.
    Group(Group),
}

/// The shown rows under one header per process, in the order each process first appears.
pub(super) fn group(rows: &[Row], shown: &[usize]) -> Vec<Line> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<(Option<u32>, &str), usize> =
        std::collections::HashMap::new();
    for &i in shown {
        let row = &rows[i];
        let at = *index
            .entry((row.pid, row.process.as_str()))
            .or_insert_with(|| {
                groups.push(Group {
                    process: row.process.clone(),
                    pid: row.pid,
                    rows: Vec::new(),
                    sent: None,
                    received: None,
                    sent_rate: None,
                    received_rate: None,
                    worst: None,
                });
                groups.len() - 1
            });
        let g = &mut groups[at];
        g.rows.push(i);
        if row.status != Status::Closed {
            g.sent = add(g.sent, row.sent);
            g.received = add(g.received, row.received);
            g.sent_rate = add_f(g.sent_rate, row.sent_rate);
            g.received_rate = add_f(g.received_rate, row.received_rate);
        }
        if row.worst > g.worst {
            g.worst.clone_from(&row.worst);
        }
    }
    let mut lines = Vec::with_capacity(shown.len() + groups.len());
    for g in groups {
        let members: Vec<usize> = g.rows.clone();
        lines.push(Line::Group(g));
        lines.extend(members.into_iter().map(Line::Row));
    }
    lines
}

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, b) => a.or(b),
    }
}

fn add_f(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}
