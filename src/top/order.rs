//! Sort order by any column, and the widths columns would need.

use super::columns::{self, Column};
use super::model::Row;
use std::cmp::Ordering;

/// Orders two rows by a column.
pub(super) fn compare(column: Column, a: &Row, b: &Row) -> Ordering {
    match column {
        Column::Process => a
            .process
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(b.process.chars().flat_map(char::to_lowercase))
            .then(a.pid.cmp(&b.pid)),
        Column::Pid => a.pid.cmp(&b.pid),
        Column::Proto => a.proto.cmp(b.proto),
        Column::Local => a.key.local.cmp(&b.key.local),
        Column::Remote => a.key.remote.cmp(&b.key.remote),
        Column::State => a.tcp_state.cmp(&b.tcp_state),
        Column::Sent => a.sent.cmp(&b.sent),
        Column::Received => a.received.cmp(&b.received),
        Column::SentRate => a.sent_rate.total_cmp_opt(b.sent_rate),
        Column::ReceivedRate => a.received_rate.total_cmp_opt(b.received_rate),
        Column::Finding => a.worst.cmp(&b.worst),
        Column::Netns => a.netns.cmp(&b.netns),
    }
}

/// `Option<f64>` ordered with `None` first.
trait TotalCmpOpt {
    fn total_cmp_opt(&self, other: Option<f64>) -> Ordering;
}

impl TotalCmpOpt for Option<f64> {
    fn total_cmp_opt(&self, other: Option<f64>) -> Ordering {
        match (self, other) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) => a.total_cmp(&b),
        }
    }
}

/// The widest cell of each column over the shown rows (headers included).
pub(super) fn natural_widths(rows: &[Row], shown: &[usize]) -> Vec<(Column, usize)> {
    let any = |f: &dyn Fn(&Row) -> bool| shown.iter().any(|&i| f(&rows[i]));
    Column::ALL
        .iter()
        .copied()
        .filter(|c| match c {
            // Columns with nothing to show are left out (captures without counters, a host
            // without containers, the first refresh's rates).
            Column::Sent | Column::Received => any(&|r| r.sent.is_some() || r.received.is_some()),
            Column::SentRate | Column::ReceivedRate => {
                any(&|r| r.sent_rate.is_some() || r.received_rate.is_some())
            }
            Column::Netns => any(&|r| !r.netns.is_empty()),
            _ => true,
        })
        .map(|c| {
            let widest = shown
                .iter()
                .map(|&i| columns::width(&c.text(&rows[i])))
                .max()
                .unwrap_or(0);
            (c, widest.max(c.header().len()))
        })
        .collect()
}
