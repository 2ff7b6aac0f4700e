//! One region's problem in local indices, and a partition of it into patches whose objective (Σ over
//! PCNs of its patients in its main patch) and excess over the bounds are kept up to date move by move.

use rustc_hash::FxHashMap;

use crate::graph::region_graph;
use crate::{Bounds, Bridge, Cells, Graph};

/// One region: its cells in local indices `0..n` (global ones in `cells`, increasing), their residents,
/// their PCN patients by local PCN index, and the region's graph joined into one piece.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    /// Local index → cell (global), increasing.
    pub cells: Vec<u32>,
    /// Residents of each local cell.
    pub population: Vec<u64>,
    /// Each local cell's (local PCN, patients), by PCN.
    pub pcns: Vec<Vec<(u32, u64)>>,
    /// Local PCN → PCN index, increasing.
    pub pcn_ids: Vec<u32>,
    /// Neighbours, bridges included.
    pub graph: Graph,
    /// The bridges joining the region's pieces.
    pub bridges: Vec<Bridge>,
}

impl Problem {
    /// The region of `cells` (sorted, distinct, every one `< all.len()`).
    pub(crate) fn new(all: &Cells, cells: Vec<u32>) -> Self {
        let (graph, bridges) = region_graph(&all.neighbours, &all.points, &cells);
        let mut pcn_ids: Vec<u32> =
            cells.iter().flat_map(|&c| all.pcn_patients[c as usize].iter().map(|p| p.0)).collect();
        pcn_ids.sort_unstable();
        pcn_ids.dedup();
        let local: FxHashMap<u32, u32> = pcn_ids.iter().enumerate().map(|(i, &p)| (p, i as u32)).collect();
        let pcns = cells
            .iter()
            .map(|&c| all.pcn_patients[c as usize].iter().map(|&(p, n)| (local[&p], n)).collect())
            .collect();
        let population = cells.iter().map(|&c| all.population[c as usize]).collect();
        Problem { cells, population, pcns, pcn_ids, graph, bridges }
    }

    /// The number of cells.
    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    /// All residents of the region.
    pub(crate) fn total_population(&self) -> u64 {
        self.population.iter().sum()
    }

    /// The region's residents registered with a PCN: the denominator of the alignment index.
    pub(crate) fn pcn_residents(&self) -> u64 {
        self.pcns.iter().flatten().map(|p| p.1).sum()
    }
}

/// A partition of a region's cells into patches `0..k`, with each PCN's patients per patch.
#[derive(Clone, Debug)]
pub(crate) struct Partition {
    /// Each cell's patch.
    pub assign: Vec<u32>,
    /// Each patch's residents.
    pub population: Vec<u64>,
    /// Each patch's cells.
    pub size: Vec<u32>,
    /// Per local PCN: (patch, patients) for each patch holding some, in no order.
    counts: Vec<Vec<(u32, u64)>>,
    /// Per local PCN: its patients in its main patch.
    best: Vec<u64>,
    /// Σ of `best`: the region's aligned residents.
    pub objective: u64,
    /// Σ over patches of their residents outside the bounds.
    pub excess: u64,
    /// The bounds.
    pub bounds: Bounds,
    /// Scratch for the contiguity test: the generation each cell was last seen in, and a queue.
    seen: Vec<u32>,
    generation: u32,
    queue: Vec<u32>,
}

impl Partition {
    /// The partition `assign` (every value `< patches`) of `problem`.
    pub(crate) fn new(problem: &Problem, assign: Vec<u32>, patches: usize, bounds: Bounds) -> Self {
        let mut population = vec![0u64; patches];
        let mut size = vec![0u32; patches];
        let mut counts: Vec<Vec<(u32, u64)>> = vec![Vec::new(); problem.pcn_ids.len()];
        for (cell, &patch) in assign.iter().enumerate() {
            population[patch as usize] += problem.population[cell];
            size[patch as usize] += 1;
            for &(p, n) in &problem.pcns[cell] {
                let list = &mut counts[p as usize];
                match list.iter_mut().find(|e| e.0 == patch) {
                    Some(e) => e.1 += n,
                    None => list.push((patch, n)),
                }
            }
        }
        let best: Vec<u64> = counts.iter().map(|l| l.iter().map(|e| e.1).max().unwrap_or(0)).collect();
        let objective = best.iter().sum();
        let excess = population.iter().map(|&p| bounds.excess(p)).sum();
        let n = assign.len();
        Partition {
            assign,
            population,
            size,
            counts,
            best,
            objective,
            excess,
            bounds,
            seen: vec![0; n],
            generation: 0,
            queue: Vec::new(),
        }
    }

