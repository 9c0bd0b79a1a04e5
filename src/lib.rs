#![deny(unsafe_code)]
//! sockaudit reads a machine's TCP/UDP socket table and says what is wrong with it.
//!
//! A collector ([`collect`]) turns the live system, a saved snapshot or a netstat/ss capture
//! into one plain [`model::Snapshot`]. The rule engine evaluates rules against that snapshot
//! without doing any I/O, and reporters ([`report`]) print the result for a person or a machine.

pub mod app;
pub mod atomic;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod counters;
pub mod engine;
pub mod enrich;
pub mod escape;
pub mod filter;
pub mod finding;
pub mod limits;
pub mod logging;
pub mod model;
#[cfg(target_os = "linux")]
pub mod netlink;
pub mod raw;
pub mod report;
pub mod routes;
pub mod rules;
pub mod services;
pub mod size;
pub mod state;
pub mod top;
pub mod trust;
