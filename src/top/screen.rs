//! What is on the screen besides the table (mode, detail, help, warnings), and the drawing helpers every part of the screen shares.

use super::columns::Column;
use super::keys::Mode;
use crate::model::finding::Severity;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};

/// What the screen shows besides the data: mode, filter being typed, pane scroll, and the
/// title's facts.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Table, filter prompt, detail pane or help.
    pub mode: Mode,
    /// The filter as it is being typed.
    pub filter_input: String,
    /// Lines the detail pane is scrolled by.
    pub detail_scroll: u16,
    /// Refreshing is paused (`p`).
    pub paused: bool,
    /// `live, every 1s` or `fixtures/x.json (snapshot), read-only`.
    pub source: String,
    /// Milliseconds the last refresh took.
    pub refresh_ms: Option<f64>,
    /// Warnings held until exit.
    pub warnings: usize,
    /// Why the last refresh failed, if it did (the previous data stays).
    pub error: Option<String>,
    /// The columns drawn last (what `s` cycles through).
    pub columns: Vec<Column>,
    /// Table lines that fit the screen (what a page is).
    pub page: usize,
    /// No colours (`--color never`, `NO_COLOR`): only bold, reverse and dim tell things apart.
    pub monochrome: bool,
}

pub(super) fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new().fg(Color::Magenta).bold(),
        Severity::High => Style::new().fg(Color::Red).bold(),
        Severity::Medium => Style::new().fg(Color::Yellow),
        Severity::Low => Style::new().fg(Color::Cyan),
        Severity::Info => Style::new(),
    }
}

/// A rectangle inside `area`, `margin` cells in from each side where there is room.
pub(super) fn inset(area: Rect, margin: u16) -> Rect {
    let mx = margin.min(area.width.saturating_sub(20) / 2);
    let my = (margin / 2).min(area.height.saturating_sub(6) / 2);
    Rect {
        x: area.x + mx,
        y: area.y + my,
        width: area.width.saturating_sub(2 * mx),
        height: area.height.saturating_sub(2 * my),
    }
}
