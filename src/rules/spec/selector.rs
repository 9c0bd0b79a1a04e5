//! Which sockets and processes a rule or an allow entry is about: the selector keys.

use super::lists::Lists;
use super::values::{AddrSpec, Globs, NameSet, PortSet, UserSet, build_proto};
use crate::model::{Fact, Process, Protocol, Socket};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::TableReader;

/// Socket and process conditions shared by rule matchers and allow entries. Every set field
/// must match (AND); within a field any value may match (OR).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Local port.
    pub port: Option<PortSet>,
    /// Protocol.
    pub proto: Option<Protocol>,
    /// Local (bind) address: scopes, IPs, CIDRs.
    pub bind: Option<AddrSpec>,
    /// Process name globs.
    pub process: Option<Globs>,
    /// Exe path globs.
    pub exe: Option<Globs>,
    /// Users.
    pub user: Option<UserSet>,
    /// Remote port.
    pub remote_port: Option<PortSet>,
    /// Remote address: scopes, IPs, CIDRs.
    pub remote: Option<AddrSpec>,
    /// Network namespace labels (`host`, an `ip netns` name, `docker:*`...).
    pub namespace: Option<NameSet>,
    /// Containers of the owning process (`docker:0123456789ab`, the full id, `docker:*`).
    pub container: Option<NameSet>,
    /// systemd units of the owning process (`nginx.service`, `session-*.scope`).
    pub unit: Option<NameSet>,
    /// The owner's command line carries an exec option (`nc -e`, socat `EXEC:`).
    pub exec_option: bool,
}

/// Keys a [`Selector`] reads.
pub const SELECTOR_KEYS: [&str; 12] = [
    "port",
    "proto",
    "bind",
    "process",
    "exe",
    "user",
    "remote-port",
    "remote",
    "namespace",
    "container",
    "unit",
    "exec-option",
];

impl Selector {
    /// The process facts its conditions read: a snapshot without them cannot be judged.
    pub fn needed_facts(&self) -> Vec<Fact> {
        let mut facts = Vec::new();
        if self.process.is_some() {
            facts.push(Fact::ProcessNames);
        }
        if self.exe.is_some() {
            facts.push(Fact::Exe);
        }
        if self.user.is_some() {
            facts.push(Fact::User);
        }
        if self.container.is_some() || self.unit.is_some() {
            facts.push(Fact::Cgroups);
        }
        if self.exec_option {
            facts.push(Fact::Cmdline);
        }
        facts
    }

    /// Reads the selector keys present in a table.
    pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> Selector {
        let mut items = |key: &str, diags: &mut Vec<Diag>| {
            reader
                .items(key, diags)
                .map(|raw| lists.expand(&raw, diags))
        };
        let port = items("port", diags).map(|i| PortSet::build(&i, diags));
        let bind = items("bind", diags).map(|i| AddrSpec::build(&i, diags));
        let process = items("process", diags).map(|i| Globs::build(&i, false, diags));
        let exe = items("exe", diags).map(|i| Globs::build(&i, true, diags));
        let user = items("user", diags).map(|i| UserSet::build(&i, diags));
        let remote_port = items("remote-port", diags).map(|i| PortSet::build(&i, diags));
        let remote = items("remote", diags).map(|i| AddrSpec::build(&i, diags));
        let namespace = items("namespace", diags).map(|i| NameSet::build(&i, diags));
        let container = items("container", diags).map(|i| NameSet::build(&i, diags));
        let unit = items("unit", diags).map(|i| NameSet::build(&i, diags));
        let exec_option = reader.boolean("exec-option", diags).is_some_and(|(b, _)| b);
        let proto = reader
            .string("proto", diags)
            .and_then(|(text, loc)| build_proto(&text, loc, diags));
        Selector {
            port,
            proto,
            bind,
            process,
            exe,
            user,
            remote_port,
            remote,
            namespace,
            container,
            unit,
            exec_option,
        }
    }

    /// Whether the selector needs process facts to decide.
    pub fn needs_process(&self) -> bool {
        self.process.is_some()
            || self.exe.is_some()
            || self.user.is_some()
            || self.container.is_some()
            || self.unit.is_some()
            || self.exec_option
    }

    /// Whether any socket-level condition is set (not only process ones).
    pub fn has_socket_conditions(&self) -> bool {
        self.port.is_some()
            || self.proto.is_some()
            || self.bind.is_some()
            || self.remote.is_some()
            || self.remote_port.is_some()
            || self.namespace.is_some()
    }

    /// Whether `socket` (owned by `process`, when known) satisfies every set condition.
    pub fn matches(&self, socket: &Socket, process: Option<&Process>) -> bool {
        self.matches_socket(socket) && self.matches_process(process)
    }

    /// The socket-only conditions (cheap: checked before looking the owner up).
    pub fn matches_socket(&self, socket: &Socket) -> bool {
        self.port
            .as_ref()
            .is_none_or(|p| p.contains(socket.local_port))
            && self.proto.is_none_or(|p| p == socket.proto)
            && self.bind.as_ref().is_none_or(|b| {
                socket
                    .local_ip()
                    .map_or_else(|| b.matches_unknown(), |a| b.matches(a))
            })
            && self
                .remote_port
                .as_ref()
                .is_none_or(|p| socket.remote_port.is_some_and(|rp| p.contains(rp)))
            && self
                .remote
                .as_ref()
                .is_none_or(|r| match socket.remote_ip() {
                    Some(ra) => r.matches(ra),
                    // A peer printed as a name: only `remote = "unknown"` takes it.
                    None => socket.remote_name().is_some() && r.matches_unknown(),
                })
            && self
                .namespace
                .as_ref()
                .is_none_or(|n| n.matches_any([socket.netns_label()]))
    }

    /// The process-only conditions; an unknown process matches none of them.
    pub fn matches_process(&self, process: Option<&Process>) -> bool {
        if !self.needs_process() {
            return true;
        }
        let Some(p) = process else { return false };
        self.process.as_ref().is_none_or(|g| g.is_match(&p.name))
            && self
                .exe
                .as_ref()
                .is_none_or(|g| p.exe.as_deref().is_some_and(|e| g.is_match(e)))
            && self.user.as_ref().is_none_or(|u| u.matches(p))
            && self.container.as_ref().is_none_or(|set| {
                // A process outside any container is named by no name at all: `!docker:*`
                // matches it, `docker:*` does not.
                let names = p
                    .container
                    .as_ref()
                    .map(|c| [c.short(), format!("{}:{}", c.runtime, c.id), c.id.clone()]);
                set.matches_any(names.iter().flatten().map(String::as_str))
            })
            && self
                .unit
                .as_ref()
                .is_none_or(|set| set.matches_any(p.unit.as_deref()))
            && (!self.exec_option || super::exec_option::exec_option(&p.cmdline).is_some())
    }
}
