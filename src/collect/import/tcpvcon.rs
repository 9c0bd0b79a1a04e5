//! Sysinternals `tcpvcon -a -c`: one CSV line per endpoint,
//! `protocol,process,PID,state,local address,remote address`.
//!
//! ```text
//! TCP,svchost.exe,1012,LISTENING,0.0.0.0:135,0.0.0.0:0
//! UDPV6,svchost.exe,1596,,[::]:500,*:*
//! ```

use std::net::IpAddr;

use super::builder::{Owner, Row};
use super::endpoint::{self, Endpoint};
use super::locale;
use super::text::Line;
use super::{Emitter, LineParser};
use crate::model::{Family, Protocol, TcpState};

/// Parser state.
#[derive(Debug, Default)]
pub struct Parser;

/// How much a line looks like `tcpvcon -c` output.
pub fn score(line: &str) -> u32 {
    let cells: Vec<&str> = line.split(',').collect();
    if cells.len() == 6
        && matches!(
            cells[0].trim().to_ascii_uppercase().as_str(),
            "TCP" | "UDP" | "TCPV6" | "UDPV6"
        )
        && cells[2].trim().parse::<u32>().is_ok()
    {
        3
    } else {
        0
    }
}

fn cells(line: &str) -> Vec<String> {
    super::csv_line::split(line)
}

/// An address with a port, or (as some tcpvcon versions print) a bare address: port 0.
fn address(text: &str, proto: Protocol) -> Result<Endpoint, String> {
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(Endpoint {
            addr: Some(ip),
            port: Some(0),
            name: None,
            host_is_name: false,
            localhost: false,
        });
    }
    if text == "*" {
        return endpoint::parse("*:*", proto);
    }
    endpoint::parse(text, proto)
}

impl LineParser for Parser {
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String> {
        let text = line.text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let c = cells(text);
        if c.len() != 6 {
            return Err(format!(
                "{} fields, expected 6 (protocol,process,PID,state,local,remote)",
                c.len()
            ));
        }
        let (proto, family) = match c[0].to_ascii_uppercase().as_str() {
            "TCP" => (Protocol::Tcp, None),
            "TCPV6" => (Protocol::Tcp, Some(Family::Ipv6)),
            "UDP" => (Protocol::Udp, None),
            "UDPV6" => (Protocol::Udp, Some(Family::Ipv6)),
            // A header line some scripts add.
            _ if c[2].eq_ignore_ascii_case("pid") => return Ok(()),
            other => return Err(format!("unknown protocol `{other}`")),
        };
        let pid: u32 = c[2]
            .parse()
            .map_err(|_| format!("PID `{}` is not a number", c[2]))?;
        let local = address(&c[4], proto).map_err(|e| format!("local address {e}"))?;
        let remote = address(&c[5], proto).map_err(|e| format!("remote address {e}"))?;
        let mut row = Row::new(proto, local, Some(remote));
        row.family = family;
        row.state = match proto {
            Protocol::Tcp if c[3].is_empty() => Some(TcpState::Unknown),
            Protocol::Tcp => {
                Some(locale::state(&c[3]).ok_or_else(|| format!("unknown TCP state `{}`", c[3]))?)
            }
            Protocol::Udp => None,
        };
        let name = c[1].trim();
        row.owners.push(Owner {
            pid,
            name: (!name.is_empty() && !name.starts_with('<') && !name.starts_with('['))
                .then(|| name.to_string()),
            ..Owner::default()
        });
        out.info.has_owner_column = true;
        out.row(row);
        Ok(())
    }
}
