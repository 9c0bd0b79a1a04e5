//! Raw IP sockets (`ss -w`) and packet sockets (`ss -0`) of the calling thread's network
//! namespace: sock_diag first (raw_diag here, packet_diag in `packet_diag.rs`), then
//! `/proc/net/{raw,raw6,packet}` when the kernel lacks a diag module (raw_diag is
//! `CONFIG_INET_RAW_DIAG`, often not built) or the namespace cannot be entered.
//! Both views carry every field we keep; owners come from the one fd walk (socket inodes are
//! unique machine-wide).

use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::Path;

use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_RAW};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
use netlink_sys::protocols::NETLINK_SOCK_DIAG;

use super::fds::FdWalk;
use super::netlink::{Conn, DumpError};
pub use super::packet_diag::dump_packet;
use super::packet_diag::packet_socket;
use super::proctables;
use crate::model::rawsock::protocol_name;
use crate::model::{Coverage, Family, Protocol, RawKind, RawSocket};

/// Which view a namespace's raw and packet sockets came from (for the fallback test and
/// debug logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// sock_diag.
    Netlink,
    /// `/proc/.../net` tables.
    Proc,
}

/// What was read of one namespace: its sockets, how raw and packet sockets were read, and
/// a note when a table could not be read at all.
#[derive(Debug, Default)]
pub struct RawRead {
    /// Raw and packet sockets, unsorted, no owners yet.
    pub sockets: Vec<RawSocket>,
    /// How raw sockets were read (`None`: not at all).
    pub raw_via: Option<Via>,
    /// How packet sockets were read (`None`: not at all).
    pub packet_via: Option<Via>,
    /// Why a table could not be read.
    pub error: Option<String>,
}

/// The calling thread's namespace: netlink, each table falling back to `net_dir`'s file
/// (`/proc/self/net`, `/proc/thread-self/net`). Interface names are read here too (they are
/// per namespace).
pub fn read_here(net_dir: &Path) -> RawRead {
    let mut read = RawRead::default();
    let mut errors = Vec::new();
    match dump_raw() {
        Ok(mut sockets) => {
            read.sockets.append(&mut sockets);
            read.raw_via = Some(Via::Netlink);
        }
        Err(netlink) => {
            tracing::debug!("raw_diag: {netlink}; reading {}/raw*", net_dir.display());
            match read_raw_tables(net_dir) {
                Ok(mut sockets) => {
                    read.sockets.append(&mut sockets);
                    read.raw_via = Some(Via::Proc);
                }
                Err(e) => errors.push(format!(
                    "raw sockets: {netlink}; {}: {e}",
                    net_dir.display()
                )),
            }
        }
    }
    match dump_packet() {
        Ok(mut sockets) => {
            read.sockets.append(&mut sockets);
            read.packet_via = Some(Via::Netlink);
        }
        Err(netlink) => {
            tracing::debug!(
                "packet_diag: {netlink}; reading {}/packet",
                net_dir.display()
            );
            match read_packet_table(net_dir) {
                Ok(mut sockets) => {
                    read.sockets.append(&mut sockets);
                    read.packet_via = Some(Via::Proc);
                }
                Err(e) => errors.push(format!(
                    "packet sockets: {netlink}; {}: {e}",
                    net_dir.display()
                )),
            }
        }
    }
    name_interfaces(&mut read.sockets);
    read.error = (!errors.is_empty()).then(|| errors.join("; "));
    read
}

/// A namespace that could not be entered: the `/proc/PID/net` tables only (no interface
/// names: they would be looked up in our namespace).
pub fn read_proc_only(net_dir: &Path) -> RawRead {
    let mut read = RawRead::default();
    let mut errors = Vec::new();
    match read_raw_tables(net_dir) {
        Ok(mut s) => {
            read.sockets.append(&mut s);
            read.raw_via = Some(Via::Proc);
        }
        Err(e) => errors.push(format!("{}/raw: {e}", net_dir.display())),
    }
    match read_packet_table(net_dir) {
        Ok(mut s) => {
            read.sockets.append(&mut s);
            read.packet_via = Some(Via::Proc);
        }
        Err(e) => errors.push(format!("{}/packet: {e}", net_dir.display())),
    }
    read.error = (!errors.is_empty()).then(|| errors.join("; "));
    read
}

