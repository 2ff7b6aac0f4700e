//! Polygons as written: reprojected to the output CRS, snapped to the grid of the precision written
//! (millionths of a degree, or millimetres on the British National Grid), oriented, and valid at that
//! precision. Rounding can make a valid polygon invalid (a thin spike crosses its neighbour, a ring
//! collapses to a line); those are found by checking the coordinates exactly as a reader gets them back
//! and repaired on the grid, deterministically, by an integer overlay (union of the rings' interiors,
//! OGC-valid output), then checked again.

use footprint_ingest::{Crs, converter, has_crossing_edges, is_valid, twice_signed_area};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
use i_overlay::i_float::int::point::IntPoint;

/// A ring on the grid: closed (first position repeated last), at least 4 positions, no position
/// equal to the one before; exteriors counter-clockwise, holes clockwise.
pub type Ring = Vec<(i64, i64)>;

/// A multipolygon on the grid: polygons, each its exterior then its holes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The polygons.
    pub polygons: Vec<Vec<Ring>>,
    /// The CRS of the coordinates.
    pub crs: Crs,
    /// Whether rounding broke the polygon and it was repaired.
    pub repaired: bool,
}

/// Grid steps per unit of `crs`: 10⁶ per degree (6 decimals, about 0.1 m), 10³ per metre (millimetres).
///
/// ```
/// use footprint_ingest::Crs;
/// assert_eq!(footprint_overlap::write::grid_steps(Crs::Wgs84), 1_000_000);
/// assert_eq!(footprint_overlap::write::grid_steps(Crs::BritishNationalGrid), 1_000);
/// ```
#[must_use]
pub fn grid_steps(crs: Crs) -> i64 {
    match crs {
        Crs::Wgs84 => 1_000_000,
        Crs::BritishNationalGrid => 1_000,
    }
}

/// The decimals written for coordinates in `crs` (the exponent of [`grid_steps`]).
#[must_use]
pub fn decimals(crs: Crs) -> usize {
    match crs {
        Crs::Wgs84 => 6,
        Crs::BritishNationalGrid => 3,
    }
}

impl Written {
    /// The polygons as a reader of the written layer gets them back: each coordinate the nearest f64
    /// to the decimal number written (an exact integer divided by the grid step is correctly rounded).
    #[must_use]
    pub fn to_geo(&self) -> MultiPolygon<f64> {
        to_geo(&self.polygons, self.crs)
    }

    /// The bounding box `(min x, min y, max x, max y)` in the units of the CRS, `None` when empty.
    #[must_use]
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let step = grid_steps(self.crs) as f64;
        let mut it = self.polygons.iter().filter_map(|p| p.first()).flatten();
        let &(x0, y0) = it.next()?;
        let (mut min, mut max) = ((x0, y0), (x0, y0));
        for &(x, y) in it {
            min = (min.0.min(x), min.1.min(y));
            max = (max.0.max(x), max.1.max(y));
        }
        Some([min.0 as f64 / step, min.1 as f64 / step, max.0 as f64 / step, max.1 as f64 / step])
    }
}

/// Where coordinates are written: converted from the CRS they are in to the output CRS, then rounded to
/// the nearest point of that CRS's grid ([`grid_steps`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    /// The CRS of the coordinates given.
    pub from: Crs,
    /// The CRS written.
    pub to: Crs,
}

impl Grid {
    /// The point of the grid `c` (in `from`) is written at, in grid steps.
    ///
    /// ```
    /// use footprint_ingest::Crs;
    /// use footprint_overlap::write::Grid;
    /// let grid = Grid { from: Crs::Wgs84, to: Crs::Wgs84 };
    /// assert_eq!(grid.point(geo::Coord { x: -1.000_000_4, y: 52.000_000_6 }), (-1_000_000, 52_000_001));
    /// ```
    #[must_use]
    pub fn point(&self, c: Coord<f64>) -> (i64, i64) {
        round(converter(self.from, self.to)(c), grid_steps(self.to) as f64)
    }

    /// A point of the grid as a reader of the written layer gets it back: the nearest f64 to the decimal
    /// number written (an exact integer divided by the grid step is correctly rounded).
    #[must_use]
    pub fn read(&self, (x, y): (i64, i64)) -> Coord<f64> {
        let step = grid_steps(self.to) as f64;
        // grid values are far below 2^53
        Coord { x: x as f64 / step, y: y as f64 / step }
    }
}

/// A converted position rounded to the grid of `step` steps per unit.
fn round(c: Coord<f64>, step: f64) -> (i64, i64) {
    ((c.x * step).round() as i64, (c.y * step).round() as i64)
}

