//! Windows facts that netstat2 and sysinfo do not give, through the Win32 API (the `windows`
//! crate): the services each process hosts, whether this run is elevated, and the counters and
//! routing tables of `stats` and `routes`.
//!
//! Every FFI call sits in this folder, each with a SAFETY comment that says why it is sound;
//! what the calls return is converted into plain Rust values by functions that are unit-tested
//! over recorded API structures (Wine reports no owners, no services and few counters).

pub mod counters;
pub mod elevation;
mod iphlp;
pub mod routes;
pub mod services;
