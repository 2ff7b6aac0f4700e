//! National summary statistics of a per-area count: mean, SD, quantiles, extremes and a histogram.

use serde::Serialize;

/// The distribution of a count over areas.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Distribution {
    /// Number of areas.
    pub n: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1).
    pub sd: f64,
    /// Median (quantile 0.5).
    pub median: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Smallest value.
    pub min: u32,
    /// Largest value.
    pub max: u32,
    /// `histogram[v]` = number of areas with value v, for v in 0..=max.
    pub histogram: Vec<u64>,
}

/// Describes `values`. Quantiles interpolate linearly between order statistics (Hyndman & Fan type 7,
/// the default of R, NumPy and pandas); every figure is computed from exact integer sums and rounded once.
///
/// ```
/// let d = footprint_overlap::describe(&[1, 2, 3, 4]);
/// assert_eq!((d.mean, d.median, d.min, d.max), (2.5, 2.5, 1, 4));
/// assert_eq!(d.histogram, vec![0, 1, 1, 1, 1]);
/// ```
#[must_use]
pub fn describe(values: &[u32]) -> Distribution {
    let n = values.len() as u64;
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let sum: u128 = sorted.iter().map(|&v| u128::from(v)).sum();
    let sum_sq: u128 = sorted.iter().map(|&v| u128::from(v) * u128::from(v)).sum();
    let mean = if n == 0 { f64::NAN } else { sum as f64 / n as f64 };
    let sd = if n < 2 {
        f64::NAN
    } else {
        // (nΣx² − (Σx)²) / (n(n − 1)), numerator and denominator exact.
        let numerator = u128::from(n) * sum_sq - sum * sum;
        (numerator as f64 / (u128::from(n) * u128::from(n - 1)) as f64).sqrt()
    };
    let max = sorted.last().copied().unwrap_or(0);
    let mut histogram = vec![0u64; max as usize + 1];
    for &v in &sorted {
        histogram[v as usize] += 1;
    }
    Distribution {
        n,
        mean,
        sd,
        median: quantile(&sorted, 1, 2),
        p10: quantile(&sorted, 1, 10),
        p90: quantile(&sorted, 9, 10),
        min: sorted.first().copied().unwrap_or(0),
        max,
        histogram,
    }
}

/// Type-7 quantile p = num/den of sorted values: x[⌊h⌋] + frac(h)·(x[⌊h⌋+1] − x[⌊h⌋]), h = (n − 1)p, exactly.
pub(crate) fn quantile<T: Copy + Into<i128>>(sorted: &[T], num: u64, den: u64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() as u64 - 1) * num;
    let (lo, rem) = ((h / den) as usize, h % den);
    let a: i128 = sorted[lo].into();
    let b: i128 = (*sorted.get(lo + 1).unwrap_or(&sorted[lo])).into();
    (a * i128::from(den) + i128::from(rem) * (b - a)) as f64 / den as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(values: &[u32], expected: (f64, f64, f64, f64, f64)) {
        let d = describe(values);
        let got = (d.mean, d.sd, d.median, d.p10, d.p90);
        assert_eq!(got, expected, "values {values:?}");
    }

    #[test]
    fn hand_computed_distributions() {
        // mean 5, squared deviations 16+4+0+4+16 = 40, /4 = 10.
        check(&[3, 9, 5, 1, 7], (5.0, 10f64.sqrt(), 5.0, 1.8, 8.2));
        // n = 2: median 1.5; h(p10) = 0.1 -> 1 + 0.1; h(p90) = 0.9 -> 1.9.
        check(&[1, 2], (1.5, 0.5f64.sqrt(), 1.5, 1.1, 1.9));
        let d = describe(&[4]);
        assert!(d.sd.is_nan());
        assert_eq!((d.median, d.min, d.max), (4.0, 4, 4));
    }

    #[test]
    fn quantiles_match_numpy_on_ten_values() {
        // numpy.percentile(range(10, 110, 10), [10, 50, 90]) == [19., 55., 91.]
        let values: Vec<u32> = (1..=10).map(|v| v * 10).collect();
        let d = describe(&values);
        assert_eq!((d.p10, d.median, d.p90), (19.0, 55.0, 91.0));
        assert_eq!(d.histogram.iter().sum::<u64>(), 10);
    }
}
