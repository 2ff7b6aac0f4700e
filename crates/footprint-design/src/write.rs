//! The design's outputs: the patch layer (GeoJSON and CSV, one row per patch), the LSOA → patch table,
//! and `design.json` with every region's figures, bounds, islands and bridges. File and column names
//! are those of footprint-overlap's `write::schema`.

use footprint_footprints::Coverage;
use footprint_ingest::{AreaId, AreaLayer, PracticeMap, area_km2};
use footprint_overlap::Threshold;
use footprint_overlap::write::schema::{DESIGN_LSOA_COLUMNS, DESIGN_PATCH_COLUMNS};
use footprint_overlap::write::{Feature, FileBytes, Table, Value, feature_collection};
use geo::MultiPolygon;
use rayon::prelude::*;

use crate::{Design, Patch};

/// The values of one patch's row, in the order of [`DESIGN_PATCH_COLUMNS`].
fn patch_row(design: &Design, patch: &Patch, layer: &AreaLayer, practices: &PracticeMap) -> Vec<Value> {
    let text = |s: &str| if s.is_empty() { Value::Null } else { Value::Text(s.to_owned()) };
    let int = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
    let pcn = |p: footprint_ingest::PcnId| practices.pcns.get(p.index());
    let at_one_percent: Vec<&str> = patch
        .pcn_patients
        .iter()
        .filter(|(_, n)| Threshold::ONE_PERCENT.is_met(*n, patch.population))
        .filter_map(|(p, _)| pcn(*p).map(|p| p.code.as_str()))
        .collect();
    let area: f64 =
        patch.cells.iter().filter_map(|&c| layer.areas.get(c as usize)).map(|a| area_km2(&a.geometry, layer.crs)).sum();
    let region = design.regions.get(patch.region as usize).map_or("", |r| r.name.as_str());
    vec![
        text(&patch.id),
        text(region),
        int(patch.cells.len() as u64),
        int(patch.population),
        text(patch.fit.as_str()),
        int(patch.pcn_patients.len() as u64),
        int(at_one_percent.len() as u64),
        text(&at_one_percent.join(";")),
        text(patch.home.and_then(pcn).map_or("", |p| p.code.as_str())),
        text(patch.home.and_then(pcn).map_or("", |p| p.name.as_str())),
        int(patch.pcn_residents),
        int(patch.aligned),
        patch.alignment().map_or(Value::Null, Value::Float),
        Value::Int(i64::from(patch.bridged)),
        Value::Float((area * 10_000.0).round() / 10_000.0),
    ]
}

fn columns() -> Vec<String> {
    DESIGN_PATCH_COLUMNS.map(String::from).to_vec()
}

/// The rows of `design_patches.csv` (and the attributes of the `design_patches` layer): one per patch,
/// region by region, with its LSOAs, residents, fit to the bounds, PCNs (all, and those with at least
/// 1% of its residents, most first), home PCN, aligned residents and alignment, whether it is joined
/// across a gap, and its area (km², British National Grid).
#[must_use]
pub fn design_patches_table(design: &Design, layer: &AreaLayer, practices: &PracticeMap) -> Table {
    let mut table = Table::new(&columns());
    for patch in &design.patches {
        for v in patch_row(design, patch, layer, practices) {
            table.value(v);
        }
        table.end_row();
    }
    table
}

/// Renders `design_patches.geojson`: each patch's polygon (`shapes`, in patch order, in the layer's CRS)
/// with the fields of `design_patches.csv` as properties.
#[must_use]
pub fn design_patches_geojson(
    design: &Design,
    layer: &AreaLayer,
    practices: &PracticeMap,
    shapes: &[MultiPolygon<f64>],
) -> FileBytes<'static> {
    let names = columns();
    let features: Vec<Vec<u8>> = design
        .patches
        .par_iter()
        .zip(shapes)
        .map(|(patch, shape)| {
            let mut feature = Feature::new(1024);
            for (name, v) in names.iter().zip(patch_row(design, patch, layer, practices)) {
                feature.value(name, &v);
            }
            feature.geometry(&shape.0, layer.crs)
        })
        .collect();
    feature_collection(features)
}

/// The rows of `design_lsoas.csv`: every LSOA of the regions designed, in code order, with its patch,
/// region and registered residents.
#[must_use]
pub fn design_lsoas_table(design: &Design, layer: &AreaLayer, population: &[u64]) -> Table {
    let mut rows: Vec<(u32, usize)> =
        design.patches.iter().enumerate().flat_map(|(i, p)| p.cells.iter().map(move |&c| (c, i))).collect();
    rows.sort_unstable();
    let mut table = Table::new(&DESIGN_LSOA_COLUMNS.map(String::from));
    for (cell, patch) in rows {
        let p = &design.patches[patch];
        table.text(layer.areas.get(cell as usize).map_or("", |a| a.code.as_str()));
        table.text(&p.id);
        table.text(design.regions.get(p.region as usize).map_or("", |r| r.name.as_str()));
        table.int(population.get(cell as usize).copied().unwrap_or(0));
        table.end_row();
    }
    table
}

/// Each patch's polygon: its LSOAs dissolved exactly (shared edges cancelled) through the coverage.
#[must_use]
pub fn patch_shapes(design: &Design, coverage: &Coverage) -> Vec<MultiPolygon<f64>> {
    design
        .patches
        .par_iter()
        .map(|p| {
            let ids: Vec<AreaId> = p.cells.iter().map(|&c| AreaId(c)).collect();
            coverage.dissolve(&ids).0
        })
        .collect()
}

/// Renders `design.json`: per region its name, bounds, residents, PCN residents, aligned residents and
/// index, patches (and how many fall outside the bounds), and the bridges that join its separate pieces
/// (LSOA codes, the cells of the piece joined and the gap in metres).
#[must_use]
pub fn design_json(design: &Design, layer: &AreaLayer, seed: u64) -> Vec<u8> {
    let code = |c: u32| layer.areas.get(c as usize).map_or("", |a| a.code.as_str()).to_owned();
    let regions: Vec<serde_json::Value> = design
        .regions
        .iter()
        .map(|r| {
            let patches = &design.patches[r.patches.clone()];
            let outside = patches.iter().filter(|p| p.fit != crate::Fit::Within).count();
            let bridges: Vec<serde_json::Value> = r
                .bridges
                .iter()
                .map(|b| {
                    serde_json::json!({
                        "from_lsoa": code(b.from),
                        "to_lsoa": code(b.to),
                        "piece_lsoas": b.piece_cells,
                        "gap_metres": (b.metres * 10.0).round() / 10.0,
                    })
                })
                .collect();
            serde_json::json!({
                "region": r.name,
                "min": r.bounds.min,
                "max": r.bounds.max,
                "population": r.population,
                "pcn_residents": r.pcn_residents,
                "aligned_residents": r.aligned,
                "index": r.index(),
                "plurality_aligned_residents": r.plurality_aligned,
                "plurality_index": footprint_overlap::ratio(r.plurality_aligned, r.pcn_residents),
                "patches": patches.len(),
                "patches_outside_bounds": outside,
                "bridges": bridges,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "seed": seed,
        "regions": regions.len(),
        "patches": design.patches.len(),
        "regional_index": design.regional_index(),
        "plurality_index": design.plurality_index(),
        "by_region": regions,
    });
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}
