//! The rule kinds, one file each: its keys, what it needs, its documentation and its
//! evaluation. [`super::registry::KINDS`] lists them.

pub mod counter;
pub mod drift;
pub mod flood;
pub mod hidden;
pub mod listen;
pub mod process;
pub mod remote;
