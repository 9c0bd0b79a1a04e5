//! `sockaudit snapshot`: write the table as snapshot JSON.

use super::{AppError, ExitStatus, collect, input_for, print};
use crate::atomic::{NewFileMode, write_atomic};
use crate::cli::SnapshotArgs;
use crate::collect::LiveOptions;

pub(super) fn run(args: &SnapshotArgs) -> Result<ExitStatus, AppError> {
    let input = input_for(args.input.as_deref(), LiveOptions::default());
    let snapshot = collect(&input)?;
    let mut json =
        crate::collect::file::to_json(&snapshot).map_err(|e| AppError::Render(e.to_string()))?;
    json.push('\n');
    match &args.output {
        Some(path) => {
            write_atomic(path, json.as_bytes(), NewFileMode::Public)?;
            tracing::info!(
                "wrote {} sockets to {}",
                snapshot.sockets.len(),
                path.display()
            );
        }
        None => print(&json)?,
    }
    Ok(ExitStatus::Clean)
}
