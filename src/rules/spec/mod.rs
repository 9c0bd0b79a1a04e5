//! Typed values of rule keys (ports, address scopes and CIDRs, globs, users, states), built
//! from raw items with `@list` references expanded, and the [`Selector`] they combine into.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::RangeInclusive;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ipnet::IpNet;

use crate::model::scope::{Scope, canonical, classify};
use crate::model::{Fact, Process, Protocol, Socket, TcpState};
use crate::rules::load::diag::{Diag, Loc};
use crate::rules::load::reader::{RawItem, Scalar, TableReader};

/// Named lists from every `[lists]` table, in load order (later files extend earlier lists).
#[derive(Debug, Default)]
pub struct Lists {
    items: BTreeMap<String, Vec<RawItem>>,
}

impl Lists {
    /// Appends items to a list (creating it).
    pub fn extend(&mut self, name: &str, items: Vec<RawItem>) {
        self.items
            .entry(name.to_string())
            .or_default()
            .extend(items);
    }

    /// Names of all lists.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.items.keys().map(String::as_str)
    }

    /// The items of a list.
    pub fn get(&self, name: &str) -> Option<&[RawItem]> {
        self.items.get(name).map(Vec::as_slice)
    }

    /// Replaces every `"@name"` item by the items of that list.
    pub fn expand(&self, items: &[RawItem], diags: &mut Vec<Diag>) -> Vec<RawItem> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                Scalar::Str(s) if s.starts_with('@') => {
                    let name = &s[1..];
                    match self.items.get(name) {
                        Some(list) => {
                            for entry in list {
                                if matches!(&entry.value, Scalar::Str(v) if v.starts_with('@')) {
                                    diags.push(Diag::at(
                                        entry.loc.clone(),
                                        "a list cannot refer to another list",
                                        "nested @list",
                                    ));
                                } else {
                                    out.push(entry.clone());
                                }
                            }
                        }
                        None => {
                            let known: Vec<&str> = self.names().collect();
                            let mut diag = Diag::at(
                                item.loc.clone(),
                                format!("unknown list `@{name}`"),
                                "no [lists] entry has this name",
                            );
                            diag = match crate::rules::load::diag::did_you_mean(name, &known) {
                                Some(s) => diag.help(format!("did you mean `@{s}`?")),
                                None if known.is_empty() => diag.help("define it under [lists]"),
                                None => diag.help(format!("known lists: {}", known.join(", "))),
                            };
                            diags.push(diag);
                        }
                    }
                }
                _ => out.push(item.clone()),
            }
        }
        out
    }
}

/// A set of ports: numbers and inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSet {
    ranges: Vec<RangeInclusive<u16>>,
}

impl PortSet {
    /// Whether `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        self.ranges.iter().any(|r| r.contains(&port))
    }

    /// `22, 8000-8100`.
    pub fn describe(&self) -> String {
        self.ranges
            .iter()
            .map(|r| {
                if r.start() == r.end() {
                    r.start().to_string()
                } else {
                    format!("{}-{}", r.start(), r.end())
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Builds a port set; each bad item is a diagnostic.
    pub fn build(items: &[RawItem], diags: &mut Vec<Diag>) -> PortSet {
        let mut ranges = Vec::new();
        for item in items {
            match parse_port_item(&item.value) {
                Ok(r) => ranges.push(r),
                Err(msg) => diags.push(
                    Diag::at(item.loc.clone(), msg, "not a valid port")
                        .help("ports are 1-65535: a number, a range \"8000-8100\", or \"@list\""),
                ),
            }
        }
        PortSet { ranges }
    }
}

fn port_number(n: i64) -> Result<u16, String> {
    match u16::try_from(n) {
        Ok(0) => Err("port 0 is not a valid port".to_string()),
        Ok(p) => Ok(p),
        Err(_) => Err(format!("port {n} is out of range (1-65535)")),
    }
}

fn parse_port_item(value: &Scalar) -> Result<RangeInclusive<u16>, String> {
    match value {
        Scalar::Int(n) => port_number(*n).map(|p| p..=p),
        Scalar::Str(s) => {
            let parse = |t: &str| {
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("`{s}` is not a port or a port range"))
                    .and_then(port_number)
            };
            match s.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (parse(a)?, parse(b)?);
                    if a > b {
                        Err(format!("port range `{s}` is backwards ({a} > {b})"))
                    } else {
                        Ok(a..=b)
                    }
                }
                None => parse(s).map(|p| p..=p),
            }
        }
    }
}

