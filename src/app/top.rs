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

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event};

use super::error::{AppError, ExitStatus};
use super::inputs::print;
use super::pipeline::load_rules;
use crate::cli::TopArgs;
use crate::collect::{Input, LiveOptions};
use crate::enrich::Enricher;
use crate::model::Snapshot;
use crate::rules::RuleSet;
use crate::rules::engine::Evaluation;
use crate::top::frame::Timings;
use crate::top::keys::{self, Action, Mode};
use crate::top::screen::View;
use crate::top::view;
use crate::top::{Frame, Table};

/// How long the loop waits for a key before looking at the worker and the signals again.
const TICK: Duration = Duration::from_millis(100);

/// How often the watchdog looks at the terminal, and how long a stop request may go unserved
/// by the loop before the watchdog ends the process itself.
const WATCHDOG_TICK: Duration = Duration::from_millis(250);
const STOP_GRACE: Duration = Duration::from_secs(2);

/// The exit status when the terminal vanished under top: a shell's status for SIGHUP.
const HANGUP_STATUS: i32 = 128 + 1;

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

/// Where frames come from: the live system every refresh, or the listings of a file.
struct Source {
    input: Input,
    rules: RuleSet,
    enricher: Enricher,
    /// A file's listings not shown yet (`None` for the live system).
    blocks: Option<VecDeque<Snapshot>>,
    first: bool,
}

impl Source {
    fn new(input: Input, rules: RuleSet, enricher: Enricher) -> Result<Source, AppError> {
        let blocks = match &input {
            Input::Live(_) => None,
            Input::File(..) => {
                let mut blocks = VecDeque::new();
                super::inputs::collect_each(&input, &mut |snapshot| {
                    blocks.push_back(snapshot);
                    Ok(())
                })?;
                Some(blocks)
            }
        };
        Ok(Source {
            input,
            rules,
            enricher,
            blocks,
            first: true,
        })
    }

    fn live(&self) -> bool {
        self.blocks.is_none()
    }

    /// What the title says about the source.
    fn describe(&self, snapshot: &Snapshot, interval: Duration) -> String {
        if self.live() {
            let every = if interval.subsec_millis() == 0 {
                format!("{}s", interval.as_secs())
            } else {
                format!("{}ms", interval.as_millis())
            };
            format!("live, every {every}")
        } else {
            let label = crate::collect::label(&self.input, snapshot);
            format!(
                "{}, read-only",
                crate::text::escape::for_display(&label, crate::text::escape::FIELD_MAX_CHARS)
            )
        }
    }

    /// The next frame, compared with `previous`; `None` when a file has no more listings.
    fn next(&mut self, previous: Option<&Frame>) -> Result<Option<Frame>, AppError> {
        let started = Instant::now();
        let snapshot = match self.blocks.as_mut() {
            Some(blocks) => match blocks.pop_front() {
                Some(s) => s,
                None => return Ok(None),
            },
            None => super::inputs::collect(&self.input)?,
        };
        let collected = started.elapsed();
        let enrichment = self.enricher.enrich(&snapshot);
        let today = jiff::Zoned::now().date();
        let eval = crate::rules::engine::evaluate(&self.rules, &snapshot, &enrichment, today);
        if self.first {
            self.first = false;
            note_once(&eval);
        }
        let evaluated = started.elapsed();
        let seconds = previous.map(|p| {
            let d = snapshot
                .collected_at
                .duration_since(p.snapshot.collected_at);
            d.as_secs_f64()
        });
        let mut frame = Frame::new(snapshot, eval.findings, enrichment, previous.zip(seconds));
        frame.timings = Timings {
            collect: collected.as_secs_f64() * 1e3,
            evaluate: (evaluated - collected).as_secs_f64() * 1e3,
            rows: (started.elapsed() - evaluated).as_secs_f64() * 1e3,
        };
        Ok(Some(frame))
    }
}

/// The rule warnings a scan would print, once (not every refresh).
fn note_once(eval: &Evaluation) {
    for w in &eval.warnings {
        tracing::warn!("{}", w.message);
    }
    for inactive in eval
        .inactive
        .iter()
        .filter(|i| !i.origin.starts_with("builtin:"))
    {
        tracing::warn!("rule {} is inactive: {}", inactive.rule, inactive.reason);
    }
}

