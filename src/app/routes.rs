//! `sockaudit routes`, and the routing table for baselines: read live only when a baseline
//! records routes (`baseline check`, `scan --baseline`, `watch`), when one is being written
//! (`baseline create`/`update`), or when asked for.

use super::error::{AppError, ExitStatus, RoutesError};
use super::inputs::print;
use crate::cli::{RoutesArgs, RoutesFormat};
use crate::collect::Input;
use crate::collect::import::routes::import_file;
use crate::collect::live::routes as live;
use crate::model::Snapshot;
use crate::model::routes::RouteTable;
use crate::report::style::Palette;
use crate::rules::kinds::drift::RouteNeeds;

pub(super) fn run(args: &RoutesArgs, color: bool) -> Result<ExitStatus, AppError> {
    let (table, source, skipped) = if args.input.is_empty() {
        let table = live::read(args.neighbours).map_err(RoutesError::from)?;
        (table, "live".to_string(), 0)
    } else {
        imported(args)?
    };
    // A neighbour capture shows its neighbours without being asked.
    let neighbours = args.neighbours || (!args.input.is_empty() && table.neighbours.is_some());
    let text = match args.format {
        RoutesFormat::Text => {
            crate::report::routes::render_text(&table, &source, neighbours, Palette::new(color))
        }
        RoutesFormat::Json => {
            crate::report::routes::render_json(&table, &source, neighbours, skipped)
                .map_err(|e| AppError::Render(e.to_string()))?
        }
    };
    print(&text)?;
    Ok(ExitStatus::Clean)
}

/// Every `--input` merged into one table: (table, source label, skipped rows).
fn imported(args: &RoutesArgs) -> Result<(RouteTable, String, usize), AppError> {
    let mut table = RouteTable::default();
    let mut labels = Vec::new();
    let mut skipped_total = 0;
    for path in &args.input {
        let imported = import_file(path, args.encoding, args.strict).map_err(RoutesError::from)?;
        labels.push(format!(
            "file:{} ({})",
            path.display(),
            imported.format.name()
        ));
        if let Some((line, text)) = imported.skipped.first() {
            tracing::warn!(
                "{}: {} row(s) could not be read and were skipped, the first at line {line}: `{}`; --strict makes this an error",
                path.display(),
                imported.skipped.len(),
                crate::text::escape::for_terminal(text)
            );
        }
        skipped_total += imported.skipped.len();
        table.routes.extend(imported.table.routes);
        if let Some(n) = imported.table.neighbours {
            table.neighbours.get_or_insert_with(Vec::new).extend(n);
        }
    }
    table.sort();
    Ok((table, labels.join(", "), skipped_total))
}

/// Adds the live routing table to a live snapshot when `needs` says the rules use it. A
/// failure is a warning: the route rules then report themselves inactive instead of passing.
pub(super) fn attach(snapshot: &mut Snapshot, input: &Input, needs: RouteNeeds) {
    if !matches!(input, Input::Live(_)) || !needs.routes {
        return;
    }
    let have_neighbours = snapshot
        .routes
        .as_ref()
        .is_some_and(|t| t.neighbours.is_some());
    if snapshot.routes.is_some() && (have_neighbours || !needs.neighbours) {
        return;
    }
    match live::read(needs.neighbours) {
        Ok(table) => snapshot.routes = Some(table),
        Err(err) => tracing::warn!("{err}; route drift is not checked"),
    }
}

/// Routes and neighbours for a live snapshot whatever the rules (`baseline create`/`update`,
/// `snapshot --routes`); `without` says on stderr what a failure leaves out.
pub(super) fn attach_all(snapshot: &mut Snapshot, input: &Input, without: &str) {
    if matches!(input, Input::Live(_)) && snapshot.routes.is_none() {
        match live::read(true) {
            Ok(table) => snapshot.routes = Some(table),
            Err(err) => tracing::warn!("{err}; {without}"),
        }
    }
}
