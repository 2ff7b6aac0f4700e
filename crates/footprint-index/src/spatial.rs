//! An R-tree over the bounding boxes of every polygon of an area layer, for point location and snapping.

use footprint_ingest::{Area, AreaId, Crs};
use geo::{BoundingRect, Coord};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use footprint_ingest::contains;

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The areas of a layer, indexed for locating points.
pub struct AreaIndex<'a> {
    areas: &'a [Area],
    tree: RTree<Entry>,
    crs: Crs,
}

impl<'a> AreaIndex<'a> {
    /// Builds the index (one R-tree entry per polygon part, bulk-loaded) over areas whose coordinates
    /// are in `crs` (which decides how distances in metres are measured).
    #[must_use]
    pub fn new(areas: &'a [Area], crs: Crs) -> Self {
        let entries = areas
            .iter()
            .enumerate()
            .flat_map(|(i, area)| {
                area.geometry.0.iter().filter_map(move |part| {
                    let r = part.bounding_rect()?;
                    Some(Entry::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i as u32))
                })
            })
            .collect();
        Self { areas, tree: RTree::bulk_load(entries), crs }
    }

    /// The areas this index was built over.
    #[must_use]
    pub fn areas(&self) -> &'a [Area] {
        self.areas
    }

    /// The area containing `p` under the rule of [`crate::contains`]. Where areas overlap (a layer
    /// that is not a clean coverage), the one with the smallest code wins.
    ///
    /// ```
    /// use footprint_index::AreaIndex;
    /// use footprint_ingest::{Area, AreaCode, AreaId, Crs};
    /// use geo::{Coord, MultiPolygon, polygon};
    /// let area = |code: &str, x0: f64| Area {
    ///     code: AreaCode(code.into()), name: String::new(), feature_index: 0,
    ///     geometry: MultiPolygon(vec![polygon![(x: x0, y: 0.), (x: x0 + 1., y: 0.), (x: x0 + 1., y: 1.), (x: x0, y: 1.)]]),
    /// };
    /// let areas = vec![area("A", 0.0), area("B", 1.0)];
    /// let index = AreaIndex::new(&areas, Crs::Wgs84);
    /// assert_eq!(index.locate(Coord { x: 0.5, y: 0.5 }), Some(AreaId(0)));
    /// assert_eq!(index.locate(Coord { x: 1.0, y: 0.5 }), Some(AreaId(1)));
    /// assert_eq!(index.locate(Coord { x: 5.0, y: 0.5 }), None);
    /// ```
    #[must_use]
    pub fn locate(&self, p: Coord<f64>) -> Option<AreaId> {
        self.tree
            .locate_all_at_point([p.x, p.y])
            .map(|e| e.data)
            .filter(|&i| contains(&self.areas[i as usize].geometry, p))
            .min()
            .map(AreaId)
    }

    /// The area whose boundary is nearest to `p`, if within `max_metres`, with the distance in metres
    /// (ties by smallest code). Used for points that fall in no area, e.g. just off a generalised coastline.
    #[must_use]
    pub fn nearest_within(&self, p: Coord<f64>, max_metres: f64) -> Option<(AreaId, f64)> {
        let (sx, sy) = self.metres_per_unit(p);
        let (dx, dy) = (max_metres / sx, max_metres / sy);
        let envelope = AABB::from_corners([p.x - dx, p.y - dy], [p.x + dx, p.y + dy]);
        let mut best: Option<(u32, f64)> = None;
        for entry in self.tree.locate_in_envelope_intersecting(envelope) {
            let area = &self.areas[entry.data as usize];
            let d = distance_to_boundary(area, p, sx, sy);
            let better = match best {
                None => true,
                Some((i, bd)) => d < bd || (d == bd && entry.data < i),
            };
            if better && d <= max_metres {
                best = Some((entry.data, d));
            }
        }
        best.map(|(i, d)| (AreaId(i), d))
    }

    /// Distance in metres from `p` to the boundary of `area` (0 on the boundary).
    #[must_use]
    pub fn distance_to_boundary(&self, area: AreaId, p: Coord<f64>) -> f64 {
        let (sx, sy) = self.metres_per_unit(p);
        distance_to_boundary(&self.areas[area.index()], p, sx, sy)
    }

    fn metres_per_unit(&self, p: Coord<f64>) -> (f64, f64) {
        match self.crs {
            Crs::BritishNationalGrid => (1.0, 1.0),
            // WGS84: metres per degree of longitude shrink with the cosine of latitude.
            Crs::Wgs84 => (111_320.0 * p.y.to_radians().cos().max(0.01), 110_574.0),
        }
    }
}

