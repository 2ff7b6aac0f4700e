//! The jobs: everything an overlap, footprint or alignment run needs to know, as typed values.

use std::path::{Path, PathBuf};

use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_ingest::{AreaFields, CentroidColumns, ContextKind, Crs, LookupColumns, Vintage};
use footprint_overlap::Threshold;
use footprint_overlap::write::Format;

use crate::PreparedCache;

/// How LSOAs are placed in areas.
#[derive(Clone, Debug)]
pub enum AssignmentSource {
    /// An LSOA → area lookup CSV.
    Lookup {
        /// The file.
        path: PathBuf,
        /// Its columns.
        columns: LookupColumns,
    },
    /// A CSV of LSOA centroids, located in the area polygons.
    Centroids {
        /// The file.
        path: PathBuf,
        /// Its columns.
        columns: CentroidColumns,
        /// How far (metres) a centroid in no area may be from the nearest area to be given to it.
        snap_metres: f64,
    },
    /// LSOA polygons: each LSOA is placed by a point guaranteed inside its polygon.
    LsoaAreas {
        /// The LSOA layer (GeoJSON or shapefile).
        path: PathBuf,
        /// Its code field and CRS.
        fields: AreaFields,
        /// As for centroids.
        snap_metres: f64,
    },
}

impl AssignmentSource {
    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            AssignmentSource::Lookup { path, .. }
            | AssignmentSource::Centroids { path, .. }
            | AssignmentSource::LsoaAreas { path, .. } => path,
        }
    }
}

/// Everything an overlap run needs to know.
#[derive(Clone, Debug)]
pub struct OverlapJob {
    /// The registrations CSV (plain or gzip).
    pub registrations: PathBuf,
    /// The practice → PCN map.
    pub practices: PathBuf,
    /// The area layer (GeoJSON).
    pub areas: PathBuf,
    /// Which properties of the area layer hold codes and names.
    pub area_fields: AreaFields,
    /// How LSOAs are placed in areas.
    pub assignment: AssignmentSource,
    /// The share thresholds, in output order.
    pub thresholds: Vec<Threshold>,
    /// PCN footprints to draw, if any.
    pub footprints: Option<FootprintJob>,
    /// The formats and CRS of the layers.
    pub output: Output,
    /// Whether the registrations' LSOA codes are checked against the census of the areas.
    pub vintage: VintageRule,
    /// The context files (deprivation, rurality, region, ICB, …) the MSOAs are described and grouped by.
    pub context: Vec<ContextSource>,
    /// Where the prepared forms of the area layer and the parsed tables (registrations, lookups, context
    /// files, conversion files) are kept, if anywhere.
    pub prepared: PreparedCache,
}

/// A context file and what it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextSource {
    /// What it describes (which decides the columns read).
    pub kind: ContextKind,
    /// The file: a CSV of LSOA or MSOA codes.
    pub path: PathBuf,
}

/// The context files bundled in `fixtures` (the project's `fixtures/` folder) for a census geography:
/// the IMD (2019 by LSOA 2011; 2025 by LSOA 2021), the Rural-Urban Classification of the MSOAs (2011;
/// 2021), the region (the 2011 lookup's) and, on the 2021 geography, the ICB (2024).
///
/// ```
/// use footprint_ingest::{ContextKind, Vintage};
/// let c = footprint_run::bundled_context(std::path::Path::new("fixtures"), Vintage::Census2021);
/// assert_eq!(c.iter().map(|c| c.kind.name()).collect::<Vec<_>>(), ["imd", "ruc", "region", "icb"]);
/// assert!(c[0].path.ends_with("area-context/iod2025_lsoa21.csv.gz"));
/// ```
#[must_use]
pub fn bundled_context(fixtures: &Path, geography: Vintage) -> Vec<ContextSource> {
    let source = |kind, path: &str| ContextSource { kind, path: fixtures.join(path) };
    let region = source(ContextKind::Region, "england-2011/lsoa11_msoa11_lookup.csv.gz");
    match geography {
        Vintage::Census2011 => vec![
            source(ContextKind::Imd, "area-context/imd2019_lsoa11.csv.gz"),
            source(ContextKind::Ruc, "area-context/ruc11_msoa11.csv.gz"),
            region,
        ],
        Vintage::Census2021 => vec![
            source(ContextKind::Imd, "area-context/iod2025_lsoa21.csv.gz"),
            source(ContextKind::Ruc, "area-context/ruc21_msoa21.csv.gz"),
            region,
            source(ContextKind::Icb, "england-2021/lsoa21_icb24_lookup.csv.gz"),
        ],
    }
}

