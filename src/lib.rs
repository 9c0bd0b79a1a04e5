#![deny(unsafe_code)]
//! sockaudit reads a machine's TCP/UDP socket table and says what is wrong with it.
//!
//! A collector ([`collect`]) turns the live system, a saved snapshot or a netstat/ss capture
//! into one plain [`model::Snapshot`]. The rule engine evaluates rules against that snapshot
//! without doing any I/O, and reporters ([`report`]) print the result for a person or a machine.

// One folder per layer. Lowest first: model < text < files < collect < enrich < rules <
// baseline < report < top < cli < app; a layer imports only itself and the layers below it
// (tests/layering.rs checks it; docs/architecture.md explains it).
pub mod app;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod enrich;
pub mod files;
pub mod model;
pub mod report;
pub mod rules;
pub mod text;
pub mod top;
