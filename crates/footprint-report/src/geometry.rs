//! Geometry for display only: British National Grid projection, simplification and compact SVG paths.

use geo::{Area, BoundingRect, Coord, LineString, MapCoords, MultiPolygon, Polygon, Rect, Simplify, SimplifyIdx};
use rayon::prelude::*;

/// Projects WGS84 polygons onto the British National Grid (metres), so that England looks as on OS maps.
#[must_use]
pub fn to_bng(geometry: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    use footprint_ingest::Crs;
    footprint_ingest::reproject(geometry, Crs::Wgs84, Crs::BritishNationalGrid).into_owned()
}

/// The projection the pictures draw with: onto the British National Grid as [`to_bng`], the datum
/// shift interpolated from a grid over the areas drawn (under a millimetre from the exact shift, three
/// times faster; see [`footprint_ingest::AreaMeter`]).
#[derive(Clone, Debug)]
pub struct Projection(footprint_ingest::AreaMeter);

impl Projection {
    /// The projection for polygons within the extent of `areas` (WGS84).
    #[must_use]
    pub fn over(areas: &[&MultiPolygon<f64>]) -> Self {
        Self(footprint_ingest::AreaMeter::over(footprint_ingest::Crs::Wgs84, areas.iter().copied()))
    }

    /// One position in metres.
    #[must_use]
    pub fn point(&self, c: Coord<f64>) -> Coord<f64> {
        self.0.to_bng(c)
    }

