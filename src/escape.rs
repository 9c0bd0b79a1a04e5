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

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width space/joiners, LRM, RLM
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{061c}'              // Arabic letter mark
            | '\u{feff}'              // zero-width no-break space
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
