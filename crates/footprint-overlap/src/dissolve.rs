//! Exact dissolve of areas that tile the plane: shared edges cancel, original vertices are kept.
//!
//! Areas of a coverage (MSOAs, LSOAs) share their common boundaries edge for edge, with the same
//! vertices. Every ring is oriented (exteriors counter-clockwise, holes clockwise), so an edge shared by
//! two areas of the set appears once in each direction; cancelling such pairs leaves exactly the
//! boundary of the union, which is relinked into rings by always turning as far left as possible
//! (tracing each face of the union separately, so parts that touch at a point stay separate polygons).
//! No coordinate is computed, so nothing drifts. When the input is not a clean coverage (edges that
//! overlap without sharing vertices, gaps or overlaps), the result fails the validity screen and the
//! dissolve falls back to a boolean union (geo's `BooleanOps`, i_overlay).

use footprint_ingest::has_crossing_edges;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use rustc_hash::FxHashMap;

/// How a dissolve was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DissolveMethod {
    /// Shared edges cancelled exactly.
    Exact,
    /// The input was not a clean coverage: boolean union.
    BooleanUnion,
}

type Key = (u64, u64);
/// A directed edge.
type Edge = (Coord<f64>, Coord<f64>);
/// The net count of an undirected edge and its two ends (lower key first).
type NetEdge = (i32, Coord<f64>, Coord<f64>);
/// An edge of a layer: its undirected key, +1 or −1 for its direction, its area, its ends (lower key first).
type LayerEdge = ((Key, Key), i32, u32, Coord<f64>, Coord<f64>);

fn key(c: Coord<f64>) -> Key {
    // +0.0 and -0.0 are the same point.
    ((c.x + 0.0).to_bits(), (c.y + 0.0).to_bits())
}

/// The edges of a polygon's rings as undirected keys (lower key first), +1 or −1 for the direction they
/// run in, and their ends in key order; zero-length edges are left out.
fn undirected_edges(polygon: &Polygon<f64>) -> impl Iterator<Item = ((Key, Key), i32, Coord<f64>, Coord<f64>)> + '_ {
    std::iter::once(polygon.exterior()).chain(polygon.interiors()).flat_map(|ring| {
        ring.0.windows(2).filter_map(|w| {
            let (ka, kb) = (key(w[0]), key(w[1]));
            match ka.cmp(&kb) {
                std::cmp::Ordering::Equal => None,
                std::cmp::Ordering::Less => Some(((ka, kb), 1, w[0], w[1])),
                std::cmp::Ordering::Greater => Some(((kb, ka), -1, w[1], w[0])),
            }
        })
    })
}

/// The union of `polygons` (each oriented: exterior counter-clockwise, holes clockwise).
///
/// ```
/// use footprint_overlap::{DissolveMethod, dissolve};
/// use geo::{Area, polygon};
/// let west = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
/// let east = polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)];
/// let (union, method) = dissolve(&[&west, &east]);
/// assert_eq!(method, DissolveMethod::Exact);
/// assert_eq!(union.0.len(), 1);
/// assert_eq!(union.unsigned_area(), 2.0);
/// ```
#[must_use]
pub fn dissolve(polygons: &[&Polygon<f64>]) -> (MultiPolygon<f64>, DissolveMethod) {
    match exact(polygons) {
        Some(result) if !has_crossing_edges(&result) => (result, DissolveMethod::Exact),
        _ => (boolean_union(polygons), DissolveMethod::BooleanUnion),
    }
}

/// Like [`dissolve`], but trusting the exact result without the validity screen when `clean` says
/// the areas come from a clean part of a coverage (see [`unclean_areas`]).
#[must_use]
pub fn dissolve_clean(polygons: &[&Polygon<f64>], clean: bool) -> (MultiPolygon<f64>, DissolveMethod) {
    if clean && let Some(result) = exact(polygons) {
        return (result, DissolveMethod::Exact);
    }
    dissolve(polygons)
}

