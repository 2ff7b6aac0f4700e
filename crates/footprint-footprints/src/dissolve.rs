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

use footprint_ingest::{AreaId, has_crossing_edges};
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
/// A directed edge with the numbers of its start and end (two ends have one number exactly when they
/// are at the same position).
type Numbered = (Edge, [u32; 2]);
/// The net count of an undirected edge and its two ends (lower key first).
type NetEdge = (i32, Coord<f64>, Coord<f64>);
/// An edge of a layer: its two vertex numbers (the lower in the high half), its area, +1 if it runs from
/// the lower number to the higher, −1 if the other way.
type NumberedEdge = (u64, u32, i32);

pub(crate) fn key(c: Coord<f64>) -> Key {
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
/// use footprint_footprints::{DissolveMethod, dissolve};
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
    let linked = cancel(polygons).map(numbered).and_then(|(mut edges, count)| {
        edges.sort_unstable_by(|p, q| key(p.0.0).cmp(&key(q.0.0)).then(cmp_coord(p.0.1, q.0.1)));
        link(edges, count)
    });
    finish(linked, false, || polygons.to_vec())
}

/// A layer's areas prepared for many dissolves: every undirected edge numbered once, each area's edges
/// listed by number, and the areas that do not match their neighbours edge for edge marked unclean.
///
/// Dissolving a set of areas then counts edges in a dense array instead of hashing coordinates.
///
/// ```
/// use footprint_ingest::AreaId;
/// use footprint_footprints::{Coverage, DissolveMethod};
/// use geo::{Area, MultiPolygon, polygon};
/// let west = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
/// let east = polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)];
/// let coverage = Coverage::new(vec![MultiPolygon(vec![west]), MultiPolygon(vec![east])], 1e-9);
/// let (union, method) = coverage.dissolve(&[AreaId(0), AreaId(1)]);
/// assert_eq!((union.0.len(), union.unsigned_area(), method), (1, 2.0, DissolveMethod::Exact));
/// ```
///
/// A coverage depends on the layer alone: it can be kept (serde) and loaded again for the same layer, and
/// [`Coverage::fits`] checks that a loaded one belongs to the layer's areas.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(into = "KeptCoverage", try_from = "KeptCoverage")]
pub struct Coverage {
    shapes: Vec<MultiPolygon<f64>>,
    numbering: Numbering,
}

/// What a coverage numbers of its areas' edges and vertices, kept as it is.
///
/// Edges are grouped by their owners: the edges that the same areas hold, the areas running them the
/// same way round relative to each other, form one group (most groups are the boundary two neighbours
/// share, or an area's stretch of the layer's outline). Whatever the set of areas dissolved, the edges of
/// a group cancel or remain together, so a dissolve counts groups, a handful per area, rather than edges.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Numbering {
    unclean: Vec<bool>,
    /// Where each area's groups start in `memberships` (one entry more than there are areas).
    offsets: Vec<usize>,
    /// Every group of every area, area by area: (group number, +1 when the area runs the group's edges
    /// its way round, −1 when the other); a group an area holds twice is listed twice.
    memberships: Vec<(u32, i32)>,
    /// Where each group's edges start in `grouped` (one entry more than there are groups).
    group_offsets: Vec<usize>,
    /// Every edge, group by group: twice its number, plus one when its owners run it the other way round
    /// from the group's directions.
    grouped: Vec<u32>,
    /// Each edge's ends by vertex number, lower first.
    ends: Vec<[u32; 2]>,
    /// Each vertex's position, by number.
    positions: Vec<Coord<f64>>,
    /// Each vertex's place among all of them in key order and in coordinate order ([`cmp_coord`]), by
    /// number: what the edges left after cancelling are sorted by.
    ranks: Vec<[u32; 2]>,
}

impl Numbering {
    /// The groups of area `area`: (group number, +1 when it runs their edges the group's way round, −1
    /// when the other).
    fn groups_of(&self, area: usize) -> &[(u32, i32)] {
        &self.memberships[self.offsets[area]..self.offsets[area + 1]]
    }

    /// How many groups of edges there are.
    fn groups(&self) -> usize {
        self.group_offsets.len().saturating_sub(1)
    }

    /// The edges of group `group`, as in [`Numbering::grouped`].
    fn edges_in(&self, group: usize) -> &[u32] {
        &self.grouped[self.group_offsets[group]..self.group_offsets[group + 1]]
    }
}

/// The owners of an edge with the direction each runs it in, in order, as seen from the first owner's
/// direction (+1 the same way, −1 the other): one owner or two for nearly every edge, held without
/// allocating.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Owners {
    One(u32, i32),
    Two(u32, i32, u32, i32),
    More(Vec<(u32, i32)>),
}

impl Owners {
    /// The owners of an edge (its run of copies, sorted by owner), and whether the first owner runs it
    /// from the higher vertex number to the lower.
    fn of(run: &[NumberedEdge]) -> (Self, bool) {
        let first = run[0].2;
        let owners = match run {
            [a] => Self::One(a.1, 1),
            [a, b] => Self::Two(a.1, 1, b.1, b.2 * first),
            _ => Self::More(run.iter().map(|e| (e.1, e.2 * first)).collect()),
        };
        (owners, first < 0)
    }

