//! PCN footprints: which areas belong to each PCN by three methods, their dissolved shapes and metrics.

use std::fmt;
use std::str::FromStr;

use footprint_ingest::{AreaId, AreaLayer, PcnId, PracticeMap};
use geo::MultiPolygon;
use rayon::prelude::*;

use footprint_overlap::{OverlapTable, Threshold, ratio};

use crate::DissolveMethod;

/// The areas footprints are made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FootprintLevel {
    /// The area layer's areas (MSOAs).
    Msoa,
    /// LSOA polygons.
    Lsoa,
}

impl FootprintLevel {
    /// `msoa` or `lsoa`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FootprintLevel::Msoa => "msoa",
            FootprintLevel::Lsoa => "lsoa",
        }
    }
}

/// How a footprint is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// Every area where the PCN's share of residents is at least a threshold.
    Threshold,
    /// The fewest areas, in order of the PCN's patients resident there (ties by area code), holding at
    /// least a given share of the PCN's list.
    Core,
    /// Each area to the PCN with most of its residents (ties to the smaller code): a partition.
    Plurality,
}

impl Method {
    /// Every method, in output order.
    pub const ALL: [Method; 3] = [Method::Threshold, Method::Core, Method::Plurality];

    /// The name used in outputs and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Method::Threshold => "threshold",
            Method::Core => "core",
            Method::Plurality => "plurality",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown footprint method {s:?}: use threshold, core or plurality"))
    }
}

/// The parameters of the footprint methods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FootprintSpec {
    /// The methods to draw, in output order.
    pub methods: Vec<Method>,
    /// The threshold method's minimum share (default 1%).
    pub threshold: Threshold,
    /// The core method's share of the PCN's list (default 80%).
    pub core_share: Threshold,
}

impl Default for FootprintSpec {
    fn default() -> Self {
        Self {
            methods: Method::ALL.to_vec(),
            threshold: Threshold::ONE_PERCENT,
            core_share: "0.8".parse().unwrap_or(Threshold::ONE_PERCENT),
        }
    }
}

/// Another PCN whose footprint (by the same method) shares areas with this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// The other PCN.
    pub pcn: PcnId,
    /// Areas in both footprints.
    pub areas: u32,
    /// Registered residents of those areas.
    pub population: u64,
}

/// One PCN's footprint by one method.
#[derive(Clone, Debug, PartialEq)]
pub struct Footprint {
    /// The PCN.
    pub pcn: PcnId,
    /// The method.
    pub method: Method,
    /// The areas, in area (code) order.
    pub areas: Vec<AreaId>,
    /// The PCN's patients resident in any area of the layer (its list, as far as the layer goes).
    pub list_size: u64,
    /// The PCN's patients resident in the footprint.
    pub patients_inside: u64,
    /// All registered residents of the footprint's areas.
    pub population_inside: u64,
    /// The dissolved shape.
    pub shape: MultiPolygon<f64>,
    /// How it was dissolved.
    pub dissolve: DissolveMethod,
    /// Area in km² (the sum of its areas' sizes).
    pub area_km2: f64,
    /// Footprints of other PCNs that share areas with this one, most shared population first.
    pub overlaps: Vec<Overlap>,
    /// Registered residents of this footprint's areas that are also in another PCN's footprint.
    pub overlap_population: u64,
}

impl Footprint {
    /// `patients_inside / list_size`: the share of the PCN's patients who live in its footprint.
    #[must_use]
    pub fn containment(&self) -> Option<f64> {
        ratio(self.patients_inside, self.list_size)
    }

    /// `patients_inside / population_inside`: the share of the footprint's residents registered with the PCN.
    #[must_use]
    pub fn purity(&self) -> Option<f64> {
        ratio(self.patients_inside, self.population_inside)
    }
}

/// For each PCN (in code order), its (area, patients) pairs, from the overlap table.
fn pcn_areas(table: &OverlapTable, pcns: usize) -> Vec<Vec<(AreaId, u64)>> {
    let mut by_pcn: Vec<Vec<(AreaId, u64)>> = vec![Vec::new(); pcns];
    for row in &table.areas {
        for &(pcn, n) in &row.pcn_patients {
            by_pcn[pcn.index()].push((row.area, n));
        }
    }
    by_pcn
}

