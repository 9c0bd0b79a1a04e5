//! Windows facts that netstat2 and sysinfo do not give, through the Win32 API (the `windows`
//! crate): the services each process hosts, owners' account names, and the counters and
//! routing tables of `stats` and `routes`. (This run's elevation: src/files/privilege.rs.)
//!
//! Every FFI call sits in this folder (and privilege.rs), each with a SAFETY comment that says
//! why it is sound; what the calls return is converted into plain Rust values by functions
//! that are unit-tested over recorded API structures (Wine reports no owners and few counters).

pub mod accounts;
pub mod counters;
pub mod dynamic_ports;
mod iphlp;
pub mod routes;
pub mod services;