    fn each(&self) -> Vec<(u32, i32)> {
        match self {
            Self::One(a, s) => vec![(*a, *s)],
            Self::Two(a, s, b, t) => vec![(*a, *s), (*b, *t)],
            Self::More(all) => all.clone(),
        }
    }
}

/// Values listed key by key: where each key's start (one entry more than there are keys), and the values.
type ByKey<T> = (Vec<usize>, Vec<T>);

/// Groups the edges (numbered by their run in `edges`, sorted by key then owner) by their owners: each
/// area's groups ([`Numbering::memberships`]) and each group's edges ([`Numbering::grouped`]).
fn group_edges(edges: &[NumberedEdge], areas: usize) -> (ByKey<(u32, i32)>, ByKey<u32>) {
    let mut number: FxHashMap<Owners, u32> = FxHashMap::default();
    let mut owners: Vec<Owners> = Vec::new();
    let group_of: Vec<(u32, bool)> = edges
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| {
            let (o, flipped) = Owners::of(run);
            let group = *number.entry(o.clone()).or_insert_with(|| {
                owners.push(o);
                owners.len() as u32 - 1
            });
            (group, flipped)
        })
        .collect();
    let (group_offsets, grouped) = by_offsets(
        owners.len(),
        group_of.iter().enumerate().map(|(e, &(g, flipped))| (g, 2 * e as u32 + u32::from(flipped))),
    );
    let (offsets, memberships) = by_offsets(
        areas,
        owners
            .iter()
            .enumerate()
            .flat_map(|(g, o)| o.each().into_iter().map(move |(area, sign)| (area, (g as u32, sign)))),
    );
    ((offsets, memberships), (group_offsets, grouped))
}

/// `items` (key below `keys`, value) as offsets by key and the values key by key, each key's in the order given.
fn by_offsets<T: Copy + Default>(keys: usize, items: impl Iterator<Item = (u32, T)> + Clone) -> ByKey<T> {
    let mut offsets = vec![0usize; keys + 1];
    for (k, _) in items.clone() {
        offsets[k as usize + 1] += 1;
    }
    for i in 0..keys {
        offsets[i + 1] += offsets[i];
    }
    let mut values = vec![T::default(); offsets[keys]];
    let mut next = offsets.clone();
    for (k, v) in items {
        values[next[k as usize]] = v;
        next[k as usize] += 1;
    }
    (offsets, values)
}

