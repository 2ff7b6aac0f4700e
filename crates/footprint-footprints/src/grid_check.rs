//! Which vertices of a coverage could make a shape dissolved from it fail the writer's screen once its
//! positions are rounded to the grid it is written on: found once per layer and grid, so that the shapes
//! clear of them are written without the screen.
//!
//! The writer rounds every position to its grid and screens the result for edges that rounding made
//! meet (`has_crossing_edges`, then geo's validation of what that flags). A shape dissolved exactly from
//! a coverage is made of the coverage's own edges, each undirected edge at most once, and its rings are
//! walks on the coverage's vertices. Rounded, two of its edges meet other than as consecutive edges of a
//! ring at the position they share only if:
//! - two of its vertices round to one point: every vertex that shares its grid point with another
//!   vertex of the coverage is suspect;
//! - two of its edges, rounded, cross, touch or overlap other than at a shared end where they do not
//!   fold back over each other: then those two edges of the coverage, rounded, do just that, and the
//!   ends of every such pair of the coverage's edges are suspect (`conflicting_owners` of all of its
//!   edges, rounded).
//!
//! No ring of an exact dissolve passes through a vertex twice (the dissolve cuts such a ring into rings
//! of their own), so two edges of one ring share an end only if they are consecutive; edges of two
//! rings that share an end are screened as the soup of all edges screens them.
//!
//! When none of a shape's vertices is suspect, none of these happens and the screen finds nothing: the
//! writer is told so ([`Snap::Vouched`]) and only checks that the rings are well formed. Any other shape
//! is screened as before, so what is written is the same either way.

use footprint_overlap::write::{Grid, Snap};
use geo::{Coord, MultiPolygon};
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use crate::{Coverage, DissolveMethod};

/// The vertices of a [`Coverage`] that rounding to a [`Grid`] could make break a dissolve, by position
/// ([`Coverage::grid_check`]).
///
/// It depends on the layer and the grid alone: it can be kept (serde) with the coverage and loaded again,
/// and [`GridCheck::fits`] checks that a loaded one belongs to the coverage and the grid.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(into = "KeptCheck", from = "KeptCheck")]
pub struct GridCheck {
    grid: Grid,
    vertices: usize,
    suspect: FxHashSet<(u64, u64)>,
}

/// A [`GridCheck`] as kept: the suspect positions' keys, sorted.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptCheck {
    grid: Grid,
    vertices: usize,
    suspect: Vec<(u64, u64)>,
}

impl From<GridCheck> for KeptCheck {
    fn from(c: GridCheck) -> Self {
        let mut suspect: Vec<(u64, u64)> = c.suspect.into_iter().collect();
        suspect.sort_unstable();
        Self { grid: c.grid, vertices: c.vertices, suspect }
    }
}

impl From<KeptCheck> for GridCheck {
    fn from(k: KeptCheck) -> Self {
        Self { grid: k.grid, vertices: k.vertices, suspect: k.suspect.into_iter().collect() }
    }
}

impl Coverage {
    /// The vertices of this coverage that could make a dissolve break once rounded to `grid`: those
    /// sharing their grid point with another, and the ends of edges that meet another edge, rounded,
    /// other than at a shared end where neither folds back over the other.
    ///
    /// ```
    /// use footprint_footprints::Coverage;
    /// use footprint_ingest::Crs;
    /// use footprint_overlap::write::{Grid, Snap};
    /// use geo::{MultiPolygon, polygon};
    /// let square = |x: f64| MultiPolygon(vec![polygon![(x: x, y: 0.), (x: x + 1., y: 0.), (x: x + 1., y: 1.), (x: x, y: 1.)]]);
    /// let coverage = Coverage::new(vec![square(0.), square(1.)], 1e-9);
    /// let grid = Grid { from: Crs::Wgs84, to: Crs::Wgs84 };
    /// let check = coverage.grid_check(grid);
    /// assert_eq!(check.suspects(), 0);
    /// let (union, how) = coverage.dissolve(&[footprint_ingest::AreaId(0), footprint_ingest::AreaId(1)]);
    /// assert_eq!(check.snap(&union, how, grid), Snap::Vouched);
    /// ```
    #[must_use]
    pub fn grid_check(&self, grid: Grid) -> GridCheck {
        let (positions, ends) = (self.positions(), self.ends());
        let points: Vec<(i64, i64)> = positions.par_iter().map(|&p| grid.point(p)).collect();
        let mut suspect = vec![false; positions.len()];
        let mut by_point: Vec<((i64, i64), u32)> = points.par_iter().enumerate().map(|(n, &p)| (p, n as u32)).collect();
        by_point.par_sort_unstable();
        for run in by_point.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
            run.iter().for_each(|&(_, n)| suspect[n as usize] = true);
        }
        let rounded: Vec<(Coord<f64>, Coord<f64>, u32)> = ends
            .par_iter()
            .enumerate()
            .map(|(id, &[a, b])| (grid.read(points[a as usize]), grid.read(points[b as usize]), id as u32))
            .collect();
        for id in footprint_ingest::conflicting_owners(&rounded) {
            ends[id as usize].iter().for_each(|&n| suspect[n as usize] = true);
        }
        let suspect =
            positions.iter().zip(&suspect).filter(|(_, s)| **s).map(|(&p, _)| crate::dissolve::key(p)).collect();
        GridCheck { grid, vertices: positions.len(), suspect }
    }
}

impl GridCheck {
    /// Whether this check can be the [`Coverage::grid_check`] of `coverage` on `grid`: made on the same
    /// grid, of as many vertices.
    #[must_use]
    pub fn fits(&self, coverage: &Coverage, grid: Grid) -> bool {
        self.grid == grid && self.vertices == coverage.positions().len()
    }

    /// How many vertices are suspect.
    #[must_use]
    pub fn suspects(&self) -> usize {
        self.suspect.len()
    }

    /// What the writer may take as known of `shape`, dissolved `how` from the coverage this check was made
    /// of, written on `grid`: [`Snap::Vouched`] when it was dissolved exactly, on this check's grid, and
    /// none of its vertices is suspect; else [`Snap::Screened`].
    #[must_use]
    pub fn snap(&self, shape: &MultiPolygon<f64>, how: DissolveMethod, grid: Grid) -> Snap {
        let clear = || {
            crate::coverage::rings(shape)
                .flat_map(|ring| &ring.0)
                .all(|&c| !self.suspect.contains(&crate::dissolve::key(c)))
        };
        if how == DissolveMethod::Exact && grid == self.grid && clear() { Snap::Vouched } else { Snap::Screened }
    }
}
