//! What a rule kind receives: the snapshot indexed once ([`Context`]), the rule being run with
//! its live allow entries ([`RuleRun`]), and the phrases every kind's messages share.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use super::common::{Allow, Common};
use crate::enrich::Enrichment;
use crate::model::finding::{Evidence, Finding, RuleKind, fingerprint};
use crate::model::remote::RemoteInfo;
use crate::model::{Process, Protocol, Snapshot, Socket};

/// Indexes over one snapshot, built once per evaluation.
pub struct Context<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// Facts about remote addresses.
    pub enrichment: &'a Enrichment,
    listening: HashSet<(Protocol, u16)>,
    sockets_by_pid: BTreeMap<u32, Vec<&'a Socket>>,
    /// Indexes a kind builds once per evaluation and shares across its rules (the Sigma
    /// event table), by type.
    memo: RefCell<HashMap<TypeId, Rc<dyn Any>>>,
}

impl<'a> Context<'a> {
    /// Indexes a snapshot.
    pub fn new(snapshot: &'a Snapshot, enrichment: &'a Enrichment) -> Context<'a> {
        let mut listening = HashSet::new();
        let mut sockets_by_pid: BTreeMap<u32, Vec<&Socket>> = BTreeMap::new();
        for s in &snapshot.sockets {
            if s.is_listener() {
                listening.insert((s.proto, s.local_port));
            }
            for pid in &s.pids {
                sockets_by_pid.entry(*pid).or_default().push(s);
            }
        }
        Context {
            snapshot,
            enrichment,
            listening,
            sockets_by_pid,
            memo: RefCell::default(),
        }
    }

    /// The index of type `T`, built by `build` the first time a rule asks for it in this
    /// evaluation: 1,000 Sigma rules share one event table instead of building 1,000.
    pub fn memo<T: Any>(&self, build: impl FnOnce(&Context<'a>) -> T) -> Rc<T> {
        let key = TypeId::of::<T>();
        if let Some(found) = self.memo.borrow().get(&key).cloned()
            && let Ok(t) = found.downcast::<T>()
        {
            return t;
        }
        let built = Rc::new(build(self));
        self.memo
            .borrow_mut()
            .insert(key, Rc::clone(&built) as Rc<dyn Any>);
        built
    }

    /// The first owning process with known facts.
    pub fn process(&self, socket: &Socket) -> Option<&'a Process> {
        self.snapshot.process_of(socket)
    }

    /// Processes that own sockets, with their sockets, in PID order.
    pub fn processes_with_sockets(&self) -> impl Iterator<Item = (&'a Process, &[&'a Socket])> {
        self.sockets_by_pid.iter().filter_map(|(pid, sockets)| {
            self.snapshot
                .processes
                .get(pid)
                .map(|p| (p, sockets.as_slice()))
        })
    }

    /// Every described process with its sockets (none for a process the collector described
    /// for another reason: a relayed shell, a kernel-thread lookalike), in PID order.
    pub fn processes(&self) -> impl Iterator<Item = (&'a Process, &[&'a Socket])> {
        self.snapshot
            .processes
            .values()
            .map(|p| (p, self.sockets_of(p.pid)))
    }

    /// The sockets `pid` holds.
    pub fn sockets_of(&self, pid: u32) -> &[&'a Socket] {
        self.sockets_by_pid.get(&pid).map_or(&[], Vec::as_slice)
    }

    /// What is known about a remote address.
    pub fn remote_info(&self, ip: std::net::IpAddr) -> std::borrow::Cow<'a, RemoteInfo> {
        self.enrichment.lookup(ip)
    }

    /// A connected socket is inbound when its local port is one we listen on.
    pub fn is_inbound(&self, socket: &Socket) -> bool {
        self.listening.contains(&(socket.proto, socket.local_port))
    }

    /// A port as it goes into fingerprints: `ephemeral` inside the kernel's client range.
    pub fn stable_port(&self, port: u16) -> String {
        if self.snapshot.host.is_ephemeral(port) {
            "ephemeral".to_string()
        } else {
            port.to_string()
        }
    }
}

/// A rule being evaluated, with its still-valid allow entries.
pub struct RuleRun<'r> {
    /// The rule's shared fields.
    pub common: &'r Common,
    /// The rule's kind.
    pub kind: RuleKind,
    /// Its allow entries that have not expired.
    pub(super) allows: Vec<&'r Allow>,
}

impl<'r> RuleRun<'r> {
    /// Whether an allow entry covers this socket.
    pub fn allowed(&self, socket: &Socket, process: Option<&Process>) -> bool {
        self.allows
            .iter()
            .any(|a| a.selector.matches(socket, process))
    }

    /// Whether an allow entry covers this process (process-level conditions only).
    pub fn allowed_process(&self, process: &Process, sockets: &[&Socket]) -> bool {
        self.allows.iter().any(|a| {
            let s = &a.selector;
            if s.has_socket_conditions() {
                sockets.iter().any(|sock| s.matches(sock, Some(process)))
            } else {
                s.matches_process(Some(process))
            }
        })
    }

    /// A finding about a program (process rules, new programs): identified by its executable
    /// and user, never its PID (nor its container: the same program in two containers is one
    /// finding); evidence is its sockets.
    pub fn process_finding(
        &self,
        message: String,
        process: &Process,
        sockets: &[&Socket],
    ) -> Finding {
        let user = process.user.clone().unwrap_or_default();
        self.build(
            message,
            &[&program_identity(Some(process)), &user],
            sockets.first().copied(),
            Some(process),
            Evidence::of(sockets),
        )
    }

    /// Builds a finding of this rule. A socket outside the host's network namespace is
    /// identified with its namespace too (two containers listening on the same port are two
    /// findings), and the message says where it is.
    pub fn finding(
        &self,
        message: String,
        identity: &[&str],
        socket: Option<&Socket>,
        process: Option<&Process>,
        evidence: Evidence,
    ) -> Finding {
        match socket.filter(|s| !s.in_host_netns()) {
            Some(s) => {
                let label = s.netns_label();
                let mut parts = identity.to_vec();
                parts.push(label);
                let message = format!("{message} in netns {label}");
                self.build(message, &parts, socket, process, evidence)
            }
            None => self.build(message, identity, socket, process, evidence),
        }
    }

    fn build(
        &self,
        message: String,
        identity: &[&str],
        socket: Option<&Socket>,
        process: Option<&Process>,
        evidence: Evidence,
    ) -> Finding {
        let common = self.common;
        let mut parts = vec![common.id.as_str()];
        parts.extend_from_slice(identity);
        Finding {
            rule: common.id.clone(),
            kind: self.kind.clone(),
            severity: common.severity,
            message,
            fingerprint: fingerprint(&parts),
            origin: common.origin.clone(),
            socket: socket.cloned(),
            process: process.cloned(),
            remote: None,
            evidence,
        }
    }
}

/// The owner for messages: `nc (pid 4242)`, or why it is unknown.
pub fn owner_phrase(socket: &Socket, process: Option<&Process>) -> String {
    match (process, socket.pids.first()) {
        (Some(p), _) => format!("{} (pid {})", p.name, p.pid),
        (None, Some(pid)) => format!("pid {pid}"),
        (None, None) => match socket.unattributed {
            Some(reason) => format!("owner unknown ({})", reason.as_str()),
            None => "owner unknown".to_string(),
        },
    }
}

/// `exe` or name, the program identity used in fingerprints.
pub fn program_identity(process: Option<&Process>) -> String {
    process
        .map(|p| p.exe.clone().unwrap_or_else(|| p.name.clone()))
        .unwrap_or_else(|| "?".to_string())
}