/// Which areas of a layer do not match their neighbours edge for edge (T-junctions, overlaps, crossings,
/// an edge shared in the same direction).
///
/// The whole layer is dissolved once by edge cancellation; what remains is the outline of the layer plus
/// every mismatch. The areas owning a remaining edge that crosses, overlaps or touches another other than
/// at an endpoint are unclean. A set of areas none of which is unclean dissolves exactly into a valid
/// shape: its internal boundaries cancel, and the rest are original edges of valid, non-overlapping areas.
#[must_use]
pub fn unclean_areas(areas: &[&MultiPolygon<f64>]) -> Vec<bool> {
    use rayon::prelude::*;
    // Every edge as (undirected key, direction, owner), gathered and sorted in parallel: runs of one key
    // are the copies of one edge. (A sort keeps this parallel; a shared hash map would not.)
    let mut edges: Vec<LayerEdge> = areas
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, area)| {
            area.0.iter().flat_map(undirected_edges).map(move |(k, sign, a, b)| (k, sign, i as u32, a, b))
        })
        .collect();
    edges.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut unclean = vec![false; areas.len()];
    let mut remaining: Vec<(Coord<f64>, Coord<f64>, u32)> = Vec::new();
    for run in edges.chunk_by(|a, b| a.0 == b.0) {
        let count: i32 = run.iter().map(|e| e.1).sum();
        match count.unsigned_abs() {
            0 => {}
            1 => remaining.push((run[0].3, run[0].4, run[0].2)),
            // The same edge in the same direction in two areas: they overlap there.
            _ => run.iter().for_each(|e| unclean[e.2 as usize] = true),
        }
    }
    for owner in footprint_ingest::conflicting_owners(&remaining) {
        unclean[owner as usize] = true;
    }
    unclean
}

/// The boolean union of the polygons (the fallback; also what the tests compare the exact path with).
#[must_use]
pub fn boolean_union(polygons: &[&Polygon<f64>]) -> MultiPolygon<f64> {
    let union = geo::unary_union(polygons.iter().copied());
    // i_overlay's output order and ring starts are its own; put them in the order the exact path uses.
    let mut parts: Vec<Polygon<f64>> = union.0;
    parts.sort_by(|a, b| cmp_coord(min_vertex(a.exterior()), min_vertex(b.exterior())));
    MultiPolygon(parts)
}

/// The exact dissolve, or `None` if the remaining edges do not link into closed rings.
fn exact(polygons: &[&Polygon<f64>]) -> Option<MultiPolygon<f64>> {
    // Net count of each undirected edge: +1 for each traversal min→max, −1 for max→min.
    let edges: usize =
        polygons.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum();
    let mut net: FxHashMap<(Key, Key), NetEdge> = FxHashMap::with_capacity_and_hasher(edges, rustc_hash::FxBuildHasher);
    for (k, sign, lo, hi) in polygons.iter().flat_map(|p| undirected_edges(p)) {
        net.entry(k).or_insert((0, lo, hi)).0 += sign;
    }
    // The remaining directed edges, grouped by start vertex.
    let mut outgoing: FxHashMap<Key, Vec<Edge>> =
        FxHashMap::with_capacity_and_hasher(net.len() / 2, rustc_hash::FxBuildHasher);
    let mut remaining = 0usize;
    for (count, lo, hi) in net.into_values() {
        if count.unsigned_abs() > 1 {
            return None; // the same edge twice in one direction: overlapping areas, not a coverage
        }
        let (from, to) = if count > 0 { (lo, hi) } else { (hi, lo) };
        for _ in 0..count.unsigned_abs() {
            outgoing.entry(key(from)).or_default().push((from, to));
            remaining += 1;
        }
    }
    // Deterministic order: edges at each vertex sorted, rings started from the smallest vertex.
    for edges in outgoing.values_mut() {
        edges.sort_by(|p, q| cmp_coord(p.1, q.1));
    }
    // Only a vertex with several ways out can be passed through twice.
    let junctions: rustc_hash::FxHashSet<Key> =
        outgoing.iter().filter(|(_, edges)| edges.len() > 1).map(|(k, _)| *k).collect();
    let mut starts: Vec<Key> = outgoing.keys().copied().collect();
    starts.sort_unstable();
    let mut rings: Vec<LineString<f64>> = Vec::new();
    for start in starts {
        while let Some(first) = outgoing.get_mut(&start).and_then(Vec::pop) {
            remaining -= 1;
            let mut ring = vec![first.0, first.1];
            let (mut prev, mut at) = (first.0, first.1);
            while key(at) != key(first.0) {
                let edges = outgoing.get_mut(&key(at))?;
                let next = leftmost(prev, at, edges)?;
                let (_, to) = edges.swap_remove(next);
                remaining -= 1;
                ring.push(to);
                prev = at;
                at = to;
            }
            if junctions.is_empty() {
                rings.push(LineString(ring));
            } else {
                split_at_repeats(ring, &junctions, &mut rings);
            }
        }
    }
    if remaining != 0 {
        return None;
    }
    let result = assemble(rings);
    // A part lying inside another part (not in one of its holes) means the areas overlapped.
    if has_nested_parts(&result) {
        return None;
    }
    Some(result)
}

