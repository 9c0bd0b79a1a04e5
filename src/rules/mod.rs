//! Rules: kinds are code (one file each under [`kinds`]), instances are data (TOML rule files).
//!
//! [`load()`] reads rule files into a validated [`RuleSet`] (or every problem found, with
//! locations); [`engine::evaluate`] evaluates a rule set against a snapshot, without I/O.
//! A kind implements [`kind::Kind`] and [`kind::Body`] and is listed once in
//! [`kinds::KINDS`]; the loader and the engine iterate that list.

pub mod common;
pub mod context;
pub mod engine;
pub mod facts;
pub mod kind;
pub mod kinds;
pub mod load;
pub mod set;
pub mod spec;
pub mod unchecked;

pub use common::{Allow, Common};
pub use load::{RuleSources, load, load_texts};
pub use set::{EnrichSettings, NotifySettings, Rule, RuleSet};
