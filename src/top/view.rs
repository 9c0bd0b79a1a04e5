//! Drawing: the title line, the table, the footer with state counts, the status line, and the
//! detail and help panes over the table. Everything drawn comes from [`Frame`] and [`Table`];
//! this module decides only where and in which colour.

use ratatui::Frame as Canvas;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::columns::{self, Column};
use super::detail::{self, Tone};
use super::frame::Frame;
use super::keys::{HELP, Mode};
use super::model::{Row, Status, short};
use super::table::{Group, Line, Table};
use crate::model::finding::Severity;
use crate::text::escape::{MESSAGE_MAX_CHARS, for_display};
use crate::text::size::{human, human_rate};

/// The smallest terminal the table is drawn in.
pub const MIN_SIZE: (u16, u16) = (30, 8);

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

fn title_line(frame: &Frame, view: &View, width: u16) -> TextLine<'static> {
    let host = frame
        .snapshot
        .host
        .hostname
        .as_deref()
        .map(|h| for_display(h, 64).into_owned())
        .unwrap_or_default();
    let time = frame
        .snapshot
        .collected_at
        .to_zoned(jiff::tz::TimeZone::system())
        .strftime("%H:%M:%S")
        .to_string();
    let mut spans = vec![
        Span::styled(" sockaudit top ", Style::new().reversed().bold()),
        Span::raw(format!(" {host}  {}  {time}", view.source)),
    ];
    if let Some(ms) = view.refresh_ms {
        spans.push(Span::raw(format!("  refresh {ms:.0} ms")));
    }
    if view.paused {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            " PAUSED ",
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ));
    }
    if view.warnings > 0 {
        spans.push(Span::styled(
            format!("  {} warning(s), shown on exit", view.warnings),
            Style::new().fg(Color::Yellow),
        ));
    }
    if let Some(error) = &view.error {
        spans.push(Span::styled(
            format!(
                "  refresh failed: {}",
                for_display(error, MESSAGE_MAX_CHARS)
            ),
            Style::new().fg(Color::Red),
        ));
    }
    let _ = width;
    TextLine::from(spans)
}

/// The state counts, as `list` prints them when they fit, else shorter; then new, closed
/// and findings when there is room.
fn footer_line(frame: &Frame, width: u16) -> String {
    use crate::model::TcpState as T;
    let s = &frame.snapshot;
    let count = |state| s.sockets.iter().filter(|x| x.state == Some(state)).count();
    let listening = s.sockets.iter().filter(|x| x.is_listener()).count();
    let new = frame
        .rows
        .iter()
        .filter(|r| r.status == Status::New)
        .count();
    let closed = frame
        .rows
        .iter()
        .filter(|r| r.status == Status::Closed)
        .count();
    let findings = frame.findings.len();
    let (est, tw, cw, sr) = (
        count(T::Established),
        count(T::TimeWait),
        count(T::CloseWait),
        count(T::SynRecv),
    );
    let total = s.sockets.len();
    let full = crate::report::list::footer(s);
    let medium = format!(
        "Endpoints: {total}  Estab: {est}  Listen: {listening}  TimeWait: {tw}  CloseWait: {cw}  SynRecv: {sr}"
    );
    let short = format!("End {total} Est {est} Lis {listening} TW {tw} CW {cw} SR {sr}");
    let extras = [
        format!(" | New: {new} | Closed: {closed} | Findings: {findings}"),
        format!("  New: {new}  Closed: {closed}  Findings: {findings}"),
        format!(" New {new} Cls {closed} Fnd {findings}"),
    ];
    let fits = |text: &String| text.chars().count() <= usize::from(width);
    [
        format!("{full}{}", extras[0]),
        full,
        format!("{medium}{}", extras[1]),
        medium,
        format!("{short}{}", extras[2]),
    ]
    .into_iter()
    .find(fits)
    .unwrap_or(short)
}

