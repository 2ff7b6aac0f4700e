//! Overlap by context: the statistics of each class of MSOAs (an IMD decile, a RUC class, a region…), and
//! the Spearman rank correlation of the counts with each score, with a seeded bootstrap interval.

use footprint_index::{Below, SplitMix64};
use rayon::prelude::*;
use serde::Serialize;

use crate::{AreaContext, AreaValues, Distribution, OverlapTable, describe};

/// The label of the MSOAs a context gives no class.
pub const NO_CLASS: &str = "no class";

/// One row of `overlap_by_context.csv`: a class of a context and what was measured on its MSOAs.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassRow {
    /// The context (`imd_decile`, `ruc`, `urban_rural`, `density_decile`, `region`, …).
    pub context: String,
    /// The class, or [`NO_CLASS`].
    pub class: String,
    /// MSOAs with residents in it.
    pub msoas: u64,
    /// Their registered residents.
    pub residents: u64,
    /// Of those, residents whose LSOA had no value in the context file.
    pub residents_without_value: u64,
    /// `pcns_all` then each threshold's count, over its MSOAs.
    pub counts: Vec<Distribution>,
    /// The mean hhi over its MSOAs with PCN residents.
    pub hhi_mean: f64,
    /// The mean effective number of PCNs over the same MSOAs.
    pub effective_pcns_mean: f64,
}

/// The rows of every context: its classes in order, then [`NO_CLASS`] when some MSOA with residents has none.
/// Only MSOAs with residents are counted, and only classes with some are written.
#[must_use]
pub fn by_context(table: &OverlapTable, contexts: &[AreaContext]) -> Vec<ClassRow> {
    let mut rows = Vec::new();
    for context in contexts {
        let (labels, of) = context.classes();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); labels.len() + 1];
        for (i, r) in table.areas.iter().enumerate() {
            if r.population > 0 {
                members[of[i].map_or(labels.len(), |c| c as usize)].push(i);
            }
        }
        let name = context.class_name();
        for (c, areas) in members.iter().enumerate() {
            if areas.is_empty() {
                continue;
            }
            let class = labels.get(c).map_or(NO_CLASS, String::as_str);
            rows.push(class_row(table, context, &name, class, areas));
        }
    }
    rows
}

/// The row of one class.
fn class_row(table: &OverlapTable, context: &AreaContext, name: &str, class: &str, areas: &[usize]) -> ClassRow {
    let rows: Vec<&crate::AreaOverlap> = areas.iter().map(|&i| &table.areas[i]).collect();
    let mut counts = vec![describe(&rows.iter().map(|r| r.pcns_all).collect::<Vec<_>>())];
    for t in 0..table.thresholds.len() {
        counts.push(describe(&rows.iter().map(|r| r.pcns_at_or_above[t]).collect::<Vec<_>>()));
    }
    let mean = |v: Vec<f64>| if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
    ClassRow {
        context: name.to_owned(),
        class: class.to_owned(),
        msoas: rows.len() as u64,
        residents: rows.iter().map(|r| r.population).sum(),
        residents_without_value: areas.iter().map(|&i| context.residents_without_value[i]).sum(),
        counts,
        hhi_mean: mean(rows.iter().filter_map(|r| r.hhi).collect()),
        effective_pcns_mean: mean(rows.iter().filter_map(|r| r.effective_pcns).collect()),
    }
}

/// Bootstrap replicates of each correlation.
pub const BOOTSTRAP_REPLICATES: usize = 1000;
/// The seed of the bootstrap: replicate r draws from stream r of this seed ([`SplitMix64::stream`]).
pub const BOOTSTRAP_SEED: u64 = 20_220_701;

/// A Spearman rank correlation with its bootstrap interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Correlation {
    /// The count (`pcns_ge_1pct`, …).
    pub count: String,
    /// What it is correlated with (`imd_score`, `population_per_km2`).
    pub with: String,
    /// MSOAs with residents and a value of both.
    pub msoas: u64,
    /// Spearman's rho: the Pearson correlation of the mid-ranks (ties share their mean rank).
    pub rho: f64,
    /// The 2.5th and 97.5th percentiles of rho over the bootstrap replicates (MSOAs resampled with replacement).
    pub ci95: [f64; 2],
    /// Replicates.
    pub replicates: usize,
    /// The seed.
    pub seed: u64,
}

