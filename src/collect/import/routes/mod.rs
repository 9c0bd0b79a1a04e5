//! Routing and neighbour tables captured on another machine: Windows `route print` (any
//! language), Linux `netstat -rn` / `-rne` / `-rn6`, macOS and FreeBSD `netstat -rn`, `ip route` / `ip -6 route` /
//! `ip route show table all`, `ip neigh`, `arp -a` (Windows) and `arp -an`, and snapshot JSON
//! with a `routes` table. One file per format; this module reads the bytes, decodes them
//! (code pages as for socket captures), picks the format from the line shapes and runs it.

mod arp;
mod bsd_fields;
mod iproute;
mod neigh;
mod netstat;
mod netstat_bsd;
mod netstat_freebsd;
mod parsed;
mod route_print;

pub use parsed::Parsed;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::collect::import::text::{self, TextEncoding};
use crate::model::routes::RouteTable;

/// Largest capture read: a routing table with a full BGP feed is ~100 MB as text; far beyond
/// anything `route print` or `ip route` of a host prints, and still bounded.
pub const MAX_ROUTE_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Words of localized `route print` / `arp -a` output that are not ASCII: they tell the legacy
/// code pages apart when a capture is not UTF-8.
const VOCABULARY: &[&str] = &[
    "Ständige Routen",
    "Schnittstelle",
    "Itinéraires",
    "Adresse réseau",
    "Destino de red",
    "Máscara de red",
    "Interfaz",
    "Dirección de Internet",
    "Dirección física",
    "Tabla de rutas",
    "Rotas ativas",
    "Таблица маршрутов",
    "活动路由",
    "永久路由",
];

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteFormat {
    /// Windows `route print` / `netstat -r` (English, German, French... any language).
    RoutePrint,
    /// Linux net-tools `netstat -rn`, `-rne`, `-rnee`, `-rn6` (or `route -n`).
    NetstatLinux,
    /// macOS (BSD) `netstat -rn`: `Internet:` and `Internet6:` sections.
    NetstatMacos,
    /// FreeBSD `netstat -rn` (`Internet:` and `Internet6:` sections).
    NetstatFreebsd,
    /// iproute2 `ip route`, `ip -6 route`, `ip route show table all`.
    IpRoute,
    /// iproute2 `ip neigh`.
    IpNeigh,
    /// `arp -a` (Windows) or `arp -an` (Linux, BSD, macOS).
    Arp,
    /// Snapshot JSON with a `routes` table (`sockaudit snapshot` of a host with routes).
    Snapshot,
}

impl RouteFormat {
    /// The name printed in labels.
    pub fn name(self) -> &'static str {
        match self {
            RouteFormat::RoutePrint => "route-print",
            RouteFormat::NetstatLinux => "netstat-rn",
            RouteFormat::NetstatMacos => "netstat-rn-macos",
            RouteFormat::NetstatFreebsd => "netstat-rn-freebsd",
            RouteFormat::IpRoute => "ip-route",
            RouteFormat::IpNeigh => "ip-neigh",
            RouteFormat::Arp => "arp",
            RouteFormat::Snapshot => "snapshot",
        }
    }
}

