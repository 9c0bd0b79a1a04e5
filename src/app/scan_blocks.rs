//! `sockaudit scan --input CAPTURE --all-blocks`: one report per listing of a repeated capture
//! (`netstat -on 5`), so a flood or a listener that came and went shows in the listing it was
//! in. Text reports follow each other separated by a blank line; JSON reports are one compact
//! document per line (JSON Lines); other formats are not per-listing and are refused. Exit 1
//! when any listing has findings at or above `--fail-on`. `--state` and `--notify` apply to
//! single scans only and are refused here.

use super::error::{AppError, ExitStatus};
use super::inputs::{collect_each, print};
use super::pipeline::{ReportInput, Scanner, render};
use crate::cli::{ScanArgs, ScanFormat};
use crate::files::atomic::{NewFileMode, write_atomic};
use crate::report::scan::Summary;
use crate::report::style::Palette;

pub(super) fn run(args: &ScanArgs, color: bool, scanner: &Scanner) -> Result<ExitStatus, AppError> {
    if !matches!(args.format, ScanFormat::Text | ScanFormat::Json) {
        return Err(AppError::Usage(
            "--all-blocks reports each listing: use --format text or json".to_string(),
        ));
    }
    if args.state.is_some() || args.notify || !args.write.is_empty() {
        return Err(AppError::Usage(
            "--all-blocks cannot be combined with --state, --notify or --write".to_string(),
        ));
    }
    let palette = Palette::new(color && args.output.is_none());
    let mut failed = false;
    let mut written = String::new();
    let mut blocks = 0usize;
    collect_each(&scanner.input, &scanner.notices, &mut |snapshot| {
        let started = std::time::Instant::now();
        let (snapshot, eval) = scanner.evaluate(snapshot)?;
        let summary = Summary::new(&snapshot, &eval, args.fail_on.threshold());
        failed |= summary.failed;
        let label = crate::collect::label(&scanner.input, &snapshot);
        let input = ReportInput {
            snapshot: &snapshot,
            eval: &eval,
            all: &eval,
            summary: &summary,
            state: None,
            label: &label,
            rules: &scanner.rules,
            duration_seconds: started.elapsed().as_secs_f64(),
        };
        let mut text = render(args.format, &input, palette)?;
        if args.format == ScanFormat::Json {
            // JSON Lines: the pretty report made compact, one per listing.
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| AppError::Render(e.to_string()))?;
            text = serde_json::to_string(&value).map_err(|e| AppError::Render(e.to_string()))?;
            text.push('\n');
        } else if blocks > 0 {
            text.insert(0, '\n');
        }
        blocks += 1;
        match &args.output {
            Some(_) => written.push_str(&text),
            None => print(&text)?,
        }
        Ok(())
    })?;
    if let Some(path) = &args.output {
        write_atomic(path, written.as_bytes(), NewFileMode::Public)?;
    }
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