/// One address condition: a scope or a network, possibly negated with `!`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AddrItem {
    Scope(Scope),
    Net(IpNet),
}

/// Address conditions: matches when any positive item matches (or there are none) and no
/// negated item does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrSpec {
    include: Vec<AddrItem>,
    exclude: Vec<AddrItem>,
}

impl AddrSpec {
    /// Whether `addr` satisfies the conditions.
    pub fn matches(&self, addr: IpAddr) -> bool {
        let addr = canonical(addr);
        let scope = classify(addr);
        let hit = |item: &AddrItem| match item {
            AddrItem::Scope(s) => *s == scope,
            AddrItem::Net(net) => net.contains(&addr),
        };
        (self.include.is_empty() || self.include.iter().any(hit)) && !self.exclude.iter().any(hit)
    }

    /// Builds from items: scope names (`loopback`, `any`, `private`, `public`...), IPs, CIDRs,
    /// each optionally prefixed with `!`.
    pub fn build(items: &[RawItem], diags: &mut Vec<Diag>) -> AddrSpec {
        let mut spec = AddrSpec::default();
        for item in items {
            let Scalar::Str(text) = &item.value else {
                diags.push(Diag::at(
                    item.loc.clone(),
                    "expected a scope, IP address or CIDR string",
                    "not a string",
                ));
                continue;
            };
            let (negate, body) = match text.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, text.trim()),
            };
            let parsed = if let Some(scope) = Scope::parse(body) {
                Some(AddrItem::Scope(scope))
            } else if let Ok(net) = body.parse::<IpNet>() {
                Some(AddrItem::Net(canonical_net(net)))
            } else if let Ok(ip) = body.parse::<IpAddr>() {
                Some(AddrItem::Net(IpNet::from(canonical(ip))))
            } else {
                None
            };
            match parsed {
                Some(p) if negate => spec.exclude.push(p),
                Some(p) => spec.include.push(p),
                None => {
                    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                    diags.push(
                        Diag::at(item.loc.clone(), format!("`{text}` is not a scope, IP address or CIDR"), "bad address")
                            .help(format!("scopes: {}; or e.g. 10.0.0.0/8, 2001:db8::/32, 192.0.2.1; prefix ! to exclude", scopes.join(", "))),
                    );
                }
            }
        }
        spec
    }
}

/// `::ffff:10.0.0.0/104` written for mapped addresses matches like `10.0.0.0/8`.
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
            Some(v4) if v6.prefix_len() >= 96 => {
                ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4)
            }
            _ => net,
        },
        v4 => v4,
    }
}

/// Glob patterns (`/tmp/**`, `python3*`).
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
    patterns: Vec<String>,
}

impl Globs {
    /// Whether any pattern matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.set.is_match(text)
    }

    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Builds a glob set; `paths` makes `*` stop at `/` (use `**` to cross directories).
    pub fn build(items: &[RawItem], paths: bool, diags: &mut Vec<Diag>) -> Globs {
        let mut builder = GlobSetBuilder::new();
        let mut patterns = Vec::new();
        for item in items {
            let Scalar::Str(text) = &item.value else {
                diags.push(Diag::at(
                    item.loc.clone(),
                    "expected a glob pattern string",
                    "not a string",
                ));
                continue;
            };
            match GlobBuilder::new(text).literal_separator(paths).build() {
                Ok(glob) => {
                    builder.add(glob);
                    patterns.push(text.clone());
                }
                Err(err) => diags.push(Diag::at(
                    item.loc.clone(),
                    format!("bad glob `{text}`: {}", err.kind()),
                    "invalid pattern",
                )),
            }
        }
        let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
        Globs { set, patterns }
    }
}

