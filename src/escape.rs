//! Safe display of strings an attacker may choose (process names, command lines, paths).
//!
//! A process named `\x1b[2J` must not clear the reader's screen, a `\n` must not forge a report
//! line, and a bidi override must not reorder what the reader sees. Text output shows such
//! characters as visible escapes; JSON keeps the original string (serde escapes it).

use std::borrow::Cow;

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
}
