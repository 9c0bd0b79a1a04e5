//! Offline evidence: captures of `netstat`, `ss`, `lsof` and TCPView taken on another machine,
//! read into the same [`Snapshot`] a live collection gives.
//!
//! One file per format parses lines into [`builder::Row`]s; [`builder`] turns a block of rows
//! into a snapshot. This module picks the encoding ([`text`]) and the format (from the text,
//! or `--input-format`), streams the file line by line (memory bounded by the longest line and
//! the largest block, never the file), splits repeated listings (`netstat -on 5`) into blocks,
//! and reports every line it cannot read as `file:line: why` (an error with `--strict`).

pub mod builder;
pub mod csv_line;
pub mod endpoint;
pub mod locale;
pub mod lsof;
pub mod netstat_linux;
pub mod netstat_windows;
pub mod routes;
pub mod services;
pub mod ss;
pub mod tasklist;
pub mod tcpvcon;
pub mod tcpview;
pub mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use builder::{CaptureInfo, Finish, Row};
use text::{Chosen, Line, LineReader, Next, TextEncoding};

use crate::model::{Attribution, Process, Snapshot};

/// The formats `--input-format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// sockaudit's own snapshot JSON (`sockaudit snapshot`, `list --format json`).
    Snapshot,
    /// Windows `netstat -an`, `-ano`, `-abno`, `-anbv`, `-on 5`, localized.
    NetstatWindows,
    /// Linux net-tools `netstat -tunap`, `-alpn`, `-tulpen`, localized.
    NetstatLinux,
    /// iproute2 `ss -tunap` (with or without Netid, `-e` extras).
    Ss,
    /// `lsof -i -nP` (Linux and macOS).
    Lsof,
    /// Sysinternals TCPView's saved text or CSV.
    Tcpview,
    /// Sysinternals `tcpvcon -a -c`.
    Tcpvcon,
}

impl Format {
    /// Every format, in the order `--input-format` lists them.
    pub const ALL: [Format; 7] = [
        Format::Snapshot,
        Format::NetstatWindows,
        Format::NetstatLinux,
        Format::Ss,
        Format::Lsof,
        Format::Tcpview,
        Format::Tcpvcon,
    ];

    /// The name `--input-format` takes and the source label shows.
    pub fn name(self) -> &'static str {
        match self {
            Format::Snapshot => "snapshot",
            Format::NetstatWindows => "netstat-windows",
            Format::NetstatLinux => "netstat-linux",
            Format::Ss => "ss",
            Format::Lsof => "lsof",
            Format::Tcpview => "tcpview",
            Format::Tcpvcon => "tcpvcon",
        }
    }

    /// Looks up a name (`auto` is handled by the caller).
    pub fn from_name(name: &str) -> Option<Format> {
        let name = name.trim().to_ascii_lowercase();
        let name = match name.as_str() {
            "json" => "snapshot",
            "windows" | "netstat-win" => "netstat-windows",
            "netstat" | "net-tools" => "netstat-linux",
            other => other,
        };
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// `auto` and every name, for messages.
    pub fn supported() -> String {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("auto, {}", names.join(", "))
    }

    /// How the tool found owners: Linux tools read each process's fds; Windows reports them.
    fn attribution(self) -> Attribution {
        match self {
            Format::NetstatLinux | Format::Ss | Format::Lsof => Attribution::Fd,
            _ => Attribution::Reported,
        }
    }

    /// The tool, for notes.
    fn tool(self) -> &'static str {
        match self {
            Format::Snapshot => "snapshot",
            Format::NetstatWindows => "Windows netstat",
            Format::NetstatLinux => "Linux netstat",
            Format::Ss => "ss",
            Format::Lsof => "lsof",
            Format::Tcpview => "TCPView",
            Format::Tcpvcon => "tcpvcon",
        }
    }

    fn pid_advice(self) -> &'static str {
        match self {
            Format::NetstatWindows => {
                "capture with -o (netstat -abno in an administrator prompt); rules on processes cannot check anything"
            }
            Format::NetstatLinux | Format::Ss => {
                "capture with -p as root; rules on processes cannot check anything"
            }
            _ => "rules on processes cannot check anything",
        }
    }

    fn name_advice(self) -> &'static str {
        match self {
            Format::NetstatWindows => {
                "capture with -b as administrator, or pass --processes with `tasklist /fo csv` output"
            }
            _ => "rules on process names cannot check anything",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to read a capture (`--input-format`, `--encoding`, `--strict`, `--all-blocks`,
/// `--processes`).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format; `None` detects it from the text.
    pub format: Option<Format>,
    /// The encoding; `None` detects it (BOM, validity, vocabulary).
    pub encoding: Option<TextEncoding>,
    /// Any skipped line is an error.
    pub strict: bool,
    /// Every block (`netstat -on 5`) instead of the last.
    pub all_blocks: bool,
    /// A `tasklist /fo csv` file mapping PIDs to image names (Windows).
    pub processes: Option<PathBuf>,
}

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The format could not be told from the text.
    #[error(
        "{path}: cannot tell the capture format ({why}); pass --input-format with one of: {supported}"
    )]
    Undetected {
        /// The file.
        path: String,
        /// What was seen.
        why: String,
        /// The supported formats.
        supported: String,
    },
    /// The file is output of another command.
    #[error("{path}: this is {what}, not a socket table; {hint}")]
    NotSockets {
        /// The file.
        path: String,
        /// What it is.
        what: String,
        /// What to capture instead.
        hint: String,
    },
    /// Recognised as a capture, but without a column header or any row.
    #[error(
        "{path}: looks like {format} output but holds no column header and no socket row (cut short?)"
    )]
    NoRows {
        /// The file.
        path: String,
        /// The format it resembles.
        format: Format,
    },
    /// `--strict` and a line could not be read.
    #[error("{path}:{line}: {reason} (--strict: a skipped line is an error)")]
    Strict {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// Why.
        reason: String,
    },
}

