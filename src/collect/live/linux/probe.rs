//! The port probe (`scan --deep --probe-ports`): `bind()` every TCP and UDP port on the
//! wildcard addresses of our namespace; a port the kernel says is in use (EADDRINUSE) that no
//! socket table lists is held by something hidden. This is unhide-tcp's method.
//!
//! Off by default: for the microseconds a probe socket holds a port, a service starting at
//! that moment could fail to bind it. Only `0.0.0.0` and `[::]` are bound (a wildcard bind
//! conflicts with a socket on any address of the port); nothing is sent.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Instant;

use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketType, bind, socket, sockopt};

use crate::model::Protocol;
use crate::model::deep::PortProbe;

/// [`probe`] over every port, split between `threads` threads (each bind is a few syscalls;
/// 262,140 of them take about 2 s on one core). Results are sorted.
pub fn probe_all(
    explained: &HashSet<(Protocol, u16)>,
    threads: usize,
    stats: &mut PortProbe,
) -> Vec<InUse> {
    let threads = u32::try_from(threads.clamp(1, 8)).unwrap_or(1);
    let per = u32::from(u16::MAX) / threads + 1;
    let port = |n: u32| u16::try_from(n).unwrap_or(u16::MAX);
    let started = Instant::now();
    let parts: Vec<(Vec<InUse>, PortProbe)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let first = port((t * per).max(1));
                let last = port(((t + 1) * per).saturating_sub(1));
                scope.spawn(move || {
                    let mut part = PortProbe::default();
                    let found = probe(first..=last, explained, &mut part);
                    (found, part)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut found = Vec::new();
    for (part_found, part) in parts {
        found.extend(part_found);
        stats.binds += part.binds;
        for e in part.errors {
            if stats.errors.len() < 10 {
                stats.errors.push(e);
            }
        }
    }
    found.sort();
    stats.millis += u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    found
}

/// A port in use that the tables did not explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InUse {
    /// TCP or UDP.
    pub proto: Protocol,
    /// The port.
    pub port: u16,
    /// Which wildcard bind failed: IPv4 (`0.0.0.0`) or else IPv6 (`[::]`).
    pub ipv4: bool,
}

/// Binds every port of `ports` (both protocols, both families) not in `explained`, and
/// returns those in use.
pub fn probe(
    ports: impl Iterator<Item = u16> + Clone,
    explained: &HashSet<(Protocol, u16)>,
    stats: &mut PortProbe,
) -> Vec<InUse> {
    let started = Instant::now();
    let mut found = Vec::new();
    let mut ipv6 = true;
    for proto in [Protocol::Tcp, Protocol::Udp] {
        let kind = match proto {
            Protocol::Tcp => SocketType::STREAM,
            Protocol::Udp => SocketType::DGRAM,
        };
        for port in ports.clone() {
            if explained.contains(&(proto, port)) {
                continue;
            }
            match in_use(AddressFamily::INET, kind, port, stats) {
                Some(true) => {
                    found.push(InUse {
                        proto,
                        port,
                        ipv4: true,
                    });
                    continue;
                }
                Some(false) => {}
                None => continue,
            }
            if ipv6 {
                match in_use(AddressFamily::INET6, kind, port, stats) {
                    Some(true) => found.push(InUse {
                        proto,
                        port,
                        ipv4: false,
                    }),
                    Some(false) => {}
                    // No IPv6 here (ipv6.disable=1): stop trying it.
                    None if stats.errors.last().is_some_and(|e| e.contains("family")) => {
                        ipv6 = false;
                    }
                    None => {}
                }
            }
        }
    }
    stats.millis += u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    found
}

/// `Some(true)` when the wildcard bind of `port` fails with EADDRINUSE, `Some(false)` when it
/// succeeds (the socket is closed at once), `None` on any other error (recorded).
fn in_use(
    family: AddressFamily,
    kind: SocketType,
    port: u16,
    stats: &mut PortProbe,
) -> Option<bool> {
    const MAX_ERRORS: usize = 10;
    stats.binds += 1;
    let note = |stats: &mut PortProbe, what: String| {
        if stats.errors.len() < MAX_ERRORS {
            stats.errors.push(what);
        }
    };
    let sock = match socket(family, kind, None) {
        Ok(sock) => sock,
        Err(Errno::AFNOSUPPORT) => {
            note(stats, "address family not supported".to_string());
            return None;
        }
        Err(e) => {
            note(stats, format!("socket(): {e}"));
            return None;
        }
    };
    let addr = if family == AddressFamily::INET6 {
        // Only IPv6 binds: IPv4 was probed on its own.
        if let Err(e) = sockopt::set_ipv6_v6only(&sock, true) {
            note(stats, format!("IPV6_V6ONLY: {e}"));
            return None;
        }
        SocketAddr::from((Ipv6Addr::UNSPECIFIED, port))
    } else {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, port))
    };
    match bind(&sock, &addr) {
        Ok(()) => Some(false),
        Err(Errno::ADDRINUSE) => Some(true),
        Err(e) => {
            note(stats, format!("bind {addr}: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_port_in_use_unless_explained() -> std::io::Result<()> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let udp = std::net::UdpSocket::bind("[::1]:0")?;
        let (tcp_port, udp_port) = (listener.local_addr()?.port(), udp.local_addr()?.port());
        let mut stats = PortProbe::default();
        let found = probe(
            [tcp_port, udp_port].into_iter(),
            &HashSet::new(),
            &mut stats,
        );
        assert!(found.contains(&InUse {
            proto: Protocol::Tcp,
            port: tcp_port,
            ipv4: true
        }));
        assert!(found.contains(&InUse {
            proto: Protocol::Udp,
            port: udp_port,
            ipv4: false
        }));
        // What the tables explain is not bound at all.
        let explained: HashSet<(Protocol, u16)> = [tcp_port, udp_port]
            .into_iter()
            .flat_map(|p| [(Protocol::Tcp, p), (Protocol::Udp, p)])
            .collect();
        let mut stats = PortProbe::default();
        assert!(probe([tcp_port, udp_port].into_iter(), &explained, &mut stats).is_empty());
        assert_eq!(stats.binds, 0);
        Ok(())
    }

    #[test]
    fn the_threads_cover_every_port_once() {
        // Everything explained: nothing is bound, but every (protocol, port) is looked at once.
        let explained: HashSet<(Protocol, u16)> = (1..=u16::MAX)
            .flat_map(|p| [(Protocol::Tcp, p), (Protocol::Udp, p)])
            .filter(|(_, p)| *p != 1 && *p != u16::MAX && *p != 32768)
            .collect();
        for threads in [1, 2, 3, 8] {
            let mut stats = PortProbe::default();
            probe_all(&explained, threads, &mut stats);
            // Ports 1, 32768 and 65535 of both protocols were probed, each on IPv4 and
            // (unless IPv4 said in use) IPv6: between 6 and 12 binds, never more.
            assert!(
                (6..=12).contains(&stats.binds),
                "{threads}: {}",
                stats.binds
            );
        }
    }
}
