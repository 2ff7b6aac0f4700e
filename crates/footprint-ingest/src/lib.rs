//! Readers for every input footprint takes: registrations, practice → PCN maps, LSOA lookups and centroids, area boundaries.
//!
//! Each reader takes an [`InputFile`] (the bytes of a file, decompressed if it was gzip, with the
//! sha256 of what was on disk) and returns a typed table, or an [`IngestError`] naming the file,
//! the line and column (or feature index) and the offending value.
//!
//! ```
//! use footprint_ingest::{InputFile, read_registrations};
//! let csv = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA1,E01000001,7\nA1,E01000002,3\n";
//! let input = InputFile::from_bytes("regs.csv", csv.as_bytes().to_vec());
//! let table = read_registrations(&input)?;
//! assert_eq!(table.total_patients(), 10);
//! # Ok::<(), footprint_ingest::IngestError>(())
//! ```

mod areas;
mod centroids;
mod columns;
mod context;
mod crs;
mod error;
#[cfg(feature = "fuzz")]
pub mod fuzz;
mod lookup;
mod model;
mod numbered;
mod open;
mod panics;
mod pip;
mod plain;
mod practices;
mod registrations;
mod series;
mod shapefile;
mod source;
mod valid;
mod validity;
mod vintage;
mod workbook;

pub use areas::{AreaFields, AreaLayer, CrsEvidence, LayerKind, Repair, read_areas, twice_signed_area};
pub use centroids::{CentroidColumns, Centroids, read_centroids};
pub use context::{ContextKind, ContextLevel, ContextTable, ContextValues, read_context};
pub use crs::{AreaMeter, Crs, area_km2, bng_to_wgs84, converter, reproject, wgs84_to_bng};
pub use error::IngestError;
pub use lookup::{AreaLookup, LookupColumns, read_lookup};
pub use model::{Area, AreaCode, AreaId, LsoaCode, LsoaId, Pcn, PcnCode, PcnId, PracticeCode, PracticeId, Vintage};
pub use open::read_area_layer;
pub use pip::{contains, crosses_ray, orient, ring_contains};
pub use practices::{PracticeMap, PracticePcn, read_practice_map};
pub use registrations::{Registration, RegistrationTable, read_registrations};
pub use series::{ManifestRow, read_manifest, read_practice_edits};
pub use shapefile::{is_shapefile_input, read_shapefile, read_shapefile_bytes};
pub use source::{FileInfo, InputFile};
pub use valid::is_valid;
pub use validity::{conflicting_owners, has_crossing_edges};
pub use vintage::{
    Change, CodeVintage, Detected, LsoaPair, LsoaPopulations, Tally, VintageLookup, VintageMix, read_lsoa_populations,
    read_vintage_lookup,
};
