//! Counts, for every area (MSOA), the PCNs whose practices have patients living there, and writes the layers.
//!
//! The stages meet at small types: [`count_overlap`] turns registrations, the practice map and an
//! LSOA [`footprint_index::Assignment`] into an [`OverlapTable`]; [`describe`] summarises a count;
//! the writers in [`write`] render the table and hold the one declaration of the output schema
//! ([`write::schema`]), which the footprint and alignment layers and the pictures use too.
//!
//! Invariants: every patient read is accounted for ([`Accounting::balances`]); output bytes do
//! not depend on the number of threads or on the row order of the inputs.

mod by_context;
pub mod classes;
mod context;
mod count;
mod pcns;
mod stats;
mod threshold;
pub mod write;

pub use by_context::{
    BOOTSTRAP_REPLICATES, BOOTSTRAP_SEED, ClassRow, Correlation, NO_CLASS, associations, by_context,
    spearman_with_interval,
};
pub use context::{AreaContext, AreaValues, DecileOrder, area_contexts, decile_ranges, deciles, density_context};
pub use count::{Accounting, AreaOverlap, NO_PCN, OverlapTable, UnplacedCode, count_overlap, measure, ratio, sum_runs};
pub use pcns::{
    BAND, BandCount, PcnRow, PcnSummary, PracticeStatistics, SizeBand, SizeStatistics, pcn_summary, pcn_table,
};
pub use stats::{Distribution, describe};
pub use threshold::{Threshold, ThresholdError};
pub use write::{OutputSet, WriteError, write_coordinate};
