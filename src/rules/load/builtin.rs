//! The default rule pack (`rules/*.toml`), embedded in the binary so a bare `sockaudit scan`
//! works on a machine nobody configured.

/// (display name, text) of each built-in rule file, in load order.
pub const FILES: &[(&str, &str)] = &[(
    "builtin:rules/default.toml",
    include_str!("../../../rules/default.toml"),
)];