/// Reads a capture file and calls `each` with its last block (or every block with
/// `all_blocks`). JSON snapshots are not handled here (see [`super::file`]).
pub fn import_file(
    path: &Path,
    format: Format,
    options: &ImportOptions,
    each: &mut dyn FnMut(Snapshot) -> Result<(), super::CollectError>,
) -> Result<(), super::CollectError> {
    let label = path.display().to_string();
    let read_err = |source| ImportError::Read {
        path: label.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > crate::files::limits::MAX_CAPTURE_BYTES)
    {
        return Err(read_err(crate::files::limits::too_large(
            crate::files::limits::MAX_CAPTURE_BYTES,
            "capture file",
        ))
        .into());
    }
    let collected_at = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let companion = match &options.processes {
        Some(p) => Some(tasklist::load(p, options)?),
        None => None,
    };
    let name = path
        .file_name()
        .map_or_else(|| label.clone(), |n| n.to_string_lossy().into_owned());
    let ctx = Context {
        path: label.clone(),
        name,
        collected_at,
        companion: companion.as_ref(),
    };
    run(
        std::io::BufReader::new(crate::files::limits::Capped::new(
            file,
            crate::files::limits::MAX_CAPTURE_BYTES,
            "capture file",
        )),
        Some(format),
        options,
        &ctx,
        each,
    )
}

/// Which format a file holds: JSON snapshot or one of the captures. Reads only the start.
pub fn detect_file(path: &Path, options: &ImportOptions) -> Result<Format, super::CollectError> {
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
const HEAD_BYTES: usize = 64 * 1024;

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
    detect_lines(label, &lines)
}

