//! ESRI shapefiles: `.shp`, `.shx`, `.dbf` (UTF-8, declared in `.cpg`) and `.prj` per layer. dBase
//! field names stop at 10 characters, so longer columns are renamed by [`FIELD_NAMES`].

/// Columns renamed in a shapefile's `.dbf` (every other column keeps its name, which is at most 10
/// characters). A threshold count `pcns_ge_<t>pct` becomes `ge_<t>pct` with `.` as `_`
/// (`pcns_ge_0.5pct` → `ge_0_5pct`).
pub const FIELD_NAMES: [(&str, &str); 11] = [
    ("effective_pcns", "eff_pcns"),
    ("patients_no_pcn", "no_pcn"),
    ("population_per_km2", "pop_km2"),
    ("patients_inside", "pat_inside"),
    ("population_inside", "pop_inside"),
    ("containment", "containmnt"),
    ("overlapping_pcns", "ovl_pcns"),
    ("overlap_population", "ovl_pop"),
    ("core_pcn_codes", "core_codes"),
    ("home_pcn_share", "home_share"),
    ("least_aligned_rank", "least_rank"),
];

/// A column's name in a shapefile.
///
/// ```
/// use footprint_gis::shp::field_name;
/// assert_eq!(field_name("population_per_km2"), "pop_km2");
/// assert_eq!(field_name("pcns_ge_0.5pct"), "ge_0_5pct");
/// assert_eq!(field_name("msoa_code"), "msoa_code");
/// ```
#[must_use]
pub fn field_name(column: &str) -> String {
    if let Some(&(_, short)) = FIELD_NAMES.iter().find(|(long, _)| *long == column) {
        return short.to_owned();
    }
    let name = match column.strip_prefix("pcns_ge_") {
        Some(threshold) => format!("ge_{threshold}").replace('.', "_"),
        None => column.to_owned(),
    };
    name.chars().take(10).collect()
}
