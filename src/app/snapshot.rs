//! `sockaudit snapshot`: write the table as snapshot JSON.

use super::error::{AppError, ExitStatus};
use super::inputs::{collect, collect_each, input_with, print};
use super::notices::Notices;
use crate::cli::SnapshotArgs;
use crate::collect::LiveOptions;
use crate::files::atomic::{NewFileMode, write_atomic};

pub(super) fn run(args: &SnapshotArgs) -> Result<ExitStatus, AppError> {
    let input = input_with(
        args.input.as_deref(),
        args.capture.options(args.strict),
        LiveOptions {
            namespaces: args.namespaces.choice(),
            deep: args.deep.deep,
            probe_ports: args.deep.probe_ports,
            ..LiveOptions::default()
        },
    );
    if args.capture.all_blocks {
        return all_blocks(args, &input);
    }
    // --sample: the counters twice, around the collection, so counter rules can check the
    // file elsewhere (clap refuses it with --input).
    let plan = super::counters::CounterPlan {
        read: args.sample.is_some(),
        sample: args.sample,
    };
    let mut snapshot =
        super::counters::collect_with(plan, || collect(&input, &Notices::default()))?;
    if args.routes {
        super::routes::attach_all(&mut snapshot, &input, "the snapshot has no routes");
    }
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

/// `--all-blocks`: one compact snapshot per listing of the capture, one per line (JSON Lines),
/// printed as they are read (or written atomically with `-o`).
fn all_blocks(args: &SnapshotArgs, input: &crate::collect::Input) -> Result<ExitStatus, AppError> {
    let mut written = String::new();
    let mut blocks = 0usize;
    collect_each(input, &Notices::default(), &mut |snapshot| {
        let mut line =
            serde_json::to_string(&snapshot).map_err(|e| AppError::Render(e.to_string()))?;
        line.push('\n');
        blocks += 1;
        match &args.output {
            Some(_) => written.push_str(&line),
            None => print(&line)?,
        }
        Ok(())
    })?;
    if let Some(path) = &args.output {
        write_atomic(path, written.as_bytes(), NewFileMode::Public)?;
        tracing::info!("wrote {blocks} snapshots to {}", path.display());
    }
    Ok(ExitStatus::Clean)
}
