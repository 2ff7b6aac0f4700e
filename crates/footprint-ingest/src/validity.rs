//! A fast validity screen for area polygons: do any two edges of an area cross, touch or overlap?
//!
//! geo's full OGC validation takes about 0.9 s on the national MSOA layer; this sweep takes a few
//! tens of milliseconds and flags the same areas there (the test `screen_flags_what_geo_flags` checks
//! it). Areas it flags are then explained and repaired with geo (`Validation`, `MakeValid`).

use geo::{Coord, MultiPolygon};

use crate::pip::orient;

/// One edge, with where it sits in its ring.
#[derive(Clone, Copy)]
struct Edge {
    a: Coord<f64>,
    b: Coord<f64>,
    ring: u32,
    index: u32,
    ring_len: u32,
    min_x: f64,
    max_x: f64,
}

/// True when two edges of the area intersect other than where consecutive edges of a ring meet.
#[must_use]
pub fn has_crossing_edges(area: &MultiPolygon<f64>) -> bool {
    let mut edges = Vec::new();
    let mut ring_id = 0u32;
    for polygon in &area.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            // A repeated position is not an edge; indices count the edges that remain.
            let start = edges.len();
            for w in ring.0.windows(2).filter(|w| w[0] != w[1]) {
                let (a, b) = (w[0], w[1]);
                let index = (edges.len() - start) as u32;
                edges.push(Edge { a, b, ring: ring_id, index, ring_len: 0, min_x: a.x.min(b.x), max_x: a.x.max(b.x) });
            }
            let n = (edges.len() - start) as u32;
            for e in &mut edges[start..] {
                e.ring_len = n;
            }
            ring_id += 1;
        }
    }
    let mut found = false;
    sweep(&edges, |_, _| {
        found = true;
        false
    });
    found
}

/// Calls `conflict` for each pair of edges that intersect (by [`intersect`], the edge that starts first
/// along x first) until it returns false.
fn sweep(edges: &[Edge], mut conflict: impl FnMut(&Edge, &Edge) -> bool) {
    let boxes = edges
        .iter()
        .enumerate()
        .map(|(i, e)| IndexedBox {
            min_x: e.min_x,
            max_x: e.max_x,
            min_y: e.a.y.min(e.b.y),
            max_y: e.a.y.max(e.b.y),
            index: i as u32,
        })
        .collect();
    every_meeting_pair(boxes, |i, j| {
        let (e, o) = (&edges[i as usize], &edges[j as usize]);
        !intersect(e, o) || conflict(e, o)
    });
}

/// A bounding box, and the index of what it bounds.
#[derive(Clone, Copy)]
pub(crate) struct IndexedBox {
    pub(crate) min_x: f64,
    pub(crate) max_x: f64,
    pub(crate) min_y: f64,
    pub(crate) max_y: f64,
    pub(crate) index: u32,
}

/// Sort and sweep: calls `each` with the indices of every two boxes that meet (touching counts), each
/// pair once and the box that starts first along x first, until it returns false; whether it never did.
/// Each box meets only the boxes that start before it ends along x; the sort is of (order-preserving
/// integer key of min x, index) pairs, several times cheaper than moving boxes. The sweep then reads
/// the boxes in that order from one array, so that most pairs are ruled out by their boxes without
/// reaching what they bound.
pub(crate) fn every_meeting_pair(boxes: Vec<IndexedBox>, mut each: impl FnMut(u32, u32) -> bool) -> bool {
    let mut order: Vec<(u64, u32)> = boxes.iter().enumerate().map(|(k, b)| (ordered_bits(b.min_x), k as u32)).collect();
    order.sort_unstable();
    let sorted: Vec<IndexedBox> = order.iter().map(|&(_, k)| boxes[k as usize]).collect();
    drop(boxes);
    for (k, b) in sorted.iter().enumerate() {
        for o in &sorted[k + 1..] {
            if o.min_x > b.max_x {
                break;
            }
            if o.min_y > b.max_y || o.max_y < b.min_y {
                continue;
            }
            if !each(b.index, o.index) {
                return false;
            }
        }
    }
    true
}

