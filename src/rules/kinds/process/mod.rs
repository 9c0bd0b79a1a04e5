#![doc = include_str!("../../../../docs/rules/process.md")]

mod conditions;
mod settings;
mod shell;

pub use settings::{DEFAULT_INTERPRETERS, DEFAULT_TRUSTED_RELAYS, ProcessRule};

use crate::model::Fact;
use crate::model::finding::{Finding, RuleKind};
use crate::rules::context::{Context, RuleRun};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::{Diag, Loc};
use crate::rules::load::reader::{RawItem, Scalar, TableReader};
use crate::rules::spec::{AddrSpec, Globs, Lists, Selector};

/// The `[[process]]` kind.
pub struct ProcessKind;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("process");

impl Kind for ProcessKind {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../../docs/rules/process.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "known",
            "exe",
            "exe-deleted",
            "masquerade",
            "stdio-socket",
            "stdio-relay",
            "holds-connection",
            "interactive",
            "peer",
            "trusted-relays",
            "kernel-thread-name",
            "owns-sockets",
            "hidden-from-proc",
            "exec-option",
            "process",
            "user",
            "container",
            "unit",
            "interpreters",
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

impl Body for ProcessRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needed_facts(&self) -> Vec<Fact> {
        let mut facts = self.selector.needed_facts();
        // `known` lists paths as well as names: without exe paths it would flag everything.
        if self.known.is_some() || self.exe_deleted || self.masquerade || self.kernel_thread_name {
            facts.push(Fact::Exe);
        }
        if self.stdio_socket {
            facts.push(Fact::StdioSockets);
        }
        if self.stdio_relay {
            facts.push(Fact::StdioPeers);
        }
        if self.interactive || self.kernel_thread_name {
            facts.push(Fact::Cmdline);
        }
        if self.hidden_from_proc {
            facts.push(Fact::HiddenProcesses);
        }
        facts.push(Fact::Pids);
        facts
    }

    fn needs_process_facts(&self) -> bool {
        true
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Default globs for a list key that is absent.
fn default_globs(reader: &TableReader<'_>, patterns: &[&str], paths: bool, diags: &mut Vec<Diag>) -> Globs {
    let items: Vec<RawItem> = patterns
        .iter()
        .map(|p| RawItem {
            value: Scalar::Str((*p).to_string()),
            loc: Loc {
                file: reader.file(),
                span: 0..0,
            },
        })
        .collect();
    Globs::build(&items, paths, diags)
}

/// Reads the kind's own keys; a rule without any condition is an error.
pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> ProcessRule {
    let selector = Selector::read(reader, lists, diags);
    let known = reader
        .items("known", diags)
        .map(|items| Globs::build(&lists.expand(&items, diags), true, diags));
    let mut flag = |key: &str, diags: &mut Vec<Diag>| reader.boolean(key, diags).is_some_and(|(b, _)| b);
    let exe_deleted = flag("exe-deleted", diags);
    let masquerade = flag("masquerade", diags);
    let stdio_socket = flag("stdio-socket", diags);
    let stdio_relay = flag("stdio-relay", diags);
    let holds_connection = flag("holds-connection", diags);
    let interactive = flag("interactive", diags);
    let kernel_thread_name = flag("kernel-thread-name", diags);
    let hidden_from_proc = flag("hidden-from-proc", diags);
    let owns_sockets = reader.boolean("owns-sockets", diags).map(|(b, _)| b);
    let peer = reader
        .items("peer", diags)
        .map(|items| AddrSpec::build(&lists.expand(&items, diags), diags));
    let interpreters = match reader.items("interpreters", diags) {
        Some(items) => Globs::build(&lists.expand(&items, diags), false, diags),
        None => default_globs(reader, DEFAULT_INTERPRETERS, false, diags),
    };
    let trusted_relays = match reader.items("trusted-relays", diags) {
        Some(items) => Globs::build(&lists.expand(&items, diags), true, diags),
        None => default_globs(reader, DEFAULT_TRUSTED_RELAYS, true, diags),
    };
    let has_condition = selector.needs_process()
        || known.is_some()
        || exe_deleted
        || masquerade
        || stdio_socket
        || stdio_relay
        || holds_connection
        || interactive
        || kernel_thread_name
        || hidden_from_proc;
    if !has_condition && let Some(loc) = reader.value_loc("id") {
        diags.push(
            Diag::at(loc, "process rule has no condition", "it would match every process")
                .help("set at least one of: known, exe, exe-deleted, masquerade, stdio-socket, stdio-relay, holds-connection, interactive, kernel-thread-name, hidden-from-proc, exec-option, process, user"),
        );
    }
    ProcessRule {
        selector,
        known,
        exe_deleted,
        masquerade,
        stdio_socket,
        stdio_relay,
        holds_connection,
        interactive,
        peer,
        trusted_relays,
        kernel_thread_name,
        hidden_from_proc,
        owns_sockets,
        interpreters,
    }
}

/// One finding per program (exe and user) for which every condition holds.
fn evaluate(run: &RuleRun<'_>, rule: &ProcessRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let candidates: Vec<_> = if rule.sees_socketless() {
        ctx.processes().collect()
    } else {
        ctx.processes_with_sockets().collect()
    };
    for (process, sockets) in candidates {
        if rule
            .owns_sockets
            .is_some_and(|owns| owns == sockets.is_empty())
        {
            continue;
        }
        let Some(held) = conditions::hold(rule, process, sockets, ctx) else {
            continue;
        };
        if run.allowed_process(process, sockets) {
            continue;
        }
        let what = run
            .common
            .description
            .clone()
            .unwrap_or_else(|| format!("suspicious process ({})", run.common.id));
        let exe = process.exe.as_deref().unwrap_or("exe unknown");
        let owns = if sockets.is_empty() {
            "owns no socket".to_string()
        } else {
            format!("owns {} socket(s)", sockets.len())
        };
        let message = format!(
            "{what}: {} (pid {}, {exe}{}) {owns}: {}",
            process.name,
            process.pid,
            process
                .user
                .as_deref()
                .map_or(String::new(), |u| format!(", user {u}")),
            held.reasons.join("; ")
        );
        let evidence = if held.evidence.is_empty() { sockets.to_vec() } else { held.evidence };
        out.push(run.process_finding(message, process, &evidence));
    }
}

/// The enabled process rules.
fn enabled(rules: &crate::rules::RuleSet) -> impl Iterator<Item = &ProcessRule> {
    rules
        .rules
        .iter()
        .filter(|r| r.common.enabled)
        .filter_map(|r| r.body.as_any().downcast_ref::<ProcessRule>())
}

/// The process-name globs of the enabled rules that follow stdio pipes and ptys (`*` for such
/// a rule without a `process` key): the live collector follows only those processes.
pub fn stdio_peer_names(rules: &crate::rules::RuleSet) -> Vec<String> {
    let mut names: Vec<String> = enabled(rules)
        .filter(|r| r.stdio_relay)
        .flat_map(|r| match &r.selector.process {
            Some(globs) => globs.patterns().to_vec(),
            None => vec!["*".to_string()],
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether an enabled rule looks for processes named like kernel threads (else the live
/// collector does not read every process's `stat`).
pub fn looks_at_kernel_thread_names(rules: &crate::rules::RuleSet) -> bool {
    enabled(rules).any(|r| r.kernel_thread_name)
}
