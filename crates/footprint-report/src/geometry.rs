//! Geometry for display only: British National Grid projection, simplification and compact SVG paths.

use geo::{Area, BoundingRect, Coord, LineString, MultiPolygon, Polygon, Rect, Simplify};
use rayon::prelude::*;

/// Projects WGS84 polygons onto the British National Grid (metres), so that England looks as on OS maps.
#[must_use]
pub fn to_bng(geometry: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    use footprint_ingest::Crs;
    footprint_ingest::reproject(geometry, Crs::Wgs84, Crs::BritishNationalGrid).into_owned()
}

/// Projects many geometries in parallel.
#[must_use]
pub fn all_to_bng<'a>(geometries: impl IntoParallelIterator<Item = &'a MultiPolygon<f64>>) -> Vec<MultiPolygon<f64>> {
    geometries.into_par_iter().map(to_bng).collect()
}

/// Simplifies projected polygons for display (Ramer–Douglas–Peucker, `tolerance` in metres): rings keep
/// at least four positions; polygons smaller than a tolerance square are dropped, except the largest, so
/// that every area keeps a shape to draw.
#[must_use]
pub fn simplify_for_display(geometry: &MultiPolygon<f64>, tolerance: f64) -> MultiPolygon<f64> {
    let min_area = tolerance * tolerance;
    MultiPolygon(
        visible_parts(geometry, tolerance)
            .map(|(_, p)| {
                let p = p.simplify(tolerance);
                let holes =
                    p.interiors().iter().filter(|h| Polygon::new((*h).clone(), vec![]).unsigned_area() >= min_area);
                Polygon::new(p.exterior().clone(), holes.cloned().collect())
            })
            .collect(),
    )
}

/// The polygons of an area worth drawing at `tolerance`: those of at least a tolerance square, and the
/// largest in any case.
fn visible_parts(geometry: &MultiPolygon<f64>, tolerance: f64) -> impl Iterator<Item = (usize, &Polygon<f64>)> {
    let largest = geometry
        .0
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.unsigned_area().total_cmp(&b.1.unsigned_area()))
        .map(|(i, _)| i);
    geometry
        .0
        .iter()
        .enumerate()
        .filter(move |(i, p)| Some(*i) == largest || p.unsigned_area() >= tolerance * tolerance)
}

/// A vertex, by the bits of its coordinates: neighbours share vertices exactly.
type Key = (u64, u64);

fn key(c: Coord<f64>) -> Key {
    (c.x.to_bits(), c.y.to_bits())
}

fn edge(a: Key, b: Key) -> (Key, Key) {
    if a < b { (a, b) } else { (b, a) }
}

fn rings(geometry: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    geometry.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Where the rings of a coverage must keep their vertices when simplified: for every vertex of every
/// ring (areas, then polygons, then exterior and holes, in order; closing positions left out), whether
/// the areas meeting change there (it is on three or more rings, or the edges before and after it are
/// shared by different numbers of rings). Found with two parallel sorts, independent of the tolerance,
/// so one topology serves every simplification of the same areas.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// Where each ring's vertices start in `junction`, one entry per ring and a last one for the end.
    starts: Vec<usize>,
    /// Per vertex: keep it.
    junction: Vec<bool>,
}

/// A ring's positions without its closing one.
fn open(ring: &LineString<f64>) -> &[Coord<f64>] {
    let points = &ring.0[..];
    if points.len() > 1 && points.first() == points.last() { &points[..points.len() - 1] } else { points }
}

/// Counts each key of `items` (sorted by key) and gives every item's index its key's count.
fn spread<K: Ord + Copy + Send + Sync>(mut items: Vec<(K, u32, u32)>, n: usize, distinct_second: bool) -> Vec<u32> {
    items.par_sort_unstable();
    let mut out = vec![0u32; n];
    for group in items.chunk_by(|a, b| a.0 == b.0) {
        let count =
            if distinct_second { 1 + group.windows(2).filter(|w| w[0].1 != w[1].1).count() } else { group.len() };
        for item in group {
            out[item.2 as usize] = u32::try_from(count).unwrap_or(u32::MAX);
        }
    }
    out
}

