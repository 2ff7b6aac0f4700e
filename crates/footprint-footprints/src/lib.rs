//! PCN footprints: for each PCN, the areas where its patients live, chosen by the threshold, core and
//! plurality methods ([`footprints`]), dissolved exactly into one shape ([`Coverage`], [`dissolve`]),
//! measured (containment, purity, parts, overlaps) and written as layers ([`write`]).
//!
//! Invariants: every footprint is valid (OGC) and, when dissolved exactly, made only of original
//! vertices; plurality footprints partition the areas with residents; output does not depend on the
//! number of threads.

mod coverage;
mod dissolve;
mod footprint;
mod grid_check;
pub mod write;

pub use coverage::{VertexNumbers, coincidence_tolerance, unify_vertices};
pub use dissolve::{Coverage, DissolveMethod, boolean_union, dissolve};
pub use footprint::{
    Footprint, FootprintLevel, FootprintSpec, Method, Overlap, coverage_of, footprints, footprints_on, select_areas,
};
pub use grid_check::GridCheck;
