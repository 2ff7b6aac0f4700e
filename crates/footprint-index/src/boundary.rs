//! Which polygons a layer's boundaries pass through: an R-tree of boundary edges and exact segment tests.

use geo::{Coord, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use rustc_hash::FxHashMap;

use footprint_ingest::orient;

/// An edge with the index of the shape it bounds.
type BoundaryEdge = GeomWithData<Rectangle<[f64; 2]>, (Coord<f64>, Coord<f64>, usize)>;

/// The boundary edges of a set of polygons (team areas, say), to ask whether any of them passes through
/// the interior of another polygon.
///
/// ```
/// use footprint_index::BoundaryIndex;
/// use geo::{MultiPolygon, polygon};
/// let teams = [MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)]])];
/// let index = BoundaryIndex::new(&teams);
/// let inside = MultiPolygon(vec![polygon![(x: 0.5, y: 0.5), (x: 1., y: 0.5), (x: 1., y: 1.), (x: 0.5, y: 1.)]]);
/// let across = MultiPolygon(vec![polygon![(x: 1.5, y: 0.5), (x: 3., y: 0.5), (x: 3., y: 1.), (x: 1.5, y: 1.)]]);
/// let sharing_an_edge = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 2.), (x: 0., y: 2.)]]);
/// assert!(!index.cuts(&inside, 0.0));
/// assert!(index.cuts(&across, 0.0));
/// assert!(!index.cuts(&sharing_an_edge, 0.0));
/// // A boundary 1 mm off the LSOA's edge runs along it within a tolerance of 1 cm.
/// let nearly = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 2.001, y: 0.), (x: 2.001, y: 2.), (x: 0., y: 2.)]]);
/// assert!(index.cuts(&nearly, 0.0));
/// assert!(!index.cuts(&nearly, 0.01));
/// assert_eq!(index.locate(geo::Coord { x: 1.0, y: 1.0 }), Some(0));
/// assert_eq!(index.locate(geo::Coord { x: 3.0, y: 1.0 }), None);
/// ```
pub struct BoundaryIndex {
    tree: RTree<BoundaryEdge>,
    shapes: usize,
    max_x: f64,
}

impl BoundaryIndex {
    /// Indexes every ring edge of `shapes`.
    #[must_use]
    pub fn new<'a>(shapes: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let mut count = 0;
        let edges: Vec<BoundaryEdge> = shapes
            .into_iter()
            .inspect(|_| count += 1)
            .enumerate()
            .flat_map(|(i, s)| rings(s).flat_map(move |ring| ring.0.windows(2).map(move |w| (w[0], w[1], i))))
            .filter(|(a, b, _)| a != b)
            .map(|(a, b, i)| {
                let rect = Rectangle::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)]);
                GeomWithData::new(rect, (a, b, i))
            })
            .collect();
        let max_x = edges.iter().map(|e| e.data.0.x.max(e.data.1.x)).fold(f64::NEG_INFINITY, f64::max);
        Self { tree: RTree::bulk_load(edges), shapes: count, max_x }
    }

    /// The first shape (in the order given) holding `p` under the project's point-in-polygon rule
    /// ([`crate::contains`]), found by counting the edges of each shape that the rightward ray from `p`
    /// crosses, through the R-tree: no shape's every edge is visited.
    #[must_use]
    pub fn locate(&self, p: Coord<f64>) -> Option<usize> {
        let all: Vec<usize> = (0..self.shapes).collect();
        self.locate_among(p, &all, self.max_x)
    }

    /// As [`BoundaryIndex::locate`], among `shapes` (indices, in the order given), all of which lie west of
    /// `east`: the ray stops there, so it meets fewer edges.
    #[must_use]
    pub fn locate_among(&self, p: Coord<f64>, shapes: &[usize], east: f64) -> Option<usize> {
        // A point east of every edge (or not a number) is in no shape.
        if p.x.is_nan() || p.x > east {
            return None;
        }
        let mut odd = vec![false; self.shapes];
        let ray = AABB::from_corners([p.x, p.y], [east, p.y]);
        for e in self.tree.locate_in_envelope_intersecting(ray) {
            if footprint_ingest::crosses_ray(e.data.0, e.data.1, p) {
                odd[e.data.2] = !odd[e.data.2];
            }
        }
        shapes.iter().copied().find(|&s| odd.get(s).copied().unwrap_or(false))
    }

    /// Whether some indexed edge passes through the interior of `shape`. Edges along its boundary do not:
    /// an edge none of whose ends and midpoint is further than `tolerance` from the boundary runs along it
    /// (layers digitised or rounded separately differ by float noise and rounding).
    #[must_use]
    pub fn cuts(&self, shape: &MultiPolygon<f64>, tolerance: f64) -> bool {
        use geo::BoundingRect;
        let Some(bbox) = shape.bounding_rect() else { return false };
        let envelope = AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let limit = tolerance * tolerance;
        // The shape's own edges by their ends, made on the first edge met: an indexed edge that is one of
        // them (layers made of the same polygons share most edges) runs along the boundary when its
        // midpoint is near that edge, as `segment_cuts` would find after scanning every edge three times.
        let mut own: Option<OwnEdges> = None;
        let mut strips: Option<Strips> = None;
        self.tree.locate_in_envelope_intersecting(envelope).any(|e| {
            let (a, b) = (e.data.0, e.data.1);
            let own = own.get_or_insert_with(|| own_edges(shape));
            let along = own.get(&undirected(a, b)).is_some_and(|&(c, d)| near_segment(c, d, midpoint(a, b), limit));
            !along && segment_cuts(strips.get_or_insert_with(|| Strips::new(shape, tolerance)), a, b, tolerance)
        })
    }
}

