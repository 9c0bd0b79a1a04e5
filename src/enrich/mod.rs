//! Facts about remote addresses, computed once per distinct address after collection and
//! before the engine: scope, GeoIP country and ASN, threat-feed membership.
//!
//! Opening databases and feeds is I/O and happens here; the result ([`Enrichment`]) is plain
//! data the pure engine reads.

mod error;
pub mod feeds;
pub mod geoip;
pub mod stamp;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;

use serde::Serialize;

use crate::model::Snapshot;
use crate::model::remote::RemoteInfo;
use crate::model::scope::{Scope, canonical, classify};
pub use error::EnrichError;

/// What enrichment can answer in this run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Capabilities {
    /// A country database is open.
    pub country: bool,
    /// An ASN database is open.
    pub asn: bool,
    /// Feeds loaded, by name. A feed that is configured but cannot be loaded stops the scan
    /// (exit 2), so a feed missing here is one nobody configured.
    pub feeds: BTreeSet<String>,
    /// A GeoIP database was named (`--geoip`, `[geoip]`) or found in the standard directories,
    /// whether or not it could be opened: a rule lacking one is then short of data, not
    /// unconfigured.
    pub geoip_configured: bool,
}

/// Per-address facts for one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Enrichment {
    /// Facts per distinct remote address (canonical form).
    pub by_ip: HashMap<IpAddr, RemoteInfo>,
    /// What could be looked up.
    pub capabilities: Capabilities,
}

impl Enrichment {
    /// Facts for a remote address (scope only when nothing else is known).
    pub fn get(&self, ip: IpAddr) -> RemoteInfo {
        self.lookup(ip).into_owned()
    }

    /// Facts for a remote address, borrowed when enrichment has them (no allocation on the
    /// engine's hot path).
    pub fn lookup(&self, ip: IpAddr) -> std::borrow::Cow<'_, RemoteInfo> {
        let ip = canonical(ip);
        match self.by_ip.get(&ip) {
            Some(info) => std::borrow::Cow::Borrowed(info),
            None => std::borrow::Cow::Owned(RemoteInfo {
                ip,
                scope: classify(ip),
                country: None,
                asn: None,
                org: None,
                feeds: Vec::new(),
            }),
        }
    }
}

/// Where databases and feeds come from.
#[derive(Debug, Clone, Default)]
pub struct EnrichConfig {
    /// GeoIP files given explicitly (`--geoip`, `[geoip] databases`); when empty the standard
    /// directories are searched.
    pub geoip: Vec<PathBuf>,
    /// Warn when a database is older than this many days.
    pub geoip_max_age_days: i64,
    /// Feeds by name: (path, max age in days).
    pub feeds: BTreeMap<String, (PathBuf, i64)>,
    /// Bad feed lines are errors instead of warnings.
    pub strict: bool,
}

/// Default staleness limits.
pub const DEFAULT_GEOIP_MAX_AGE_DAYS: i64 = 60;
/// Feeds change daily; a week-old copy is stale.
pub const DEFAULT_FEED_MAX_AGE_DAYS: i64 = 7;

/// Open databases and feeds.
#[derive(Debug, Default)]
pub struct Enricher {
    country: Option<geoip::GeoDb>,
    asn: Option<geoip::GeoDb>,
    feeds: Vec<feeds::Feed>,
    /// Notes for the report (stale data, skipped lines, ignored databases).
    pub warnings: Vec<String>,
    /// The databases in use, for `-v` and JSON.
    pub databases: Vec<geoip::DbInfo>,
    /// The files loaded, as they were: `watch` reloads when one changes.
    pub stamps: stamp::Stamps,
    /// Some GeoIP database was named or found ([`Capabilities::geoip_configured`]).
    geoip_configured: bool,
}

