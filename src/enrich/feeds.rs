//! Named CIDR lists from files (threat feeds): plain lists, FireHOL `.netset`/`.ipset`,
//! Spamhaus DROP (`1.2.3.0/24 ; SBL123`).
//!
//! Membership is answered from sorted, merged address ranges by binary search: O(log n) per
//! lookup and a few microseconds to load per thousand entries. Written here rather than taken
//! from a trie crate because we only need "is this address in the list", not longest-prefix
//! match, and merged ranges are the smallest structure for that.

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use super::error::EnrichError;
use crate::model::scope::canonical;

/// Largest feed file read; FireHOL's biggest lists are a few MB.
pub const MAX_FEED_BYTES: u64 = 256 * 1024 * 1024;

/// A line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// Why.
    pub message: String,
}

/// A loaded feed.
#[derive(Debug, Clone)]
pub struct Feed {
    /// Its name in rules (`feeds = ["blocklist"]`).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Entries read (before merging).
    pub entries: usize,
    /// When the file was last modified.
    pub modified: Option<jiff::Timestamp>,
    /// Lines skipped.
    pub bad_lines: Vec<BadLine>,
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl Feed {
    /// Whether the address is in the feed (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match canonical(ip) {
            IpAddr::V4(v4) => in_ranges(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => in_ranges(&self.v6, u128::from(v6)),
        }
    }
}

fn in_ranges<T: Ord + Copy>(ranges: &[(T, T)], x: T) -> bool {
    // The last range starting at or before x is the only candidate.
    let idx = ranges.partition_point(|(start, _)| *start <= x);
    idx > 0 && ranges[idx - 1].1 >= x
}

fn merge<T: Ord + Copy>(mut ranges: Vec<(T, T)>, next: impl Fn(T) -> Option<T>) -> Vec<(T, T)> {
    ranges.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        if let Some(last) = out.last_mut() {
            // Overlapping or adjacent: extend.
            if start <= last.1 || next(last.1) == Some(start) {
                if end > last.1 {
                    last.1 = end;
                }
                continue;
            }
        }
        out.push((start, end));
    }
    out
}

/// Parses one entry: a CIDR, a single address, or `a-b`.
fn parse_entry(token: &str) -> Result<(IpAddr, IpAddr), String> {
    if let Some((a, b)) = token.split_once('-')
        && let (Ok(a), Ok(b)) = (a.trim().parse::<IpAddr>(), b.trim().parse::<IpAddr>())
    {
        let (a, b) = (canonical(a), canonical(b));
        if a.is_ipv4() != b.is_ipv4() || a > b {
            return Err(format!("`{token}` is not an address range"));
        }
        return Ok((a, b));
    }
    if let Ok(net) = token.parse::<IpNet>() {
        let net = net.trunc();
        return Ok((canonical(net.network()), canonical(net.broadcast())));
    }
    match token.parse::<IpAddr>() {
        Ok(ip) => Ok((canonical(ip), canonical(ip))),
        Err(_) => Err(format!("`{token}` is not an IP address or CIDR")),
    }
}

/// Reads a feed file line by line; unparsable lines are collected, not fatal.
pub fn load(name: &str, path: &Path) -> Result<Feed, EnrichError> {
    let fail = |message: String| EnrichError::Feed {
        path: path.to_path_buf(),
        message,
    };
    crate::files::trust::check(path, "feed").map_err(|e| fail(e.reason()))?;
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(format!("cannot stat: {e}")))?;
    if meta.len() > MAX_FEED_BYTES {
        return Err(fail(format!(
            "larger than the {} MiB feed limit",
            MAX_FEED_BYTES >> 20
        )));
    }
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok());
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    let mut bad_lines = Vec::new();
    let mut entries = 0;
    let mut reader = BufReader::new(file);
    let mut raw = Vec::new();
    let mut number = 0;
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(fail(format!("read error after line {number}: {e}"))),
        }
        number += 1;
        let line = String::from_utf8_lossy(&raw);
        // Comments: `#` everywhere, `;` in Spamhaus DROP (also after the entry).
        let content = line.split(['#', ';']).next().unwrap_or_default().trim();
        let Some(token) = content.split_whitespace().next() else {
            continue;
        };
        match parse_entry(token) {
            Ok((IpAddr::V4(a), IpAddr::V4(b))) => {
                v4.push((u32::from(a), u32::from(b)));
                entries += 1;
            }
            Ok((IpAddr::V6(a), IpAddr::V6(b))) => {
                v6.push((u128::from(a), u128::from(b)));
                entries += 1;
            }
            Ok(_) => bad_lines.push(BadLine {
                line: number,
                message: format!("`{token}` mixes IPv4 and IPv6"),
            }),
            Err(message) => bad_lines.push(BadLine {
                line: number,
                message,
            }),
        }
    }
    Ok(Feed {
        name: name.to_string(),
        path: path.to_path_buf(),
        entries,
        modified,
        bad_lines,
        v4: merge(v4, |x| x.checked_add(1)),
        v6: merge(v6, |x| x.checked_add(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_layout_and_reports_bad_lines() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("mixed.netset");
        std::fs::write(
            &path,
            "# FireHOL style\n192.0.2.0/24\n198.51.100.7\n\n; Spamhaus DROP\n203.0.113.0/25 ; SBL123\n2001:db8:bad::/48\n10.0.0.1-10.0.0.9\nnot-an-ip\n300.1.1.1/8\n",
        )?;
        let feed = load("test", &path)?;
        assert_eq!(feed.entries, 5);
        assert_eq!(
            feed.bad_lines,
            vec![
                BadLine {
                    line: 9,
                    message: "`not-an-ip` is not an IP address or CIDR".into()
                },
                BadLine {
                    line: 10,
                    message: "`300.1.1.1/8` is not an IP address or CIDR".into()
                },
            ]
        );
        let has = |s: &str| feed.contains(s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])));
        assert!(has("192.0.2.200") && has("198.51.100.7") && has("203.0.113.127"));
        assert!(!has("203.0.113.128") && !has("198.51.100.8") && !has("192.0.3.0"));
        assert!(has("2001:db8:bad::1") && !has("2001:db8:bae::1"));
        assert!(has("10.0.0.5") && !has("10.0.0.10"));
        assert!(has("::ffff:192.0.2.1"), "mapped IPv6 matches IPv4 entries");
        Ok(())
    }

    #[test]
    fn merging_keeps_membership_exact() {
        let merged = merge(
            vec![(10u32, 20), (15, 30), (31, 40), (50, 60), (1, 2)],
            |x| x.checked_add(1),
        );
        assert_eq!(merged, vec![(1, 2), (10, 40), (50, 60)]);
        assert!(in_ranges(&merged, 40) && !in_ranges(&merged, 41) && !in_ranges(&merged, 0));
        assert!(!in_ranges(&merged, u32::MAX));
        let edge = merge(vec![(u32::MAX - 1, u32::MAX)], |x| x.checked_add(1));
        assert!(in_ranges(&edge, u32::MAX));
    }
}
