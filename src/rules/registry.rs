//! Every rule kind, one line each. A new kind is its file under `kinds/` and one line here.

use super::kind::Kind;
use super::kinds;

/// The kinds, in the order `rules explain` and error messages list them.
pub static KINDS: &[&dyn Kind] = &[
    &kinds::listen::Listen,
    &kinds::flood::Flood,
    &kinds::remote::Remote,
    &kinds::process::ProcessKind,
    &kinds::drift::Drift,
    &kinds::hidden::Hidden,
    &kinds::counter::Counter,
];

/// The kind called `name`.
pub fn find(name: &str) -> Option<&'static dyn Kind> {
    KINDS.iter().copied().find(|k| k.name().as_str() == name)
}
