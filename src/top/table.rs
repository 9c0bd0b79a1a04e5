//! The table's state: sort order, filter, listeners-only and findings-only toggles, grouping by
//! process, and the selected line, kept across refreshes.

use super::filter::Filter;
use super::group::{Line, group};
use super::order::{compare, natural_widths};

use super::columns::Column;
use super::model::Row;

/// What is selected, found again after a refresh.
#[derive(Debug, Clone, PartialEq)]
enum Selected {
    Row(super::key::RowKey),
    Group(Option<u32>, String),
}

/// Sorting, filtering, grouping and the selection over the current rows.
#[derive(Debug, Clone)]
pub struct Table {
    rows: Vec<Row>,
    lines: Vec<Line>,
    /// The sort column.
    pub sort: Column,
    /// Largest (or last) first.
    pub descending: bool,
    filter: Filter,
    filter_text: String,
    /// Only listeners (`l`).
    pub listeners_only: bool,
    /// Only rows with findings (`f`).
    pub findings_only: bool,
    /// Grouped by process (`g`).
    pub grouped: bool,
    selected: usize,
    offset: usize,
    natural: Vec<(Column, usize)>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            lines: Vec::new(),
            sort: Column::Process,
            descending: false,
            filter: Filter::default(),
            filter_text: String::new(),
            listeners_only: false,
            findings_only: false,
            grouped: false,
            selected: 0,
            offset: 0,
            natural: Vec::new(),
        }
    }
}

