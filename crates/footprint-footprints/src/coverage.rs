//! Making a layer a clean coverage for dissolving: vertices of different areas that are within a
//! millimetre of each other are made identical, so that shared boundaries share their vertices exactly.
//! (Done on a copy of the geometry when footprints are drawn; the layer itself keeps its vertices.)
//!
//! Boundary files reprojected by GIS tools carry float noise: the ONS MSOA layer's neighbouring areas
//! repeat each shared vertex with differences around 1e-11 degrees (a few up to 1e-8). Exact dissolves
//! and edge matching need bit-identical vertices, so each vertex is replaced by the first vertex, in
//! area-code order, within the tolerance of it: an original vertex, never a grid point.

use geo::{Coord, LineString};
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

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

/// A grid cell of side 64 × the tolerance, by column and row.
type Bucket = (i64, i64);

/// The grid vertices are looked up in, and which neighbouring cells a vertex's search reaches.
#[derive(Clone, Copy)]
struct Grid {
    tolerance: f64,
    cell: f64,
}

impl Grid {
    fn new(tolerance: f64) -> Self {
        Self { tolerance, cell: tolerance * 64.0 }
    }

    fn bucket(self, c: Coord<f64>) -> Bucket {
        ((c.x / self.cell).floor() as i64, (c.y / self.cell).floor() as i64)
    }

    /// The columns (then rows) searched beside a vertex's own, as offsets: −1 within the tolerance of
    /// the cell's lower edge, +1 within it of the upper one (neighbouring cells matter only there).
    fn reach(self, v: f64, b: i64) -> (i64, i64) {
        let lo = b as f64 * self.cell;
        (if v - lo <= self.tolerance { -1 } else { 0 }, if lo + self.cell - v <= self.tolerance { 1 } else { 0 })
    }

    fn near(self, r: Coord<f64>, c: Coord<f64>) -> bool {
        (r.x - c.x).abs() <= self.tolerance && (r.y - c.y).abs() <= self.tolerance
    }

    /// The boundaries between columns that the search from `c` crosses: `b` is the one between columns
    /// `b − 1` and `b`.
    fn crossed(self, c: Coord<f64>) -> impl Iterator<Item = i64> {
        let (bx, _) = self.bucket(c);
        let (x0, x1) = self.reach(c.x, bx);
        let left = (x0 < 0 && bx != i64::MIN).then_some(bx);
        let right = (x1 > 0 && bx != i64::MAX).then(|| bx + 1);
        left.into_iter().chain(right)
    }
}

/// Makes vertices within `tolerance` (in both x and y) of an earlier vertex identical to it, and numbers
/// the distinct vertices (two vertices have one number exactly when they are at the same position). Give
/// the areas in code order; rings keep at least four positions.
///
/// Each vertex, in order (areas, polygons, exterior then holes), moves onto the first earlier
/// representative within the tolerance, searching its grid cell and then the neighbouring cells it is
/// within the tolerance of, or becomes a representative itself. The search runs in parallel over
/// strips of grid columns that no vertex's search crosses, each strip in vertex order, which gives
/// exactly what one search over every vertex in order gives.
pub fn unify_vertices(areas: &mut [MultiPolygon<f64>], tolerance: f64) -> VertexNumbers {
    let grid = Grid::new(tolerance);
    let starts: Vec<usize> = std::iter::once(0)
        .chain(areas.iter().scan(0usize, |end, a| {
            *end += rings(a).map(|r| r.0.len()).sum::<usize>();
            Some(*end)
        }))
        .collect();
    let mut coords: Vec<Coord<f64>> = Vec::with_capacity(starts[areas.len()]);
    coords.par_extend(areas.par_iter().flat_map_iter(|a| rings(a).flat_map(|r| r.0.iter().copied())));
    // About four strips a thread, but one for a small layer.
    let parts = if coords.len() < 65_536 { 1 } else { 4 * rayon::current_num_threads() };
    let rep = representatives(&coords, grid, parts);
    // Representatives are numbered in vertex order; every other vertex takes its representative's number.
    let mut number = vec![0u32; coords.len()];
    let mut positions = Vec::new();
    for (i, &r) in rep.iter().enumerate() {
        number[i] = if r as usize == i {
            positions.push(coords[i]);
            (positions.len() - 1) as u32
        } else {
            number[r as usize]
        };
    }
    let rings: Vec<Vec<u32>> = areas
        .par_iter_mut()
        .zip(starts.par_windows(2))
        .map(|(area, span)| moved(area, &coords, &rep[span[0]..span[1]], &number[span[0]..span[1]]))
        .collect();
    VertexNumbers { positions, rings }
}