/// What is known, before they are written, of what rounding to the grid does to polygons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snap {
    /// Nothing: once rounded they are screened, and repaired where rounding broke them.
    Screened,
    /// That no two of their edges meet once rounded but consecutive edges of a ring, at the position
    /// they share (a dissolve of a coverage whose grid check clears it): rounded, they are only checked
    /// to be well formed (closed rings of three positions or more), and screened and repaired if not.
    Vouched,
}

/// `polygons` (in `from`) as written in `to`: reprojected, snapped to the grid, oriented (exteriors
/// counter-clockwise, holes clockwise), repeated positions dropped, and repaired where that made
/// them invalid.
///
/// ```
/// use footprint_ingest::Crs;
/// use geo::polygon;
/// // A sliver 0.3 millionths of a degree wide collapses to a line at 6 decimals: repaired away.
/// let sliver = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 0.000_000_3), (x: 0., y: 0.000_000_3)];
/// let square = polygon![(x: 0., y: 1.), (x: 0., y: 2.), (x: 1., y: 2.), (x: 1., y: 1.)];
/// let w = footprint_overlap::write::written(&[sliver, square], Crs::Wgs84, Crs::Wgs84);
/// assert!(w.repaired);
/// assert_eq!(w.polygons, vec![vec![vec![(0, 1_000_000), (1_000_000, 1_000_000), (1_000_000, 2_000_000), (0, 2_000_000), (0, 1_000_000)]]]);
/// ```
#[must_use]
pub fn written(polygons: &[Polygon<f64>], from: Crs, to: Crs) -> Written {
    written_on(polygons, Grid { from, to }, Snap::Screened)
}

/// As [`written`], on `grid`, with what is known of what rounding does to the polygons: a [`Snap::Vouched`]
/// for polygons that rounding in fact breaks is written broken (it is what the caller vouches for).
///
/// ```
/// use footprint_ingest::Crs;
/// use footprint_overlap::write::{Grid, Snap, written, written_on};
/// use geo::polygon;
/// let square = polygon![(x: 0., y: 0.), (x: 1e-6, y: 0.), (x: 1e-6, y: 1e-6), (x: 0., y: 1e-6)];
/// let grid = Grid { from: Crs::Wgs84, to: Crs::Wgs84 };
/// assert_eq!(written_on(&[square.clone()], grid, Snap::Vouched), written(&[square], Crs::Wgs84, Crs::Wgs84));
/// ```
#[must_use]
pub fn written_on(polygons: &[Polygon<f64>], grid: Grid, snap: Snap) -> Written {
    let convert = converter(grid.from, grid.to);
    let step = grid_steps(grid.to) as f64;
    let snapped: Vec<Vec<Ring>> = polygons
        .iter()
        .map(|p| {
            std::iter::once((p.exterior(), true))
                .chain(p.interiors().iter().map(|h| (h, false)))
                .map(|(ring, exterior)| snap_ring(&ring.0, exterior, convert, step))
                .collect()
        })
        .collect();
    let mut w = Written { polygons: snapped, crs: grid.to, repaired: false };
    let mut snap = snap;
    // Each repair's vertices are on the grid; two rounds have sufficed for every national layer.
    for _ in 0..4 {
        if is_valid_as_read(&w.polygons, grid.to, snap) {
            break;
        }
        w.polygons = repair(&w.polygons);
        w.repaired = true;
        snap = Snap::Screened;
    }
    w
}

/// One ring converted, rounded to the grid, oriented and without repeated positions (not yet checked).
fn snap_ring(ring: &[Coord<f64>], exterior: bool, convert: fn(Coord<f64>) -> Coord<f64>, step: f64) -> Ring {
    let coords: Vec<Coord<f64>> = ring.iter().map(|&c| convert(c)).collect();
    let counter_clockwise = twice_signed_area(&coords) > 0.0;
    let points: Vec<(i64, i64)> = if counter_clockwise == exterior {
        coords.iter().map(|&c| round(c, step)).collect()
    } else {
        coords.iter().rev().map(|&c| round(c, step)).collect()
    };
    let mut kept: Ring = Vec::with_capacity(points.len());
    for p in points {
        if kept.last() != Some(&p) {
            kept.push(p);
        }
    }
    kept
}

/// Grid polygons as f64 coordinates in the units of `crs`.
fn to_geo(polygons: &[Vec<Ring>], crs: Crs) -> MultiPolygon<f64> {
    let grid = Grid { from: crs, to: crs };
    let ring = |r: &Ring| LineString(r.iter().map(|&p| grid.read(p)).collect());
    MultiPolygon(
        polygons
            .iter()
            .filter_map(|rings| {
                let (exterior, holes) = rings.split_first()?;
                Some(Polygon::new(ring(exterior), holes.iter().map(ring).collect()))
            })
            .collect(),
    )
}

