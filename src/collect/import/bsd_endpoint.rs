//! Endpoints as BSD-derived `netstat` (macOS, FreeBSD) prints them: the port after the last
//! dot (`127.0.0.1.631`, `*.22`, `*.*`, `::1.631`, `fe80::1%lo0.5353`), and without `-n`
//! host and service names (`localhost.ipp`).
//!
//! Without `-W`, BSD netstat cuts the host part to a fixed width (16 characters; 12 for the
//! foreign address with `-A`): `fe80::aede:48ff:.61677` is what is left of a longer link-local
//! address. Such an endpoint keeps its port and its printed text, never a guessed address. A
//! cut can also leave a valid but wrong address (`2001:db8:85a3::8` of `2001:db8:85a3::8a2e`),
//! so a host exactly as wide as the cut is taken as cut unless it cannot be (a complete
//! address before a cut `%scope`, an IPv4 address shorter than the width allows).

use std::net::IpAddr;

use super::endpoint::Endpoint;
use crate::model::Protocol;

/// The width BSD netstat cuts a host part to without `-W` (`%.16s`).
pub const HOST_WIDTH: usize = 16;

/// The width of the foreign host with `-A` (`%.12s`).
pub const HOST_WIDTH_A: usize = 12;

/// One endpoint and whether netstat cut its host part short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BsdEndpoint {
    /// The endpoint; a cut one has `addr: None`, `host_is_name: true` and the printed text.
    pub endpoint: Endpoint,
    /// The host part was cut to the column width: its address is unknown.
    pub cut: bool,
}

/// Splits `host.port` at the last dot and parses both halves; `width` is the width the host
/// part of this column is cut to ([`HOST_WIDTH`], or [`HOST_WIDTH_A`]).
pub fn parse(text: &str, proto: Protocol, width: usize) -> Result<BsdEndpoint, String> {
    let text = text.trim();
    let (host, port) = text
        .rsplit_once('.')
        .ok_or_else(|| format!("`{text}`: no `.port`"))?;
    let (port, port_is_name) = parse_port(port, proto).map_err(|e| format!("`{text}`: {e}"))?;
    // Interface scope of a link-local address: `fe80::1%lo0`.
    let bare = host.split_once('%').map_or(host, |(h, _)| h);
    let parsed = bare.parse::<IpAddr>().ok();
    let at_width = host.chars().count() == width && looks_numeric(host);
    // At the width, an address is complete only when the cut fell inside its scope, or when
    // it is an IPv4 address and a longer one would not fit anyway.
    let complete = parsed.is_some_and(|ip| {
        !at_width || host.contains('%') || (ip.is_ipv4() && width > "255.255.255.255".len())
    });
    let (addr, host_is_name, cut) = if host == "*" {
        (None, false, false)
    } else if complete {
        (parsed, false, false)
    } else if at_width {
        (None, true, true)
    } else if looks_numeric(host) {
        return Err(format!("`{host}` is not a valid address"));
    } else if bare.eq_ignore_ascii_case("localhost") {
        // The loopback of the row's family (the builder picks ::1 in a tcp6 row).
        (
            Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
            false,
            false,
        )
    } else if is_host_name(host) {
        (None, true, false)
    } else {
        return Err(format!("`{host}` is neither an address nor a host name"));
    };
    let name = (host_is_name || port_is_name).then(|| text.to_string());
    Ok(BsdEndpoint {
        endpoint: Endpoint {
            addr,
            port,
            name,
            host_is_name,
            localhost: bare.eq_ignore_ascii_case("localhost"),
        },
        cut,
    })
}

/// `(port, was_a_name)`; `*` is no port.
fn parse_port(port: &str, proto: Protocol) -> Result<(Option<u16>, bool), String> {
    if port == "*" {
        return Ok((None, false));
    }
    if let Ok(n) = port.parse::<u16>() {
        return Ok((Some(n), false));
    }
    let service = port.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && port
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/'));
    if !service {
        return Err(format!("bad port `{port}`"));
    }
    // A well-known service maps to its number; another keeps port 0 and its printed name.
    Ok((
        Some(super::services::port_of(port, proto).unwrap_or(0)),
        true,
    ))
}

