//! `sockaudit rules list | explain | check`.

use std::path::PathBuf;

use clap::Subcommand;

use super::scan::RuleArgs;

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every loaded rule: id, kind, severity, state, origin.
    List(RuleArgs),
    /// A rule's documentation and settings (or a kind's: listen, flood, remote, process).
    Explain {
        /// Rule id or kind name.
        id: String,
        /// Rule sources.
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Validate rule files without scanning; exit 0, or 2 with every problem.
    Check {
        /// Files or directories to check (with the built-in pack's lists available).
        #[arg(required_unless_present = "sigma", value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Check the files alone: without the built-in pack, its lists (@temp-dirs...) are not
        /// available and duplicates of its ids are not looked for.
        #[arg(long)]
        no_default_rules: bool,
        /// Sigma rule files or directories to check too (repeatable).
        #[arg(long = "sigma", value_name = "PATH")]
        sigma: Vec<PathBuf>,
    },
}
