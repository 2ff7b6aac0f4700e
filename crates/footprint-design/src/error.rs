//! The errors of a design: what was asked cannot be designed.

/// Why a design cannot be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DesignError {
    /// The bounds are empty or zero.
    #[error("population bounds {min}–{max}: the minimum must not exceed the maximum, and the maximum must be above 0")]
    Bounds {
        /// The minimum asked for.
        min: u64,
        /// The maximum asked for.
        max: u64,
    },
    /// Zero patches asked for.
    #[error("the number of patches must be at least 1")]
    NoPatches,
    /// Zero restarts asked for.
    #[error("the number of restarts must be at least 1")]
    NoRestarts,
    /// A region names a cell the cells do not have.
    #[error("region {region}: cell {cell} is not one of the {cells} cells")]
    NoSuchCell {
        /// The region.
        region: String,
        /// The cell named.
        cell: u32,
        /// How many cells there are.
        cells: usize,
    },
    /// A cell is in two regions (or twice in one).
    #[error("cell {cell} is in region {first} and in region {second}: regions must not overlap")]
    CellInTwoRegions {
        /// The cell.
        cell: u32,
        /// The first region.
        first: String,
        /// The second region.
        second: String,
    },
    /// No region has any cell.
    #[error("no LSOA to design with: every region is empty")]
    Empty,
}
