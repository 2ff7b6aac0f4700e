//! The output schema, declared once: the name of every file a run writes, and the columns of the
//! tables the pictures read back. Writers and readers (the report) both use these names.

use crate::Threshold;

/// The files of a run's output directory.
pub mod files {
    /// The overlap layer: one MultiPolygon feature per MSOA with every field of [`MSOA_OVERLAP_CSV`].
    pub const MSOA_OVERLAP_GEOJSON: &str = "msoa_overlap.geojson";
    /// One row per MSOA ([`super::area_columns`]).
    pub const MSOA_OVERLAP_CSV: &str = "msoa_overlap.csv";
    /// One row per MSOA × PCN ([`super::SHARE_COLUMNS`]).
    pub const MSOA_PCN_SHARES_CSV: &str = "msoa_pcn_shares.csv";
    /// The inputs, the accounting and the statistics.
    pub const SUMMARY_JSON: &str = "summary.json";
    /// PCN footprints, one feature per PCN and method.
    pub const PCN_FOOTPRINTS_GEOJSON: &str = "pcn_footprints.geojson";
    /// PCN footprints as a table.
    pub const PCN_FOOTPRINTS_CSV: &str = "pcn_footprints.csv";
    /// Pairs of footprints sharing areas.
    pub const PCN_FOOTPRINT_OVERLAPS_CSV: &str = "pcn_footprint_overlaps.csv";
    /// Every area of every footprint.
    pub const PCN_FOOTPRINT_AREAS_CSV: &str = "pcn_footprint_areas.csv";
    /// Team areas with their measures.
    pub const TEAM_ALIGNMENT_GEOJSON: &str = "team_alignment.geojson";
    /// Team measures as a table.
    pub const TEAM_ALIGNMENT_CSV: &str = "team_alignment.csv";
    /// Team × PCN patients.
    pub const TEAM_PCN_MATRIX_CSV: &str = "team_pcn_matrix.csv";
    /// PCN × team links.
    pub const PCN_TEAM_LINKS_CSV: &str = "pcn_team_links.csv";
    /// PCN measures against the teams.
    pub const PCN_ALIGNMENT_CSV: &str = "pcn_alignment.csv";
    /// Pieces of LSOAs split between teams.
    pub const SPLIT_LSOAS_CSV: &str = "split_lsoas.csv";
    /// The alignment in plain language.
    pub const TEAM_ALIGNMENT_MD: &str = "team_alignment.md";
    /// The self-contained HTML report.
    pub const REPORT_HTML: &str = "report.html";
    /// The PNG map.
    pub const MAP_PNG: &str = "map.png";
    /// A series: one row per publication ([`super::series_summary_columns`]).
    pub const SERIES_SUMMARY_CSV: &str = "series_summary.csv";
    /// A series: one row per publication × MSOA ([`super::series_msoa_columns`]).
    pub const SERIES_MSOA_CSV: &str = "series_msoa.csv";
    /// A series: every MSOA, first publication against last ([`super::change_columns`]).
    pub const MSOA_CHANGE_CSV: &str = "msoa_change.csv";
    /// The same, with each MSOA's boundary.
    pub const MSOA_CHANGE_GEOJSON: &str = "msoa_change.geojson";
    /// One row per context × class: the statistics of its MSOAs ([`super::by_context_columns`]).
    pub const OVERLAP_BY_CONTEXT_CSV: &str = "overlap_by_context.csv";
    /// One row per PCN with registered patients ([`super::pcn_columns`]).
    pub const PCNS_CSV: &str = "pcns.csv";
    /// A series: every publication's inputs, accounting and warnings.
    pub const SERIES_JSON: &str = "series.json";
    /// A design: one feature per designed patch with every field of [`DESIGN_PATCHES_CSV`].
    pub const DESIGN_PATCHES_GEOJSON: &str = "design_patches.geojson";
    /// A design: one row per patch ([`super::DESIGN_PATCH_COLUMNS`]).
    pub const DESIGN_PATCHES_CSV: &str = "design_patches.csv";
    /// A design: one row per LSOA of the regions designed, with its patch ([`super::DESIGN_LSOA_COLUMNS`]).
    pub const DESIGN_LSOAS_CSV: &str = "design_lsoas.csv";
    /// A design: every region's figures, islands and bridges.
    pub const DESIGN_JSON: &str = "design.json";
    /// A design: the PNG map of the patches coloured by alignment.
    pub const DESIGN_MAP_PNG: &str = "design_map.png";
}