/// The correlation of each threshold's count with each score context (its score over the MSOAs with residents).
/// Contexts with as many MSOAs share their resamples: each draws the same pairs by index, so each result
/// is the one its context alone gives.
#[must_use]
pub fn associations(table: &OverlapTable, contexts: &[AreaContext]) -> Vec<Correlation> {
    let measured: Vec<Measured> = contexts.iter().filter_map(|c| Measured::of(table, c)).collect();
    let mut results: Vec<Option<Vec<RhoInterval>>> = vec![None; measured.len()];
    let mut sizes: Vec<usize> = measured.iter().map(|m| m.scores.len()).collect();
    sizes.sort_unstable();
    sizes.dedup();
    for n in sizes {
        let same: Vec<usize> = (0..measured.len()).filter(|&k| measured[k].scores.len() == n).collect();
        let samples: Vec<Sample<'_>> =
            same.iter().map(|&k| (&measured[k].counts[..], &measured[k].scores[..])).collect();
        let together = spearman_with_intervals(&samples, BOOTSTRAP_REPLICATES, BOOTSTRAP_SEED);
        for (k, result) in same.into_iter().zip(together) {
            results[k] = Some(result);
        }
    }
    let mut out = Vec::new();
    for (m, result) in measured.iter().zip(results) {
        for (threshold, (rho, ci95)) in table.thresholds.iter().zip(result.unwrap_or_default()) {
            out.push(Correlation {
                count: threshold.column_name(),
                with: m.with.clone(),
                msoas: m.scores.len() as u64,
                rho,
                ci95,
                replicates: BOOTSTRAP_REPLICATES,
                seed: BOOTSTRAP_SEED,
            });
        }
    }
    out
}

/// What one score context is correlated over: its score and each threshold's count, over the MSOAs
/// with residents and a score (the same MSOAs for every threshold).
struct Measured {
    with: String,
    scores: Vec<f64>,
    counts: Vec<Vec<f64>>,
}

impl Measured {
    fn of(table: &OverlapTable, context: &AreaContext) -> Option<Self> {
        let AreaValues::Score { score, .. } = &context.values else { return None };
        let with =
            if context.name == "density" { "population_per_km2".to_owned() } else { context.columns().swap_remove(0) };
        let kept: Vec<(&crate::AreaOverlap, f64)> = table
            .areas
            .iter()
            .zip(score)
            .filter(|(r, _)| r.population > 0)
            .filter_map(|(r, s)| s.map(|s| (r, s)))
            .collect();
        let scores: Vec<f64> = kept.iter().map(|k| k.1).collect();
        let counts: Vec<Vec<f64>> = (0..table.thresholds.len())
            .map(|t| kept.iter().map(|(r, _)| f64::from(r.pcns_at_or_above[t])).collect())
            .collect();
        Some(Self { with, scores, counts })
    }
}

/// Spearman's rho of `pairs` and the 95% percentile bootstrap interval over `replicates` resamples
/// (replicate r draws from stream r of `seed`, so the result does not depend on the number of threads).
///
/// ```
/// let pairs = [(1.0, 10.0), (2.0, 20.0), (3.0, 25.0), (4.0, 40.0)];
/// let (rho, ci) = footprint_overlap::spearman_with_interval(&pairs, 200, 1);
/// assert_eq!(rho, 1.0);
/// assert!(ci[0] <= ci[1]);
/// ```
#[must_use]
pub fn spearman_with_interval(pairs: &[(f64, f64)], replicates: usize, seed: u64) -> (f64, [f64; 2]) {
    let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    spearman_with_intervals(&[(&[xs], &ys)], replicates, seed)[0][0]
}

/// Spearman's rho with its 95% bootstrap interval.
type RhoInterval = (f64, [f64; 2]);

/// Pairings of one set of pairs: first values (each a `Vec`) against second values.
type Sample<'a> = (&'a [Vec<f64>], &'a [f64]);

