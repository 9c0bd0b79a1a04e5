#![doc = include_str!("../../../../docs/rules/sigma.md")]

pub mod event;
pub mod field;
pub mod matcher;
mod os;

use std::rc::Rc;

use crate::enrich::Capabilities;
use crate::model::finding::{Evidence, Finding, RuleKind};
use crate::model::{Fact, Snapshot};
use crate::rules::context::{Context, RuleRun, owner_phrase, program_identity};
use crate::rules::facts::missing_fact;
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;
use crate::rules::spec::Lists;
use crate::text::endpoint::{local_of, proto_text, remote_of};
use event::Events;
use field::Field;
use matcher::{Expr, Selection};
pub use os::{Product, snapshot_os};

/// Sigma `network_connection` rules, loaded from YAML (src/rules/load/sigma/).
pub struct Sigma;

/// Its name in findings.
pub const KIND: RuleKind = RuleKind::new("sigma");

impl Kind for Sigma {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../../docs/rules/sigma.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Sigma rules come from YAML files named by `--sigma` or `[sigma] paths`, never from
    /// `[[sigma]]` tables.
    fn read(
        &self,
        _reader: &mut TableReader<'_>,
        _lists: &Lists,
        _diags: &mut Vec<Diag>,
    ) -> Option<Box<dyn Body>> {
        None
    }

    fn in_rule_files(&self) -> bool {
        false
    }
}

/// What a Sigma rule says about itself beyond its detection.
#[derive(Debug, Clone, Default)]
pub struct SigmaMeta {
    /// `title`.
    pub title: String,
    /// `status`, as written.
    pub status: Option<String>,
    /// `level`, as written.
    pub level: Option<String>,
    /// `tags` (MITRE ATT&CK `attack.t1071`...).
    pub tags: Vec<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `author`.
    pub author: Option<String>,
    /// Byte range of the rule's YAML document in its file, for `rules explain`.
    pub document: std::ops::Range<usize>,
}

/// One Sigma rule, compiled.
#[derive(Debug, Clone)]
pub struct SigmaRule {
    /// Title, tags, false positives.
    pub meta: SigmaMeta,
    /// `logsource.product`; `None` runs on any OS.
    pub product: Option<Product>,
    /// The search identifiers.
    pub selections: Vec<Selection>,
    /// The condition.
    pub condition: Expr,
    /// Why the rule cannot run at all (a construct sockaudit does not support), with where.
    pub unsupported: Option<String>,
    /// The fields its tests name, sorted.
    pub fields: Vec<Field>,
    /// Every `Image` test is `endswith` a file name: a capture that shows program names but
    /// not paths (Windows `netstat -b`) can answer it.
    pub image_by_name_ok: bool,
}

impl SigmaRule {
    /// Whether this snapshot needs `Image` answered from process names (no paths in it).
    fn image_by_name(&self, snapshot: &Snapshot) -> bool {
        self.fields.contains(&Field::Image)
            && missing_fact(&[Fact::Exe], snapshot).is_some()
            && missing_fact(&[Fact::ProcessNames], snapshot).is_none()
    }

    /// The facts its fields need on this snapshot.
    fn facts(&self, snapshot: &Snapshot) -> Vec<Fact> {
        let by_name = self.image_by_name_ok && self.image_by_name(snapshot);
        let mut facts: Vec<Fact> = Vec::new();
        for f in &self.fields {
            for fact in f.facts() {
                let fact = if by_name && *f == Field::Image && *fact == Fact::Exe {
                    Fact::ProcessNames
                } else {
                    *fact
                };
                if !facts.contains(&fact) {
                    facts.push(fact);
                }
            }
        }
        facts
    }
}