/// A position by the bits of its coordinates.
type Key = (u64, u64);
/// A shape's edges as they run in its rings, by their two ends in either order.
type OwnEdges = FxHashMap<(Key, Key), (Coord<f64>, Coord<f64>)>;

fn undirected(a: Coord<f64>, b: Coord<f64>) -> (Key, Key) {
    let (ka, kb) = ((a.x.to_bits(), a.y.to_bits()), (b.x.to_bits(), b.y.to_bits()));
    if ka <= kb { (ka, kb) } else { (kb, ka) }
}

/// Every edge of `shape` as it runs in its ring, by its two ends in either order.
fn own_edges(shape: &MultiPolygon<f64>) -> OwnEdges {
    let mut edges = FxHashMap::default();
    for w in rings(shape).flat_map(|ring| ring.0.windows(2)) {
        edges.entry(undirected(w[0], w[1])).or_insert((w[0], w[1]));
    }
    edges
}

fn midpoint(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 }
}

fn rings(shape: &MultiPolygon<f64>) -> impl Iterator<Item = &geo::LineString<f64>> {
    shape.0.iter().flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
}

/// The edges of a shape in horizontal strips, each edge in every strip its y range (grown by a margin
/// well over the tolerance) meets: the edges near a point, or crossing the rightward ray from it, are all
/// in the point's strip, so the tests below visit a strip instead of every edge and decide the same.
struct Strips {
    min_y: f64,
    step: f64,
    strips: Vec<Vec<(Coord<f64>, Coord<f64>)>>,
}

impl Strips {
    fn new(shape: &MultiPolygon<f64>, tolerance: f64) -> Self {
        let edges: Vec<(Coord<f64>, Coord<f64>)> =
            rings(shape).flat_map(|ring| ring.0.windows(2).map(|w| (w[0], w[1]))).collect();
        let (min_y, max_y) =
            edges.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| (lo.min(e.0.y), hi.max(e.0.y)));
        let count = ((edges.len() as f64).sqrt() as usize).clamp(1, 64);
        let step = (max_y - min_y) / count as f64;
        let (count, step) = if step > 0.0 && step.is_finite() { (count, step) } else { (1, 1.0) };
        // Rounding cannot bring an edge this far away within the tolerance.
        let margin = 2.0 * tolerance + 1e-6 * min_y.abs().max(max_y.abs()).max(1.0);
        let mut strips = Self { min_y, step, strips: vec![Vec::new(); count] };
        for e in edges {
            let (lo, hi) = (strips.index(e.0.y.min(e.1.y) - margin), strips.index(e.0.y.max(e.1.y) + margin));
            for strip in &mut strips.strips[lo..=hi] {
                strip.push(e);
            }
        }
        strips
    }

    /// The strip of height `y` (monotone in `y`, clamped to the strips).
    fn index(&self, y: f64) -> usize {
        (((y - self.min_y) / self.step).floor().max(0.0) as usize).min(self.strips.len() - 1)
    }

    /// Whether `p` is within √`limit` of an edge.
    fn near(&self, p: Coord<f64>, limit: f64) -> bool {
        self.strips[self.index(p.y)].iter().any(|&(a, b)| near_segment(a, b, p, limit))
    }

    /// [`crate::contains`]: the parity of the edges crossing the rightward ray from `p`, each in `p`'s strip once.
    fn contains(&self, p: Coord<f64>) -> bool {
        self.strips[self.index(p.y)].iter().filter(|&&(a, b)| footprint_ingest::crosses_ray(a, b, p)).count() % 2 == 1
    }

    /// The edges whose y range may meet `y0..=y1` (some more than once).
    fn between(&self, y0: f64, y1: f64) -> impl Iterator<Item = &(Coord<f64>, Coord<f64>)> {
        self.strips[self.index(y0)..=self.index(y1)].iter().flatten()
    }
}

/// Whether `p` is within √`limit` of the segment `a`–`b`.
fn near_segment(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>, limit: f64) -> bool {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (ex, ey) = (p.x - a.x - t * dx, p.y - a.y - t * dy);
    ex * ex + ey * ey <= limit
}

/// Whether the segment `a`–`b` passes through the interior of the shape of `edges`. A segment whose ends
/// and midpoint are all within `tolerance` of the boundary runs along it. Otherwise it does if one of
/// those points is inside, or if it properly crosses an edge further than `tolerance` from both its ends
/// (a crossing at an end is a shared vertex digitised twice).
fn segment_cuts(edges: &Strips, a: Coord<f64>, b: Coord<f64>, tolerance: f64) -> bool {
    let points = [a, b, midpoint(a, b)];
    let near = points.map(|p| edges.near(p, tolerance * tolerance));
    if near.iter().all(|&n| n) {
        return false;
    }
    if points.iter().zip(near).any(|(&p, n)| !n && edges.contains(p)) {
        return true;
    }
    let length = (b.x - a.x).hypot(b.y - a.y);
    edges.between(a.y.min(b.y), a.y.max(b.y)).any(|&(c, d)| {
        let (o1, o2) = (orient(c, d, a), orient(c, d, b));
        if o1 * o2 >= 0.0 || orient(a, b, c) * orient(a, b, d) >= 0.0 {
            return false;
        }
        let t = o1 / (o1 - o2);
        t.min(1.0 - t) * length > tolerance
    })
}
