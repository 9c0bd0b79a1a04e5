//! Safe display of strings an attacker may choose (process names, command lines, paths).
//!
//! A process named `\x1b[2J` must not clear the reader's screen, a `\n` must not forge a report
//! line, and a bidi override must not reorder what the reader sees. Text output shows such
//! characters as visible escapes; JSON keeps the original string (serde escapes it).
//!
//! [`for_display`] also bounds what one field may take on a screen: a name, path or message
//! longer than its limit ([`FIELD_MAX_CHARS`], [`MESSAGE_MAX_CHARS`]) is cut with a visible
//! marker saying how much was left out (`…[+3842 chars]`). JSON keeps the whole value (up to the
//! collection caps of docs/security.md).

use std::borrow::Cow;

/// Longest process name, exe path, user or command line shown in text, list and CSV output,
/// in characters after escaping.
pub const FIELD_MAX_CHARS: usize = 256;

/// Longest finding message, warning or notification line shown, in characters after escaping.
pub const MESSAGE_MAX_CHARS: usize = 1024;

/// [`for_terminal`], then cut to `max_chars` characters with a visible `…[+N chars]` marker
/// (N counts the escaped characters left out).
pub fn for_display(text: &str, max_chars: usize) -> Cow<'_, str> {
    let escaped = for_terminal(text);
    // Cheap test first: a string of at most `max_chars` bytes has at most as many characters.
    if escaped.len() <= max_chars {
        return escaped;
    }
    let total = escaped.chars().count();
    if total <= max_chars {
        return escaped;
    }
    let mut out: String = escaped.chars().take(max_chars).collect();
    out.push_str(&format!("…[+{} chars]", total - max_chars));
    Cow::Owned(out)
}

/// Escapes control, bidi-control and invisible characters as `\xNN` / `\uNNNN`.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let code = u32::from(c);
            if code < 0x80 {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{code:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Controls (Cc), and every format character (Cf: invisible, zero-width, bidi) and line or
/// paragraph separator (Zl, Zp) of Unicode 16. Listed here rather than taken from a Unicode
/// crate: the set is small and changes rarely, and the `escape` fuzz target checks this list
/// against a maintained Unicode table (fuzzing found U+206E left raw by the former list).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}'                  // soft hyphen
            | '\u{0600}'..='\u{0605}'   // Arabic number signs
            | '\u{061c}'                // Arabic letter mark
            | '\u{06dd}' | '\u{070f}' | '\u{0890}'..='\u{0891}' | '\u{08e2}'
            | '\u{180e}'                // Mongolian vowel separator
            | '\u{200b}'..='\u{200f}'   // zero-width space/joiners, LRM, RLM
            | '\u{2028}'..='\u{2029}'   // line and paragraph separators
            | '\u{202a}'..='\u{202e}'   // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}'   // bidi isolates
            | '\u{206a}'..='\u{206f}'   // deprecated shaping and digit controls
            | '\u{feff}'                // zero-width no-break space
            | '\u{fff9}'..='\u{fffb}'   // interlinear annotation
            | '\u{110bd}' | '\u{110cd}' // Kaithi number signs
            | '\u{13430}'..='\u{1343f}' // Egyptian hieroglyph format controls
            | '\u{1bca0}'..='\u{1bca3}' // shorthand format controls
            | '\u{1d173}'..='\u{1d17a}' // musical symbol format controls
            | '\u{e0001}' | '\u{e0020}'..='\u{e007f}' // tags: invisible ASCII look-alikes
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_visible() {
        assert_eq!(for_terminal("sshd"), "sshd");
        assert_eq!(for_terminal("\u{1b}[2Jx"), "\\x1b[2Jx");
        assert_eq!(for_terminal("a\nb\rc"), "a\\x0ab\\x0dc");
        assert_eq!(for_terminal("evil\u{202e}fdp.exe"), "evil\\u202efdp.exe");
        assert_eq!(for_terminal("a\u{200b}b"), "a\\u200bb");
        assert_eq!(for_terminal("\u{fffd}ok"), "\u{fffd}ok");
        assert_eq!(for_terminal("\u{85}"), "\\u0085");
        assert_eq!(for_terminal("a\u{2028}b"), "a\\u2028b");
        assert_eq!(for_terminal("ok\u{e0041}\u{e0042}"), "ok\\ue0041\\ue0042");
    }

    #[test]
    fn long_values_are_cut_with_a_visible_marker() {
        assert_eq!(for_display("short", 10), "short");
        assert_eq!(for_display("abcdefghij", 10), "abcdefghij");
        assert_eq!(for_display("abcdefghijkl", 10), "abcdefghij…[+2 chars]");
        // Escapes count as what is shown: `\x1b` is four characters.
        assert_eq!(for_display("\u{1b}\u{1b}\u{1b}", 6), "\\x1b\\x…[+6 chars]");
        // Characters, not bytes: nothing is cut inside a character.
        assert_eq!(for_display("ééé", 2), "éé…[+1 chars]");
    }
}