/// Name patterns with optional `!` exclusions: matches when any positive pattern matches (or
/// there are none) and no `!pattern` does. For namespace labels, containers and units.
#[derive(Debug, Clone)]
pub struct NameSet {
    include: Option<Globs>,
    exclude: Option<Globs>,
}

impl NameSet {
    /// Whether any of `names` (the ways one thing can be named) satisfies the patterns.
    pub fn matches_any<'n>(&self, names: impl IntoIterator<Item = &'n str> + Clone) -> bool {
        let hit = |globs: &Globs| names.clone().into_iter().any(|n| globs.is_match(n));
        self.include.as_ref().is_none_or(hit) && !self.exclude.as_ref().is_some_and(hit)
    }

    /// Builds from glob strings, each optionally prefixed with `!`.
    pub fn build(items: &[RawItem], diags: &mut Vec<Diag>) -> NameSet {
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        for item in items {
            match &item.value {
                Scalar::Str(s) => match s.strip_prefix('!') {
                    Some(rest) => exclude.push(RawItem {
                        value: Scalar::Str(rest.trim().to_string()),
                        loc: item.loc.clone(),
                    }),
                    None => include.push(item.clone()),
                },
                Scalar::Int(_) => diags.push(Diag::at(
                    item.loc.clone(),
                    "expected a name or glob pattern string",
                    "not a string",
                )),
            }
        }
        let globs = |items: Vec<RawItem>, diags: &mut Vec<Diag>| {
            (!items.is_empty()).then(|| Globs::build(&items, false, diags))
        };
        NameSet {
            include: globs(include, diags),
            exclude: globs(exclude, diags),
        }
    }
}

/// Users by name or numeric uid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSet {
    names: Vec<String>,
    uids: Vec<u32>,
}

impl UserSet {
    /// Whether the process runs as one of these users.
    pub fn matches(&self, process: &Process) -> bool {
        process
            .user
            .as_ref()
            .is_some_and(|u| self.names.contains(u))
            || process.uid.is_some_and(|u| self.uids.contains(&u))
    }

    /// Builds from names and uids.
    pub fn build(items: &[RawItem], diags: &mut Vec<Diag>) -> UserSet {
        let mut set = UserSet::default();
        for item in items {
            match &item.value {
                Scalar::Str(s) => set.names.push(s.clone()),
                Scalar::Int(n) => match u32::try_from(*n) {
                    Ok(uid) => set.uids.push(uid),
                    Err(_) => diags.push(Diag::at(
                        item.loc.clone(),
                        format!("uid {n} is out of range"),
                        "bad uid",
                    )),
                },
            }
        }
        set
    }
}