/// As [`spearman_with_interval`] for each first values against the second values of each sample, all
/// from the same resamples: every sample has as many pairs, and each resample draws the same pairs of
/// each by index. Each result is the one [`spearman_with_interval`] gives for that pairing alone.
fn spearman_with_intervals(samples: &[Sample<'_>], replicates: usize, seed: u64) -> Vec<Vec<RhoInterval>> {
    let n = samples.first().map_or(0, |s| s.1.len());
    debug_assert!(samples.iter().all(|s| s.1.len() == n), "samples of as many pairs");
    let prepared: Vec<(YOrder, Vec<XRanks>)> = samples
        .iter()
        .map(|(xs, y)| {
            let order = YOrder::new(y);
            let ranked = xs.iter().map(|x| XRanks::new(x, &order)).collect();
            (order, ranked)
        })
        .collect();
    let mut scratch = Scratch::default();
    let all = vec![1; n];
    let rhos: Vec<Vec<f64>> = prepared.iter().map(|(order, ranked)| order.rhos(ranked, &all, &mut scratch)).collect();
    if n == 0 {
        return rhos.into_iter().map(|r| r.into_iter().map(|rho| (rho, [f64::NAN; 2])).collect()).collect();
    }
    let draw = Below::new(n as u64);
    let replicated: Vec<Vec<Vec<f64>>> = (0..replicates)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Scratch::default()),
            |(drawn, scratch), r| {
                let mut rng = SplitMix64::stream(seed, r as u64);
                drawn.fill(0);
                for _ in 0..n {
                    drawn[draw.draw(&mut rng) as usize] += 1;
                }
                prepared.iter().map(|(order, ranked)| order.rhos(ranked, drawn, scratch)).collect()
            },
        )
        .collect();
    rhos.into_iter()
        .enumerate()
        .map(|(s, rhos)| {
            let interval = |k: usize| {
                let mut finite: Vec<f64> = replicated.iter().map(|r| r[s][k]).filter(|r| r.is_finite()).collect();
                finite.sort_by(f64::total_cmp);
                [quantile(&finite, 0.025), quantile(&finite, 0.975)]
            };
            rhos.into_iter().enumerate().map(|(k, rho)| (rho, interval(k))).collect()
        })
        .collect()
}

/// The pairs in the order of their second value: what every resample's rho needs of that order.
struct YOrder {
    /// The pair at each place in that order.
    by: Vec<u32>,
    /// Where each run of equal second values ends, in that order.
    y_ends: Vec<u32>,
}

/// The first values' dense ranks, in the second values' order.
struct XRanks {
    /// The first value's dense rank, in that order.
    x: Vec<u32>,
    /// How many distinct first values.
    kx: usize,
}

impl YOrder {
    fn new(y: &[f64]) -> Self {
        let (y, _) = dense_ranks(y.iter().copied());
        let mut order: Vec<u32> = (0..y.len() as u32).collect();
        order.sort_by_key(|&i| (y[i as usize], i));
        let ends = (1..=order.len()).filter(|&k| k == order.len() || y[order[k] as usize] != y[order[k - 1] as usize]);
        let y_ends = ends.map(|k| k as u32).collect();
        Self { by: order, y_ends }
    }

    /// Spearman's rho of a sample of as many draws as pairs that holds pair i `drawn[i]` times, against
    /// each of `xs`.
    fn rhos(&self, xs: &[XRanks], drawn: &[u32], scratch: &mut Scratch) -> Vec<f64> {
        xs.iter().map(|x| self.rho(x, drawn, &mut scratch.classes)).collect()
    }

