//! The pipeline every scanning command shares: rules loaded (all valid, or nothing runs),
//! GeoIP and feeds opened, then collect -> enrich -> evaluate ([`Scanner`]), and one report
//! rendered in a chosen format ([`render`]).

use super::error::AppError;
use crate::cli::{ScanArgs, ScanFormat};
use crate::collect::{Input, LiveOptions};
use crate::enrich::Enricher;
use crate::model::Snapshot;
use crate::report::scan::{StateNote, Summary, render_json, render_text};
use crate::report::style::Palette;
use crate::rules::RuleSet;
use crate::rules::engine::{Evaluation, Warning};

/// Loads rules in the standard order; on problems prints every diagnostic to stderr.
pub(super) fn load_rules(args: &crate::cli::RuleArgs) -> Result<crate::rules::RuleSet, AppError> {
    let mut paths = args.rules.clone();
    paths.extend(args.baseline.iter().cloned());
    let sources = crate::rules::RuleSources::standard(args.no_default_rules, paths)
        .with_sigma(args.sigma.clone());
    let set = crate::rules::load(&sources).map_err(AppError::Rules)?;
    tracing::info!("{} rules from {}", set.rules.len(), set.files.join(", "));
    Ok(set)
}

/// Opens GeoIP databases (`--geoip` first, then `[geoip]`, else the standard directories) and
/// feeds.
pub(super) fn open_enricher(
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
    /// Replaced by [`super::reload`] when a database or feed changes under `watch`.
    pub(super) enricher: Enricher,
    /// Where sockets come from.
    pub input: Input,
    strict: bool,
    /// When kernel counters are read (src/app/counters.rs).
    pub counters: super::counters::CounterPlan,
    /// Warnings already said this run (`watch` scans again and again).
    pub(super) notices: super::notices::Notices,
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
        // Owners cost the /proc walk, most of a scan on a busy host. Skip it only when nothing
        // would use them: no rule needs them and the only output is Prometheus metrics (which
        // carry no owners), e.g. a node_exporter textfile job every minute.
        let metrics_only = args.format == ScanFormat::Prometheus
            && args.write.iter().all(|(f, _)| *f == ScanFormat::Prometheus)
            && !args.notify
            && !rules.notify.enabled;
        let needs_owners = !metrics_only || rules.needs_process_facts();
        if !needs_owners {
            tracing::info!("no rule or output needs process facts: skipping the /proc walk");
        }
        let input = super::inputs::input_with(
            args.input.as_deref(),
            args.capture.options(args.strict),
            LiveOptions {
                // The hidden-socket check attributes what it finds.
                attribute: needs_owners || args.deep.deep,
                namespaces: args.namespaces.choice(),
                deep: args.deep.deep,
                probe_ports: args.deep.probe_ports,
                traffic: rules.needs_traffic(),
                stdio_peer_names: Some(crate::rules::kinds::process::stdio_peer_names(&rules)),
                kernel_thread_names: crate::rules::kinds::process::looks_at_kernel_thread_names(
                    &rules,
                ),
            },
        );
        let counters = super::counters::CounterPlan::for_scan(
            &input,
            crate::rules::kinds::counter::needed(&rules),
            args.sample,
            args.state.is_some(),
        );
        Ok(Scanner {
            rules,
            enricher,
            input,
            strict: args.strict,
            counters,
            notices: super::notices::Notices::default(),
        })
    }

    /// One collection and evaluation; counter rules compare with `previous` samples (from
    /// `--state` or the previous `watch` scan) where the collection has no earlier one.
    pub fn scan(
        &self,
        previous: &std::collections::BTreeMap<String, crate::model::counters::CounterSample>,
    ) -> Result<(Snapshot, Evaluation), AppError> {
        let mut snapshot = super::counters::collect_with(self.counters, || {
            super::inputs::collect(&self.input, &self.notices)
        })?;
        super::counters::attach_previous(&mut snapshot, previous);
        // A baseline that records routes needs the live routing table too (docs/routes.md).
        let needs = crate::rules::kinds::drift::route_needs(&self.rules);
        super::routes::attach(&mut snapshot, &self.input, needs);
        self.evaluate(snapshot)
    }

    /// Evaluates one snapshot (each listing of a capture with `--all-blocks`).
    pub fn evaluate(&self, snapshot: Snapshot) -> Result<(Snapshot, Evaluation), AppError> {
        let now = jiff::Zoned::now();
        let enrichment = self.enricher.enrich(&snapshot);
        let mut eval =
            crate::rules::engine::evaluate(&self.rules, &snapshot, &enrichment, now.date());
        for w in &eval.warnings {
            self.notices.warn(&w.message);
        }
        eval.warnings
            .extend(self.enricher.warnings.iter().map(|note| Warning {
                rule: None,
                message: note.clone(),
            }));
        // An imported capture: the report says which facts it lacks (docs/import.md).
        eval.warnings.extend(
            crate::collect::import::report_notes(&snapshot)
                .into_iter()
                .map(|message| Warning {
                    rule: None,
                    message,
                }),
        );
        for inactive in &eval.inactive {
            // Built-in rules waiting for optional data (feeds) are shown in the report only;
            // the user's own rules also warn on stderr.
            if !inactive.origin.starts_with("builtin:") {
                self.notices.warn(&format!(
                    "rule {} is inactive: {}",
                    inactive.rule, inactive.reason
                ));
            }
        }
        // Rules that wait for an opt-in check (--deep) lack nothing the user configured, and
        // `eval.not_configured` (built-in rules whose feed or GeoIP nobody set up) lack
        // nothing the user asked for: neither fails --strict.
        let missing: Vec<&str> = eval
            .inactive
            .iter()
            .filter(|i| !i.opt_in)
            .map(|i| i.rule.as_str())
            .collect();
        if self.strict && !missing.is_empty() {
            let names = missing;
            return Err(AppError::Usage(format!(
                "--strict: {} rule(s) inactive for lack of data: {}",
                names.len(),
                names.join(", ")
            )));
        }
        // Not root: the owners of some sockets were never looked at. As root, what stays
        // unreadable (a sandbox's init) is said in the report but is nothing a rerun can fix.
        if let Some(u) = eval
            .unchecked
            .as_ref()
            .filter(|u| self.strict && u.needs_root)
        {
            return Err(AppError::Usage(format!(
                "--strict: {} socket(s) were not checked by {} process rule(s) ({}): their owners could not be read; run as root",
                u.sockets,
                u.rules.len(),
                u.rules.join(", ")
            )));
        }
        Ok((snapshot, eval))
    }
}

