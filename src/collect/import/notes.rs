//! What a report on an imported capture says about where its data came from.

use crate::model::Snapshot;

/// Lines for a scan report on an imported capture: that the data is imported, from which
/// format, and which facts it lacks (rules that need them cannot check anything). Empty for
/// live and saved snapshots.
pub fn report_notes(snapshot: &Snapshot) -> Vec<String> {
    if !snapshot.source.starts_with("file:") {
        return Vec::new();
    }
    let c = &snapshot.coverage;
    let mut notes = Vec::new();
    if !c.missing.is_empty() {
        let names: Vec<&str> = c.missing.iter().map(|f| f.as_str()).collect();
        notes.push(format!(
            "imported capture {}: it does not show {}; rules that need these facts cannot check anything",
            snapshot.source,
            names.join(", ")
        ));
    }
    if c.unresolved_names > 0 {
        notes.push(format!(
            "imported capture {}: {} endpoint(s) are host or service names, or addresses the tool cut short, not addresses: shown as printed, and rules that need an address do not match them (capture with -n, and -W where the tool cuts long addresses)",
            snapshot.source, c.unresolved_names
        ));
    }
    if c.skipped_lines > 0 {
        notes.push(format!(
            "imported capture {}: {} unreadable line(s) skipped",
            snapshot.source, c.skipped_lines
        ));
    }
    notes
}
