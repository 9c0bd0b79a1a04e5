//! Streaming a capture through its format's parser: the encoding chosen from the start of the
//! file, lines read one at a time (memory bounded by the longest line and the largest block),
//! repeated listings split into blocks, and every unreadable line reported as `file:line: why`
//! (an error with `--strict`).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::builder::{self, Finish};
use super::detect::{HEAD_BYTES, detect_bytes};
use super::emitter::{Emitter, LineParser};
use super::text::{self, Chosen, LineReader, Next, TextEncoding};
use super::{
    Format, ImportOptions, locale, lsof, netstat_freebsd, netstat_linux, netstat_macos,
    netstat_windows, sockstat, ss, tasklist, tcpvcon, tcpview,
};
use crate::collect::error::{CollectError, ImportError};
use crate::model::{Process, Snapshot, TimeSource};

/// Reads a capture file and calls `each` with its last block (or every block with
/// `all_blocks`). JSON snapshots are not handled here (see [`crate::collect::file`]).
pub fn import_file(
    path: &Path,
    format: Format,
    options: &ImportOptions,
    each: &mut dyn FnMut(Snapshot) -> Result<(), CollectError>,
) -> Result<(), CollectError> {
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
    // No capture format records when it was taken: the file's time is the best there is, and
    // the snapshot says that is what it is (docs/import.md).
    let (collected_at, time_source) = match file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
    {
        Some(modified) => (modified, TimeSource::FileModified),
        None => (jiff::Timestamp::now(), TimeSource::Imported),
    };
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
        time_source,
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

/// Parses a capture held in memory: every block, in order (tests, fuzzing).
pub fn parse_bytes(
    name: &str,
    bytes: &[u8],
    options: &ImportOptions,
    collected_at: jiff::Timestamp,
) -> Result<Vec<Snapshot>, CollectError> {
    let format = match options.format {
        Some(f) => f,
        None => detect_bytes(name, &bytes[..bytes.len().min(HEAD_BYTES)], options)?,
    };
    if format == Format::Snapshot {
        let text = String::from_utf8_lossy(bytes);
        return Ok(vec![crate::collect::file::parse(Path::new(name), &text)?]);
    }
    let ctx = Context {
        path: name.to_string(),
        name: name.to_string(),
        collected_at,
        // Bytes in memory have no file time: the caller's time stands for when they were read.
        time_source: TimeSource::Imported,
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
    time_source: TimeSource,
    companion: Option<&'a BTreeMap<u32, Process>>,
}

/// Most warnings printed one by one; the rest are summed up at the end.
const MAX_WARNINGS: usize = 20;

fn run<R: Read>(
    reader: R,
    format: Option<Format>,
    options: &ImportOptions,
    ctx: &Context<'_>,
    each: &mut dyn FnMut(Snapshot) -> Result<(), CollectError>,
) -> Result<(), CollectError> {
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
        Format::NetstatMacos => Box::new(netstat_macos::Parser::default()),
        Format::Ss => Box::new(ss::Parser::default()),
        Format::Lsof => Box::new(lsof::Parser),
        Format::Tcpview => Box::new(tcpview::Parser::default()),
        Format::Tcpvcon => Box::new(tcpvcon::Parser),
        Format::NetstatFreebsd => Box::new(netstat_freebsd::Parser::default()),
        Format::Sockstat => Box::new(sockstat::Parser::default()),
        Format::Snapshot => {
            return Err(CollectError::Internal(
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
        sockets: 0,
        first_skip: None,
        blocks: 0,
        last: None,
    };
    let mut first = true;
    // A file of blank lines is empty whatever format was forced on it.
    let mut blank = true;
    loop {
        let next = lines.next_line().map_err(|source| ImportError::Read {
            path: ctx.path.clone(),
            source,
        })?;
        let result = match next {
            Next::End => break,
            Next::TooLong(n) => {
                blank = false;
                Err((n, format!("line longer than {} KiB", text::MAX_LINE / 1024)))
            }
            Next::Line(mut line) => {
                blank &= text::is_blank(&line.text);
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
    if state.skipped > state.sockets
        && let Some((line, reason)) = state.first_skip.take()
    {
        return Err(ImportError::MostRowsUnreadable {
            path: ctx.path.clone(),
            format,
            skipped: state.skipped,
            total: state.skipped + state.sockets,
            line,
            reason,
            supported: Format::supported(),
        }
        .into());
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
        // tcpvcon prints no header, so its listing of no socket is an empty file: read as
        // an empty table below. Every other format prints at least a header.
        None if blank && format != Format::Tcpvcon => Err(ImportError::Empty {
            path: ctx.path.clone(),
        }
        .into()),
        // A header and no row, or no line readable at all: an empty table would scan clean
        // for a machine whose table was never read.
        None if state.blocks == 0 && !blank => Err(ImportError::NoRows {
            path: ctx.path.clone(),
            format,
            what: match (out.saw_header, state.skipped) {
                (true, 0) => "it holds a column header and no socket row".to_string(),
                (true, n) => format!("none of its {n} row(s) under the header could be read"),
                (false, 0) => {
                    "it holds no column header and no socket row (cut short?)".to_string()
                }
                (false, n) => {
                    format!("no column header was found and none of {n} line(s) could be read")
                }
            },
            supported: Format::supported(),
        }
        .into()),
        None if state.blocks == 0 => {
            // Only a forced tcpvcon gets here: it prints no header, so its listing of no
            // socket is an empty file.
            tracing::warn!(
                "{}: the file is empty: read as a tcpvcon listing of no socket",
                ctx.path
            );
            let empty = builder::build(
                Vec::new(),
                &out.info,
                &Finish {
                    source: source_label(ctx, format, None),
                    format,
                    collected_at: ctx.collected_at,
                    time_source: ctx.time_source,
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
    /// Sockets read in every block.
    sockets: usize,
    /// The first skipped line and why.
    first_skip: Option<(u64, String)>,
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
    state
        .first_skip
        .get_or_insert_with(|| (number, why.to_string()));
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
    each: &mut dyn FnMut(Snapshot) -> Result<(), CollectError>,
) -> Result<(), CollectError> {
    for (rows, info, skipped) in out.finished.drain(..) {
        state.blocks += 1;
        state.sockets += rows.len();
        let snapshot = builder::build(
            rows,
            &info,
            &Finish {
                source: source_label(ctx, format, Some(state.blocks)),
                format,
                collected_at: ctx.collected_at,
                time_source: ctx.time_source,
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