impl Enricher {
    /// Opens everything configured. Explicit databases that cannot be opened are errors;
    /// databases found in the standard directories that cannot be opened are skipped with a
    /// warning.
    pub fn open(config: &EnrichConfig, now: jiff::Timestamp) -> Result<Enricher, EnrichError> {
        let mut enricher = Enricher::default();
        let explicit = !config.geoip.is_empty();
        let paths = if explicit {
            config.geoip.clone()
        } else {
            geoip::standard_files()
        };
        enricher.geoip_configured = !paths.is_empty();
        for path in paths {
            enricher.stamps.record(&path);
            let db = match geoip::open(&path) {
                Ok(db) => db,
                Err(err) if !explicit => {
                    enricher.warnings.push(format!("skipped {err}"));
                    continue;
                }
                Err(err) => return Err(err),
            };
            let age_days = (now.as_second() - db.info.built.as_second()) / 86_400;
            tracing::info!(
                "GeoIP {}: {} ({:?}), built {} ({age_days} days ago){}",
                db.info.path,
                db.info.database_type,
                db.info.kind,
                db.info.built.strftime("%Y-%m-%d"),
                if db.info.mapped {
                    ""
                } else {
                    ", read into memory (an untrusted file, or a long-running watch)"
                }
            );
            if age_days > config.geoip_max_age_days {
                enricher.warnings.push(format!(
                    "GeoIP database {} ({}) was built {} days ago (more than {}): update it (geoipupdate)",
                    db.info.path,
                    db.info.database_type,
                    age_days,
                    config.geoip_max_age_days
                ));
            }
            let slot = match db.info.kind {
                geoip::DbKind::Country => &mut enricher.country,
                geoip::DbKind::Asn => &mut enricher.asn,
            };
            if slot.is_some() {
                enricher.warnings.push(format!(
                    "GeoIP database {} ignored: another {:?} database is already in use",
                    db.info.path, db.info.kind
                ));
                continue;
            }
            enricher.databases.push(db.info.clone());
            *slot = Some(db);
        }
        for (name, (path, max_age)) in &config.feeds {
            let started = std::time::Instant::now();
            enricher.stamps.record(path);
            let feed = feeds::load(name, path)?;
            let age_days = feed
                .modified
                .map(|m| (now.as_second() - m.as_second()) / 86_400);
            tracing::info!(
                "feed {name}: {} entries from {} ({}), loaded in {:.1} ms",
                feed.entries,
                path.display(),
                age_days.map_or_else(|| "age unknown".to_string(), |d| format!("{d} days old")),
                started.elapsed().as_secs_f64() * 1000.0
            );
            if !feed.bad_lines.is_empty() {
                if config.strict {
                    let first = &feed.bad_lines[0];
                    return Err(EnrichError::Feed {
                        path: path.clone(),
                        message: format!(
                            "{} bad line(s), first at line {}: {} (--strict)",
                            feed.bad_lines.len(),
                            first.line,
                            first.message
                        ),
                    });
                }
                for bad in &feed.bad_lines {
                    enricher.warnings.push(format!(
                        "{}:{}: skipped: {}",
                        path.display(),
                        bad.line,
                        bad.message
                    ));
                }
            }
            if let Some(age_days) = age_days
                && age_days > *max_age
            {
                enricher.warnings.push(format!(
                    "feed {name} ({}) is {age_days} days old (more than {max_age}): refresh it",
                    path.display()
                ));
            }
            enricher.feeds.push(feed);
        }
        Ok(enricher)
    }

    /// What this enricher can answer.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            country: self.country.is_some(),
            asn: self.asn.is_some(),
            feeds: self.feeds.iter().map(|f| f.name.clone()).collect(),
            geoip_configured: self.geoip_configured,
        }
    }

    /// Looks up every distinct remote address of the snapshot once.
    pub fn enrich(&self, snapshot: &Snapshot) -> Enrichment {
        let mut by_ip: HashMap<IpAddr, RemoteInfo> = HashMap::new();
        let mut lookup_errors = 0usize;
        for socket in &snapshot.sockets {
            let Some(remote) = socket.remote_ip() else {
                continue;
            };
            let ip = canonical(remote);
            if by_ip.contains_key(&ip) {
                continue;
            }
            let info = self.lookup(ip, &mut lookup_errors);
            by_ip.insert(ip, info);
        }
        if lookup_errors > 0 {
            tracing::warn!("{lookup_errors} GeoIP lookup(s) failed (corrupt database records?)");
        }
        Enrichment {
            by_ip,
            capabilities: self.capabilities(),
        }
    }

    /// Facts for one address.
    pub fn lookup(&self, ip: IpAddr, errors: &mut usize) -> RemoteInfo {
        let ip = canonical(ip);
        let scope = classify(ip);
        // Loopback, wildcard and multicast peers have no owner worth looking up.
        let geo = !matches!(
            scope,
            Scope::Loopback | Scope::Unspecified | Scope::Multicast
        );
        let country = match (&self.country, geo) {
            (Some(db), true) => db.country(ip).unwrap_or_else(|_| {
                *errors += 1;
                None
            }),
            _ => None,
        };
        let (asn, org) = match (&self.asn, geo) {
            (Some(db), true) => db.asn(ip).unwrap_or_else(|_| {
                *errors += 1;
                (None, None)
            }),
            _ => (None, None),
        };
        let feeds = self
            .feeds
            .iter()
            .filter(|f| f.contains(ip))
            .map(|f| f.name.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        RemoteInfo {
            ip,
            scope,
            country,
            asn,
            org,
            feeds,
        }
    }
}
