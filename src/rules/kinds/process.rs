#![doc = include_str!("../../../docs/rules/process.md")]

use crate::model::Fact;
use crate::model::Process;
use crate::model::finding::Finding;
use crate::model::finding::RuleKind;
use crate::rules::context::{Context, RuleRun};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::{Diag, Loc};
use crate::rules::load::reader::{RawItem, Scalar, TableReader};
use crate::rules::spec::{Globs, Lists, Selector};

/// The `[[process]]` kind.
pub struct ProcessKind;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("process");

impl Kind for ProcessKind {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../docs/rules/process.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "known",
            "exe",
            "exe-deleted",
            "masquerade",
            "stdio-socket",
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
        if self.known.is_some() || self.exe_deleted || self.masquerade {
            facts.push(Fact::Exe);
        }
        if self.stdio_socket {
            facts.push(Fact::StdioSockets);
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

/// Exe file names whose processes legitimately carry a script's name.
pub const DEFAULT_INTERPRETERS: &[&str] = &[
    "python*", "pypy*", "perl*", "ruby*", "node", "nodejs", "java", "php*", "bash", "sh", "dash",
    "zsh", "ksh*", "mksh", "lua*", "tclsh*", "wish*", "mono*", "dotnet", "busybox", "qemu-*",
];

/// Settings of a `[[process]]` rule.
#[derive(Debug, Clone)]
pub struct ProcessRule {
    /// `process`, `exe`, `user` conditions.
    pub selector: Selector,
    /// Fires for processes matching none of these (name or exe).
    pub known: Option<Globs>,
    /// Fires for deleted (not replaced) executables.
    pub exe_deleted: bool,
    /// Fires when the name is not the exe's file name.
    pub masquerade: bool,
    /// Fires when fd 0, 1 or 2 is a socket.
    pub stdio_socket: bool,
    /// Exempt from `masquerade`.
    pub interpreters: Globs,
}

/// Reads the kind's own keys; a rule without any condition is an error.
pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> ProcessRule {
    let selector = Selector::read(reader, lists, diags);
    let known = reader
        .items("known", diags)
        .map(|items| Globs::build(&lists.expand(&items, diags), true, diags));
    let exe_deleted = reader.boolean("exe-deleted", diags).is_some_and(|(b, _)| b);
    let masquerade = reader.boolean("masquerade", diags).is_some_and(|(b, _)| b);
    let stdio_socket = reader
        .boolean("stdio-socket", diags)
        .is_some_and(|(b, _)| b);
    let interpreters = match reader.items("interpreters", diags) {
        Some(items) => Globs::build(&lists.expand(&items, diags), false, diags),
        None => {
            let defaults: Vec<RawItem> = DEFAULT_INTERPRETERS
                .iter()
                .map(|p| RawItem {
                    value: Scalar::Str((*p).to_string()),
                    loc: Loc {
                        file: reader.file(),
                        span: 0..0,
                    },
                })
                .collect();
            Globs::build(&defaults, false, diags)
        }
    };
    let has_condition =
        selector.needs_process() || known.is_some() || exe_deleted || masquerade || stdio_socket;
    if !has_condition && let Some(loc) = reader.value_loc("id") {
        diags.push(
            Diag::at(loc, "process rule has no condition", "it would match every process")
                .help("set at least one of: known, exe, exe-deleted, masquerade, stdio-socket, process, user"),
        );
    }
    ProcessRule {
        selector,
        known,
        exe_deleted,
        masquerade,
        stdio_socket,
        interpreters,
    }
}

/// One finding per program (exe and user) for which every condition holds.
fn evaluate(run: &RuleRun<'_>, rule: &ProcessRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (process, sockets) in ctx.processes_with_sockets() {
        let Some(reasons) = conditions_hold(rule, process) else {
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
        let message = format!(
            "{what}: {} (pid {}, {exe}{}) owns {} socket(s): {}",
            process.name,
            process.pid,
            process
                .user
                .as_deref()
                .map_or(String::new(), |u| format!(", user {u}")),
            sockets.len(),
            reasons.join("; ")
        );
        out.push(run.process_finding(message, process, sockets));
    }
}

/// The reasons the rule fires for `process`, or `None` when a condition does not hold.
fn conditions_hold(rule: &ProcessRule, process: &Process) -> Option<Vec<String>> {
    let mut reasons = Vec::new();
    if rule.selector.needs_process() {
        if !rule.selector.matches_process(Some(process)) {
            return None;
        }
        if let Some(exe_globs) = &rule.selector.exe {
            reasons.push(format!("exe matches {}", exe_globs.patterns().join(", ")));
        }
    }
    if let Some(known) = &rule.known {
        let is_known = known.is_match(&process.name)
            || process.exe.as_deref().is_some_and(|e| known.is_match(e));
        if is_known {
            return None;
        }
        reasons.push("not a known program".to_string());
    }
    if rule.exe_deleted {
        if !process.exe_deleted || process.exe_replaced {
            return None;
        }
        reasons.push("its executable was deleted".to_string());
    }
    if rule.masquerade {
        let exe_name = process.exe.as_deref().and_then(|e| e.rsplit('/').next())?;
        if rule.interpreters.is_match(exe_name) || names_agree(&process.name, exe_name) {
            return None;
        }
        reasons.push(format!(
            "name `{}` is not its executable `{exe_name}`",
            process.name
        ));
    }
    if rule.stdio_socket {
        if process.stdio_sockets.is_empty() {
            return None;
        }
        let fds: Vec<String> = process.stdio_sockets.iter().map(u32::to_string).collect();
        reasons.push(format!("fd {} is a network socket", fds.join(", ")));
    }
    Some(reasons)
}

/// comm is the exe's file name cut to 15 bytes; `python3` running `python3.11` also agrees.
fn names_agree(name: &str, exe_name: &str) -> bool {
    !name.is_empty() && (exe_name.starts_with(name) || name.starts_with(exe_name))
}

#[cfg(test)]
mod tests {
    use super::names_agree;

    #[test]
    fn truncated_and_versioned_names_agree() {
        assert!(names_agree("systemd-resolve", "systemd-resolved"));
        assert!(names_agree("python3", "python3.11"));
        assert!(names_agree("sshd", "sshd"));
        assert!(!names_agree("sshd", "miner"));
        assert!(!names_agree("[kworker/0:1]", "x"));
        assert!(!names_agree("", "x"));
    }
}
