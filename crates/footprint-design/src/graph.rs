//! The contiguity graph of the cells (LSOAs): neighbours by shared edge in compressed rows, a region's
//! own graph, and the bridges that join the separate pieces of a region (islands, pieces cut off by the
//! region's edge) to the nearest cell of the rest.

/// An undirected graph on cells `0..n`, in compressed rows: each cell's neighbours sorted.
///
/// ```
/// let g = footprint_design::Graph::from_pairs(3, &[(0, 1), (1, 2), (1, 0)]);
/// assert_eq!(g.neighbours(1), [0, 2]);
/// assert_eq!(g.len(), 3);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Graph {
    /// The graph on `n` cells with an edge for each pair (either order, repeats and self-pairs ignored;
    /// pairs naming a cell `>= n` are left out).
    #[must_use]
    pub fn from_pairs(n: usize, pairs: &[(u32, u32)]) -> Self {
        let mut both: Vec<(u32, u32)> = pairs
            .iter()
            .filter(|&&(a, b)| a != b && (a as usize) < n && (b as usize) < n)
            .flat_map(|&(a, b)| [(a, b), (b, a)])
            .collect();
        both.sort_unstable();
        both.dedup();
        let mut offsets = vec![0u32; n + 1];
        for &(a, _) in &both {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        Graph { offsets, targets: both.into_iter().map(|e| e.1).collect() }
    }

    /// The number of cells.
    #[must_use]
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether the graph has no cells.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The neighbours of `cell`, sorted (empty for a cell out of range).
    #[must_use]
    pub fn neighbours(&self, cell: u32) -> &[u32] {
        let i = cell as usize;
        if i + 1 >= self.offsets.len() {
            return &[];
        }
        &self.targets[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// The connected components: each cell's component, components numbered in order of their lowest cell.
    #[must_use]
    pub fn components(&self) -> Vec<u32> {
        let mut component = vec![u32::MAX; self.len()];
        let mut next = 0u32;
        let mut stack: Vec<u32> = Vec::new();
        for start in 0..self.len() as u32 {
            if component[start as usize] != u32::MAX {
                continue;
            }
            component[start as usize] = next;
            stack.push(start);
            while let Some(c) = stack.pop() {
                for &n in self.neighbours(c) {
                    if component[n as usize] == u32::MAX {
                        component[n as usize] = next;
                        stack.push(n);
                    }
                }
            }
            next += 1;
        }
        component
    }
}

/// A link made between two cells that share no edge, so that a region in several pieces can be
/// partitioned as one: `from` is in the piece joined, `to` the nearest cell of the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Bridge {
    /// The cell of the piece joined (an index of the cells).
    pub from: u32,
    /// The nearest cell of the rest of the region.
    pub to: u32,
    /// The cells of the piece joined.
    pub piece_cells: u32,
    /// The distance between the two cells' points, metres.
    pub metres: f64,
}

/// The graph of the cells of one region (`cells`, global indices, in increasing order) in local indices,
/// joined into one piece by bridges: the largest piece first (most cells, then lowest cell), then each
/// other piece, largest first, joined from its cell nearest to a cell already joined (ties to the lower
/// cells). Returns the graph and the bridges in global indices.
pub(crate) fn region_graph(all: &Graph, points: &[(f64, f64)], cells: &[u32]) -> (Graph, Vec<Bridge>) {
    let local = |g: u32| cells.binary_search(&g).ok().map(|i| i as u32);
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (i, &g) in cells.iter().enumerate() {
        pairs.extend(all.neighbours(g).iter().filter_map(|&n| local(n)).map(|n| (i as u32, n)));
    }
    let graph = Graph::from_pairs(cells.len(), &pairs);
    let component = graph.components();
    let pieces = component.iter().max().map_or(0, |&m| m as usize + 1);
    if pieces <= 1 {
        return (graph, Vec::new());
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); pieces];
    for (i, &c) in component.iter().enumerate() {
        members[c as usize].push(i as u32);
    }
    let mut order: Vec<usize> = (0..pieces).collect();
    order.sort_by(|&a, &b| members[b].len().cmp(&members[a].len()).then(a.cmp(&b)));
    let point = |i: u32| points.get(cells[i as usize] as usize).copied().unwrap_or((0.0, 0.0));
    let mut joined: Vec<u32> = members[order[0]].clone();
    let mut bridges = Vec::new();
    for &piece in &order[1..] {
        let mut best: Option<(f64, u32, u32)> = None;
        for &a in &members[piece] {
            let (ax, ay) = point(a);
            for &b in &joined {
                let (bx, by) = point(b);
                let d = (ax - bx).hypot(ay - by);
                if best.is_none_or(|(bd, ba, bb)| d.total_cmp(&bd).then((a, b).cmp(&(ba, bb))).is_lt()) {
                    best = Some((d, a, b));
                }
            }
        }
        if let Some((d, a, b)) = best {
            pairs.push((a, b));
            bridges.push(Bridge {
                from: cells[a as usize],
                to: cells[b as usize],
                piece_cells: members[piece].len() as u32,
                metres: d,
            });
        }
        joined.extend_from_slice(&members[piece]);
    }
    (Graph::from_pairs(cells.len(), &pairs), bridges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pairs: &[(u32, u32)], points: &[(f64, f64)], cells: &[u32], expected: &[(u32, u32, u32)]) {
        let all = Graph::from_pairs(points.len(), pairs);
        let (graph, bridges) = region_graph(&all, points, cells);
        let got: Vec<(u32, u32, u32)> = bridges.iter().map(|b| (b.from, b.to, b.piece_cells)).collect();
        assert_eq!(got, expected);
        assert!(graph.components().iter().all(|&c| c == 0), "one piece after bridging");
    }

    #[test]
    fn a_connected_region_needs_no_bridge() {
        check(&[(0, 1), (1, 2)], &[(0., 0.), (1., 0.), (2., 0.)], &[0, 1, 2], &[]);
    }

    #[test]
    fn an_island_joins_its_nearest_cell() {
        // Cells 0-1-2 in a row; 3 alone, nearest to 2.
        check(&[(0, 1), (1, 2)], &[(0., 0.), (1., 0.), (2., 0.), (5., 0.)], &[0, 1, 2, 3], &[(3, 2, 1)]);
    }

    #[test]
    fn a_region_cut_in_two_by_its_edge_is_joined() {
        // 0-1-2-3 in the layer, the region leaves out 1: pieces {0} and {2, 3}; {0} joins 2.
        check(&[(0, 1), (1, 2), (2, 3)], &[(0., 0.), (1., 0.), (2., 0.), (3., 0.)], &[0, 2, 3], &[(0, 2, 1)]);
    }
}
