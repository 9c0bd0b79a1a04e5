//! Why GeoIP databases or feeds could not be opened: below every reader of the layer.

use std::path::PathBuf;

/// Why enrichment data could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    /// A GeoIP database is missing, corrupt, truncated or of an unsupported type.
    #[error("{}: GeoIP database: {message}", path.display())]
    GeoIp {
        /// The file.
        path: PathBuf,
        /// The reader's complaint.
        message: String,
    },
    /// A feed file is unreadable (or, with `--strict`, has bad lines).
    #[error("{}: feed: {message}", path.display())]
    Feed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}
