//! The colour classes shared by the HTML map and the PNG, and the tables both show.

use crate::run::RunData;

/// ColorBrewer YlOrRd, 9 classes (the palest dropped: it vanishes on white), light to dark.
const PALETTE: [[u8; 3]; 8] = [
    [255, 237, 160],
    [254, 217, 118],
    [254, 178, 76],
    [253, 141, 60],
    [252, 78, 42],
    [227, 26, 28],
    [189, 0, 38],
    [128, 0, 38],
];

/// The colour of areas with no registered residents.
pub const NO_DATA: [u8; 3] = [204, 204, 204];

/// Most classes a legend has.
pub const MAX_CLASSES: usize = 8;

/// Colour classes of a count: class `i` holds the values from `lower[i]` to `lower[i + 1] − 1`, the
/// last class up to `max`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classes {
    /// The smallest value of each class, increasing.
    pub lower: Vec<u32>,
    /// The largest value.
    pub max: u32,
}

impl Classes {
    /// One class per value when there are at most [`MAX_CLASSES`] distinct values; otherwise classes
    /// starting at the values found at each eighth of the sorted values (quantile classes), or at the
    /// next value up where a quantile falls in the class below.
    #[must_use]
    pub fn of(values: &[u32]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let mut distinct = sorted.clone();
        distinct.dedup();
        let Some(&max) = sorted.last() else { return Self { lower: vec![0], max: 0 } };
        if distinct.len() <= MAX_CLASSES {
            return Self { lower: distinct, max };
        }
        let mut lower = vec![sorted[0]];
        for k in 1..MAX_CLASSES {
            let last = lower[lower.len() - 1];
            // The quantile, or the next value up where the quantile falls in the class below.
            let next = distinct[distinct.partition_point(|&v| v <= last)..].first().copied();
            if let Some(next) = next {
                lower.push(sorted[k * sorted.len() / MAX_CLASSES].max(next));
            }
        }
        Self { lower, max }
    }

    /// The class of a value.
    #[must_use]
    pub fn class_of(&self, value: u32) -> usize {
        self.lower.partition_point(|&l| l <= value).saturating_sub(1)
    }

    /// The colour of class `i`: spread over the palette, light to dark.
    #[must_use]
    pub fn colour(&self, i: usize) -> [u8; 3] {
        let n = self.lower.len();
        if n <= 1 {
            return PALETTE[PALETTE.len() / 2];
        }
        PALETTE[(i * (PALETTE.len() - 1) + (n - 1) / 2) / (n - 1)]
    }

    /// The colour of a value.
    #[must_use]
    pub fn colour_of(&self, value: u32) -> [u8; 3] {
        self.colour(self.class_of(value))
    }

    /// The legend label of class `i`: `3`, or `16–21`.
    #[must_use]
    pub fn label(&self, i: usize) -> String {
        let lo = self.lower[i];
        let hi = self.lower.get(i + 1).map_or(self.max, |&next| next - 1);
        if hi == lo { lo.to_string() } else { format!("{lo}–{hi}") }
    }
}

/// `#rrggbb`.
#[must_use]
pub fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The values of measure `m` over areas with residents.
#[must_use]
pub fn values(run: &RunData, m: usize) -> Vec<u32> {
    run.areas.iter().filter(|a| a.population > 0).map(|a| a.counts[m]).collect()
}

/// The classes of every measure of a run.
#[must_use]
pub fn classes(run: &RunData) -> Vec<Classes> {
    (0..run.measures.len()).map(|m| Classes::of(&values(run, m))).collect()
}

/// Areas with residents by value of measure `m`: `histogram[v]` areas have the value `v`.
#[must_use]
pub fn histogram(run: &RunData, m: usize) -> Vec<u64> {
    let mut h: Vec<u64> = Vec::new();
    for v in values(run, m) {
        let v = v as usize;
        if h.len() <= v {
            h.resize(v + 1, 0);
        }
        h[v] += 1;
    }
    h
}

/// One tenth of the areas with residents, by population density.
#[derive(Clone, Debug, PartialEq)]
pub struct DensityDecile {
    /// 1 (sparsest) to 10 (densest).
    pub decile: usize,
    /// Areas in it.
    pub areas: usize,
    /// Residents per km² of its sparsest and densest area.
    pub density: (f64, f64),
    /// Registered residents.
    pub population: u64,
    /// The mean of each measure over its areas.
    pub mean: Vec<f64>,
}

/// The areas with residents and a size, split into ten equal groups by density (ties by code order),
/// with the mean of each count in each group.
#[must_use]
pub fn density_deciles(run: &RunData) -> Vec<DensityDecile> {
    let mut areas: Vec<(f64, &crate::run::AreaData)> =
        run.areas.iter().filter(|a| a.population > 0).filter_map(|a| a.density.map(|d| (d, a))).collect();
    areas.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = areas.len();
    if n < 10 {
        return Vec::new();
    }
    footprint_overlap::decile_ranges(n)
        .into_iter()
        .enumerate()
        .map(|(d, range)| {
            let group = &areas[range];
            let mean = (0..run.measures.len())
                .map(|m| group.iter().map(|(_, a)| f64::from(a.counts[m])).sum::<f64>() / group.len() as f64)
                .collect();
            DensityDecile {
                decile: d + 1,
                areas: group.len(),
                density: (group[0].0, group[group.len() - 1].0),
                population: group.iter().map(|(_, a)| a.population).sum(),
                mean,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_class_per_value_when_few() {
        let c = Classes::of(&[3, 1, 2, 2, 1]);
        assert_eq!(c.lower, vec![1, 2, 3]);
        assert_eq!(c.class_of(1), 0);
        assert_eq!(c.class_of(3), 2);
        assert_eq!(c.label(1), "2");
        assert_eq!(c.colour(0), PALETTE[0]);
        assert_eq!(c.colour(2), PALETTE[7]);
    }

    #[test]
    fn quantile_classes_when_many() {
        let values: Vec<u32> = (1..=80).collect();
        let c = Classes::of(&values);
        assert_eq!(c.lower, vec![1, 11, 21, 31, 41, 51, 61, 71]);
        assert_eq!(c.label(0), "1–10");
        assert_eq!(c.label(7), "71–80");
        assert_eq!(c.class_of(80), 7);
        assert_eq!(c.class_of(11), 1);
        // Every palette colour once.
        let colours: Vec<_> = (0..8).map(|i| c.colour(i)).collect();
        assert_eq!(colours, PALETTE.to_vec());
    }

    #[test]
    fn skewed_values_merge_classes() {
        let mut values = vec![1; 90];
        values.extend(2..=11);
        let c = Classes::of(&values);
        assert_eq!(c.lower, vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(c.label(7), "8–11");
    }
}
