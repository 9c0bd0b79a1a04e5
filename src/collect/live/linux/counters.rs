//! Reads a network namespace's counters from `/proc/PID/net/{snmp,netstat,snmp6,dev}` (or a
//! saved copy of those files) into a [`CounterSample`].
//!
//! Written by hand rather than with `procfs`: four line formats of a few lines each, and we
//! need the exact kernel names (`TcpExt.TCPReqQFullDrop`) for rules, which procfs renames.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::collect::error::CounterError;
use crate::model::counters::{CounterSample, InterfaceCounters, names};

/// Largest counter file read; the real ones are a few KiB.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads `snmp` (required), `netstat`, `snmp6` and `dev` in `proc_net_dir`: `/proc/net`,
/// `/proc/PID/net`, or a directory holding copies of them.
///
/// Under `/proc`, the sample carries this boot's id and the inode of the namespace the
/// directory shows (`/proc/PID/ns/net`). A saved copy may hold `boot_id` (a copy of
/// `/proc/sys/kernel/random/boot_id`) and `taken_at` (RFC 3339) files; without `taken_at` its
/// time is the modification time of `snmp`.
pub fn read_counters(proc_net_dir: &Path) -> Result<CounterSample, CounterError> {
    let now = jiff::Timestamp::now();
    let live = std::fs::canonicalize(proc_net_dir)
        .ok()
        .filter(|p| p.starts_with("/proc"));
    let snmp_path = proc_net_dir.join("snmp");
    let snmp = read_text(&snmp_path)?.ok_or_else(|| CounterError::Read {
        path: snmp_path.clone(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file (a counter directory holds copies of /proc/net/snmp, netstat, snmp6 and dev)",
        ),
    })?;
    let mut values = parse_pairs(&snmp_path, &snmp)?;
    let netstat_path = proc_net_dir.join("netstat");
    if let Some(text) = read_text(&netstat_path)? {
        values.extend(parse_pairs(&netstat_path, &text)?);
    }
    let snmp6_path = proc_net_dir.join("snmp6");
    if let Some(text) = read_text(&snmp6_path)? {
        values.extend(parse_snmp6(&snmp6_path, &text)?);
    }
    let dev_path = proc_net_dir.join("dev");
    let interfaces = match read_text(&dev_path)? {
        Some(text) => parse_dev(&dev_path, &text)?,
        None => BTreeMap::new(),
    };
    let (taken_at, boot_id, netns) = match &live {
        Some(real) => (
            now,
            read_text(Path::new("/proc/sys/kernel/random/boot_id"))
                .ok()
                .flatten()
                .map(|s| s.trim().to_string()),
            real.parent().and_then(namespace_inode),
        ),
        None => {
            let boot_id = read_text(&proc_net_dir.join("boot_id"))?.map(|s| s.trim().to_string());
            let taken_path = proc_net_dir.join("taken_at");
            let taken_at = match read_text(&taken_path)? {
                Some(text) => {
                    text.trim()
                        .parse::<jiff::Timestamp>()
                        .map_err(|e| CounterError::Parse {
                            path: taken_path.clone(),
                            line: 1,
                            message: format!("not an RFC 3339 time: {e}"),
                        })?
                }
                None => modified(&snmp_path).unwrap_or(now),
            };
            (taken_at, boot_id, None)
        }
    };
    Ok(CounterSample {
        taken_at,
        boot_id: boot_id.filter(|b| !b.is_empty()),
        netns,
        values,
        interfaces,
    })
}

/// The inode of `PROC_PID_DIR/ns/net`: the namespace's identity while it lives.
fn namespace_inode(proc_pid_dir: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(proc_pid_dir.join("ns").join("net"))
        .ok()
        .map(|m| m.ino())
}

fn modified(path: &Path) -> Option<jiff::Timestamp> {
    let time = std::fs::metadata(path).ok()?.modified().ok()?;
    jiff::Timestamp::try_from(time).ok()
}

/// The file's text, `None` when it does not exist (IPv6 disabled: no `snmp6`).
fn read_text(path: &Path) -> Result<Option<String>, CounterError> {
    let read_err = |source| CounterError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_err(e)),
    };
    let mut text = String::new();
    file.take(MAX_FILE_BYTES)
        .read_to_string(&mut text)
        .map_err(read_err)?;
    Ok(Some(text))
}

