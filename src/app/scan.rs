//! `sockaudit scan`: load rules (all valid, or nothing runs), collect, evaluate, report.

use super::{AppError, ExitStatus, collect, input_for, load_rules, print};
use crate::atomic::{NewFileMode, write_atomic};
use crate::cli::{ScanArgs, ScanFormat};
use crate::collect::LiveOptions;
use crate::report::scan::{Summary, render_json, render_text};
use crate::report::style::Palette;

pub(super) fn run(args: &ScanArgs, color: bool) -> Result<ExitStatus, AppError> {
    // Rules first: a bad rule file must stop us before any scanning.
    let rules = load_rules(&args.rules)?;
    let input = input_for(args.input.as_deref(), LiveOptions::default());
    let snapshot = collect(&input)?;
    let today = jiff::Zoned::now().date();
    let eval = crate::engine::evaluate(&rules, &snapshot, today);
    for w in &eval.warnings {
        tracing::warn!("{}", w.message);
    }
    let summary = Summary::new(&snapshot, &eval, args.fail_on.threshold());
    let text = match args.format {
        ScanFormat::Json => {
            render_json(&snapshot, &eval, &summary).map_err(|e| AppError::Render(e.to_string()))?
        }
        ScanFormat::Text => {
            let palette = Palette::new(color && args.output.is_none());
            render_text(
                &snapshot,
                &eval,
                &summary,
                &crate::collect::describe(&input),
                palette,
            )
        }
    };
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes(), NewFileMode::Public)?,
        None => print(&text)?,
    }
    Ok(if summary.failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
