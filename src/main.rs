#![forbid(unsafe_code)]
//! The `sockaudit` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = sockaudit::cli::parse();
    let stderr_color = sockaudit::cli::color::stderr(cli.global.color);
    sockaudit::cli::logging::init(cli.global.verbose, cli.global.quiet, stderr_color);
    match sockaudit::app::run(cli).map_err(anyhow::Error::from) {
        Ok(status) => ExitCode::from(status as u8),
        Err(err) => {
            // Rule diagnostics come first, each with file:line:column and a caret.
            if let Some(sockaudit::app::AppError::Rules(rules)) =
                err.downcast_ref::<sockaudit::app::AppError>()
            {
                eprint!("{}", rules.rendered);
            }
            eprintln!("error: {}", describe(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once: most messages already quote their cause
/// (`PATH: cannot read: {source}`), and `{:#}` would repeat it after them.
fn describe(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