fn parse_error(path: &Path, line: usize, message: String) -> CounterError {
    CounterError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// A counter value: signed (`Tcp.MaxConn` is -1). A value beyond i64 (a 64-bit counter past
/// 2^63) is left out rather than misread.
fn value(text: &str) -> Result<Option<i64>, String> {
    match text.parse::<i64>() {
        Ok(v) => Ok(Some(v)),
        Err(_) if text.parse::<u64>().is_ok() => Ok(None),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

/// `/proc/net/snmp` and `/proc/net/netstat`: a header line of names and a line of values per
/// group, both starting with `Group:`.
pub fn parse_pairs(path: &Path, text: &str) -> Result<BTreeMap<String, i64>, CounterError> {
    let mut out = BTreeMap::new();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    while let Some((n, header)) = lines.next() {
        let (group, names) = header
            .split_once(':')
            .ok_or_else(|| parse_error(path, n + 1, "expected `Group: names...`".into()))?;
        let (m, values) = lines.next().ok_or_else(|| {
            parse_error(
                path,
                n + 1,
                format!("`{group}` has names but no values line"),
            )
        })?;
        let (group2, values) = values
            .split_once(':')
            .ok_or_else(|| parse_error(path, m + 1, "expected `Group: values...`".into()))?;
        if group != group2 {
            return Err(parse_error(
                path,
                m + 1,
                format!("values of `{group2}` follow the names of `{group}`"),
            ));
        }
        let names: Vec<&str> = names.split_whitespace().collect();
        let values: Vec<&str> = values.split_whitespace().collect();
        if names.len() != values.len() {
            return Err(parse_error(
                path,
                m + 1,
                format!(
                    "`{group}` has {} names but {} values",
                    names.len(),
                    values.len()
                ),
            ));
        }
        for (name, text) in names.iter().zip(values) {
            if let Some(v) = value(text).map_err(|e| parse_error(path, m + 1, e))? {
                out.insert(format!("{group}.{name}"), v);
            }
        }
    }
    Ok(out)
}

/// `/proc/net/snmp6`: `Ip6InReceives   123` per line.
pub fn parse_snmp6(path: &Path, text: &str) -> Result<BTreeMap<String, i64>, CounterError> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let (Some(name), Some(text), None) = (fields.next(), fields.next(), fields.next()) else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(parse_error(path, n + 1, "expected `Name value`".into()));
        };
        if let Some(v) = value(text).map_err(|e| parse_error(path, n + 1, e))? {
            out.insert(names::snmp6_name(name), v);
        }
    }
    Ok(out)
}

/// `/proc/net/dev`: two header lines, then `iface: 16 numbers` per interface.
pub fn parse_dev(
    path: &Path,
    text: &str,
) -> Result<BTreeMap<String, InterfaceCounters>, CounterError> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if n < 2 && line.contains('|') {
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let (name, rest) = line
            .split_once(':')
            .ok_or_else(|| parse_error(path, n + 1, "expected `iface: counters...`".into()))?;
        let numbers: Vec<u64> = rest
            .split_whitespace()
            .map(str::parse::<u64>)
            .collect::<Result<_, _>>()
            .map_err(|e| parse_error(path, n + 1, format!("not a counter: {e}")))?;
        let columns: [u64; 16] = numbers.try_into().map_err(|v: Vec<u64>| {
            parse_error(
                path,
                n + 1,
                format!("expected 16 counters, found {}", v.len()),
            )
        })?;
        out.insert(
            name.trim().to_string(),
            InterfaceCounters::from_columns(columns),
        );
    }
    Ok(out)
}

/// `/proc/self/net`: the scanner's own namespace.
pub fn own_namespace_dir() -> PathBuf {
    PathBuf::from("/proc/self/net")
}

