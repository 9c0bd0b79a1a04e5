//! Which format a capture holds, from its first bytes: the format whose line shapes match the
//! most lines, or a clear refusal (an empty file, a routing table, a process list).

use std::io::Read;
use std::path::Path;

use super::text::{self, Chosen, LineReader, Next};
use super::{
    Format, ImportOptions, locale, lsof, netstat_freebsd, netstat_linux, netstat_macos,
    netstat_windows, sockstat, ss, tasklist, tcpvcon, tcpview,
};
use crate::collect::error::{CollectError, ImportError};

/// Which format a file holds: JSON snapshot or one of the captures. Reads only the start.
pub fn detect_file(path: &Path, options: &ImportOptions) -> Result<Format, CollectError> {
    if let Some(f) = options.format {
        return Ok(f);
    }
    let label = path.display().to_string();
    let mut file = std::fs::File::open(path).map_err(|source| ImportError::Read {
        path: label.clone(),
        source,
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        // Let the snapshot loader say "is a directory".
        return Ok(Format::Snapshot);
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|source| ImportError::Read {
            path: label.clone(),
            source,
        })?;
    Ok(detect_bytes(&label, &head, options)?)
}

/// Bytes of a file looked at to choose its encoding and format.
pub(super) const HEAD_BYTES: usize = 64 * 1024;

/// The format of a capture from its first bytes.
pub fn detect_bytes(
    label: &str,
    head: &[u8],
    options: &ImportOptions,
) -> Result<Format, ImportError> {
    let vocabulary = locale::vocabulary();
    let (encoding, _, bom) = match options.encoding {
        Some(e) => (e, Chosen::Forced, 0),
        None => text::detect(head, vocabulary),
    };
    let mut reader = LineReader::new(&head[bom.min(head.len())..], encoding);
    let mut lines = Vec::new();
    while let Ok(Next::Line(line)) = reader.next_line() {
        lines.push(line.text);
        if lines.len() >= 400 {
            break;
        }
    }
    let first = lines.iter().find(|l| !text::is_blank(l));
    if first.is_none() {
        // Blank to the end of the head: empty only when the head is the whole file.
        return Err(if head.len() < HEAD_BYTES && lines.len() < 400 {
            ImportError::Empty {
                path: label.to_string(),
            }
        } else {
            ImportError::Undetected {
                path: label.to_string(),
                why: "its first lines are all blank".to_string(),
                supported: Format::supported(),
            }
        });
    }
    detect_lines(label, &lines)
}

/// Picks the format whose line shapes match the most lines.
fn detect_lines(label: &str, lines: &[String]) -> Result<Format, ImportError> {
    let first = lines.iter().map(|l| l.trim()).find(|l| !text::is_blank(l));
    let Some(first) = first else {
        return Err(ImportError::Empty {
            path: label.to_string(),
        });
    };
    if first.starts_with('{') {
        return Ok(Format::Snapshot);
    }
    if let Some((what, hint)) = not_sockets(lines) {
        return Err(ImportError::NotSockets {
            path: label.to_string(),
            what: what.to_string(),
            hint: hint.to_string(),
        });
    }
    type Scorer = fn(&str) -> u32;
    let scorers: [(Format, Scorer); 9] = [
        (Format::NetstatWindows, netstat_windows::score),
        (Format::NetstatLinux, netstat_linux::score),
        (Format::NetstatMacos, netstat_macos::score),
        (Format::Ss, ss::score),
        (Format::Lsof, lsof::score),
        (Format::Tcpview, tcpview::score),
        (Format::Tcpvcon, tcpvcon::score),
        (Format::NetstatFreebsd, netstat_freebsd::score),
        (Format::Sockstat, sockstat::score),
    ];
    let mut best = (0u32, None);
    for (format, score) in scorers {
        let total: u32 = lines.iter().map(|l| score(l)).sum();
        if total > best.0 {
            best = (total, Some(format));
        }
    }
    // macOS and FreeBSD netstat print the same rows; only a few lines tell them apart.
    if matches!(best.1, Some(Format::NetstatMacos | Format::NetstatFreebsd)) {
        best.1 = Some(bsd_flavour(lines));
    }
    best.1.ok_or_else(|| ImportError::Undetected {
        path: label.to_string(),
        why: format!(
            "no line looks like netstat, ss, lsof, sockstat or TCPView output; it starts with `{}`",
            crate::text::escape::for_terminal(&first.chars().take(60).collect::<String>())
        ),
        supported: Format::supported(),
    })
}

/// Which BSD netstat printed `lines`: macOS by its own sections and columns (`-v`, `-b`, the
/// `Socket` column of `-A`), else FreeBSD. A plain `netstat -an -p tcp` is the same on both and
/// is read as FreeBSD's (docs/import.md): `--input-format netstat-macos` says otherwise.
fn bsd_flavour(lines: &[String]) -> Format {
    let macos = lines.iter().any(|l| {
        let t = l.trim();
        let first = t.split_whitespace().next();
        netstat_macos::is_macos_section(t)
            || (t.contains("(state)")
                && (first == Some("Socket")
                    || t.split_whitespace()
                        .any(|w| matches!(w, "rxbytes" | "rhiwat" | "epid" | "process:pid"))))
    });
    if macos {
        Format::NetstatMacos
    } else {
        Format::NetstatFreebsd
    }
}

/// Command outputs people save by mistake next to the socket table.
fn not_sockets(lines: &[String]) -> Option<(&'static str, &'static str)> {
    const ROUTES: &[&str] = &[
        "Kernel IP routing table",
        "IPv4 Route Table",
        "Active Routes:",
        "Aktive Routen:",
        "Interface List",
        "Schnittstellenliste",
        "Route Table",
        // FreeBSD and macOS `netstat -rn`.
        "Routing tables",
    ];
    let routes = lines
        .iter()
        .any(|l| ROUTES.iter().any(|r| l.trim_start().starts_with(r)));
    let has_rows = lines.iter().any(|l| {
        netstat_windows::score(l)
            + netstat_linux::score(l)
            + netstat_macos::score(l)
            + ss::score(l)
            + lsof::score(l)
            + netstat_freebsd::score(l)
            + sockstat::score(l)
            > 0
    });
    if routes && !has_rows {
        return Some((
            "a routing table (route print / netstat -r)",
            "capture the socket table with `netstat -ano` (Windows), `ss -tunape` (Linux) or `sockstat -46s` (FreeBSD)",
        ));
    }
    // Other netstat modes: interface tables (`-i`, `-e`) and protocol statistics (`-s`).
    const OTHER_NETSTAT: &[(&str, &str)] = &[
        ("Kernel Interface table", "an interface table (netstat -i)"),
        (
            "Interface Statistics",
            "interface statistics (Windows netstat -e)",
        ),
        (
            "IPv4 Statistics",
            "protocol statistics (Windows netstat -s)",
        ),
        ("Ip:", "protocol statistics (netstat -s)"),
        ("IpExt:", "protocol statistics (netstat -s)"),
        ("tcp:", "protocol statistics (BSD netstat -s)"),
    ];
    let first = lines.iter().map(|l| l.trim()).find(|l| !l.is_empty());
    if !has_rows
        && let Some((_, what)) =
            first.and_then(|f| OTHER_NETSTAT.iter().find(|(t, _)| f.starts_with(t)))
    {
        return Some((
            what,
            "capture the socket table with `netstat -ano` (Windows), `ss -tunape` (Linux), `netstat -anv` (macOS) or `sockstat -46s` (FreeBSD)",
        ));
    }
    let bsd_interfaces = first.is_some_and(|f| {
        let w: Vec<&str> = f.split_whitespace().collect();
        w.len() >= 5 && w[..3] == ["Name", "Mtu", "Network"]
    });
    if bsd_interfaces && !has_rows {
        return Some((
            "an interface table (BSD netstat -i)",
            "capture the socket table with `netstat -anv` (macOS) or `sockstat -46s` (FreeBSD)",
        ));
    }
    if lines.iter().take(5).any(|l| tasklist::is_header(l)) && !has_rows {
        return Some((
            "a tasklist process list",
            "pass it with --processes next to the netstat capture (--input)",
        ));
    }
    None
}
