//! Local search over border moves (AZP): a cell moves to a neighbouring patch when its own patch stays
//! in one piece and the excess over the bounds does not grow. Simulated annealing first (seeded), then a
//! steepest-first descent until no single move improves: the result is a local optimum.

use footprint_index::SplitMix64;

use crate::state::{Partition, Problem};

/// Whether state (excess, objective) `a` is better than `b`: less excess, then more aligned residents.
fn better(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 > b.1)
}

/// The patches next to `cell` other than its own, with repeats (one per neighbour), into `out`.
fn neighbour_patches(problem: &Problem, partition: &Partition, cell: u32, out: &mut Vec<u32>) {
    out.clear();
    let own = partition.assign[cell as usize];
    out.extend(problem.graph.neighbours(cell).iter().map(|&n| partition.assign[n as usize]).filter(|&p| p != own));
}

/// Simulated annealing: `moves_per_cell` × cells proposals of a random cell to the patch of a random
/// neighbour in another patch. A move that lowers the excess is taken; one that raises it never; at equal
/// excess a move is taken if it gains, else with probability exp(gain / T), T falling geometrically from
/// a quarter of the mean aligned-able residents per cell to 0.5. Ends at the best state seen.
pub(crate) fn anneal(problem: &Problem, partition: &mut Partition, rng: &mut SplitMix64, moves_per_cell: u32) {
    let n = problem.len();
    if n < 2 || partition.patches() < 2 {
        return;
    }
    let iterations = n as u64 * u64::from(moves_per_cell);
    let start = (problem.pcn_residents() as f64 / n as f64 / 4.0).max(1.0);
    let end = 0.5f64.min(start);
    let cooling = (end / start).powf(1.0 / iterations.max(1) as f64);
    let mut temperature = start;
    let mut best = (partition.excess, partition.objective);
    let mut best_assign = partition.assign.clone();
    let mut patches = Vec::new();
    for _ in 0..iterations {
        temperature *= cooling;
        let cell = rng.below(n as u64) as u32;
        neighbour_patches(problem, partition, cell, &mut patches);
        if patches.is_empty() {
            continue;
        }
        let to = patches[rng.below(patches.len() as u64) as usize];
        let from = partition.assign[cell as usize];
        let excess = partition.excess_change(from, to, problem.population[cell as usize]);
        if excess > 0 {
            continue;
        }
        let gain = partition.gain(problem, cell, to);
        let take = excess < 0 || gain >= 0 || rng.unit() < (gain as f64 / temperature).exp();
        if take && partition.stays_connected(problem, cell) {
            partition.apply(problem, cell, to);
            if better((partition.excess, partition.objective), best) {
                best = (partition.excess, partition.objective);
                best_assign.clone_from(&partition.assign);
            }
        }
    }
    if better(best, (partition.excess, partition.objective)) {
        *partition = Partition::new(problem, best_assign, partition.patches(), partition.bounds);
    }
}

/// Descent: cells in order, each to the first neighbouring patch (lowest number) where a move lowers
/// the excess, or keeps it and gains, keeping patches whole; repeated until a pass moves nothing.
/// Terminates: each move improves (excess, objective), both whole numbers bounded.
pub(crate) fn descend(problem: &Problem, partition: &mut Partition) {
    let mut patches = Vec::new();
    loop {
        let mut moved = false;
        for cell in 0..problem.len() as u32 {
            neighbour_patches(problem, partition, cell, &mut patches);
            patches.sort_unstable();
            patches.dedup();
            let from = partition.assign[cell as usize];
            for &to in &patches {
                let excess = partition.excess_change(from, to, problem.population[cell as usize]);
                let improves = excess < 0 || (excess == 0 && partition.gain(problem, cell, to) > 0);
                if improves && partition.stays_connected(problem, cell) {
                    partition.apply(problem, cell, to);
                    moved = true;
                    break;
                }
            }
        }
        if !moved {
            return;
        }
    }
}