/// Whether the polygons, read back as f64 values, are OGC-valid: every ring closed with at least four
/// positions, and no crossing, touching or overlapping edges but those geo's full validation accepts
/// (a hole touching its exterior at one point, parts meeting at a vertex); the edges taken as they are
/// when `snap` vouches for them.
fn is_valid_as_read(polygons: &[Vec<Ring>], crs: Crs, snap: Snap) -> bool {
    let well_formed = polygons.iter().all(|rings| {
        !rings.is_empty() && rings.iter().all(|r| r.len() >= 4 && r.first() == r.last() && three_distinct(r))
    });
    if !well_formed {
        return false;
    }
    if snap == Snap::Vouched {
        return true;
    }
    let shape = to_geo(polygons, crs);
    // The sweep finds any two edges that meet; only then is geo's full validation needed.
    !has_crossing_edges(&shape) || is_valid(&shape)
}

/// Whether a closed ring has at least three distinct positions (in one pass, without sorting).
fn three_distinct(ring: &Ring) -> bool {
    let open = &ring[..ring.len().saturating_sub(1)];
    let Some(&a) = open.first() else { return false };
    let Some(&b) = open.iter().find(|&&p| p != a) else { return false };
    open.iter().any(|&p| p != a && p != b)
}

/// The union of the polygons' interiors on the grid (winding number above zero: exteriors add, holes
/// subtract, a ring's part turned inside out by rounding is dropped), as OGC-valid polygons.
// grid values fit i32: ±180·10⁶ and ±1.3·10⁹
fn repair(polygons: &[Vec<Ring>]) -> Vec<Vec<Ring>> {
    let shapes: Vec<Vec<Vec<IntPoint>>> = polygons
        .iter()
        .map(|rings| {
            rings
                .iter()
                .filter(|r| r.len() >= 2)
                .map(|r| r[..r.len() - 1].iter().map(|&(x, y)| IntPoint::new(x as i32, y as i32)).collect())
                .collect()
        })
        .collect();
    let capacity = shapes.iter().flatten().map(Vec::len).sum();
    let out = Overlay::new_custom(capacity, IntOverlayOptions::ogc(), Default::default())
        .simplify_shapes(&shapes, FillRule::Positive);
    let mut repaired: Vec<Vec<Ring>> = out
        .into_iter()
        .map(|shape| {
            shape
                .into_iter()
                .enumerate()
                .map(|(i, contour)| {
                    let mut ring: Ring = contour.iter().map(|p| (i64::from(p.x), i64::from(p.y))).collect();
                    orient(&mut ring, i == 0);
                    close(ring)
                })
                .filter(|r| r.len() >= 4)
                .collect::<Vec<Ring>>()
        })
        .filter(|rings| !rings.is_empty())
        .collect();
    // A deterministic order whatever the overlay's: by each polygon's first exterior position.
    repaired.sort_by(|a, b| a[0].iter().min().cmp(&b[0].iter().min()));
    repaired
}

/// Turns an open ring counter-clockwise (`exterior`) or clockwise.
fn orient(ring: &mut Ring, exterior: bool) {
    let twice_area: i128 = ring
        .iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| i128::from(a.0) * i128::from(b.1) - i128::from(b.0) * i128::from(a.1))
        .sum();
    if (twice_area > 0) != exterior {
        ring.reverse();
    }
}

