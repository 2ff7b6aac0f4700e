//! geo's OGC validation of an area, found by geo's own tests on fewer pairs.
//!
//! geo's `Validation` tests every two segments of each ring for a self-intersection, and relates every
//! two parts of a multipolygon: quadratic in the ring's positions and in the parts. Two segments, rings
//! or parts whose bounding boxes are apart cannot meet (and geo's relate of two such parts finds them
//! disjoint), so [`is_valid`] tests only the pairs whose boxes meet, found by a sweep along x, each with
//! the test geo applies. What it answers is what `geo::Validation::is_valid` answers (tested on seeded
//! shapes full of touching, folding and overlapping rings).

use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::{BoundingRect, Intersects, Line, LineString, MultiPolygon, Polygon, PreparedGeometry, Rect, Relate};

use crate::validity::{IndexedBox, every_meeting_pair};

/// Whether `area` is valid as geo's `Validation` decides it: each part valid (rings of four positions
/// or more once repeated positions are dropped, finite, not crossing or touching themselves, holes
/// within the exterior and apart from it and from each other but at points), and no two parts
/// overlapping or sharing a line.
///
/// ```
/// use geo::{Validation, polygon, MultiPolygon};
/// let square = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)];
/// let bow_tie = polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)];
/// for area in [MultiPolygon(vec![square]), MultiPolygon(vec![bow_tie])] {
///     assert_eq!(footprint_ingest::is_valid(&area), area.is_valid());
/// }
/// ```
#[must_use]
pub fn is_valid(area: &MultiPolygon<f64>) -> bool {
    if !area.0.iter().all(polygon_is_valid) {
        return false;
    }
    every_pair_of(area.0.iter().map(BoundingRect::bounding_rect), |i, j| {
        let im = area.0[i.min(j)].relate(&area.0[i.max(j)]);
        im.get(CoordPos::Inside, CoordPos::Inside) != Dimensions::TwoDimensional
            && im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) != Dimensions::OneDimensional
    })
}

/// geo's validation of one polygon.
fn polygon_is_valid(polygon: &Polygon<f64>) -> bool {
    if polygon.exterior().0.is_empty() {
        return true; // an empty polygon is valid
    }
    let rings = || std::iter::once(polygon.exterior()).chain(polygon.interiors()).filter(|r| !r.0.is_empty());
    if !rings().all(|r| enough_positions(r) && r.0.iter().all(|c| c.x.is_finite() && c.y.is_finite())) {
        return false;
    }
    if rings().any(crosses_itself) {
        return false;
    }
    let holes: Vec<Polygon<f64>> =
        polygon.interiors().iter().filter(|r| !r.0.is_empty()).map(|r| Polygon::new(r.clone(), vec![])).collect();
    holes.is_empty() || holes_are_valid(polygon.exterior(), &holes)
}

/// At least four positions once consecutive repeats are dropped.
fn enough_positions(ring: &LineString<f64>) -> bool {
    let mut distinct = ring.0.len().min(1);
    for w in ring.0.windows(2) {
        distinct += usize::from(w[0] != w[1]);
        if distinct >= 4 {
            return true;
        }
    }
    distinct >= 4
}

/// geo's self-intersection test of a ring: two of its segments meet, other than where one ends and
/// the other starts.
fn crosses_itself(ring: &LineString<f64>) -> bool {
    let lines: Vec<Line<f64>> = ring.lines().collect();
    !every_pair_of(lines.iter().map(|l| Some(l.bounding_rect())), |i, j| {
        let (a, b) = (lines[i], lines[j]);
        // geo tries both orders; the rule is the same either way round.
        !(a.intersects(&b) && a.start != b.end && a.end != b.start)
    })
}

/// geo's tests of the holes of a polygon: each within the exterior and touching it at points only, and
/// no two overlapping or sharing a line.
fn holes_are_valid(exterior: &LineString<f64>, holes: &[Polygon<f64>]) -> bool {
    let shell = Polygon::new(exterior.clone(), vec![]);
    let shell = PreparedGeometry::from(&shell);
    let prepared: Vec<PreparedGeometry<'_, &Polygon<f64>>> = holes.iter().map(PreparedGeometry::from).collect();
    let within = prepared.iter().all(|hole| {
        let im = shell.relate(hole);
        im.is_contains() && im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) != Dimensions::OneDimensional
    });
    if !within {
        return false;
    }
    every_pair_of(holes.iter().map(BoundingRect::bounding_rect), |i, j| {
        let im = prepared[i.min(j)].relate(&holes[i.max(j)]);
        im.get(CoordPos::Inside, CoordPos::Inside) != Dimensions::TwoDimensional
            && im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) != Dimensions::OneDimensional
    })
}

/// Calls `each` with every pair of indices whose boxes meet (touching counts; a `None` box meets
/// nothing), each pair once, until it returns false; whether it never did.
fn every_pair_of(boxes: impl Iterator<Item = Option<Rect<f64>>>, mut each: impl FnMut(usize, usize) -> bool) -> bool {
    let boxes = boxes
        .enumerate()
        .filter_map(|(i, b)| {
            let b = b?;
            Some(IndexedBox { min_x: b.min().x, max_x: b.max().x, min_y: b.min().y, max_y: b.max().y, index: i as u32 })
        })
        .collect();
    every_meeting_pair(boxes, |i, j| each(i as usize, j as usize))
}