/// Maps an f64 to a u64 with the same order (IEEE 754 total order).
fn ordered_bits(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Of a soup of segments (each with an owner), the owners of every pair that intersects other than at a
/// shared endpoint — a proper crossing, a T-junction, or collinear segments overlapping. Sorted, deduplicated.
///
/// The soup is cut into bands along y, each swept alone (in parallel), so that a soup spread over a
/// country costs about what its bands cost: a sweep along x alone meets, for each segment, every
/// segment of the country that starts within its width.
///
/// ```
/// use geo::Coord;
/// let c = |x: f64, y: f64| Coord { x, y };
/// // 1 crosses 2; 3 meets 2 at its end only (allowed); 4 lies apart.
/// let soup = [
///     (c(0., 0.), c(2., 2.), 1),
///     (c(0., 2.), c(2., 0.), 2),
///     (c(2., 0.), c(3., 0.), 3),
///     (c(5., 5.), c(6., 6.), 4),
/// ];
/// assert_eq!(footprint_ingest::conflicting_owners(&soup), [1, 2]);
/// ```
#[must_use]
pub fn conflicting_owners(segments: &[(Coord<f64>, Coord<f64>, u32)]) -> Vec<u32> {
    use rayon::prelude::*;
    let edges = soup_edges(segments);
    let mut owners: Vec<u32> = bands(&edges)
        .par_iter()
        .flat_map_iter(|band| {
            let mut owners = Vec::new();
            sweep(band, |e, o| {
                owners.push(segments[e.ring as usize].2);
                owners.push(segments[o.ring as usize].2);
                true
            });
            owners
        })
        .collect();
    owners.par_sort_unstable();
    owners.dedup();
    owners
}

/// Segments per band of [`bands`], about.
const BAND_SEGMENTS: usize = 2048;

/// `edges` in bands of equal height along y, each edge in every band its y-range reaches. Two edges that
/// meet share a point, which is in a band both reach: each pair that meets is in one band at least.
fn bands(edges: &[Edge]) -> Vec<Vec<Edge>> {
    let (low, high) = edges.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), e| {
        (low.min(e.a.y).min(e.b.y), high.max(e.a.y).max(e.b.y))
    });
    let count = (edges.len() / BAND_SEGMENTS).clamp(1, 4096);
    let height = (high - low) / count as f64;
    if count == 1 || !(height > 0.0 && height.is_finite()) {
        return vec![edges.to_vec()];
    }
    // Monotonic in y (each step rounds monotonically), so a point within an edge's y-range falls in a
    // band between those of the range's ends.
    let band = |y: f64| (((y - low) / height) as usize).min(count - 1);
    // Each band its own capacity (`vec![v; n]` clones `v`, and a clone keeps only its length).
    let mut out: Vec<Vec<Edge>> = (0..count).map(|_| Vec::with_capacity(2 * edges.len() / count)).collect();
    for e in edges {
        let (a, b) = (band(e.a.y), band(e.b.y));
        for band in &mut out[a.min(b)..=a.max(b)] {
            band.push(*e);
        }
    }
    out
}

/// The segments of a soup as edges, each its own "ring" (so segments meeting at an endpoint are allowed
/// unless they fold), numbered by its place in `segments`; zero-length segments left out.
fn soup_edges(segments: &[(Coord<f64>, Coord<f64>, u32)]) -> Vec<Edge> {
    segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.0 != s.1)
        .map(|(i, &(a, b, _))| Edge {
            a,
            b,
            ring: i as u32,
            index: 0,
            ring_len: 1,
            min_x: a.x.min(b.x),
            max_x: a.x.max(b.x),
        })
        .collect()
}

