//! Bytes to lines: encoding detection (BOM, validity, vocabulary) and a streaming decoder.
//!
//! Captures arrive in whatever the suspect machine wrote: UTF-8 (with or without BOM), UTF-16
//! from PowerShell 5's `>`, the OEM code page from `cmd.exe` redirection (CP437, CP850, CP866),
//! the ANSI code page when a tool re-saved it (CP1252, GBK, Big5). We decode in chunks and
//! hand out one line at a time, so memory stays bounded by the longest line, never the file.

use std::io::Read;

use encoding_rs::{CoderResult, Decoder, Encoding};

/// Bytes read per chunk.
const CHUNK: usize = 64 * 1024;
/// Lines longer than this are skipped (no capture format has them; a binary file does).
pub const MAX_LINE: usize = 64 * 1024;

/// A text encoding we can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// One of the WHATWG encodings `encoding_rs` implements (UTF-8, UTF-16, windows-125x, GBK,
    /// Big5, IBM866, Shift_JIS...).
    Whatwg(&'static Encoding),
    /// A DOS/OEM code page that the WHATWG set leaves out (CP437, CP850): these are what
    /// `cmd.exe` writes on US and Western European Windows, so we decode them with `oem_cp`'s
    /// tables.
    Oem(OemPage),
}

/// OEM code pages outside the WHATWG set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OemPage {
    /// US English console.
    Cp437,
    /// Western European console (German, French, Spanish...).
    Cp850,
}

impl OemPage {
    fn table(self) -> &'static [char; 128] {
        match self {
            OemPage::Cp437 => &oem_cp::code_table::DECODING_TABLE_CP437,
            OemPage::Cp850 => &oem_cp::code_table::DECODING_TABLE_CP850,
        }
    }
}

impl TextEncoding {
    /// UTF-8.
    pub const UTF8: TextEncoding = TextEncoding::Whatwg(encoding_rs::UTF_8);

    /// Looks up `--encoding NAME`: any WHATWG label (`utf-8`, `utf-16le`, `windows-1252`,
    /// `latin1`, `gbk`, `big5`, `ibm866`...) plus `cp437`/`ibm437`, `cp850`/`ibm850`, and the
    /// Windows code page numbers people know them by (`cp1252`, `cp936`, `cp950`, `cp866`).
    pub fn from_name(name: &str) -> Option<TextEncoding> {
        let norm = name.trim().to_ascii_lowercase().replace('_', "-");
        let alias = match norm.as_str() {
            "cp437" | "ibm437" | "437" | "oem-us" => {
                return Some(TextEncoding::Oem(OemPage::Cp437));
            }
            "cp850" | "ibm850" | "850" => return Some(TextEncoding::Oem(OemPage::Cp850)),
            "cp1252" | "1252" => "windows-1252",
            "cp1251" | "1251" => "windows-1251",
            "cp1250" | "1250" => "windows-1250",
            "cp936" | "936" | "gb2312" => "gbk",
            "cp950" | "950" => "big5",
            "cp866" | "866" => "ibm866",
            "cp932" | "932" => "shift_jis",
            "utf8" => "utf-8",
            "utf16le" | "utf-16" => "utf-16le",
            "utf16be" => "utf-16be",
            other => other,
        };
        Encoding::for_label(alias.as_bytes()).map(TextEncoding::Whatwg)
    }

    /// The name we print.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Whatwg(e) => e.name(),
            TextEncoding::Oem(OemPage::Cp437) => "cp437",
            TextEncoding::Oem(OemPage::Cp850) => "cp850",
        }
    }

    /// Decodes a whole (small) byte string, replacing invalid sequences.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            TextEncoding::Whatwg(e) => e.decode_without_bom_handling(bytes).0.into_owned(),
            TextEncoding::Oem(page) => bytes.iter().map(|b| oem_char(page, *b)).collect(),
        }
    }
}

/// The names `--encoding` accepts, for error messages.
pub const ENCODING_NAMES: &str = "utf-8, utf-16le, utf-16be, cp437, cp850, cp1252 (latin1), cp866, cp1251, gbk (cp936), big5 (cp950), shift_jis, or any WHATWG label";