    /// Spearman's rho of such a sample against `x`: the Pearson correlation of the sample's mid-ranks,
    /// counted, not sorted, in one pass over the runs of equal second values.
    ///
    /// Mid-ranks are half-integers and their mean over the sample is (n + 1) / 2, so twice each
    /// deviation is an integer: every sum is made in integers, exactly, and turned into a float once.
    /// Below 200,000 pairs each sum is under 2^53, so the floats are the exact sums, the bits a sum of
    /// floats draw by draw gives (tested against the sort-based computation).
    fn rho(&self, x: &XRanks, drawn: &[u32], classes: &mut Vec<(i64, i64)>) -> f64 {
        // A sample draws as many pairs as there are: its size is their number.
        debug_assert_eq!(drawn.iter().map(|&t| t as usize).sum::<usize>(), drawn.len());
        let n = drawn.len() as i64;
        // How many times the pair at place k of this order was drawn.
        let times = |k: usize| i64::from(drawn[self.by[k] as usize]);
        // Per class of the first value: how many were drawn, and the sum of twice their second
        // deviations, (2·below + c + 1) − (n + 1) for a run of c draws with `below` drawn before it.
        classes.clear();
        classes.resize(x.kx, (0, 0));
        let (mut below, mut start, mut syy) = (0i64, 0usize, 0i64);
        for &end in &self.y_ends {
            let end = end as usize;
            if end == start + 1 {
                // A value of its own (most scores are). Undrawn (c = 0), it adds nothing: no test for
                // that, whose outcome is a coin toss.
                let c = times(start);
                let dy = 2 * below + c - n;
                (below, syy) = (below + c, syy + c * dy * dy);
                let class = &mut classes[x.x[start] as usize];
                (class.0, class.1) = (class.0 + c, class.1 + c * dy);
            } else {
                let c: i64 = (start..end).map(times).sum();
                let dy = 2 * below + c - n;
                (below, syy) = (below + c, syy + c * dy * dy);
                for k in start..end {
                    let (t, class) = (times(k), &mut classes[x.x[k] as usize]);
                    (class.0, class.1) = (class.0 + t, class.1 + t * dy);
                }
            }
            start = end;
        }
        let (mut below, mut sxy, mut sxx) = (0i64, 0i64, 0i64);
        for &(c, sum_dy) in classes.iter() {
            let dx = 2 * below + c - n;
            below += c;
            sxy += dx * sum_dy;
            sxx += c * dx * dx;
        }
        let quarter = |v: i64| v as f64 / 4.0;
        quarter(sxy) / (quarter(sxx) * quarter(syy)).sqrt()
    }
}

impl XRanks {
    fn new(x: &[f64], order: &YOrder) -> Self {
        let (ranks, kx) = dense_ranks(x.iter().copied());
        Self { x: order.by.iter().map(|&pair| ranks[pair as usize]).collect(), kx }
    }
}

/// What [`YOrder::rhos`] works in, kept between resamples.
#[derive(Default)]
struct Scratch {
    classes: Vec<(i64, i64)>,
}

/// Each value's index among the distinct values in ascending order, and how many there are.
fn dense_ranks(values: impl Iterator<Item = f64>) -> (Vec<u32>, usize) {
    let values: Vec<f64> = values.collect();
    let mut distinct = values.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup_by(|a, b| a.total_cmp(b).is_eq());
    let ranks = values.iter().map(|v| distinct.partition_point(|d| d.total_cmp(v).is_lt()) as u32).collect();
    (ranks, distinct.len())
}

