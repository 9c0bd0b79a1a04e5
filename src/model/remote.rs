//! What is known about a remote address once enrichment (GeoIP, feeds) has run: carried by
//! findings, so it lives with the plain data.

use std::net::IpAddr;

use serde::Serialize;

use super::scope::Scope;

/// What the enrichment knows about one remote address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteInfo {
    /// The address (IPv4-mapped IPv6 shown as IPv4).
    pub ip: IpAddr,
    /// Its scope.
    pub scope: Scope,
    /// ISO country code, when a country database knows it.
    pub country: Option<String>,
    /// AS number, when an ASN database knows it.
    pub asn: Option<u32>,
    /// AS organisation.
    pub org: Option<String>,
    /// Names of the feeds that list it, sorted.
    pub feeds: Vec<String>,
}

impl RemoteInfo {
    /// A peer whose address is unknown (a capture printed its host name): no scope, country,
    /// AS or feed; `ip` is only a placeholder no rule reads.
    pub fn unknown(ip: IpAddr) -> RemoteInfo {
        RemoteInfo {
            ip,
            scope: Scope::Unknown,
            country: None,
            asn: None,
            org: None,
            feeds: Vec::new(),
        }
    }

    /// `[KP, AS64512 Example Org, feeds: blocklist]`, or empty when nothing is known.
    pub fn tag(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.country {
            parts.push(c.clone());
        }
        match (self.asn, &self.org) {
            (Some(asn), Some(org)) => parts.push(format!("AS{asn} {org}")),
            (Some(asn), None) => parts.push(format!("AS{asn}")),
            _ => {}
        }
        if !self.feeds.is_empty() {
            parts.push(format!("feeds: {}", self.feeds.join(", ")));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" [{}]", parts.join(", "))
        }
    }
}
