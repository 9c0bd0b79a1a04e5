//! The panes drawn over the table: the detail pane (`Enter`) and the key help (`?`).

use super::detail::{self, Tone};
use super::frame::Frame;
use super::keys::HELP;
use super::screen::{View, inset, severity_style};
use super::table::Table;
use ratatui::Frame as Canvas;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Cells of the detail pane's label column (`Findings  `).
const DETAIL_LABEL: u16 = 10;

/// The pane for a selected line; long values wrap under themselves, not under the labels.
pub(super) fn draw_detail(
    canvas: &mut Canvas<'_>,
    frame: &Frame,
    table: &Table,
    view: &View,
    body: Rect,
) {
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

pub(super) fn draw_help(canvas: &mut Canvas<'_>, body: Rect) {
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
