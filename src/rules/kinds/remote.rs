#![doc = include_str!("../../../docs/rules/remote.md")]

use crate::enrich::Capabilities;
use crate::model::finding::RuleKind;
use crate::model::finding::{Evidence, Finding};
use crate::model::remote::RemoteInfo;
use crate::model::scope::canonical;
use crate::model::{Fact, Snapshot};
use crate::rules::context::{Context, RuleRun, owner_phrase, program_identity};
use crate::rules::facts::missing_fact;
use crate::rules::kind::{Body, Kind};
use crate::rules::load::diag::Diag;
use crate::rules::load::reader::{Scalar, TableReader};
use crate::rules::spec::{Lists, Selector};
use crate::text::endpoint::endpoint;

/// The `[[remote]]` kind.
pub struct Remote;

/// Its name in rule files and findings.
pub const KIND: RuleKind = RuleKind::new("remote");

impl Kind for Remote {
    fn name(&self) -> RuleKind {
        KIND
    }

    fn doc(&self) -> &'static str {
        include_str!("../../../docs/rules/remote.md")
    }

    fn keys(&self) -> &'static [&'static str] {
        &[
            "direction",
            "remote",
            "remote-port",
            "port",
            "proto",
            "bind",
            "process",
            "exe",
            "user",
            "namespace",
            "container",
            "unit",
            "allow-countries",
            "deny-countries",
            "allow-asn",
            "deny-asn",
            "feeds",
            "min-bytes-sent",
            "min-bytes-received",
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

impl Body for RemoteRule {
    fn kind(&self) -> RuleKind {
        KIND
    }

    fn evaluate(&self, run: &RuleRun<'_>, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        evaluate(run, self, ctx, out);
    }

    fn needed_facts(&self) -> Vec<Fact> {
        let mut facts = self.selector.needed_facts();
        if self.volume.is_set() {
            facts.push(Fact::Traffic);
        }
        facts
    }

    fn needs_process_facts(&self) -> bool {
        self.selector.needs_process()
    }

    fn needs_traffic(&self) -> bool {
        self.volume.is_set()
    }

    fn unavailable(&self, capabilities: &Capabilities, snapshot: &Snapshot) -> Option<String> {
        missing_fact(&self.needed_facts(), snapshot)
            .or_else(|| missing_enrichment(&self.peer, capabilities))
    }

    fn not_configured(&self, capabilities: &Capabilities) -> Option<String> {
        // Only when every missing input is one nobody configured: a GeoIP database that was
        // configured but lacks the type needed is short data, said by `unavailable`.
        let geoip_missing = (self.peer.needs_country() && !capabilities.country)
            || (self.peer.needs_asn() && !capabilities.asn);
        if geoip_missing && capabilities.geoip_configured {
            return None;
        }
        missing_enrichment(&self.peer, capabilities)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Which way a connection was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The peer connected to one of our listeners.
    Inbound,
    /// We connected out.
    Outbound,
    /// Either.
    Any,
}

/// Conditions on what enrichment knows about the peer. Every set condition must hold.
#[derive(Debug, Clone, Default)]
pub struct PeerFacts {
    /// Fires when the peer's country is known and not in this list.
    pub allow_countries: Option<Vec<String>>,
    /// Fires when the peer's country is in this list.
    pub deny_countries: Option<Vec<String>>,
    /// Fires when the peer's AS is known and not in this list.
    pub allow_asn: Option<Vec<u32>>,
    /// Fires when the peer's AS is in this list.
    pub deny_asn: Option<Vec<u32>>,
    /// Fires when the peer is in any of these feeds.
    pub feeds: Vec<String>,
}

impl PeerFacts {
    /// Whether a country database is needed.
    pub fn needs_country(&self) -> bool {
        self.allow_countries.is_some() || self.deny_countries.is_some()
    }

    /// Whether an ASN database is needed.
    pub fn needs_asn(&self) -> bool {
        self.allow_asn.is_some() || self.deny_asn.is_some()
    }

    /// Why it fires for this peer, or `None` when a condition does not hold.
    pub fn reasons(&self, info: &RemoteInfo) -> Option<Vec<String>> {
        let mut reasons = Vec::new();
        if let Some(allowed) = &self.allow_countries {
            let country = info.country.as_ref()?;
            if allowed.contains(country) {
                return None;
            }
            reasons.push(format!("country {country} is not allowed"));
        }
        if let Some(denied) = &self.deny_countries {
            let country = info.country.as_ref().filter(|c| denied.contains(c))?;
            reasons.push(format!("country {country} is denied"));
        }
        if let Some(allowed) = &self.allow_asn {
            let asn = info.asn?;
            if allowed.contains(&asn) {
                return None;
            }
            reasons.push(format!("AS{asn} is not allowed"));
        }
        if let Some(denied) = &self.deny_asn {
            let asn = info.asn.filter(|a| denied.contains(a))?;
            reasons.push(format!("AS{asn} is denied"));
        }
        if !self.feeds.is_empty() {
            let listed: Vec<&String> = info
                .feeds
                .iter()
                .filter(|f| self.feeds.contains(f))
                .collect();
            if listed.is_empty() {
                return None;
            }
            let names: Vec<&str> = listed.iter().map(|s| s.as_str()).collect();
            reasons.push(format!("listed in {}", names.join(", ")));
        }
        Some(reasons)
    }
}

/// Conditions on how much a connection carried (live `tcp_info` counters, or a TCPView
/// capture's byte columns). Every set condition must hold.
#[derive(Debug, Clone, Copy, Default)]
pub struct Volume {
    /// Fires only when the connection sent at least this many bytes.
    pub min_sent: Option<u64>,
    /// Fires only when the connection received at least this many bytes.
    pub min_received: Option<u64>,
}

impl Volume {
    /// Whether a byte threshold is set (then the source must give per-connection counters).
    pub fn is_set(&self) -> bool {
        self.min_sent.is_some() || self.min_received.is_some()
    }

    /// Why it fires for this socket, or `None` when a threshold is not reached (or the socket
    /// has no counters).
    pub fn reasons(&self, socket: &crate::model::Socket) -> Option<Vec<String>> {
        let mut reasons = Vec::new();
        for (min, got, verb) in [
            (self.min_sent, socket.bytes_sent(), "sent"),
            (self.min_received, socket.bytes_received(), "received"),
        ] {
            if let Some(min) = min {
                let got = got.filter(|g| *g >= min)?;
                reasons.push(format!(
                    "{verb} {} bytes, at least {}B",
                    got,
                    crate::text::size::human(min)
                ));
            }
        }
        Some(reasons)
    }
}

/// Settings of a `[[remote]]` rule.
#[derive(Debug, Clone)]
pub struct RemoteRule {
    /// Conditions on the socket, the peer and the process.
    pub selector: Selector,
    /// Direction filter.
    pub direction: Direction,
    /// Conditions on the peer's country, AS and feed membership.
    pub peer: PeerFacts,
    /// Conditions on the bytes the connection carried.
    pub volume: Volume,
}

/// What the peer conditions need that this run's enrichment lacks (a GeoIP database, a feed).
fn missing_enrichment(peer: &PeerFacts, caps: &Capabilities) -> Option<String> {
    if peer.needs_country() && !caps.country {
        return Some(
            "needs a GeoIP country database: pass --geoip FILE or add [geoip] databases = [...] (docs/geoip.md)".to_string(),
        );
    }
    if peer.needs_asn() && !caps.asn {
        return Some(
            "needs a GeoIP ASN database: pass --geoip FILE or add [geoip] databases = [...] (docs/geoip.md)".to_string(),
        );
    }
    let missing: Vec<&str> = peer
        .feeds
        .iter()
        .filter(|f| !caps.feeds.contains(*f))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "feed(s) {} not configured: add [feeds] {} = \"/path/to/list\" (docs/geoip.md)",
            missing.join(", "),
            missing[0]
        ));
    }
    None
}