thread_local! {
    /// Net edge counts while a dissolve runs, indexed by edge number; all zero between dissolves.
    static NET: std::cell::RefCell<Vec<i32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// While rings are linked, the place of each vertex number among the starts of the edges left;
    /// stale between dissolves (every read is checked against the vertex found there).
    static SLOT: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Coverage {
    /// Makes the vertices of `shapes` (the areas of a layer in code order, oriented) that are within
    /// `tolerance` of an earlier one identical to it ([`crate::unify_vertices`]), numbers the
    /// edges and finds the unclean areas.
    ///
    /// The whole layer is dissolved once by edge cancellation; what remains is the outline of the layer
    /// plus every mismatch. The areas owning a remaining edge that crosses, overlaps or touches another
    /// other than at an endpoint are unclean, as are areas sharing an edge in the same direction. A set
    /// of areas none of which is unclean dissolves exactly into a valid shape: its internal boundaries
    /// cancel, and the rest are original edges of valid, non-overlapping areas.
    #[must_use]
    pub fn new(mut shapes: Vec<MultiPolygon<f64>>, tolerance: f64) -> Self {
        use rayon::prelude::*;
        let vertices = crate::unify_vertices(&mut shapes, tolerance);
        // Every edge as (undirected key, direction, owner), gathered and sorted in parallel: runs of one key
        // are the copies of one edge. (A sort keeps this parallel; a shared hash map would not.)
        let mut edges: Vec<NumberedEdge> = shapes
            .par_iter()
            .zip(&vertices.rings)
            .enumerate()
            .flat_map_iter(|(i, (area, numbers))| {
                let rings = std::iter::once(0)
                    .chain(crate::coverage::rings(area).scan(0, |end, ring| {
                        *end += ring.0.len();
                        Some(*end)
                    }))
                    .collect::<Vec<usize>>();
                let owner = i as u32;
                (0..rings.len().saturating_sub(1))
                    .flat_map(move |r| {
                        let ring = &numbers[rings[r]..rings[r + 1]];
                        ring.windows(2).filter_map(move |w| match w[0].cmp(&w[1]) {
                            std::cmp::Ordering::Equal => None,
                            std::cmp::Ordering::Less => Some(((u64::from(w[0]) << 32) | u64::from(w[1]), owner, 1)),
                            std::cmp::Ordering::Greater => Some(((u64::from(w[1]) << 32) | u64::from(w[0]), owner, -1)),
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        edges.par_sort_unstable();
        let at = |number: u64| vertices.positions[number as usize];
        let numbers_of = |key: u64| [(key >> 32) as u32, (key & u64::from(u32::MAX)) as u32];
        let mut unclean = vec![false; shapes.len()];
        let mut remaining: Vec<(Coord<f64>, Coord<f64>, u32)> = Vec::new();
        let mut ends = Vec::new();
        for run in edges.chunk_by(|a, b| a.0 == b.0) {
            let [lo, hi] = numbers_of(run[0].0);
            ends.push([lo, hi]);
            let (lo, hi) = (at(u64::from(lo)), at(u64::from(hi)));
            let count: i32 = run.iter().map(|e| e.2).sum();
            match count.unsigned_abs() {
                0 => {}
                1 => remaining.push((lo, hi, run[0].1)),
                // The same edge in the same direction in two areas: they overlap there.
                _ => run.iter().for_each(|e| unclean[e.1 as usize] = true),
            }
        }
        for owner in footprint_ingest::conflicting_owners(&remaining) {
            unclean[owner as usize] = true;
        }
        let ((offsets, memberships), (group_offsets, grouped)) = group_edges(&edges, shapes.len());
        let ranks = ranks(&vertices.positions);
        let positions = vertices.positions;
        Self {
            shapes,
            numbering: Numbering { unclean, offsets, memberships, group_offsets, grouped, ends, positions, ranks },
        }
    }

    /// Whether this coverage can be one made of `areas` with `tolerance` ([`Coverage::new`]): as many
    /// shapes as areas, each with the area's polygons and rings, no ring longer than the area's and
    /// every vertex within the tolerance of the area's bounding box. (A coverage loaded has its numbers
    /// in range, or it does not load: [`Coverage::dissolve`] never fails or indexes out of range on it.)
    ///
    /// ```
    /// use footprint_footprints::Coverage;
    /// use geo::{MultiPolygon, polygon};
    /// let west = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]]);
    /// let east = MultiPolygon(vec![polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)]]);
    /// let coverage = Coverage::new(vec![west.clone(), east.clone()], 1e-9);
    /// assert!(coverage.fits(&[&west, &east], 1e-9));
    /// assert!(!coverage.fits(&[&east, &west], 1e-9));
    /// assert!(!coverage.fits(&[&west], 1e-9));
    /// ```
    #[must_use]
    pub fn fits(&self, areas: &[&MultiPolygon<f64>], tolerance: f64) -> bool {
        use rayon::prelude::*;
        self.shapes.len() == areas.len()
            && self.shapes.par_iter().zip(areas).all(|(shape, area)| shape_fits(shape, area, tolerance))
    }

    /// The areas' shapes, with coincident vertices made identical.
    #[must_use]
    pub fn shapes(&self) -> &[MultiPolygon<f64>] {
        &self.shapes
    }

    /// Each vertex's position, by number.
    pub(crate) fn positions(&self) -> &[Coord<f64>] {
        &self.numbering.positions
    }

    /// Each edge's ends, by vertex number: every undirected edge of the areas once.
    pub(crate) fn ends(&self) -> &[[u32; 2]] {
        &self.numbering.ends
    }

    /// Whether each area fails to match its neighbours edge for edge.
    #[must_use]
    pub fn unclean(&self) -> &[bool] {
        &self.numbering.unclean
    }

    /// The pairs of areas that share at least one edge (after coincident vertices are unified), each
    /// pair once as (lower index, higher index), sorted: rook contiguity. Areas that meet only at a
    /// vertex are not neighbours.
    ///
    /// ```
    /// use footprint_footprints::Coverage;
    /// use geo::{MultiPolygon, polygon};
    /// let square = |x: f64, y: f64| {
    ///     MultiPolygon(vec![polygon![(x: x, y: y), (x: x + 1., y: y), (x: x + 1., y: y + 1.), (x: x, y: y + 1.)]])
    /// };
    /// // West and east share an edge; the north-east square meets west only at a corner.
    /// let coverage = Coverage::new(vec![square(0., 0.), square(1., 0.), square(1., 1.)], 1e-9);
    /// assert_eq!(coverage.shared_edges(), [(0, 1), (1, 2)]);
    /// ```
    #[must_use]
    pub fn shared_edges(&self) -> Vec<(u32, u32)> {
        // The edges of a group have the same owners: pairs of owners by group are pairs by edge.
        let mut owners: Vec<(u32, u32)> = Vec::with_capacity(self.numbering.memberships.len());
        for area in 0..self.shapes.len() {
            for &(group, _) in self.numbering.groups_of(area) {
                owners.push((group, area as u32));
            }
        }
        owners.sort_unstable();
        owners.dedup();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for run in owners.chunk_by(|a, b| a.0 == b.0) {
            for (i, a) in run.iter().enumerate() {
                pairs.extend(run[i + 1..].iter().map(|b| (a.1, b.1)));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// The union of `areas`: exact when their edges cancel into a valid shape (trusted without the
    /// validity screen when none of them is unclean), else the boolean union.
    #[must_use]
    pub fn dissolve(&self, areas: &[AreaId]) -> (MultiPolygon<f64>, DissolveMethod) {
        let clean = areas.iter().all(|a| !self.numbering.unclean[a.index()]);
        let linked = self.cancel(areas).and_then(|edges| link(self.sorted(&edges), self.numbering.positions.len()));
        finish(linked, clean, || areas.iter().flat_map(|a| self.shapes[a.index()].0.iter()).collect())
    }

    /// `edges` in the order [`link`] asks for, found from the vertices' ranks: each edge's place looked up
    /// once, then integers sorted.
    fn sorted(&self, edges: &[Numbered]) -> Vec<Numbered> {
        let ranks = &self.numbering.ranks;
        let ends: Vec<(u32, u32)> =
            edges.iter().map(|e| (ranks[e.1[0] as usize][0], ranks[e.1[1] as usize][1])).collect();
        rank_order(&ends, ranks.len()).into_iter().map(|i| edges[i]).collect()
    }

    /// The directed edges of `areas` left after shared edges cancel, or `None` if an edge is left twice
    /// in one direction (overlapping areas). Counted group by group: a group's edges all have its count.
    fn cancel(&self, areas: &[AreaId]) -> Option<Vec<Numbered>> {
        let numbering = &self.numbering;
        NET.with_borrow_mut(|net| {
            if net.len() < numbering.groups() {
                net.resize(numbering.groups(), 0);
            }
            let mut touched: Vec<u32> = Vec::new();
            for a in areas {
                for &(group, sign) in numbering.groups_of(a.index()) {
                    let n = &mut net[group as usize];
                    if *n == 0 {
                        touched.push(group);
                    }
                    *n += sign;
                }
            }
            // Reset every count touched (a group may be touched twice: the first visit takes its count).
            let mut remaining = Vec::new();
            let mut overlapping = false;
            for group in touched {
                let count = std::mem::take(&mut net[group as usize]);
                if count.abs() > 1 {
                    overlapping = true;
                }
                if count.abs() != 1 {
                    continue;
                }
                for &edge in numbering.edges_in(group as usize) {
                    let [lo, hi] = numbering.ends[(edge >> 1) as usize];
                    let (a, b) = (numbering.positions[lo as usize], numbering.positions[hi as usize]);
                    let forward = (count == 1) == (edge & 1 == 0);
                    remaining.push(if forward { ((a, b), [lo, hi]) } else { ((b, a), [hi, lo]) });
                }
            }
            (!overlapping).then_some(remaining)
        })
    }
}

/// The places of `ends` (each edge's start and end ranks, below `ranks`) sorted by start, then end, then
/// place. The three are packed into one integer when they fit in 64 bits (as they do for layers of up to
/// millions of vertices), sorted faster than tuples in the same order.
fn rank_order(ends: &[(u32, u32)], ranks: usize) -> Vec<usize> {
    let bits = |n: usize| usize::BITS - n.saturating_sub(1).leading_zeros();
    let (rank_bits, place_bits) = (bits(ranks), bits(ends.len()));
    if 2 * rank_bits + place_bits > u64::BITS {
        return tuple_order(ends);
    }
    let mut order: Vec<u64> = ends
        .iter()
        .enumerate()
        .map(|(i, &(s, t))| (((u64::from(s) << rank_bits) | u64::from(t)) << place_bits) | i as u64)
        .collect();
    order.sort_unstable();
    let place = (1u64 << place_bits) - 1;
    order.into_iter().map(|k| (k & place) as usize).collect()
}

/// [`rank_order`] by tuples, whatever the sizes.
fn tuple_order(ends: &[(u32, u32)]) -> Vec<usize> {
    let mut order: Vec<((u32, u32), u32)> = ends.iter().enumerate().map(|(i, &e)| (e, i as u32)).collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i)| i as usize).collect()
}

/// Each position's place in key order and in coordinate order ([`cmp_coord`]): the positions sorted as
/// integer pairs of the same order, once, or twice when some coordinate is negative (where the two orders
/// differ).
fn ranks(positions: &[Coord<f64>]) -> Vec<[u32; 2]> {
    use rayon::prelude::*;
    let sorted = |of: fn(Coord<f64>) -> Key| {
        let mut by: Vec<(Key, u32)> = positions.par_iter().enumerate().map(|(n, &p)| (of(p), n as u32)).collect();
        by.par_sort_unstable();
        by
    };
    /// The IEEE total order of `f64::total_cmp` as unsigned integers.
    fn total(v: f64) -> u64 {
        let b = v.to_bits();
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    }
    let by_key = sorted(key);
    let negative = positions.par_iter().any(|p| p.x.is_sign_negative() || p.y.is_sign_negative());
    let by_coord = negative.then(|| sorted(|p| (total(p.x), total(p.y))));
    let mut ranks = vec![[0u32; 2]; positions.len()];
    for (rank, &(_, n)) in by_key.iter().enumerate() {
        ranks[n as usize] = [rank as u32; 2];
    }
    for (rank, &(_, n)) in by_coord.iter().flatten().enumerate() {
        ranks[n as usize][1] = rank as u32;
    }
    ranks
}

impl Numbering {
    /// Whether the numbering is whole for `areas` areas: an entry per area, the areas' edges listed in
    /// order, every edge and vertex number in range, a rank per vertex.
    fn is_whole(&self, areas: usize) -> bool {
        use rayon::prelude::*;
        let (edges, vertices) = (self.ends.len(), self.positions.len());
        let groups = self.groups();
        self.unclean.len() == areas
            && self.offsets.len() == areas + 1
            && self.offsets.first() == Some(&0)
            && self.offsets.windows(2).all(|w| w[0] <= w[1])
            && self.offsets.last() == Some(&self.memberships.len())
            && self.memberships.par_iter().all(|&(group, sign)| (group as usize) < groups && sign.abs() == 1)
            && self.group_offsets.first() == Some(&0)
            && self.group_offsets.windows(2).all(|w| w[0] <= w[1])
            && self.group_offsets.last() == Some(&self.grouped.len())
            && self.grouped.par_iter().all(|&edge| ((edge >> 1) as usize) < edges)
            && self.ends.par_iter().all(|e| e.iter().all(|&n| (n as usize) < vertices))
            && self.ranks.len() == vertices
    }
}

/// A [`Coverage`] as kept: each shape's vertices by number rather than by position, how its rings and
/// polygons divide them, and the numbering.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptCoverage {
    /// Every vertex of every ring of every shape, by number, in order.
    numbers: Vec<u32>,
    /// Each ring's length, in order.
    lengths: Vec<u32>,
    /// Each polygon's number of holes, in order.
    holes: Vec<u32>,
    /// Each shape's number of polygons.
    polygons: Vec<u32>,
    numbering: Numbering,
}

impl From<Coverage> for KeptCoverage {
    fn from(c: Coverage) -> Self {
        let positions = &c.numbering.positions;
        let number: FxHashMap<Key, u32> = positions.iter().enumerate().map(|(n, &p)| (key(p), n as u32)).collect();
        let rings = || c.shapes.iter().flat_map(crate::coverage::rings);
        Self {
            numbers: rings().flat_map(|r| &r.0).map(|&p| number[&key(p)]).collect(),
            lengths: rings().map(|r| r.0.len() as u32).collect(),
            holes: c.shapes.iter().flat_map(|s| &s.0).map(|p| p.interiors().len() as u32).collect(),
            polygons: c.shapes.iter().map(|s| s.0.len() as u32).collect(),
            numbering: c.numbering,
        }
    }
}

impl TryFrom<KeptCoverage> for Coverage {
    type Error = &'static str;

    /// The coverage kept, its shapes made again from their vertices' numbers; an error when the counts
    /// do not add up or a number is out of range.
    fn try_from(k: KeptCoverage) -> Result<Self, Self::Error> {
        use rayon::prelude::*;
        let positions = &k.numbering.positions;
        let sum = |v: &[u32]| v.iter().map(|&n| n as usize).sum::<usize>();
        let consistent = sum(&k.polygons) == k.holes.len()
            && k.holes.len() + sum(&k.holes) == k.lengths.len()
            && sum(&k.lengths) == k.numbers.len()
            && k.numbers.par_iter().all(|&n| (n as usize) < positions.len())
            && k.numbering.is_whole(k.polygons.len());
        if !consistent {
            return Err("a kept coverage whose shapes or numbers do not add up");
        }
        // Where each shape's first polygon, ring and vertex are.
        let mut starts = Vec::with_capacity(k.polygons.len());
        let (mut polygon, mut ring, mut vertex) = (0usize, 0usize, 0usize);
        for &n in &k.polygons {
            starts.push((polygon, ring, vertex));
            for &h in &k.holes[polygon..polygon + n as usize] {
                vertex += sum(&k.lengths[ring..ring + 1 + h as usize]);
                ring += 1 + h as usize;
            }
            polygon += n as usize;
        }
        let shapes = starts
            .into_par_iter()
            .zip(&k.polygons)
            .map(|((mut polygon, mut ring, mut vertex), &n)| {
                let mut next_ring = || {
                    let len = k.lengths[ring] as usize;
                    let line =
                        LineString(k.numbers[vertex..vertex + len].iter().map(|&n| positions[n as usize]).collect());
                    ring += 1;
                    vertex += len;
                    line
                };
                let polygons = (0..n)
                    .map(|_| {
                        let holes = k.holes[polygon] as usize;
                        polygon += 1;
                        let exterior = next_ring();
                        Polygon::new(exterior, (0..holes).map(|_| next_ring()).collect())
                    })
                    .collect();
                MultiPolygon(polygons)
            })
            .collect();
        Ok(Self { shapes, numbering: k.numbering })
    }
}

/// Whether `shape` can be `area` with its vertices moved by at most `tolerance` and repeats dropped.
fn shape_fits(shape: &MultiPolygon<f64>, area: &MultiPolygon<f64>, tolerance: f64) -> bool {
    use geo::BoundingRect;
    let rings = |m: &MultiPolygon<f64>| m.0.iter().map(|p| p.interiors().len()).collect::<Vec<_>>();
    let lengths = |m: &MultiPolygon<f64>| crate::coverage::rings(m).map(|r| r.0.len()).collect::<Vec<_>>();
    let within = match area.bounding_rect() {
        None => shape.0.iter().all(|p| p.exterior().0.is_empty()),
        Some(b) => crate::coverage::rings(shape).flat_map(|r| &r.0).all(|c| {
            c.x >= b.min().x - tolerance
                && c.x <= b.max().x + tolerance
                && c.y >= b.min().y - tolerance
                && c.y <= b.max().y + tolerance
        }),
    };
    rings(shape) == rings(area) && lengths(shape).iter().zip(lengths(area)).all(|(s, a)| *s <= a) && within
}

/// The exact result when it is trusted or passes the validity screen, else the boolean union of the polygons.
fn finish<'a>(
    exact: Option<MultiPolygon<f64>>,
    trusted: bool,
    polygons: impl FnOnce() -> Vec<&'a Polygon<f64>>,
) -> (MultiPolygon<f64>, DissolveMethod) {
    match exact {
        Some(result) if trusted || !has_crossing_edges(&result) => (result, DissolveMethod::Exact),
        _ => (boolean_union(&polygons()), DissolveMethod::BooleanUnion),
    }
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

/// The directed edges left when the shared edges of `polygons` cancel, or `None` if an edge is left twice
/// in one direction (overlapping areas).
fn cancel(polygons: &[&Polygon<f64>]) -> Option<Vec<Edge>> {
    // Net count of each undirected edge: +1 for each traversal min→max, −1 for max→min.
    let edges: usize =
        polygons.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum();
    let mut net: FxHashMap<(Key, Key), NetEdge> = FxHashMap::with_capacity_and_hasher(edges, rustc_hash::FxBuildHasher);
    for (k, sign, lo, hi) in polygons.iter().flat_map(|p| undirected_edges(p)) {
        net.entry(k).or_insert((0, lo, hi)).0 += sign;
    }
    let mut remaining = Vec::with_capacity(net.len() / 2);
    for (count, lo, hi) in net.into_values() {
        match count {
            0 => {}
            1 => remaining.push((lo, hi)),
            -1 => remaining.push((hi, lo)),
            _ => return None, // the same edge twice in one direction: overlapping areas, not a coverage
        }
    }
    Some(remaining)
}

/// The edges numbered by their ends' positions, and how many numbers there are.
fn numbered(edges: Vec<Edge>) -> (Vec<Numbered>, usize) {
    let mut numbers: FxHashMap<Key, u32> = FxHashMap::default();
    let mut number = |c: Coord<f64>| {
        let next = numbers.len() as u32;
        *numbers.entry(key(c)).or_insert(next)
    };
    let edges: Vec<Numbered> = edges.into_iter().map(|(a, b)| ((a, b), [number(a), number(b)])).collect();
    (edges, numbers.len())
}

/// Links the edges left after cancelling (their ends numbered below `count`) into rings and polygons, or
/// `None` if they do not close into rings or the parts nest (overlapping areas).
///
/// `remaining` comes sorted, for a deterministic order: by start vertex in key order, then by end
/// ([`cmp_coord`]). Rings are started from the smallest vertex; each vertex's group is a stack in
/// `remaining`.
fn link(mut remaining: Vec<Numbered>, count: usize) -> Option<MultiPolygon<f64>> {
    let mut vertices: Vec<Key> = Vec::new();
    let mut first: Vec<usize> = Vec::new();
    let mut left: Vec<usize> = Vec::new();
    SLOT.with_borrow_mut(|slot| {
        if slot.len() < count {
            slot.resize(count, u32::MAX);
        }
        for (i, e) in remaining.iter().enumerate() {
            let k = key(e.0.0);
            if vertices.last() != Some(&k) {
                slot[e.1[0] as usize] = vertices.len() as u32;
                vertices.push(k);
                first.push(i);
                left.push(0);
            }
            if let Some(n) = left.last_mut() {
                *n += 1;
            }
        }
    });
    // The place of vertex `number` at `at` among the starts, if it is one.
    let place = |number: u32, at: Coord<f64>| {
        let v = SLOT.with_borrow(|slot| slot[number as usize]) as usize;
        (vertices.get(v) == Some(&key(at))).then_some(v)
    };
    // Only a vertex with several ways out can be passed through twice.
    let junctions: rustc_hash::FxHashSet<Key> =
        vertices.iter().zip(&left).filter(|&(_, &n)| n > 1).map(|(k, _)| *k).collect();
    let mut unlinked = remaining.len();
    let mut rings: Vec<LineString<f64>> = Vec::new();
    for start in 0..vertices.len() {
        while left[start] > 0 {
            left[start] -= 1;
            let (first_edge, [_, mut at_number]) = remaining[first[start] + left[start]];
            unlinked -= 1;
            let mut ring = vec![first_edge.0, first_edge.1];
            let (mut prev, mut at) = first_edge;
            while key(at) != key(first_edge.0) {
                let v = place(at_number, at)?;
                let edges = &mut remaining[first[v]..first[v] + left[v]];
                let next = leftmost(prev, at, edges)?;
                let (to, to_number) = (edges[next].0.1, edges[next].1[1]);
                edges[next] = edges[edges.len() - 1];
                left[v] -= 1;
                unlinked -= 1;
                ring.push(to);
                prev = at;
                at = to;
                at_number = to_number;
            }
            if junctions.is_empty() {
                rings.push(LineString(ring));
            } else {
                split_at_repeats(ring, &junctions, &mut rings);
            }
        }
    }
    if unlinked != 0 {
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
        // Made once, when some part's box lies in this one's.
        let mut outer_vertices: Option<rustc_hash::FxHashSet<Key>> = None;
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
            let outer_vertices = outer_vertices
                .get_or_insert_with(|| vertex_keys(std::iter::once(outer.exterior()).chain(outer.interiors())));
            if let Some(&p) = inner.exterior().0.iter().find(|c| !outer_vertices.contains(&key(**c)))
                && footprint_ingest::contains(&MultiPolygon(vec![outer.clone()]), p)
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
fn leftmost(prev: Coord<f64>, at: Coord<f64>, edges: &[Numbered]) -> Option<usize> {
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
    (0..edges.len()).max_by(|&i, &j| turn(edges[i].0.1).total_cmp(&turn(edges[j].0.1)).then(j.cmp(&i)))
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
    // Each exterior's vertices, made once, when some hole asks.
    let mut on_exterior: Vec<Option<rustc_hash::FxHashSet<Key>>> = vec![None; exteriors.len()];
    for hole in holes {
        let mut owner: Option<usize> = None;
        for (i, ((area, e), on)) in exteriors.iter().zip(&mut on_exterior).enumerate() {
            let smaller = owner.is_none_or(|o| area.total_cmp(&exteriors[o].0).is_lt());
            if smaller && encloses(e, on.get_or_insert_with(|| vertex_keys([e])), &hole) {
                owner = Some(i);
            }
        }
        match owner {
            Some(i) => owned[i].push(hole),
            // A clockwise ring in no exterior cannot come from a valid coverage; keep it visible as a part.
            None => {
                exteriors.push((0.0, LineString(hole.0.into_iter().rev().collect())));
                on_exterior.push(None);
                owned.push(Vec::new());
            }
        }
    }
    let mut polygons: Vec<Polygon<f64>> =
        exteriors.into_iter().zip(owned).map(|((_, e), h)| Polygon::new(e, h)).collect();
    polygons.sort_by(|a, b| cmp_coord(min_vertex(a.exterior()), min_vertex(b.exterior())));
    MultiPolygon(polygons)
}

fn min_vertex(ring: &LineString<f64>) -> Coord<f64> {
    ring.0.iter().copied().min_by(|a, b| cmp_coord(*a, *b)).unwrap_or(Coord { x: 0.0, y: 0.0 })
}

/// The keys of the rings' vertices.
fn vertex_keys<'a>(rings: impl IntoIterator<Item = &'a LineString<f64>>) -> rustc_hash::FxHashSet<Key> {
    rings.into_iter().flat_map(|r| &r.0).map(|c| key(*c)).collect()
}

/// Whether `hole` lies inside `exterior` (whose vertices' keys are `on_exterior`): the first vertex of
/// the hole that is not a vertex of the exterior decides.
fn encloses(exterior: &LineString<f64>, on_exterior: &rustc_hash::FxHashSet<Key>, hole: &LineString<f64>) -> bool {
    match hole.0.iter().find(|c| !on_exterior.contains(&key(**c))) {
        Some(&p) => footprint_ingest::ring_contains(exterior, p),
        // Every vertex shared: the hole is inside if its centroid of vertices is.
        None => {
            let n = hole.0.len() as f64;
            let c = Coord {
                x: hole.0.iter().map(|c| c.x).sum::<f64>() / n,
                y: hole.0.iter().map(|c| c.y).sum::<f64>() / n,
            };
            footprint_ingest::ring_contains(exterior, c)
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

    /// Ranks packed into integers sort as the tuples do, with ties in rank broken by place, for ranks of
    /// every width that fits and for one that does not.
    #[test]
    fn packed_ranks_sort_as_tuples_do() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: u32| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % u64::from(n)) as u32
        };
        for ranks in [1, 2, 7, 1000, 1 << 20, u32::MAX as usize] {
            for count in [0, 1, 2, 5, 300] {
                let below = u32::try_from(ranks).unwrap_or(u32::MAX);
                let ends: Vec<(u32, u32)> = (0..count).map(|_| (next(below.min(9)), next(below))).collect();
                assert_eq!(rank_order(&ends, ranks), tuple_order(&ends), "{ranks} ranks, {count} edges");
            }
        }
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
        let coverage = Coverage::new(areas.clone(), 1e-9);
        assert_eq!(coverage.unclean(), [false, true, true, false]);
        // West and middle are a clean pair even though middle is unclean against east.
        let (union, how) = dissolve(&[&areas[0].0[0], &areas[1].0[0]]);
        assert_eq!((union.0.len(), how), (1, DissolveMethod::Exact));
    }

    #[test]
    fn the_numbered_coverage_dissolves_as_the_polygons_do() {
        // A 6 × 6 grid of unit squares, and the same across both axes (negative coordinates, where key
        // order and coordinate order differ); seeded random subsets (holes, islands, corner touches
        // included) dissolved through the numbered coverage and straight from their polygons give the
        // same shapes.
        // Squares with a vertex in the middle of each side too: neighbours share two edges, which the
        // coverage counts as one group.
        for offset in [0.0, -3.0] {
            check_numbered_subsets(offset, square);
            check_numbered_subsets(offset, octagon_square);
        }
    }

    /// A unit square with a vertex in the middle of each side.
    fn octagon_square(x: f64, y: f64) -> Polygon<f64> {
        polygon![
            (x: x, y: y), (x: x + 0.5, y: y), (x: x + 1., y: y), (x: x + 1., y: y + 0.5),
            (x: x + 1., y: y + 1.), (x: x + 0.5, y: y + 1.), (x: x, y: y + 1.), (x: x, y: y + 0.5)
        ]
    }

    fn check_numbered_subsets(offset: f64, cell: fn(f64, f64) -> Polygon<f64>) {
        let cells: Vec<(f64, f64)> =
            (0..6).flat_map(|x| (0..6).map(move |y| (f64::from(x) + offset, f64::from(y) + offset))).collect();
        let coverage = Coverage::new(cells.iter().map(|&(x, y)| MultiPolygon(vec![cell(x, y)])).collect(), 1e-9);
        // One group per pair of neighbours and one per area on the outline, however many edges they share.
        let groups = coverage.numbering.groups();
        assert_eq!(groups, 60 + 20);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200 {
            let chosen: Vec<AreaId> = (0..cells.len())
                .filter(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    !state.is_multiple_of(3)
                })
                .map(|i| AreaId(i as u32))
                .collect();
            let polygons: Vec<&Polygon<f64>> = chosen.iter().map(|a| &coverage.shapes()[a.index()].0[0]).collect();
            assert_eq!(coverage.dissolve(&chosen), dissolve(&polygons), "{chosen:?}");
        }
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

    /// A coverage kept and loaded is the one made: its shapes (a hole, two parts, vertices moved within
    /// the tolerance, a T-junction's unclean areas), its numbering and every dissolve; what is not a kept
    /// coverage does not load, and a coverage fits only its own areas.
    #[test]
    fn a_kept_coverage_is_the_coverage_made() {
        let frame = Polygon::new(
            LineString::from(vec![(0., 0.), (3., 0.), (3., 3.), (0., 3.), (0., 0.)]),
            vec![LineString::from(vec![(1., 1.), (1., 2.), (2., 2.), (2., 1.), (1., 1.)])],
        );
        let hole = MultiPolygon(vec![square(1. + 1e-12, 1.)]);
        let two_parts = MultiPolygon(vec![square(3., 0.), square(5., 5.)]);
        let middle = polygon![(x: 4., y: 0.), (x: 5., y: 0.), (x: 5., y: 0.5), (x: 5., y: 1.), (x: 4., y: 1.)];
        let east = square(5., 0.);
        let areas =
            vec![MultiPolygon(vec![frame]), hole, two_parts, MultiPolygon(vec![middle]), MultiPolygon(vec![east])];
        let made = Coverage::new(areas.clone(), 1e-9);
        assert!(made.unclean().contains(&true));
        let bytes = postcard::to_allocvec(&made).unwrap();
        let kept: Coverage = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(format!("{kept:?}"), format!("{made:?}"));
        let all: Vec<&MultiPolygon<f64>> = areas.iter().collect();
        assert!(kept.fits(&all, 1e-9));
        for subset in 1..(1u32 << areas.len()) {
            let chosen: Vec<AreaId> = (0..areas.len() as u32).filter(|i| subset & (1 << i) != 0).map(AreaId).collect();
            assert_eq!(kept.dissolve(&chosen), made.dissolve(&chosen), "{chosen:?}");
        }
        // Cut short, or with a vertex number out of range: not a coverage.
        for cut in 0..bytes.len() {
            assert!(postcard::from_bytes::<Coverage>(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = KeptCoverage::from(made.clone());
        bad.numbers[0] = bad.numbering.positions.len() as u32;
        assert!(Coverage::try_from(bad).is_err());
        // Nor with a group, an edge or a vertex of an edge out of range, or an area's groups or a group's
        // edges out of order.
        let mut bad = KeptCoverage::from(made.clone());
        bad.numbering.memberships[0].0 = bad.numbering.groups() as u32;
        assert!(Coverage::try_from(bad).is_err());
        let mut bad = KeptCoverage::from(made.clone());
        bad.numbering.grouped[0] = 2 * bad.numbering.ends.len() as u32;
        assert!(Coverage::try_from(bad).is_err());
        let mut bad = KeptCoverage::from(made.clone());
        bad.numbering.group_offsets.swap(1, 2);
        assert!(Coverage::try_from(bad).is_err());
        let mut bad = KeptCoverage::from(made.clone());
        bad.numbering.ends[0][1] = bad.numbering.positions.len() as u32;
        assert!(Coverage::try_from(bad).is_err());
        let mut bad = KeptCoverage::from(made.clone());
        bad.numbering.offsets.swap(1, 2);
        assert!(Coverage::try_from(bad).is_err());
        // Other areas, in another order, or moved by more than the tolerance.
        assert!(!kept.fits(&all[1..], 1e-9));
        let swapped: Vec<&MultiPolygon<f64>> = [1, 0, 2, 3, 4].iter().map(|&i| &areas[i]).collect();
        assert!(!kept.fits(&swapped, 1e-9));
        let moved: Vec<MultiPolygon<f64>> =
            areas.iter().map(|a| geo::MapCoords::map_coords(a, |c| Coord { x: c.x + 0.5, y: c.y })).collect();
        assert!(!kept.fits(&moved.iter().collect::<Vec<_>>(), 1e-9));
    }

    /// A clockwise ring in no exterior is kept as a part of its own, and a clockwise ring inside it is
    /// its hole (it used to index past the holes' owners).
    #[test]
    fn a_hole_in_a_ring_of_no_exterior_is_its_hole() {
        let clockwise = |x0: f64, x1: f64| LineString::from(vec![(x0, x0), (x0, x1), (x1, x1), (x1, x0), (x0, x0)]);
        let shape = assemble(vec![clockwise(0., 4.), clockwise(1., 2.)]);
        assert_eq!(shape.0.len(), 1);
        assert_eq!(shape.0[0].interiors(), [clockwise(1., 2.)]);
        assert_eq!(shape.0[0].exterior().0.len(), 5);
    }
}
