//! The line a repeating command says first (`watch`, `list --interval`): what it reads and how
//! often, so a run with nothing to report is not taken for a hung one.

use std::io::Write as _;
use std::time::Duration;

use crate::collect::Input;
use crate::text::escape::for_terminal;

/// `this machine's sockets`, or the input file's name (escaped: it may hold anything).
pub(super) fn source_text(input: &Input) -> String {
    match input {
        Input::Live(_) => "this machine's sockets".to_string(),
        Input::File(path, _) => for_terminal(&path.display().to_string()).into_owned(),
    }
}

/// `every 5s, 3 times` or `every 500ms until Ctrl-C`.
pub(super) fn every_text(interval: Duration, count: Option<u64>) -> String {
    let every = duration_text(interval);
    match count {
        Some(1) => "once".to_string(),
        Some(n) => format!("every {every}, {n} times"),
        None => format!("every {every} until Ctrl-C"),
    }
}

/// `5s`, `500ms`, `1.5s`, `2m`, `1h`: the shortest exact form, to the millisecond.
pub(super) fn duration_text(duration: Duration) -> String {
    let ms = duration.as_millis();
    match ms {
        0 => format!("{}us", duration.as_micros()),
        _ if ms.is_multiple_of(3_600_000) => format!("{}h", ms / 3_600_000),
        _ if ms.is_multiple_of(60_000) => format!("{}m", ms / 60_000),
        _ if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        _ if ms < 1000 => format!("{ms}ms"),
        _ => {
            let text = format!("{:.3}", duration.as_secs_f64());
            format!("{}s", text.trim_end_matches('0'))
        }
    }
}

/// The start line on stderr, unless `-q`. Not through `tracing`: it is not a warning, and it
/// must show at the default log level.
pub(super) fn to_stderr(quiet: bool, line: &str) {
    if !quiet {
        // A stderr that cannot be written has no one to tell.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_flag_values() {
        assert_eq!(duration_text(Duration::from_secs(5)), "5s");
        assert_eq!(duration_text(Duration::from_millis(500)), "500ms");
        assert_eq!(duration_text(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration_text(Duration::from_secs(120)), "2m");
        assert_eq!(duration_text(Duration::from_secs(3600)), "1h");
        assert_eq!(
            every_text(Duration::from_secs(1), Some(3)),
            "every 1s, 3 times"
        );
        assert_eq!(
            every_text(Duration::from_secs(1), None),
            "every 1s until Ctrl-C"
        );
    }
}