fn status_line(table: &Table, view: &View) -> TextLine<'static> {
    if view.mode == Mode::Filter {
        return TextLine::from(vec![
            Span::styled("/", Style::new().bold()),
            Span::raw(view.filter_input.clone()),
            Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::raw("   Enter keeps, Esc clears"),
        ]);
    }
    let mut parts: Vec<String> = Vec::new();
    let shown = table.shown_rows();
    if shown != table.rows().len() {
        parts.push(format!("showing {shown} of {}", table.rows().len()));
    }
    if !table.filter_text().is_empty() {
        parts.push(format!("filter /{}", table.filter_text()));
    }
    if table.listeners_only {
        parts.push("listeners".to_string());
    }
    if table.findings_only {
        parts.push("findings".to_string());
    }
    if table.grouped {
        parts.push("by process".to_string());
    }
    let mut spans = Vec::new();
    if !parts.is_empty() {
        spans.push(Span::styled(
            format!("{}  ", parts.join(" · ")),
            Style::new().fg(Color::Cyan),
        ));
    }
    for (key, what) in [
        ("q", "quit"),
        ("/", "filter"),
        ("s", "sort"),
        ("g", "group"),
        ("l", "listen"),
        ("f", "findings"),
        ("Enter", "details"),
        ("p", "pause"),
        ("?", "help"),
    ] {
        spans.push(Span::styled(key, Style::new().bold()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    TextLine::from(spans)
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new().fg(Color::Magenta).bold(),
        Severity::High => Style::new().fg(Color::Red).bold(),
        Severity::Medium => Style::new().fg(Color::Yellow),
        Severity::Low => Style::new().fg(Color::Cyan),
        Severity::Info => Style::new(),
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

/// A rectangle inside `area`, `margin` cells in from each side where there is room.
fn inset(area: Rect, margin: u16) -> Rect {
    let mx = margin.min(area.width.saturating_sub(20) / 2);
    let my = (margin / 2).min(area.height.saturating_sub(6) / 2);
    Rect {
        x: area.x + mx,
        y: area.y + my,
        width: area.width.saturating_sub(2 * mx),
        height: area.height.saturating_sub(2 * my),
    }
}

/// Cells of the detail pane's label column (`Findings  `).
const DETAIL_LABEL: u16 = 10;

/// The pane for a selected line; long values wrap under themselves, not under the labels.
fn draw_detail(canvas: &mut Canvas<'_>, frame: &Frame, table: &Table, view: &View, body: Rect) {
    let area = inset(body, 2);
    let lines: Vec<TextLine> = match table.selected() {
        None => vec![TextLine::from("nothing selected")],
        Some(selected) => {
            // Inside the borders, after the label column.
            let text_width = usize::from(area.width.saturating_sub(2 + DETAIL_LABEL)).max(8);
            detail::lines(frame, table.rows(), selected)
                .into_iter()
                .flat_map(|l| {
                    let style = match l.tone {
                        Tone::Plain => Style::new(),
                        Tone::Heading => Style::new().bold(),
                        Tone::Severity(s) => severity_style(s),
                        Tone::Dim => Style::new().fg(Color::Gray),
                    };
                    let mut label = Some(l.label);
                    textwrap::wrap(&l.text, text_width)
                        .into_iter()
                        .map(|part| {
                            TextLine::from(vec![
                                Span::styled(
                                    format!(
                                        "{:<width$}",
                                        label.take().unwrap_or_default(),
                                        width = usize::from(DETAIL_LABEL)
                                    ),
                                    Style::new().bold(),
                                ),
                                Span::styled(part.into_owned(), style),
                            ])
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        }
    };
    canvas.render_widget(Clear, area);
    canvas.render_widget(
        Paragraph::new(lines)
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .title(" Details (Esc closes, Up/Down scroll) "),
            )
            .scroll((view.detail_scroll, 0)),
        area,
    );
}

fn draw_help(canvas: &mut Canvas<'_>, body: Rect) {
    let area = inset(body, 2);
    let mut lines: Vec<TextLine> = HELP
        .iter()
        .map(|(keys, what)| {
            TextLine::from(vec![
                Span::styled(format!("{keys:<20}"), Style::new().bold()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(TextLine::from(""));
    lines.push(TextLine::from(
        "sockaudit top only reads: it never kills processes or closes connections.",
    ));
    lines.push(TextLine::from(
        "New rows are green and closed rows red for one refresh, as in TCPView.",
    ));
    canvas.render_widget(Clear, area);
    canvas.render_widget(
        Paragraph::new(lines)
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .title(" Keys (Esc closes) "),
            )
            .wrap(Wrap { trim: false }),
        area,
    );
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
