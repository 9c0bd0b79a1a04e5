//! Drawing: the title line, the table, the footer with state counts, the status line, and the
//! detail and help panes over the table. Everything drawn comes from [`Frame`] and [`Table`];
//! this module decides only where and in which colour.

use super::bars::{footer_line, status_line, title_line};
use super::panes::{draw_detail, draw_help};
use super::screen::{View, severity_style};
use ratatui::Frame as Canvas;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::columns::{self, Column};
use super::frame::Frame;
use super::group::{Group, Line};
use super::keys::Mode;
use super::model::{Row, Status, short};
use super::table::Table;
use crate::text::size::{human, human_rate};

/// The smallest terminal the table is drawn in.
pub const MIN_SIZE: (u16, u16) = (30, 8);

/// Draws everything.
pub fn draw(canvas: &mut Canvas<'_>, frame: &Frame, table: &mut Table, view: &mut View) {
    let area = canvas.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = format!(
            "terminal too small ({}x{}, need {}x{}); q quits",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        );
        canvas.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [title, body, footer, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    canvas.render_widget(Paragraph::new(title_line(frame, view, title.width)), title);
    draw_table(canvas, frame, table, view, body);
    canvas.render_widget(
        Paragraph::new(footer_line(frame, footer.width)).style(Style::new().bold()),
        footer,
    );
    canvas.render_widget(Paragraph::new(status_line(table, view)), status);
    match view.mode {
        Mode::Detail => draw_detail(canvas, frame, table, view, body),
        Mode::Help => draw_help(canvas, body),
        Mode::Table | Mode::Filter => {}
    }
    if view.monochrome {
        // One pass over the drawn screen rather than a colour switch in every style.
        for cell in canvas.buffer_mut().content.iter_mut() {
            cell.set_fg(Color::Reset).set_bg(Color::Reset);
        }
    }
}

fn draw_table(
    canvas: &mut Canvas<'_>,
    frame: &Frame,
    table: &mut Table,
    view: &mut View,
    area: Rect,
) {
    let layout = columns::layout(usize::from(area.width), table.natural_widths());
    view.columns = layout.iter().map(|(c, _)| *c).collect();
    let height = usize::from(area.height.saturating_sub(1));
    view.page = height.max(1);
    let mut lines = Vec::with_capacity(height + 1);
    let header: Vec<Span> = layout
        .iter()
        .enumerate()
        .map(|(i, (column, width))| {
            let mut text = column.header().to_string();
            if *column == table.sort {
                text.push(if table.descending { '▼' } else { '▲' });
            }
            let sep = if i + 1 < layout.len() { " " } else { "" };
            Span::raw(format!(
                "{}{sep}",
                pad(&text, *width, column.right_aligned())
            ))
        })
        .collect();
    lines.push(TextLine::from(header).style(Style::new().reversed().bold()));
    let offset = table.scroll(height);
    let selected = table.selected_index();
    for (n, line) in table.lines().iter().enumerate().skip(offset).take(height) {
        let mut text_line = match line {
            Line::Row(i) => row_line(&table.rows()[*i], &layout, table.grouped),
            Line::Group(g) => group_line(g, &layout),
        };
        if n == selected {
            text_line = text_line.patch_style(Style::new().add_modifier(Modifier::REVERSED));
        }
        lines.push(text_line);
    }
    if table.lines().is_empty() {
        let why = if table.rows().is_empty() {
            "no sockets"
        } else {
            "no socket matches (Esc clears the filter; l and f toggle)"
        };
        lines.push(TextLine::from(Span::styled(why, Style::new().italic())));
    }
    let _ = frame;
    canvas.render_widget(Paragraph::new(lines), area);
}

fn row_line(row: &Row, layout: &[(Column, usize)], indent: bool) -> TextLine<'static> {
    // Bold and dim as well as colour, so that monochrome screens still tell them apart.
    let base = match row.status {
        Status::New => Style::new().fg(Color::Green).bold(),
        Status::Closed => Style::new().fg(Color::Red).dim(),
        Status::Normal => Style::new(),
    };
    let spans = layout
        .iter()
        .enumerate()
        .map(|(i, (column, width))| {
            let mut text = column.text(row).into_owned();
            if indent && *column == Column::Process {
                text.insert_str(0, "  ");
            }
            let fitted = column.fit(&text, *width);
            let sep = if i + 1 < layout.len() { " " } else { "" };
            let cell = format!("{}{sep}", pad(&fitted, *width, column.right_aligned()));
            let style = match (column, &row.worst) {
                (Column::Finding, Some((severity, _))) => base.patch(severity_style(*severity)),
                _ => base,
            };
            Span::styled(cell, style)
        })
        .collect::<Vec<_>>();
    TextLine::from(spans)
}

