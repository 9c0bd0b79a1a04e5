//! Keys: what each press does, depending on what is on screen.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What is on screen, for the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The table.
    #[default]
    Table,
    /// Typing a `/` filter.
    Filter,
    /// The detail pane.
    Detail,
    /// The key help.
    Help,
}

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave `top`.
    Quit,
    /// Move the selection (or scroll the pane) by this many lines.
    Move(isize),
    /// Move by this many pages.
    Page(isize),
    /// First line.
    Home,
    /// Last line.
    End,
    /// Sort by the next column shown (`s`, `>`) or the previous (`S`, `<`).
    Sort {
        /// Next rather than previous.
        forward: bool,
    },
    /// Reverse the sort order.
    Reverse,
    /// Start typing a filter.
    StartFilter,
    /// A character typed into the filter.
    FilterChar(char),
    /// Delete the filter's last character.
    FilterBackspace,
    /// Keep the filter and return to the table.
    FilterDone,
    /// Clear the filter and return to the table.
    FilterCancel,
    /// Group by process.
    Group,
    /// Listeners only.
    Listeners,
    /// Rows with findings only.
    Findings,
    /// Open the detail pane of the selection.
    Detail,
    /// Close the pane or help.
    Close,
    /// Stop or resume refreshing.
    Pause,
    /// Show the keys.
    Help,
    /// Nothing.
    None,
}

/// The action of a key press in `mode`.
pub fn action(mode: Mode, key: KeyEvent) -> Action {
    if key.kind == KeyEventKind::Release {
        return Action::None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c' | 'd')) {
        return Action::Quit;
    }
    if mode == Mode::Filter {
        return match key.code {
            KeyCode::Enter => Action::FilterDone,
            KeyCode::Esc => Action::FilterCancel,
            KeyCode::Backspace => Action::FilterBackspace,
            KeyCode::Char(c) if !ctrl && !c.is_control() => Action::FilterChar(c),
            _ => Action::None,
        };
    }
    let common = match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Up | KeyCode::Char('k') => Action::Move(-1),
        KeyCode::Down | KeyCode::Char('j') => Action::Move(1),
        KeyCode::PageUp => Action::Page(-1),
        KeyCode::PageDown | KeyCode::Char(' ') => Action::Page(1),
        KeyCode::Home => Action::Home,
        KeyCode::End => Action::End,
        KeyCode::Char('p') => Action::Pause,
        _ => Action::None,
    };
    if common != Action::None {
        return common;
    }
    match mode {
        Mode::Detail | Mode::Help => match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace | KeyCode::Char('?' | 'h') => {
                Action::Close
            }
            _ => Action::None,
        },
        Mode::Table | Mode::Filter => match key.code {
            KeyCode::Char('s' | '>') => Action::Sort { forward: true },
            KeyCode::Char('S' | '<') => Action::Sort { forward: false },
            KeyCode::Char('r') => Action::Reverse,
            KeyCode::Char('/') => Action::StartFilter,
            KeyCode::Esc => Action::FilterCancel,
            KeyCode::Char('g') => Action::Group,
            KeyCode::Char('l') => Action::Listeners,
            KeyCode::Char('f') => Action::Findings,
            KeyCode::Enter => Action::Detail,
            KeyCode::Char('?' | 'h') => Action::Help,
            _ => Action::None,
        },
    }
}

/// The keys, for the help screen: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("Up/Down j/k", "move"),
    ("PgUp/PgDn Home/End", "move by page, to the ends"),
    ("s / S  (> / <)", "sort by the next / previous column"),
    ("r", "reverse the sort order"),
    (
        "/",
        "filter: process, PID, address, :port, state, finding (Enter keeps, Esc clears)",
    ),
    ("g", "group by process"),
    ("l", "listeners only"),
    ("f", "rows with findings only"),
    (
        "Enter",
        "details: command line, exe, user, parent, findings with evidence",
    ),
    ("p", "pause / resume refreshing"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_depend_on_the_mode() {
        assert_eq!(action(Mode::Table, press(KeyCode::Char('q'))), Action::Quit);
        assert_eq!(
            action(Mode::Filter, press(KeyCode::Char('q'))),
            Action::FilterChar('q')
        );
        assert_eq!(
            action(Mode::Table, press(KeyCode::Char('/'))),
            Action::StartFilter
        );
        assert_eq!(
            action(Mode::Filter, press(KeyCode::Enter)),
            Action::FilterDone
        );
        assert_eq!(action(Mode::Table, press(KeyCode::Enter)), Action::Detail);
        assert_eq!(action(Mode::Detail, press(KeyCode::Enter)), Action::Close);
        assert_eq!(
            action(Mode::Detail, press(KeyCode::Char('g'))),
            Action::None
        );
        assert_eq!(
            action(Mode::Table, press(KeyCode::Char('g'))),
            Action::Group
        );
        assert_eq!(
            action(
                Mode::Filter,
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Action::Quit
        );
        let mut release = press(KeyCode::Char('q'));
        release.kind = KeyEventKind::Release;
        assert_eq!(action(Mode::Table, release), Action::None);
    }
}