/// Whether some part of `shape` lies inside another part's filled region.
fn has_nested_parts(shape: &MultiPolygon<f64>) -> bool {
    use geo::BoundingRect;
    if shape.0.len() < 2 {
        return false;
    }
    let boxes: Vec<Option<geo::Rect<f64>>> = shape.0.iter().map(BoundingRect::bounding_rect).collect();
    for (i, outer) in shape.0.iter().enumerate() {
        let Some(ob) = boxes[i] else { continue };
        for (j, inner) in shape.0.iter().enumerate() {
            let Some(ib) = boxes[j] else { continue };
            if i == j
                || ib.min().x < ob.min().x
                || ib.min().y < ob.min().y
                || ib.max().x > ob.max().x
                || ib.max().y > ob.max().y
            {
                continue;
            }
            let outer_vertices: rustc_hash::FxHashSet<Key> = std::iter::once(outer.exterior())
                .chain(outer.interiors())
                .flat_map(|r| r.0.iter().map(|c| key(*c)))
                .collect();
            if let Some(&p) = inner.exterior().0.iter().find(|c| !outer_vertices.contains(&key(**c)))
                && footprint_index::contains(&MultiPolygon(vec![outer.clone()]), p)
            {
                return true;
            }
        }
    }
    false
}

/// Splits a closed ring that passes through a vertex more than once into simple rings (a hole that
/// touches its exterior at one point comes out of the tracing as one self-touching ring: it becomes an
/// exterior and a hole, as OGC validity asks).
fn split_at_repeats(ring: Vec<Coord<f64>>, junctions: &rustc_hash::FxHashSet<Key>, out: &mut Vec<LineString<f64>>) {
    let mut stack: Vec<Coord<f64>> = Vec::with_capacity(ring.len());
    let mut seen: FxHashMap<Key, usize> = FxHashMap::default();
    for &c in &ring[..ring.len().saturating_sub(1)] {
        if !junctions.contains(&key(c)) {
            stack.push(c);
            continue;
        }
        if let Some(&at) = seen.get(&key(c)) {
            // The loop from the earlier visit to here is a ring of its own.
            let mut lobe: Vec<Coord<f64>> = stack.drain(at..).collect();
            for v in &lobe[1..] {
                seen.remove(&key(*v));
            }
            lobe.push(c);
            if lobe.len() >= 4 {
                out.push(LineString(lobe));
            }
            stack.push(c);
            seen.insert(key(c), stack.len() - 1);
        } else {
            seen.insert(key(c), stack.len());
            stack.push(c);
        }
    }
    if let Some(&first) = stack.first() {
        stack.push(first);
        if stack.len() >= 4 {
            out.push(LineString(stack));
        }
    }
}

fn cmp_coord(a: Coord<f64>, b: Coord<f64>) -> std::cmp::Ordering {
    a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y))
}