/// Builds a list of TCP states.
pub fn build_states(items: &[RawItem], diags: &mut Vec<Diag>) -> Vec<TcpState> {
    let mut states = Vec::new();
    for item in items {
        match &item.value {
            Scalar::Str(s) => match TcpState::parse(s) {
                Some(st) => states.push(st),
                None => diags.push(
                    Diag::at(
                        item.loc.clone(),
                        format!("unknown TCP state `{s}`"),
                        "unknown state",
                    )
                    .help(format!(
                        "states: {}",
                        TcpState::ALL
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ),
            },
            Scalar::Int(_) => diags.push(Diag::at(
                item.loc.clone(),
                "a TCP state is a string like \"SYN_RECV\"",
                "not a string",
            )),
        }
    }
    states
}

/// Parses `proto = "tcp"`.
pub fn build_proto(text: &str, loc: Loc, diags: &mut Vec<Diag>) -> Option<Protocol> {
    match text {
        "tcp" => Some(Protocol::Tcp),
        "udp" => Some(Protocol::Udp),
        _ => {
            diags.push(Diag::at(
                loc,
                format!("unknown protocol `{text}`"),
                "expected \"tcp\" or \"udp\"",
            ));
            None
        }
    }
}

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
}

/// Keys a [`Selector`] reads.
pub const SELECTOR_KEYS: [&str; 11] = [
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
        }
    }

    /// Whether the selector needs process facts to decide.
    pub fn needs_process(&self) -> bool {
        self.process.is_some()
            || self.exe.is_some()
            || self.user.is_some()
            || self.container.is_some()
            || self.unit.is_some()
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
            && self
                .bind
                .as_ref()
                .is_none_or(|b| b.matches(socket.local_addr))
            && self
                .remote_port
                .as_ref()
                .is_none_or(|p| socket.remote_port.is_some_and(|rp| p.contains(rp)))
            && self
                .remote
                .as_ref()
                .is_none_or(|r| socket.remote_addr.is_some_and(|ra| r.matches(ra)))
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(values: &[Scalar]) -> Vec<RawItem> {
        values
            .iter()
            .map(|v| RawItem {
                value: v.clone(),
                loc: Loc {
                    file: 0,
                    span: 0..1,
                },
            })
            .collect()
    }

    fn s(text: &str) -> Scalar {
        Scalar::Str(text.to_string())
    }

    #[test]
    fn ports_numbers_ranges_and_errors() {
        let mut diags = Vec::new();
        let set = PortSet::build(
            &raw(&[Scalar::Int(22), s("8000-8100"), s("443")]),
            &mut diags,
        );
        assert!(diags.is_empty());
        assert!(set.contains(22) && set.contains(8050) && set.contains(443));
        assert!(!set.contains(23) && !set.contains(8101));
        assert_eq!(set.describe(), "22, 8000-8100, 443");
        PortSet::build(
            &raw(&[Scalar::Int(0), Scalar::Int(70000), s("9-1"), s("http")]),
            &mut diags,
        );
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "port 0 is not a valid port",
                "port 70000 is out of range (1-65535)",
                "port range `9-1` is backwards (9 > 1)",
                "`http` is not a port or a port range"
            ]
        );
    }

    #[test]
    fn address_specs_scopes_cidrs_and_negation() {
        let mut diags = Vec::new();
        let beyond_loopback = AddrSpec::build(&raw(&[s("!loopback")]), &mut diags);
        assert!(beyond_loopback.matches("0.0.0.0".parse().unwrap()));
        assert!(beyond_loopback.matches("10.0.0.5".parse().unwrap()));
        assert!(!beyond_loopback.matches("127.0.0.1".parse().unwrap()));
        assert!(!beyond_loopback.matches("::ffff:127.0.0.1".parse().unwrap()));
        let nets = AddrSpec::build(
            &raw(&[s("10.0.0.0/8"), s("2001:db8::/32"), s("192.0.2.1")]),
            &mut diags,
        );
        assert!(nets.matches("10.9.9.9".parse().unwrap()));
        assert!(nets.matches("::ffff:10.9.9.9".parse().unwrap()));
        assert!(nets.matches("2001:db8::1".parse().unwrap()));
        assert!(nets.matches("192.0.2.1".parse().unwrap()));
        assert!(!nets.matches("192.0.2.2".parse().unwrap()));
        assert!(diags.is_empty());
        AddrSpec::build(&raw(&[s("10.0.0.0/33"), s("intranet")]), &mut diags);
        assert_eq!(diags.len(), 2);
        assert!(diags[0].message.contains("`10.0.0.0/33` is not a scope"));
    }

    #[test]
    fn globs_respect_path_separators() {
        let mut diags = Vec::new();
        let temp = Globs::build(&raw(&[s("/tmp/**"), s("/dev/shm/*")]), true, &mut diags);
        assert!(temp.is_match("/tmp/a/b/c"));
        assert!(temp.is_match("/dev/shm/x"));
        assert!(!temp.is_match("/dev/shm/a/b"));
        assert!(!temp.is_match("/usr/bin/tmp"));
        Globs::build(&raw(&[s("[unclosed")]), false, &mut diags);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.starts_with("bad glob `[unclosed`"));
    }

    #[test]
    fn lists_expand_and_unknown_lists_are_reported() {
        let mut lists = Lists::default();
        lists.extend("web", raw(&[Scalar::Int(80), Scalar::Int(443)]));
        lists.extend("web", raw(&[Scalar::Int(8443)]));
        let mut diags = Vec::new();
        let expanded = lists.expand(&raw(&[s("@web"), Scalar::Int(22), s("@wbe")]), &mut diags);
        assert_eq!(expanded.len(), 4);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "unknown list `@wbe`");
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `@web`?"));
    }
}