/// Every ring of an area: each polygon's exterior, then its holes.
pub(crate) fn rings(area: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    area.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Moves an area's vertices onto their representatives (`rep` and `number`, the area's own, in vertex
/// order; `coords` every vertex) and drops the repeats that makes; the numbers of its rings' vertices.
fn moved(area: &mut MultiPolygon<f64>, coords: &[Coord<f64>], rep: &[u32], number: &[u32]) -> Vec<u32> {
    let mut area_numbers: Vec<u32> = Vec::with_capacity(rep.len());
    let mut next = 0usize;
    for polygon in &mut area.0 {
        let mut fix = |ring: &mut LineString<f64>| {
            let start = area_numbers.len();
            let mut changed = false;
            for c in &mut ring.0 {
                let r = coords[rep[next] as usize];
                if r != *c {
                    *c = r;
                    changed = true;
                }
                area_numbers.push(number[next]);
                next += 1;
            }
            if changed {
                drop_repeats(ring, &mut area_numbers, start);
            }
        };
        polygon.exterior_mut(&mut fix);
        polygon.interiors_mut(|holes| holes.iter_mut().for_each(&mut fix));
    }
    area_numbers
}

/// Drops the repeats that moving made in a ring whose numbers are `numbers[start..]` (a vertex's number
/// repeats exactly when its position does), unless fewer than four positions would be left.
fn drop_repeats(ring: &mut LineString<f64>, numbers: &mut Vec<u32>, start: usize) {
    let mut kept: Vec<(Coord<f64>, u32)> = Vec::with_capacity(ring.0.len());
    for (c, &n) in ring.0.iter().zip(&numbers[start..]) {
        if kept.last().map(|k| k.1) != Some(n) {
            kept.push((*c, n));
        }
    }
    if kept.len() >= 4 {
        ring.0 = kept.iter().map(|k| k.0).collect();
        numbers.truncate(start);
        numbers.extend(kept.iter().map(|k| k.1));
    }
}

/// Each vertex's representative (itself when it is one), by index into `coords`, searched in up to
/// `parts` strips.
fn representatives(coords: &[Coord<f64>], grid: Grid, parts: usize) -> Vec<u32> {
    let strips = strips(coords, grid, parts);
    let found: Vec<(Vec<u32>, Vec<u32>)> = strips
        .into_par_iter()
        .map(|members| {
            let reps = strip_representatives(coords, &members, grid);
            (members, reps)
        })
        .collect();
    let mut rep = vec![0u32; coords.len()];
    for (members, reps) in found {
        for (i, r) in members.into_iter().zip(reps) {
            rep[i as usize] = r;
        }
    }
    rep
}

/// The vertices (indices into `coords`, in order) of each of up to `parts` strips of grid columns of
/// about as many vertices, cut where no vertex's search crosses.
fn strips(coords: &[Coord<f64>], grid: Grid, parts: usize) -> Vec<Vec<u32>> {
    if parts <= 1 || coords.is_empty() {
        return vec![(0..coords.len() as u32).collect()];
    }
    let mut crossed: Vec<i64> = coords.par_iter().flat_map_iter(|&c| grid.crossed(c)).collect();
    crossed.par_sort_unstable();
    crossed.dedup();
    let mut columns: Vec<i64> = coords.iter().step_by(64).map(|&c| grid.bucket(c).0).collect();
    columns.sort_unstable();
    // Each cut moves right past the boundaries searches cross (a cut that cannot is dropped).
    let mut cuts: Vec<i64> = (1..parts)
        .filter_map(|k| {
            let mut cut = columns[k * columns.len() / parts];
            let mut at = crossed.partition_point(|&b| b < cut);
            while crossed.get(at) == Some(&cut) {
                cut = cut.checked_add(1)?;
                at += 1;
            }
            Some(cut)
        })
        .collect();
    cuts.dedup();
    let strip_of = |c: Coord<f64>| cuts.partition_point(|&cut| cut <= grid.bucket(c).0);
    let chunk = coords.len().div_ceil(parts);
    let pieces: Vec<Vec<Vec<u32>>> = coords
        .par_chunks(chunk)
        .enumerate()
        .map(|(k, part)| {
            let mut by_strip = vec![Vec::new(); cuts.len() + 1];
            for (j, &c) in part.iter().enumerate() {
                by_strip[strip_of(c)].push((k * chunk + j) as u32);
            }
            by_strip
        })
        .collect();
    (0..=cuts.len()).into_par_iter().map(|s| pieces.iter().flat_map(|p| p[s].iter().copied()).collect()).collect()
}

/// The representatives of the vertices `members` (in order) of one strip, which no search leaves.
fn strip_representatives(coords: &[Coord<f64>], members: &[u32], grid: Grid) -> Vec<u32> {
    // Almost every bucket holds one representative; the few that hold more keep the rest in `more`.
    // Neighbouring areas repeat most vertices, so about half of them are representatives.
    let mut first: FxHashMap<Bucket, u32> = FxHashMap::with_capacity_and_hasher(members.len() / 2, FxBuildHasher);
    let mut more: FxHashMap<Bucket, Vec<u32>> = FxHashMap::default();
    members
        .iter()
        .map(|&i| {
            let c = coords[i as usize];
            let (bx, by) = grid.bucket(c);
            let ((x0, x1), (y0, y1)) = (grid.reach(c.x, bx), grid.reach(c.y, by));
            let near = |r: &&u32| grid.near(coords[**r as usize], c);
            for dx in x0..=x1 {
                for dy in y0..=y1 {
                    // Saturating: a coordinate far out (1e53) puts its bucket at the end of the range.
                    let b = (bx.saturating_add(dx), by.saturating_add(dy));
                    let found = first.get(&b).filter(near).or_else(|| more.get(&b)?.iter().find(near));
                    if let Some(&r) = found {
                        return r;
                    }
                }
            }
            match first.entry((bx, by)) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i);
                }
                std::collections::hash_map::Entry::Occupied(_) => more.entry((bx, by)).or_default().push(i),
            }
            i
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Polygon;

    /// The representatives by the rule itself, vertex by vertex: of the earlier representatives within
    /// the tolerance in the cells searched, the first cell's, then the earliest.
    fn by_the_rule(coords: &[Coord<f64>], grid: Grid) -> Vec<u32> {
        let mut reps: Vec<u32> = Vec::new();
        let mut rep = Vec::new();
        for (i, &c) in coords.iter().enumerate() {
            let (bx, by) = grid.bucket(c);
            let ((x0, x1), (y0, y1)) = (grid.reach(c.x, bx), grid.reach(c.y, by));
            let cells: Vec<Bucket> = (x0..=x1)
                .flat_map(|dx| (y0..=y1).map(move |dy| (bx.saturating_add(dx), by.saturating_add(dy))))
                .collect();
            let first = reps
                .iter()
                .filter(|&&r| grid.near(coords[r as usize], c))
                .filter_map(|&r| cells.iter().position(|&b| b == grid.bucket(coords[r as usize])).map(|p| (p, r)))
                .min();
            match first {
                Some((_, r)) => rep.push(r),
                None => {
                    reps.push(i as u32);
                    rep.push(i as u32);
                }
            }
        }
        rep
    }

    /// Seeded clusters of vertices a tolerance or two apart, many at the edges of grid cells: the strips
    /// (in any number) give what the rule gives.
    #[test]
    fn strips_give_what_the_rule_gives() {
        let grid = Grid::new(1.0);
        let mut state = 0x5851_f42d_4c95_7f2d_u64;
        let mut unit = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for round in 0..20 {
            // Within a few tolerances of one of 40 × 6 lattice points, on the cells' edges or inside them.
            let offset = if round % 2 == 0 { 0.0 } else { 32.0 };
            let coords: Vec<Coord<f64>> = (0..3_000)
                .map(|_| {
                    let (kx, ky) = ((unit() * 40.0).floor(), (unit() * 6.0).floor());
                    Coord { x: kx * 64.0 + offset + (unit() - 0.5) * 5.0, y: ky * 64.0 + (unit() - 0.5) * 5.0 }
                })
                .collect();
            let expected = by_the_rule(&coords, grid);
            assert!(expected.iter().enumerate().filter(|(i, r)| *i as u32 != **r).count() > 1_000);
            for parts in [1, 2, 3, 8, 30] {
                assert_eq!(representatives(&coords, grid, parts), expected, "round {round}, {parts} parts");
            }
        }
    }

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