/// Address characters only (hex digits, `:`, `.`, a `%scope`): what is left of a cut address.
fn looks_numeric(host: &str) -> bool {
    let bare = host.split_once('%').map_or(host, |(h, _)| h);
    !bare.is_empty()
        && (bare.contains(':') || bare.chars().all(|c| c.is_ascii_digit() || c == '.'))
        && bare
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'))
}

fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Splits `addr.port` at the last dot and parses both halves with the `host:port` rules of
/// [`super::endpoint`], for FreeBSD netstat, whose cuts are found by column width
/// ([`fills_column`]) rather than by [`parse`]'s host width.
pub fn parse_plain(text: &str, proto: Protocol) -> Result<Endpoint, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty address".to_string());
    }
    let (host, port) = text
        .rsplit_once('.')
        .ok_or_else(|| format!("`{text}`: no `.port`"))?;
    if host.is_empty() || port.is_empty() {
        return Err(format!("`{text}`: no address or no port"));
    }
    let mut ep = super::endpoint::parse_parts(host, port, proto).map_err(|e| {
        // Without -W, netstat cuts long IPv6 addresses to fit their column.
        if host.contains(':') {
            format!("{e} (cut short? capture BSD netstat with -W)")
        } else {
            e
        }
    })?;
    if ep.name.is_some() {
        // Keep the text as printed, not parse_parts' `host:port` rendering of it.
        ep.name = Some(text.to_string());
    }
    Ok(ep)
}