fn oem_char(page: OemPage, byte: u8) -> char {
    if byte < 0x80 {
        char::from(byte)
    } else {
        page.table()[usize::from(byte - 0x80)]
    }
}

/// How the encoding was chosen, for the coverage notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// `--encoding`.
    Forced,
    /// A byte-order mark.
    Bom,
    /// UTF-16 recognised by its zero bytes (no BOM).
    ZeroBytes,
    /// The start of the file is valid UTF-8.
    Valid,
    /// Not UTF-8: the legacy code page whose decoding shows the most netstat vocabulary.
    Guessed,
}

/// Picks the encoding of a file from its first bytes. Returns the encoding, how it was chosen,
/// and the length of a BOM to skip.
pub fn detect(head: &[u8], vocabulary: &[&str]) -> (TextEncoding, Chosen, usize) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(head) {
        return (TextEncoding::Whatwg(encoding), Chosen::Bom, bom_len);
    }
    if let Some(encoding) = utf16_without_bom(head) {
        return (TextEncoding::Whatwg(encoding), Chosen::ZeroBytes, 0);
    }
    match std::str::from_utf8(head) {
        Ok(_) => return (TextEncoding::UTF8, Chosen::Valid, 0),
        // Cut in the middle of a character at the end of the sample: still UTF-8.
        Err(e) if e.error_len().is_none() => return (TextEncoding::UTF8, Chosen::Valid, 0),
        Err(_) => {}
    }
    (guess_legacy(head, vocabulary), Chosen::Guessed, 0)
}

/// UTF-16 text of mostly ASCII has a zero in every other byte.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let sample = &head[..head.len().min(1024) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_odd = sample
        .chunks_exact(2)
        .filter(|p| p[1] == 0 && p[0] != 0)
        .count();
    let zero_even = sample
        .chunks_exact(2)
        .filter(|p| p[0] == 0 && p[1] != 0)
        .count();
    if zero_odd * 10 >= pairs * 7 {
        Some(encoding_rs::UTF_16LE)
    } else if zero_even * 10 >= pairs * 7 {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// Legacy code pages in the order we prefer them on a tie: the console's OEM pages first,
/// because a redirected `cmd.exe` writes those.
fn candidates() -> [TextEncoding; 8] {
    [
        TextEncoding::Oem(OemPage::Cp850),
        TextEncoding::Oem(OemPage::Cp437),
        TextEncoding::Whatwg(encoding_rs::WINDOWS_1252),
        TextEncoding::Whatwg(encoding_rs::GBK),
        TextEncoding::Whatwg(encoding_rs::BIG5),
        TextEncoding::Whatwg(encoding_rs::IBM866),
        TextEncoding::Whatwg(encoding_rs::WINDOWS_1251),
        TextEncoding::Whatwg(encoding_rs::SHIFT_JIS),
    ]
}

/// Bytes of the file start decoded in each legacy candidate.
const GUESS_BYTES: usize = 8 * 1024;

/// Decodes the sample in each candidate and counts words of the vocabulary (localized titles,
/// headers and state names) that appear; the best wins. Without any hit, CP1252: it decodes
/// every byte, and a re-saved capture is more often ANSI than OEM.
fn guess_legacy(head: &[u8], vocabulary: &[&str]) -> TextEncoding {
    // Titles, headers and the first rows are at the top: 8 KiB decide.
    let sample = &head[..head.len().min(GUESS_BYTES)];
    let mut best = (0usize, TextEncoding::Whatwg(encoding_rs::WINDOWS_1252));
    for candidate in candidates() {
        let text = candidate.decode(sample);
        let hits: usize = vocabulary
            .iter()
            .filter(|w| !w.is_ascii())
            .map(|w| text.matches(w).count())
            .sum();
        if hits > best.0 {
            best = (hits, candidate);
        }
    }
    best.1
}

/// One line of decoded text and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub number: u64,
    /// The text without its line ending (`\n`, `\r\n` or a lone `\r` at the end).
    pub text: String,
}

/// Whether a line holds nothing to read: white space, or a byte order mark a forced
/// `--encoding` left in the text.
pub fn is_blank(line: &str) -> bool {
    line.chars().all(|c| c.is_whitespace() || c == '\u{FEFF}')
}