fn group_line(g: &Group, layout: &[(Column, usize)]) -> TextLine<'static> {
    let spans = layout
        .iter()
        .enumerate()
        .map(|(i, (column, width))| {
            let text = match column {
                Column::Process => format!("▾ {}", g.process),
                Column::Pid => g.pid.map(|p| p.to_string()).unwrap_or_default(),
                Column::Local => format!("{} socket(s)", g.rows.len()),
                Column::Sent => g.sent.map(human).unwrap_or_default(),
                Column::Received => g.received.map(human).unwrap_or_default(),
                Column::SentRate => g.sent_rate.map(human_rate).unwrap_or_default(),
                Column::ReceivedRate => g.received_rate.map(human_rate).unwrap_or_default(),
                Column::Finding => g
                    .worst
                    .as_ref()
                    .map(|(s, r)| format!("{} {r}", short(*s)))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let fitted = column.fit(&text, *width);
            let sep = if i + 1 < layout.len() { " " } else { "" };
            let style = match (column, &g.worst) {
                (Column::Finding, Some((s, _))) => severity_style(*s).bold(),
                _ => Style::new().bold(),
            };
            Span::styled(
                format!("{}{sep}", pad(&fitted, *width, column.right_aligned())),
                style,
            )
        })
        .collect::<Vec<_>>();
    TextLine::from(spans).style(Style::new().bg(Color::DarkGray))
}

