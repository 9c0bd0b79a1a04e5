//! Size limits on everything the scanner reads or keeps, in one place (docs/security.md lists
//! them). Past a limit a file is refused with a clear error and a collected string is cut and
//! flagged, so memory follows the number of sockets, not what an attacker writes.
//!
//! Limits defined beside their readers: [`crate::collect::file::MAX_SNAPSHOT_BYTES`] (512 MiB),
//! [`crate::rules::load::MAX_RULE_FILE_BYTES`] (16 MiB, baselines too: they load as rule files),
//! [`crate::enrich::feeds::MAX_FEED_BYTES`] (256 MiB), [`crate::collect::import::text::MAX_LINE`]
//! (64 KiB per capture line), `MAX_ROUTE_FILE_BYTES` (256 MiB). Text output cuts long fields at
//! [`crate::text::escape::FIELD_MAX_CHARS`] and [`crate::text::escape::MESSAGE_MAX_CHARS`].

use std::io::Read;
use std::path::Path;

/// Bytes of one process's command line kept (all arguments together, NULs included); the
/// rest is dropped and the process carries `truncated: ["cmdline"]`.
pub const MAX_CMDLINE_BYTES: usize = 32 * 1024;

/// Bytes kept of a process name, exe path or user name (and of a host name); the Linux kernel
/// allows 15 (comm) and 4095 (a path `readlink` returns), so only imported files reach it.
pub const MAX_NAME_BYTES: usize = 4096;

/// Largest state file read (`--state`); a larger one is treated as unreadable and replaced.
pub const MAX_STATE_BYTES: u64 = 64 * 1024 * 1024;

/// Largest capture file imported (netstat, ss, lsof, TCPView text). Listings stream, so this
/// bounds time; memory follows the sockets of the largest single listing.
pub const MAX_CAPTURE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Largest `tasklist` companion file (`--processes`), read whole.
pub const MAX_TASKLIST_BYTES: u64 = 256 * 1024 * 1024;

/// Largest GeoIP database. Trusted files are mapped, the others read into memory; GeoLite2 City,
/// the largest common one, is about 70 MB.
pub const MAX_GEOIP_BYTES: u64 = 1024 * 1024 * 1024;

/// `4 GiB`, `64 MiB`, `32 KiB` or `N bytes`, for messages.
pub fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The error a capped read returns past its limit: `larger than the 64 MiB state file limit`.
pub fn too_large(limit: u64, what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!("larger than the {} {what} limit", human(limit)),
    )
}

/// Reads a whole file, refusing one larger than `limit` bytes (checked while reading, so a
/// FIFO or a file that grows is caught too).
pub fn read_capped(path: &Path, limit: u64, what: &str) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    // A regular file's size is known: refuse before reading anything.
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > limit)
    {
        return Err(too_large(limit, what));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit, what));
    }
    Ok(bytes)
}

/// A reader that fails with [`too_large`] once more than `limit` bytes came through, for
/// inputs that are streamed rather than read whole.
#[derive(Debug)]
pub struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
    what: &'static str,
}

impl<R: Read> Capped<R> {
    /// Wraps `inner`.
    pub fn new(inner: R, limit: u64, what: &'static str) -> Capped<R> {
        Capped {
            inner,
            left: limit,
            limit,
            what,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Ask for one byte more than allowed, so reaching the limit exactly is not an error.
        let want = buf
            .len()
            .min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(too_large(self.limit, self.what));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Cuts `text` to at most `max` bytes at a character boundary; whether it was cut.
pub fn cut_string(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reads_refuse_what_is_past_the_limit() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read_capped(&path, 10, "test").map(|b| b.len()).ok(),
            Some(10)
        );
        let err = read_capped(&path, 9, "test").err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("larger than the 9 bytes test limit"));
    }

    #[test]
    fn a_capped_stream_errors_only_past_the_limit() {
        let mut out = Vec::new();
        assert!(
            Capped::new(&b"abcdef"[..], 6, "x")
                .read_to_end(&mut out)
                .is_ok()
        );
        assert_eq!(out, b"abcdef");
        let mut out = Vec::new();
        let err = Capped::new(&b"abcdefg"[..], 6, "x").read_to_end(&mut out);
        assert_eq!(
            err.map_err(|e| e.kind()).err(),
            Some(std::io::ErrorKind::FileTooLarge)
        );
    }

    #[test]
    fn strings_are_cut_at_character_boundaries() {
        let mut s = "aé".to_string();
        assert!(cut_string(&mut s, 2));
        assert_eq!(s, "a");
        let mut s = "abc".to_string();
        assert!(!cut_string(&mut s, 3));
        assert_eq!(human(4 << 30), "4 GiB");
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(32 << 10), "32 KiB");
    }
}
