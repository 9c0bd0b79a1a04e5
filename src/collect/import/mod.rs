//! Offline evidence: captures of `netstat`, `ss`, `lsof`, `sockstat` and TCPView taken on another machine,
//! read into the same [`Snapshot`](crate::model::Snapshot) a live collection gives.
//!
//! One file per format parses lines into [`builder::Row`]s; [`builder`] turns a block of rows
//! into a snapshot. [`text`] picks the encoding, `detect` the format (from the text, or
//! `--input-format`), and `driver` streams the file line by line through the format's parser
//! (memory bounded by the longest line and the largest block, never the file), splits repeated
//! listings (`netstat -on 5`) into blocks, and reports every line it cannot read as
//! `file:line: why` (an error with `--strict`).

pub mod bsd_endpoint;
pub mod builder;
pub mod csv_line;
mod detect;
mod driver;
mod emitter;
pub mod endpoint;
mod format;
pub mod locale;
pub mod lsof;
pub mod netstat_freebsd;
pub mod netstat_linux;
pub mod netstat_macos;
pub mod netstat_windows;
mod notes;
pub mod routes;
pub mod services;
pub mod sockstat;
pub mod ss;
pub mod tasklist;
pub mod tcpvcon;
pub mod tcpview;
pub mod text;

pub use crate::collect::error::ImportError;
pub use detect::{detect_bytes, detect_file};
pub use driver::{import_file, parse_bytes};
pub use emitter::{Emitter, LineParser};
pub use format::{Format, FormatChoice, ImportOptions};
pub use notes::report_notes;