/// Picks the format whose line shapes match the most lines.
fn detect_lines(label: &str, lines: &[String]) -> Result<Format, ImportError> {
    let first = lines.iter().map(|l| l.trim()).find(|l| !l.is_empty());
    let Some(first) = first else {
        return Err(ImportError::Undetected {
            path: label.to_string(),
            why: "the file is empty".to_string(),
            supported: Format::supported(),
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
    let scorers: [(Format, Scorer); 6] = [
        (Format::NetstatWindows, netstat_windows::score),
        (Format::NetstatLinux, netstat_linux::score),
        (Format::Ss, ss::score),
        (Format::Lsof, lsof::score),
        (Format::Tcpview, tcpview::score),
        (Format::Tcpvcon, tcpvcon::score),
    ];
    let mut best = (0u32, None);
    for (format, score) in scorers {
        let total: u32 = lines.iter().map(|l| score(l)).sum();
        if total > best.0 {
            best = (total, Some(format));
        }
    }
    best.1.ok_or_else(|| ImportError::Undetected {
        path: label.to_string(),
        why: format!(
            "no line looks like netstat, ss, lsof or TCPView output; it starts with `{}`",
            crate::text::escape::for_terminal(&first.chars().take(60).collect::<String>())
        ),
        supported: Format::supported(),
    })
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
    ];
    let routes = lines
        .iter()
        .any(|l| ROUTES.iter().any(|r| l.trim_start().starts_with(r)));
    let has_rows = lines.iter().any(|l| {
        netstat_windows::score(l) + netstat_linux::score(l) + ss::score(l) + lsof::score(l) > 0
    });
    if routes && !has_rows {
        return Some((
            "a routing table (route print / netstat -r)",
            "capture the socket table with `netstat -ano` (Windows) or `ss -tunape` (Linux)",
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

/// Parses a capture held in memory: every block, in order (tests, fuzzing).
pub fn parse_bytes(
    name: &str,
    bytes: &[u8],
    options: &ImportOptions,
    collected_at: jiff::Timestamp,
) -> Result<Vec<Snapshot>, super::CollectError> {
    let format = match options.format {
        Some(f) => f,
        None => detect_bytes(name, &bytes[..bytes.len().min(HEAD_BYTES)], options)?,
    };
    if format == Format::Snapshot {
        let text = String::from_utf8_lossy(bytes);
        return Ok(vec![super::file::parse(Path::new(name), &text)?]);
    }
    let ctx = Context {
        path: name.to_string(),
        name: name.to_string(),
        collected_at,
        companion: None,
    };
    let mut out = Vec::new();
    let mut options = options.clone();
    options.all_blocks = true;
    run(bytes, Some(format), &options, &ctx, &mut |s| {
        out.push(s);
        Ok(())
    })?;
    Ok(out)
}

/// What every block of one file shares.
struct Context<'a> {
    /// The path as the user gave it, for messages.
    path: String,
    /// The file name, for the source label.
    name: String,
    collected_at: jiff::Timestamp,
    companion: Option<&'a BTreeMap<u32, Process>>,
}

/// What a format parser does with each line.
pub trait LineParser {
    /// Reads one line: rows go to `out`; `Err(why)` skips the line with a warning.
    fn line(&mut self, line: &Line, out: &mut Emitter) -> Result<(), String>;
}

/// Where parsers put rows and block boundaries.
pub struct Emitter {
    rows: Vec<Row>,
    /// What the parser learnt about the capture (owner column, privileges, skipped sections).
    pub info: CaptureInfo,
    /// A column header was seen: a capture without rows is then an empty table, not an error.
    pub saw_header: bool,
    finished: Vec<(Vec<Row>, CaptureInfo, usize)>,
    skipped_in_block: usize,
}

impl Emitter {
    fn new() -> Emitter {
        Emitter {
            rows: Vec::new(),
            info: CaptureInfo::default(),
            finished: Vec::new(),
            skipped_in_block: 0,
            saw_header: false,
        }
    }

    /// Adds a socket row to the current block.
    pub fn row(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The last row, for continuation lines (`netstat -b` owners).
    pub fn last_row(&mut self) -> Option<&mut Row> {
        self.rows.last_mut()
    }

    /// Rows in the current block.
    pub fn rows_in_block(&self) -> usize {
        self.rows.len()
    }

    /// A new listing starts (a title or header after rows): the current block is complete.
    pub fn new_block(&mut self) {
        if self.rows.is_empty() {
            return;
        }
        let sticky = CaptureInfo {
            has_owner_column: self.info.has_owner_column,
            not_root: self.info.not_root,
            ..CaptureInfo::default()
        };
        let info = std::mem::replace(&mut self.info, sticky);
        let rows = std::mem::take(&mut self.rows);
        self.finished
            .push((rows, info, std::mem::take(&mut self.skipped_in_block)));
    }
}

/// Most warnings printed one by one; the rest are summed up at the end.
const MAX_WARNINGS: usize = 20;

fn run<R: Read>(
    reader: R,
    format: Option<Format>,
    options: &ImportOptions,
    ctx: &Context<'_>,
    each: &mut dyn FnMut(Snapshot) -> Result<(), super::CollectError>,
) -> Result<(), super::CollectError> {
    let mut reader = reader;
    // The start of the file decides the encoding (and the format when not given).
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut reader)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|source| ImportError::Read {
            path: ctx.path.clone(),
            source,
        })?;
    let vocabulary = locale::vocabulary();
    let (encoding, chosen, bom) = match options.encoding {
        Some(e) => (e, Chosen::Forced, 0),
        None => text::detect(&head, vocabulary),
    };
    let format = match format {
        Some(f) => f,
        None => detect_bytes(&ctx.path, &head, options)?,
    };
    let mut file_notes = Vec::new();
    match chosen {
        Chosen::Guessed => file_notes.push(format!(
            "not UTF-8: decoded as {} (guessed from its words; pass --encoding if names look wrong)",
            encoding.name()
        )),
        Chosen::Bom | Chosen::ZeroBytes if encoding != TextEncoding::UTF8 => {
            file_notes.push(format!("decoded as {}", encoding.name()));
        }
        _ => {}
    }
    if let Some(c) = ctx.companion {
        file_notes.push(format!("{} process name(s) from --processes", c.len()));
    }
    let body = std::io::Cursor::new(head).chain(reader);
    // The BOM stays in the stream and is stripped from the first line (U+FEFF).
    let mut lines = LineReader::new(body, encoding);
    let mut parser: Box<dyn LineParser> = match format {
        Format::NetstatWindows => Box::new(netstat_windows::Parser::default()),
        Format::NetstatLinux => Box::new(netstat_linux::Parser::default()),
        Format::Ss => Box::new(ss::Parser::default()),
        Format::Lsof => Box::new(lsof::Parser),
        Format::Tcpview => Box::new(tcpview::Parser::default()),
        Format::Tcpvcon => Box::new(tcpvcon::Parser),
        Format::Snapshot => {
            return Err(super::CollectError::Internal(
                "snapshot JSON reached the capture importer".to_string(),
            ));
        }
    };
    let mut out = Emitter::new();
    // tcpvcon prints no header: an empty listing is just empty.
    out.saw_header = format == Format::Tcpvcon;
    let mut state = RunState {
        warned: 0,
        skipped: 0,
        blocks: 0,
        last: None,
    };
    let mut first = true;
    loop {
        let next = lines.next_line().map_err(|source| ImportError::Read {
            path: ctx.path.clone(),
            source,
        })?;
        let result = match next {
            Next::End => break,
            Next::TooLong(n) => Err((n, format!("line longer than {} KiB", text::MAX_LINE / 1024))),
            Next::Line(mut line) => {
                if first {
                    first = false;
                    if bom > 0 {
                        line.text = line.text.trim_start_matches('\u{FEFF}').to_string();
                    }
                }
                parser
                    .line(&line, &mut out)
                    .map_err(|why| (line.number, why))
            }
        };
        if let Err((number, why)) = result {
            skip(&mut state, &mut out, ctx, options, number, &why)?;
        }
        flush(
            &mut state,
            &mut out,
            format,
            options,
            ctx,
            &file_notes,
            each,
        )?;
    }
    out.new_block();
    flush(
        &mut state,
        &mut out,
        format,
        options,
        ctx,
        &file_notes,
        each,
    )?;
    if lines.replacements {
        tracing::warn!(
            "{}: some bytes are not valid {}: shown as U+FFFD (pass --encoding)",
            ctx.path,
            encoding.name()
        );
    }
    if state.warned > MAX_WARNINGS {
        tracing::warn!(
            "{}: {} more unreadable line(s) skipped",
            ctx.path,
            state.warned - MAX_WARNINGS
        );
    }
    match state.last.take() {
        Some(mut last) => {
            if state.blocks > 1 {
                last.coverage.notes.push(format!(
                    "the file holds {} listings (e.g. `netstat -on 5`); this is the last one (--all-blocks for each)",
                    state.blocks
                ));
            }
            each(last)
        }
        None if state.blocks == 0 && !out.saw_header => Err(ImportError::NoRows {
            path: ctx.path.clone(),
            format,
        }
        .into()),
        None if state.blocks == 0 => {
            // A capture with a header and no sockets (or nothing readable): an empty table.
            tracing::warn!("{}: no sockets in this capture", ctx.path);
            let empty = builder::build(
                Vec::new(),
                &out.info,
                &Finish {
                    source: source_label(ctx, format, None),
                    format,
                    collected_at: ctx.collected_at,
                    skipped_lines: state.skipped,
                    companion: ctx.companion,
                    file_notes: &file_notes,
                },
            );
            each(empty)
        }
        None => Ok(()),
    }
}

struct RunState {
    warned: usize,
    skipped: usize,
    blocks: usize,
    last: Option<Snapshot>,
}

fn skip(
    state: &mut RunState,
    out: &mut Emitter,
    ctx: &Context<'_>,
    options: &ImportOptions,
    number: u64,
    why: &str,
) -> Result<(), ImportError> {
    if options.strict {
        return Err(ImportError::Strict {
            path: ctx.path.clone(),
            line: number,
            reason: why.to_string(),
        });
    }
    state.warned += 1;
    state.skipped += 1;
    out.skipped_in_block += 1;
    if state.warned <= MAX_WARNINGS {
        tracing::warn!(
            "{}:{number}: {}; line skipped",
            ctx.path,
            crate::text::escape::for_terminal(why)
        );
    }
    Ok(())
}

fn source_label(ctx: &Context<'_>, format: Format, block: Option<usize>) -> String {
    match block {
        Some(n) if n > 1 => format!("file:{} ({format}, block {n})", ctx.name),
        _ => format!("file:{} ({format})", ctx.name),
    }
}

fn flush(
    state: &mut RunState,
    out: &mut Emitter,
    format: Format,
    options: &ImportOptions,
    ctx: &Context<'_>,
    file_notes: &[String],
    each: &mut dyn FnMut(Snapshot) -> Result<(), super::CollectError>,
) -> Result<(), super::CollectError> {
    for (rows, info, skipped) in out.finished.drain(..) {
        state.blocks += 1;
        let snapshot = builder::build(
            rows,
            &info,
            &Finish {
                source: source_label(ctx, format, Some(state.blocks)),
                format,
                collected_at: ctx.collected_at,
                skipped_lines: skipped,
                companion: ctx.companion,
                file_notes,
            },
        );
        if options.all_blocks {
            each(snapshot)?;
        } else {
            // Only the newest block is kept: memory stays bounded by one block.
            state.last = Some(snapshot);
        }
    }
    Ok(())
}

/// `--input-format`: a format, or `auto` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatChoice(pub Option<Format>);

/// Lines for a scan report on an imported capture: that the data is imported, from which
/// format, and which facts it lacks (rules that need them cannot check anything). Empty for
/// live and saved snapshots.
pub fn report_notes(snapshot: &Snapshot) -> Vec<String> {
    if !snapshot.source.starts_with("file:") {
        return Vec::new();
    }
    let c = &snapshot.coverage;
    let mut notes = Vec::new();
    if !c.missing.is_empty() {
        let names: Vec<&str> = c.missing.iter().map(|f| f.as_str()).collect();
        notes.push(format!(
            "imported capture {}: it does not show {}; rules that need these facts cannot check anything",
            snapshot.source,
            names.join(", ")
        ));
    }
    if c.unresolved_names > 0 {
        notes.push(format!(
            "imported capture {}: {} endpoint(s) are host or service names, not addresses: address rules cannot judge them (capture with -n)",
            snapshot.source, c.unresolved_names
        ));
    }
    if c.skipped_lines > 0 {
        notes.push(format!(
            "imported capture {}: {} unreadable line(s) skipped",
            snapshot.source, c.skipped_lines
        ));
    }
    notes
}
