//! Counts, for every area (MSOA), the PCNs whose practices have patients living there, and writes the layers.
//!
//! The stages meet at small types: [`count_overlap`] turns registrations, the practice map and an
//! LSOA [`footprint_index::Assignment`] into an [`OverlapTable`]; [`describe`] summarises a count;
//! the writers in [`write`] render the table; [`pipeline::run`] does all of it for a job.
//!
//! Invariants: every patient read is accounted for ([`Accounting::balances`]); output bytes do
//! not depend on the number of threads or on the row order of the inputs.

mod align;
mod compare;
mod count;
mod dissolve;
mod footprint;
pub mod fuzz;
pub mod pipeline;
mod stats;
mod threshold;
pub mod write;

pub use align::{
    AlignAccounting, Alignment, LsoaTeams, PairMeasures, PcnMeasures, SplitLsoa, TeamMeasures, align,
    apportion_by_area, apportion_by_lookup, apportion_by_points, teams_from_lookup,
};
pub use compare::{PathDifference, compare_paths, differences_csv};
pub use count::{Accounting, AreaOverlap, OverlapTable, UnplacedCode, count_overlap};
pub use dissolve::{Coverage, DissolveMethod, boolean_union, dissolve};
pub use footprint::{Footprint, FootprintSpec, Method, Overlap, footprints, select_areas};
pub use stats::{Distribution, describe};
pub use threshold::{Threshold, ThresholdError};
pub use write::{OutputSet, WriteError, write_coordinate};