/// The state file path `--state` names (empty: the default place).
pub(super) fn state_path(arg: &std::path::Path) -> std::path::PathBuf {
    if arg.as_os_str().is_empty() {
        crate::files::state::default_path()
    } else {
        arg.to_path_buf()
    }
}

/// Everything a report of one scan may draw on.
pub(super) struct ReportInput<'a> {
    /// The sockets.
    pub snapshot: &'a Snapshot,
    /// The findings to report (with `--state`: new and due again only).
    pub eval: &'a Evaluation,
    /// Every present finding (Prometheus describes state, not events).
    pub all: &'a Evaluation,
    /// Counts and the verdict.
    pub summary: &'a Summary,
    /// What `--state` changed.
    pub state: Option<&'a StateNote>,
    /// `live` or `file:NAME`.
    pub label: &'a str,
    /// The rules (JUnit lists every enabled one).
    pub rules: &'a RuleSet,
    /// Collection and evaluation time.
    pub duration_seconds: f64,
}

/// Renders one report format.
pub(super) fn render(
    format: ScanFormat,
    r: &ReportInput<'_>,
    palette: Palette,
) -> Result<String, AppError> {
    let json_err = |e: serde_json::Error| AppError::Render(e.to_string());
    Ok(match format {
        ScanFormat::Text => render_text(r.snapshot, r.eval, r.summary, r.label, r.state, palette),
        ScanFormat::Json => {
            render_json(r.snapshot, r.eval, r.summary, r.state).map_err(json_err)?
        }
        ScanFormat::Jsonl => {
            crate::report::jsonl::render(r.snapshot, &r.eval.findings).map_err(json_err)?
        }
        ScanFormat::Prometheus => {
            crate::report::prometheus::render(r.snapshot, r.all, r.duration_seconds)
        }
        ScanFormat::Junit => {
            crate::report::junit::render(r.rules, r.eval, r.snapshot.host.hostname.as_deref())
        }
    })
}

/// Sends the desktop notification for `findings` when asked to; failures are warnings.
pub(super) fn maybe_notify(
    wanted: bool,
    rules: &RuleSet,
    findings: &[crate::model::finding::Finding],
    host: Option<&str>,
) {
    if !(wanted || rules.notify.enabled) {
        return;
    }
    let Some(message) = crate::report::notify::compose(findings, host) else {
        tracing::info!("no new findings: no notification");
        return;
    };
    let timeout = rules.notify.timeout_seconds.map_or(
        crate::report::notify::DEFAULT_TIMEOUT,
        std::time::Duration::from_secs,
    );
    if let Err(err) = crate::report::notify::send(&message, timeout) {
        tracing::warn!("{err}; the report was still written");
    }
}
