//! The initial partition: the plurality footprints (each cell to the PCN with most of its residents),
//! cut into connected pieces, merged smallest first into the neighbour that aligns best, and the largest
//! patches bisected until there are as many patches as asked. Every patch is connected throughout.

use std::cmp::Reverse;

use crate::Bounds;
use crate::state::{Partition, Problem};

/// No PCN: a cell with no resident registered with a PCN.
const NONE: u32 = u32::MAX;

/// The initial partition of `problem` into `k` patches (fewer only if it has fewer cells).
pub(crate) fn initial(problem: &Problem, k: usize, bounds: Bounds) -> Partition {
    let (assign, clusters) = plurality_pieces(problem);
    let assign = merge(problem, assign, clusters, k, bounds);
    let (mut assign, mut patches) = renumber(&assign);
    while patches < k {
        if !split_largest(problem, &mut assign, patches) {
            break;
        }
        patches += 1;
    }
    let (assign, patches) = renumber(&assign);
    Partition::new(problem, assign, patches, bounds)
}

/// Each cell's plurality PCN (most patients; ties to the lower PCN), `u32::MAX` for a cell with none.
pub(crate) fn plurality(problem: &Problem) -> Vec<u32> {
    problem.pcns.iter().map(|p| p.iter().max_by_key(|e| (e.1, Reverse(e.0))).map_or(NONE, |e| e.0)).collect()
}

/// The aligned residents of the plurality footprints taken as patches (each cell in its plurality PCN's
/// footprint, whether or not it is connected or within bounds; cells with no PCN together).
pub(crate) fn plurality_aligned(problem: &Problem, bounds: Bounds) -> u64 {
    let (assign, patches) = renumber(&plurality(problem));
    Partition::new(problem, assign, patches, bounds).objective
}

/// The connected pieces of cells with one plurality PCN: each cell's piece and the number of pieces.
fn plurality_pieces(problem: &Problem) -> (Vec<u32>, usize) {
    let label = plurality(problem);
    let mut piece = vec![u32::MAX; problem.len()];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for start in 0..problem.len() {
        if piece[start] != u32::MAX {
            continue;
        }
        piece[start] = next;
        stack.push(start as u32);
        while let Some(c) = stack.pop() {
            for &n in problem.graph.neighbours(c) {
                let same = label[n as usize] == label[start] && label[start] != NONE;
                if same && piece[n as usize] == u32::MAX {
                    piece[n as usize] = next;
                    stack.push(n);
                }
            }
        }
        next += 1;
    }
    (piece, next as usize)
}

/// Merges pieces until `k` remain: the smallest (fewest residents, then lowest number) into the
/// neighbouring piece that keeps within the maximum if any can, then gains the most aligned residents,
/// then makes the smallest union, then has the lowest number.
fn merge(problem: &Problem, assign: Vec<u32>, pieces: usize, k: usize, bounds: Bounds) -> Vec<u32> {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); pieces];
    for (cell, &p) in assign.iter().enumerate() {
        members[p as usize].push(cell as u32);
    }
    let mut partition = Partition::new(problem, assign, pieces, bounds);
    let mut alive: Vec<bool> = vec![true; pieces];
    let mut left = pieces;
    while left > k.max(1) {
        let Some(a) = (0..pieces).filter(|&p| alive[p]).min_by_key(|&p| (partition.population[p], p)) else { break };
        let mut neighbours: Vec<u32> = members[a]
            .iter()
            .flat_map(|&c| problem.graph.neighbours(c).iter().map(|&n| partition.assign[n as usize]))
            .filter(|&p| p as usize != a)
            .collect();
        neighbours.sort_unstable();
        neighbours.dedup();
        let best = neighbours.iter().copied().max_by_key(|&b| {
            let union = partition.population[a] + partition.population[b as usize];
            (union <= bounds.max, merge_gain(problem, &partition, &members[a], a as u32, b), Reverse(union), Reverse(b))
        });
        let Some(b) = best else { break };
        for &c in &members[a] {
            partition.apply(problem, c, b);
        }
        let moved = std::mem::take(&mut members[a]);
        members[b as usize].extend(moved);
        alive[a] = false;
        left -= 1;
    }
    partition.assign
}