/// What [`LineReader::next_line`] hands out.
#[derive(Debug)]
pub enum Next {
    /// A line.
    Line(Line),
    /// A line longer than [`MAX_LINE`], skipped (its number).
    TooLong(u64),
    /// End of input.
    End,
}

enum Engine {
    Whatwg(Box<Decoder>),
    Oem(OemPage),
}

/// Decodes a byte stream chunk by chunk and splits it into lines.
pub struct LineReader<R: Read> {
    inner: R,
    engine: Engine,
    /// Decoded text not handed out yet.
    buf: String,
    /// Start of the unconsumed part of `buf`.
    pos: usize,
    raw: Vec<u8>,
    eof: bool,
    line: u64,
    /// Skipping the rest of an over-long line.
    skipping: bool,
    /// Invalid sequences replaced with U+FFFD so far.
    pub replacements: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader over `inner` (positioned after any BOM) in `encoding`.
    pub fn new(inner: R, encoding: TextEncoding) -> LineReader<R> {
        let engine = match encoding {
            TextEncoding::Whatwg(e) => {
                Engine::Whatwg(Box::new(e.new_decoder_without_bom_handling()))
            }
            TextEncoding::Oem(page) => Engine::Oem(page),
        };
        LineReader {
            inner,
            engine,
            buf: String::new(),
            pos: 0,
            raw: vec![0; CHUNK],
            eof: false,
            line: 0,
            skipping: false,
            replacements: false,
        }
    }