impl Topology {
    /// The topology of `areas` (every ring of every polygon).
    #[must_use]
    pub fn of(areas: &[MultiPolygon<f64>]) -> Self {
        let all: Vec<&[Coord<f64>]> = areas.iter().flat_map(rings).map(open).collect();
        let mut starts = Vec::with_capacity(all.len() + 1);
        let mut total = 0usize;
        for r in &all {
            starts.push(total);
            total += r.len();
        }
        starts.push(total);
        let id = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        let (next_edge, rings_at) = rayon::join(
            || {
                let items: Vec<((Key, Key), u32, u32)> = (0..all.len())
                    .into_par_iter()
                    .flat_map_iter(|r| {
                        let (points, start) = (all[r], starts[r]);
                        (0..points.len()).map(move |i| {
                            let (a, b) = (points[i], points[(i + 1) % points.len()]);
                            (edge(key(a), key(b)), 0, id(start + i))
                        })
                    })
                    .collect();
                spread(items, total, false)
            },
            || {
                let items: Vec<(Key, u32, u32)> = (0..all.len())
                    .into_par_iter()
                    .flat_map_iter(|r| {
                        let start = starts[r];
                        all[r].iter().enumerate().map(move |(i, &c)| (key(c), id(r), id(start + i)))
                    })
                    .collect();
                spread(items, total, true)
            },
        );
        let junction = (0..all.len())
            .into_par_iter()
            .flat_map_iter(|r| {
                let (start, n) = (starts[r], all[r].len());
                let (next_edge, rings_at) = (&next_edge, &rings_at);
                (0..n).map(move |i| {
                    let prev = start + (i + n - 1) % n;
                    rings_at[start + i] >= 3 || next_edge[prev] != next_edge[start + i]
                })
            })
            .collect();
        Self { starts, junction }
    }

    /// Simplifies one ring of the coverage (ring number `r`): junctions kept, each chain between them
    /// simplified alone.
    fn simplify_ring(&self, r: usize, ring: &LineString<f64>, tolerance: f64) -> LineString<f64> {
        let points = open(ring);
        let n = points.len();
        if n < 4 {
            return ring.clone();
        }
        let junction = &self.junction[self.starts[r]..self.starts[r + 1]];
        let kept: Vec<usize> = (0..n).filter(|&i| junction[i]).collect();
        let start = match kept.first() {
            Some(&i) => i,
            None => (0..n).min_by_key(|&i| key(points[i])).unwrap_or(0),
        };
        let mut breaks: Vec<usize> = kept.iter().map(|&i| (i + n - start) % n).collect();
        if breaks.is_empty() {
            breaks.push(0);
        }
        breaks.sort_unstable();
        breaks.push(n);
        let at = |i: usize| points[(start + i) % n];
        let mut out: Vec<Coord<f64>> = vec![at(0)];
        for w in breaks.windows(2) {
            let chain = LineString((w[0]..=w[1]).map(at).collect());
            out.extend(chain.simplify(tolerance).0.into_iter().skip(1));
        }
        if out.len() < 4 { ring.clone() } else { LineString(out) }
    }

    /// [`simplify_coverage`] of the `areas` this topology was made of.
    #[must_use]
    pub fn simplify(&self, areas: &[MultiPolygon<f64>], tolerance: f64) -> Vec<MultiPolygon<f64>> {
        // The number of each area's first ring.
        let mut first = Vec::with_capacity(areas.len());
        let mut rings = 0usize;
        for a in areas {
            first.push(rings);
            rings += a.0.iter().map(|p| 1 + p.interiors().len()).sum::<usize>();
        }
        areas
            .par_iter()
            .zip(first)
            .map(|(geometry, first)| {
                let mut ring_of = Vec::with_capacity(geometry.0.len());
                let mut r = first;
                for p in &geometry.0 {
                    ring_of.push(r);
                    r += 1 + p.interiors().len();
                }
                MultiPolygon(
                    visible_parts(geometry, tolerance)
                        .map(|(k, p)| {
                            let r = ring_of[k];
                            Polygon::new(
                                self.simplify_ring(r, p.exterior(), tolerance),
                                p.interiors()
                                    .iter()
                                    .enumerate()
                                    .map(|(h, ring)| self.simplify_ring(r + 1 + h, ring, tolerance))
                                    .collect(),
                            )
                        })
                        .collect(),
                )
            })
            .collect()
    }
}

/// Simplifies a coverage (areas that share boundaries vertex for vertex) for display so that neighbours
/// stay joined: every vertex where the areas meeting change (a junction of three areas, or where a
/// shared boundary meets the coast) is kept, and each chain between two kept vertices is simplified on
/// its own (Ramer–Douglas–Peucker, `tolerance` in metres), the same way from either side. A ring with
/// no such vertex starts from its smallest vertex, which its neighbour picks too. Polygons smaller than a
/// tolerance square are dropped, except each area's largest; holes are kept.
#[must_use]
pub fn simplify_coverage(areas: &[MultiPolygon<f64>], tolerance: f64) -> Vec<MultiPolygon<f64>> {
    Topology::of(areas).simplify(areas, tolerance)
}

/// The bounding box of many geometries, if any has a position.
#[must_use]
pub fn extent<'a>(geometries: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Option<Rect<f64>> {
    geometries.into_iter().filter_map(BoundingRect::bounding_rect).reduce(|a, b| {
        Rect::new(
            Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    })
}