/// Type-7 quantile of sorted values (NaN when empty).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pairs: &[(f64, f64)], expected: f64) {
        let (rho, _) = spearman_with_interval(pairs, 0, 0);
        assert!((rho - expected).abs() < 1e-12, "pairs {pairs:?}: {rho} against {expected}");
    }

    #[test]
    fn spearman_by_hand() {
        // Ranks x 1 2 3 4, y 2 1 4 3: Σd² = 4, rho = 1 − 6·4/(4·15) = 0.6.
        check(&[(1.0, 20.0), (2.0, 10.0), (3.0, 40.0), (4.0, 30.0)], 0.6);
        // Reversed order: −1.
        check(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)], -1.0);
        // Ties: x mid-ranks 1.5 1.5 3, y 1 2 3: Pearson of those = 0.866025… (√3/2).
        check(&[(1.0, 1.0), (1.0, 2.0), (2.0, 3.0)], 3f64.sqrt() / 2.0);
    }

    /// Spearman's rho of the pairs drawn, the textbook way: mid-ranks by sorting the sample, then
    /// Pearson's r summed draw by draw.
    fn by_sorting(pairs: &[(f64, f64)], draws: &[usize]) -> f64 {
        let ranks = |value: &dyn Fn(usize) -> f64| {
            let mut order: Vec<usize> = (0..draws.len()).collect();
            order.sort_by(|&a, &b| value(a).total_cmp(&value(b)));
            let mut rank = vec![0.0; draws.len()];
            let mut start = 0;
            while start < order.len() {
                let end = (start..order.len()).find(|&k| value(order[k]) != value(order[start])).unwrap_or(order.len());
                for &i in &order[start..end] {
                    rank[i] = (start + end + 1) as f64 / 2.0;
                }
                start = end;
            }
            rank
        };
        let (rx, ry) = (ranks(&|i| pairs[draws[i]].0), ranks(&|i| pairs[draws[i]].1));
        let n = draws.len() as f64;
        let (ax, ay) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (x, y) in rx.iter().zip(&ry) {
            sxy += (x - ax) * (y - ay);
            sxx += (x - ax) * (x - ax);
            syy += (y - ay) * (y - ay);
        }
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn counted_resamples_give_the_bits_sorted_ones_give() {
        let mut rng = SplitMix64(11);
        for n in [1usize, 2, 5, 40, 700] {
            // Few distinct values on both sides: many ties.
            let pairs: Vec<(f64, f64)> =
                (0..n).map(|_| (rng.below(6) as f64, rng.below(n as u64 / 3 + 2) as f64 * 0.5)).collect();
            let replicates = 50;
            let (rho, ci) = spearman_with_interval(&pairs, replicates, 3);
            let all: Vec<usize> = (0..n).collect();
            assert_eq!(rho.to_bits(), by_sorting(&pairs, &all).to_bits(), "n {n}");
            let mut rhos: Vec<f64> = (0..replicates)
                .map(|r| {
                    let mut rng = SplitMix64::stream(3, r as u64);
                    let draws: Vec<usize> = (0..n).map(|_| rng.below(n as u64) as usize).collect();
                    by_sorting(&pairs, &draws)
                })
                .filter(|r| r.is_finite())
                .collect();
            rhos.sort_by(f64::total_cmp);
            let expected = [quantile(&rhos, 0.025), quantile(&rhos, 0.975)];
            assert_eq!(ci.map(f64::to_bits), expected.map(f64::to_bits), "n {n}");
        }
    }

    #[test]
    fn resamples_drawn_once_give_each_pairing_its_own_result() {
        let mut rng = SplitMix64(7);
        // Two samples of as many pairs: second values with ties, and nearly all distinct.
        let ys: [Vec<f64>; 2] =
            [(0..300).map(|_| rng.below(40) as f64).collect(), (0..300).map(|_| rng.unit() * 1e3).collect()];
        let xs: Vec<Vec<f64>> = (0..3).map(|k| (0..300).map(|_| rng.below(5 + 9 * k) as f64).collect()).collect();
        let samples: Vec<Sample<'_>> = vec![(&xs[..], &ys[0][..]), (&xs[1..], &ys[1][..])];
        let together = spearman_with_intervals(&samples, 120, 9);
        assert_eq!(together.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2]);
        for ((xs, y), shared) in samples.iter().zip(&together) {
            for (x, shared) in xs.iter().zip(shared) {
                let pairs: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
                let alone = spearman_with_interval(&pairs, 120, 9);
                assert_eq!(
                    (alone.0.to_bits(), alone.1.map(f64::to_bits)),
                    (shared.0.to_bits(), shared.1.map(f64::to_bits))
                );
            }
        }
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_rho() {
        let pairs: Vec<(f64, f64)> = (0..200).map(|i| (f64::from(i % 17), f64::from((i * 7) % 23))).collect();
        let a = spearman_with_interval(&pairs, 300, 5);
        let b = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| spearman_with_interval(&pairs, 300, 5));
        assert_eq!(a, b);
        assert!(a.1[0] <= a.0 && a.0 <= a.1[1], "{a:?}");
        assert_ne!(spearman_with_interval(&pairs, 300, 6).1, a.1);
    }
}
