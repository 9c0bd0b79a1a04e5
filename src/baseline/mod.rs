//! Baselines: a reviewable TOML record of what is normal on a host (its listeners and the
//! programs that own sockets), written by `baseline create`, read back as a rule file, and
//! rewritten by `baseline update` without losing the user's comments and hand edits.
//!
//! Nothing here is keyed by PID or by ephemeral client port: a restarted service is the same
//! entry. Routes and gateway MAC addresses are recorded too.

mod create;
mod entries;
mod routes;
mod update;

pub use create::create;
pub use entries::{listeners_of, programs_of};
pub use update::{Updated, update};