    /// The number of patches.
    pub(crate) fn patches(&self) -> usize {
        self.population.len()
    }

    /// A PCN's patients in a patch.
    pub(crate) fn count(&self, pcn: u32, patch: u32) -> u64 {
        self.counts[pcn as usize].iter().find(|e| e.0 == patch).map_or(0, |e| e.1)
    }

    /// A PCN's patients in its main patch.
    pub(crate) fn best(&self, pcn: u32) -> u64 {
        self.best[pcn as usize]
    }

    /// A PCN's patches (patch, patients), in no order.
    pub(crate) fn patches_of(&self, pcn: u32) -> &[(u32, u64)] {
        &self.counts[pcn as usize]
    }

    /// The change in excess if `moved` residents go from patch `from` to patch `to`.
    pub(crate) fn excess_change(&self, from: u32, to: u32, moved: u64) -> i64 {
        let (a, b) = (self.population[from as usize], self.population[to as usize]);
        let before = self.bounds.excess(a) + self.bounds.excess(b);
        let after = self.bounds.excess(a - moved) + self.bounds.excess(b + moved);
        after as i64 - before as i64
    }

    /// The change in the objective if `cell` moves to patch `to`.
    pub(crate) fn gain(&self, problem: &Problem, cell: u32, to: u32) -> i64 {
        let from = self.assign[cell as usize];
        let mut delta = 0i64;
        for &(p, x) in &problem.pcns[cell as usize] {
            let mut max = 0u64;
            let mut seen_to = false;
            for &(t, c) in &self.counts[p as usize] {
                let c = if t == from {
                    c - x
                } else if t == to {
                    seen_to = true;
                    c + x
                } else {
                    c
                };
                max = max.max(c);
            }
            if !seen_to {
                max = max.max(x);
            }
            delta += max as i64 - self.best[p as usize] as i64;
        }
        delta
    }

    /// Moves `cell` to patch `to`, updating every total.
    pub(crate) fn apply(&mut self, problem: &Problem, cell: u32, to: u32) {
        let from = self.assign[cell as usize];
        if from == to {
            return;
        }
        let moved = problem.population[cell as usize];
        let (f, t) = (from as usize, to as usize);
        self.excess -= self.bounds.excess(self.population[f]) + self.bounds.excess(self.population[t]);
        self.population[f] -= moved;
        self.population[t] += moved;
        self.excess += self.bounds.excess(self.population[f]) + self.bounds.excess(self.population[t]);
        self.size[f] -= 1;
        self.size[t] += 1;
        self.assign[cell as usize] = to;
        for &(p, x) in &problem.pcns[cell as usize] {
            let list = &mut self.counts[p as usize];
            if let Some(i) = list.iter().position(|e| e.0 == from) {
                list[i].1 -= x;
                if list[i].1 == 0 {
                    list.swap_remove(i);
                }
            }
            match list.iter_mut().find(|e| e.0 == to) {
                Some(e) => e.1 += x,
                None => list.push((to, x)),
            }
            let max = list.iter().map(|e| e.1).max().unwrap_or(0);
            self.objective = self.objective + max - self.best[p as usize];
            self.best[p as usize] = max;
        }
    }

    /// Whether `cell`'s patch stays in one piece, and not empty, without it.
    pub(crate) fn stays_connected(&mut self, problem: &Problem, cell: u32) -> bool {
        let patch = self.assign[cell as usize];
        if self.size[patch as usize] <= 1 {
            return false;
        }
        let same: Vec<u32> =
            problem.graph.neighbours(cell).iter().copied().filter(|&n| self.assign[n as usize] == patch).collect();
        if same.len() <= 1 {
            return !same.is_empty();
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        let g = self.generation;
        self.seen[cell as usize] = g;
        self.seen[same[0] as usize] = g;
        self.queue.clear();
        self.queue.push(same[0]);
        let mut found = 1;
        // Breadth-first within the patch until every neighbour of the cell in it has been reached.
        let mut head = 0;
        while head < self.queue.len() {
            let c = self.queue[head];
            head += 1;
            for &n in problem.graph.neighbours(c) {
                if self.seen[n as usize] != g && self.assign[n as usize] == patch {
                    self.seen[n as usize] = g;
                    if same.contains(&n) {
                        found += 1;
                        if found == same.len() {
                            return true;
                        }
                    }
                    self.queue.push(n);
                }
            }
        }
        false
    }
}
