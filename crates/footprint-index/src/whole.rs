//! Whole patients from integer weights: the largest-remainder split of a total, and its controlled
//! rounding over the practices that make up the total.

use std::collections::VecDeque;

/// `n` split in proportion to integer `weights` by largest remainder: each part gets ⌊n·w/W⌋, and the
/// patients left over go one each to the largest remainders (ties to the earlier weight). Exact: no
/// floating point. All zero weights count as equal.
///
/// ```
/// assert_eq!(footprint_index::largest_remainder(7, &[6, 3, 1]), vec![4, 2, 1]); // 4.2, 2.1, 0.7
/// assert_eq!(footprint_index::largest_remainder(1, &[1, 1]), vec![1, 0]);
/// ```
#[must_use]
pub fn largest_remainder(n: u64, weights: &[u64]) -> Vec<u64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let ones = vec![1u64; weights.len()];
    let weights = if weights.iter().all(|&w| w == 0) { &ones } else { weights };
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    let mut parts: Vec<(u64, u128)> = weights
        .iter()
        .map(|&w| {
            let q = u128::from(n) * u128::from(w);
            // q / total ≤ n, so the whole part fits.
            (u64::try_from(q / total).unwrap_or(u64::MAX), q % total)
        })
        .collect();
    let mut left = n - parts.iter().map(|p| p.0).sum::<u64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    // Fewer patients are left than there are parts: each remainder gets at most one.
    for &i in &order {
        if left == 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| p.0).collect()
}

/// Splits each of `rows` (a practice's patients in one LSOA) over the targets so that every row's parts
/// add up to the row and every target's parts add up to `totals[t]` (the largest-remainder split of the
/// rows' sum): each part is its row's patients × the target's share of the sum, rounded down or up
/// (controlled rounding; the larger fractions are rounded up first, and an augmenting path settles the
/// rest). `totals` must add up to the rows' sum.
///
/// ```
/// // 3 patients at each of two practices, split 1:1 between two areas: 3 and 3, not 4 and 2.
/// let totals = footprint_index::largest_remainder(6, &[1, 1]);
/// assert_eq!(footprint_index::round_rows(&[3, 3], &totals), vec![vec![2, 1], vec![1, 2]]);
/// ```
#[must_use]
pub fn round_rows(rows: &[u64], totals: &[u64]) -> Vec<Vec<u64>> {
    let n: u64 = rows.iter().sum();
    let targets = totals.len();
    if n == 0 || targets == 0 {
        return rows.iter().map(|_| vec![0; targets]).collect();
    }
    // Ideal part of row r in target t: rows[r] · totals[t] / n, as floor and remainder (of n).
    let mut parts: Vec<Vec<u64>> = Vec::with_capacity(rows.len());
    let mut fractions: Vec<Vec<u128>> = Vec::with_capacity(rows.len());
    for &row in rows {
        let (p, f): (Vec<u64>, Vec<u128>) = totals
            .iter()
            .map(|&total| {
                let q = u128::from(row) * u128::from(total);
                (u64::try_from(q / u128::from(n)).unwrap_or(u64::MAX), q % u128::from(n))
            })
            .unzip();
        parts.push(p);
        fractions.push(f);
    }
    let mut row_left: Vec<u64> = rows.iter().zip(&parts).map(|(&r, p)| r - p.iter().sum::<u64>()).collect();
    let mut col_left: Vec<u64> = (0..targets).map(|t| totals[t] - parts.iter().map(|p| p[t]).sum::<u64>()).collect();
    let mut up = vec![vec![false; targets]; rows.len()];
    // Largest fractions first, then row and target order.
    let mut cells: Vec<(usize, usize)> =
        (0..rows.len()).flat_map(|r| (0..targets).map(move |t| (r, t))).filter(|&(r, t)| fractions[r][t] > 0).collect();
    cells.sort_by(|&(ra, ta), &(rb, tb)| fractions[rb][tb].cmp(&fractions[ra][ta]).then((ra, ta).cmp(&(rb, tb))));
    for &(r, t) in &cells {
        if row_left[r] > 0 && col_left[t] > 0 {
            up[r][t] = true;
            row_left[r] -= 1;
            col_left[t] -= 1;
        }
    }
    while row_left.iter().any(|&l| l > 0) {
        if !augment(&fractions, &mut up, &mut row_left, &mut col_left) {
            break; // cannot happen when the totals add up (the fractions are a feasible flow)
        }
    }
    for (r, row) in parts.iter_mut().enumerate() {
        for (t, part) in row.iter_mut().enumerate() {
            *part += u64::from(up[r][t]);
        }
    }
    parts
}

