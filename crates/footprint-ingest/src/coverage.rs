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

use crate::Crs;

/// The tolerance: 1e-8 degrees (about 1.1 mm) or 1 mm on the British National Grid.
#[must_use]
pub fn coincidence_tolerance(crs: Crs) -> f64 {
    match crs {
        Crs::Wgs84 => 1e-8,
        Crs::BritishNationalGrid => 1e-3,
    }
}

/// Makes vertices within `tolerance` (in both x and y) of an earlier vertex identical to it; returns how
/// many vertices moved. Give the areas in code order; rings keep at least four positions.
pub fn unify_vertices(areas: &mut [MultiPolygon<f64>], tolerance: f64) -> usize {
    let cell = tolerance * 64.0;
    let vertices: usize = areas.iter().flat_map(|a| a.0.iter()).map(|p| p.exterior().0.len()).sum();
    // Almost every bucket holds one representative; the few that hold more keep the rest in `more`.
    let mut buckets: FxHashMap<(i64, i64), Coord<f64>> =
        FxHashMap::with_capacity_and_hasher(vertices, rustc_hash::FxBuildHasher);
    let mut more: FxHashMap<(i64, i64), Vec<Coord<f64>>> = FxHashMap::default();
    let mut moved = 0;
    #[allow(clippy::cast_possible_truncation)]
    let bucket = |v: f64| (v / cell).floor() as i64;
    for area in areas.iter_mut() {
        for polygon in &mut area.0 {
            let mut fix = |ring: &mut LineString<f64>| {
                let mut changed = false;
                for c in &mut ring.0 {
                    let (bx, by) = (bucket(c.x), bucket(c.y));
                    // Neighbouring buckets matter only within `tolerance` of a bucket's edge.
                    let near = |v: f64, b: i64| {
                        #[allow(clippy::cast_precision_loss)]
                        let lo = b as f64 * cell;
                        (if v - lo <= tolerance { -1 } else { 0 }, if lo + cell - v <= tolerance { 1 } else { 0 })
                    };
                    let ((x0, x1), (y0, y1)) = (near(c.x, bx), near(c.y, by));
                    let mut found = None;
                    'search: for dx in x0..=x1 {
                        for dy in y0..=y1 {
                            // Saturating: a coordinate far out (1e53) puts its bucket at the end of the range.
                            let b = (bx.saturating_add(dx), by.saturating_add(dy));
                            let near =
                                |r: &Coord<f64>| (r.x - c.x).abs() <= tolerance && (r.y - c.y).abs() <= tolerance;
                            if let Some(r) = buckets.get(&b).filter(|r| near(r)) {
                                found = Some(*r);
                                break 'search;
                            }
                            if let Some(r) = more.get(&b).and_then(|reps| reps.iter().find(|r| near(r))) {
                                found = Some(*r);
                                break 'search;
                            }
                        }
                    }
                    match found {
                        Some(r) if r != *c => {
                            *c = r;
                            moved += 1;
                            changed = true;
                        }
                        Some(_) => {}
                        None => match buckets.entry((bx, by)) {
                            std::collections::hash_map::Entry::Vacant(v) => {
                                v.insert(*c);
                            }
                            std::collections::hash_map::Entry::Occupied(_) => {
                                more.entry((bx, by)).or_default().push(*c)
                            }
                        },
                    }
                }
                if changed {
                    let mut kept: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
                    for c in &ring.0 {
                        if kept.last() != Some(c) {
                            kept.push(*c);
                        }
                    }
                    if kept.len() >= 4 {
                        ring.0 = kept;
                    }
                }
            };
            polygon.exterior_mut(&mut fix);
            polygon.interiors_mut(|holes| holes.iter_mut().for_each(&mut fix));
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Polygon;

    fn area(_code: &str, ring: &[(f64, f64)]) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(LineString::from(ring.to_vec()), vec![])])
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
        assert_eq!(unify_vertices(&mut areas, 1e-8), 3);
        let b = &areas[1].0[0].exterior().0;
        assert_eq!((b[0], b[3], b[4]), (Coord { x: 1., y: 0. }, Coord { x: 1., y: 1. }, Coord { x: 1., y: 0. }));
        assert_eq!(areas[2].0[0].exterior().0[0].x, 1.0000001);
    }

    /// Found by the `layer` fuzzer: a vertex at 2.2e53 has its bucket at i64::MAX, whose neighbour overflowed.
    #[test]
    fn far_out_vertices_do_not_overflow_the_buckets() {
        let far = 2.2e53;
        let mut areas = vec![
            area("A", &[(0., 0.), (1., 0.), (1., far), (0., 0.)]),
            area("B", &[(1., 0.), (2., 0.), (1., far), (1., 0.)]),
        ];
        assert_eq!(unify_vertices(&mut areas, 1e-8), 0);
        assert_eq!(areas[1].0[0].exterior().0[2], Coord { x: 1., y: far });
    }
}