impl Body for SigmaRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let events: Rc<Events> = ctx.memo(|ctx| Events::of(ctx.snapshot));
        let by_name = self.image_by_name(ctx.snapshot);
        for e in &events.events {
            if !self.condition.eval(&self.selections, &events, e, by_name) {
                continue;
            }
            let Some(socket) = ctx.snapshot.sockets.get(e.socket) else {
                continue;
            };
            let process = ctx.process(socket);
            if run.allowed(socket, process) {
                continue;
            }
            out.push(finding(self, run, ctx, socket, process, e.initiated));
        }
    }

    fn needed_facts(&self) -> Vec<Fact> {
        let mut facts = Vec::new();
        for f in &self.fields {
            facts.extend_from_slice(f.facts());
        }
        facts.dedup();
        facts
    }

    fn needs_process_facts(&self) -> bool {
        self.fields.iter().any(|f| f.is_process_fact())
    }

    fn unavailable(&self, _capabilities: &Capabilities, snapshot: &Snapshot) -> Option<String> {
        if let Some(reason) = &self.unsupported {
            return Some(reason.clone());
        }
        if let Some(reason) = os::mismatch(self.product, snapshot) {
            return Some(reason);
        }
        if self.fields.contains(&Field::Image)
            && !self.image_by_name_ok
            && self.image_by_name(snapshot)
        {
            return Some(
                "the input shows program names but no executable paths, and this rule's Image tests are not all `endswith` a file name, so it cannot check anything".to_string(),
            );
        }
        if let Some(reason) = missing_fact(&self.facts(snapshot), snapshot) {
            return Some(reason);
        }
        if self.fields.contains(&Field::ParentImage) && !describes_parents(snapshot) {
            return Some("the input does not describe the owners' parent processes (ParentImage), so this rule cannot check anything".to_string());
        }
        let wants_names = self
            .fields
            .iter()
            .any(|f| matches!(f, Field::SourceHostname | Field::DestinationHostname));
        if wants_names && !has_host_names(snapshot) {
            return Some("the input carries no host names (only captures taken without -n print them), so this rule cannot check SourceHostname/DestinationHostname".to_string());
        }
        None
    }

    /// Another OS's rule lacks nothing this run could have provided: `--strict` does not
    /// count it.
    fn waits_for_opt_in(&self, snapshot: &Snapshot) -> bool {
        self.unsupported.is_none() && os::mismatch(self.product, snapshot).is_some()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Whether some socket owner's parent is described in the snapshot.
fn describes_parents(snapshot: &Snapshot) -> bool {
    snapshot
        .processes
        .values()
        .filter_map(|p| p.ppid)
        .any(|ppid| snapshot.processes.contains_key(&ppid))
}

fn has_host_names(snapshot: &Snapshot) -> bool {
    snapshot.sockets.iter().any(|s| {
        s.capture
            .as_ref()
            .is_some_and(|c| c.remote_name.is_some() || c.local_name.is_some())
    })
}

/// One finding per connection: identified by program, direction, peer and the port connected
/// to (never the PID or an ephemeral port).
fn finding(
    rule: &SigmaRule,
    run: &RuleRun<'_>,
    ctx: &Context<'_>,
    socket: &crate::model::Socket,
    process: Option<&crate::model::Process>,
    initiated: bool,
) -> Finding {
    let program = program_identity(process);
    let (direction, port) = if initiated {
        ("outbound", socket.remote_port.unwrap_or(0))
    } else {
        ("inbound", socket.local_port)
    };
    let remote = remote_of(socket).unwrap_or_else(|| "?".to_string());
    let peer = socket
        .remote_ip()
        .map_or_else(|| remote.clone(), |ip| ip.to_string());
    let port = ctx.stable_port(port);
    let message = format!(
        "{}: {} {} {} -> {} ({direction})",
        rule.meta.title,
        owner_phrase(socket, process),
        proto_text(socket),
        local_of(socket),
        remote
    );
    run.finding(
        message,
        &[&program, direction, proto_text(socket), &peer, &port],
        Some(socket),
        process,
        Evidence::of(&[socket]),
    )
}