/// The layers and tables by name, as the formats that hold several name them (tables of a GeoPackage;
/// files `<name>.fgb`, `<name>.shp`).
pub mod layers {
    /// The overlap layer (the rows of `msoa_overlap.csv` with each MSOA's polygon).
    pub const MSOA_OVERLAP: &str = "msoa_overlap";
    /// The MSOA × PCN table.
    pub const MSOA_PCN_SHARES: &str = "msoa_pcn_shares";
    /// The footprint layer (the rows of `pcn_footprints.csv` with each footprint's polygon).
    pub const PCN_FOOTPRINTS: &str = "pcn_footprints";
    /// Pairs of footprints sharing areas.
    pub const PCN_FOOTPRINT_OVERLAPS: &str = "pcn_footprint_overlaps";
    /// Every area of every footprint.
    pub const PCN_FOOTPRINT_AREAS: &str = "pcn_footprint_areas";
    /// The team layer (the rows of `team_alignment.csv` with each team's polygon).
    pub const TEAM_ALIGNMENT: &str = "team_alignment";
    /// Team × PCN patients.
    pub const TEAM_PCN_MATRIX: &str = "team_pcn_matrix";
    /// PCN × team links.
    pub const PCN_TEAM_LINKS: &str = "pcn_team_links";
    /// PCN measures against the teams.
    pub const PCN_ALIGNMENT: &str = "pcn_alignment";
    /// Pieces of LSOAs split between teams.
    pub const SPLIT_LSOAS: &str = "split_lsoas";
    /// The statistics of each context's classes.
    pub const OVERLAP_BY_CONTEXT: &str = "overlap_by_context";
    /// The PCN table.
    pub const PCNS: &str = "pcns";
    /// The designed patches (the rows of `design_patches.csv` with each patch's polygon).
    pub const DESIGN_PATCHES: &str = "design_patches";
    /// The LSOAs of a design with their patch.
    pub const DESIGN_LSOAS: &str = "design_lsoas";
}

/// The columns of `design_patches.csv` (and the properties of `design_patches.geojson`).
pub const DESIGN_PATCH_COLUMNS: [&str; 15] = [
    "patch",
    "region",
    "lsoas",
    "population",
    "bounds_fit",
    "pcns_all",
    "pcns_ge_1pct",
    "pcn_codes",
    "home_pcn",
    "home_pcn_name",
    "pcn_residents",
    "aligned_residents",
    "alignment",
    "bridged",
    "area_km2",
];

/// The columns of `design_lsoas.csv`.
pub const DESIGN_LSOA_COLUMNS: [&str; 4] = ["lsoa_code", "patch", "region", "population"];

/// The MSOA code column.
pub const MSOA_CODE: &str = "msoa_code";
/// The MSOA name column.
pub const MSOA_NAME: &str = "msoa_name";
/// Registered residents.
pub const POPULATION: &str = "population";
/// PCNs with any resident.
pub const PCNS_ALL: &str = "pcns_all";
/// Residents per km².
pub const POPULATION_PER_KM2: &str = "population_per_km2";

/// The columns of `msoa_overlap.csv` after the threshold counts.
pub const AREA_TRAILING: [&str; 7] =
    ["hhi", "effective_pcns", "top_pcn", "top_share", "patients_no_pcn", "area_km2", POPULATION_PER_KM2];

/// The columns of `msoa_overlap.csv` (and the properties of `msoa_overlap.geojson`) for these thresholds.
///
/// ```
/// let t = footprint_overlap::Threshold::ONE_PERCENT;
/// let columns = footprint_overlap::write::schema::area_columns(&[t]);
/// assert_eq!(columns[..5], ["msoa_code", "msoa_name", "population", "pcns_all", "pcns_ge_1pct"]);
/// ```
#[must_use]
pub fn area_columns(thresholds: &[Threshold]) -> Vec<String> {
    let mut columns: Vec<String> = [MSOA_CODE, MSOA_NAME, POPULATION, PCNS_ALL].map(String::from).to_vec();
    columns.extend(thresholds.iter().map(|t| t.column_name()));
    columns.extend(AREA_TRAILING.map(String::from));
    columns
}

/// Whether a column of `msoa_overlap.csv` is a count of PCNs (`pcns_all` or a threshold's).
#[must_use]
pub fn is_count_column(column: &str) -> bool {
    column == PCNS_ALL || column.starts_with(Threshold::COLUMN_PREFIX)
}

/// The columns of `msoa_pcn_shares.csv`.
pub const SHARE_COLUMNS: [&str; 5] = [MSOA_CODE, "pcn_code", "pcn_name", "patients", "share"];

/// The columns of `series_summary.csv` before the statistics.
pub const SERIES_SUMMARY_LEADING: [&str; 12] = [
    "label",
    "extract_date",
    "map_date",
    "geography",
    "msoas",
    "msoas_with_residents",
    "patients_read",
    "patients_assigned",
    "patients_apportioned",
    "patients_unknown_lsoa",
    "patients_outside_layer",
    "patients_no_pcn",
];

/// The statistics `series_summary.csv` gives for `pcns_all` and each threshold's count.
pub const SERIES_STATISTICS: [&str; 5] = ["mean", "sd", "median", "p10", "p90"];

/// The mean hhi over the MSOAs with PCN residents.
pub const HHI_MEAN: &str = "hhi_mean";

/// The columns of `series_summary.csv` for these thresholds.
///
/// ```
/// let c = footprint_overlap::write::schema::series_summary_columns(&[footprint_overlap::Threshold::ONE_PERCENT]);
/// assert_eq!(c[12..14], ["pcns_all_mean", "pcns_all_sd"]);
/// assert_eq!(c.last().unwrap(), "hhi_mean");
/// ```
#[must_use]
pub fn series_summary_columns(thresholds: &[Threshold]) -> Vec<String> {
    let mut columns: Vec<String> = SERIES_SUMMARY_LEADING.map(String::from).to_vec();
    columns.extend(statistics_columns(thresholds));
    columns.push(HHI_MEAN.to_owned());
    columns
}