impl Timings {
    /// Collection, evaluation and rows, in milliseconds.
    fn total(&self) -> f64 {
        self.collect + self.evaluate + self.rows
    }
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

/// What the worker and the drawing loop share.
#[derive(Default)]
struct Control {
    stop: AtomicBool,
    paused: AtomicBool,
    /// The loop has ended and the terminal is being restored: the watchdog stands down.
    finished: AtomicBool,
}

/// Holds log lines while it lives, then prints them on stderr.
struct HeldLogs;

impl HeldLogs {
    fn start() -> HeldLogs {
        crate::cli::logging::hold();
        HeldLogs
    }
}

impl Drop for HeldLogs {
    fn drop(&mut self) {
        print_held_logs();
    }
}

/// Prints the held log lines; a dead stderr loses them rather than panicking (`eprintln!`
/// would).
fn print_held_logs() {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    for line in crate::cli::logging::release() {
        if writeln!(stderr, "{line}").is_err() {
            break;
        }
    }
}

/// Ends the process when the loop cannot: the terminal has gone (stdout or stdin no longer a
/// terminal: a hung-up tty answers `isatty` with EIO), or a stop request (a signal) has gone
/// unserved for [`STOP_GRACE`] (the loop is stuck in crossterm's reader).
fn watchdog(control: &Control) {
    // Only what was a terminal at the start can go away: with stdin redirected
    // (`top < /dev/null`) crossterm reads keys from /dev/tty and stdin never was one.
    let stdin_was_terminal = std::io::stdin().is_terminal();
    let mut stop_seen: Option<Instant> = None;
    loop {
        std::thread::sleep(WATCHDOG_TICK);
        if control.finished.load(Ordering::SeqCst) {
            return;
        }
        let terminal_gone = !std::io::stdout().is_terminal()
            || (stdin_was_terminal && !std::io::stdin().is_terminal());
        if control.stop.load(Ordering::SeqCst) {
            stop_seen.get_or_insert_with(Instant::now);
        }
        let stuck = stop_seen.is_some_and(|t| t.elapsed() >= STOP_GRACE);
        if !(terminal_gone || stuck) {
            continue;
        }
        control.stop.store(true, Ordering::SeqCst);
        tracing::warn!(
            "top: {}; exiting",
            if terminal_gone {
                "the terminal went away"
            } else {
                "the screen loop did not answer a stop request"
            }
        );
        if !terminal_gone {
            // Best effort: the terminal is there, the loop that would restore it is not.
            let _ = ratatui::try_restore();
        }
        print_held_logs();
        std::process::exit(HANGUP_STATUS);
    }
}

/// Restores the terminal however the loop ends (an error, a panic unwinding through here),
/// and stands the watchdog down first.
struct Restore(Arc<Control>);

impl Drop for Restore {
    fn drop(&mut self) {
        self.0.finished.store(true, Ordering::SeqCst);
        ratatui::restore();
    }
}

fn interactive(
    args: &TopArgs,
    source: Source,
    first: Frame,
    mut table: Table,
    mut view: View,
) -> Result<ExitStatus, AppError> {
    let control = Arc::new(Control::default());
    // SIGTERM, SIGHUP (the SSH session went away) and SIGINT end the loop; the terminal is
    // restored on the way out. In raw mode Ctrl-C arrives as a key instead.
    let on_signal = Arc::clone(&control);
    if let Err(err) = ctrlc::set_handler(move || on_signal.stop.store(true, Ordering::SeqCst)) {
        tracing::debug!("no signal handler: {err}");
    }
    let mut frame = Arc::new(first);
    let (sender, frames) = mpsc::sync_channel::<Result<Arc<Frame>, String>>(1);
    if source.live() || source.blocks.as_ref().is_some_and(|b| !b.is_empty()) {
        let worker_control = Arc::clone(&control);
        let worker_first = Arc::clone(&frame);
        let interval = args.interval;
        std::thread::spawn(move || {
            worker(source, worker_first, interval, &worker_control, &sender)
        });
    }

    let mut terminal = ratatui::try_init().map_err(AppError::Stdout)?;
    let _restore = Restore(Arc::clone(&control));
    let watchdog_control = Arc::clone(&control);
    std::thread::spawn(move || watchdog(&watchdog_control));
    let mut dirty = true;
    loop {
        if control.stop.load(Ordering::SeqCst) {
            break;
        }
        if dirty {
            view.warnings = crate::cli::logging::held_count();
            terminal
                .draw(|canvas| view::draw(canvas, &frame, &mut table, &mut view))
                .map_err(AppError::Stdout)?;
            dirty = false;
        }
        if event::poll(TICK).map_err(AppError::Stdout)? {
            match event::read().map_err(AppError::Stdout)? {
                Event::Key(key) => {
                    let action = keys::action(view.mode, key);
                    if action == Action::Quit {
                        break;
                    }
                    apply(action, &mut table, &mut view, &control);
                    dirty = true;
                }
                Event::Resize(..) => dirty = true,
                _ => {}
            }
        }
        match frames.try_recv() {
            Ok(Ok(next)) => {
                view.refresh_ms = Some(next.timings.total());
                view.error = None;
                table.set_rows(next.rows.clone());
                frame = next;
                dirty = true;
            }
            Ok(Err(error)) => {
                view.error = Some(error);
                dirty = true;
            }
            Err(_) => {}
        }
    }
    control.stop.store(true, Ordering::SeqCst);
    terminal.show_cursor().map_err(AppError::Stdout)?;
    Ok(ExitStatus::Clean)
}

/// Collects every `interval` (while not paused) and sends each frame; a failed refresh is
/// reported and retried at the next interval.
fn worker(
    mut source: Source,
    first: Arc<Frame>,
    interval: Duration,
    control: &Control,
    sender: &mpsc::SyncSender<Result<Arc<Frame>, String>>,
) {
    let mut previous = first;
    loop {
        let deadline = Instant::now() + interval;
        while Instant::now() < deadline {
            if control.stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20).min(interval));
        }
        if control.paused.load(Ordering::SeqCst) {
            continue;
        }
        match source.next(Some(&previous)) {
            Ok(Some(frame)) => {
                // Shared with the screen, not copied: the worker keeps it to diff the next.
                let frame = Arc::new(frame);
                if sender.send(Ok(Arc::clone(&frame))).is_err() {
                    return;
                }
                previous = frame;
            }
            Ok(None) => return,
            Err(err) => {
                if sender.send(Err(err.to_string())).is_err() {
                    return;
                }
            }
        }
    }
}