/// `sources` with each of `overrides` in place of the source of the same kind (or added after them).
///
/// ```
/// use footprint_ingest::ContextKind;
/// use footprint_run::{ContextSource, with_overrides};
/// let s = |kind, p: &str| ContextSource { kind, path: p.into() };
/// let merged = with_overrides(vec![s(ContextKind::Imd, "a"), s(ContextKind::Ruc, "b")], vec![s(ContextKind::Imd, "c")]);
/// assert_eq!(merged, [s(ContextKind::Imd, "c"), s(ContextKind::Ruc, "b")]);
/// ```
#[must_use]
pub fn with_overrides(mut sources: Vec<ContextSource>, overrides: Vec<ContextSource>) -> Vec<ContextSource> {
    for o in overrides {
        match sources.iter_mut().find(|s| s.kind == o.kind) {
            Some(s) => *s = o,
            None => sources.push(o),
        }
    }
    sources
}

/// How the layers are written.
///
/// ```
/// use footprint_overlap::write::Format;
/// let out = footprint_run::Output::default();
/// assert_eq!(out.formats, [Format::GeoJson]);
/// assert_eq!(out.crs, footprint_ingest::Crs::Wgs84);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The formats of the spatial layers, each once (the CSV tables and `summary.json` are always written).
    pub formats: Vec<Format>,
    /// The CRS of the layers of every format but GeoJSON, which RFC 7946 keeps in WGS84.
    pub crs: Crs,
}

impl Default for Output {
    fn default() -> Self {
        Self { formats: vec![Format::GeoJson], crs: Crs::Wgs84 }
    }
}

impl Output {
    /// Whether the layers are written as `format`.
    #[must_use]
    pub fn has(&self, format: Format) -> bool {
        self.formats.contains(&format)
    }
}

/// How the census vintage of the registrations' LSOA codes is handled.
#[derive(Clone, Debug, Default)]
pub enum VintageRule {
    /// Codes are placed as given, with no check (the areas and lookup are files of the user's own).
    #[default]
    AsGiven,
    /// The codes are checked against the census of the areas (`geography`, or when `None` the one the
    /// lookup's, centroids' or LSOA polygons' codes are of); codes of the other census are converted or refused.
    Checked {
        /// The census of the areas, when known.
        geography: Option<Vintage>,
        /// What to do with codes of the other census.
        mismatch: Mismatch,
        /// The files that convert them.
        conversion: ConversionFiles,
    },
}

/// What to do with registrations on LSOA codes of the other census than the areas'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// Convert them through the exact-fit lookup (apportioning the LSOAs that span areas).
    Convert,
    /// Stop with an error naming the census found.
    Refuse,
}

/// The files that convert LSOA codes between the censuses.
#[derive(Clone, Debug)]
pub struct ConversionFiles {
    /// The ONS LSOA (2011) to LSOA (2021) exact-fit lookup, with change codes.
    pub exact_fit: PathBuf,
    /// 2011 LSOA populations, weighting the 2011 pieces of a 2021 LSOA that spans 2011 areas.
    pub populations: PathBuf,
}

