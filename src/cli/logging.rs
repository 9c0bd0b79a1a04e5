//! Logs and warnings on stderr through `tracing`: `warning: ...` lines a person can read.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// `error: ...`, `warning: ...`, `info: ...`: the cargo/rustc style, no timestamps.
struct PlainFormat;

impl<S, N> FormatEvent<S, N> for PlainFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let label = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        write!(writer, "{label}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Lines logged while a full-screen view owns the terminal (`top`): writing them to stderr
/// would scribble over the screen, so they wait here (the view shows the latest) and go to
/// stderr once the terminal is restored. `None` when not holding.
static HELD: std::sync::Mutex<Option<Vec<String>>> = std::sync::Mutex::new(None);

/// Held lines kept at most; later ones only count (a refresh loop must not grow memory).
const HELD_MAX: usize = 200;

/// From now on, log lines are held instead of written (see [`release`]).
pub fn hold() {
    if let Ok(mut held) = HELD.lock() {
        held.get_or_insert_with(Vec::new);
    }
}

/// How many distinct lines are held.
pub fn held_count() -> usize {
    HELD.lock()
        .ok()
        .and_then(|held| held.as_ref().map(Vec::len))
        .unwrap_or(0)
}

/// Stops holding and returns the held lines, each once, in the order first logged.
pub fn release() -> Vec<String> {
    let lines = HELD.lock().ok().and_then(|mut held| held.take());
    let mut seen = std::collections::HashSet::new();
    lines
        .unwrap_or_default()
        .into_iter()
        .filter(|line| seen.insert(line.clone()))
        .collect()
}

/// Where log lines go: stderr, or the held lines while a view owns the terminal.
struct Stderr;

impl std::io::Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut held) = HELD.lock()
            && let Some(lines) = held.as_mut()
        {
            let text = String::from_utf8_lossy(buf);
            for line in text.lines().filter(|l| !l.is_empty()) {
                // The same warning every refresh is kept once.
                if lines.len() < HELD_MAX && !lines.iter().any(|l| l == line) {
                    lines.push(line.to_string());
                }
            }
            return Ok(buf.len());
        }
        std::io::stderr().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Installs the stderr subscriber. `RUST_LOG` wins over `-v`/`-q`.
pub fn init(verbose: u8, quiet: bool, color: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Stderr)
        .with_ansi(color)
        .event_format(PlainFormat)
        .try_init();
}