/// Of the edges leaving `at`, the one turning furthest left from the direction `prev → at`.
fn leftmost(prev: Coord<f64>, at: Coord<f64>, edges: &[Edge]) -> Option<usize> {
    if edges.len() == 1 {
        return Some(0); // the usual case: no choice to make
    }
    let incoming = (at.y - prev.y).atan2(at.x - prev.x);
    let turn = |to: Coord<f64>| {
        // Angle of the turn in (−π, π]: positive is left; going straight back is the last choice.
        let mut a = (to.y - at.y).atan2(to.x - at.x) - incoming;
        while a <= -std::f64::consts::PI {
            a += 2.0 * std::f64::consts::PI;
        }
        while a > std::f64::consts::PI {
            a -= 2.0 * std::f64::consts::PI;
        }
        if key(to) == key(prev) { f64::NEG_INFINITY } else { a }
    };
    (0..edges.len()).max_by(|&i, &j| turn(edges[i].1).total_cmp(&turn(edges[j].1)).then(j.cmp(&i)))
}

/// Rings into polygons: counter-clockwise rings are exteriors, clockwise ones holes of the smallest
/// exterior containing them. Polygons are sorted by their smallest vertex.
fn assemble(rings: Vec<LineString<f64>>) -> MultiPolygon<f64> {
    let mut exteriors: Vec<(f64, LineString<f64>)> = Vec::new();
    let mut holes: Vec<LineString<f64>> = Vec::new();
    for ring in rings {
        let area = footprint_ingest::twice_signed_area(&ring.0);
        if area > 0.0 {
            exteriors.push((area, ring));
        } else {
            holes.push(ring);
        }
    }
    let mut owned: Vec<Vec<LineString<f64>>> = vec![Vec::new(); exteriors.len()];
    for hole in holes {
        let owner = exteriors
            .iter()
            .enumerate()
            .filter(|(_, (_, e))| encloses(e, &hole))
            .min_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .map(|(i, _)| i);
        match owner {
            Some(i) => owned[i].push(hole),
            // A clockwise ring in no exterior cannot come from a valid coverage; keep it visible as a part.
            None => exteriors.push((0.0, LineString(hole.0.into_iter().rev().collect()))),
        }
    }
    owned.resize(exteriors.len(), Vec::new());
    let mut polygons: Vec<Polygon<f64>> =
        exteriors.into_iter().zip(owned).map(|((_, e), h)| Polygon::new(e, h)).collect();
    polygons.sort_by(|a, b| cmp_coord(min_vertex(a.exterior()), min_vertex(b.exterior())));
    MultiPolygon(polygons)
}

fn min_vertex(ring: &LineString<f64>) -> Coord<f64> {
    ring.0.iter().copied().min_by(|a, b| cmp_coord(*a, *b)).unwrap_or(Coord { x: 0.0, y: 0.0 })
}

