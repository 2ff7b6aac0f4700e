//! The design of every region: the number of patches to try, the initial partition and the searches
//! (restarts in parallel, each on its own random stream), the best kept, and the patches described.

use std::cmp::Reverse;

use footprint_index::SplitMix64;
use footprint_ingest::PcnId;
use footprint_overlap::ratio;
use rayon::prelude::*;

use crate::initial::{initial, plurality_aligned, renumber};
use crate::search::{anneal, descend};
use crate::state::{Partition, Problem};
use crate::{Bounds, Bridge, Cells, DesignError, DesignSpec, Fit, Region, Target};

/// One designed patch.
#[derive(Clone, Debug, PartialEq)]
pub struct Patch {
    /// Its name: the region's name, a dash and its number in the region (`E08000009-01`).
    pub id: String,
    /// Its region (index of [`Design::regions`]).
    pub region: u32,
    /// Its cells, increasing.
    pub cells: Vec<u32>,
    /// Its registered residents.
    pub population: u64,
    /// Where they are against the bounds.
    pub fit: Fit,
    /// Its residents by PCN, most first (ties by PCN).
    pub pcn_patients: Vec<(PcnId, u64)>,
    /// Its residents registered with a PCN.
    pub pcn_residents: u64,
    /// Of those, the residents whose PCN has more of its region's patients here than in any other patch
    /// of the region (ties to the lower-numbered patch).
    pub aligned: u64,
    /// The PCN with the most residents here among those whose main patch this is.
    pub home: Option<PcnId>,
    /// Whether it holds both ends of a bridge (it is joined across a gap rather than by shared edges).
    pub bridged: bool,
}

impl Patch {
    /// The patch's alignment: `aligned / pcn_residents`.
    #[must_use]
    pub fn alignment(&self) -> Option<f64> {
        ratio(self.aligned, self.pcn_residents)
    }
}

/// One region's design.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionDesign {
    /// The region's name.
    pub name: String,
    /// The bounds its patches were designed to.
    pub bounds: Bounds,
    /// Its patches (indices of [`Design::patches`]).
    pub patches: std::ops::Range<usize>,
    /// The links joining its separate pieces.
    pub bridges: Vec<Bridge>,
    /// Its registered residents.
    pub population: u64,
    /// Its residents registered with a PCN.
    pub pcn_residents: u64,
    /// Of those, the residents in their PCN's main patch (the objective).
    pub aligned: u64,
    /// The same for the plurality footprints (each LSOA to the PCN with most of its residents) taken as
    /// patches: the baseline a design is compared with (not contiguous, not within bounds).
    pub plurality_aligned: u64,
}

impl RegionDesign {
    /// The region's own alignment index: `aligned / pcn_residents`.
    #[must_use]
    pub fn index(&self) -> Option<f64> {
        ratio(self.aligned, self.pcn_residents)
    }
}

/// A design: every region's patches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Design {
    /// The regions, in the order given.
    pub regions: Vec<RegionDesign>,
    /// Every patch, region by region.
    pub patches: Vec<Patch>,
}

impl Design {
    /// Each cell's patch (index of [`Design::patches`]), `None` for cells in no region.
    #[must_use]
    pub fn patch_of_cells(&self, cells: usize) -> Vec<Option<u32>> {
        let mut of = vec![None; cells];
        for (i, p) in self.patches.iter().enumerate() {
            for &c in &p.cells {
                if let Some(slot) = of.get_mut(c as usize) {
                    *slot = Some(i as u32);
                }
            }
        }
        of
    }

    /// The plurality footprints' alignment, region by region, taken together (the baseline).
    #[must_use]
    pub fn plurality_index(&self) -> Option<f64> {
        let aligned = self.regions.iter().map(|r| r.plurality_aligned).sum();
        ratio(aligned, self.regions.iter().map(|r| r.pcn_residents).sum())
    }

    /// The regions' alignment taken together: Σ aligned / Σ PCN residents (each region counted on its own;
    /// a PCN spanning regions has a main patch in each).
    #[must_use]
    pub fn regional_index(&self) -> Option<f64> {
        let aligned = self.regions.iter().map(|r| r.aligned).sum();
        ratio(aligned, self.regions.iter().map(|r| r.pcn_residents).sum())
    }
}