/// Every raw socket over raw_diag (kernel 4.14+ with `CONFIG_INET_RAW_DIAG`). A dump with
/// `sdiag_protocol = IPPROTO_RAW` and no `INET_DIAG_REQ_PROTOCOL` attribute selects the raw
/// handler and lists the raw sockets of every protocol (what `ss -w` asks for); a kernel
/// without the handler answers ENOENT.
pub fn dump_raw() -> Result<Vec<RawSocket>, DumpError> {
    let mut conn = Conn::open(NETLINK_SOCK_DIAG)?;
    let mut out = Vec::new();
    for (family, socket_id) in [
        (AF_INET, SocketId::new_v4()),
        (AF_INET6, SocketId::new_v6()),
    ] {
        let request = SockDiagMessage::InetRequest(InetRequest {
            family,
            protocol: IPPROTO_RAW,
            extensions: ExtensionFlags::empty(),
            states: StateFlags::all(),
            socket_id,
        });
        let result = conn.dump_into(request, "raw socket table", &mut out, &mut |answer| {
            let SockDiagMessage::InetResponse(response) = answer else {
                return None;
            };
            let h = &response.header;
            // A raw socket's "source port" is its protocol number (inet_num).
            Some(raw_socket(
                if h.family == AF_INET6 {
                    Family::Ipv6
                } else {
                    Family::Ipv4
                },
                h.socket_id.source_port,
                h.socket_id.source_address,
                h.socket_id.destination_address,
                h.socket_id.interface_id,
                u64::from(h.inode),
                h.uid,
            ))
        });
        match result {
            Ok(()) => {}
            // No IPv6 on this kernel: no IPv6 raw table.
            Err(e) if family == AF_INET6 && e.raw_os_error() == Some(EAFNOSUPPORT) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// `EAFNOSUPPORT` on Linux (every architecture).
const EAFNOSUPPORT: i32 = 97;

fn raw_socket(
    family: Family,
    protocol: u16,
    local: IpAddr,
    remote: IpAddr,
    ifindex: u32,
    inode: u64,
    uid: u32,
) -> RawSocket {
    RawSocket {
        kind: RawKind::Raw,
        family: Some(family),
        protocol,
        protocol_name: protocol_name(RawKind::Raw, protocol),
        packet_type: None,
        ifindex,
        interface: None,
        local_addr: Some(local).filter(|a| !a.is_unspecified()),
        remote_addr: Some(remote).filter(|a| !a.is_unspecified()),
        inode,
        uid: Some(uid),
        pids: Vec::new(),
        netns: None,
    }
}

/// `/proc/net/raw` and `raw6` under `net_dir`: the layout of the UDP tables, the "port" being
/// the protocol number. A missing `raw6` (no IPv6) is empty.
pub fn read_raw_tables(net_dir: &Path) -> std::io::Result<Vec<RawSocket>> {
    let mut out = Vec::new();
    for (name, family) in [("raw", Family::Ipv4), ("raw6", Family::Ipv6)] {
        let file = match std::fs::File::open(net_dir.join(name)) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && name == "raw6" => continue,
            Err(e) => return Err(e),
        };
        let mut rows = Vec::new();
        // The rows' protocol field is unused: the table's name says what it is.
        proctables::read_table(file, Protocol::Udp, &mut rows)?;
        out.extend(rows.into_iter().map(|row| {
            // The tables do not show the bound device; sock_diag does.
            raw_socket(
                family,
                row.local.1,
                row.local.0,
                row.remote.0,
                0,
                row.inode,
                row.uid,
            )
        }));
    }
    Ok(out)
}

/// `/proc/net/packet` under `net_dir`.
pub fn read_packet_table(net_dir: &Path) -> std::io::Result<Vec<RawSocket>> {
    let file = std::fs::File::open(net_dir.join("packet"))?;
    parse_packet_table(file)
}

/// A table line is under 100 bytes; a longer one is not the kernel's format.
const MAX_LINE_BYTES: u64 = 4096;

/// `sk RefCnt Type Proto Iface R Rmem User Inode` rows; unparsable lines are skipped.
pub fn parse_packet_table(file: impl Read) -> std::io::Result<Vec<RawSocket>> {
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut out = Vec::new();
    let mut first = true;
    loop {
        line.clear();
        if (&mut reader).take(MAX_LINE_BYTES).read_line(&mut line)? == 0 {
            return Ok(out);
        }
        if std::mem::take(&mut first) {
            continue;
        }
        out.extend(parse_packet_row(&line));
    }
}

/// `00000000edfb55eb 3      3    0003   0     1 0      0      9333`
fn parse_packet_row(line: &str) -> Option<RawSocket> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [
        _sk,
        _refcnt,
        sock_type,
        proto,
        iface,
        _running,
        _rmem,
        user,
        inode,
    ] = fields[..]
    else {
        return None;
    };
    Some(packet_socket(
        sock_type.parse().ok()?,
        u16::from_str_radix(proto, 16).ok()?,
        iface.parse().ok()?,
        inode.parse().ok()?,
        user.parse().ok(),
    ))
}

/// Interface names for the bound sockets, looked up in the calling thread's namespace.
fn name_interfaces(sockets: &mut [RawSocket]) {
    if sockets.iter().all(|s| s.ifindex == 0) {
        return;
    }
    // SIOCGIFNAME needs any socket of this namespace; a UDP one sends nothing.
    let Ok(fd) = rustix::net::socket(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::DGRAM,
        None,
    ) else {
        return;
    };
    for socket in sockets.iter_mut().filter(|s| s.ifindex != 0) {
        socket.interface = rustix::net::netdevice::index_to_name(&fd, socket.ifindex).ok();
    }
}

/// Owners from the fd walk and the namespace label. Without a walk (nothing asked for
/// owners) the sockets keep no PIDs.
pub fn attribute(sockets: &mut [RawSocket], walk: Option<&FdWalk>, label: Option<&str>) {
    for socket in sockets.iter_mut() {
        if let Some(walk) = walk {
            socket.pids = walk.pids_of(socket.inode);
        }
        socket.netns = label.map(str::to_string);
    }
}

/// Coverage notes for namespaces whose raw or packet sockets could not be read; whether
/// both tables of the first (our own) namespace were read: then the snapshot records the
/// `raw-sockets` fact. Another namespace's gap is a note, as it is for TCP and UDP.
pub fn note_gaps<'a>(
    reads: impl Iterator<Item = (Option<&'a String>, &'a RawRead)>,
    coverage: &mut Coverage,
) -> bool {
    let mut own = None;
    for (label, read) in reads {
        own.get_or_insert(read.raw_via.is_some() && read.packet_via.is_some());
        if let Some(error) = &read.error {
            let label = label.map_or("?", String::as_str);
            tracing::warn!("network namespace {label}: {error}");
            coverage
                .notes
                .push(format!("network namespace {label}: {error}"));
        }
    }
    own.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rawsock::PacketType;

    #[test]
    fn packet_rows_parse_like_the_kernel_prints_them() {
        let table = "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n\
                     00000000edfb55eb 3      3    0003   0     1 0      0      9333  \n\
                     00000000aaaaaaaa 3      2    0800   2     1 0      101    9400\n\
                     garbage\n";
        let rows = parse_packet_table(table.as_bytes()).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].protocol, 3);
        assert_eq!(rows[0].protocol_name, "all");
        assert_eq!(rows[0].packet_type, Some(PacketType::Raw));
        assert_eq!(
            (rows[0].inode, rows[0].uid, rows[0].ifindex),
            (9333, Some(0), 0)
        );
        assert_eq!(rows[1].packet_type, Some(PacketType::Dgram));
        assert_eq!(
            (rows[1].protocol, rows[1].ifindex, rows[1].uid),
            (0x0800, 2, Some(101))
        );
    }
}
