//! `sockaudit baseline create | check | update`.

use super::error::{AppError, ExitStatus};
use super::inputs::{collect, input_for, print};
use super::notices::Notices;
use super::pipeline::open_enricher;
use crate::cli::{BaselineCommand, ScanFormat};
use crate::collect::LiveOptions;
use crate::files::atomic::{NewFileMode, write_atomic};
use crate::report::scan::Summary;
use crate::rules::RuleSources;

/// Baselines describe the namespace sockaudit runs in (the host's, normally): containers come
/// and go with deployments and are checked with rules (`namespace`, `container` keys) instead.
fn own_namespace() -> LiveOptions {
    LiveOptions {
        namespaces: crate::collect::Namespaces::Own,
        ..LiveOptions::default()
    }
}

pub(super) fn run(command: &BaselineCommand, color: bool) -> Result<ExitStatus, AppError> {
    match command {
        BaselineCommand::Create { output, input } => {
            let input = input_for(input.as_deref(), own_namespace());
            let mut snapshot = collect(&input, &Notices::default())?;
            super::routes::attach_all(&mut snapshot, &input, "routes are not recorded");
            let text = crate::baseline::create(&snapshot, env!("CARGO_PKG_VERSION"));
            match output {
                Some(path) => {
                    write_atomic(path, text.as_bytes(), NewFileMode::Public)?;
                    tracing::info!("wrote baseline {}", path.display());
                }
                None => print(&text)?,
            }
            Ok(ExitStatus::Clean)
        }
        BaselineCommand::Check {
            file,
            input,
            format,
            fail_on,
        } => {
            // Only the baseline's own rules: drift, nothing else.
            let rules = crate::rules::load(&RuleSources::only(vec![file.clone()], false))
                .map_err(AppError::Rules)?;
            if !rules
                .rules
                .iter()
                .any(|r| r.kind() == crate::rules::kinds::drift::KIND)
            {
                return Err(AppError::Usage(format!(
                    "{}: no [baseline] table; create one with `sockaudit baseline create -o {}`",
                    file.display(),
                    file.display()
                )));
            }
            let input = input_for(input.as_deref(), own_namespace());
            let mut snapshot = collect(&input, &Notices::default())?;
            super::routes::attach(
                &mut snapshot,
                &input,
                crate::rules::kinds::drift::route_needs(&rules),
            );
            let now = jiff::Zoned::now();
            let enricher = open_enricher(&Default::default(), &[], false, now.timestamp())?;
            let enrichment = enricher.enrich(&snapshot);
            let eval = crate::rules::engine::evaluate(&rules, &snapshot, &enrichment, now.date());
            let summary = Summary::new(&snapshot, &eval, fail_on.threshold());
            let label = crate::collect::describe(&input);
            let text = match format {
                ScanFormat::Text => crate::report::drift::render(
                    &eval,
                    &file.display().to_string(),
                    &label,
                    &summary,
                    crate::report::style::Palette::new(color),
                ),
                other => super::pipeline::render(
                    *other,
                    &super::pipeline::ReportInput {
                        snapshot: &snapshot,
                        eval: &eval,
                        all: &eval,
                        summary: &summary,
                        state: None,
                        label: &label,
                        rules: &rules,
                        duration_seconds: 0.0,
                    },
                    crate::report::style::Palette::new(false),
                )?,
            };
            print(&text)?;
            Ok(if summary.failed {
                ExitStatus::Findings
            } else {
                ExitStatus::Clean
            })
        }
        BaselineCommand::Update { file, input } => {
            // Refuse to rewrite a file we could not load as rules: the user's edits come first.
            // Loading first also applies the rule file size limit and trust checks.
            crate::rules::load(&RuleSources::only(vec![file.clone()], false))
                .map_err(AppError::Rules)?;
            let text = crate::files::limits::read_capped(
                file,
                crate::rules::load::MAX_RULE_FILE_BYTES,
                "rule file",
            )
            .and_then(|b| {
                String::from_utf8(b)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })
            .map_err(|source| {
                AppError::Collect(crate::collect::CollectError::Read {
                    path: file.clone(),
                    source,
                })
            })?;
            let input = input_for(input.as_deref(), own_namespace());
            let mut snapshot = collect(&input, &Notices::default())?;
            super::routes::attach_all(&mut snapshot, &input, "routes are not recorded");
            let updated = crate::baseline::update(&text, &snapshot)
                .map_err(|e| AppError::Usage(format!("{}: {}", file.display(), e.message())))?;
            write_atomic(file, updated.text.as_bytes(), NewFileMode::Public)?;
            let mut report = format!(
                "updated {}: {} entr{} added, {} removed\n",
                file.display(),
                updated.added,
                if updated.added == 1 { "y" } else { "ies" },
                updated.removed
            );
            for entry in &updated.moving {
                report.push_str(&format!(
                    "learned: {entry} listens on a port that moves (now port = \"ephemeral\")\n"
                ));
            }
            print(&report)?;
            Ok(ExitStatus::Clean)
        }
    }
}
