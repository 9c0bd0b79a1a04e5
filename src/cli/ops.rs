//! `sockaudit completions` and `sockaudit man`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// GNU bash (bash-completion).
    Bash,
    /// Z shell (compsys).
    Zsh,
    /// fish.
    Fish,
    /// PowerShell (Windows PowerShell 5.1 and PowerShell 7, `Register-ArgumentCompleter`).
    #[value(name = "powershell", alias = "pwsh")]
    PowerShell,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print this command's page instead of the main one (`scan`, `rules check`...).
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Vec<String>,
    /// Write every page (sockaudit.1, sockaudit-scan.1...) into DIR instead of printing one.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