/// Carries out a key's action on the table and the view.
fn apply(action: Action, table: &mut Table, view: &mut View, control: &Control) {
    let page = isize::try_from(view.page).unwrap_or(1).max(1);
    if view.mode == Mode::Detail {
        match action {
            Action::Move(d) => {
                view.detail_scroll = scroll(view.detail_scroll, d);
            }
            Action::Page(d) => view.detail_scroll = scroll(view.detail_scroll, d * page),
            Action::Home => view.detail_scroll = 0,
            Action::Close => view.mode = Mode::Table,
            Action::Pause => toggle_pause(view, control),
            _ => {}
        }
        return;
    }
    match action {
        Action::Move(d) => table.move_by(d),
        Action::Page(d) => table.move_by(d * page),
        Action::Home => table.home(),
        Action::End => table.end(),
        Action::Sort { forward } => table.cycle_sort(&view.columns, forward),
        Action::Reverse => table.reverse(),
        Action::StartFilter => {
            view.filter_input = table.filter_text().to_string();
            view.mode = Mode::Filter;
        }
        Action::FilterChar(c) => {
            view.filter_input.push(c);
            table.set_filter(&view.filter_input);
        }
        Action::FilterBackspace => {
            view.filter_input.pop();
            table.set_filter(&view.filter_input);
        }
        Action::FilterDone => view.mode = Mode::Table,
        Action::FilterCancel => {
            view.filter_input.clear();
            table.set_filter("");
            view.mode = Mode::Table;
        }
        Action::Group => table.toggle_grouped(),
        Action::Listeners => table.toggle_listeners(),
        Action::Findings => table.toggle_findings(),
        Action::Detail => {
            if table.selected().is_some() {
                view.detail_scroll = 0;
                view.mode = Mode::Detail;
            }
        }
        Action::Help => view.mode = Mode::Help,
        Action::Close => view.mode = Mode::Table,
        Action::Pause => toggle_pause(view, control),
        Action::Quit | Action::None => {}
    }
}

fn scroll(at: u16, by: isize) -> u16 {
    let moved = isize::try_from(at)
        .unwrap_or(0)
        .saturating_add(by)
        .clamp(0, 10_000);
    u16::try_from(moved).unwrap_or(0)
}

fn toggle_pause(view: &mut View, control: &Control) {
    view.paused = !view.paused;
    control.paused.store(view.paused, Ordering::SeqCst);
}
