//! What a design is asked for: the cells (LSOAs) with their residents and PCN patients, the regions to
//! partition, the target (population bounds or a number of patches) and the search's seed and effort.

use footprint_footprints::Coverage;
use footprint_ingest::{AreaLayer, PracticeMap, PracticePcn, RegistrationTable};
use geo::InteriorPoint;
use rustc_hash::FxHashMap;

use crate::{DesignError, Graph};

/// The cells a design is made of (the LSOAs of a layer, in layer order): residents, PCN patients,
/// neighbours and a point each.
#[derive(Clone, Debug, Default)]
pub struct Cells {
    /// Registered residents of each cell, at every practice (in a PCN or not).
    pub population: Vec<u64>,
    /// Each cell's residents registered with each PCN: (PCN index, patients), by PCN index.
    pub pcn_patients: Vec<Vec<(u32, u64)>>,
    /// Neighbours by shared edge.
    pub neighbours: Graph,
    /// A point inside each cell, in metres (for joining islands to their nearest cell).
    pub points: Vec<(f64, f64)>,
}

impl Cells {
    /// The cells of an LSOA layer (`coverage` prepared from its areas, in layer order): each LSOA's
    /// registered residents and their PCNs from the registrations and the practice map. Registrations in
    /// LSOAs the layer does not hold are left out.
    ///
    /// ```
    /// use footprint_design::Cells;
    /// use footprint_footprints::Coverage;
    /// use footprint_ingest::{Area, AreaCode, AreaLayer, InputFile, read_practice_map, read_registrations};
    /// use geo::{MultiPolygon, polygon};
    /// let square = |code: &str, x: f64| Area {
    ///     code: AreaCode(code.into()),
    ///     name: String::new(),
    ///     geometry: MultiPolygon(vec![polygon![(x: x, y: 0.), (x: x + 1., y: 0.), (x: x + 1., y: 1.), (x: x, y: 1.)]]),
    ///     feature_index: 0,
    /// };
    /// let layer = AreaLayer { areas: vec![square("L1", 0.), square("L2", 1.)], ..AreaLayer::default() };
    /// let regs = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\nB,L1,10\nB,L2,50\n";
    /// let map = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,North\nB,U,None\n";
    /// let regs = read_registrations(&InputFile::from_bytes("r.csv", regs.into()))?;
    /// let map = read_practice_map(&InputFile::from_bytes("m.csv", map.into()))?;
    /// let coverage = Coverage::new(layer.areas.iter().map(|a| a.geometry.clone()).collect(), 1e-9);
    /// let cells = Cells::from_layer(&layer, &coverage, &regs, &map);
    /// assert_eq!(cells.population, [100, 50]);
    /// assert_eq!(cells.pcn_patients, [vec![(0, 90)], vec![]]);
    /// assert_eq!(cells.neighbours.neighbours(0), [1]);
    /// # Ok::<(), footprint_ingest::IngestError>(())
    /// ```
    #[must_use]
    pub fn from_layer(
        layer: &AreaLayer,
        coverage: &Coverage,
        registrations: &RegistrationTable,
        practices: &PracticeMap,
    ) -> Self {
        let index: FxHashMap<&str, u32> =
            layer.areas.iter().enumerate().map(|(i, a)| (a.code.as_str(), i as u32)).collect();
        let lsoa_cell: Vec<Option<u32>> =
            registrations.lsoas.iter().map(|code| index.get(code.as_str()).copied()).collect();
        let practice_pcn: Vec<Option<u32>> = registrations
            .practices
            .iter()
            .map(|code| match practices.pcn_of(code) {
                Some(PracticePcn::Pcn(id)) => Some(id.0),
                _ => None,
            })
            .collect();
        let n = layer.areas.len();
        let mut population = vec![0u64; n];
        let mut keyed: Vec<(u32, u32, u64)> = Vec::new();
        for r in &registrations.rows {
            let Some(cell) = lsoa_cell[r.lsoa.index()] else { continue };
            population[cell as usize] += u64::from(r.patients);
            if let Some(pcn) = practice_pcn[r.practice.index()] {
                keyed.push((cell, pcn, u64::from(r.patients)));
            }
        }
        keyed.sort_unstable_by_key(|k| (k.0, k.1));
        let mut pcn_patients: Vec<Vec<(u32, u64)>> = vec![Vec::new(); n];
        for run in keyed.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let total: u64 = run.iter().map(|k| k.2).sum();
            if total > 0 {
                pcn_patients[run[0].0 as usize].push((run[0].1, total));
            }
        }
        let neighbours = Graph::from_pairs(n, &coverage.shared_edges());
        let points = layer.areas.iter().map(|a| metres(a.geometry.interior_point(), layer.crs)).collect();
        Cells { population, pcn_patients, neighbours, points }
    }

    /// The number of cells.
    #[must_use]
    pub fn len(&self) -> usize {
        self.population.len()
    }

    /// Whether there are no cells.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.population.is_empty()
    }
}

