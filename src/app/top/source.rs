//! Where `top`'s frames come from: the live system every refresh, or the listings of a file.

use crate::app::error::AppError;
use crate::app::notices::Notices;
use crate::collect::Input;
use crate::enrich::Enricher;
use crate::model::Snapshot;
use crate::rules::RuleSet;
use crate::rules::engine::Evaluation;
use crate::top::Frame;
use crate::top::frame::Timings;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Where frames come from: the live system every refresh, or the listings of a file.
pub(super) struct Source {
    input: Input,
    rules: RuleSet,
    enricher: Enricher,
    /// A file's listings not shown yet (`None` for the live system).
    pub(super) blocks: Option<VecDeque<Snapshot>>,
    first: bool,
    /// Coverage gaps said once per run, not every refresh.
    notices: Notices,
}

impl Source {
    pub(super) fn new(
        input: Input,
        rules: RuleSet,
        enricher: Enricher,
    ) -> Result<Source, AppError> {
        let notices = Notices::default();
        let blocks = match &input {
            Input::Live(_) => None,
            Input::File(..) => {
                let mut blocks = VecDeque::new();
                crate::app::inputs::collect_each(&input, &notices, &mut |snapshot| {
                    blocks.push_back(snapshot);
                    Ok(())
                })?;
                Some(blocks)
            }
        };
        Ok(Source {
            input,
            rules,
            enricher,
            blocks,
            first: true,
            notices,
        })
    }

    pub(super) fn live(&self) -> bool {
        self.blocks.is_none()
    }

    /// What the title says about the source.
    pub(super) fn describe(&self, snapshot: &Snapshot, interval: Duration) -> String {
        if self.live() {
            let every = if interval.subsec_millis() == 0 {
                format!("{}s", interval.as_secs())
            } else {
                format!("{}ms", interval.as_millis())
            };
            format!("live, every {every}")
        } else {
            let label = crate::collect::label(&self.input, snapshot);
            format!(
                "{}, read-only",
                crate::text::escape::for_display(&label, crate::text::escape::FIELD_MAX_CHARS)
            )
        }
    }

    /// The next frame, compared with `previous`; `None` when a file has no more listings.
    pub(super) fn next(&mut self, previous: Option<&Frame>) -> Result<Option<Frame>, AppError> {
        let started = Instant::now();
        let snapshot = match self.blocks.as_mut() {
            Some(blocks) => match blocks.pop_front() {
                Some(s) => s,
                None => return Ok(None),
            },
            None => crate::app::inputs::collect(&self.input, &self.notices)?,
        };
        let collected = started.elapsed();
        let enrichment = self.enricher.enrich(&snapshot);
        let today = jiff::Zoned::now().date();
        let eval = crate::rules::engine::evaluate(&self.rules, &snapshot, &enrichment, today);
        if self.first {
            self.first = false;
            note_once(&eval);
        }
        let evaluated = started.elapsed();
        let seconds = previous.map(|p| {
            let d = snapshot
                .collected_at
                .duration_since(p.snapshot.collected_at);
            d.as_secs_f64()
        });
        let mut frame = Frame::new(snapshot, eval.findings, enrichment, previous.zip(seconds));
        frame.timings = Timings {
            collect: collected.as_secs_f64() * 1e3,
            evaluate: (evaluated - collected).as_secs_f64() * 1e3,
            rows: (started.elapsed() - evaluated).as_secs_f64() * 1e3,
        };
        Ok(Some(frame))
    }
}

/// The rule warnings a scan would print, once (not every refresh).
fn note_once(eval: &Evaluation) {
    for w in &eval.warnings {
        tracing::warn!("{}", w.message);
    }
    for inactive in eval
        .inactive
        .iter()
        .filter(|i| !i.origin.starts_with("builtin:"))
    {
        tracing::warn!("rule {} is inactive: {}", inactive.rule, inactive.reason);
    }
}

impl Timings {
    /// Collection, evaluation and rows, in milliseconds.
    pub(super) fn total(&self) -> f64 {
        self.collect + self.evaluate + self.rows
    }
}
