//! One refresh: the snapshot, its findings and rows, compared with the refresh before.

use super::model::{Row, rows};
use crate::enrich::Enrichment;
use crate::model::finding::Finding;
use crate::model::{Snapshot, Socket};

/// Timings of one refresh, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Reading the socket table (and processes).
    pub collect: f64,
    /// Enrichment and rule evaluation.
    pub evaluate: f64,
    /// Building the rows and comparing them with the previous refresh.
    pub rows: f64,
}

/// Everything one refresh shows.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The sockets and processes.
    pub snapshot: Snapshot,
    /// The scan's findings, worst first.
    pub findings: Vec<Finding>,
    /// Country, AS and feeds of the remote addresses.
    pub enrichment: Enrichment,
    /// One row per socket, then the rows that closed since the previous refresh.
    pub rows: Vec<Row>,
    /// How long it took.
    pub timings: Timings,
}

impl Frame {
    /// A frame of `snapshot` and its findings, compared with `previous` (taken `seconds`
    /// earlier) when there is one.
    pub fn new(
        snapshot: Snapshot,
        findings: Vec<Finding>,
        enrichment: Enrichment,
        previous: Option<(&Frame, f64)>,
    ) -> Frame {
        let mut rows = rows(&snapshot, &findings, &enrichment);
        if let Some((previous, seconds)) = previous {
            let closed = super::diff::compare(&previous.rows, &mut rows, seconds);
            rows.extend(closed);
        }
        Frame {
            snapshot,
            findings,
            enrichment,
            rows,
            timings: Timings::default(),
        }
    }

    /// The socket behind a row, while it exists.
    pub fn socket_of(&self, row: &Row) -> Option<&Socket> {
        row.socket.and_then(|i| self.snapshot.sockets.get(i))
    }
}
