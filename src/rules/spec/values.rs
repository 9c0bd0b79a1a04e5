//! Typed values of rule keys: ports, address scopes and CIDRs, globs, names, users, states.

use std::net::IpAddr;
use std::ops::RangeInclusive;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ipnet::IpNet;

use crate::model::scope::{Scope, canonical, classify};
use crate::model::{Process, Protocol, TcpState};
use crate::rules::load::diag::{Diag, Loc};
use crate::rules::load::reader::{RawItem, Scalar};

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

    /// Whether an address a capture printed as a host name (unknown) satisfies the conditions:
    /// only when they name the `unknown` scope. Every other condition needs an address.
    pub fn matches_unknown(&self) -> bool {
        let unknown = AddrItem::Scope(crate::model::scope::Scope::Unknown);
        self.include.contains(&unknown) && !self.exclude.contains(&unknown)
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

/// Glob patterns (`/tmp/**`, `python3*`, `C:\Users\*\AppData\Local\Temp\**`).
///
/// Patterns written for Windows paths match Windows paths the way Windows compares them
/// (either separator, any case), on whichever build reads the snapshot
/// ([`crate::text::path`]).
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
    windows: GlobSet,
    patterns: Vec<String>,
}

impl Globs {
    /// Whether any pattern matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.set.is_match(text)
            || (crate::text::path::is_windows(text)
                && !self.windows.is_empty()
                && self.windows.is_match(crate::text::path::windows_key(text)))
    }

    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Builds a glob set; `paths` makes `*` stop at `/` (use `**` to cross directories).
    pub fn build(items: &[RawItem], paths: bool, diags: &mut Vec<Diag>) -> Globs {
        let mut builder = GlobSetBuilder::new();
        let mut windows = GlobSetBuilder::new();
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
            let for_windows = paths && crate::text::path::is_windows_pattern(text);
            let source = if for_windows {
                crate::text::path::windows_key(text)
            } else {
                text.clone()
            };
            match GlobBuilder::new(&source)
                .literal_separator(paths)
                .case_insensitive(!for_windows && is_windows_name_pattern(text))
                .build()
            {
                Ok(glob) if for_windows => {
                    windows.add(glob);
                    patterns.push(text.clone());
                }
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
        let windows = windows.build().unwrap_or_else(|_| GlobSet::empty());
        Globs {
            set,
            windows,
            patterns,
        }
    }
}

/// Whether a pattern names a Windows program (`powershell.exe`, `*.exe`): Windows compares
/// file names without case, and the name a process shows keeps the case it was started with
/// (`PowerShell.EXE`), so such a pattern ignores case on either build.
fn is_windows_name_pattern(pattern: &str) -> bool {
    !pattern.contains('/') && pattern.to_ascii_lowercase().ends_with(".exe")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::spec::Lists;

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
    fn windows_names_ignore_case_and_drives_may_be_any() {
        let mut diags = Vec::new();
        let names = Globs::build(&raw(&[s("powershell.exe"), s("sshd")]), false, &mut diags);
        let paths = Globs::build(&raw(&[s(r"?:\**"), s(r"\\**")]), true, &mut diags);
        assert!(diags.is_empty());
        for (globs, text, hit) in [
            (&names, "PowerShell.EXE", true),
            (&names, "SSHD", false),
            (&names, "powershell.exe.bak", false),
            (&paths, r"d:\$RECYCLE.BIN\S-1-5-21-1\$R0A1B2C.exe", true),
            (&paths, r"\\fileserver\share\tool.exe", true),
            (&paths, "/usr/bin/bash", false),
        ] {
            assert_eq!(globs.is_match(text), hit, "{text}");
        }
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
