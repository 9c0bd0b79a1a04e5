//! How to read an `--input` capture, shared by every command that takes one.

use std::path::PathBuf;

use clap::Args;

/// How to read an `--input` capture (docs/import.md). Saved snapshots ignore these.
#[derive(Debug, Args, Clone, Default)]
pub struct CaptureArgs {
    /// Format of --input: auto (detected from the text), snapshot, netstat-windows,
    /// netstat-linux, netstat-macos, netstat-freebsd (alias netstat-bsd), sockstat, ss, lsof,
    /// tcpview, tcpvcon.
    #[arg(long, value_name = "FORMAT", value_parser = parse_input_format, requires = "input")]
    pub input_format: Option<crate::collect::import::FormatChoice>,
    /// Text encoding of --input (default: byte-order mark, else UTF-8 when valid, else guessed
    /// among cp850, cp437, cp1252, gbk, big5, cp866): utf-8, utf-16le, utf-16be, cp437, cp850,
    /// cp1252, gbk, big5...
    #[arg(long, value_name = "NAME", value_parser = parse_encoding, requires = "input")]
    pub encoding: Option<crate::collect::import::text::TextEncoding>,
    /// Every listing of a repeated capture (`netstat -on 5`), not only the last: list and
    /// snapshot print one after another (JSON: one document per line), scan reports each.
    #[arg(long, requires = "input")]
    pub all_blocks: bool,
    /// Windows: `tasklist /fo csv` output, for the names of the PIDs in --input.
    #[arg(long, value_name = "FILE", requires = "input")]
    pub processes: Option<PathBuf>,
}

impl CaptureArgs {
    /// The importer's options.
    pub fn options(&self, strict: bool) -> crate::collect::ImportOptions {
        crate::collect::ImportOptions {
            format: self.input_format.and_then(|c| c.0),
            encoding: self.encoding,
            strict,
            all_blocks: self.all_blocks,
            processes: self.processes.clone(),
        }
    }
}

fn parse_input_format(text: &str) -> Result<crate::collect::import::FormatChoice, String> {
    use crate::collect::import::{Format, FormatChoice};
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(FormatChoice(None));
    }
    Format::from_name(text)
        .map(|f| FormatChoice(Some(f)))
        .ok_or_else(|| {
            format!(
                "unknown input format `{text}`; supported: {}",
                Format::supported()
            )
        })
}

pub(super) fn parse_encoding(
    text: &str,
) -> Result<crate::collect::import::text::TextEncoding, String> {
    use crate::collect::import::text::{ENCODING_NAMES, TextEncoding};
    TextEncoding::from_name(text)
        .ok_or_else(|| format!("unknown encoding `{text}`; supported: {ENCODING_NAMES}"))
}