#[cfg(test)]
mod tests {
    use geo::{Coord, Validation};

    use super::*;

    /// A seeded generator (Knuth's MMIX linear congruential generator, high bits) of integers below `n`.
    fn seeded(mut state: u64) -> impl FnMut(u64) -> u64 {
        move |n: u64| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        }
    }

    fn check(area: &MultiPolygon<f64>) {
        assert_eq!(is_valid(area), area.is_valid(), "{area:?}");
    }

    /// A ring of `n` positions on a small grid: random walks fold, touch and cross themselves.
    fn ring(next: &mut impl FnMut(u64) -> u64, grid: u64, n: u64, at: (f64, f64)) -> LineString<f64> {
        let mut coords: Vec<Coord<f64>> =
            (0..n).map(|_| Coord { x: at.0 + next(grid) as f64, y: at.1 + next(grid) as f64 }).collect();
        if next(4) == 0 {
            coords.push(coords[0]); // repeated positions
        }
        LineString(coords)
    }

    /// A box with holes that may touch it, each other, or poke out.
    fn boxed(next: &mut impl FnMut(u64) -> u64, at: (f64, f64)) -> Polygon<f64> {
        let side = 4.0 + next(6) as f64;
        let (x, y) = at;
        let exterior = LineString::from(vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y)]);
        let holes = (0..next(4))
            .map(|_| {
                let (hx, hy) = (x + next(side as u64) as f64, y + next(side as u64) as f64);
                let (w, h) = (1.0 + next(3) as f64, 1.0 + next(3) as f64);
                match next(3) {
                    0 => LineString::from(vec![(hx, hy), (hx + w, hy), (hx, hy + h), (hx, hy)]),
                    1 => LineString::from(vec![(hx, hy), (hx + w, hy), (hx + w, hy + h), (hx, hy + h), (hx, hy)]),
                    _ => {
                        let n = 3 + next(3);
                        ring(next, 3, n, (hx, hy))
                    }
                }
            })
            .collect();
        Polygon::new(exterior, holes)
    }

    #[test]
    fn answers_what_geo_answers_on_seeded_shapes() {
        let mut next = seeded(0x0dd_ba11_cafe);
        let (mut valid, mut invalid) = (0, 0);
        for round in 0..3000 {
            let parts = 1 + next(3);
            let polygons: Vec<Polygon<f64>> = (0..parts)
                .map(|_| {
                    let at = (5.0 * next(4) as f64, 5.0 * next(4) as f64);
                    if next(2) == 0 {
                        boxed(&mut next, at)
                    } else {
                        let (n, grid) = (3 + next(2 + round % 7), 4 + next(5));
                        Polygon::new(ring(&mut next, grid, n, at), vec![])
                    }
                })
                .collect();
            let area = MultiPolygon(polygons);
            check(&area);
            if area.is_valid() {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        // Both answers are common: the comparison is not one-sided.
        assert!(valid > 300 && invalid > 300, "valid {valid}, invalid {invalid}");
    }

    #[test]
    fn answers_what_geo_answers_on_shapes_made_to_touch() {
        let square =
            |x: f64, y: f64, s: f64| LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]);
        let poly = |r: LineString<f64>| Polygon::new(r, vec![]);
        let cases = [
            // Parts meeting at a corner, along an edge, overlapping, apart.
            vec![poly(square(0., 0., 2.)), poly(square(2., 2., 2.))],
            vec![poly(square(0., 0., 2.)), poly(square(2., 0., 2.))],
            vec![poly(square(0., 0., 2.)), poly(square(1., 1., 2.))],
            vec![poly(square(0., 0., 2.)), poly(square(5., 5., 2.))],
            // A hole touching its exterior at a corner, along an edge; two holes sharing a corner, an edge.
            vec![Polygon::new(square(0., 0., 4.), vec![square(0., 0., 1.)])],
            vec![Polygon::new(
                square(0., 0., 4.),
                vec![LineString::from(vec![(0., 1.), (1., 1.), (0., 2.), (0., 1.)])],
            )],
            vec![Polygon::new(square(0., 0., 4.), vec![square(1., 1., 1.), square(2., 2., 1.)])],
            vec![Polygon::new(square(0., 0., 4.), vec![square(1., 1., 1.), square(2., 1., 1.)])],
            // A ring through one position twice; a spike; a hole outside its exterior.
            vec![poly(LineString::from(vec![(0., 0.), (4., 0.), (4., 4.), (2., 0.), (0., 4.), (0., 0.)]))],
            vec![poly(LineString::from(vec![(0., 0.), (4., 0.), (2., 0.), (2., 3.), (0., 0.)]))],
            vec![Polygon::new(square(0., 0., 2.), vec![square(5., 5., 1.)])],
            // Too few positions; not finite; empty.
            vec![poly(LineString::from(vec![(0., 0.), (1., 0.), (1., 0.), (0., 0.)]))],
            vec![poly(LineString::from(vec![(0., 0.), (f64::NAN, 0.), (1., 1.), (0., 0.)]))],
            vec![Polygon::new(LineString(vec![]), vec![square(0., 0., 1.)])],
        ];
        for polygons in cases {
            check(&MultiPolygon(polygons));
        }
    }
}