/// netstat prints an address in a column of `width` characters and cuts what does not fit
/// (22, 18 with `-A`): a field that fills it may have lost its tail.
pub fn fills_column(text: &str, width: usize) -> bool {
    text.chars().count() >= width
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(text: &str) -> (Option<String>, Option<u16>, Option<String>, bool) {
        let e = parse(text, Protocol::Tcp, HOST_WIDTH).unwrap();
        (
            e.endpoint.addr.map(|a| a.to_string()),
            e.endpoint.port,
            e.endpoint.name,
            e.cut,
        )
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(
            ep("127.0.0.1.631"),
            (Some("127.0.0.1".into()), Some(631), None, false)
        );
        assert_eq!(ep("*.22"), (None, Some(22), None, false));
        assert_eq!(ep("*.*"), (None, None, None, false));
        assert_eq!(ep("::1.631"), (Some("::1".into()), Some(631), None, false));
        assert_eq!(
            ep("fe80::aede:48ff:fe00:1122%en5.61677"),
            (
                Some("fe80::aede:48ff:fe00:1122".into()),
                Some(61677),
                None,
                false
            )
        );
        assert_eq!(ep("::ffff:10.1.2.3.443").0, Some("::ffff:10.1.2.3".into()));
    }

    #[test]
    fn cut_addresses_keep_their_text_and_port() {
        let e = parse("fe80::aede:48ff:.61677", Protocol::Tcp, HOST_WIDTH).unwrap();
        assert!(e.cut);
        assert_eq!(e.endpoint.addr, None);
        assert_eq!(e.endpoint.port, Some(61677));
        assert!(e.endpoint.host_is_name);
        assert_eq!(e.endpoint.name.as_deref(), Some("fe80::aede:48ff:.61677"));
        // A cut that leaves a valid address is still a cut.
        let wrong = parse("2001:db8:85a3::8.443", Protocol::Tcp, HOST_WIDTH).unwrap();
        assert!(wrong.cut && wrong.endpoint.addr.is_none());
        // The 12-character cut of a foreign address with -A, IPv4 and IPv6.
        assert!(
            parse("203.0.113.10.443", Protocol::Tcp, HOST_WIDTH_A)
                .unwrap()
                .cut
        );
        assert!(
            parse("2001:db8:1:2.443", Protocol::Tcp, HOST_WIDTH_A)
                .unwrap()
                .cut
        );
        // The same 12 characters are a whole address in a 16-wide column.
        assert!(
            !parse("203.0.113.10.443", Protocol::Tcp, HOST_WIDTH)
                .unwrap()
                .cut
        );
        // A cut inside the scope leaves the address whole.
        let scoped = parse("fe80::1%utun1234.5353", Protocol::Udp, HOST_WIDTH).unwrap();
        assert!(!scoped.cut);
        assert_eq!(scoped.endpoint.addr, Some("fe80::1".parse().unwrap()));
    }

    #[test]
    fn names_are_kept() {
        // `localhost` is the loopback (of the row's family: the builder makes it ::1 in a
        // tcp6 row); the service name is kept as printed.
        assert_eq!(
            ep("localhost.ipp"),
            (
                Some("127.0.0.1".into()),
                Some(631),
                Some("localhost.ipp".into()),
                false
            )
        );
        assert_eq!(ep("web1.ipp").0, None);
        assert_eq!(ep("192.0.2.1.frobnitz").1, Some(0));
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "nonsense",
            "1.2.3.4.99999",
            "1.2.3.4.",
            "1.2.3.80",
            "fe80::zz.1",
            "[::1]:80",
            "a b.1",
            "1.2.3.4..5",
        ] {
            assert!(parse(bad, Protocol::Tcp, HOST_WIDTH).is_err(), "{bad}");
        }
    }

    fn plain(text: &str) -> (Option<String>, Option<u16>, Option<String>) {
        let e = parse_plain(text, Protocol::Tcp).unwrap();
        (e.addr.map(|a| a.to_string()), e.port, e.name)
    }

    #[test]
    fn plain_numeric_forms() {
        assert_eq!(
            plain("127.0.0.1.25"),
            (Some("127.0.0.1".into()), Some(25), None)
        );
        assert_eq!(plain("*.22"), (None, Some(22), None));
        assert_eq!(plain("*.*"), (None, None, None));
        assert_eq!(plain("::1.25"), (Some("::1".into()), Some(25), None));
        assert_eq!(
            plain("fe80::1%lo0.123"),
            (Some("fe80::1".into()), Some(123), None)
        );
        assert_eq!(
            plain("2001:db8::10.443"),
            (Some("2001:db8::10".into()), Some(443), None)
        );
        assert_eq!(
            plain("::ffff:192.0.2.1.80"),
            (Some("::ffff:192.0.2.1".into()), Some(80), None)
        );
        assert_eq!(
            plain("192.0.2.10.*"),
            (Some("192.0.2.10".into()), None, None)
        );
        assert!(parse_plain("*.*", Protocol::Udp).unwrap().is_unset());
    }

    #[test]
    fn plain_names_are_kept_as_printed() {
        assert_eq!(
            plain("localhost.smtp"),
            (
                Some("127.0.0.1".into()),
                Some(25),
                Some("localhost.smtp".into())
            )
        );
        let e = parse_plain("mail.example.org.https", Protocol::Tcp).unwrap();
        assert!(e.host_is_name);
        assert_eq!(e.port, Some(443));
        assert_eq!(e.name.as_deref(), Some("mail.example.org.https"));
    }

    #[test]
    fn plain_garbage_is_an_error() {
        for bad in [
            "",
            "22",
            ".22",
            "1.2.3.4.",
            "1.2.3.4.99999",
            "a b.1",
            "2001:db8:1.5",
        ] {
            assert!(parse_plain(bad, Protocol::Tcp).is_err(), "{bad}");
        }
        assert!(
            parse_plain("2001:db8:1:2:3.443", Protocol::Tcp)
                .unwrap_err()
                .contains("-W")
        );
    }

    #[test]
    fn plain_column_width() {
        assert!(fills_column("2001:db8:1234:5678:9a", 18));
        assert!(!fills_column("*.22", 22));
    }
}