/// See [`crate::collect::live::counters::sample_namespaces`].
pub fn sample_namespaces(
    namespaces: &[crate::model::NetNamespace],
) -> Vec<(String, Result<CounterSample, CounterError>)> {
    use crate::model::namespace::HOST;
    if namespaces.is_empty() {
        return vec![(HOST.to_string(), read_counters(&own_namespace_dir()))];
    }
    // A process of each namespace, from the namespace links alone (no fd is read).
    let options = super::fds::WalkOptions {
        fds: false,
        netns: true,
        kernel_threads: false,
    };
    let mut pid_of: BTreeMap<u64, u32> = BTreeMap::new();
    if let Ok(walk) = super::fds::walk(Path::new("/proc"), 1, options) {
        for (pid, inode) in walk.netns {
            pid_of.entry(inode).or_insert(pid);
        }
    }
    namespaces
        .iter()
        .map(|ns| {
            let sample = if ns.own {
                read_counters(&own_namespace_dir())
            } else if let Some(pid) = pid_of.get(&ns.inode) {
                read_counters(Path::new(&format!("/proc/{pid}/net")))
            } else if let Some(name) = ns.names.first() {
                let path = Path::new("/run/netns").join(name);
                super::netns::within(&path, || read_counters(Path::new("/proc/thread-self/net")))
                    .unwrap_or_else(|e| {
                        Err(CounterError::Read {
                            path,
                            source: std::io::Error::other(e.to_string()),
                        })
                    })
            } else {
                Err(CounterError::Read {
                    path: PathBuf::from(format!("net:[{}]", ns.inode)),
                    source: std::io::Error::other("no process lives in this namespace any more"),
                })
            };
            (ns.label.clone(), sample)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/counters")
            .join(name)
    }

    #[test]
    fn reads_a_saved_copy_of_this_machines_counters() {
        let sample = read_counters(&fixture("host-a")).unwrap();
        assert_eq!(sample.values["Tcp.ActiveOpens"], 91);
        assert_eq!(sample.values["Tcp.MaxConn"], -1, "signed values");
        assert_eq!(sample.values["TcpExt.SyncookiesSent"], 0);
        assert_eq!(sample.values["Udp.RcvbufErrors"], 0);
        assert!(sample.values.contains_key("Ip6.InReceives"));
        assert!(sample.values.contains_key("IcmpMsg.InType3"));
        assert!(sample.values.contains_key("MPTcpExt.MPCapableSYNRX"));
        assert_eq!(
            sample.taken_at.to_string(),
            "2026-11-28T14:43:49.832059091Z"
        );
        assert_eq!(
            sample.boot_id.as_deref(),
            Some("89bf5fc8-f809-4e4d-91fc-3d67d6f557aa")
        );
        assert_eq!(sample.netns, None, "a copy has no namespace");
        assert_eq!(
            sample.interfaces.keys().collect::<Vec<_>>(),
            ["eth0", "ifb0", "ifb1", "lo"]
        );
        let lo = sample.interfaces["lo"];
        assert_eq!(lo.rx_bytes, lo.tx_bytes, "loopback sends what it receives");
        assert!(lo.rx_packets > 0);
        // Every name the kernel printed is one this build knows (or a typed ICMP name).
        for name in sample.values.keys() {
            assert!(names::is_known(name), "{name}");
        }
    }

    #[test]
    fn the_traffic_between_the_two_samples_shows() {
        let a = read_counters(&fixture("host-a")).unwrap();
        let b = read_counters(&fixture("host-b")).unwrap();
        let d = crate::model::counters::delta_between(&a, &b, "Tcp.ActiveOpens").unwrap();
        assert_eq!(d.current - d.previous, 150, "150 loopback connections");
        let d = crate::model::counters::delta_between(&a, &b, "Udp.NoPorts").unwrap();
        assert_eq!(
            d.current - d.previous,
            40,
            "40 datagrams to the discard port"
        );
        assert!(d.rate > 8.0 && d.rate < 9.0, "40 in 4.7 s: {}", d.rate);
    }

    #[test]
    fn reads_the_live_namespace_with_its_identity() {
        let sample = read_counters(&own_namespace_dir()).unwrap();
        assert!(sample.values.contains_key("Tcp.ActiveOpens"));
        assert!(sample.interfaces.contains_key("lo"));
        let own = std::fs::metadata("/proc/self/ns/net").map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.ino()
        });
        assert_eq!(sample.netns, own.ok());
        assert!(sample.boot_id.is_some());
    }

    #[test]
    fn malformed_files_name_the_line() {
        let p = Path::new("snmp");
        let err = parse_pairs(p, "Tcp: A B\nTcp: 1\n").unwrap_err();
        assert_eq!(err.to_string(), "snmp:2: `Tcp` has 2 names but 1 values");
        let err = parse_pairs(p, "Tcp: A\nUdp: 1\n").unwrap_err();
        assert!(
            err.to_string().starts_with("snmp:2: values of `Udp`"),
            "{err}"
        );
        let err = parse_pairs(p, "Tcp: A\n").unwrap_err();
        assert!(err.to_string().contains("no values line"), "{err}");
        let err = parse_pairs(p, "Tcp: A\nTcp: x\n").unwrap_err();
        assert_eq!(err.to_string(), "snmp:2: `x` is not a number");
        let err = parse_snmp6(Path::new("snmp6"), "Ip6InReceives 1 2\n").unwrap_err();
        assert_eq!(err.to_string(), "snmp6:1: expected `Name value`");
        let err = parse_dev(Path::new("dev"), "h|\nh|\n  lo: 1 2 3\n").unwrap_err();
        assert_eq!(err.to_string(), "dev:3: expected 16 counters, found 3");
        // A 64-bit counter past i64 is left out, not misread.
        let big = parse_pairs(p, "IpExt: InOctets\nIpExt: 18446744073709551615\n").unwrap();
        assert!(big.is_empty());
    }

    #[test]
    fn a_directory_without_snmp_is_not_a_counter_copy() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_counters(dir.path()).unwrap_err();
        assert!(err.to_string().contains("snmp"), "{err}");
    }
}
