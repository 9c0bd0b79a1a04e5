//! Where a snapshot's `collected_at` comes from: a time is only as good as its source, and a
//! capture's file time (reset by a copy or a `git clone`) is not when the table was taken.

use serde::{Deserialize, Serialize};

/// The source of `collected_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeSource {
    /// This machine's clock when the sockets were read (a live collection).
    Clock,
    /// The capture file's modification time: the capture records no time of its own, so this
    /// is when the file was last written (or copied), not necessarily when it was taken.
    FileModified,
    /// When this sockaudit read the capture: the capture records no time and its file has no
    /// modification time (a pipe).
    Imported,
    /// Not recorded: a snapshot written before sockaudit recorded it, whose source does not
    /// tell either. Readers infer it from `source` where they can ([`TimeSource::infer`]).
    #[default]
    Unrecorded,
}

impl TimeSource {
    /// Whether it is [`TimeSource::Unrecorded`] (then left out of JSON, as it was written).
    pub fn is_unrecorded(&self) -> bool {
        *self == TimeSource::Unrecorded
    }

    /// For a snapshot that does not record it: a live collection read the clock, an import
    /// before this field existed took the file's modification time.
    pub fn infer(source: &str) -> TimeSource {
        if source == "live" {
            TimeSource::Clock
        } else if source.starts_with("file:") {
            TimeSource::FileModified
        } else {
            TimeSource::Unrecorded
        }
    }

    /// How a report introduces the time: `collected 2026-11-24 09:00:00 UTC`.
    pub fn label(self) -> &'static str {
        match self {
            TimeSource::Clock => "collected",
            TimeSource::FileModified => "capture file modified",
            TimeSource::Imported => "imported",
            TimeSource::Unrecorded => "collected (time source unrecorded)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TimeSource;

    #[test]
    fn older_snapshots_get_the_source_their_label_implies() {
        assert_eq!(TimeSource::infer("live"), TimeSource::Clock);
        assert_eq!(
            TimeSource::infer("file:netstat.txt (netstat-linux)"),
            TimeSource::FileModified
        );
        assert_eq!(TimeSource::infer("elsewhere"), TimeSource::Unrecorded);
    }
}
