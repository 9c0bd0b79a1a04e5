#![doc = include_str!("../../../docs/rules/listen.md")]

use crate::model::Fact;
use crate::model::finding::RuleKind;
use crate::model::finding::{Evidence, Finding};
use crate::rules::common::Common;
use crate::rules::context::{Context, RuleRun, owner_phrase, program_identity};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;
use crate::rules::spec::{Lists, Selector};
use crate::text::endpoint::endpoint;

/// The `[[listen]]` kind.
pub struct Listen;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("listen");

impl Kind for Listen {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../docs/rules/listen.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "port",
            "proto",
            "bind",
            "process",
            "exe",
            "user",
            "namespace",
            "container",
            "unit",
            "exec-option",
            "require-allow",
            "accept-queue-percent",
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

impl Body for ListenRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needed_facts(&self) -> Vec<Fact> {
        let mut facts = self.selector.needed_facts();
        if self.accept_queue_percent.is_some() {
            facts.push(Fact::ListenQueues);
        }
        facts
    }

    fn needs_process_facts(&self) -> bool {
        self.selector.needs_process()
    }

    fn dormant(&self, common: &Common) -> Option<&'static str> {
        (self.require_allow && common.allow.is_empty())
            .then_some("waiting for allow entries (require-allow)")
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Settings of a `[[listen]]` rule.
#[derive(Debug, Clone)]
pub struct ListenRule {
    /// Which listeners the rule looks at (all when empty).
    pub selector: Selector,
    /// Dormant until an allow entry names the rule.
    pub require_allow: bool,
    /// Only listeners whose accept queue holds at least this percentage of their backlog.
    pub accept_queue_percent: Option<u32>,
}

/// Reads the kind's own keys.
pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> ListenRule {
    let selector = Selector::read(reader, lists, diags);
    let require_allow = reader
        .boolean("require-allow", diags)
        .is_some_and(|(b, _)| b);
    let accept_queue_percent = match reader.integer("accept-queue-percent", diags) {
        Some((n, _)) if (1..=1000).contains(&n) => u32::try_from(n).ok(),
        Some((n, loc)) => {
            diags.push(
                Diag::at(
                    loc,
                    format!("accept-queue-percent {n} is not 1-1000"),
                    "bad percentage",
                )
                .help("100 means the accept queue is full (as long as the backlog)"),
            );
            None
        }
        None => None,
    };
    ListenRule {
        selector,
        require_allow,
        accept_queue_percent,
    }
}

/// `accept queue 129/128`, when the rule looks at queues and the listener is full enough.
fn queue_condition(rule: &ListenRule, socket: &crate::model::Socket) -> Option<Option<String>> {
    let Some(percent) = rule.accept_queue_percent else {
        return Some(None);
    };
    let facts = socket.listen.as_ref()?;
    let (queue, backlog) = (facts.accept_queue?, facts.backlog?);
    let full = u64::from(queue) * 100 >= u64::from(backlog) * u64::from(percent);
    (full && backlog > 0).then(|| Some(format!(", accept queue {queue}/{backlog}")))
}

/// One finding per listener that matches and is not allowed.
fn evaluate(run: &RuleRun<'_>, rule: &ListenRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let what = run
        .common
        .description
        .clone()
        .unwrap_or_else(|| format!("unexpected listener ({})", run.common.id));
    for socket in ctx.snapshot.sockets.iter().filter(|s| s.is_listener()) {
        let process = ctx.process(socket);
        if !rule.selector.matches(socket, process) || run.allowed(socket, process) {
            continue;
        }
        let Some(queue) = queue_condition(rule, socket) else {
            continue;
        };
        let scope = socket.local_scope();
        // A published container port: say where docker-proxy sends the connections.
        let forward = socket
            .listen
            .as_ref()
            .and_then(|l| l.forwards_to.as_ref())
            .map_or(String::new(), |f| {
                format!(", forwarding to {}", endpoint(f.addr, f.port))
            });
        let queue = queue.unwrap_or_default();
        let message = format!(
            "{what}: {} {} listening ({} address) by {}{forward}{queue}",
            socket.proto,
            crate::text::endpoint::local_of(socket),
            scope,
            owner_phrase(socket, process)
        );
        let program = program_identity(process);
        let port = ctx.stable_port(socket.local_port);
        out.push(run.finding(
            message,
            &[socket.proto.as_str(), scope.as_str(), &port, &program],
            Some(socket),
            process,
            Evidence::of(&[socket]),
        ));
    }
}