/// A point in metres on a local plane: British National Grid as it is, WGS84 degrees scaled at their
/// latitude (good enough to find the nearest cell across a strait).
fn metres(point: Option<geo::Point<f64>>, crs: footprint_ingest::Crs) -> (f64, f64) {
    let Some(p) = point else { return (0.0, 0.0) };
    match crs {
        footprint_ingest::Crs::BritishNationalGrid => (p.x(), p.y()),
        footprint_ingest::Crs::Wgs84 => (p.x() * 111_320.0 * p.y().to_radians().cos(), p.y() * 110_574.0),
    }
}

/// One region partitioned on its own: a name and its cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// The region's name (a district or ICB code, or the name of a `--within` layer); patches are named after it.
    pub name: String,
    /// Its cells (indices of [`Cells`]), in any order.
    pub cells: Vec<u32>,
}

/// Bounds on a patch's registered residents, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// The fewest residents.
    pub min: u64,
    /// The most residents.
    pub max: u64,
}

impl Bounds {
    /// PCN-sized neighbourhoods: 30,000 to 50,000 registered residents.
    pub const PCN_SIZED: Bounds = Bounds { min: 30_000, max: 50_000 };

    /// How far `population` is outside the bounds (0 inside).
    ///
    /// ```
    /// let b = footprint_design::Bounds { min: 10, max: 20 };
    /// assert_eq!((b.excess(5), b.excess(15), b.excess(26)), (5, 0, 6));
    /// ```
    #[must_use]
    pub fn excess(self, population: u64) -> u64 {
        self.min.saturating_sub(population) + population.saturating_sub(self.max)
    }

    /// Whether `population` is below, within or above the bounds.
    #[must_use]
    pub fn fit(self, population: u64) -> Fit {
        if population < self.min {
            Fit::Below
        } else if population > self.max {
            Fit::Above
        } else {
            Fit::Within
        }
    }
}

/// Where a patch's residents are against the bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Fewer than the minimum.
    Below,
    /// Within the bounds.
    Within,
    /// More than the maximum.
    Above,
}

impl Fit {
    /// The word written in the outputs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Below => "below",
            Fit::Within => "within",
            Fit::Above => "above",
        }
    }
}

/// How the bounds of a fixed number of patches are set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchBounds {
    /// As given.
    Given(Bounds),
    /// From each region's mean patch: [`DERIVED_SPREAD`] either side of it.
    Derived,
}

/// With `--patches N` and no bounds: each patch within this share of the region's mean patch either side.
pub const DERIVED_SPREAD: f64 = 0.25;

impl PatchBounds {
    /// The bounds for `count` patches of a region of `population` residents.
    ///
    /// ```
    /// use footprint_design::{Bounds, PatchBounds};
    /// assert_eq!(PatchBounds::Derived.for_region(400, 4), Bounds { min: 75, max: 125 });
    /// ```
    #[must_use]
    pub fn for_region(self, population: u64, count: u32) -> Bounds {
        match self {
            PatchBounds::Given(b) => b,
            PatchBounds::Derived => {
                let mean = population as f64 / f64::from(count.max(1));
                Bounds {
                    min: (mean * (1.0 - DERIVED_SPREAD)).floor() as u64,
                    max: (mean * (1.0 + DERIVED_SPREAD)).ceil() as u64,
                }
            }
        }
    }
}

/// What each region is cut into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Patches within the bounds: the fewest that can fit (⌈population / max⌉), one more only when the
    /// search finds no design of the fewest within the bounds.
    Bounds(Bounds),
    /// Exactly this many patches in each region (fewer only if a region has fewer cells).
    Patches {
        /// The number of patches.
        count: u32,
        /// Their bounds.
        bounds: PatchBounds,
    },
}

/// Everything a design is asked for besides the cells and regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DesignSpec {
    /// Bounds or a number of patches.
    pub target: Target,
    /// The seed of the search: the same seed gives the same design, on any number of threads.
    pub seed: u64,
    /// Independent searches per region and number of patches (each from its own random stream); the best is kept.
    pub restarts: u32,
    /// Moves tried per cell in each search.
    pub moves_per_cell: u32,
}

impl Default for DesignSpec {
    /// PCN-sized patches (30,000–50,000), seed 1, 4 restarts, 300 moves per cell.
    fn default() -> Self {
        DesignSpec { target: Target::Bounds(Bounds::PCN_SIZED), seed: 1, restarts: 4, moves_per_cell: 300 }
    }
}

impl DesignSpec {
    /// Checks the spec: bounds with `min <= max` and `max > 0`, at least one patch and one restart.
    ///
    /// # Errors
    /// [`DesignError::Bounds`], [`DesignError::NoPatches`] or [`DesignError::NoRestarts`].
    pub fn check(&self) -> Result<(), DesignError> {
        let bounds = match self.target {
            Target::Bounds(b) | Target::Patches { bounds: PatchBounds::Given(b), .. } => Some(b),
            Target::Patches { bounds: PatchBounds::Derived, .. } => None,
        };
        if let Some(b) = bounds
            && (b.min > b.max || b.max == 0)
        {
            return Err(DesignError::Bounds { min: b.min, max: b.max });
        }
        if let Target::Patches { count: 0, .. } = self.target {
            return Err(DesignError::NoPatches);
        }
        if self.restarts == 0 {
            return Err(DesignError::NoRestarts);
        }
        Ok(())
    }
}