impl ConversionFiles {
    /// The conversion files bundled in `fixtures` (the project's `fixtures/` folder).
    #[must_use]
    pub fn bundled(fixtures: &Path) -> Self {
        Self {
            exact_fit: fixtures.join("england-2021/lsoa11_lsoa21_exact_fit_lookup.csv.gz"),
            populations: fixtures.join("england-2011/lsoa11_population_mid2015.csv.gz"),
        }
    }
}

/// The areas and lookup of a census geography bundled in `fixtures` (the project's `fixtures/` folder):
/// the MSOA boundaries of England and the LSOA → MSOA lookup.
///
/// ```
/// use footprint_ingest::Vintage;
/// let (areas, lookup) = footprint_run::bundled_geography(std::path::Path::new("fixtures"), Vintage::Census2021);
/// assert_eq!(areas, std::path::Path::new("fixtures/england-2021/msoa21_england_generalised_clipped.geojson.gz"));
/// assert!(lookup.ends_with("lsoa21_msoa21_lookup.csv.gz"));
/// ```
#[must_use]
pub fn bundled_geography(fixtures: &Path, geography: Vintage) -> (PathBuf, PathBuf) {
    match geography {
        Vintage::Census2011 => (
            fixtures.join("england-2011/msoa11_england_generalised_clipped.geojson.gz"),
            fixtures.join("england-2011/lsoa11_msoa11_lookup.csv.gz"),
        ),
        Vintage::Census2021 => (
            fixtures.join("england-2021/msoa21_england_generalised_clipped.geojson.gz"),
            fixtures.join("england-2021/lsoa21_msoa21_lookup.csv.gz"),
        ),
    }
}

impl OverlapJob {
    /// The national overlap job over the England dataset bundled in `dir` (fixtures/england-2011: July 2022
    /// registrations, January 2022 practice map, MSOA 2011 boundaries), placing LSOAs by the lookup;
    /// threshold 1%, no footprints; the contexts bundled beside it ([`bundled_context`] of the 2011 geography).
    #[must_use]
    pub fn england_by_lookup(dir: &Path) -> Self {
        Self::england(
            dir,
            AssignmentSource::Lookup {
                path: dir.join("lsoa11_msoa11_lookup.csv.gz"),
                columns: LookupColumns::default(),
            },
        )
    }

    /// The same job placing LSOAs by their population-weighted centroids, snapping within `snap_metres`.
    #[must_use]
    pub fn england_by_centroids(dir: &Path, snap_metres: f64) -> Self {
        Self::england(
            dir,
            AssignmentSource::Centroids {
                path: dir.join("lsoa11_population_weighted_centroids.csv.gz"),
                columns: CentroidColumns::default(),
                snap_metres,
            },
        )
    }

    fn england(dir: &Path, assignment: AssignmentSource) -> Self {
        Self {
            registrations: dir.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
            practices: dir.join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
            areas: dir.join("msoa11_england_generalised_clipped.geojson.gz"),
            area_fields: AreaFields::default(),
            assignment,
            thresholds: vec![Threshold::ONE_PERCENT],
            footprints: None,
            output: Output::default(),
            vintage: VintageRule::AsGiven,
            context: dir.parent().map(|f| bundled_context(f, Vintage::Census2011)).unwrap_or_default(),
            prepared: PreparedCache::Off,
        }
    }
}

/// What footprints to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FootprintJob {
    /// The areas they are made of.
    pub level: FootprintLevel,
    /// The methods and their parameters.
    pub spec: FootprintSpec,
}

/// Where the teams come from.
#[derive(Clone, Debug)]
pub enum TeamSource {
    /// Team polygons (GeoJSON or shapefile), with how LSOAs are apportioned to them.
    Layer {
        /// The team layer.
        path: PathBuf,
        /// Its name field and CRS.
        fields: AreaFields,
        /// How LSOAs are apportioned to the polygons.
        apportionment: TeamApportionment,
    },
    /// A CSV naming each LSOA's team (no team polygons needed).
    Lookup {
        /// The file.
        path: PathBuf,
        /// The LSOA column and the team column.
        columns: LookupColumns,
    },
}