/// Whether `hole` lies inside `exterior`: the first vertex of the hole that is not a vertex of the exterior decides.
fn encloses(exterior: &LineString<f64>, hole: &LineString<f64>) -> bool {
    let on_exterior: rustc_hash::FxHashSet<Key> = exterior.0.iter().map(|c| key(*c)).collect();
    match hole.0.iter().find(|c| !on_exterior.contains(&key(**c))) {
        Some(&p) => footprint_index::contains(&MultiPolygon(vec![Polygon::new(exterior.clone(), vec![])]), p),
        // Every vertex shared: the hole is inside if its centroid of vertices is.
        None => {
            #[allow(clippy::cast_precision_loss)]
            let n = hole.0.len() as f64;
            let c = Coord {
                x: hole.0.iter().map(|c| c.x).sum::<f64>() / n,
                y: hole.0.iter().map(|c| c.y).sum::<f64>() / n,
            };
            footprint_index::contains(&MultiPolygon(vec![Polygon::new(exterior.clone(), vec![])]), c)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, polygon};

    fn square(x: f64, y: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + 1., y: y), (x: x + 1., y: y + 1.), (x: x, y: y + 1.)]
    }

    /// Dissolves the unit squares at `cells` and checks parts, holes, area and the method.
    fn check(cells: &[(f64, f64)], parts: usize, holes: usize, method: DissolveMethod) {
        let squares: Vec<Polygon<f64>> = cells.iter().map(|&(x, y)| square(x, y)).collect();
        let refs: Vec<&Polygon<f64>> = squares.iter().collect();
        let (union, how) = dissolve(&refs);
        assert_eq!(how, method, "{cells:?}");
        assert_eq!(union.0.len(), parts, "{union:?}");
        assert_eq!(union.0.iter().map(|p| p.interiors().len()).sum::<usize>(), holes, "{union:?}");
        #[allow(clippy::cast_precision_loss)]
        let expected_area = cells.len() as f64;
        assert_eq!(union.unsigned_area(), expected_area);
        // Only original vertices, and the same region as the boolean union.
        let vertices: Vec<Coord<f64>> = union.0.iter().flat_map(|p| p.exterior().0.iter().copied()).collect();
        assert!(vertices.iter().all(|v| v.x.fract() == 0.0 && v.y.fract() == 0.0));
        let other = boolean_union(&refs);
        assert_eq!(other.unsigned_area(), expected_area);
        assert_eq!(union.difference(&other).unsigned_area(), 0.0);
        assert_eq!(other.difference(&union).unsigned_area(), 0.0);
    }

    #[test]
    fn shared_edges_cancel() {
        check(&[(0., 0.), (1., 0.)], 1, 0, DissolveMethod::Exact);
        check(&[(0., 0.), (1., 0.), (2., 0.), (0., 1.)], 1, 0, DissolveMethod::Exact);
    }

    #[test]
    fn a_ring_of_eight_squares_has_a_hole() {
        let ring: Vec<(f64, f64)> =
            (0..3).flat_map(|x| (0..3).map(move |y| (f64::from(x), f64::from(y)))).filter(|&c| c != (1., 1.)).collect();
        check(&ring, 1, 1, DissolveMethod::Exact);
    }

    #[test]
    fn separate_and_corner_touching_parts_stay_separate() {
        check(&[(0., 0.), (5., 5.)], 2, 0, DissolveMethod::Exact);
        check(&[(0., 0.), (1., 1.)], 2, 0, DissolveMethod::Exact); // touching at (1, 1)
    }

    #[test]
    fn a_ring_through_a_vertex_twice_is_split() {
        let c = |x: f64, y: f64| Coord { x, y };
        // A square with a triangular loop hanging from (2, 2): exterior and loop touch at one vertex.
        let ring = vec![c(0., 0.), c(2., 0.), c(2., 2.), c(3., 2.), c(3., 3.), c(2., 2.), c(0., 2.), c(0., 0.)];
        let mut out = Vec::new();
        let junctions = [key(c(2., 2.))].into_iter().collect();
        split_at_repeats(ring, &junctions, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, vec![c(2., 2.), c(3., 2.), c(3., 3.), c(2., 2.)]);
        assert_eq!(out[1].0, vec![c(0., 0.), c(2., 0.), c(2., 2.), c(0., 2.), c(0., 0.)]);
    }

    #[test]
    fn unclean_areas_are_those_at_a_mismatch() {
        // A row of three squares; the middle one has an extra vertex on its east side (a T-junction with
        // the east square), the west one is clean, and a fourth square far away is clean.
        let west = square(0., 0.);
        let middle = polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 0.5), (x: 2., y: 1.), (x: 1., y: 1.)];
        let east = polygon![(x: 2., y: 0.), (x: 3., y: 0.), (x: 3., y: 1.), (x: 2., y: 1.)];
        let away = square(10., 10.);
        let areas: Vec<MultiPolygon<f64>> =
            [west, middle, east, away].into_iter().map(|p| MultiPolygon(vec![p])).collect();
        let refs: Vec<&MultiPolygon<f64>> = areas.iter().collect();
        assert_eq!(unclean_areas(&refs), [false, true, true, false]);
        // West and middle are a clean pair even though middle is unclean against east.
        let (union, how) = dissolve(&[&areas[0].0[0], &areas[1].0[0]]);
        assert_eq!((union.0.len(), how), (1, DissolveMethod::Exact));
    }

    #[test]
    fn a_t_junction_is_not_a_clean_coverage_and_falls_back() {
        // The west square's east edge is one edge; the east side has a vertex at its middle.
        let west = square(0., 0.);
        let east = polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.), (x: 1., y: 0.5)];
        let (union, how) = dissolve(&[&west, &east]);
        assert_eq!(how, DissolveMethod::BooleanUnion);
        assert_eq!(union.0.len(), 1);
        assert_eq!(union.unsigned_area(), 2.0);
    }
}