fn on_segment(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// Whether two edges intersect in a way a valid area does not allow.
fn intersect(e: &Edge, o: &Edge) -> bool {
    if e.a.y.max(e.b.y) < o.a.y.min(o.b.y) || o.a.y.max(o.b.y) < e.a.y.min(e.b.y) {
        return false;
    }
    let adjacent = e.ring == o.ring
        && (e.index.abs_diff(o.index) == 1 || (e.index.min(o.index) == 0 && e.index.max(o.index) == e.ring_len - 1));
    let shared = [e.a, e.b].into_iter().find(|p| *p == o.a || *p == o.b);
    if let Some(shared) = shared
        && (adjacent || e.ring != o.ring)
    {
        // Consecutive edges of a ring, or edges of two rings (rings may touch at a point), that share an
        // endpoint are wrong only if they fold back over each other: the far end of one on the line of
        // the other, on the same side of the shared point.
        let e_far = if e.a == shared { e.b } else { e.a };
        let o_far = if o.a == shared { o.b } else { o.a };
        return orient(e.a, e.b, o_far) == 0.0
            && (e_far.x - shared.x) * (o_far.x - shared.x) + (e_far.y - shared.y) * (o_far.y - shared.y) > 0.0;
    }
    let (o1, o2) = (orient(e.a, e.b, o.a), orient(e.a, e.b, o.b));
    if o1 * o2 > 0.0 {
        return false; // o lies wholly on one side of e's line
    }
    let (o3, o4) = (orient(o.a, o.b, e.a), orient(o.a, o.b, e.b));
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        return true; // a proper crossing
    }
    (o1 == 0.0 && on_segment(e.a, e.b, o.a))
        || (o2 == 0.0 && on_segment(e.a, e.b, o.b))
        || (o3 == 0.0 && on_segment(o.a, o.b, e.a))
        || (o4 == 0.0 && on_segment(o.a, o.b, e.b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn check(rings: &[&[(f64, f64)]], expected: bool) {
        let mut rings = rings.iter().map(|r| LineString::from(r.to_vec()));
        let exterior = rings.next().unwrap();
        let area = MultiPolygon(vec![Polygon::new(exterior, rings.collect())]);
        assert_eq!(has_crossing_edges(&area), expected, "{area:?}");
    }

    #[test]
    fn screens() {
        check(&[&[(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)]], false);
        check(&[&[(0., 0.), (4., 4.), (4., 0.), (0., 4.), (0., 0.)]], true); // bow-tie
        check(&[&[(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)], &[(1., 1.), (2., 1.), (2., 2.), (1., 1.)]], false);
        check(&[&[(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)], &[(3., 1.), (5., 1.), (5., 2.), (3., 1.)]], true); // hole crosses shell
        check(&[&[(0., 0.), (4., 0.), (2., 0.), (2., 3.), (0., 0.)]], true); // spike folding back
        check(&[&[(0., 0.), (4., 0.), (4., 4.), (2., 0.), (0., 4.), (0., 0.)]], true); // ring touches itself at (2, 0)
        check(&[&[(0., 0.), (4., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)]], false); // repeated position
        // A hole touching the shell at a shared vertex is allowed (OGC); sharing an edge with it is not.
        // (A hole vertex on the middle of a shell edge is flagged: the screen is conservative there and
        // geo's validation, which runs on every flagged area, has the last word.)
        check(&[&[(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)], &[(4., 4.), (3., 2.), (2., 3.), (4., 4.)]], false);
        check(&[&[(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)], &[(0., 2.), (2., 1.), (2., 3.), (0., 2.)]], true);
        check(&[&[(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)], &[(0., 1.), (2., 2.), (0., 3.), (0., 1.)]], true);
    }

    /// A seeded generator (Knuth's MMIX linear congruential generator, high bits) of integers below `n`,
    /// as f64.
    fn seeded(mut state: u64) -> impl FnMut(u64) -> f64 {
        move |n: u64| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % n) as f64
        }
    }

    /// The owners of every pair of `segments` that [`intersect`] finds meeting (either way round), each pair
    /// of the soup tried.
    fn every_pair(segments: &[(Coord<f64>, Coord<f64>, u32)]) -> Vec<u32> {
        let edges = soup_edges(segments);
        let mut expected = Vec::new();
        for (i, e) in edges.iter().enumerate() {
            for o in &edges[i + 1..] {
                let apart = e.max_x < o.min_x || o.max_x < e.min_x; // `intersect` tests the rest
                if !apart && (intersect(e, o) || intersect(o, e)) {
                    expected.extend([segments[e.ring as usize].2, segments[o.ring as usize].2]);
                }
            }
        }
        expected.sort_unstable();
        expected.dedup();
        expected
    }

    /// The sweep finds exactly the pairs every-pair-against-every-pair finds, on seeded random segment soups
    /// with shared endpoints, collinear overlaps and crossings.
    #[test]
    fn sweep_finds_what_every_pair_finds() {
        let mut next = seeded(0x2545_f491_4f6c_dd1d);
        for round in 0..200 {
            let grid = 4 + round % 12;
            let segments: Vec<(Coord<f64>, Coord<f64>, u32)> = (0..30)
                .map(|owner| {
                    let a = Coord { x: next(grid), y: next(grid) };
                    let b = Coord { x: next(grid), y: next(grid) };
                    (a, b, owner)
                })
                .collect();
            assert_eq!(conflicting_owners(&segments), every_pair(&segments), "round {round}");
        }
    }

    /// Soups large enough to be cut into bands (short segments on a tall strip, some spanning several
    /// bands, some flat, on band edges) give the pairs every pair gives.
    #[test]
    fn bands_find_what_every_pair_finds() {
        let mut next = seeded(0x9e37_79b9_7f4a_7c15);
        for round in 0..3 {
            let n = 3 * BAND_SEGMENTS + 517 * round;
            let segments: Vec<(Coord<f64>, Coord<f64>, u32)> = (0..n as u32)
                .map(|owner| {
                    let a = Coord { x: next(400), y: next(4000) };
                    let reach = if owner % 50 == 0 { 900 } else { 7 };
                    let b = Coord { x: a.x + next(7) - 3., y: a.y + next(2 * reach + 1) - reach as f64 };
                    (a, b, owner)
                })
                .collect();
            assert!(bands(&soup_edges(&segments)).len() > 1);
            let expected = every_pair(&segments);
            assert!((100..n / 2).contains(&expected.len()), "round {round}: {} owners", expected.len());
            assert_eq!(conflicting_owners(&segments), expected, "round {round}");
        }
    }
}