/// Reads the kind's own keys.
pub fn read(reader: &mut TableReader<'_>, lists: &Lists, diags: &mut Vec<Diag>) -> RemoteRule {
    let selector = Selector::read(reader, lists, diags);
    let direction = match reader.string("direction", diags) {
        Some((text, loc)) => match text.as_str() {
            "inbound" => Direction::Inbound,
            "outbound" => Direction::Outbound,
            "any" => Direction::Any,
            _ => {
                diags.push(
                    Diag::at(
                        loc,
                        format!("unknown direction `{text}`"),
                        "unknown direction",
                    )
                    .help("use one of: inbound, outbound, any"),
                );
                Direction::Any
            }
        },
        None => Direction::Any,
    };
    let peer = read_peer_facts(reader, lists, diags);
    let volume = Volume {
        min_sent: read_size(reader, "min-bytes-sent", diags),
        min_received: read_size(reader, "min-bytes-received", diags),
    };
    RemoteRule {
        selector,
        direction,
        peer,
        volume,
    }
}

/// A byte count: an integer, or a string with a unit (`"100MB"`, `"1.5GiB"`).
fn read_size(reader: &mut TableReader<'_>, key: &str, diags: &mut Vec<Diag>) -> Option<u64> {
    let items = reader.items(key, diags)?;
    let [item] = items.as_slice() else {
        let loc = reader.value_loc(key)?;
        diags.push(Diag::at(
            loc,
            format!("`{key}` takes one size, not a list"),
            "expected one size",
        ));
        return None;
    };
    let parsed = match &item.value {
        Scalar::Int(n) => u64::try_from(*n).map_err(|_| format!("`{key}` cannot be negative")),
        Scalar::Str(s) => crate::text::size::parse(s),
    };
    match parsed {
        Ok(bytes) => Some(bytes),
        Err(message) => {
            diags.push(
                Diag::at(item.loc.clone(), message, "not a size")
                    .help("e.g. 104857600, \"100MB\" or \"1.5GiB\" (MB = 10^6 bytes, MiB = 2^20)"),
            );
            None
        }
    }
}