/// Designs patches in every region (each on its own, in parallel).
///
/// ```
/// use footprint_design::{Bounds, Cells, DesignSpec, Graph, Region, Target, design};
/// // Four cells in a row; PCN 0 lives in the west two, PCN 1 in the east two.
/// let cells = Cells {
///     population: vec![10, 10, 10, 10],
///     pcn_patients: vec![vec![(0, 10)], vec![(0, 9), (1, 1)], vec![(1, 10)], vec![(1, 10)]],
///     neighbours: Graph::from_pairs(4, &[(0, 1), (1, 2), (2, 3)]),
///     points: vec![(0., 0.), (1., 0.), (2., 0.), (3., 0.)],
/// };
/// let spec = DesignSpec { target: Target::Bounds(Bounds { min: 20, max: 20 }), ..DesignSpec::default() };
/// let d = design(&cells, &[Region { name: "R".into(), cells: vec![0, 1, 2, 3] }], &spec)?;
/// assert_eq!(d.patches.len(), 2);
/// assert_eq!((d.patches[0].cells.clone(), d.patches[1].cells.clone()), (vec![0, 1], vec![2, 3]));
/// assert_eq!(d.regions[0].aligned, 39); // PCN 1's one patient in the west patch is not aligned
/// # Ok::<(), footprint_design::DesignError>(())
/// ```
///
/// # Errors
/// A spec that cannot be met ([`DesignSpec::check`]), a region naming a cell that does not exist, a cell
/// in two regions, or no cell in any region.
pub fn design(cells: &Cells, regions: &[Region], spec: &DesignSpec) -> Result<Design, DesignError> {
    spec.check()?;
    let sorted = checked_regions(cells, regions)?;
    let designed: Vec<(Vec<u32>, Problem, Bounds)> = sorted
        .into_par_iter()
        .enumerate()
        .map(|(i, region_cells)| design_region(cells, region_cells, i as u64, spec))
        .collect();
    let mut out = Design::default();
    for ((assign, problem, bounds), region) in designed.into_iter().zip(regions) {
        describe(&mut out, &region.name, problem, assign, bounds);
    }
    Ok(out)
}

/// Each region's cells sorted, after checking that they exist, that no cell is in two regions and that
/// some region has cells.
fn checked_regions(cells: &Cells, regions: &[Region]) -> Result<Vec<Vec<u32>>, DesignError> {
    let mut owner: Vec<u32> = vec![u32::MAX; cells.len()];
    let mut sorted = Vec::with_capacity(regions.len());
    for (r, region) in regions.iter().enumerate() {
        for &c in &region.cells {
            let slot = owner.get_mut(c as usize).ok_or_else(|| DesignError::NoSuchCell {
                region: region.name.clone(),
                cell: c,
                cells: cells.len(),
            })?;
            if *slot != u32::MAX {
                return Err(DesignError::CellInTwoRegions {
                    cell: c,
                    first: regions[*slot as usize].name.clone(),
                    second: region.name.clone(),
                });
            }
            *slot = r as u32;
        }
        let mut c = region.cells.clone();
        c.sort_unstable();
        sorted.push(c);
    }
    if sorted.iter().all(Vec::is_empty) {
        return Err(DesignError::Empty);
    }
    Ok(sorted)
}

/// The numbers of patches to try for a region of `population` residents in `cells` cells, with the bounds.
fn candidates(target: Target, population: u64, cells: usize) -> (Vec<usize>, Bounds) {
    let cap = |k: u64| (k.max(1) as usize).min(cells.max(1));
    match target {
        Target::Patches { count, bounds } => (vec![cap(u64::from(count))], bounds.for_region(population, count)),
        Target::Bounds(b) => {
            let fewest = population.div_ceil(b.max);
            let most = population.checked_div(b.min).unwrap_or(u64::MAX);
            let mut ks = if fewest <= most {
                vec![cap(fewest), cap(fewest + 1).min(cap(most))]
            } else {
                // No number fits: the two either side, whichever leaves less outside the bounds.
                vec![cap(most), cap(fewest)]
            };
            ks.sort_unstable();
            ks.dedup();
            (ks, b)
        }
    }
}

