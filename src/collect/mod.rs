//! Collectors: everything that produces a [`Snapshot`].
//!
//! [`live`] reads the live machine (the only module that touches netstat2 and sysinfo);
//! [`mod@file`] reads a saved snapshot; [`import`] reads `netstat`, `ss`, `lsof` and TCPView
//! captures from another machine. All return the same plain data, so the rest of the pipeline
//! never knows where it came from.

pub mod cap;
pub mod error;
pub mod events;
pub mod file;
pub mod import;
pub mod live;

use std::path::{Path, PathBuf};

use crate::model::Snapshot;

pub use error::CollectError;
pub use import::{Format, ImportError, ImportOptions};
pub use live::{LiveOptions, Namespaces};

/// Where a snapshot comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// This machine, now.
    Live(LiveOptions),
    /// A file: a saved snapshot (`sockaudit snapshot -o FILE`, `list --format json`) or a
    /// capture (`netstat`, `ss`, `lsof`, TCPView), told apart by its text unless the options
    /// name the format.
    File(PathBuf, ImportOptions),
}

/// Produces a snapshot from the given input (the last listing of a capture that holds several).
pub fn collect(input: &Input) -> Result<Snapshot, CollectError> {
    let mut last = None;
    for_each_block::<CollectError>(input, &mut |s| {
        last = Some(s);
        Ok(())
    })?;
    last.ok_or_else(|| CollectError::Internal("the input produced no snapshot".to_string()))
}

/// Calls `each` with every snapshot the input holds: one for the live system and snapshot
/// files, one per listing of a capture with `all_blocks` (streamed: blocks are handed over as
/// they are read), else its last listing.
pub fn for_each_block<E: From<CollectError>>(
    input: &Input,
    each: &mut dyn FnMut(Snapshot) -> Result<(), E>,
) -> Result<(), E> {
    // Every source's strings are cut at their caps before anything copies them.
    let each = &mut |mut snapshot: Snapshot| {
        cap::apply(&mut snapshot);
        each(snapshot)
    };
    match input {
        Input::Live(options) => each(live::collect_live(options).map_err(live::hint::explain)?),
        Input::File(path, options) => match import::detect_file(path, options)? {
            Format::Snapshot => each(file::load(path)?),
            format => {
                // The importer reports its own errors as CollectError; the caller's error
                // travels through `pending` so nothing is lost on the way.
                let mut pending: Option<E> = None;
                let result = import::import_file(path, format, options, &mut |s| match each(s) {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        pending = Some(e);
                        Err(CollectError::Internal("stopped by the caller".to_string()))
                    }
                });
                match (result, pending) {
                    (_, Some(e)) => Err(e),
                    (Err(e), None) => Err(e.into()),
                    (Ok(()), None) => Ok(()),
                }
            }
        },
    }
}

/// A short human label for an input, for report headers.
pub fn describe(input: &Input) -> String {
    match input {
        Input::Live(_) => "live".to_string(),
        Input::File(path, _) => format!("file:{}", display_name(path)),
    }
}

/// The label for a report on `snapshot` read from `input`: an imported capture names its
/// format (`file:x.txt (netstat-windows)`), as its `source` says.
pub fn label(input: &Input, snapshot: &Snapshot) -> String {
    match input {
        Input::File(..) if snapshot.source.starts_with("file:") => snapshot.source.clone(),
        _ => describe(input),
    }
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}
