//! iproute2 `ip neigh` (`ip -4 neigh`, `ip -6 neigh`, `ip -s neigh`):
//! `ADDRESS dev IFACE [lladdr MAC] [router] [proxy] ... STATE`.

use std::net::IpAddr;

use super::parsed::{Parsed, words};
use crate::model::Family;
use crate::model::routes::{Neighbour, normalize_mac};

/// Neighbour (NUD) states as `ip neigh` prints them.
const STATES: &[&str] = &[
    "INCOMPLETE",
    "REACHABLE",
    "STALE",
    "DELAY",
    "PROBE",
    "FAILED",
    "NOARP",
    "PERMANENT",
    "NONE",
];

/// Whether a line is a row of this format (for detection). `ip route` prints host routes as
/// `192.0.2.7 dev eth0 ...` too; only a neighbour row has `lladdr` or ends in a NUD state.
pub(super) fn is_row(line: &str) -> bool {
    let w = words(line);
    w.len() >= 3
        && w[0].parse::<IpAddr>().is_ok()
        && w[1] == "dev"
        && (w.contains(&"lladdr") || w.last().is_some_and(|s| STATES.contains(s)))
}

/// Parses every row.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    for (index, raw) in text.lines().enumerate() {
        let w = words(raw);
        // `ip monitor neigh` prefixes deletions; they are not in the table.
        if w.first().is_some_and(|x| *x == "Deleted" || *x == "delete") {
            continue;
        }
        if w.is_empty() {
            continue;
        }
        match row(&w) {
            Some(n) => out.neighbours.push(n),
            None => out.skipped.push((index + 1, raw.trim().to_string())),
        }
    }
    out
}

fn row(w: &[&str]) -> Option<Neighbour> {
    let address: IpAddr = w.first()?.parse().ok()?;
    let mut n = Neighbour {
        family: Family::of(&address),
        address,
        mac: None,
        interface: None,
        state: "NONE".to_string(),
        router: false,
    };
    let mut i = 1;
    while i < w.len() {
        match w[i] {
            "dev" => {
                n.interface = w.get(i + 1).map(|s| (*s).to_string());
                i += 2;
            }
            "lladdr" => {
                n.mac = normalize_mac(w.get(i + 1)?);
                n.mac.as_ref()?;
                i += 2;
            }
            "router" => {
                n.router = true;
                i += 1;
            }
            // `ip -s neigh`: `used 36/36/11 probes 1`.
            "used" | "probes" | "ref" => i += 2,
            word => {
                // NUD states are printed in capitals, possibly several (`STALE` or
                // `REACHABLE`; `PERMANENT NOARP` on odd links): keep the last.
                if word.chars().all(|c| c.is_ascii_uppercase()) {
                    n.state = word.to_string();
                }
                i += 1;
            }
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let p = parse(
            "192.0.2.1 dev eth0 lladdr 02:FC:00:00:00:05 STALE\nfd00::1 dev eth0 FAILED\nfe80::1 dev eth0 lladdr 52:54:00:12:35:02 router REACHABLE\n192.0.2.9 dev eth0 lladdr 02:fc:00:00:00:09 used 36/36/11 probes 1 STALE\n",
        );
        assert!(p.skipped.is_empty());
        let n = &p.neighbours;
        assert_eq!(n[0].mac.as_deref(), Some("02:fc:00:00:00:05"));
        assert_eq!(n[0].state, "STALE");
        assert_eq!((n[1].mac.as_deref(), n[1].state.as_str()), (None, "FAILED"));
        assert!(n[2].router);
        assert_eq!(n[3].state, "STALE");
    }
}
