//! Reporters: each owns its writer and renders plain data; none collects or evaluates.

pub mod drift;
pub mod events;
pub mod jsonl;
pub mod junit;
pub mod list;
pub mod netstat;
pub mod next_steps;
pub mod notify;
pub mod prometheus;
pub mod rawlist;
pub mod routes;
pub mod scan;
pub mod stats;
pub mod style;
pub mod table;

use std::io::{self, Write};

/// Writes to stdout, turning a closed pipe (`sockaudit list | head`) into a quiet success.
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
