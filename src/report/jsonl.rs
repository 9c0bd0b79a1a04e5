//! JSON Lines: one self-contained object per finding, for log shippers (Vector, Fluent Bit,
//! Loki, Elasticsearch).

use serde::Serialize;

use crate::model::Snapshot;
use crate::model::finding::Finding;

#[derive(Serialize)]
struct Line<'a> {
    host: Option<&'a str>,
    time: &'a jiff::Timestamp,
    /// How far to trust `time` (a capture's file time is not when it was taken).
    time_source: crate::model::TimeSource,
    source: &'a str,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// One line per finding; empty when there are none.
pub fn render(snapshot: &Snapshot, findings: &[Finding]) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&serde_json::to_string(&Line {
            host: snapshot.host.hostname.as_deref(),
            time: &snapshot.collected_at,
            time_source: snapshot.time_source(),
            source: &snapshot.source,
            finding,
        })?);
        out.push('\n');
    }
    Ok(out)
}
