//! `sockaudit top`: a live, sortable table of every socket with its process, traffic and
//! findings, like Sysinternals TCPView (docs/top.md).
//!
//! Everything but drawing is plain code without a terminal, tested on fixtures: [`model`]
//! turns a snapshot and its findings into rows, [`diff`] compares two refreshes (new and
//! closed rows, byte rates), [`table`] sorts, filters and groups them, [`detail`] writes the
//! detail pane, [`columns`] decides which columns fit. [`view`] only draws that with ratatui
//! and [`keys`] maps key presses to actions; `src/app/top/` runs the loop.
//!
//! `top` only reads: it never kills a process or closes a connection.

mod bars;
pub mod columns;
pub mod detail;
pub mod diff;
pub mod filter;
pub mod frame;
pub mod group;
pub mod key;
pub mod keys;
pub mod model;
pub mod order;
mod panes;
pub mod screen;
pub mod table;
pub mod view;

pub use frame::{Frame, Timings};
pub use model::{Row, Status};
pub use table::Table;
