//! The contract between the driver and a format's parser: lines in, rows and block
//! boundaries out.

use super::builder::{CaptureInfo, Row};
use super::text::Line;

/// What a format parser does with each line.
pub trait LineParser {
    /// Reads one line: rows go to `out`; `Err(why)` skips the line with a warning.
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String>;
}

/// Where parsers put rows and block boundaries.
pub struct Emitter {
    pub(super) rows: Vec<Row>,
    /// What the parser learnt about the capture (owner column, privileges, skipped sections).
    pub info: CaptureInfo,
    /// A column header was seen: a capture without rows is then an empty table, not an error.
    pub saw_header: bool,
    pub(super) finished: Vec<(Vec<Row>, CaptureInfo, usize)>,
    pub(super) skipped_in_block: usize,
}

/// Feeds `lines` to `parser` (numbered from 1), as the driver does: the emitter and every
/// line's error. For the parsers' unit tests.
#[cfg(test)]
pub(super) fn feed(parser: &mut dyn LineParser, lines: &[&str]) -> (Emitter, Vec<String>) {
    let mut out = Emitter::new();
    let mut errors = Vec::new();
    for (i, text) in lines.iter().enumerate() {
        let line = super::text::Line {
            number: i as u64 + 1,
            text: (*text).to_string(),
        };
        if let Err(e) = parser.line(&line, &mut out) {
            errors.push(e);
        }
    }
    (out, errors)
}

impl Emitter {
    pub(super) fn new() -> Emitter {
        Emitter {
            rows: Vec::new(),
            info: CaptureInfo::default(),
            finished: Vec::new(),
            skipped_in_block: 0,
            saw_header: false,
        }
    }

    /// Adds a socket row to the current block.
    pub fn row(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The last row, for continuation lines (`netstat -b` owners).
    pub fn last_row(&mut self) -> Option<&mut Row> {
        self.rows.last_mut()
    }

    /// Rows in the current block.
    pub fn rows_in_block(&self) -> usize {
        self.rows.len()
    }

    /// A new listing starts (a title or header after rows): the current block is complete.
    pub fn new_block(&mut self) {
        if self.rows.is_empty() {
            return;
        }
        let sticky = CaptureInfo {
            has_owner_column: self.info.has_owner_column,
            not_root: self.info.not_root,
            ..CaptureInfo::default()
        };
        let info = std::mem::replace(&mut self.info, sticky);
        let rows = std::mem::take(&mut self.rows);
        self.finished
            .push((rows, info, std::mem::take(&mut self.skipped_in_block)));
    }
}
