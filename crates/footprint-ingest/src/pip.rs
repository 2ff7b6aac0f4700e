//! The exact point-in-polygon rule (the spatial index places LSOAs by it; the shapefile reader nests holes by it): even–odd crossings with half-open edges and robust orientation.
//!
//! A point strictly inside an area is in it; a point strictly outside is not. A point exactly on a
//! boundary shared by two areas belongs to exactly one of them: the area to its **east** (on an
//! east–west boundary, the area to its **north**). This follows from counting an edge only when the
//! point's y lies in `[ymin, ymax)` and only when the point is strictly left of the upward edge, with
//! the orientation computed exactly (Shewchuk's adaptive predicates), so no rounding can put a point
//! in two areas or in none.

use geo::{Coord, LineString, MultiPolygon};

/// Whether `p` is in `area` under the rule above (holes and multiple parts by even–odd parity).
///
/// ```
/// use geo::{Coord, MultiPolygon, polygon};
/// let west = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]]);
/// let east = MultiPolygon(vec![polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)]]);
/// let on_shared_edge = Coord { x: 1.0, y: 0.5 };
/// assert!(!footprint_ingest::contains(&west, on_shared_edge));
/// assert!(footprint_ingest::contains(&east, on_shared_edge));
/// ```
#[must_use]
pub fn contains(area: &MultiPolygon<f64>, p: Coord<f64>) -> bool {
    let mut inside = false;
    for polygon in &area.0 {
        inside ^= ring_contains(polygon.exterior(), p);
        for hole in polygon.interiors() {
            inside ^= ring_contains(hole, p);
        }
    }
    inside
}

/// Whether `p` is inside one ring under the rule above (parity of the crossings of the rightward ray
/// from `p` with `ring`).
#[must_use]
pub fn ring_contains(ring: &LineString<f64>, p: Coord<f64>) -> bool {
    let mut odd = false;
    for edge in ring.0.windows(2) {
        if crosses_ray(edge[0], edge[1], p) {
            odd = !odd;
        }
    }
    odd
}

/// Whether the edge `a`–`b` crosses the rightward ray from `p` under the rule above.
#[must_use]
pub fn crosses_ray(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> bool {
    if (a.y > p.y) == (b.y > p.y) {
        return false;
    }
    let (lower, upper) = if a.y < b.y { (a, b) } else { (b, a) };
    orient(lower, upper, p) > 0.0
}

/// Positive when `c` is strictly left of the line from `a` to `b` (`a`, `b`, `c` counter-clockwise),
/// negative when strictly right, zero when on it; exact in sign (Shewchuk's adaptive predicate).
///
/// ```
/// use geo::Coord;
/// let (a, b) = (Coord { x: 0., y: 0. }, Coord { x: 1., y: 0. });
/// assert!(footprint_ingest::orient(a, b, Coord { x: 0.5, y: 1e-300 }) > 0.0);
/// assert_eq!(footprint_ingest::orient(a, b, Coord { x: 7., y: 0. }), 0.0);
/// ```
#[must_use]
pub fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    let rc = |p: Coord<f64>| robust::Coord { x: p.x, y: p.y };
    robust::orient2d(rc(a), rc(b), rc(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]])
    }

    /// Which of a 2×2 grid of unit squares owns the point.
    fn owner(p: Coord<f64>) -> Vec<usize> {
        let grid = [square(0., 0., 1., 1.), square(1., 0., 2., 1.), square(0., 1., 1., 2.), square(1., 1., 2., 2.)];
        grid.iter().enumerate().filter(|(_, g)| contains(g, p)).map(|(i, _)| i).collect()
    }

    fn check(x: f64, y: f64, expected: &[usize]) {
        assert_eq!(owner(Coord { x, y }), expected, "point ({x}, {y})");
    }

    #[test]
    fn shared_edges_and_vertices_go_to_exactly_one_square() {
        check(0.5, 0.5, &[0]);
        check(1.0, 0.5, &[1]); // vertical shared edge: east
        check(0.5, 1.0, &[2]); // horizontal shared edge: north
        check(1.0, 1.0, &[3]); // the corner all four share: north-east
        check(1.0, 1.5, &[3]);
        check(1.5, 1.0, &[3]);
        check(0.0, 0.5, &[0]); // the outer west edge belongs to the square east of it
        check(2.0, 0.5, &[]); // the outer east edge belongs to nobody
        check(3.0, 3.0, &[]);
    }

    #[test]
    fn holes_and_parts_follow_even_odd() {
        let with_hole = MultiPolygon(vec![geo::Polygon::new(
            LineString::from(vec![(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)]),
            vec![LineString::from(vec![(1., 1.), (3., 1.), (3., 3.), (1., 3.), (1., 1.)])],
        )]);
        assert!(contains(&with_hole, Coord { x: 0.5, y: 0.5 }));
        assert!(!contains(&with_hole, Coord { x: 2.0, y: 2.0 }));
        let island = square(1.5, 1.5, 2.5, 2.5);
        let both = MultiPolygon(with_hole.0.iter().chain(island.0.iter()).cloned().collect());
        assert!(contains(&both, Coord { x: 2.0, y: 2.0 }));
    }

    #[test]
    fn diagonal_shared_edge_is_decided_exactly() {
        // Two triangles sharing the diagonal from (0,0) to (3,1); points on it have coordinates
        // that are not exactly representable, so only an exact orientation keeps them in one triangle.
        let lower = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 3., y: 0.), (x: 3., y: 1.)]]);
        let upper = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 3., y: 1.), (x: 0., y: 1.)]]);
        for i in 1..1000 {
            let t = f64::from(i) / 1000.0;
            let p = Coord { x: 3.0 * t, y: t };
            assert_eq!(u8::from(contains(&lower, p)) + u8::from(contains(&upper, p)), 1, "t = {t}");
        }
    }
}