/// Starts an open ring at its smallest position and repeats it at the end.
fn close(mut ring: Ring) -> Ring {
    if let Some(start) = ring.iter().enumerate().min_by_key(|(_, p)| **p).map(|(i, _)| i) {
        ring.rotate_left(start);
        ring.push(ring[0]);
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Validation, polygon};

    #[test]
    fn three_distinct_positions_are_counted_as_a_sort_would() {
        let check = |ring: &[(i64, i64)]| {
            let mut v = ring[..ring.len().saturating_sub(1)].to_vec();
            v.sort_unstable();
            v.dedup();
            assert_eq!(three_distinct(&ring.to_vec()), v.len() >= 3, "{ring:?}");
        };
        for ring in [
            &[][..],
            &[(0, 0)],
            &[(0, 0), (0, 0)],
            &[(0, 0), (1, 0), (0, 0)],
            &[(0, 0), (1, 0), (0, 0), (1, 0), (0, 0)],
            &[(0, 0), (1, 0), (1, 1), (0, 0)],
            &[(0, 0), (0, 0), (1, 0), (1, 0), (2, 2), (0, 0)],
            &[(1, 0), (0, 0), (1, 0), (0, 0), (1, 0)],
            &[(1, 0), (0, 0), (1, 0), (5, 5)],
        ] {
            check(ring);
        }
    }

    /// Snaps `polygons` (WGS84 degrees) to 6 decimals and compares the grid rings (millionths) and
    /// whether a repair was needed.
    fn check(polygons: &[Polygon<f64>], expected: &[&[&[(i64, i64)]]], repaired: bool) {
        let w = written(polygons, Crs::Wgs84, Crs::Wgs84);
        let expected: Vec<Vec<Ring>> = expected.iter().map(|p| p.iter().map(|r| r.to_vec()).collect()).collect();
        assert_eq!(w.polygons, expected);
        assert_eq!(w.repaired, repaired);
        assert!(w.to_geo().is_valid());
    }

    const M: f64 = 1e-6;

    #[test]
    fn a_valid_polygon_is_only_rounded_and_oriented() {
        // Clockwise in, counter-clockwise out, the start kept; 0.4 millionths round down.
        let p = polygon![(x: 0., y: 0.), (x: 0., y: 2. * M), (x: 2.4 * M, y: 2. * M), (x: 2. * M, y: 0.)];
        check(&[p], &[&[&[(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]]], false);
    }

    #[test]
    fn a_ring_collapsed_by_rounding_is_dropped() {
        let flat = polygon![(x: 0., y: 0.), (x: 5. * M, y: 0.), (x: 5. * M, y: 0.3 * M), (x: 0., y: 0.2 * M)];
        let w = written(&[flat], Crs::Wgs84, Crs::Wgs84);
        assert!(w.repaired);
        assert!(w.polygons.is_empty());
    }

    #[test]
    fn a_notch_that_rounding_closes_is_removed() {
        // A notch 0.4 to 0.8 millionths wide down from the top edge: rounded, its sides meet at x = 5
        // and the ring runs down and back along one line; the repair keeps the square.
        let p = polygon![
            (x: 0., y: 0.), (x: 10. * M, y: 0.), (x: 10. * M, y: 10. * M), (x: 5.4 * M, y: 10. * M),
            (x: 5.2 * M, y: 2. * M), (x: 4.8 * M, y: 2. * M), (x: 4.6 * M, y: 10. * M), (x: 0., y: 10. * M)
        ];
        check(&[p], &[&[&[(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]]], true);
    }

    #[test]
    fn parts_that_rounding_makes_overlap_are_merged() {
        // Two squares 0.2 millionths apart: rounded, they share the edge x = 2 and become one.
        let a = polygon![(x: 0., y: 0.), (x: 2.2 * M, y: 0.), (x: 2.2 * M, y: 2. * M), (x: 0., y: 2. * M)];
        let b = polygon![(x: 2.4 * M, y: 0.), (x: 4. * M, y: 0.), (x: 4. * M, y: 2. * M), (x: 2.4 * M, y: 2. * M)];
        check(&[a, b], &[&[&[(0, 0), (4, 0), (4, 2), (0, 2), (0, 0)]]], true);
    }

    #[test]
    fn a_hole_that_rounding_pushes_across_its_exterior_is_clipped() {
        let p = Polygon::new(
            LineString::from(vec![(0., 0.), (4. * M, 0.), (4. * M, 4. * M), (0., 4. * M), (0., 0.)]),
            vec![LineString::from(vec![
                (1. * M, 1. * M),
                (3.6 * M, 1. * M),
                (3.6 * M, 3. * M),
                (1. * M, 3. * M),
                (1. * M, 1. * M),
            ])],
        );
        // The hole reaches x = 4 once rounded and touches the exterior along a line: the polygon
        // becomes a U, open on the east.
        check(&[p], &[&[&[(0, 0), (4, 0), (4, 1), (1, 1), (1, 3), (4, 3), (4, 4), (0, 4), (0, 0)]]], true);
    }

    #[test]
    fn british_national_grid_is_written_in_millimetres() {
        let p = polygon![(x: 400_000.000_4, y: 300_000.), (x: 400_010., y: 300_000.), (x: 400_010., y: 300_010.)];
        let w = written(&[p], Crs::BritishNationalGrid, Crs::BritishNationalGrid);
        assert_eq!(w.polygons[0][0][0], (400_000_000, 300_000_000));
        assert_eq!(w.bbox(), Some([400_000., 300_000., 400_010., 300_010.]));
    }
}
