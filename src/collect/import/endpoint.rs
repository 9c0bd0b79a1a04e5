//! Endpoints as capture tools print them: `0.0.0.0:135`, `[fe80::1%12]:1900`, `*:*`,
//! `127.0.0.53%lo:53`, `:::22`, `[::ffff:1.2.3.4]:443`, and without `-n` host and service names
//! (`ht-in-f189.1e100.net:https`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::Protocol;

/// One side of a socket as a capture printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The address; `None` for `*` (any) or a host name we cannot turn into one.
    pub addr: Option<IpAddr>,
    /// The port; `None` for `*`.
    pub port: Option<u16>,
    /// The text as printed, kept when it was not numeric (a host or an unknown service name).
    pub name: Option<String>,
    /// The host part was a name (not an address).
    pub host_is_name: bool,
    /// The host part was the name `localhost`, read as 127.0.0.1: the row's family decides
    /// (`tcp6 ... localhost:smtp` is ::1).
    pub localhost: bool,
}

impl Endpoint {
    /// `*:*`, `0.0.0.0:*`, `[::]:0`: no peer.
    pub fn is_unset(&self) -> bool {
        self.addr.is_none_or(|a| a.is_unspecified())
            && self.port.is_none_or(|p| p == 0)
            && !self.host_is_name
    }
}

/// Splits `host:port` and parses both halves.
pub fn parse(text: &str, proto: Protocol) -> Result<Endpoint, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty address".to_string());
    }
    let (host, port) = split_host_port(text)?;
    let port_value = parse_port(port, proto)?;
    let (addr, host_is_name) = parse_host(host)?;
    let port_is_name = port != "*" && port.parse::<u16>().is_err();
    let name = (host_is_name || port_is_name).then(|| text.to_string());
    Ok(Endpoint {
        addr,
        port: port_value,
        name,
        host_is_name,
        localhost: is_localhost(host),
    })
}

/// Address and port printed in separate columns (TCPView).
pub fn parse_parts(host: &str, port: &str, proto: Protocol) -> Result<Endpoint, String> {
    let host = host.trim();
    let port = port.trim();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port_value = if port.is_empty() {
        None
    } else {
        parse_port(port, proto)?
    };
    let (addr, host_is_name) = parse_host(host)?;
    let port_is_name = !port.is_empty() && port != "*" && port.parse::<u16>().is_err();
    let name = (host_is_name || port_is_name).then(|| {
        if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        }
    });
    Ok(Endpoint {
        addr,
        port: port_value,
        name,
        host_is_name,
        localhost: is_localhost(host),
    })
}

fn is_localhost(host: &str) -> bool {
    host.split_once('%')
        .map_or(host, |(h, _)| h)
        .eq_ignore_ascii_case("localhost")
}

fn split_host_port(text: &str) -> Result<(&str, &str), String> {
    if let Some(rest) = text.strip_prefix('[') {
        // [v6%zone]:port, or ss's [v6]%iface:port
        let close = rest
            .find(']')
            .ok_or_else(|| format!("`{text}`: `[` without `]`"))?;
        let host = &rest[..close];
        let after = &rest[close + 1..];
        let after = match after.find(':') {
            Some(i) if after.starts_with('%') => &after[i..],
            _ => after,
        };
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| format!("`{text}`: no port after the address"))?;
        return Ok((host, port));
    }
    let colon = text
        .rfind(':')
        .ok_or_else(|| format!("`{text}`: no `:port`"))?;
    Ok((&text[..colon], &text[colon + 1..]))
}

fn parse_port(port: &str, proto: Protocol) -> Result<Option<u16>, String> {
    if port == "*" {
        return Ok(None);
    }
    if let Ok(n) = port.parse::<u16>() {
        return Ok(Some(n));
    }
    if port.is_empty() || port.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("bad port `{port}`"));
    }
    // A service name never starts with `.` or `-` (RFC 6335); `.61677` is the tail of a BSD
    // `addr.port` endpoint read as `addr:port`, not a service.
    if port.starts_with(['.', '-'])
        || !port
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '/'))
    {
        return Err(format!("bad port `{port}`"));
    }
    // A service name: a well-known one maps to its number, another keeps port 0 and its name.
    Ok(Some(super::services::port_of(port, proto).unwrap_or(0)))
}

