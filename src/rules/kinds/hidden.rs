#![doc = include_str!("../../../docs/rules/hidden.md")]

use crate::enrich::Capabilities;
use crate::model::deep::{HiddenSocket, View};
use crate::model::finding::RuleKind;
use crate::model::finding::{Evidence, Finding};
use crate::model::{Fact, Snapshot};
use crate::rules::context::{Context, RuleRun, program_identity};
use crate::rules::facts::missing_fact;
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;
use crate::rules::spec::{Lists, Selector};

/// The `[[hidden]]` kind.
pub struct Hidden;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("hidden");

impl Kind for Hidden {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../docs/rules/hidden.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "max-listed",
            "port",
            "proto",
            "bind",
            "remote",
            "remote-port",
            "process",
            "exe",
            "user",
            "namespace",
            "container",
            "unit",
        ]
    }

    fn read(
        &self,
        reader: &mut TableReader<'_>,
        lists: &Lists,
        diags: &mut Vec<Diag>,
    ) -> Option<Box<dyn Body>> {
        Some(Box::new(read(reader, lists, diags)))
    }
}

impl Body for HiddenRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needed_facts(&self) -> Vec<Fact> {
        self.selector.needed_facts()
    }

    fn needs_process_facts(&self) -> bool {
        self.selector.needs_process()
    }

    fn unavailable(&self, _capabilities: &Capabilities, snapshot: &Snapshot) -> Option<String> {
        if snapshot.deep.is_none() {
            return Some(
                "needs the hidden-socket check: run `sockaudit scan --deep` as root on the machine itself (docs/deep.md)".to_string(),
            );
        }
        missing_fact(&self.needed_facts(), snapshot)
    }

    fn waits_for_opt_in(&self, snapshot: &Snapshot) -> bool {
        snapshot.deep.is_none()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Disagreements listed one by one up to this many; more are one finding with the count.
pub const DEFAULT_MAX_LISTED: usize = 20;

/// Settings of a `[[hidden]]` rule.
#[derive(Debug, Clone)]
pub struct HiddenRule {
    /// Which sockets it looks at.
    pub selector: Selector,
    /// Above this many, one summary finding.
    pub max_listed: usize,
}

/// Reads the kind's own keys.
pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> HiddenRule {
    let selector = Selector::read(reader, lists, diags);
    let max_listed = match reader.integer("max-listed", diags) {
        Some((n, _)) if n >= 1 => usize::try_from(n).unwrap_or(DEFAULT_MAX_LISTED),
        Some((n, loc)) => {
            diags.push(Diag::at(
                loc,
                format!("max-listed {n} must be at least 1"),
                "bad max-listed",
            ));
            DEFAULT_MAX_LISTED
        }
        None => DEFAULT_MAX_LISTED,
    };
    HiddenRule {
        selector,
        max_listed,
    }
}

/// One finding per socket the views still disagree about (or one with the count).
fn evaluate(run: &RuleRun<'_>, rule: &HiddenRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(deep) = &ctx.snapshot.deep else {
        return;
    };
    let matching: Vec<&HiddenSocket> = deep
        .hidden
        .iter()
        .filter(|h| {
            let process = ctx.process(&h.socket);
            rule.selector.matches(&h.socket, process) && !run.allowed(&h.socket, process)
        })
        .collect();
    if matching.len() > rule.max_listed {
        out.push(summary(run, rule, &matching));
        return;
    }
    for hidden in matching {
        let socket = &hidden.socket;
        let process = ctx.process(socket);
        let what = crate::text::endpoint::proto_text(socket);
        let place = if hidden.seen_by == [View::Bind] {
            format!("{what} port {}", socket.local_port)
        } else {
            let state = socket.state.map_or(String::new(), |s| format!(" {s}"));
            let peer = crate::text::endpoint::remote_of(socket)
                .map_or(String::new(), |r| format!(" to {r}"));
            format!(
                "{what} {}{peer}{state}",
                crate::text::endpoint::local_of(socket)
            )
        };
        let owner = match (process, hidden.held_by) {
            (Some(p), Some((_, fd))) => format!(" held by {} (pid {}, fd {fd})", p.name, p.pid),
            (Some(p), None) => format!(" owned by {} (pid {})", p.name, p.pid),
            (None, Some((pid, fd))) => format!(" held by pid {pid} (fd {fd})"),
            (None, None) => String::new(),
        };
        let seen: Vec<&str> = hidden.seen_by.iter().map(|v| v.describe()).collect();
        let missing: Vec<&str> = hidden.missing_from.iter().map(|v| v.describe()).collect();
        let message = format!(
            "{place}{owner} is shown by {} but missing from {}",
            seen.join(" and "),
            missing.join(" and ")
        );
        let class = hidden.class();
        out.push(run.finding(
            message,
            &[
                &class,
                socket.proto.as_str(),
                &ctx.stable_port(socket.local_port),
                &program_identity(process),
            ],
            Some(socket),
            process,
            Evidence::of(&[socket]),
        ));
    }
}

/// Too many disagreements to list: the count by kind, with a warning that this many is more
/// likely a race or a kernel quirk.
fn summary(run: &RuleRun<'_>, rule: &HiddenRule, matching: &[&HiddenSocket]) -> Finding {
    let mut by_class: std::collections::BTreeMap<String, usize> = Default::default();
    for h in matching {
        *by_class.entry(h.class()).or_default() += 1;
    }
    let counts: Vec<String> = by_class.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let message = format!(
        "{} sockets still disagree between the views after the re-check ({}): more than {} is \
         more likely a race with very busy sockets or a kernel quirk than a rootkit hiding a few; \
         see `deep.hidden` in the JSON report",
        matching.len(),
        counts.join(", "),
        rule.max_listed
    );
    let sockets: Vec<&crate::model::Socket> = matching.iter().map(|h| &h.socket).collect();
    run.finding(message, &["many"], None, None, Evidence::of(&sockets))
}
