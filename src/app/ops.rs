//! `sockaudit completions SHELL` and `sockaudit man`: shell completion scripts and man pages.
//!
//! Both are generated from the clap definition in `cli.rs` at run time rather than written by
//! hand, so they cannot drift from the real flags; the Debian package runs these two commands
//! at build time and ships what they print (`scripts/build-deb`).

use std::path::Path;

use clap::CommandFactory;

use super::error::{AppError, ExitStatus};
use crate::cli::{Cli, CompletionShell, CompletionsArgs, ManArgs};
use crate::files::atomic::{NewFileMode, WriteError, write_atomic};

/// `sockaudit completions SHELL`: the script on stdout.
pub(super) fn completions(args: &CompletionsArgs) -> Result<ExitStatus, AppError> {
    let shell = match args.shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
        CompletionShell::PowerShell => clap_complete::Shell::PowerShell,
    };
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    crate::report::write_stdout(&script).map_err(AppError::Stdout)?;
    Ok(ExitStatus::Clean)
}

/// `sockaudit man [COMMAND...] [--dir DIR]`.
pub(super) fn man(args: &ManArgs) -> Result<ExitStatus, AppError> {
    let root = page_tree();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).map_err(|source| WriteError {
            path: dir.clone(),
            source,
        })?;
        let written = write_pages(&root, dir)?;
        tracing::info!("{written} man page(s) written to {}", dir.display());
        return Ok(ExitStatus::Clean);
    }
    let mut page = &root;
    for name in &args.command {
        page = page
            .get_subcommands()
            .find(|c| c.get_name() == name && !c.is_hide_set())
            .ok_or_else(|| {
                let names: Vec<&str> = page
                    .get_subcommands()
                    .filter(|c| !c.is_hide_set())
                    .map(clap::Command::get_name)
                    .collect();
                AppError::Usage(if names.is_empty() {
                    format!(
                        "`{}` has no subcommands, so no page for `{name}`",
                        page.get_name()
                    )
                } else {
                    format!(
                        "no man page for `{name}`; pages exist for: {}",
                        names.join(", ")
                    )
                })
            })?;
    }
    crate::report::write_stdout(&render(page)?).map_err(AppError::Stdout)?;
    Ok(ExitStatus::Clean)
}

/// The command tree the pages are made from.
///
/// Built once from the root, because building is what gives a subcommand its display name
/// (`sockaudit-scan`): the page's title and file name, and the name the parent page's
/// SUBCOMMANDS section refers to (`sockaudit-scan(1)`). A page for `help` would only repeat
/// this one, so it has none.
fn page_tree() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The roff source of one page.
fn render(cmd: &clap::Command) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    // The footer names the package and version on every page (clap_mangen would put the
    // subcommand's own name there: "scan 0.1.0").
    clap_mangen::Man::new(cmd.clone())
        .source(format!("sockaudit {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands")
        .render(&mut out)
        .map_err(|e| AppError::Render(format!("man page of `{}`: {e}", cmd.get_name())))?;
    Ok(examples_unfilled(&String::from_utf8_lossy(&out)).into_bytes())
}

/// clap_mangen puts the `after_help` text (our examples and exit status) under `.SH EXTRA` as
/// filled text, which runs the example lines and their comments together. This names the
/// section after what it holds and sets it no-fill (`.nf`), so the columns stay as in `--help`.
fn examples_unfilled(roff: &str) -> String {
    const HEADING: &str = ".SH EXTRA\n";
    let Some(start) = roff.find(HEADING) else {
        return roff.to_string();
    };
    let body_start = start + HEADING.len();
    let body_end = roff[body_start..]
        .find("\n.SH ")
        .map_or(roff.len(), |i| body_start + i + 1);
    let body = &roff[body_start..body_end];
    let (title, body) = match body.strip_prefix("Examples:\n") {
        Some(rest) => ("EXAMPLES", rest),
        None => ("NOTES", body),
    };
    format!(
        "{}.SH {title}\n.nf\n{body}.fi\n{}",
        &roff[..start],
        &roff[body_end..]
    )
}

/// Writes the page of `cmd` and of every visible subcommand below it; returns how many.
fn write_pages(cmd: &clap::Command, dir: &Path) -> Result<usize, AppError> {
    let mut written = 0;
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        written += write_pages(sub, dir)?;
    }
    let file = clap_mangen::Man::new(cmd.clone()).get_filename();
    write_atomic(&dir.join(file), &render(cmd)?, NewFileMode::Public)?;
    Ok(written + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_becomes_an_unfilled_section() {
        let roff = ".TH x 1\n.SH EXTRA\nExamples:\n  x a    does a\n.SH VERSION\nv1\n";
        assert_eq!(
            examples_unfilled(roff),
            ".TH x 1\n.SH EXAMPLES\n.nf\n  x a    does a\n.fi\n.SH VERSION\nv1\n"
        );
        // Last section, and text that is not examples.
        assert_eq!(
            examples_unfilled(".TH x 1\n.SH EXTRA\nInstall:\n  y\n"),
            ".TH x 1\n.SH NOTES\n.nf\nInstall:\n  y\n.fi\n"
        );
        assert_eq!(examples_unfilled(".TH x 1\n"), ".TH x 1\n");
    }

    /// Every `NAME(1)` the SUBCOMMANDS sections refer to is a page that `--dir` writes: a
    /// reference to a page nobody ships is what this guards against.
    #[test]
    fn every_referenced_page_exists() {
        fn walk(cmd: &clap::Command, names: &mut Vec<String>) {
            for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
                walk(sub, names);
            }
            names.push(clap_mangen::Man::new(cmd.clone()).get_filename());
        }
        let root = page_tree();
        let mut files = Vec::new();
        walk(&root, &mut files);
        assert!(files.contains(&"sockaudit.1".to_string()), "{files:?}");
        assert!(
            files.contains(&"sockaudit-rules-check.1".to_string()),
            "{files:?}"
        );
        assert!(!files.iter().any(|f| f.contains("help")), "{files:?}");
        let mut seen = 0;
        let mut stack = vec![&root];
        while let Some(cmd) = stack.pop() {
            stack.extend(cmd.get_subcommands());
            let Ok(roff) = render(cmd) else {
                panic!("page of {} renders", cmd.get_name());
            };
            let roff = String::from_utf8_lossy(&roff);
            // roff escapes the hyphens: `sockaudit\-scan(1)`.
            let roff = roff.replace("\\-", "-");
            for reference in roff.split_whitespace().filter(|w| w.ends_with("(1)")) {
                let file = format!("{}.1", reference.trim_end_matches("(1)"));
                assert!(
                    files.contains(&file),
                    "{reference} has no page in {files:?}"
                );
                seen += 1;
            }
        }
        assert!(
            seen >= 8,
            "only {seen} references found: the check looks at nothing"
        );
    }
}