/// How LSOAs' residents are apportioned to team polygons.
#[derive(Clone, Debug)]
pub enum TeamApportionment {
    /// By the area of each piece of an LSOA polygon in each team (the default).
    AreaWeighted {
        /// The LSOA polygons.
        lsoa_areas: PathBuf,
        /// Their code field and CRS.
        fields: AreaFields,
        /// Pieces smaller than this share of the LSOA are dropped (slivers).
        min_piece: f64,
    },
    /// Wholly to the team holding each LSOA's point: its population-weighted centroid.
    Centroids {
        /// The centroid CSV.
        path: PathBuf,
        /// Its columns.
        columns: CentroidColumns,
    },
    /// Wholly to the team holding each LSOA polygon's interior point.
    LsoaPoints {
        /// The LSOA polygons.
        lsoa_areas: PathBuf,
        /// Their code field and CRS.
        fields: AreaFields,
    },
}

impl TeamSource {
    /// How LSOAs are apportioned, in words for the report.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            TeamSource::Lookup { .. } => "by the LSOA → team table (each LSOA whole)".into(),
            TeamSource::Layer { apportionment: TeamApportionment::AreaWeighted { min_piece, .. }, .. } => format!(
                "by area (an LSOA cut by a team boundary is split in proportion to the area of each piece; pieces \
                 under {}% of the LSOA are dropped)",
                min_piece * 100.0
            ),
            TeamSource::Layer { apportionment: TeamApportionment::Centroids { .. }, .. } => {
                "by population-weighted centroid (each LSOA whole)".into()
            }
            TeamSource::Layer { apportionment: TeamApportionment::LsoaPoints { .. }, .. } => {
                "by a point inside each LSOA polygon (each LSOA whole)".into()
            }
        }
    }
}

/// Everything a team-alignment run needs to know.
#[derive(Clone, Debug)]
pub struct AlignJob {
    /// The registrations CSV.
    pub registrations: PathBuf,
    /// The practice → PCN map.
    pub practices: PathBuf,
    /// The teams and how LSOAs go to them.
    pub teams: TeamSource,
    /// The share thresholds, in output order.
    pub thresholds: Vec<Threshold>,
    /// The share of a team's residents its core PCNs hold.
    pub core_share: Threshold,
    /// The formats and CRS of the team layer.
    pub output: Output,
}

/// The regions a design partitions, each on its own.
#[derive(Clone, Debug)]
pub enum RegionSource {
    /// Every LSOA of the LSOA layer, as one region named `all`.
    Whole,
    /// The LSOAs whose interior point lies in a polygon of this layer (its features together), as one
    /// region named after the file.
    Within {
        /// The polygon layer.
        path: PathBuf,
        /// Its code field and CRS.
        fields: AreaFields,
    },
    /// An LSOA → region table (districts, ICBs): each region code one region, in code order.
    Lookup {
        /// The table.
        path: PathBuf,
        /// The LSOA column and the region column.
        columns: LookupColumns,
        /// Only these region codes (every code of the table when empty).
        codes: Vec<String>,
    },
}

/// Everything a design run needs to know.
#[derive(Clone, Debug)]
pub struct DesignJob {
    /// The registrations CSV.
    pub registrations: PathBuf,
    /// The practice → PCN map.
    pub practices: PathBuf,
    /// The LSOA polygons the patches are made of.
    pub lsoa_areas: PathBuf,
    /// Their code field and CRS.
    pub lsoa_fields: AreaFields,
    /// The regions.
    pub regions: RegionSource,
    /// The target, seed and effort.
    pub spec: footprint_design::DesignSpec,
    /// The share thresholds of the alignment outputs.
    pub thresholds: Vec<Threshold>,
    /// The share of a patch's residents its core PCNs hold.
    pub core_share: Threshold,
    /// The formats and CRS of the layers.
    pub output: Output,
}
