//! Why a run failed.

use std::path::PathBuf;

use footprint_ingest::{Detected, IngestError, Vintage, VintageMix};
use footprint_overlap::WriteError;
use footprint_overlap::write::thousands;

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
    /// A design cannot be made as asked.
    #[error(transparent)]
    Design(#[from] footprint_design::DesignError),
    /// A region code asked for is not in the region lookup.
    #[error("{path}: no LSOA of the LSOA layer is in region \"{code}\"", path = path.display())]
    NoSuchRegion {
        /// The code asked for.
        code: String,
        /// The region lookup.
        path: PathBuf,
    },
    /// The registrations are on LSOA codes of another census than the areas, and the job refuses to convert them.
    #[error("{path}: {}, but the areas are of the {geography} census", describe_mix(mix), path = path.display())]
    Vintage {
        /// The registrations file.
        path: PathBuf,
        /// Its codes by census.
        mix: Box<VintageMix>,
        /// The census of the areas.
        geography: Vintage,
    },
}

/// The census a registrations file's codes are of, in words with the counts.
fn describe_mix(mix: &VintageMix) -> String {
    let (o11, o21) = (mix.only_2011, mix.only_2021);
    match mix.vintage() {
        Detected::Mixed => format!(
            "the LSOA codes mix the 2011 census ({} codes, {} patients, only in 2011) and the 2021 census ({} codes, {} patients, only in 2021)",
            thousands(o11.codes),
            thousands(o11.patients),
            thousands(o21.codes),
            thousands(o21.patients)
        ),
        Detected::Census(v) => {
            let t = mix.only(v);
            format!(
                "the LSOA codes are of the {v} census ({} codes, {} patients, only in {v})",
                thousands(t.codes),
                thousands(t.patients)
            )
        }
        Detected::Undetermined => "the LSOA codes are of no census the exact-fit lookup knows".into(),
    }
}
