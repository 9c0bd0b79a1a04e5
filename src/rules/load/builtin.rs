//! The default rule pack (`rules/*.toml`), embedded in the binary so a bare `sockaudit scan`
//! works on a machine nobody configured.

/// (display name, text) of each built-in rule file, in load order.
pub const FILES: &[(&str, &str)] = &[(
    "builtin:rules/default.toml",
    include_str!("../../../rules/default.toml"),
)];

/// Where each built-in file was read from at build time (same order as [`FILES`]): naming that
/// file (`rules check rules/default.toml` in a checkout) means the pack itself, even edited.
pub const SOURCE_PATHS: &[&str] = &[concat!(env!("CARGO_MANIFEST_DIR"), "/rules/default.toml")];