/// Distance in metres from `p` to the nearest edge of `area`, scaling each axis by metres per unit.
fn distance_to_boundary(area: &Area, p: Coord<f64>, sx: f64, sy: f64) -> f64 {
    let mut best = f64::INFINITY;
    for polygon in &area.geometry.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for edge in ring.0.windows(2) {
                let a = ((edge[0].x - p.x) * sx, (edge[0].y - p.y) * sy);
                let b = ((edge[1].x - p.x) * sx, (edge[1].y - p.y) * sy);
                best = best.min(point_segment_distance(a, b));
            }
        }
    }
    best
}

/// Distance from the origin to the segment a–b.
fn point_segment_distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (ex, ey) = (b.0 - a.0, b.1 - a.1);
    let len2 = ex * ex + ey * ey;
    let t = if len2 > 0.0 { (-(a.0 * ex + a.1 * ey) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (x, y) = (a.0 + t * ex, a.1 + t * ey);
    x.hypot(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use footprint_ingest::AreaCode;
    use geo::{LineString, MultiPolygon, Polygon};

    use crate::SplitMix64 as Rng;

    /// A jittered grid: cells share their (jittered) corner vertices exactly, so the cells tile the plane.
    fn jittered_grid(rng: &mut Rng, n: usize) -> Vec<Area> {
        let corner: Vec<Vec<Coord<f64>>> = (0..=n)
            .map(|i| {
                (0..=n)
                    .map(|j| {
                        let inner = i > 0 && i < n && j > 0 && j < n;
                        let jx = if inner { rng.unit() * 0.6 - 0.3 } else { 0.0 };
                        let jy = if inner { rng.unit() * 0.6 - 0.3 } else { 0.0 };
                        Coord { x: i as f64 + jx, y: j as f64 + jy }
                    })
                    .collect()
            })
            .collect();
        let mut areas = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let ring = vec![corner[i][j], corner[i + 1][j], corner[i + 1][j + 1], corner[i][j + 1], corner[i][j]];
                areas.push(Area {
                    code: AreaCode(format!("A{:04}", i * n + j)),
                    name: String::new(),
                    geometry: MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]),
                    feature_index: i * n + j,
                });
            }
        }
        areas
    }

    #[test]
    fn locate_agrees_with_a_brute_force_scan_on_seeded_random_points() {
        for seed in 1..=5 {
            let mut rng = Rng(seed);
            let areas = jittered_grid(&mut rng, 12);
            let index = AreaIndex::new(&areas, Crs::BritishNationalGrid);
            let mut vertex_hits = 0;
            for k in 0..4000 {
                // Every fourth point is a shared vertex, the hardest case for any rule.
                let p = if k % 4 == 0 {
                    vertex_hits += 1;
                    areas[(rng.next_u64() % areas.len() as u64) as usize].geometry.0[0].exterior().0
                        [(rng.next_u64() % 4) as usize]
                } else {
                    Coord { x: rng.unit() * 14.0 - 1.0, y: rng.unit() * 14.0 - 1.0 }
                };
                let brute: Vec<u32> =
                    (0..areas.len()).filter(|&i| contains(&areas[i].geometry, p)).map(|i| i as u32).collect();
                assert!(brute.len() <= 1, "point {p:?} in {brute:?}");
                assert_eq!(index.locate(p).map(|a| a.0), brute.first().copied(), "seed {seed} point {p:?}");
                // Inside the grid's interior every point has exactly one owner.
                if p.x > 0.0 && p.x < 12.0 && p.y > 0.0 && p.y < 12.0 {
                    assert_eq!(brute.len(), 1, "interior point {p:?} has no owner");
                }
            }
            assert!(vertex_hits > 0);
        }
    }

    /// Centroid assignment (R-tree location, then snapping within the limit) equals a scan of every area:
    /// the lowest-coded area containing the point, else the nearest within the limit (ties by code).
    #[test]
    fn centroid_assignment_agrees_with_a_brute_force_scan() {
        use footprint_ingest::{Centroids, LsoaCode};
        for seed in 11..=14 {
            let mut rng = Rng(seed);
            let areas = jittered_grid(&mut rng, 8);
            let index = AreaIndex::new(&areas, Crs::BritishNationalGrid);
            // Points over and around the grid (it spans 0..8): inside, on shared vertices, just off its
            // edge (snapped) and far off it (outside); a few codes have no point at all.
            let mut centroids = Centroids::default();
            let mut codes = Vec::new();
            for k in 0..1500 {
                let code = LsoaCode(format!("L{k:04}"));
                let p = if k % 5 == 0 {
                    areas[(rng.next_u64() % areas.len() as u64) as usize].geometry.0[0].exterior().0
                        [(rng.next_u64() % 4) as usize]
                } else {
                    Coord { x: rng.unit() * 10.0 - 1.0, y: rng.unit() * 10.0 - 1.0 }
                };
                if k % 97 != 0 {
                    centroids.points.insert(code.clone(), p);
                }
                codes.push(code);
            }
            let snap = 0.4;
            let assignment = crate::assign_by_centroids(&codes, &centroids, &index, snap);
            let mut snapped = Vec::new();
            for (code, placement) in codes.iter().zip(&assignment.placements) {
                let expected = match centroids.points.get(code) {
                    None => crate::Placement::UnknownLsoa,
                    Some(&p) => match (0..areas.len()).find(|&i| contains(&areas[i].geometry, p)) {
                        Some(i) => crate::Placement::Area(AreaId(i as u32)),
                        None => {
                            let nearest = (0..areas.len())
                                .map(|i| (distance_to_boundary(&areas[i], p, 1.0, 1.0), i))
                                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                                .filter(|(d, _)| *d <= snap);
                            match nearest {
                                Some((d, i)) => {
                                    snapped.push((code.clone(), AreaId(i as u32), d));
                                    crate::Placement::Area(AreaId(i as u32))
                                }
                                None => crate::Placement::OutsideLayer,
                            }
                        }
                    },
                };
                assert_eq!(*placement, expected, "seed {seed} {code}");
            }
            let got: Vec<_> = assignment.snapped.iter().map(|s| (s.lsoa.clone(), s.area, s.metres)).collect();
            assert_eq!(got, snapped, "seed {seed}");
            assert!(!snapped.is_empty());
            assert!(assignment.placements.contains(&crate::Placement::OutsideLayer));
        }
    }

    #[test]
    fn nearest_within_measures_metres_and_respects_the_limit() {
        let mut rng = Rng(7);
        let areas = jittered_grid(&mut rng, 3);
        let index = AreaIndex::new(&areas, Crs::BritishNationalGrid);
        // 0.25 west of the grid's west edge, level with the middle of cell A0001 (x 0..1, y 1..2).
        let p = Coord { x: -0.25, y: 1.5 };
        assert_eq!(index.locate(p), None);
        let (area, d) = index.nearest_within(p, 1.0).unwrap();
        assert_eq!(areas[area.index()].code.as_str(), "A0001");
        assert!((d - 0.25).abs() < 1e-12, "{d}");
        assert_eq!(index.nearest_within(p, 0.2), None);
    }
}
