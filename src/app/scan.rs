//! `sockaudit scan`: load rules (all valid, or nothing runs), collect, evaluate, report.

use super::{AppError, ExitStatus, collect, input_for, load_rules, print};
use crate::atomic::{NewFileMode, write_atomic};
use crate::cli::{ScanArgs, ScanFormat};
use crate::collect::LiveOptions;
use crate::report::scan::{Summary, render_json, render_text};
use crate::report::style::Palette;

/// Opens GeoIP databases (`--geoip` first, then `[geoip]`, else the standard directories) and
/// feeds.
pub(crate) fn open_enricher(
    settings: &crate::rules::EnrichSettings,
    cli_geoip: &[std::path::PathBuf],
    strict: bool,
    now: jiff::Timestamp,
) -> Result<crate::enrich::Enricher, AppError> {
    let mut geoip = cli_geoip.to_vec();
    geoip.extend(settings.geoip.iter().cloned());
    let config = crate::enrich::EnrichConfig {
        geoip,
        geoip_max_age_days: settings
            .geoip_max_age_days
            .unwrap_or(crate::enrich::DEFAULT_GEOIP_MAX_AGE_DAYS),
        feeds: settings.feeds.clone(),
        strict,
    };
    Ok(crate::enrich::Enricher::open(&config, now)?)
}

pub(super) fn run(args: &ScanArgs, color: bool) -> Result<ExitStatus, AppError> {
    // Rules first: a bad rule file must stop us before any scanning.
    let rules = load_rules(&args.rules)?;
    let input = input_for(args.input.as_deref(), LiveOptions::default());
    let snapshot = collect(&input)?;
    let now = jiff::Zoned::now();
    let enricher = open_enricher(&rules.enrich, &args.geoip, args.strict, now.timestamp())?;
    let enrichment = enricher.enrich(&snapshot);
    let mut eval = crate::engine::evaluate(&rules, &snapshot, &enrichment, now.date());
    for note in &enricher.warnings {
        tracing::warn!("{note}");
        eval.warnings.push(crate::engine::Warning {
            rule: None,
            message: note.clone(),
        });
    }
    for inactive in &eval.inactive {
        // Built-in rules waiting for optional data (feeds) are shown in the report only;
        // the user's own rules also warn on stderr.
        if !inactive.origin.starts_with("builtin:") {
            tracing::warn!("rule {} is inactive: {}", inactive.rule, inactive.reason);
        }
    }
    if args.strict && !eval.inactive.is_empty() {
        let names: Vec<&str> = eval.inactive.iter().map(|i| i.rule.as_str()).collect();
        return Err(AppError::Usage(format!(
            "--strict: {} rule(s) inactive for lack of data: {}",
            names.len(),
            names.join(", ")
        )));
    }
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