/// The areas of each PCN's footprint by `method` (empty for a PCN with no area), in area order.
#[must_use]
pub fn select_areas(table: &OverlapTable, pcns: usize, method: Method, spec: &FootprintSpec) -> Vec<Vec<AreaId>> {
    let by_pcn = pcn_areas(table, pcns);
    match method {
        Method::Threshold => by_pcn
            .iter()
            .map(|areas| {
                areas
                    .iter()
                    .filter(|&&(area, n)| spec.threshold.is_met(n, table.areas[area.index()].population))
                    .map(|&(area, _)| area)
                    .collect()
            })
            .collect(),
        Method::Core => by_pcn
            .iter()
            .map(|areas| {
                let list: u64 = areas.iter().map(|a| a.1).sum();
                // Most patients first; ties by area code (ids follow code order).
                let mut taken = spec.core_share.core(areas, list);
                taken.sort();
                taken
            })
            .collect(),
        Method::Plurality => {
            let mut out = vec![Vec::new(); pcns];
            for row in &table.areas {
                if let Some((pcn, _)) = row.top {
                    out[pcn.index()].push(row.area);
                }
            }
            out
        }
    }
}

/// Every PCN's footprint by every method of `spec`: areas, dissolved shapes (in parallel) and metrics.
/// PCNs with no area in the layer are left out. Ordered by method, then PCN code.
///
/// The same as [`footprints_on`] the layer's [`coverage_of`].
#[must_use]
pub fn footprints(
    table: &OverlapTable,
    layer: &AreaLayer,
    practices: &PracticeMap,
    area_km2: &[f64],
    spec: &FootprintSpec,
) -> Vec<Footprint> {
    footprints_on(&coverage_of(layer), table, layer, practices, area_km2, spec)
}

/// The coverage footprints are dissolved from: a copy of the layer's geometry with coincident vertices of
/// neighbouring areas made identical ([`Coverage::new`](crate::Coverage::new)). It depends on the layer
/// alone, so it can be made while the areas' residents are counted.
#[must_use]
pub fn coverage_of(layer: &AreaLayer) -> crate::Coverage {
    let shapes: Vec<MultiPolygon<f64>> = layer.areas.par_iter().map(|a| a.geometry.clone()).collect();
    crate::Coverage::new(shapes, crate::coincidence_tolerance(layer.crs))
}

/// [`footprints`] dissolved from `coverage`, the [`coverage_of`] `layer`.
#[must_use]
pub fn footprints_on(
    coverage: &crate::Coverage,
    table: &OverlapTable,
    layer: &AreaLayer,
    practices: &PracticeMap,
    area_km2: &[f64],
    spec: &FootprintSpec,
) -> Vec<Footprint> {
    let pcns = practices.pcns.len();
    let by_pcn = pcn_areas(table, pcns);
    let lists: Vec<u64> = by_pcn.iter().map(|a| a.iter().map(|x| x.1).sum()).collect();
    let mut out = Vec::new();
    for &method in &spec.methods {
        let selected = select_areas(table, pcns, method, spec);
        // Which PCNs' footprints hold each area, for the overlaps.
        let mut holders: Vec<Vec<PcnId>> = vec![Vec::new(); layer.areas.len()];
        for (pcn, areas) in selected.iter().enumerate() {
            for a in areas {
                holders[a.index()].push(PcnId(pcn as u32));
            }
        }
        let mut drawn: Vec<Footprint> = selected
            .into_par_iter()
            .enumerate()
            .filter(|(_, areas)| !areas.is_empty())
            .map(|(pcn, areas)| {
                let pcn_id = PcnId(pcn as u32);
                let patients = |a: AreaId| {
                    table.areas[a.index()]
                        .pcn_patients
                        .binary_search_by(|p| p.0.cmp(&pcn_id))
                        .map_or(0, |i| table.areas[a.index()].pcn_patients[i].1)
                };
                let (shape, how) = coverage.dissolve(&areas);
                let mut shared: rustc_hash::FxHashMap<PcnId, (u32, u64)> = rustc_hash::FxHashMap::default();
                for a in &areas {
                    for &other in holders[a.index()].iter().filter(|&&o| o != pcn_id) {
                        let e = shared.entry(other).or_default();
                        e.0 += 1;
                        e.1 += table.areas[a.index()].population;
                    }
                }
                let mut overlaps: Vec<Overlap> =
                    shared.into_iter().map(|(pcn, (areas, population))| Overlap { pcn, areas, population }).collect();
                overlaps.sort_by(|a, b| b.population.cmp(&a.population).then(a.pcn.cmp(&b.pcn)));
                Footprint {
                    pcn: pcn_id,
                    method,
                    list_size: lists[pcn],
                    patients_inside: areas.iter().map(|&a| patients(a)).sum(),
                    population_inside: areas.iter().map(|a| table.areas[a.index()].population).sum(),
                    area_km2: areas.iter().map(|a| area_km2[a.index()]).sum(),
                    overlap_population: areas
                        .iter()
                        .filter(|a| holders[a.index()].len() > 1)
                        .map(|a| table.areas[a.index()].population)
                        .sum(),
                    areas,
                    shape,
                    dissolve: how,
                    overlaps,
                }
            })
            .collect();
        drawn.sort_by_key(|f| f.pcn);
        out.extend(drawn);
    }
    out
}