/// The best partition of one region: for each number of patches in turn (fewest first), every restart
/// in parallel; a further number is tried only while no design is within the bounds. The best is the
/// one with least excess, then most aligned residents, then fewer patches, then the lower restart.
fn design_region(cells: &Cells, region: Vec<u32>, index: u64, spec: &DesignSpec) -> (Vec<u32>, Problem, Bounds) {
    let problem = Problem::new(cells, region);
    if problem.len() == 0 {
        return (Vec::new(), problem, spec_bounds(spec, 0));
    }
    let (ks, bounds) = candidates(spec.target, problem.total_population(), problem.len());
    let mut best: Option<(u64, u64, usize, u32, Vec<u32>)> = None;
    for &k in &ks {
        let start = initial(&problem, k, bounds);
        let found = (0..spec.restarts)
            .into_par_iter()
            .map(|restart| {
                let mut partition = start.clone();
                let stream = (index << 32) | ((k as u64) << 8) | u64::from(restart);
                let mut rng = SplitMix64::stream(spec.seed, stream);
                anneal(&problem, &mut partition, &mut rng, spec.moves_per_cell);
                descend(&problem, &mut partition);
                (partition.excess, partition.objective, k, restart, partition.assign)
            })
            .collect::<Vec<_>>();
        best = best.into_iter().chain(found).min_by_key(|r| (r.0, Reverse(r.1), r.2, r.3));
        if best.as_ref().is_some_and(|b| b.0 == 0) {
            break;
        }
    }
    (best.map_or_else(|| vec![0; problem.len()], |b| b.4), problem, bounds)
}

/// The bounds of a spec for a region with no cells (nothing is designed there).
fn spec_bounds(spec: &DesignSpec, population: u64) -> Bounds {
    match spec.target {
        Target::Bounds(b) => b,
        Target::Patches { count, bounds } => bounds.for_region(population, count),
    }
}

/// Adds a region's patches (numbered by their lowest cell) and figures to the design.
fn describe(out: &mut Design, name: &str, problem: Problem, assign: Vec<u32>, bounds: Bounds) {
    let (assign, k) = renumber(&assign);
    let partition = Partition::new(&problem, assign, k, bounds);
    let first = out.patches.len();
    let region = out.regions.len() as u32;
    let width = if k > 99 { 3 } else { 2 };
    let mut patches: Vec<Patch> = (0..k)
        .map(|j| Patch {
            id: format!("{name}-{:0width$}", j + 1),
            region,
            cells: Vec::new(),
            population: partition.population[j],
            fit: bounds.fit(partition.population[j]),
            pcn_patients: Vec::new(),
            pcn_residents: 0,
            aligned: 0,
            home: None,
            bridged: false,
        })
        .collect();
    for (local, &p) in partition.assign.iter().enumerate() {
        patches[p as usize].cells.push(problem.cells[local]);
    }
    let mut home_size = vec![0u64; k];
    for (local_pcn, &pcn) in problem.pcn_ids.iter().enumerate() {
        let list = partition.patches_of(local_pcn as u32);
        let main = list.iter().max_by_key(|e| (e.1, Reverse(e.0))).map(|e| e.0 as usize);
        for &(t, n) in list {
            let patch = &mut patches[t as usize];
            patch.pcn_patients.push((PcnId(pcn), n));
            patch.pcn_residents += n;
            if Some(t as usize) == main {
                patch.aligned += n;
                if n > home_size[t as usize] {
                    home_size[t as usize] = n;
                    patch.home = Some(PcnId(pcn));
                }
            }
        }
    }
    for patch in &mut patches {
        patch.pcn_patients.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    for b in &problem.bridges {
        let of = |g: u32| problem.cells.binary_search(&g).ok().map(|l| partition.assign[l]);
        if let (Some(x), Some(y)) = (of(b.from), of(b.to))
            && x == y
        {
            patches[x as usize].bridged = true;
        }
    }
    out.regions.push(RegionDesign {
        name: name.to_owned(),
        bounds,
        patches: first..first + k,
        bridges: problem.bridges.clone(),
        population: problem.total_population(),
        pcn_residents: problem.pcn_residents(),
        aligned: partition.objective,
        plurality_aligned: plurality_aligned(&problem, bounds),
    });
    out.patches.extend(patches);
}
