//! Share thresholds as exact decimal fractions, so that "share ≥ 1%" is decided in integer arithmetic.

use std::fmt;
use std::str::FromStr;

/// A share threshold t in [0, 1], held exactly as `numerator / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Threshold {
    numerator: u64,
    scale: u32,
}

impl Threshold {
    /// The default threshold: 1%.
    pub const ONE_PERCENT: Threshold = Threshold { numerator: 1, scale: 2 };

    /// Whether `patients` out of `population` is a share of at least t (inclusive), exactly.
    ///
    /// ```
    /// let t: footprint_overlap::Threshold = "0.01".parse().unwrap();
    /// assert!(t.is_met(1, 100));   // exactly 1%
    /// assert!(!t.is_met(99, 10_000)); // 0.99%
    /// assert!(!t.is_met(0, 0));
    /// ```
    #[must_use]
    pub fn is_met(self, patients: u64, population: u64) -> bool {
        population > 0
            && u128::from(patients) * 10u128.pow(self.scale) >= u128::from(self.numerator) * u128::from(population)
    }

    /// The fewest keys whose counts hold at least this share of `total`, taken greedily: most counted
    /// first, ties by key. In the order taken; every key when even all of them fall short.
    ///
    /// ```
    /// let t: footprint_overlap::Threshold = "0.8".parse().unwrap();
    /// assert_eq!(t.core(&[('a', 10), ('b', 50), ('c', 40)], 100), vec!['b', 'c']);
    /// assert_eq!(t.core(&[('a', 10), ('b', 50), ('c', 10)], 100), vec!['b', 'a', 'c']);
    /// ```
    #[must_use]
    pub fn core<K: Ord + Copy>(self, counts: &[(K, u64)], total: u64) -> Vec<K> {
        let mut ranked = counts.to_vec();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut taken = Vec::new();
        let mut held = 0u64;
        for (key, n) in ranked {
            if self.is_met(held, total) {
                break;
            }
            taken.push(key);
            held += n;
        }
        taken
    }

    /// The threshold as a percentage, in shortest decimal form: `1`, `0.5`, `12.25`.
    #[must_use]
    pub fn percent_label(self) -> String {
        decimal(u128::from(self.numerator) * 100, self.scale)
    }

    /// How the names of the threshold columns start.
    pub const COLUMN_PREFIX: &'static str = "pcns_ge_";

    /// How the names of the threshold columns end.
    pub const COLUMN_SUFFIX: &'static str = "pct";

    /// The name of the column counting PCNs at or above this threshold: `pcns_ge_1pct`, `pcns_ge_0.5pct`.
    #[must_use]
    pub fn column_name(self) -> String {
        format!("{}{}{}", Self::COLUMN_PREFIX, self.percent_label(), Self::COLUMN_SUFFIX)
    }

    /// The threshold as a floating-point fraction (for measures that are not exact counts).
    ///
    /// ```
    /// let t: footprint_overlap::Threshold = "0.5%".parse().unwrap();
    /// assert_eq!(t.as_fraction(), 0.005);
    /// ```
    #[must_use]
    pub fn as_fraction(self) -> f64 {
        self.numerator as f64 / 10f64.powi(self.scale as i32)
    }

    /// The threshold as a fraction, e.g. `0.01` (for the run summary).
    #[must_use]
    pub fn fraction_label(self) -> String {
        decimal(u128::from(self.numerator), self.scale)
    }
}

/// `value / 10^scale` in shortest decimal form.
fn decimal(value: u128, scale: u32) -> String {
    let base = 10u128.pow(scale);
    let (int, frac) = (value / base, value % base);
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:0width$}", width = scale as usize);
    format!("{int}.{}", digits.trim_end_matches('0'))
}

/// Why a threshold was rejected.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid threshold {text:?}: {problem}")]
pub struct ThresholdError {
    text: String,
    problem: &'static str,
}

impl FromStr for Threshold {
    type Err = ThresholdError;

    /// Parses a fraction (`0.01`) or a percentage (`1%`); plain decimals only, at most 16 decimal places.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |problem| ThresholdError { text: s.to_owned(), problem };
        let text = s.trim();
        let (digits, extra_scale) = match text.strip_suffix('%') {
            Some(p) => (p.trim_end(), 2),
            None => (text, 0),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err("expected a decimal fraction such as 0.01 or a percentage such as 1%"));
        }
        let frac = frac.trim_end_matches('0');
        let scale = frac.len() as u32 + extra_scale;
        if scale > 18 {
            return Err(err("too many decimal places"));
        }
        let numerator: u64 =
            format!("{int}{frac}").trim_start_matches('0').parse().or_else(|e: std::num::ParseIntError| {
                if *e.kind() == std::num::IntErrorKind::Empty { Ok(0) } else { Err(err("too large")) }
            })?;
        if u128::from(numerator) > 10u128.pow(scale) {
            return Err(err("a share threshold must be between 0 and 1 (0% and 100%)"));
        }
        Ok(Threshold { numerator, scale })
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.percent_label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<(&str, &str), &str>) {
        let got = input.parse::<Threshold>().map(|t| (t.column_name(), t.fraction_label()));
        match expected {
            Ok((column, fraction)) => assert_eq!(got, Ok((column.to_owned(), fraction.to_owned())), "input {input:?}"),
            Err(problem) => assert_eq!(got.unwrap_err().problem, problem, "input {input:?}"),
        }
    }

    #[test]
    fn parsing_and_labels() {
        check("0.01", Ok(("pcns_ge_1pct", "0.01")));
        check("1%", Ok(("pcns_ge_1pct", "0.01")));
        check("0.005", Ok(("pcns_ge_0.5pct", "0.005")));
        check("0.5%", Ok(("pcns_ge_0.5pct", "0.005")));
        check(".05", Ok(("pcns_ge_5pct", "0.05")));
        check("0.0100", Ok(("pcns_ge_1pct", "0.01")));
        check("0", Ok(("pcns_ge_0pct", "0")));
        check("1", Ok(("pcns_ge_100pct", "1")));
        check("0.125", Ok(("pcns_ge_12.5pct", "0.125")));
        check("1.5", Err("a share threshold must be between 0 and 1 (0% and 100%)"));
        check("-0.01", Err("expected a decimal fraction such as 0.01 or a percentage such as 1%"));
        check("1e-2", Err("expected a decimal fraction such as 0.01 or a percentage such as 1%"));
        check("", Err("expected a decimal fraction such as 0.01 or a percentage such as 1%"));
    }

    #[test]
    fn comparisons_are_exact_at_the_boundary() {
        let t: Threshold = "0.01".parse().unwrap();
        assert!(t.is_met(1, 100));
        assert!(t.is_met(7_412, 741_200));
        assert!(!t.is_met(7_411, 741_200));
        // 0.1 + 0.2 style traps: 3/10 vs 0.3 exactly.
        let t: Threshold = "0.3".parse().unwrap();
        assert!(t.is_met(3, 10));
        assert!(!t.is_met(299_999_999, 1_000_000_000));
        assert!(Threshold::ONE_PERCENT.is_met(u64::MAX / 100 + 1, u64::MAX));
    }
}
