//! Names that are bytes, not text: process names, command lines and exe paths on Unix.
//!
//! The kernel lets a process choose any bytes for its name, argv and file name. Decoding them
//! lossily would print U+FFFD and lose what was there. Instead [`decode`] keeps every valid
//! UTF-8 run and writes each byte that is not part of one as the four characters `\xNN`, so a
//! report shows `\xff` where the byte was (and rules, messages and notifications built from the
//! name carry it too). The exact bytes are kept beside the text, base64, only when the decoding
//! was not exact: the `*_raw` fields of docs/json.md.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Exact bytes that were not valid UTF-8; JSON: a standard (padded) base64 string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawBytes(pub Vec<u8>);

impl Serialize for RawBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for RawBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(RawBytes)
            .map_err(|e| serde::de::Error::custom(format!("`*_raw` is not base64: {e}")))
    }
}

/// Text for `bytes`: valid UTF-8 kept, every other byte written `\xNN`; plus the exact bytes
/// when that text is not simply the bytes themselves.
pub fn decode(bytes: &[u8]) -> (String, Option<RawBytes>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (escape_invalid(bytes), Some(RawBytes(bytes.to_vec()))),
    }
}

/// [`decode`] for an OS string (Unix: its bytes; elsewhere it is UTF-16 and decodes lossily,
/// which loses only unpaired surrogates).
pub fn decode_os(text: &std::ffi::OsStr) -> (String, Option<RawBytes>) {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        decode(text.as_bytes())
    }
    #[cfg(not(unix))]
    {
        (text.to_string_lossy().into_owned(), None)
    }
}

/// [`decode`] for a list (a command line): the texts, and every element's exact bytes when any
/// element was not UTF-8 (so `cmdline_raw[i]` always belongs to `cmdline[i]`).
pub fn decode_all<B: AsRef<[u8]>>(items: &[B]) -> (Vec<String>, Option<Vec<RawBytes>>) {
    let decoded: Vec<(String, Option<RawBytes>)> =
        items.iter().map(|b| decode(b.as_ref())).collect();
    let any_raw = decoded.iter().any(|(_, raw)| raw.is_some());
    let raw = any_raw.then(|| {
        items
            .iter()
            .map(|b| RawBytes(b.as_ref().to_vec()))
            .collect()
    });
    (decoded.into_iter().map(|(text, _)| text).collect(), raw)
}

fn escape_invalid(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(err) => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                // The first `valid_up_to` bytes are UTF-8 (from_utf8's contract): never empty here.
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = err.error_len().unwrap_or(rest.len());
                for b in &rest[..bad] {
                    let _ = write!(out, "\\x{b:02x}");
                }
                bytes = &rest[bad..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_utf8_is_kept_without_raw() {
        assert_eq!(decode("sshd ü".as_bytes()), ("sshd ü".to_string(), None));
    }

    #[test]
    fn invalid_bytes_show_as_hex_and_keep_the_exact_bytes() {
        let (text, raw) = decode(b"ev\xffil\xc3");
        assert_eq!(text, "ev\\xffil\\xc3");
        assert_eq!(raw, Some(RawBytes(b"ev\xffil\xc3".to_vec())));
        // An overlong encoding and a lone continuation byte.
        assert_eq!(decode(b"\xc0\xafx\x80").0, "\\xc0\\xafx\\x80");
        // Valid multi-byte characters around an invalid byte survive.
        assert_eq!(decode("é\u{202e}".as_bytes()).0, "é\u{202e}");
        assert_eq!(decode(b"\xe2\x80\xae\xfe").0, "\u{202e}\\xfe");
    }

    #[test]
    fn raw_bytes_are_base64_in_json_and_round_trip() {
        let raw = RawBytes(b"a\xff\x00b".to_vec());
        let json = serde_json::to_string(&raw).unwrap_or_default();
        assert_eq!(json, "\"Yf8AYg==\"");
        let back: RawBytes = serde_json::from_str(&json).unwrap_or(RawBytes(Vec::new()));
        assert_eq!(back, raw);
        assert!(serde_json::from_str::<RawBytes>("\"not base64!\"").is_err());
    }

    #[test]
    fn a_list_keeps_raw_for_every_element_when_one_is_not_utf8() {
        let args: Vec<&[u8]> = vec![b"sh", b"-c", b"\xff"];
        let (text, raw) = decode_all(&args);
        assert_eq!(text, ["sh", "-c", "\\xff"]);
        let raw = raw.unwrap_or_default();
        assert_eq!(raw.len(), 3);
        assert_eq!(raw[0].0, b"sh");
        assert_eq!(decode_all(&[b"ok"]).1, None);
    }
}