    /// The next line, an over-long line's number, or the end.
    pub fn next_line(&mut self) -> std::io::Result<Next> {
        loop {
            if let Some(nl) = self.buf[self.pos..].find('\n') {
                let end = self.pos + nl;
                let start = self.pos;
                self.pos = end + 1;
                self.line += 1;
                if self.skipping {
                    self.skipping = false;
                    return Ok(Next::TooLong(self.line));
                }
                let text = self.buf[start..end]
                    .strip_suffix('\r')
                    .unwrap_or(&self.buf[start..end]);
                return Ok(Next::Line(Line {
                    number: self.line,
                    text: text.to_string(),
                }));
            }
            if self.eof {
                if self.pos < self.buf.len() || self.skipping {
                    // The last line has no line ending (a truncated file).
                    let text = self.buf[self.pos..]
                        .strip_suffix('\r')
                        .unwrap_or(&self.buf[self.pos..])
                        .to_string();
                    self.pos = self.buf.len();
                    self.line += 1;
                    if std::mem::take(&mut self.skipping) {
                        return Ok(Next::TooLong(self.line));
                    }
                    return Ok(Next::Line(Line {
                        number: self.line,
                        text,
                    }));
                }
                return Ok(Next::End);
            }
            // Drop what was handed out, then decode another chunk.
            self.buf.drain(..self.pos);
            self.pos = 0;
            if self.buf.len() > MAX_LINE {
                self.buf.clear();
                self.skipping = true;
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        let n = loop {
            match self.inner.read(&mut self.raw) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        let last = n == 0;
        match &mut self.engine {
            Engine::Oem(page) => {
                let page = *page;
                self.buf
                    .extend(self.raw[..n].iter().map(|b| oem_char(page, *b)));
            }
            Engine::Whatwg(decoder) => {
                let mut input = &self.raw[..n];
                loop {
                    let need = decoder
                        .max_utf8_buffer_length(input.len())
                        .unwrap_or(input.len() * 3 + 16);
                    self.buf.reserve(need);
                    let (result, read, replaced) =
                        decoder.decode_to_string(input, &mut self.buf, last);
                    self.replacements |= replaced;
                    input = &input[read..];
                    match result {
                        CoderResult::InputEmpty => break,
                        CoderResult::OutputFull => continue,
                    }
                }
            }
        }
        if last {
            self.eof = true;
        }
        Ok(())
    }
}

/// Repairs the "double mojibake" of Russian Windows captures: CP866 console bytes read as
/// CP1251 and saved again (`ЂЄвЁў­лҐ` for `Активные`). Only used to recognise header lines.
pub fn repair_cp866_read_as_cp1251(text: &str) -> Option<String> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
    if unmappable {
        return None;
    }
    let (fixed, _, bad) = encoding_rs::IBM866.decode(&bytes);
    (!bad).then(|| fixed.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8], encoding: TextEncoding) -> Vec<String> {
        let mut reader = LineReader::new(bytes, encoding);
        let mut out = Vec::new();
        loop {
            match reader.next_line() {
                Ok(Next::Line(l)) => out.push(l.text),
                Ok(Next::TooLong(n)) => out.push(format!("<too long {n}>")),
                Ok(Next::End) => break,
                Err(e) => panic!("{e}"),
            }
        }
        out
    }

    #[test]
    fn mixed_line_endings_and_no_final_newline() {
        assert_eq!(
            lines(b"a\r\nb\nc\r\nd", TextEncoding::UTF8),
            ["a", "b", "c", "d"]
        );
        assert_eq!(lines(b"", TextEncoding::UTF8), Vec::<String>::new());
    }

    #[test]
    fn oem_pages_decode_the_umlaut() {
        assert_eq!(
            lines(b"ABH\x99REN\n", TextEncoding::Oem(OemPage::Cp850)),
            ["ABHÖREN"]
        );
        assert_eq!(
            lines(
                b"ABH\xd6REN\n",
                TextEncoding::from_name("cp1252").unwrap_or(TextEncoding::UTF8)
            ),
            ["ABHÖREN"]
        );
    }

    #[test]
    fn utf16_is_split_across_chunks_correctly() {
        let text: String = (0..20_000).map(|i| format!("line {i} ä\n")).collect();
        let mut bytes = Vec::new();
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let got = lines(&bytes, TextEncoding::Whatwg(encoding_rs::UTF_16LE));
        assert_eq!(got.len(), 20_000);
        assert_eq!(got[19_999], "line 19999 ä");
    }

    #[test]
    fn over_long_lines_are_reported_not_kept() {
        let mut bytes = b"short\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', MAX_LINE * 3));
        bytes.extend_from_slice(b"\nafter\n");
        assert_eq!(
            lines(&bytes, TextEncoding::UTF8),
            ["short", "<too long 2>", "after"]
        );
    }

    #[test]
    fn detection() {
        let vocab = ["ABHÖREN", "活动连接", "使用中連線"];
        assert_eq!(detect(b"\xef\xbb\xbfhi", &vocab).1, Chosen::Bom);
        assert_eq!(detect(b"\xff\xfeh\0i\0", &vocab).2, 2);
        let (e, how, _) = detect(b"T\0C\0P\0 \0 \0 \x001\x002\0", &vocab);
        assert_eq!((e.name(), how), ("UTF-16LE", Chosen::ZeroBytes));
        assert_eq!(detect(b"ABH\x99REN", &vocab).0.name(), "cp850");
        assert_eq!(detect(b"ABH\xd6REN", &vocab).0.name(), "windows-1252");
        let gbk = encoding_rs::GBK.encode("活动连接").0.into_owned();
        assert_eq!(detect(&gbk, &vocab).0.name(), "GBK");
        let big5 = encoding_rs::BIG5.encode("使用中連線").0.into_owned();
        assert_eq!(detect(&big5, &vocab).0.name(), "Big5");
    }

    #[test]
    fn names() {
        for (name, want) in [
            ("UTF-8", "UTF-8"),
            ("cp850", "cp850"),
            ("CP437", "cp437"),
            ("latin1", "windows-1252"),
            ("cp936", "GBK"),
            ("big5", "Big5"),
            ("utf-16be", "UTF-16BE"),
        ] {
            assert_eq!(
                TextEncoding::from_name(name).map(TextEncoding::name),
                Some(want),
                "{name}"
            );
        }
        assert!(TextEncoding::from_name("klingon").is_none());
    }

    #[test]
    fn russian_double_mojibake() {
        assert_eq!(
            repair_cp866_read_as_cp1251("ЂЄвЁў\u{AD}лҐ Ї®¤Є«озҐ\u{AD}Ёп").as_deref(),
            Some("Активные подключения")
        );
    }
}
