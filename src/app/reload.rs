//! `watch` runs for days while `geoipupdate` and feed refreshers replace files: reload GeoIP
//! databases and feeds when one changed, keeping the old ones when the new ones cannot be opened
//! yet (a copy still being written) so one bad interval never stops the watch.

use super::pipeline::{Scanner, open_enricher};
use crate::cli::ScanArgs;

/// Reopens the enrichment when a file it loaded was replaced or rewritten.
pub(super) fn refresh(scanner: &mut Scanner, args: &ScanArgs) {
    let Some(changed) = scanner
        .enricher
        .stamps
        .changed()
        .map(|p| p.display().to_string())
    else {
        return;
    };
    match open_enricher(
        &scanner.rules.enrich,
        &args.geoip,
        args.strict,
        jiff::Timestamp::now(),
    ) {
        Ok(enricher) => {
            tracing::info!("{changed} changed: GeoIP databases and feeds reloaded");
            scanner.enricher = enricher;
        }
        Err(err) => {
            tracing::warn!(
                "{changed} changed but cannot be loaded ({err}); still using the previous copy, retrying next interval"
            );
        }
    }
}