/// `text` padded with spaces to `width` cells, on the left for numbers.
fn pad(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(columns::width(text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// The screen as plain text, one line per terminal row without trailing spaces (`--batch`,
/// tests).
pub fn text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            skip = columns::width(symbol).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Enrichment;
    use crate::top::model::tests::{findings_of, snapshot_fixture};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn screen(width: u16, height: u16, setup: impl Fn(&mut Table, &mut View)) -> String {
        text(&buffer(width, height, setup))
    }

    fn buffer(
        width: u16,
        height: u16,
        setup: impl Fn(&mut Table, &mut View),
    ) -> ratatui::buffer::Buffer {
        let (before, after) = snapshot_fixture();
        let first = Frame::new(
            before.clone(),
            findings_of(&before),
            Enrichment::default(),
            None,
        );
        let frame = Frame::new(
            after.clone(),
            findings_of(&after),
            Enrichment::default(),
            Some((&first, 2.0)),
        );
        let mut table = Table::default();
        table.set_rows(frame.rows.clone());
        let mut view = View {
            source: "fixtures/top/after.json (snapshot), read-only".to_string(),
            ..View::default()
        };
        setup(&mut table, &mut view);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|c| draw(c, &frame, &mut table, &mut view))
            .unwrap();
        terminal.backend().buffer().clone()
    }

    #[test]
    fn an_80x24_screen_has_every_part() {
        let s = screen(80, 24, |_, _| {});
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 24);
        assert!(
            lines[0].starts_with(" sockaudit top  web1.example.org"),
            "{s}"
        );
        for header in [
            "Process", "PID", "Local", "Remote", "State", "Sent", "Finding",
        ] {
            assert!(lines[1].contains(header), "{header}: {s}");
        }
        assert!(s.contains("curl"), "{s}");
        assert!(s.contains("CRIT"), "{s}");
        // The hostile name is escaped (and cut to its column).
        assert!(s.contains("evil\\x1b"), "{s}");
        assert!(!s.contains('\u{1b}'));
        // Footer: the state counts of `list` (abbreviated to fit 80 columns).
        let footer = lines[22];
        assert_eq!(
            footer, "Endpoints: 11  Estab: 4  Listen: 7  TimeWait: 0  CloseWait: 0  SynRecv: 0",
            "{s}"
        );
        assert!(lines[23].starts_with("q quit"), "{s}");
        assert!(lines.iter().all(|l| l.chars().count() <= 80));
    }

    #[test]
    fn wide_screens_show_the_whole_footer_and_rates() {
        let s = screen(160, 20, |_, _| {});
        assert!(
            s.contains(
                "Endpoints: 11 | Established: 4 | Listening: 7 | Time Wait: 0 | Close Wait: 0 | Syn Recv: 0 | New: 1 | Closed: 1 | Findings:"
            ),
            "{s}"
        );
        assert!(s.contains("Tx/s") && s.contains("10M/s"), "{s}");
    }

    #[test]
    fn narrow_screens_drop_columns_but_keep_the_essentials() {
        let s = screen(50, 12, |_, _| {});
        let header = s.lines().nth(1).unwrap();
        assert!(
            header.contains("Process") && header.contains("Local"),
            "{s}"
        );
        assert!(!header.contains("Tx/s"), "{s}");
        assert!(s.lines().all(|l| l.chars().count() <= 50));
        let tiny = screen(20, 5, |_, _| {});
        assert!(tiny.contains("terminal too small"), "{tiny}");
    }

    #[test]
    fn the_detail_pane_and_the_filter_prompt() {
        let s = screen(80, 24, |table, view| {
            table.set_filter(":31337");
            table.home();
            view.mode = Mode::Detail;
        });
        assert!(s.contains("Details"), "{s}");
        assert!(s.contains("Cmdline"), "{s}");
        assert!(s.contains("/tmp/.x/nc"), "{s}");
        // A finding too long for one line goes on under its own text, not under the labels.
        let inside: Vec<&str> = s
            .lines()
            .filter_map(|l| l.split_once('│').map(|(_, rest)| rest))
            .collect();
        let first = inside
            .iter()
            .position(|l| l.starts_with("CRIT      backdoor-port"))
            .unwrap_or_else(|| panic!("no backdoor-port finding in:\n{s}"));
        let next = inside.get(first + 1).copied().unwrap_or_default();
        assert!(
            next.starts_with("          ") && next.trim_start().starts_with("0.0.0.0:31337"),
            "continuation {next:?} in:\n{s}"
        );
        let s = screen(80, 24, |_, view| {
            view.mode = Mode::Filter;
            view.filter_input = "ngi".to_string();
        });
        assert!(s.lines().nth(23).unwrap().starts_with("/ngi"), "{s}");
    }

    #[test]
    fn monochrome_screens_have_no_colour_but_keep_emphasis() {
        let coloured = |b: &ratatui::buffer::Buffer| {
            b.content
                .iter()
                .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
                .count()
        };
        let bold = |b: &ratatui::buffer::Buffer| {
            b.content
                .iter()
                .filter(|c| c.modifier.contains(Modifier::BOLD))
                .count()
        };
        let colour = buffer(100, 24, |_, _| {});
        assert!(coloured(&colour) > 0);
        let mono = buffer(100, 24, |_, view| view.monochrome = true);
        assert_eq!(coloured(&mono), 0);
        assert_eq!(bold(&mono), bold(&colour));
        assert_eq!(text(&mono), text(&colour));
    }
}
