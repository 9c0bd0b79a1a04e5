//! The rule kinds, one file each (its keys, what it needs, its documentation and its
//! evaluation), and the registry: the one list below. A new kind is its file here and one
//! line in that list.

use super::kind::Kind;

/// Declares each kind's module and lists its [`Kind`] in [`KINDS`], so that registering a
/// kind is one line (a plain `mod` list beside a separate array would be two to keep in step).
macro_rules! registry {
    ($($module:ident :: $kind:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// The kinds, in the order `rules explain` and error messages list them.
        pub static KINDS: &[&dyn Kind] = &[$(&$module::$kind),*];
    };
}

registry! {
    listen::Listen,
    flood::Flood,
    remote::Remote,
    process::ProcessKind,
    drift::Drift,
    hidden::Hidden,
    counter::Counter,
    raw::Raw,
    sigma::Sigma,
    port_scan::PortScan,
}

/// The kind called `name`.
pub fn find(name: &str) -> Option<&'static dyn Kind> {
    KINDS.iter().copied().find(|k| k.name().as_str() == name)
}