    /// Many geometries in metres, in parallel.
    #[must_use]
    pub fn all(&self, geometries: &[&MultiPolygon<f64>]) -> Vec<MultiPolygon<f64>> {
        geometries.par_iter().map(|g| g.map_coords(|c| self.point(c))).collect()
    }
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

/// Every ring of `geometry`: each polygon's exterior, then its holes, polygon by polygon.
pub(crate) fn rings(geometry: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    geometry.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Where the rings of a coverage must keep their vertices when simplified: for every vertex of every
/// ring (areas, then polygons, then exterior and holes, in order; closing positions left out), whether
/// the areas meeting change there (it is on three or more rings, or the edges before and after it are
/// shared by different numbers of rings). Found with two parallel sorts, independent of the tolerance,
/// so one topology serves every simplification of the same areas.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Topology {
    /// Where each ring's vertices start in `junction`, one entry per ring and a last one for the end.
    starts: Vec<usize>,
    /// Per vertex: keep it.
    junction: Vec<bool>,
}

/// Every ring of `areas` without its closing position, with the area it belongs to.
fn area_rings(areas: &[MultiPolygon<f64>]) -> Vec<(usize, &[Coord<f64>])> {
    areas.iter().enumerate().flat_map(|(a, g)| rings(g).map(move |ring| (a, open(ring)))).collect()
}

/// A ring's positions without its closing one.
fn open(ring: &LineString<f64>) -> &[Coord<f64>] {
    let points = &ring.0[..];
    if points.len() > 1 && points.first() == points.last() { &points[..points.len() - 1] } else { points }
}

fn id(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Numbers the distinct vertices of `n` positions (`vertex_at` gives each position's key and ring):
/// per position, its vertex's number and how many rings pass through it.
fn vertices(n: usize, vertex_at: impl Fn(usize) -> (Key, u32) + Sync) -> (Vec<u32>, Vec<u32>) {
    let mut items: Vec<(Key, u32, u32)> = (0..n)
        .into_par_iter()
        .map(|v| {
            let (k, ring) = vertex_at(v);
            (k, ring, id(v))
        })
        .collect();
    items.par_sort_unstable();
    let (mut vertex, mut rings_at) = (vec![0u32; n], vec![0u32; n]);
    for (number, group) in items.chunk_by(|a, b| a.0 == b.0).enumerate() {
        let rings = id(1 + group.windows(2).filter(|w| w[0].1 != w[1].1).count());
        for item in group {
            vertex[item.2 as usize] = id(number);
            rings_at[item.2 as usize] = rings;
        }
    }
    (vertex, rings_at)
}

/// Per position of `n`, how many positions have the same edge (`edge_at` gives each position's edge).
fn same_edges(n: usize, edge_at: impl Fn(usize) -> u64 + Sync) -> Vec<u32> {
    let mut items: Vec<(u64, u32)> = (0..n).into_par_iter().map(|v| (edge_at(v), id(v))).collect();
    items.par_sort_unstable();
    let mut out = vec![0u32; n];
    for group in items.chunk_by(|a, b| a.0 == b.0) {
        for item in group {
            out[item.1 as usize] = id(group.len());
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
        let mut ring_of = Vec::new();
        let mut total = 0usize;
        for (r, points) in all.iter().enumerate() {
            starts.push(total);
            total += points.len();
            ring_of.resize(total, id(r));
        }
        starts.push(total);
        // The vertex at each position, by the ring it is on.
        let at = |v: usize| {
            let r = ring_of[v] as usize;
            (r, v - starts[r])
        };
        let (vertex, rings_at) = vertices(total, |v| {
            let (r, i) = at(v);
            (key(all[r][i]), id(r))
        });
        // The edge from each position to the next, by its two vertices.
        let next_edge = same_edges(total, |v| {
            let (r, i) = at(v);
            let next = starts[r] + (i + 1) % all[r].len();
            let (a, b) = (vertex[v], vertex[next]);
            if a < b { (u64::from(a) << 32) | u64::from(b) } else { (u64::from(b) << 32) | u64::from(a) }
        });
        let junction = (0..total)
            .into_par_iter()
            .map(|v| {
                let (r, i) = at(v);
                let n = all[r].len();
                let prev = starts[r] + (i + n - 1) % n;
                rings_at[v] >= 3 || next_edge[prev] != next_edge[v]
            })
            .collect();
        Self { starts, junction }
    }

    /// Simplifies one ring of the coverage (ring number `r`, `points` without the closing position) from
    /// its `candidates` (positions in ring order, cyclic; `None`: all of them): junctions kept, each chain
    /// between them simplified alone. The positions kept, in drawing order (the ring closes back to the
    /// first); the candidates themselves if fewer than three would be left.
    fn simplify_ring(&self, r: usize, points: &[Coord<f64>], candidates: Option<&[u32]>, tolerance: f64) -> Vec<u32> {
        let n = candidates.map_or(points.len(), <[u32]>::len);
        let candidate = |i: usize| candidates.map_or(i, |c| c[i] as usize);
        let every = || (0..n).map(|i| id(candidate(i))).collect();
        if n < 4 {
            return every();
        }
        let junction = &self.junction[self.starts[r]..self.starts[r + 1]];
        let kept: Vec<usize> = (0..n).filter(|&i| junction[candidate(i)]).collect();
        let start = match kept.first() {
            Some(&i) => i,
            None => (0..n).min_by_key(|&i| key(points[candidate(i)])).unwrap_or(0),
        };
        let mut breaks: Vec<usize> = kept.iter().map(|&i| (i + n - start) % n).collect();
        if breaks.is_empty() {
            breaks.push(0);
        }
        breaks.sort_unstable();
        breaks.push(n);
        let position = |i: usize| candidate((start + i) % n);
        let mut out: Vec<u32> = vec![id(position(0))];
        for w in breaks.windows(2) {
            let chain = LineString((w[0]..=w[1]).map(|i| points[position(i)]).collect());
            out.extend(chain.simplify_idx(tolerance).into_iter().skip(1).map(|j| id(position(w[0] + j))));
        }
        // The last position is the first again.
        out.pop();
        if out.len() < 3 { every() } else { out }
    }

    /// The same areas simplified further, at `tolerance`, from what `finer` kept (so in a fraction of the
    /// time): each chain between junctions simplified again, alike from both sides.
    #[must_use]
    pub fn coarser(
        &self,
        areas: &[MultiPolygon<f64>],
        finer: &Simplified,
        tolerance: f64,
        chosen: impl Fn(usize) -> bool + Sync,
    ) -> Simplified {
        let all = area_rings(areas);
        let rings = all
            .par_iter()
            .zip(&finer.rings)
            .enumerate()
            .map(|(r, (&(a, points), kept))| {
                if kept.is_empty() || !chosen(a) {
                    Vec::new()
                } else {
                    self.simplify_ring(r, points, Some(kept), tolerance)
                }
            })
            .collect();
        Simplified { tolerance, rings }
    }

    /// Every ring of `areas` (those this topology was made of) simplified at `tolerance`.
    #[must_use]
    pub fn simplified(&self, areas: &[MultiPolygon<f64>], tolerance: f64) -> Simplified {
        self.simplified_where(areas, tolerance, |_| true)
    }

    /// The rings of the `areas` for which `chosen` holds (by index) simplified at `tolerance`; the others
    /// left out (no polygons).
    #[must_use]
    pub fn simplified_where(
        &self,
        areas: &[MultiPolygon<f64>],
        tolerance: f64,
        chosen: impl Fn(usize) -> bool + Sync,
    ) -> Simplified {
        let all: Vec<(usize, &[Coord<f64>])> =
            areas.iter().enumerate().flat_map(|(a, g)| rings(g).map(move |ring| (a, open(ring)))).collect();
        let rings = all
            .par_iter()
            .enumerate()
            .map(
                |(r, &(a, points))| if chosen(a) { self.simplify_ring(r, points, None, tolerance) } else { Vec::new() },
            )
            .collect();
        Simplified { tolerance, rings }
    }

    /// [`simplify_coverage`] of the `areas` this topology was made of.
    #[must_use]
    pub fn simplify(&self, areas: &[MultiPolygon<f64>], tolerance: f64) -> Vec<MultiPolygon<f64>> {
        self.simplified(areas, tolerance).polygons(areas)
    }

    /// Where each ring's positions start, one entry per ring and a last one for the end.
    #[must_use]
    pub fn ring_starts(&self) -> &[usize] {
        &self.starts
    }

    /// Whether this topology has the rings and positions of `areas`, and `simplified` positions of them:
    /// what a topology kept for the same areas always has.
    #[must_use]
    pub fn fits<'a>(&self, areas: impl IntoIterator<Item = &'a MultiPolygon<f64>>, simplified: &Simplified) -> bool {
        let all: Vec<usize> = areas.into_iter().flat_map(rings).map(|r| open(r).len()).collect();
        let mut ends = self.starts.windows(2).map(|w| w[1].checked_sub(w[0]));
        self.starts.len() == all.len() + 1
            && self.starts.first() == Some(&0)
            && self.starts.last() == Some(&self.junction.len())
            && all.iter().all(|&n| ends.next() == Some(Some(n)))
            && simplified.rings.len() == all.len()
            && simplified.rings.iter().zip(&all).all(|(kept, &n)| kept.iter().all(|&i| (i as usize) < n))
    }
}

/// A coverage simplified: per ring of its [`Topology`], the positions kept.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Simplified {
    tolerance: f64,
    rings: Vec<Vec<u32>>,
}

impl Simplified {
    /// The simplified polygons of `areas` (those simplified): polygons smaller than a tolerance square
    /// dropped, except each area's largest.
    #[must_use]
    pub fn polygons(&self, areas: &[MultiPolygon<f64>]) -> Vec<MultiPolygon<f64>> {
        // The number of each area's first ring.
        let mut first = Vec::with_capacity(areas.len());
        let mut rings = 0usize;
        for a in areas {
            first.push(rings);
            rings += a.0.iter().map(|p| 1 + p.interiors().len()).sum::<usize>();
        }
        let ring = |r: usize, ring: &LineString<f64>| {
            let points = open(ring);
            let kept = &self.rings[r];
            LineString(kept.iter().chain(kept.first()).map(|&i| points[i as usize]).collect())
        };
        areas
            .par_iter()
            .zip(first)
            .map(|(geometry, first)| {
                if self.rings.get(first).is_some_and(Vec::is_empty) {
                    return MultiPolygon(Vec::new());
                }
                let mut ring_of = Vec::with_capacity(geometry.0.len());
                let mut r = first;
                for p in &geometry.0 {
                    ring_of.push(r);
                    r += 1 + p.interiors().len();
                }
                MultiPolygon(
                    visible_parts(geometry, self.tolerance)
                        .map(|(k, p)| {
                            let r = ring_of[k];
                            Polygon::new(
                                ring(r, p.exterior()),
                                p.interiors().iter().enumerate().map(|(h, hole)| ring(r + 1 + h, hole)).collect(),
                            )
                        })
                        .collect(),
                )
            })
            .collect()
    }

    /// Per position of the topology (see [`Topology::ring_starts`]), whether the simplification keeps it.
    #[must_use]
    pub fn kept(&self, starts: &[usize]) -> Vec<bool> {
        let mut kept = vec![false; starts.last().copied().unwrap_or(0)];
        for (r, positions) in self.rings.iter().enumerate() {
            for &i in positions {
                kept[starts[r] + i as usize] = true;
            }
        }
        kept
    }

    /// The tolerance it was simplified at (metres).
    #[must_use]
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The rings of the `areas` (those simplified) for which `chosen` holds (by index); the others left
    /// out, as [`Topology::coarser`] and [`Topology::simplified_where`] leave them.
    #[must_use]
    pub fn only(&self, areas: &[MultiPolygon<f64>], chosen: impl Fn(usize) -> bool) -> Self {
        let rings = area_rings(areas)
            .iter()
            .zip(&self.rings)
            .map(|(&(a, _), kept)| if chosen(a) { kept.clone() } else { Vec::new() })
            .collect();
        Self { tolerance: self.tolerance, rings }
    }
}

/// Other WGS84 polygons (footprints, teams) drawn over a simplified coverage: `wgs84` are the coverage's
/// areas before projection and `projected` after, in the same order. An outline made only of area
/// vertices (a footprint dissolved exactly from the areas) keeps the vertices the coverage's
/// simplification keeps, so it runs along the simplified edges of the areas; any other is projected as
/// `projection` and simplified on its own at the same tolerance. Polygons and holes smaller than a
/// tolerance square are dropped, except each outline's largest polygon.
///
/// `vertices` are the [`AreaVertices::of`] the coverage's areas.
#[must_use]
pub fn outlines_along(
    vertices: &AreaVertices,
    topology: &Topology,
    simplified: &Simplified,
    others: &[&MultiPolygon<f64>],
    projection: &Projection,
) -> Vec<MultiPolygon<f64>> {
    let AreaVertices { flat, keys, first } = vertices;
    let coverage = Coverage { keys, first, starts: topology.ring_starts() };
    let kept = simplified.kept(topology.ring_starts());
    let tolerance = simplified.tolerance();
    let along = |ring: &LineString<f64>| -> Option<LineString<f64>> {
        let mut out = Vec::new();
        let mut cursor = None;
        for c in open(ring) {
            let p = coverage.find(key(*c), &mut cursor)?;
            if kept[p] {
                out.push(flat[p]);
            }
        }
        out.extend(out.first().copied());
        Some(LineString(out))
    };
    others
        .par_iter()
        .map(|g| {
            let polygons: Option<Vec<Polygon<f64>>> = g
                .0
                .iter()
                .map(|p| {
                    Some(Polygon::new(along(p.exterior())?, p.interiors().iter().map(along).collect::<Option<_>>()?))
                })
                .collect();
            match polygons {
                Some(polygons) => without_specks(MultiPolygon(polygons), tolerance),
                None => {
                    let g = g.map_coords(|c| first.get(keys, key(c)).map_or_else(|| projection.point(c), |p| flat[p]));
                    simplify_for_display(&g, tolerance)
                }
            }
        })
        .collect()
}

/// Every position of a coverage's areas (rings in order, closing positions left out): where it is
/// projected, its WGS84 vertex, and the first position of each vertex. Made once for every outline
/// drawn along the same areas ([`outlines_along`]).
#[derive(Clone, Debug)]
pub struct AreaVertices {
    flat: Vec<Coord<f64>>,
    keys: Vec<Key>,
    first: FirstPositions,
}

impl AreaVertices {
    /// The positions of the areas `wgs84`, projected as `projected` (in the same order).
    #[must_use]
    pub fn of(wgs84: &[&MultiPolygon<f64>], projected: &[MultiPolygon<f64>]) -> Self {
        let flat: Vec<Coord<f64>> = projected.iter().flat_map(rings).flat_map(open).copied().collect();
        let keys: Vec<Key> = wgs84.iter().copied().flat_map(rings).flat_map(open).map(|c| key(*c)).collect();
        let first = FirstPositions::of(&keys);
        Self { flat, keys, first }
    }
}

/// The first position of each vertex, found by its key: a table of positions alone (4 bytes a slot,
/// where a map of keys to positions takes 24), each slot's key read from the positions' keys.
#[derive(Clone, Debug)]
struct FirstPositions(hashbrown::HashTable<u32>);

impl FirstPositions {
    fn of(keys: &[Key]) -> Self {
        let mut table = hashbrown::HashTable::with_capacity(keys.len());
        for (p, k) in keys.iter().enumerate() {
            let hash = hash(k);
            if table.find(hash, |&q: &u32| keys[q as usize] == *k).is_none() {
                table.insert_unique(hash, id(p), |&q| self::hash(&keys[q as usize]));
            }
        }
        Self(table)
    }

    /// The first position of `k` among `keys`, the keys the table was made of.
    fn get(&self, keys: &[Key], k: Key) -> Option<usize> {
        self.0.find(hash(&k), |&q| keys[q as usize] == k).map(|&q| q as usize)
    }
}

/// A key's hash.
fn hash(k: &Key) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(k)
}

/// The positions of a coverage's vertices (rings in order, closing positions left out).
struct Coverage<'a> {
    keys: &'a [Key],
    /// Each vertex's first position.
    first: &'a FirstPositions,
    starts: &'a [usize],
}

