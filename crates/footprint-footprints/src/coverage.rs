//! Making a layer a clean coverage for dissolving: vertices of different areas that are within a
//! millimetre of each other are made identical, so that shared boundaries share their vertices exactly.
//! (Done on a copy of the geometry when footprints are drawn; the layer itself keeps its vertices.)
//!
//! Boundary files reprojected by GIS tools carry float noise: the ONS MSOA layer's neighbouring areas
//! repeat each shared vertex with differences around 1e-11 degrees (a few up to 1e-8). Exact dissolves
//! and edge matching need bit-identical vertices, so each vertex is replaced by the first vertex, in
//! area-code order, within the tolerance of it: an original vertex, never a grid point.

use geo::{Coord, LineString};
use rustc_hash::FxHashMap;

use geo::MultiPolygon;

use footprint_ingest::Crs;

/// The tolerance: 1e-8 degrees (about 1.1 mm) or 1 mm on the British National Grid.
#[must_use]
pub fn coincidence_tolerance(crs: Crs) -> f64 {
    match crs {
        Crs::Wgs84 => 1e-8,
        Crs::BritishNationalGrid => 1e-3,
    }
}

/// The distinct vertices of a layer after [`unify_vertices`], numbered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VertexNumbers {
    /// Each vertex's position, by number.
    pub positions: Vec<Coord<f64>>,
    /// For each area, the numbers of its rings' vertices in order (each polygon's exterior, then its
    /// holes; polygon by polygon), concatenated: the ring lengths are those of the area's geometry.
    pub rings: Vec<Vec<u32>>,
}

impl VertexNumbers {
    /// How many distinct positions there are.
    #[must_use]
    pub fn distinct(&self) -> usize {
        self.positions.len()
    }
}

/// A grid cell of side 64 × the tolerance.
type Bucket = (i64, i64);
/// A vertex that others within the tolerance move onto, and its number.
type Representative = (Coord<f64>, u32);

