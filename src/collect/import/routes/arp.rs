//! `arp -a`: Windows (`Interface: 192.168.2.111 --- 0xb` blocks of `address  mac  type`, the
//! type word translated: `dynamisch`, `dynamique`, `dinámico`...) and the BSD/Linux/macOS form
//! `? (192.0.2.1) at 02:fc:00:00:00:05 [ether] on eth0`.

use std::net::{IpAddr, Ipv4Addr};

use super::parsed::{Parsed, words};
use crate::model::Family;
use crate::model::routes::{Neighbour, normalize_mac};

/// Whether a line is a row of this format (for detection).
pub(super) fn is_row(line: &str) -> bool {
    let w = words(line);
    bsd_row(&w).is_some() || windows_row(&w, None).is_some() || interface_line(line).is_some()
}

/// `Interface: 192.168.2.111 --- 0xb` (`Schnittstelle:`, `Interface :`...): the address.
fn interface_line(line: &str) -> Option<String> {
    let (head, _) = line.split_once("---")?;
    let addr = head.split_whitespace().last()?;
    addr.parse::<IpAddr>().ok().map(|a| a.to_string())
}

/// Parses every row.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut interface: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let w = words(raw);
        if let Some(iface) = interface_line(raw) {
            interface = Some(iface);
            continue;
        }
        if let Some(n) = bsd_row(&w).or_else(|| windows_row(&w, interface.as_deref())) {
            out.neighbours.push(n);
        } else if w
            .first()
            .is_some_and(|x| x.parse::<IpAddr>().is_ok() || *x == "?")
        {
            out.skipped.push((index + 1, raw.trim().to_string()));
        }
    }
    out
}

/// `192.168.2.1           00-11-22-33-44-55     dynamic`.
fn windows_row(w: &[&str], interface: Option<&str>) -> Option<Neighbour> {
    if w.len() != 3 {
        return None;
    }
    let address: IpAddr = w[0].parse().ok()?;
    let mac = normalize_mac(w[1])?;
    let kind = w[2].to_lowercase();
    let state = if kind.starts_with("dyn") || kind.starts_with("din") {
        "dynamic"
    } else if kind.starts_with("stat") || kind.starts_with("est") {
        "static"
    } else {
        kind.as_str()
    };
    Some(Neighbour {
        family: Family::of(&address),
        address,
        mac: Some(mac),
        interface: interface.map(str::to_string),
        state: state.to_string(),
        router: false,
    })
}

/// `? (192.0.2.1) at 02:fc:00:00:00:05 [ether] on eth0`, or `at <incomplete>`.
fn bsd_row(w: &[&str]) -> Option<Neighbour> {
    if w.len() < 4 || w[2] != "at" {
        return None;
    }
    let address: Ipv4Addr = w[1].strip_prefix('(')?.strip_suffix(')')?.parse().ok()?;
    let mac = normalize_mac(w[3]);
    let interface = w
        .iter()
        .position(|x| *x == "on")
        .and_then(|i| w.get(i + 1))
        .map(|s| (*s).to_string());
    let state = match (&mac, w.contains(&"PERM") || w.contains(&"permanent")) {
        (None, _) => "INCOMPLETE",
        (Some(_), true) => "PERMANENT",
        (Some(_), false) => "REACHABLE",
    };
    Some(Neighbour {
        family: Family::Ipv4,
        address: IpAddr::V4(address),
        mac,
        interface,
        state: state.to_string(),
        router: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_german_and_bsd() {
        let p = parse(
            "\nSchnittstelle: 192.168.2.111 --- 0xb\n  Internetadresse       Physische Adresse     Typ\n  192.168.2.1           00-11-22-33-44-55     dynamisch\n  224.0.0.22            01-00-5e-00-00-16     statisch\n",
        );
        assert!(p.skipped.is_empty());
        assert_eq!(p.neighbours[0].interface.as_deref(), Some("192.168.2.111"));
        assert_eq!(p.neighbours[0].state, "dynamic");
        assert_eq!(p.neighbours[1].state, "static");
        let p = parse(
            "? (192.0.2.1) at 02:fc:00:00:00:05 [ether] on eth0\n? (192.0.2.7) at <incomplete> on eth0\n",
        );
        assert_eq!(p.neighbours[0].interface.as_deref(), Some("eth0"));
        assert_eq!(p.neighbours[1].state, "INCOMPLETE");
    }
}