/// Maps projected metres to integer SVG units: x east from the extent's west edge, y south from its
/// north edge, `unit` metres each.
#[derive(Clone, Copy, Debug)]
pub struct SvgFrame {
    /// West edge (metres).
    pub min_x: f64,
    /// North edge (metres).
    pub max_y: f64,
    /// Metres per SVG unit.
    pub unit: f64,
}

impl SvgFrame {
    fn point(&self, c: Coord<f64>) -> (i64, i64) {
        (((c.x - self.min_x) / self.unit).round() as i64, ((self.max_y - c.y) / self.unit).round() as i64)
    }

    /// The SVG path of projected polygons: `M x y` then relative `l` steps, one subpath per ring; steps
    /// that rounding makes empty are dropped, and so are rings left with fewer than three positions.
    #[must_use]
    pub fn path(&self, geometry: &MultiPolygon<f64>) -> String {
        let mut out = String::new();
        for polygon in &geometry.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                self.push_ring(&mut out, ring);
            }
        }
        out
    }

    fn push_ring(&self, out: &mut String, ring: &LineString<f64>) {
        let mut points: Vec<(i64, i64)> = Vec::with_capacity(ring.0.len());
        for &c in &ring.0 {
            let p = self.point(c);
            if points.last() != Some(&p) {
                points.push(p);
            }
        }
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        if points.len() < 3 {
            return;
        }
        let (mut x, mut y) = points[0];
        out.push('M');
        push_pair(out, x, y);
        out.push('l');
        for (i, &(px, py)) in points[1..].iter().enumerate() {
            if i > 0 && px - x >= 0 {
                out.push(' ');
            }
            push_pair(out, px - x, py - y);
            (x, y) = (px, py);
        }
        out.push('z');
    }
}

fn push_pair(out: &mut String, x: i64, y: i64) {
    use std::fmt::Write;
    let _ = if y < 0 { write!(out, "{x}{y}") } else { write!(out, "{x} {y}") };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
        Polygon::new(LineString::from(vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y)]), vec![])
    }

    #[test]
    fn paths_are_relative_integer_steps_north_up() {
        let frame = SvgFrame { min_x: 0.0, max_y: 1000.0, unit: 10.0 };
        let path = frame.path(&MultiPolygon(vec![square(0.0, 0.0, 100.0)]));
        // (0,0) is 100 units south of the north edge; east is +x, north is −y.
        assert_eq!(path, "M0 100l10 0 0-10-10 0z");
    }

    #[test]
    fn neighbours_simplify_their_shared_boundary_alike() {
        // Two squares sharing a wiggly edge x = 100 (wiggles of 1 m, well under the tolerance).
        let wiggle: Vec<(f64, f64)> = (0..=10).map(|i| (100.0 + f64::from(i % 2), f64::from(i) * 10.0)).collect();
        let mut west = vec![(0.0, 0.0)];
        west.extend(wiggle.iter().copied());
        west.extend([(0.0, 100.0), (0.0, 0.0)]);
        let mut east: Vec<(f64, f64)> = wiggle.iter().rev().copied().collect();
        east.extend([(200.0, 0.0), (200.0, 100.0)]);
        east.rotate_left(3); // start mid-boundary: the shared chain must still be cut at the corners
        east.push(east[0]);
        let areas = [
            MultiPolygon(vec![Polygon::new(LineString::from(west), vec![])]),
            MultiPolygon(vec![Polygon::new(LineString::from(east), vec![])]),
        ];
        let simplified = simplify_coverage(&areas, 5.0);
        let shared = |g: &MultiPolygon<f64>| {
            let mut v: Vec<(u64, u64)> =
                g.0[0].exterior().0.iter().filter(|c| c.x >= 99.0 && c.x <= 101.0).map(|&c| key(c)).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        // The wiggle is gone and both sides keep the same two corners.
        assert_eq!(shared(&simplified[0]), shared(&simplified[1]));
        assert_eq!(shared(&simplified[0]).len(), 2);
    }

    #[test]
    fn simplification_keeps_the_largest_part_and_drops_specks() {
        let big = square(0.0, 0.0, 1000.0);
        let speck = square(5000.0, 0.0, 10.0);
        let kept = simplify_for_display(&MultiPolygon(vec![speck.clone(), big]), 50.0);
        assert_eq!(kept.0.len(), 1);
        assert!((kept.0[0].unsigned_area() - 1e6).abs() < 1e-6);
        // A speck on its own is still drawn.
        assert_eq!(simplify_for_display(&MultiPolygon(vec![speck]), 50.0).0.len(), 1);
    }
}
