//! Why a run failed.

use footprint_ingest::IngestError;
use footprint_overlap::WriteError;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// An input could not be read or is malformed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A layer could not be rendered in a GIS format.
    #[error(transparent)]
    Gis(#[from] footprint_gis::GisError),
    /// The job asks for something its inputs cannot give.
    #[error("{problem}")]
    Job {
        /// What is missing, in words.
        problem: &'static str,
    },
}