/// Makes vertices within `tolerance` (in both x and y) of an earlier vertex identical to it, and numbers
/// the distinct vertices (two vertices have one number exactly when they are at the same position). Give
/// the areas in code order; rings keep at least four positions.
pub fn unify_vertices(areas: &mut [MultiPolygon<f64>], tolerance: f64) -> VertexNumbers {
    let cell = tolerance * 64.0;
    let vertices: usize = areas.iter().flat_map(|a| a.0.iter()).map(|p| p.exterior().0.len()).sum();
    // Almost every bucket holds one representative; the few that hold more keep the rest in `more`.
    // Neighbouring areas repeat most vertices, so about half of them are representatives.
    let mut buckets: FxHashMap<Bucket, Representative> =
        FxHashMap::with_capacity_and_hasher(vertices / 2, rustc_hash::FxBuildHasher);
    let mut more: FxHashMap<Bucket, Vec<Representative>> = FxHashMap::default();
    let mut positions: Vec<Coord<f64>> = Vec::with_capacity(vertices);
    let bucket = |v: f64| (v / cell).floor() as i64;
    let mut numbers = Vec::with_capacity(areas.len());
    for area in areas.iter_mut() {
        let mut area_numbers: Vec<u32> = Vec::new();
        for polygon in &mut area.0 {
            let mut fix = |ring: &mut LineString<f64>| {
                let start = area_numbers.len();
                let mut changed = false;
                for c in &mut ring.0 {
                    let (bx, by) = (bucket(c.x), bucket(c.y));
                    // Neighbouring buckets matter only within `tolerance` of a bucket's edge.
                    let near = |v: f64, b: i64| {
                        let lo = b as f64 * cell;
                        (if v - lo <= tolerance { -1 } else { 0 }, if lo + cell - v <= tolerance { 1 } else { 0 })
                    };
                    let ((x0, x1), (y0, y1)) = (near(c.x, bx), near(c.y, by));
                    let mut found = None;
                    'search: for dx in x0..=x1 {
                        for dy in y0..=y1 {
                            // Saturating: a coordinate far out (1e53) puts its bucket at the end of the range.
                            let b = (bx.saturating_add(dx), by.saturating_add(dy));
                            let near = |r: &&(Coord<f64>, u32)| {
                                (r.0.x - c.x).abs() <= tolerance && (r.0.y - c.y).abs() <= tolerance
                            };
                            if let Some(r) = buckets.get(&b).filter(near) {
                                found = Some(*r);
                                break 'search;
                            }
                            if let Some(r) = more.get(&b).and_then(|reps| reps.iter().find(near)) {
                                found = Some(*r);
                                break 'search;
                            }
                        }
                    }
                    match found {
                        Some((r, number)) => {
                            if r != *c {
                                *c = r;
                                changed = true;
                            }
                            area_numbers.push(number);
                        }
                        None => {
                            let number = positions.len() as u32;
                            positions.push(*c);
                            area_numbers.push(number);
                            match buckets.entry((bx, by)) {
                                std::collections::hash_map::Entry::Vacant(v) => {
                                    v.insert((*c, number));
                                }
                                std::collections::hash_map::Entry::Occupied(_) => {
                                    more.entry((bx, by)).or_default().push((*c, number));
                                }
                            }
                        }
                    }
                }
                if changed {
                    // Drop repeats that moving made (a vertex's number repeats exactly when its position does).
                    let ring_numbers = &area_numbers[start..];
                    let mut kept: Vec<(Coord<f64>, u32)> = Vec::with_capacity(ring.0.len());
                    for (c, &n) in ring.0.iter().zip(ring_numbers) {
                        if kept.last().map(|k| k.1) != Some(n) {
                            kept.push((*c, n));
                        }
                    }
                    if kept.len() >= 4 {
                        ring.0 = kept.iter().map(|k| k.0).collect();
                        area_numbers.truncate(start);
                        area_numbers.extend(kept.iter().map(|k| k.1));
                    }
                }
            };
            polygon.exterior_mut(&mut fix);
            polygon.interiors_mut(|holes| holes.iter_mut().for_each(&mut fix));
        }
        numbers.push(area_numbers);
    }
    VertexNumbers { positions, rings: numbers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Polygon;

    fn area(_code: &str, ring: &[(f64, f64)]) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(LineString::from(ring.to_vec()), vec![])])
    }

    #[test]
    fn repeats_made_by_moving_are_dropped_with_their_numbers() {
        // B's second vertex is a hair from its first: both become (1, 0), and the repeat goes.
        let mut areas = vec![
            area("A", &[(0., 0.), (1., 0.), (1., 1.), (0., 1.), (0., 0.)]),
            area("B", &[(1., 0.), (1. + 1e-12, 0.), (2., 0.), (2., 1.), (1., 1.), (1., 0.)]),
        ];
        let numbers = unify_vertices(&mut areas, 1e-8);
        assert_eq!(areas[1].0[0].exterior().0.len(), 5);
        assert_eq!(numbers.rings[1], [1, 4, 5, 2, 1]);
    }

    #[test]
    fn near_vertices_take_the_first_areas_coordinates() {
        let noise = 3e-12;
        let mut areas = vec![
            area("A", &[(0., 0.), (1., 0.), (1., 1.), (0., 1.), (0., 0.)]),
            area("B", &[(1. + noise, 0.), (2., 0.), (2., 1.), (1., 1. - noise), (1. + noise, 0.)]),
            // 1 cm away: a different vertex, left alone.
            area("C", &[(1.0000001, 2.), (2., 2.), (2., 3.), (1.0000001, 2.)]),
        ];
        let numbers = unify_vertices(&mut areas, 1e-8);
        let b = &areas[1].0[0].exterior().0;
        assert_eq!((b[0], b[3], b[4]), (Coord { x: 1., y: 0. }, Coord { x: 1., y: 1. }, Coord { x: 1., y: 0. }));
        assert_eq!(areas[2].0[0].exterior().0[0].x, 1.0000001);
        // A's four corners, B's two new ones, C's three: nine positions, shared ones numbered once.
        assert_eq!(numbers.distinct(), 9);
        assert_eq!(numbers.rings, [vec![0, 1, 2, 3, 0], vec![1, 4, 5, 2, 1], vec![6, 7, 8, 6]]);
        assert_eq!(numbers.positions[1], Coord { x: 1., y: 0. });
    }

    /// Found by the `layer` fuzzer: a vertex at 2.2e53 has its bucket at i64::MAX, whose neighbour overflowed.
    #[test]
    fn far_out_vertices_do_not_overflow_the_buckets() {
        let far = 2.2e53;
        let mut areas = vec![
            area("A", &[(0., 0.), (1., 0.), (1., far), (0., 0.)]),
            area("B", &[(1., 0.), (2., 0.), (1., far), (1., 0.)]),
        ];
        // Nothing moves: (1, 0) and (1, far) are shared exactly, so four distinct positions.
        assert_eq!(unify_vertices(&mut areas, 1e-8).distinct(), 4);
        assert_eq!(areas[1].0[0].exterior().0[2], Coord { x: 1., y: far });
    }
}
