//! What a run has already said on stderr: a command that collects again every interval
//! (`watch`, `list --interval`, `top`) says each coverage gap and rule warning once per run,
//! not once per round (`list --interval 5 --count 12` used to print the same line 12 times).

use std::cell::RefCell;
use std::collections::BTreeSet;

/// The keys said so far. Interior mutability: the scanner that owns it is shared by reference
/// with the closures that stream a capture's blocks.
#[derive(Debug, Default)]
pub(super) struct Notices {
    said: RefCell<BTreeSet<String>>,
}

impl Notices {
    /// True the first time `key` is seen in this run. A key names the kind of notice, not its
    /// numbers ("not root: N sockets unattributed" is one notice whatever N is this round).
    pub(super) fn first(&self, key: &str) -> bool {
        match self.said.try_borrow_mut() {
            Ok(mut said) => said.insert(key.to_string()),
            // Never held across a call; if it were, saying it again beats losing it.
            Err(_) => true,
        }
    }

    /// Logs `message` as a warning the first time it is seen in this run.
    pub(super) fn warn(&self, message: &str) {
        if self.first(message) {
            tracing::warn!("{message}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Notices;

    #[test]
    fn each_key_once() {
        let notices = Notices::default();
        assert!(notices.first("not-root"));
        assert!(!notices.first("not-root"));
        assert!(notices.first("namespaces"));
    }
}
