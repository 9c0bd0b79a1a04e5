//! What every route-capture parser hands back, and the helpers they share.

use crate::model::routes::{Neighbour, Route};

/// What a parser found in one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Routes, in file order.
    pub routes: Vec<Route>,
    /// Neighbours, in file order.
    pub neighbours: Vec<Neighbour>,
    /// Lines that looked like rows but could not be read: (1-based line, text).
    pub skipped: Vec<(usize, String)>,
}

/// Whitespace-separated words of a line.
pub(super) fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}
