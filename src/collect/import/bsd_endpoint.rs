//! Endpoints as BSD `netstat` prints them: the port after the last dot, `addr.port`
//! (`127.0.0.1.25`, `::1.25`, `fe80::1%lo0.123`, `::ffff:192.0.2.1.80`), `*` for any address
//! or port (`*.22`, `*.*`), and without `-n` host and service names (`localhost.smtp`).
//!
//! Kept apart from [`super::endpoint`] (the `host:port` forms) because a dot is both the
//! IPv4 separator and the port separator here: only the last one splits.

use super::endpoint::{self, Endpoint};
use crate::model::Protocol;

/// Splits `addr.port` at the last dot and parses both halves.
pub fn parse(text: &str, proto: Protocol) -> Result<Endpoint, String> {
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
    let mut ep = endpoint::parse_parts(host, port, proto).map_err(|e| {
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

    fn ep(text: &str) -> (Option<String>, Option<u16>, Option<String>) {
        let e = parse(text, Protocol::Tcp).unwrap();
        (e.addr.map(|a| a.to_string()), e.port, e.name)
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(
            ep("127.0.0.1.25"),
            (Some("127.0.0.1".into()), Some(25), None)
        );
        assert_eq!(ep("*.22"), (None, Some(22), None));
        assert_eq!(ep("*.*"), (None, None, None));
        assert_eq!(ep("::1.25"), (Some("::1".into()), Some(25), None));
        assert_eq!(
            ep("fe80::1%lo0.123"),
            (Some("fe80::1".into()), Some(123), None)
        );
        assert_eq!(
            ep("2001:db8::10.443"),
            (Some("2001:db8::10".into()), Some(443), None)
        );
        assert_eq!(
            ep("::ffff:192.0.2.1.80"),
            (Some("::ffff:192.0.2.1".into()), Some(80), None)
        );
        assert_eq!(ep("192.0.2.10.*"), (Some("192.0.2.10".into()), None, None));
        assert!(parse("*.*", Protocol::Udp).unwrap().is_unset());
    }

    #[test]
    fn names_are_kept_as_printed() {
        assert_eq!(
            ep("localhost.smtp"),
            (
                Some("127.0.0.1".into()),
                Some(25),
                Some("localhost.smtp".into())
            )
        );
        let e = parse("mail.example.org.https", Protocol::Tcp).unwrap();
        assert!(e.host_is_name);
        assert_eq!(e.port, Some(443));
        assert_eq!(e.name.as_deref(), Some("mail.example.org.https"));
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "22",
            ".22",
            "1.2.3.4.",
            "1.2.3.4.99999",
            "a b.1",
            "2001:db8:1.5",
        ] {
            assert!(parse(bad, Protocol::Tcp).is_err(), "{bad}");
        }
        assert!(
            parse("2001:db8:1:2:3.443", Protocol::Tcp)
                .unwrap_err()
                .contains("-W")
        );
    }

    #[test]
    fn column_width() {
        assert!(fills_column("2001:db8:1234:5678:9a", 18));
        assert!(!fills_column("*.22", 22));
    }
}