/// The aligned residents gained by merging piece `a` (cells `cells`) into piece `b`: for each PCN of
/// `a`, its patients in the union beyond its main piece's.
fn merge_gain(problem: &Problem, partition: &Partition, cells: &[u32], a: u32, b: u32) -> u64 {
    let mut pcns: Vec<u32> = cells.iter().flat_map(|&c| problem.pcns[c as usize].iter().map(|e| e.0)).collect();
    pcns.sort_unstable();
    pcns.dedup();
    pcns.iter()
        .map(|&p| {
            let union = partition.count(p, a) + partition.count(p, b);
            union.saturating_sub(partition.best(p))
        })
        .sum()
}

/// Patches renumbered `0..` in order of their lowest cell, and their number.
pub(crate) fn renumber(assign: &[u32]) -> (Vec<u32>, usize) {
    let mut map = rustc_hash::FxHashMap::default();
    let renumbered = assign
        .iter()
        .map(|&p| {
            let next = map.len() as u32;
            *map.entry(p).or_insert(next)
        })
        .collect();
    (renumbered, map.len())
}

/// Bisects the patch with the most residents (then the lowest number) of at least two cells into
/// patches `it` and `patches`; false when every patch is a single cell.
fn split_largest(problem: &Problem, assign: &mut [u32], patches: usize) -> bool {
    let mut population = vec![0u64; patches];
    let mut cells = vec![0u32; patches];
    for (c, &p) in assign.iter().enumerate() {
        population[p as usize] += problem.population[c];
        cells[p as usize] += 1;
    }
    let Some(largest) = (0..patches).filter(|&p| cells[p] >= 2).max_by_key(|&p| (population[p], Reverse(p))) else {
        return false;
    };
    let largest = largest as u32;
    let members: Vec<u32> = (0..assign.len() as u32).filter(|&c| assign[c as usize] == largest).collect();
    let inside = |c: u32, assign: &[u32], p: u32| assign[c as usize] == p;
    // The far end of the patch from its lowest cell, then the cells by distance from it.
    let far = *bfs(problem, members[0], |c| inside(c, assign, largest)).last().unwrap_or(&members[0]);
    let order = bfs(problem, far, |c| inside(c, assign, largest));
    let half = population[largest as usize].div_ceil(2);
    let mut taken = 0u64;
    let new = patches as u32;
    for (i, &c) in order.iter().enumerate() {
        if (i > 0 && taken >= half) || i + 1 == order.len() {
            break;
        }
        taken += problem.population[c as usize];
        assign[c as usize] = new;
    }
    // The rest stays one piece: its largest piece keeps the old number, the others join the new patch.
    let rest: Vec<u32> = members.iter().copied().filter(|&c| assign[c as usize] == largest).collect();
    let mut pieces: Vec<Vec<u32>> = Vec::new();
    let mut placed = vec![false; assign.len()];
    for &start in &rest {
        if !placed[start as usize] {
            let piece = bfs(problem, start, |c| inside(c, assign, largest));
            piece.iter().for_each(|&c| placed[c as usize] = true);
            pieces.push(piece);
        }
    }
    let keep = (0..pieces.len())
        .max_by_key(|&i| (pieces[i].iter().map(|&c| problem.population[c as usize]).sum::<u64>(), Reverse(i)))
        .unwrap_or(0);
    for (i, piece) in pieces.iter().enumerate() {
        if i != keep {
            piece.iter().for_each(|&c| assign[c as usize] = new);
        }
    }
    true
}

/// The cells reachable from `start` through cells for which `inside` holds, breadth first (neighbours
/// in increasing order).
fn bfs(problem: &Problem, start: u32, inside: impl Fn(u32) -> bool) -> Vec<u32> {
    let mut seen = rustc_hash::FxHashSet::default();
    seen.insert(start);
    let mut order = vec![start];
    let mut head = 0;
    while head < order.len() {
        let c = order[head];
        head += 1;
        for &n in problem.graph.neighbours(c) {
            if inside(n) && seen.insert(n) {
                order.push(n);
            }
        }
    }
    order
}
