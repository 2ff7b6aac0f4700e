//! The jobs of footprint and the pipeline that runs them.
//!
//! A job ([`OverlapJob`], [`AlignJob`]) names every input and choice as typed values; [`run`] loads the
//! inputs in parallel, assigns LSOAs, counts, draws the footprints the job asks for, renders every layer
//! and writes them all or nothing; [`align_run`] does the same for team alignment. The stages
//! ([`load`], [`analyse`], [`render`]) are public for the benchmarks and the pictures.
//!
//! ```no_run
//! let job = footprint_run::OverlapJob::england_by_lookup(std::path::Path::new("fixtures/england-2011"));
//! let report = footprint_run::run(&job, std::path::Path::new("footprint-out"))?;
//! assert!(report.analysis.table.accounting.balances());
//! # Ok::<(), footprint_run::RunError>(())
//! ```

mod align;
mod design;
mod error;
#[cfg(feature = "fuzz")]
pub mod fuzz;
mod job;
mod layers;
mod overlap;
mod prepared;
mod series;
mod stamp;

/// The files of a run by name, rendered: what is written all or nothing. A file's pieces may borrow from
/// the loaded inputs (an area's geometry as prepared).
pub type RunFiles<'a> = Vec<(String, footprint_overlap::write::FileBytes<'a>)>;

pub use align::{AlignReport, align_run};
pub use design::{DesignReport, design_run, design_run_with};
pub use error::RunError;
pub use job::{
    AlignJob, AssignmentSource, ContextSource, ConversionFiles, DesignJob, FootprintJob, Mismatch, Output, OverlapJob,
    RegionSource, TeamApportionment, TeamSource, VintageRule, bundled_context, bundled_geography, with_overrides,
};
pub use overlap::{
    Analysis, ContextResult, ConversionInputs, FootprintAreas, FootprintResult, Loaded, RunReport, StageTimes, analyse,
    footprint_coverage, load, place, render, run, run_with,
};
pub use prepared::{LayerRead, Preparation, PreparedCache, PreparedLayer, read_layer};
pub use series::{Publication, SeriesJob, SeriesReport, series_run, series_run_with};
