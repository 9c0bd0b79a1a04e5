//! `sockaudit top`: the refresh loop around [`crate::top`], on the terminal or (`--batch`) as
//! plain text.
//!
//! The first refresh happens before the screen is taken, so a bad `--input` or rule file
//! ends with the usual error and exit status 2. Then a worker thread collects and evaluates
//! every `--interval` while this thread draws and reads keys. The terminal is restored on `q`,
//! on an error, on a panic (ratatui's hook) and on SIGTERM/SIGHUP (the loop notices within
//! 100 ms). Log lines are held while the screen is ours and printed once it is restored.
//!
//! When the terminal itself goes away (the SSH session or tmux server died) crossterm's
//! reader spins on the hung-up tty and never returns to the loop (crossterm-rs/crossterm#793),
//! so a watchdog thread notices the lost terminal and ends the process with status 129
//! (128 + SIGHUP, what a shell reports for a hangup) instead of leaving it to burn a core.

use std::io::IsTerminal;
use std::time::Instant;

mod source;
mod terminal;

use super::error::{AppError, ExitStatus};
use super::inputs::print;
use super::pipeline::load_rules;
use crate::cli::TopArgs;
use crate::collect::LiveOptions;
use crate::top::screen::View;
use crate::top::view;
use crate::top::{Frame, Table};
use source::Source;
use terminal::{HeldLogs, interactive};

/// `color`: `--color` and `NO_COLOR` as decided for every command; off, the screen keeps only
/// bold, reverse and dim.
pub(super) fn run(args: &TopArgs, color: bool) -> Result<ExitStatus, AppError> {
    // On the terminal, warnings of the first refresh would be printed and then drawn over:
    // they are held from the start and printed when top ends.
    let _held = (!args.batch && std::io::stdout().is_terminal()).then(HeldLogs::start);
    let rules = load_rules(&args.rules)?;
    let enricher =
        super::pipeline::open_enricher(&rules.enrich, &args.geoip, false, jiff::Timestamp::now())?;
    for note in &enricher.warnings {
        tracing::warn!("{note}");
    }
    let input = super::inputs::input_with(
        args.input.as_deref(),
        args.capture.options(false),
        LiveOptions {
            namespaces: args.namespaces.choice(),
            // Bytes and rates are half of what `top` is for.
            traffic: true,
            ..LiveOptions::default()
        },
    );
    let mut source = Source::new(input, rules, enricher)?;
    let Some(first) = source.next(None)? else {
        return Err(AppError::Usage("the input holds no listing".to_string()));
    };
    let mut table = Table::default();
    if let Some(column) = args.sort {
        table.sort_by(column);
    }
    if let Some(filter) = &args.filter {
        table.set_filter(filter);
    }
    table.listeners_only = args.listening;
    table.findings_only = args.findings;
    table.grouped = args.group;
    table.set_rows(first.rows.clone());
    let view = View {
        source: source.describe(&first.snapshot, args.interval),
        refresh_ms: Some(first.timings.total()),
        monochrome: !color,
        ..View::default()
    };
    if args.batch {
        return batch(args, source, first, table, view);
    }
    if !std::io::stdout().is_terminal() {
        return Err(AppError::Usage(
            "top draws on a terminal and stdout is not one; use --batch for plain text".to_string(),
        ));
    }
    interactive(args, source, first, table, view)
}

/// `--batch`: each refresh rendered at `--size` and printed as plain text.
fn batch(
    args: &TopArgs,
    mut source: Source,
    first: Frame,
    mut table: Table,
    mut view: View,
) -> Result<ExitStatus, AppError> {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let (width, height) = args.size;
    let count = args.count.unwrap_or(1).max(1);
    let mut terminal = Terminal::new(TestBackend::new(width, height))
        .map_err(|e| AppError::Render(e.to_string()))?;
    let mut frame = first;
    for n in 1..=count {
        if n > 1 {
            std::thread::sleep(args.interval);
            match source.next(Some(&frame))? {
                Some(next) => frame = next,
                None => break,
            }
            view.refresh_ms = Some(frame.timings.total());
        }
        // Sorting, filtering and column widths: what a refresh costs the screen beyond the
        // rows themselves (redone here for the first refresh too, to time it).
        let started = Instant::now();
        table.set_rows(frame.rows.clone());
        let tabled = started.elapsed();
        terminal
            .draw(|canvas| view::draw(canvas, &frame, &mut table, &mut view))
            .map_err(|e| AppError::Render(e.to_string()))?;
        let text = view::text(terminal.backend().buffer());
        let t = frame.timings;
        tracing::info!(
            "top: refresh {n}/{count}: {} sockets, collect {:.1} ms, evaluate {:.1} ms, rows {:.1} ms, table {:.1} ms, draw {:.1} ms",
            frame.snapshot.sockets.len(),
            t.collect,
            t.evaluate,
            t.rows,
            tabled.as_secs_f64() * 1e3,
            (started.elapsed() - tabled).as_secs_f64() * 1e3
        );
        if n > 1 {
            print("\n")?;
        }
        print(&text)?;
    }
    Ok(ExitStatus::Clean)
}
