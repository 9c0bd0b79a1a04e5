//! Port → service name, from the system's services file (never DNS): `/etc/services`, or
//! `%SystemRoot%\System32\drivers\etc\services` on Windows (same format).

use std::collections::HashMap;

use crate::model::Protocol;

/// Service names by (port, protocol).
#[derive(Debug, Default, Clone)]
pub struct Services {
    names: HashMap<(u16, Protocol), String>,
}

impl Services {
    /// Reads the system's services file; an unreadable file gives an empty table and a warning.
    pub fn load_system() -> Services {
        let path = crate::files::places::Places::current().services;
        match std::fs::read_to_string(&path) {
            Ok(text) => Services::parse(&text),
            Err(err) => {
                tracing::warn!(
                    "cannot read {} ({err}); showing port numbers",
                    path.display()
                );
                Services::default()
            }
        }
    }

    /// Parses the `/etc/services` format (`name port/proto [aliases] [# comment]`).
    pub fn parse(text: &str) -> Services {
        let mut names = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let mut fields = line.split_whitespace();
            let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Some((port, proto)) = port_proto.split_once('/') else {
                continue;
            };
            let proto = match proto {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                _ => continue,
            };
            if let Ok(port) = port.parse::<u16>() {
                names
                    .entry((port, proto))
                    .or_insert_with(|| name.to_string());
            }
        }
        Services { names }
    }

    /// The service name, if known.
    pub fn name(&self, port: u16, proto: Protocol) -> Option<&str> {
        self.names.get(&(port, proto)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_services_file() {
        let s = Services::parse(
            "# c\nssh\t\t22/tcp\t\t\t# SSH\ndomain 53/udp\nbad line\nhttp 80/sctp\n",
        );
        assert_eq!(s.name(22, Protocol::Tcp), Some("ssh"));
        assert_eq!(s.name(53, Protocol::Udp), Some("domain"));
        assert_eq!(s.name(53, Protocol::Tcp), None);
        assert_eq!(s.name(80, Protocol::Tcp), None);
    }
}
