//! Assigns each LSOA code of a registrations file to an area of the area layer.
//!
//! Two ways, one result type ([`Assignment`]):
//! - [`assign_by_lookup`]: the LSOA → area lookup decides (authoritative);
//! - [`assign_by_centroids`]: each LSOA's centroid is located in the area polygons with an
//!   R-tree and an exact point-in-polygon test ([`AreaIndex`]).
//!
//! ```
//! use footprint_index::{Placement, assign_by_lookup};
//! use footprint_ingest::{AreaLayer, AreaLookup, LsoaCode};
//! let layer = AreaLayer::default(); // no areas
//! let mut lookup = AreaLookup::default();
//! lookup.map.insert("W01000001".into(), "W02000001".into());
//! let a = assign_by_lookup(&[LsoaCode::from("W01000001"), LsoaCode::from("NO2011")], &lookup, &layer);
//! assert_eq!(a.placements, vec![Placement::OutsideLayer, Placement::UnknownLsoa]);
//! ```

mod assign;
mod boundary;
mod compare;
mod convert;
mod places;
mod seeded;
mod spatial;
mod whole;

pub use assign::{Assignment, AssignmentMethod, Placement, Snapped, assign_by_centroids, assign_by_lookup};
pub use boundary::BoundaryIndex;
pub use compare::{PathDifference, compare_paths};
pub use convert::{Apportioned, Conversion, Converted, Weighting};
pub use footprint_ingest::contains;
pub use places::{LsoaPlaces, interior_points, points_crs};
pub use seeded::{Below, SplitMix64};
pub use spatial::AreaIndex;
pub use whole::{largest_remainder, round_rows};
