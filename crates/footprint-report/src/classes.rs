//! The colour classes shared by the HTML map and the PNG, and the tables both show.

use crate::run::RunData;

pub use footprint_overlap::classes::{Classes, MAX_CLASSES, NO_DATA, hex};

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