/// `(address, host_was_a_name)`.
fn parse_host(host: &str) -> Result<(Option<IpAddr>, bool), String> {
    // Interface scope: `127.0.0.53%lo`, `fe80::1%12`.
    let host = host.split_once('%').map_or(host, |(h, _)| h);
    if host == "*" || host.is_empty() {
        return Ok((None, false));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok((Some(ip), false));
    }
    // Old net-tools prints `:::1` for ::1 (and `:::` + port for the wildcard).
    if let Some(rest) = host.strip_prefix(':')
        && let Ok(ip) = rest.parse::<Ipv6Addr>()
    {
        return Ok((Some(IpAddr::V6(ip)), false));
    }
    match host.to_ascii_lowercase().as_str() {
        "localhost" => return Ok((Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), false)),
        "ip6-localhost" | "ip6-loopback" => {
            return Ok((Some(IpAddr::V6(Ipv6Addr::LOCALHOST)), false));
        }
        _ => {}
    }
    if host.contains(':') || host.chars().all(|c| c.is_ascii_digit() || c == '.') {
        // Looks like an address but is not one: net-tools cuts long IPv6 addresses to fit its
        // column unless run with -W.
        return Err(format!(
            "`{host}` is not a valid address (cut short? capture Linux netstat with -W)"
        ));
    }
    if !host
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!("`{host}` is neither an address nor a host name"));
    }
    Ok((None, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(text: &str) -> (Option<String>, Option<u16>, Option<String>) {
        let e = parse(text, Protocol::Tcp).unwrap();
        (e.addr.map(|a| a.to_string()), e.port, e.name)
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(ep("0.0.0.0:135"), (Some("0.0.0.0".into()), Some(135), None));
        assert_eq!(ep("[::]:135"), (Some("::".into()), Some(135), None));
        assert_eq!(
            ep("[fe80::1%12]:1900"),
            (Some("fe80::1".into()), Some(1900), None)
        );
        assert_eq!(ep("[fe80::9cc5:aeff:fec5:34ae]%eth0:123").1, Some(123));
        assert_eq!(
            ep("127.0.0.53%lo:53"),
            (Some("127.0.0.53".into()), Some(53), None)
        );
        assert_eq!(ep("*:*"), (None, None, None));
        assert_eq!(ep("*:22"), (None, Some(22), None));
        assert_eq!(ep(":::22"), (Some("::".into()), Some(22), None));
        assert_eq!(ep(":::1:631"), (Some("::1".into()), Some(631), None));
        assert_eq!(ep("::1:631"), (Some("::1".into()), Some(631), None));
        assert_eq!(ep("[::ffff:1.2.3.4]:443").0, Some("::ffff:1.2.3.4".into()));
        assert_eq!(ep("0.0.0.0%virbr0:67").1, Some(67));
    }

    #[test]
    fn names_are_kept() {
        assert_eq!(
            ep("ht-in-f189.1e100.net:https"),
            (None, Some(443), Some("ht-in-f189.1e100.net:https".into()))
        );
        assert_eq!(
            ep("0.0.0.0:epmap"),
            (
                Some("0.0.0.0".into()),
                Some(135),
                Some("0.0.0.0:epmap".into())
            )
        );
        assert_eq!(ep("DESKTOP-NJHB1G1:0").2, Some("DESKTOP-NJHB1G1:0".into()));
        assert_eq!(
            ep("localhost:ipp"),
            (
                Some("127.0.0.1".into()),
                Some(631),
                Some("localhost:ipp".into())
            )
        );
        assert_eq!(ep("10.0.0.1:frobnitz").1, Some(0));
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "nonsense",
            "1.2.3.4:99999",
            "[::1:80",
            "2a02:8108:1140:7a8:f:443",
            "a b:1",
            "1.2.3:80",
            "fe80::aede:48ff:.61677",
        ] {
            assert!(parse(bad, Protocol::Tcp).is_err(), "{bad}");
        }
    }
}
