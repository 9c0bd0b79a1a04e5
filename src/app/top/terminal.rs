//! `top` on a terminal: the worker that refreshes, the loop that draws and reads keys, the
//! watchdog for a vanished terminal, and the logs held while the screen is ours.

use super::source::Source;
use crate::app::error::{AppError, ExitStatus};
use crate::cli::TopArgs;
use crate::top::keys::{self, Action, Mode};
use crate::top::screen::View;
use crate::top::view;
use crate::top::{Frame, Table};
use ratatui::crossterm::event::{self, Event};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the loop waits for a key before looking at the worker and the signals again.
const TICK: Duration = Duration::from_millis(100);

/// How often the watchdog looks at the terminal, and how long a stop request may go unserved
/// by the loop before the watchdog ends the process itself.
const WATCHDOG_TICK: Duration = Duration::from_millis(250);

const STOP_GRACE: Duration = Duration::from_secs(2);

/// The exit status when the terminal vanished under top: a shell's status for SIGHUP.
const HANGUP_STATUS: i32 = 128 + 1;

/// What the worker and the drawing loop share.
#[derive(Default)]
struct Control {
    stop: AtomicBool,
    paused: AtomicBool,
    /// The loop has ended and the terminal is being restored: the watchdog stands down.
    finished: AtomicBool,
}

/// Holds log lines while it lives, then prints them on stderr.
pub(super) struct HeldLogs;

impl HeldLogs {
    pub(super) fn start() -> HeldLogs {
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

pub(super) fn interactive(
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