/// The position last found and its ring's bounds.
struct Cursor {
    at: usize,
    ring: (usize, usize),
}

impl Coverage<'_> {
    /// The position of vertex `k`: beside the last one found on its ring when the outline follows that
    /// ring (the usual case, read in order), else the vertex's first position.
    fn find(&self, k: Key, cursor: &mut Option<Cursor>) -> Option<usize> {
        if let Some(c) = cursor {
            let (lo, hi) = c.ring;
            let next = if c.at + 1 == hi { lo } else { c.at + 1 };
            let prev = if c.at == lo { hi - 1 } else { c.at - 1 };
            if let Some(&p) = [next, prev].iter().find(|&&p| self.keys[p] == k) {
                c.at = p;
                return Some(p);
            }
        }
        let p = self.first.get(self.keys, k)?;
        let r = self.starts.partition_point(|&s| s <= p) - 1;
        *cursor = Some(Cursor { at: p, ring: (self.starts[r], self.starts[r + 1]) });
        Some(p)
    }
}

/// Drops rings left with fewer than three positions, polygons smaller than a tolerance square (but the
/// largest) and holes smaller than a tolerance square.
fn without_specks(geometry: MultiPolygon<f64>, tolerance: f64) -> MultiPolygon<f64> {
    let min_area = tolerance * tolerance;
    let drawable = |ring: &LineString<f64>| ring.0.len() >= 4;
    let geometry = MultiPolygon(geometry.0.into_iter().filter(|p| drawable(p.exterior())).collect());
    MultiPolygon(
        visible_parts(&geometry, tolerance)
            .map(|(_, p)| {
                let holes = p
                    .interiors()
                    .iter()
                    .filter(|h| drawable(h) && Polygon::new((*h).clone(), vec![]).unsigned_area() >= min_area);
                Polygon::new(p.exterior().clone(), holes.cloned().collect())
            })
            .collect(),
    )
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

/// The report's display tolerance for `projected` areas (metres): the larger side of their extent
/// divided by [`crate::HTML_TOLERANCE_DIVISOR`].
#[must_use]
pub fn display_tolerance(projected: &[MultiPolygon<f64>]) -> f64 {
    let (width, height) = extent(projected).map_or((1.0, 1.0), |r| (r.width(), r.height()));
    width.max(height).max(1.0) / crate::HTML_TOLERANCE_DIVISOR
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

    /// A seeded generator (Knuth's MMIX linear congruential generator, high bits) of floats in [0, 1).
    fn seeded(mut state: u64) -> impl FnMut() -> f64 {
        move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// A coverage of `n` × `n` cells `side` wide whose shared edges wiggle (a vertex every tenth of a side,
    /// moved by up to `wiggle` across the edge; each vertex shared by the cells that have it).
    fn wiggly_cells(n: usize, side: f64, wiggle: f64, next: &mut impl FnMut() -> f64) -> Vec<MultiPolygon<f64>> {
        let steps = 10 * n;
        // Lattice points every tenth of a side along the cells' edges.
        let mut at = vec![vec![Coord { x: 0.0, y: 0.0 }; steps + 1]; steps + 1];
        for (i, row) in at.iter_mut().enumerate() {
            for (j, c) in row.iter_mut().enumerate() {
                // Inner points of edges between cells move across them; corners and the outline stay.
                let mut across =
                    |on_edge: bool, inner: bool| if on_edge && inner { (2.0 * next() - 1.0) * wiggle } else { 0.0 };
                let dy = across(i % 10 == 0 && j % 10 != 0, i != 0 && i != steps);
                let dx = across(j % 10 == 0 && i % 10 != 0, j != 0 && j != steps);
                *c = Coord { x: j as f64 * side / 10.0 + dx, y: i as f64 * side / 10.0 + dy };
            }
        }
        let mut cells = Vec::new();
        for ci in 0..n {
            for cj in 0..n {
                let (i0, j0) = (10 * ci, 10 * cj);
                let mut ring: Vec<Coord<f64>> = (0..10).map(|k| at[i0][j0 + k]).collect();
                ring.extend((0..10).map(|k| at[i0 + k][j0 + 10]));
                ring.extend((0..10).map(|k| at[i0 + 10][j0 + 10 - k]));
                ring.extend((0..10).map(|k| at[i0 + 10 - k][j0]));
                ring.push(ring[0]);
                cells.push(MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]));
            }
        }
        cells
    }

    /// A coarser simplification of some areas is that of all the areas with the others left out, so one
    /// made of all of them once serves every choice.
    #[test]
    fn a_coarser_simplification_of_some_areas_is_one_of_all_with_the_others_left_out() {
        let mut next = seeded(0x2545_f491_4f6c_dd1d);
        for round in 0..6 {
            let areas = wiggly_cells(5, 100.0, 4.0, &mut next);
            let topology = Topology::of(&areas);
            let base = topology.simplified(&areas, 1.0);
            let tolerance = [2.0, 3.5, 6.0][round % 3];
            let all = topology.coarser(&areas, &base, tolerance, |_| true);
            for _ in 0..10 {
                let chosen: Vec<bool> = (0..areas.len()).map(|_| next() < 0.5).collect();
                let direct = topology.coarser(&areas, &base, tolerance, |a| chosen[a]);
                assert_eq!(all.only(&areas, |a| chosen[a]).rings, direct.rings, "round {round}");
            }
            assert!(all.rings.iter().map(Vec::len).sum::<usize>() < base.rings.iter().map(Vec::len).sum::<usize>());
        }
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

    /// Outlines drawn over two squares, each edge with a midpoint: `outline` (closed ring), as drawn.
    fn check_outline(outline: &[(f64, f64)], expected: &[(f64, f64)]) {
        let ring = |points: &[(f64, f64)]| {
            let mut p = points.to_vec();
            p.push(p[0]);
            MultiPolygon(vec![Polygon::new(LineString::from(p), vec![])])
        };
        // A box from x0 to x1, 10 high, with a vertex every 5 along its edges, from its south-west corner.
        let boxed = |x0: f64, x1: f64| -> Vec<(f64, f64)> {
            let steps = ((x1 - x0) / 5.0) as u32;
            let mut p: Vec<(f64, f64)> = (0..=steps).map(|i| (x0 + 5.0 * f64::from(i), 0.0)).collect();
            p.push((x1, 5.0));
            p.extend((0..=steps).rev().map(|i| (x0 + 5.0 * f64::from(i), 10.0)));
            p.push((x0, 5.0));
            p
        };
        let (west, east) = (ring(&boxed(0.0, 10.0)), ring(&boxed(10.0, 20.0)));
        let areas = [west, east];
        let topology = Topology::of(&areas);
        let simplified = topology.simplified(&areas, 1.0);
        let projection = Projection::over(&[&areas[0]]);
        let wgs84: Vec<&MultiPolygon<f64>> = areas.iter().collect();
        let vertices = AreaVertices::of(&wgs84, &areas);
        let drawn = outlines_along(&vertices, &topology, &simplified, &[&ring(outline)], &projection);
        let got: Vec<(f64, f64)> = drawn[0].0[0].exterior().0.iter().map(|c| (c.x, c.y)).collect();
        let mut want = expected.to_vec();
        want.push(want[0]);
        assert_eq!(got, want);
    }

    #[test]
    fn an_outline_of_areas_keeps_what_their_simplification_keeps() {
        // The union of both squares: midpoints dropped, the corners and both ends of the shared edge kept.
        let union: Vec<(f64, f64)> = (0..=4)
            .map(|i| (5.0 * f64::from(i), 0.0))
            .chain([(20.0, 5.0)])
            .chain((0..=4).rev().map(|i| (5.0 * f64::from(i), 10.0)))
            .chain([(0.0, 5.0)])
            .collect();
        check_outline(&union, &[(0.0, 0.0), (10.0, 0.0), (20.0, 0.0), (20.0, 10.0), (10.0, 10.0), (0.0, 10.0)]);
        // One square alone, started mid-edge: the same kept positions, in the outline's order.
        check_outline(
            &[
                (10.0, 5.0),
                (10.0, 10.0),
                (15.0, 10.0),
                (20.0, 10.0),
                (20.0, 5.0),
                (20.0, 0.0),
                (15.0, 0.0),
                (10.0, 0.0),
            ],
            &[(10.0, 10.0), (20.0, 10.0), (20.0, 0.0), (10.0, 0.0)],
        );
    }
}