/// One augmenting path, rows with patients left → (unrounded cell) → target → (rounded cell) → row …
/// → a target with patients left; flips the cells along it. False if there is none.
fn augment(fractions: &[Vec<u128>], up: &mut [Vec<bool>], row_left: &mut [u64], col_left: &mut [u64]) -> bool {
    let (rows, targets) = (up.len(), col_left.len());
    // Nodes: rows 0..rows, targets rows..rows+targets; parent of each node reached.
    let mut parent: Vec<Option<usize>> = vec![None; rows + targets];
    let mut seen = vec![false; rows + targets];
    let mut queue: VecDeque<usize> = (0..rows).filter(|&r| row_left[r] > 0).collect();
    for &r in &queue {
        seen[r] = true;
    }
    while let Some(node) = queue.pop_front() {
        if node < rows {
            for t in 0..targets {
                if fractions[node][t] > 0 && !up[node][t] && !seen[rows + t] {
                    seen[rows + t] = true;
                    parent[rows + t] = Some(node);
                    if col_left[t] > 0 {
                        flip_path(rows + t, &parent, rows, up);
                        col_left[t] -= 1;
                        let start = root(rows + t, &parent);
                        row_left[start] -= 1;
                        return true;
                    }
                    queue.push_back(rows + t);
                }
            }
        } else {
            let t = node - rows;
            for r in 0..rows {
                if up[r][t] && !seen[r] {
                    seen[r] = true;
                    parent[r] = Some(node);
                    queue.push_back(r);
                }
            }
        }
    }
    false
}

fn root(mut node: usize, parent: &[Option<usize>]) -> usize {
    while let Some(p) = parent[node] {
        node = p;
    }
    node
}

/// Flips every cell on the path ending at target node `end`: row → target edges are rounded up,
/// target → row edges back down.
fn flip_path(end: usize, parent: &[Option<usize>], rows: usize, up: &mut [Vec<bool>]) {
    let mut node = end;
    while let Some(p) = parent[node] {
        if node >= rows {
            up[p][node - rows] = true;
        } else {
            up[node][p - rows] = false;
        }
        node = p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(n: u64, weights: &[u64], expected: &[u64]) {
        assert_eq!(largest_remainder(n, weights), expected, "{n} by {weights:?}");
    }

    #[test]
    fn largest_remainder_by_hand() {
        check(10, &[1, 0], &[10, 0]);
        check(10, &[1, 1, 0], &[5, 5, 0]);
        check(1, &[1, 1], &[1, 0]); // a tie goes to the earlier target
        check(7, &[6, 3, 1], &[4, 2, 1]); // 4.2, 2.1, 0.7
        check(5, &[0, 0], &[3, 2]); // no weight: equal shares
        check(0, &[3, 4], &[0, 0]);
        check(100, &[1, 2], &[33, 67]); // 33.3, 66.7
        assert!(largest_remainder(5, &[]).is_empty());
    }

    fn check_rows(rows: &[u64], weights: &[u64], expected: &[Vec<u64>]) {
        let totals = largest_remainder(rows.iter().sum(), weights);
        let got = round_rows(rows, &totals);
        assert_eq!(got, expected, "{rows:?} by {weights:?}");
        for (r, parts) in got.iter().enumerate() {
            assert_eq!(parts.iter().sum::<u64>(), rows[r]);
        }
        for t in 0..totals.len() {
            assert_eq!(got.iter().map(|p| p[t]).sum::<u64>(), totals[t]);
        }
    }

    #[test]
    fn rows_add_up_both_ways() {
        // Ten 1-patient rows split 1:1: five each (rounding each row alone would give all ten to the first).
        let ones = vec![1u64; 10];
        let halves: Vec<Vec<u64>> = (0..10).map(|r| if r < 5 { vec![1, 0] } else { vec![0, 1] }).collect();
        check_rows(&ones, &[1, 1], &halves);
        // 7 and 3 patients, 60:40: totals 6 and 4; ideals 4.2/2.8 and 1.8/1.2.
        check_rows(&[7, 3], &[3, 2], &[vec![4, 3], vec![2, 1]]);
        // Three targets, 10 patients 1:1:1 over rows 4, 3, 3: totals 4, 3, 3.
        check_rows(&[4, 3, 3], &[1, 1, 1], &[vec![2, 1, 1], vec![1, 1, 1], vec![1, 1, 1]]);
        check_rows(&[5], &[1, 0], &[vec![5, 0]]);
        check_rows(&[0, 2], &[1, 1], &[vec![0, 0], vec![1, 1]]);
    }

    /// Seeded random tables: margins always exact, and every part its ideal rounded down or up.
    #[test]
    fn random_tables_are_rounded_within_one() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for _ in 0..500 {
            let rows: Vec<u64> = (0..1 + next(12)).map(|_| next(9)).collect();
            let weights: Vec<u64> = (0..1 + next(4)).map(|_| next(5)).collect();
            let n: u64 = rows.iter().sum();
            let totals = largest_remainder(n, &weights);
            let got = round_rows(&rows, &totals);
            for (r, parts) in got.iter().enumerate() {
                assert_eq!(parts.iter().sum::<u64>(), rows[r], "{rows:?} {weights:?}");
                for t in 0..totals.len() {
                    if n > 0 {
                        let ideal = u128::from(rows[r]) * u128::from(totals[t]);
                        let floor = u64::try_from(ideal / u128::from(n)).unwrap();
                        assert!(parts[t] == floor || (parts[t] == floor + 1 && ideal % u128::from(n) > 0));
                    }
                }
            }
            for t in 0..totals.len() {
                assert_eq!(got.iter().map(|p| p[t]).sum::<u64>(), totals[t], "{rows:?} {weights:?}");
            }
        }
    }
}