/// Why a capture could not be imported. Every variant names the file (and line).
#[derive(Debug, thiserror::Error)]
pub enum RouteImportError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_ROUTE_FILE_BYTES`].
    #[error("{path}: larger than the {} MiB limit for routing table captures", MAX_ROUTE_FILE_BYTES >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// No known format matches.
    #[error(
        "{path}: not a routing or neighbour table capture; expected Windows `route print`, `netstat -rn` (Linux or FreeBSD), `ip route`, `ip neigh`, `arp -a`, or snapshot JSON with routes (docs/routes.md)"
    )]
    Unrecognised {
        /// The file.
        path: PathBuf,
    },
    /// A row could not be read and `--strict` was given.
    #[error("{path}:{line}: cannot read this {format} row: `{text}`")]
    BadRow {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The format being read.
        format: &'static str,
        /// The line, trimmed.
        text: String,
    },
    /// A snapshot JSON file that does not load.
    #[error(transparent)]
    Snapshot(#[from] crate::collect::CollectError),
    /// A snapshot JSON file without a routing table.
    #[error(
        "{path}: this snapshot has no routing table (it was taken without routes); read the host with `sockaudit routes`, or import a route capture"
    )]
    NoRoutes {
        /// The file.
        path: PathBuf,
    },
}

/// One imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Its format.
    pub format: RouteFormat,
    /// Its routes and neighbours (`neighbours` is `None` for a file that has none to give).
    pub table: RouteTable,
    /// Rows that could not be read (line, text), skipped.
    pub skipped: Vec<(usize, String)>,
}

/// Reads, decodes and parses one capture. With `strict`, the first unreadable row is an error.
pub fn import_file(
    path: &Path,
    encoding: Option<TextEncoding>,
    strict: bool,
) -> Result<Imported, RouteImportError> {
    let read_err = |source| RouteImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    if file.metadata().map_err(read_err)?.is_dir() {
        return Err(read_err(std::io::Error::other("is a directory")));
    }
    let mut bytes = Vec::new();
    file.take(MAX_ROUTE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_ROUTE_FILE_BYTES {
        return Err(RouteImportError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    import_bytes(path, &bytes, encoding, strict)
}

/// Decodes and parses the bytes of one capture, as [`import_file`] does once it has read them;
/// `path` only labels errors.
pub fn import_bytes(
    path: &Path,
    bytes: &[u8],
    encoding: Option<TextEncoding>,
    strict: bool,
) -> Result<Imported, RouteImportError> {
    let text = decode(bytes, encoding);
    if text.trim_start().starts_with('{') {
        let snapshot = crate::collect::file::parse(path, &text)?;
        let table = snapshot.routes.ok_or_else(|| RouteImportError::NoRoutes {
            path: path.to_path_buf(),
        })?;
        return Ok(Imported {
            format: RouteFormat::Snapshot,
            table,
            skipped: Vec::new(),
        });
    }
    let format = detect(&text).ok_or_else(|| RouteImportError::Unrecognised {
        path: path.to_path_buf(),
    })?;
    let parsed = parse(format, &text);
    if strict && let Some((line, row)) = parsed.skipped.first() {
        return Err(RouteImportError::BadRow {
            path: path.to_path_buf(),
            line: *line,
            format: format.name(),
            text: row.clone(),
        });
    }
    let neighbours = matches!(format, RouteFormat::IpNeigh | RouteFormat::Arp);
    let mut table = RouteTable {
        routes: parsed.routes,
        neighbours: neighbours.then_some(parsed.neighbours),
    };
    table.sort();
    Ok(Imported {
        format,
        table,
        skipped: parsed.skipped,
    })
}

/// Bytes to text: `--encoding`, else BOM, else UTF-8 when valid, else the legacy code page whose
/// decoding shows the most localized route vocabulary.
pub fn decode(bytes: &[u8], encoding: Option<TextEncoding>) -> String {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let (encoding, bom) = match encoding {
        Some(e) => (e, 0),
        None => {
            let (e, _, bom) = text::detect(head, VOCABULARY);
            (e, bom)
        }
    };
    encoding.decode(&bytes[bom.min(bytes.len())..])
}

/// Runs the parser of `format` on decoded text.
pub fn parse(format: RouteFormat, text: &str) -> Parsed {
    match format {
        RouteFormat::RoutePrint => route_print::parse(text),
        RouteFormat::NetstatLinux => netstat::parse(text),
        RouteFormat::NetstatMacos => netstat_bsd::parse(text),
        RouteFormat::NetstatFreebsd => netstat_freebsd::parse(text),
        RouteFormat::IpRoute => iproute::parse(text),
        RouteFormat::IpNeigh => neigh::parse(text),
        RouteFormat::Arp => arp::parse(text),
        // Snapshot JSON is handled by the caller; nothing to parse as text.
        RouteFormat::Snapshot => Parsed::default(),
    }
}

/// Whether a BSD `netstat -rn` shows route flags only macOS prints.
fn macos_flags(text: &str) -> bool {
    text.lines().take(2000).any(|l| {
        l.split_whitespace().nth(2).is_some_and(|flags| {
            flags.chars().all(|c| c.is_ascii_alphanumeric())
                && flags.chars().any(|c| "CcgIimrW".contains(c))
                && flags.starts_with('U')
        })
    })
}

/// The format whose row shapes match the most lines; `None` when nothing matches.
pub fn detect(text: &str) -> Option<RouteFormat> {
    if route_print::looks_like(text) {
        return Some(RouteFormat::RoutePrint);
    }
    if netstat_bsd::looks_like(text) || netstat_freebsd::looks_like(text) {
        // The two BSD layouts are the same; macOS's flags (cloning `C`, `c`, `g`, `I`, `i`,
        // `m`, `r`, `W`) tell them apart, and FreeBSD's parser knows its FIBs.
        return Some(if macos_flags(text) {
            RouteFormat::NetstatMacos
        } else {
            RouteFormat::NetstatFreebsd
        });
    }
    let mut counts = [0usize; 4];
    for line in text.lines().take(2000) {
        if netstat::is_row(line) {
            counts[0] += 1;
        } else if neigh::is_row(line) {
            counts[1] += 1;
        } else if arp::is_row(line) {
            counts[2] += 1;
        } else if iproute::is_row(line) {
            counts[3] += 1;
        }
    }
    let formats = [
        RouteFormat::NetstatLinux,
        RouteFormat::IpNeigh,
        RouteFormat::Arp,
        RouteFormat::IpRoute,
    ];
    let (best, count) = formats
        .into_iter()
        .zip(counts)
        .max_by_key(|(_, count)| *count)?;
    (count > 0).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart() {
        assert_eq!(
            detect(
                "default via 192.0.2.1 dev eth0\n192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2\n"
            ),
            Some(RouteFormat::IpRoute)
        );
        assert_eq!(
            detect("192.0.2.1 dev eth0 lladdr 02:fc:00:00:00:05 STALE\n"),
            Some(RouteFormat::IpNeigh)
        );
        assert_eq!(
            detect(
                "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         192.0.2.1       0.0.0.0         UG    0      0        0 eth0\n"
            ),
            Some(RouteFormat::NetstatLinux)
        );
        assert_eq!(
            detect("? (192.0.2.1) at 02:fc:00:00:00:05 [ether] on eth0\n"),
            Some(RouteFormat::Arp)
        );
        assert_eq!(detect("hello\nworld\n"), None);
        assert_eq!(detect(""), None);
    }
}