impl Table {
    /// Replaces the rows with a refresh's, keeping the selection on the same socket or group.
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let keep = self.selection();
        self.rows = rows;
        self.rebuild(keep);
    }

    /// Every row of the refresh (filtered or not).
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The lines shown, in order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// How many rows pass the filters.
    pub fn shown_rows(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| matches!(l, Line::Row(_)))
            .count()
    }

    /// The selected line's index.
    pub fn selected_index(&self) -> usize {
        self.selected
    }

    /// The selected line.
    pub fn selected(&self) -> Option<&Line> {
        self.lines.get(self.selected)
    }

    /// The `/` filter as typed.
    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }

    /// Sets the `/` filter.
    pub fn set_filter(&mut self, text: &str) {
        self.filter_text = text.to_string();
        self.filter = Filter::parse(text);
        let keep = self.selection();
        self.rebuild(keep);
    }

    /// Sorts by `column`; choosing the current column again reverses the order.
    pub fn sort_by(&mut self, column: Column) {
        if self.sort == column {
            self.descending = !self.descending;
        } else {
            self.sort = column;
            self.descending = column.descending_first();
        }
        let keep = self.selection();
        self.rebuild(keep);
    }

    /// Sorts by the next (or previous) of `columns` after the current sort column.
    pub fn cycle_sort(&mut self, columns: &[Column], forward: bool) {
        let Some(first) = columns.first() else { return };
        let at = columns.iter().position(|c| *c == self.sort);
        let next = match (at, forward) {
            (None, _) => *first,
            (Some(i), true) => columns[(i + 1) % columns.len()],
            (Some(i), false) => columns[(i + columns.len() - 1) % columns.len()],
        };
        self.sort_by(next);
    }

    /// Reverses the sort order.
    pub fn reverse(&mut self) {
        self.sort_by(self.sort);
    }

    /// Toggles grouping by process.
    pub fn toggle_grouped(&mut self) {
        self.grouped = !self.grouped;
        let keep = self.selection();
        self.rebuild(keep);
    }

    /// Toggles listeners only.
    pub fn toggle_listeners(&mut self) {
        self.listeners_only = !self.listeners_only;
        let keep = self.selection();
        self.rebuild(keep);
    }

    /// Toggles rows with findings only.
    pub fn toggle_findings(&mut self) {
        self.findings_only = !self.findings_only;
        let keep = self.selection();
        self.rebuild(keep);
    }

    /// Moves the selection by `delta` lines, within bounds.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.lines.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// Selects the first line.
    pub fn home(&mut self) {
        self.selected = 0;
    }

    /// Selects the last line.
    pub fn end(&mut self) {
        self.selected = self.lines.len().saturating_sub(1);
    }

    /// The first line to draw in a window `height` lines high, scrolled so that the selection
    /// is visible.
    pub fn scroll(&mut self, height: usize) -> usize {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.lines.len().saturating_sub(height));
        self.offset
    }

    /// The widest cell (or header) of each column over the rows shown.
    pub fn natural_widths(&self) -> &[(Column, usize)] {
        &self.natural
    }

    fn selection(&self) -> Option<Selected> {
        match self.lines.get(self.selected)? {
            Line::Row(i) => self.rows.get(*i).map(|r| Selected::Row(r.key.clone())),
            Line::Group(g) => Some(Selected::Group(g.pid, g.process.clone())),
        }
    }

    fn passes(&self, row: &Row) -> bool {
        (!self.listeners_only || row.listener)
            && (!self.findings_only || !row.findings.is_empty())
            && self.filter.matches(row)
    }

    fn rebuild(&mut self, keep: Option<Selected>) {
        let mut shown: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.passes(&self.rows[i]))
            .collect();
        let (column, descending) = (self.sort, self.descending);
        let rows = &self.rows;
        // Stable: equal rows keep the snapshot's order.
        shown.sort_by(|&a, &b| {
            let order = compare(column, &rows[a], &rows[b]);
            if descending { order.reverse() } else { order }
        });
        self.natural = natural_widths(&self.rows, &shown);
        self.lines = if self.grouped {
            group(&self.rows, &shown)
        } else {
            shown.into_iter().map(Line::Row).collect()
        };
        let found = keep.and_then(|keep| {
            self.lines.iter().position(|line| match (line, &keep) {
                (Line::Row(i), Selected::Row(key)) => self.rows[*i].key == *key,
                (Line::Group(g), Selected::Group(pid, name)) => g.pid == *pid && g.process == *name,
                _ => false,
            })
        });
        match found {
            Some(i) => self.selected = i,
            None => self.selected = self.selected.min(self.lines.len().saturating_sub(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Enrichment;
    use crate::model::finding::Severity;
    use crate::top::model::rows;
    use crate::top::model::tests::{findings_of, row, snapshot_fixture};

    fn table() -> Table {
        let (before, _) = snapshot_fixture();
        let findings = findings_of(&before);
        let mut t = Table::default();
        t.set_rows(rows(&before, &findings, &Enrichment::default()));
        t
    }

    fn shown(t: &Table) -> Vec<String> {
        t.lines()
            .iter()
            .map(|l| match l {
                Line::Row(i) => format!("{} {}", t.rows()[*i].process, t.rows()[*i].local),
                Line::Group(g) => format!("[{}]", g.process),
            })
            .collect()
    }

    #[test]
    fn sorts_by_any_column_both_ways() {
        let mut t = table();
        // Default: by process name.
        let names: Vec<String> = t
            .lines()
            .iter()
            .map(|l| match l {
                Line::Row(i) => t.rows()[*i].process.to_lowercase(),
                Line::Group(_) => unreachable!(),
            })
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);

        // Sent: largest first, then reversed.
        t.sort_by(Column::Sent);
        let first = match &t.lines()[0] {
            Line::Row(i) => &t.rows()[*i],
            Line::Group(_) => unreachable!(),
        };
        assert_eq!(first.process, "curl");
        t.reverse();
        let last = match t.lines().last().unwrap() {
            Line::Row(i) => &t.rows()[*i],
            Line::Group(_) => unreachable!(),
        };
        assert_eq!(last.process, "curl");

        // Findings: the critical ones first.
        t.sort_by(Column::Finding);
        let Line::Row(i) = &t.lines()[0] else {
            unreachable!()
        };
        assert_eq!(t.rows()[*i].worst.as_ref().unwrap().0, Severity::Critical);

        // Cycling visits every column it is given, in order.
        let cols = [Column::Process, Column::Local, Column::State];
        t.sort_by(Column::Process);
        t.cycle_sort(&cols, true);
        assert_eq!(t.sort, Column::Local);
        t.cycle_sort(&cols, false);
        t.cycle_sort(&cols, false);
        assert_eq!(t.sort, Column::State);
    }

    #[test]
    fn filters_by_process_port_address_and_state() {
        let mut t = table();
        let all = t.shown_rows();
        t.set_filter("nginx");
        assert_eq!(shown(&t), ["nginx 0.0.0.0:80", "nginx 10.0.2.15:80"]);
        t.set_filter(":22");
        assert_eq!(shown(&t), ["sshd 0.0.0.0:22", "sshd 10.0.2.15:22"]);
        t.set_filter("203.0.113");
        assert_eq!(shown(&t), ["curl 10.0.2.15:44210"]);
        t.set_filter("time_wait");
        assert_eq!(shown(&t), ["- 10.0.2.15:80"]);
        t.set_filter("LISTEN 127.0.0.1");
        assert_eq!(shown(&t).len(), 2);
        t.set_filter("no-such-thing");
        assert!(t.lines().is_empty());
        assert_eq!(t.selected(), None);
        t.set_filter("");
        assert_eq!(t.shown_rows(), all);
    }

    #[test]
    fn listeners_and_findings_toggles() {
        let mut t = table();
        t.toggle_listeners();
        assert!(t.lines().iter().all(|l| match l {
            Line::Row(i) => t.rows()[*i].listener,
            Line::Group(_) => false,
        }));
        assert_eq!(t.shown_rows(), 7);
        t.toggle_listeners();
        t.toggle_findings();
        assert!(t.shown_rows() > 0);
        assert!(t.lines().iter().all(|l| match l {
            Line::Row(i) => !t.rows()[*i].findings.is_empty(),
            Line::Group(_) => false,
        }));
    }

    #[test]
    fn groups_by_process_with_sums() {
        let mut t = table();
        t.toggle_grouped();
        let lines = shown(&t);
        let nginx = lines.iter().position(|l| l == "[nginx]").unwrap();
        assert_eq!(lines[nginx + 1], "nginx 0.0.0.0:80");
        assert_eq!(lines[nginx + 2], "nginx 10.0.2.15:80");
        let Line::Group(g) = &t.lines()[nginx] else {
            unreachable!()
        };
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.sent, Some(1_200_500));
        // Every row appears once, under exactly one header.
        assert_eq!(t.shown_rows(), t.rows().len());
    }

    #[test]
    fn the_selection_follows_its_row_across_refreshes_and_sorts() {
        let mut t = table();
        // Filtering down to one row selects it; clearing the filter keeps it selected.
        t.set_filter("curl");
        t.set_filter("");
        let Some(Line::Row(i)) = t.selected() else {
            panic!("a row is selected")
        };
        assert_eq!(t.rows()[*i].process, "curl");
        assert_ne!(t.selected_index(), 0);
        t.sort_by(Column::Local);
        let Some(Line::Row(i)) = t.selected() else {
            panic!("a row is selected")
        };
        assert_eq!(t.rows()[*i].process, "curl");
        let rows = t.rows().to_vec();
        t.set_rows(rows);
        let Some(Line::Row(i)) = t.selected() else {
            panic!("a row is selected")
        };
        assert_eq!(t.rows()[*i].process, "curl");

        // Moving stays in bounds; scrolling keeps the selection in the window.
        t.end();
        assert_eq!(t.selected_index(), t.lines().len() - 1);
        t.move_by(5);
        assert_eq!(t.selected_index(), t.lines().len() - 1);
        let offset = t.scroll(3);
        assert_eq!(offset, t.lines().len() - 3);
        t.home();
        assert_eq!(t.scroll(3), 0);
    }

    #[test]
    fn filter_terms() {
        let r = row("nginx", 443, Some(("203.0.113.9", 51000)));
        assert!(Filter::parse("NGINX").matches(&r));
        assert!(Filter::parse("port:443").matches(&r));
        assert!(Filter::parse(":51000").matches(&r));
        assert!(!Filter::parse(":44").matches(&r));
        assert!(Filter::parse("established 203.0.113").matches(&r));
        assert!(!Filter::parse("established sshd").matches(&r));
    }
}
