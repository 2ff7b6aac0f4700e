//! Designing neighbourhoods that fit the PCNs: contiguous patches of LSOAs (cells) whose registered
//! residents lie within population bounds, or a given number of them, chosen to maximise the alignment
//! index of `footprint align` (of the residents registered with a PCN, the share whose PCN has more of
//! its patients in their patch than in any other).
//!
//! [`Cells`] holds the LSOAs (residents, PCN patients, neighbours by shared edge from the coverage
//! preparation of footprint-footprints); [`design`] partitions each [`Region`] on its own, in parallel:
//! an initial partition from the plurality footprints ([`initial`](crate) merge and split), improved by
//! simulated annealing over border moves and a final descent, seeded by [`DesignSpec::seed`]
//! (footprint-index's `SplitMix64`), and writes nothing; [`write`] renders the design's tables and layer.
//!
//! Invariants: every cell of a region is in exactly one patch; every patch is connected (through shared
//! edges, and the [`Bridge`]s that join a region's separate pieces); the design depends only on the
//! inputs and the seed, never on the number of threads.

mod design;
mod error;
mod graph;
mod initial;
mod problem;
mod search;
mod state;
pub mod write;

pub use design::{Design, Patch, RegionDesign, design};
pub use error::DesignError;
pub use graph::{Bridge, Graph};
pub use problem::{Bounds, Cells, DERIVED_SPREAD, DesignSpec, Fit, PatchBounds, Region, Target};