/// `<count>_<statistic>` for `pcns_all` and each threshold's count, each statistic of [`SERIES_STATISTICS`].
fn statistics_columns(thresholds: &[Threshold]) -> impl Iterator<Item = String> + '_ {
    std::iter::once(PCNS_ALL.to_owned())
        .chain(thresholds.iter().map(|t| t.column_name()))
        .flat_map(|count| SERIES_STATISTICS.iter().map(move |s| format!("{count}_{s}")))
}

/// The columns of `overlap_by_context.csv` before the statistics.
pub const BY_CONTEXT_LEADING: [&str; 5] = ["context", "class", "msoas", "residents", "residents_without_value"];

/// The columns of `overlap_by_context.csv` for these thresholds: the class, its MSOAs and residents,
/// the statistics of each count, the mean hhi and the mean effective PCNs.
///
/// ```
/// let c = footprint_overlap::write::schema::by_context_columns(&[footprint_overlap::Threshold::ONE_PERCENT]);
/// assert_eq!(c[..6], ["context", "class", "msoas", "residents", "residents_without_value", "pcns_all_mean"]);
/// assert_eq!(c[c.len() - 2..], ["hhi_mean", "effective_pcns_mean"]);
/// ```
#[must_use]
pub fn by_context_columns(thresholds: &[Threshold]) -> Vec<String> {
    let mut columns: Vec<String> = BY_CONTEXT_LEADING.map(String::from).to_vec();
    columns.extend(statistics_columns(thresholds));
    columns.extend([HHI_MEAN, "effective_pcns_mean"].map(String::from));
    columns
}

/// The columns of `pcns.csv` for these thresholds.
///
/// ```
/// let c = footprint_overlap::write::schema::pcn_columns(&[footprint_overlap::Threshold::ONE_PERCENT]);
/// assert_eq!(c, ["pcn_code", "pcn_name", "practices", "list_size", "msoas_any", "msoas_ge_1pct",
///     "list_share_ge_1pct", "top_msoa", "list_share_top_msoa", "size_band"]);
/// ```
#[must_use]
pub fn pcn_columns(thresholds: &[Threshold]) -> Vec<String> {
    let mut columns: Vec<String> =
        ["pcn_code", "pcn_name", "practices", LIST_SIZE, "msoas_any"].map(String::from).to_vec();
    let suffixes: Vec<String> = thresholds.iter().map(|t| t.column_name()[PCNS_PREFIX.len()..].to_owned()).collect();
    columns.extend(suffixes.iter().map(|s| format!("msoas_{s}")));
    columns.extend(suffixes.iter().map(|s| format!("list_share_{s}")));
    columns.extend(["top_msoa", "list_share_top_msoa", SIZE_BAND].map(String::from));
    columns
}

/// `pcns_`: the start of a count column's name.
const PCNS_PREFIX: &str = "pcns_";
/// The registered patients of a PCN.
pub const LIST_SIZE: &str = "list_size";
/// A PCN's band (`<30k`, `30-50k`, `>50k`).
pub const SIZE_BAND: &str = "size_band";

/// The columns of `series_msoa.csv` for these thresholds.
///
/// ```
/// let c = footprint_overlap::write::schema::series_msoa_columns(&[footprint_overlap::Threshold::ONE_PERCENT]);
/// assert_eq!(c, ["label", "msoa_code", "population", "pcns_all", "pcns_ge_1pct", "hhi", "top_pcn"]);
/// ```
#[must_use]
pub fn series_msoa_columns(thresholds: &[Threshold]) -> Vec<String> {
    let mut columns: Vec<String> = ["label", MSOA_CODE, POPULATION, PCNS_ALL].map(String::from).to_vec();
    columns.extend(thresholds.iter().map(|t| t.column_name()));
    columns.extend(["hhi", "top_pcn"].map(String::from));
    columns
}

/// The columns of `msoa_change.csv` (and the properties of `msoa_change.geojson`) for these thresholds.
///
/// ```
/// let c = footprint_overlap::write::schema::change_columns(&[footprint_overlap::Threshold::ONE_PERCENT]);
/// assert_eq!(c[4..7], ["pcns_ge_1pct_first", "pcns_ge_1pct_last", "pcns_ge_1pct_change"]);
/// ```
#[must_use]
pub fn change_columns(thresholds: &[Threshold]) -> Vec<String> {
    let mut columns: Vec<String> =
        [MSOA_CODE, MSOA_NAME, "population_first", "population_last"].map(String::from).to_vec();
    for t in thresholds {
        let c = t.column_name();
        columns.extend([format!("{c}_first"), format!("{c}_last"), format!("{c}_change")]);
    }
    columns.extend(
        ["hhi_first", "hhi_last", "hhi_change", "top_pcn_first", "top_pcn_last", "top_pcn_changed"].map(String::from),
    );
    columns
}
