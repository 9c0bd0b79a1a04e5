//! The one colour decision: `--color`, `NO_COLOR`, and whether the stream is a terminal.
//! Reporters and `top` receive its answer as a plain `bool`.

use std::io::IsTerminal;

use clap::ValueEnum;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Whether to emit ANSI colour on stdout.
pub fn stdout(choice: ColorChoice) -> bool {
    decide(choice, std::io::stdout().is_terminal())
}

/// Whether to colour the `warning:` lines on stderr.
pub fn stderr(choice: ColorChoice) -> bool {
    decide(choice, std::io::stderr().is_terminal())
}

fn decide(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal,
    }
}
