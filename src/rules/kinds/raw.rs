#![doc = include_str!("../../../docs/rules/raw.md")]

use std::collections::BTreeMap;

use crate::model::finding::{Evidence, Finding, RuleKind};
use crate::model::rawsock::parse_protocol;
use crate::model::{Fact, Process, RawKind, RawSocket};
use crate::rules::context::{Context, RuleRun, program_identity};
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::{Scalar, TableReader};
use crate::rules::spec::{Globs, Lists, Selector};

/// The `[[raw]]` kind.
pub struct Raw;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("raw");

impl Kind for Raw {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../docs/rules/raw.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "kind",
            "protocol",
            "known-exe",
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

/// Settings of a `[[raw]]` rule.
#[derive(Debug, Clone)]
pub struct RawRule {
    /// `raw` or `packet`; both when absent.
    pub kind: Option<RawKind>,
    /// (kind, protocol number) pairs it looks at; every protocol when absent.
    pub protocols: Option<Vec<(RawKind, u16)>>,
    /// Owners whose exe matches one of these paths are expected (by path, never by name: a
    /// copy of tcpdump under /tmp is not tcpdump).
    pub known_exe: Option<Globs>,
    /// Process conditions (`process`, `exe`, `user`, `container`, `unit`) and `namespace`.
    pub selector: Selector,
}

impl Body for RawRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needed_facts(&self) -> Vec<Fact> {
        let mut facts = vec![Fact::RawSockets, Fact::Pids];
        if self.known_exe.is_some() {
            facts.push(Fact::Exe);
        }
        facts.extend(self.selector.needed_facts());
        facts
    }

    fn needs_process_facts(&self) -> bool {
        true
    }

    fn checks_inet_owners(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Reads the kind's own keys.
pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> RawRule {
    let selector = Selector::read(reader, lists, diags);
    let kind = reader
        .string("kind", diags)
        .and_then(|(text, loc)| match text.as_str() {
            "raw" => Some(RawKind::Raw),
            "packet" => Some(RawKind::Packet),
            _ => {
                diags.push(
                    Diag::at(loc, format!("unknown socket kind `{text}`"), "bad kind")
                        .help("expected `raw` (raw IP sockets) or `packet` (AF_PACKET)"),
                );
                None
            }
        });
    let kinds: Vec<RawKind> = kind.map_or(vec![RawKind::Raw, RawKind::Packet], |k| vec![k]);
    let protocols = reader.items("protocol", diags).map(|items| {
        let mut out = Vec::new();
        for item in lists.expand(&items, diags) {
            let text = match &item.value {
                Scalar::Int(n) => n.to_string(),
                Scalar::Str(s) => s.clone(),
            };
            let found: Vec<(RawKind, u16)> = kinds
                .iter()
                .filter_map(|k| parse_protocol(*k, &text).map(|n| (*k, n)))
                .collect();
            if found.is_empty() {
                diags.push(
                    Diag::at(item.loc.clone(), format!("unknown protocol `{text}`"), "bad protocol")
                        .help("a number (1, 0x0003) or a name: icmp, icmpv6, raw, igmp, vrrp, ospf (raw); all, ip, ipv6, arp, lldp, eapol (packet)"),
                );
            }
            out.extend(found);
        }
        out
    });
    let known_exe = reader
        .items("known-exe", diags)
        .map(|items| Globs::build(&lists.expand(&items, diags), true, diags));
    RawRule {
        kind,
        protocols,
        known_exe,
        selector,
    }
}

/// One finding per program (exe, user), socket kind and protocol, and namespace; its
/// evidence lists the sockets.
fn evaluate(run: &RuleRun<'_>, rule: &RawRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    type Key<'a> = (String, String, RawKind, u16, &'a str);
    let mut groups: BTreeMap<Key<'_>, (&Process, Vec<&RawSocket>)> = BTreeMap::new();
    for socket in &ctx.snapshot.raw_sockets {
        if rule.kind.is_some_and(|k| k != socket.kind)
            || rule
                .protocols
                .as_ref()
                .is_some_and(|p| !p.contains(&(socket.kind, socket.protocol)))
            || rule
                .selector
                .namespace
                .as_ref()
                .is_some_and(|n| !n.matches_any([socket.netns_label()]))
        {
            continue;
        }
        // A socket without a known owner is a coverage gap, not an unexpected program.
        let Some(process) = socket
            .pids
            .iter()
            .find_map(|p| ctx.snapshot.processes.get(p))
        else {
            continue;
        };
        if !rule.selector.matches_process(Some(process))
            || rule.known_exe.as_ref().is_some_and(|known| {
                process.exe.as_deref().is_some_and(|e| known.is_match(e))
            })
            || run.allowed_process(process, &[])
        {
            continue;
        }
        let key = (
            program_identity(Some(process)),
            process.user.clone().unwrap_or_default(),
            socket.kind,
            socket.protocol,
            socket.netns_label(),
        );
        groups.entry(key).or_insert((process, Vec::new())).1.push(socket);
    }
    for ((program, user, kind, _, netns), (process, sockets)) in groups {
        out.push(finding(run, process, &sockets, [&program, &user, kind.as_str(), netns]));
    }
}

fn finding(
    run: &RuleRun<'_>,
    process: &Process,
    sockets: &[&RawSocket],
    [program, user, kind, netns]: [&str; 4],
) -> Finding {
    let what = run
        .common
        .description
        .clone()
        .unwrap_or_else(|| format!("unexpected raw socket ({})", run.common.id));
    let first = sockets[0];
    let inodes: Vec<String> = sockets.iter().map(|s| s.inode.to_string()).collect();
    let pids: std::collections::BTreeSet<u32> =
        sockets.iter().flat_map(|s| s.pids.iter().copied()).collect();
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    let mut message = format!(
        "{what}: {} held by {} (pid {}, {}{}), inode {}",
        first.describe(),
        process.name,
        pids.join(", "),
        process.exe.as_deref().unwrap_or("exe unknown"),
        process
            .user
            .as_deref()
            .map_or(String::new(), |u| format!(", user {u}")),
        inodes.join(", ")
    );
    let protocol = first.protocol.to_string();
    let mut identity = vec![program, user, kind, protocol.as_str()];
    if !first.in_host_netns() {
        message.push_str(&format!(" in netns {netns}"));
        identity.push(netns);
    }
    let mut f = run.finding(message, &identity, None, Some(process), Evidence::default());
    f.evidence.count = sockets.len();
    f.evidence.raw_sockets = sockets
        .iter()
        .take(Evidence::MAX_SOCKETS)
        .map(|s| (*s).clone())
        .collect();
    f
}
