//! The companion process list of a Windows capture: `tasklist /fo csv` (image name and PID),
//! `tasklist /v /fo csv` (also the user) or `tasklist /svc /fo csv` (also the services), in any
//! language: the columns are found by position, since their names are translated.
//!
//! ```text
//! "Image Name","PID","Session Name","Session#","Mem Usage"
//! "svchost.exe","1712","Services","0","12,345 K"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use super::text::{self, LineReader, Next};
use super::{ImportError, ImportOptions, locale};
use crate::model::Process;

/// Whether a line is tasklist's CSV header (`"Image Name","PID",...` in any language).
pub fn is_header(line: &str) -> bool {
    let cells = cells(line);
    cells.len() >= 2 && cells[1].eq_ignore_ascii_case("PID") && line.trim_start().starts_with('"')
}

fn cells(line: &str) -> Vec<String> {
    super::csv_line::split(line)
}

/// Reads a tasklist CSV file into process facts by PID. Unreadable lines are warnings (errors
/// with `--strict`), like in captures.
pub fn load(path: &Path, options: &ImportOptions) -> Result<BTreeMap<u32, Process>, ImportError> {
    let label = path.display().to_string();
    let bytes = crate::files::limits::read_capped(
        path,
        crate::files::limits::MAX_TASKLIST_BYTES,
        "tasklist file",
    )
    .map_err(|source| ImportError::Read {
        path: label.clone(),
        source,
    })?;
    parse(&label, &bytes, options)
}

/// Parses tasklist CSV bytes.
pub fn parse(
    label: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<BTreeMap<u32, Process>, ImportError> {
    let (encoding, _, bom) = match options.encoding {
        Some(e) => (e, text::Chosen::Forced, 0),
        None => text::detect(bytes, locale::vocabulary()),
    };
    let mut reader = LineReader::new(&bytes[bom.min(bytes.len())..], encoding);
    let mut processes = BTreeMap::new();
    loop {
        let line = match reader.next_line() {
            Ok(Next::Line(l)) => l,
            Ok(Next::TooLong(n)) => {
                bad(label, n, "line too long", options)?;
                continue;
            }
            Ok(Next::End) => break,
            Err(source) => {
                return Err(ImportError::Read {
                    path: label.to_string(),
                    source,
                });
            }
        };
        let text = line.text.trim_start_matches('\u{FEFF}');
        if text.trim().is_empty() || is_header(text) {
            continue;
        }
        let c = cells(text);
        let pid = c.get(1).and_then(|p| p.parse::<u32>().ok());
        let (Some(name), Some(pid)) = (c.first().filter(|n| !n.is_empty()), pid) else {
            bad(
                label,
                line.number,
                "not a tasklist CSV row (\"Image Name\",\"PID\",...)",
                options,
            )?;
            continue;
        };
        let na = |s: &&String| !s.is_empty() && !s.eq_ignore_ascii_case("N/A");
        // /svc: image, PID, services ("RpcSs,RpcEptMapper"); /v: user in the 7th column.
        let services = match c.len() {
            3 => c[2]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("N/A"))
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        let user = if c.len() >= 9 {
            c.get(6).filter(na).cloned()
        } else {
            None
        };
        processes.insert(
            pid,
            Process {
                pid,
                ppid: None,
                name: name.clone(),
                exe: None,
                exe_deleted: false,
                exe_replaced: false,
                cmdline: Vec::new(),
                name_raw: None,
                exe_raw: None,
                cmdline_raw: None,
                truncated: Vec::new(),
                user,
                uid: None,
                sid: None,
                start_time: None,
                stdio_sockets: Vec::new(),
                stdio_peers: Vec::new(),
                services,
                container: None,
                unit: None,
                hidden: None,
            },
        );
    }
    Ok(processes)
}

fn bad(label: &str, line: u64, why: &str, options: &ImportOptions) -> Result<(), ImportError> {
    if options.strict {
        return Err(ImportError::Strict {
            path: label.to_string(),
            line,
            reason: why.to_string(),
        });
    }
    tracing::warn!("{label}:{line}: {why}; line skipped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_verbose_and_services() {
        let text = "\"Image Name\",\"PID\",\"Session Name\",\"Session#\",\"Mem Usage\"\r\n\"svchost.exe\",\"1712\",\"Services\",\"0\",\"12,345 K\"\r\n";
        let p = parse("t.csv", text.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(p[&1712].name, "svchost.exe");
        let svc = "\"Abbildname\",\"PID\",\"Dienste\"\n\"svchost.exe\",\"800\",\"RpcSs,RpcEptMapper\"\n\"x.exe\",\"9\",\"N/A\"\n";
        let p = parse("t.csv", svc.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(p[&800].services, ["RpcSs", "RpcEptMapper"]);
        assert!(p[&9].services.is_empty());
        let v = "\"nc.exe\",\"4242\",\"Console\",\"1\",\"3,000 K\",\"Running\",\"DESKTOP\\\\eve\",\"0:00:01\",\"N/A\"\n";
        let p = parse("t.csv", v.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(p[&4242].user.as_deref(), Some("DESKTOP\\\\eve"));
        let strict = ImportOptions {
            strict: true,
            ..ImportOptions::default()
        };
        assert!(matches!(
            parse("t.csv", b"garbage\n", &strict),
            Err(ImportError::Strict { line: 1, .. })
        ));
    }
}
