//! `sockaudit scan`: load rules (all valid, or nothing runs), collect, enrich, evaluate,
//! remember (`--state`), report.

use super::{AppError, ExitStatus, collect, input_for, load_rules, print};
use crate::atomic::{NewFileMode, write_atomic};
use crate::cli::{ScanArgs, ScanFormat};
use crate::collect::{Input, LiveOptions};
use crate::engine::{Evaluation, Warning};
use crate::enrich::Enricher;
use crate::model::Snapshot;
use crate::report::scan::{StateNote, Summary, render_json, render_text};
use crate::report::style::Palette;
use crate::rules::RuleSet;
use crate::state::StateFile;

/// Opens GeoIP databases (`--geoip` first, then `[geoip]`, else the standard directories) and
/// feeds.
pub(crate) fn open_enricher(
    settings: &crate::rules::EnrichSettings,
    cli_geoip: &[std::path::PathBuf],
    strict: bool,
    now: jiff::Timestamp,
) -> Result<Enricher, AppError> {
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
    Ok(Enricher::open(&config, now)?)
}

/// Everything a scan needs that does not change between runs of `watch`.
pub(super) struct Scanner {
    /// The validated rules.
    pub rules: RuleSet,
    enricher: Enricher,
    /// Where sockets come from.
    pub input: Input,
    strict: bool,
}

impl Scanner {
    /// Loads rules first (a bad rule file stops everything before any scanning), then GeoIP
    /// databases and feeds.
    pub fn new(args: &ScanArgs) -> Result<Scanner, AppError> {
        let rules = load_rules(&args.rules)?;
        let enricher = open_enricher(
            &rules.enrich,
            &args.geoip,
            args.strict,
            jiff::Timestamp::now(),
        )?;
        for note in &enricher.warnings {
            tracing::warn!("{note}");
        }
        Ok(Scanner {
            rules,
            enricher,
            input: input_for(args.input.as_deref(), LiveOptions::default()),
            strict: args.strict,
        })
    }

    /// One collection and evaluation.
    pub fn scan(&self) -> Result<(Snapshot, Evaluation), AppError> {
        let snapshot = collect(&self.input)?;
        let now = jiff::Zoned::now();
        let enrichment = self.enricher.enrich(&snapshot);
        let mut eval = crate::engine::evaluate(&self.rules, &snapshot, &enrichment, now.date());
        for w in &eval.warnings {
            tracing::warn!("{}", w.message);
        }
        eval.warnings
            .extend(self.enricher.warnings.iter().map(|note| Warning {
                rule: None,
                message: note.clone(),
            }));
        for inactive in &eval.inactive {
            // Built-in rules waiting for optional data (feeds) are shown in the report only;
            // the user's own rules also warn on stderr.
            if !inactive.origin.starts_with("builtin:") {
                tracing::warn!("rule {} is inactive: {}", inactive.rule, inactive.reason);
            }
        }
        if self.strict && !eval.inactive.is_empty() {
            let names: Vec<&str> = eval.inactive.iter().map(|i| i.rule.as_str()).collect();
            return Err(AppError::Usage(format!(
                "--strict: {} rule(s) inactive for lack of data: {}",
                names.len(),
                names.join(", ")
            )));
        }
        Ok((snapshot, eval))
    }
}

/// The state file path `--state` names (empty: the default place).
pub(super) fn state_path(arg: &std::path::Path) -> std::path::PathBuf {
    if arg.as_os_str().is_empty() {
        crate::state::default_path()
    } else {
        arg.to_path_buf()
    }
}

pub(super) fn run(args: &ScanArgs, color: bool) -> Result<ExitStatus, AppError> {
    let scanner = Scanner::new(args)?;
    let (snapshot, mut eval) = scanner.scan()?;
    // With --state, only what changed is reported; the lock is held until the report is out.
    let mut state_guard = None;
    let mut note = None;
    if let Some(arg) = &args.state {
        let path = state_path(arg);
        let file = StateFile::open(&path)?;
        for w in &file.warnings {
            tracing::warn!("{w}");
            eval.warnings.push(Warning {
                rule: None,
                message: w.clone(),
            });
        }
        let (delta, next) =
            file.state
                .advance(&eval.findings, jiff::Timestamp::now(), args.renotify);
        file.save(&next)?;
        eval.findings = delta.report;
        note = Some(StateNote {
            path: path.display().to_string(),
            resolved: delta.resolved,
            unchanged: delta.unchanged,
            renotified: delta.renotified,
        });
        state_guard = Some(file);
    }
    let summary = Summary::new(&snapshot, &eval, args.fail_on.threshold());
    let text = match args.format {
        ScanFormat::Json => render_json(&snapshot, &eval, &summary, note.as_ref())
            .map_err(|e| AppError::Render(e.to_string()))?,
        ScanFormat::Text => {
            let palette = Palette::new(color && args.output.is_none());
            let label = crate::collect::describe(&scanner.input);
            render_text(&snapshot, &eval, &summary, &label, note.as_ref(), palette)
        }
    };
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes(), NewFileMode::Public)?,
        None => print(&text)?,
    }
    drop(state_guard);
    Ok(if summary.failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