fn read_peer_facts(
    reader: &mut TableReader<'_>,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> PeerFacts {
    let allow_countries = read_countries(reader, "allow-countries", lists, diags);
    let deny_countries = read_countries(reader, "deny-countries", lists, diags);
    let allow_asn = read_asns(reader, "allow-asn", lists, diags);
    let deny_asn = read_asns(reader, "deny-asn", lists, diags);
    let feeds = match reader.items("feeds", diags) {
        Some(items) => items
            .into_iter()
            .filter_map(|item| match item.value {
                Scalar::Str(s) => Some(s),
                Scalar::Int(_) => {
                    diags.push(Diag::at(
                        item.loc,
                        "a feed is named by a string",
                        "not a feed name",
                    ));
                    None
                }
            })
            .collect(),
        None => Vec::new(),
    };
    PeerFacts {
        allow_countries,
        deny_countries,
        allow_asn,
        deny_asn,
        feeds,
    }
}

fn read_countries(
    reader: &mut TableReader<'_>,
    key: &str,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<Vec<String>> {
    let items = reader.items(key, diags)?;
    let mut out = Vec::new();
    for item in lists.expand(&items, diags) {
        match &item.value {
            Scalar::Str(s) if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) => {
                out.push(s.to_ascii_uppercase());
            }
            _ => diags.push(
                Diag::at(
                    item.loc.clone(),
                    "expected a two-letter ISO country code",
                    "not a country code",
                )
                .help("e.g. \"US\", \"DE\", \"KP\" (ISO 3166-1 alpha-2)"),
            ),
        }
    }
    Some(out)
}

fn read_asns(
    reader: &mut TableReader<'_>,
    key: &str,
    lists: &Lists,
    diags: &mut Vec<Diag>,
) -> Option<Vec<u32>> {
    let items = reader.items(key, diags)?;
    let mut out = Vec::new();
    for item in lists.expand(&items, diags) {
        let parsed = match &item.value {
            Scalar::Int(n) => u32::try_from(*n).ok(),
            Scalar::Str(s) => s
                .strip_prefix("AS")
                .or_else(|| s.strip_prefix("as"))
                .unwrap_or(s)
                .parse::<u32>()
                .ok(),
        };
        match parsed {
            Some(asn) => out.push(asn),
            None => diags.push(Diag::at(
                item.loc.clone(),
                "expected an AS number like 64512 or \"AS64512\"",
                "not an AS number",
            )),
        }
    }
    Some(out)
}

/// One finding per connection (merged by peer and program) that matches and is not allowed.
fn evaluate(run: &RuleRun<'_>, rule: &RemoteRule, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let what = run
        .common
        .description
        .clone()
        .unwrap_or_else(|| format!("odd foreign address ({})", run.common.id));
    for socket in &ctx.snapshot.sockets {
        let Some(remote_port) = socket.remote_port else {
            continue;
        };
        // A peer the capture named without an address (`ht-in-f189.1e100.net:https`): its
        // address is unknown, so it matches no list, no country and no scope, only rules that
        // ask for none of them (bytes, ports, programs).
        let remote_addr = socket.remote_ip();
        if remote_addr.is_none() && socket.remote_name().is_none() {
            continue;
        }
        if socket.is_listener() {
            continue;
        }
        let inbound = ctx.is_inbound(socket);
        let wanted = match rule.direction {
            Direction::Inbound => inbound,
            Direction::Outbound => !inbound,
            Direction::Any => true,
        };
        if !wanted {
            continue;
        }
        if !rule.selector.matches_socket(socket) {
            continue;
        }
        let process = ctx.process(socket);
        if !rule.selector.matches_process(process) {
            continue;
        }
        let info = match remote_addr {
            Some(ip) => ctx.remote_info(ip),
            None => std::borrow::Cow::Owned(RemoteInfo::unknown(
                socket.remote_addr.unwrap_or(socket.local_addr),
            )),
        };
        let Some(mut reasons) = rule.peer.reasons(&info) else {
            continue;
        };
        let Some(volume) = rule.volume.reasons(socket) else {
            continue;
        };
        reasons.extend(volume);
        if run.allowed(socket, process) {
            continue;
        }
        let printed = match remote_addr {
            Some(ip) => endpoint(ip, remote_port),
            None => socket.remote_name().unwrap_or_default().to_string(),
        };
        let peer = format!("{printed}{}", info.tag());
        let scope = info.scope;
        let (direction, stable_port, phrase) = if inbound {
            (
                "inbound",
                ctx.stable_port(socket.local_port),
                format!("from {peer} ({scope}) to local port {}", socket.local_port),
            )
        } else {
            (
                "outbound",
                remote_port.to_string(),
                format!("to {peer} ({scope})"),
            )
        };
        let why = if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join("; "))
        };
        let message = format!(
            "{what}: {direction} {} connection {phrase} by {}{why}",
            socket.proto,
            owner_phrase(socket, process)
        );
        let peer_ip = remote_addr.map_or(printed, |ip| canonical(ip).to_string());
        out.push(run.finding(
            message,
            &[
                direction,
                socket.proto.as_str(),
                &peer_ip,
                &stable_port,
                &program_identity(process),
            ],
            Some(socket),
            process,
            Evidence::of(&[socket]),
        ));
    }
}
