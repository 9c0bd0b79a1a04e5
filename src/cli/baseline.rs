//! `sockaudit baseline create | check | update`.

use std::path::PathBuf;

use clap::Subcommand;

use super::scan::{FailOn, ScanFormat};

/// `baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a reviewable TOML record of this host's listeners and socket-owning programs.
    Create {
        /// Write here (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Record a saved snapshot instead of this machine.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Compare this machine with a baseline: `+` new, `-` missing, `~` changed; exit 1 on drift.
    Check {
        /// The baseline file.
        file: PathBuf,
        /// Check a saved snapshot instead of this machine.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
        /// Exit 1 when drift at or above this severity exists.
        #[arg(long, value_enum, default_value_t = FailOn::Info, value_name = "LEVEL")]
        fail_on: FailOn,
    },
    /// Rewrite a baseline to the current state, keeping comments and hand edits on entries that
    /// still exist.
    Update {
        /// The baseline file (rewritten atomically).
        file: PathBuf,
        /// Take the current state from a saved snapshot.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
    },
}
