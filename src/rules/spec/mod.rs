//! Typed values of rule keys (ports, address scopes and CIDRs, globs, users, states), built
//! from raw items with `@list` references expanded, and the [`Selector`] they combine into.

mod exec_option;
mod lists;
mod selector;
mod values;

pub use exec_option::exec_option;
pub use lists::Lists;
pub use selector::{SELECTOR_KEYS, Selector};
pub use values::{AddrSpec, Globs, NameSet, PortSet, UserSet, build_proto, build_states};
