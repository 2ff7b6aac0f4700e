//! The footprint layers: `pcn_footprints.geojson`, `pcn_footprints.csv`, `pcn_footprint_overlaps.csv`
//! and `pcn_footprint_areas.csv`.

use footprint_ingest::{AreaLayer, PracticeMap};
use footprint_overlap::write::Written;
use rayon::prelude::*;

use footprint_overlap::OverlapTable;
use footprint_overlap::write::{Feature, FileBytes, Table, feature_collection};

use crate::{Footprint, FootprintLevel, FootprintSpec, Method};

/// The parameter of a method, as a label (`0.01`, `0.8`, or empty for plurality).
fn parameter(method: Method, spec: &FootprintSpec) -> String {
    match method {
        Method::Threshold => spec.threshold.fraction_label(),
        Method::Core => spec.core_share.fraction_label(),
        Method::Plurality => String::new(),
    }
}

/// Renders `pcn_footprints.geojson`: one feature per PCN and method, in method then PCN code order,
/// `shapes[i]` the shape of `footprints[i]` as written in WGS84 ([`footprint_overlap::write::written`]).
#[must_use]
pub fn footprints_geojson(
    footprints: &[Footprint],
    shapes: &[Written],
    practices: &PracticeMap,
    spec: &FootprintSpec,
    level: FootprintLevel,
) -> FileBytes<'static> {
    let features: Vec<Vec<u8>> = footprints
        .par_iter()
        .zip(shapes)
        .map(|(f, shape)| {
            let pcn = &practices.pcns[f.pcn.index()];
            let mut feature = Feature::new(1024);
            feature
                .text("pcn_code", pcn.code.as_str())
                .text("pcn_name", &pcn.name)
                .text("method", f.method.name())
                .text("parameter", &parameter(f.method, spec))
                .text("level", level.name())
                .int("list_size", f.list_size)
                .int("patients_inside", f.patients_inside)
                .int("population_inside", f.population_inside)
                .int("areas", f.areas.len())
                .int("parts", f.shape.0.len())
                .int("overlapping_pcns", f.overlaps.len())
                .int("overlap_population", f.overlap_population)
                .opt("containment", f.containment())
                .opt("purity", f.purity())
                .opt("area_km2", Some((f.area_km2 * 1e4).round() / 1e4))
                .objects("overlaps", &f.overlaps, |overlap, o| {
                    overlap
                        .text("pcn_code", practices.pcns[o.pcn.index()].code.as_str())
                        .int("areas", o.areas)
                        .int("population", o.population);
                });
            feature.written(shape)
        })
        .collect();
    feature_collection(features)
}

/// Renders `pcn_footprints.csv` ([`footprints_table`]).
#[must_use]
pub fn footprints_csv(
    footprints: &[Footprint],
    practices: &PracticeMap,
    spec: &FootprintSpec,
    level: FootprintLevel,
) -> Vec<u8> {
    footprints_table(footprints, practices, spec, level).finish()
}

/// The rows of `pcn_footprints.csv` (and the attributes of the `pcn_footprints` layer): the metrics of
/// each footprint, one row per PCN and method.
#[must_use]
pub fn footprints_table(
    footprints: &[Footprint],
    practices: &PracticeMap,
    spec: &FootprintSpec,
    level: FootprintLevel,
) -> Table {
    let header = [
        "pcn_code",
        "pcn_name",
        "method",
        "parameter",
        "level",
        "list_size",
        "patients_inside",
        "containment",
        "population_inside",
        "purity",
        "areas",
        "parts",
        "area_km2",
        "overlapping_pcns",
        "overlap_population",
        "dissolve",
    ]
    .map(String::from);
    let mut csv = Table::new(&header);
    for f in footprints {
        let pcn = &practices.pcns[f.pcn.index()];
        csv.text(pcn.code.as_str());
        csv.text(&pcn.name);
        csv.text(f.method.name());
        csv.text(&parameter(f.method, spec));
        csv.text(level.name());
        csv.int(f.list_size);
        csv.int(f.patients_inside);
        csv.float(f.containment());
        csv.int(f.population_inside);
        csv.float(f.purity());
        csv.int(f.areas.len());
        csv.int(f.shape.0.len());
        csv.float(Some((f.area_km2 * 1e4).round() / 1e4));
        csv.int(f.overlaps.len());
        csv.int(f.overlap_population);
        csv.text(match f.dissolve {
            crate::DissolveMethod::Exact => "exact",
            crate::DissolveMethod::BooleanUnion => "boolean_union",
        });
        csv.end_row();
    }
    csv
}

/// Renders `pcn_footprint_overlaps.csv` ([`footprint_overlaps_table`]).
#[must_use]
pub fn footprint_overlaps_csv(footprints: &[Footprint], practices: &PracticeMap) -> Vec<u8> {
    footprint_overlaps_table(footprints, practices).finish()
}

/// The rows of `pcn_footprint_overlaps.csv`: `pcn_code, method, other_pcn_code, shared_areas, shared_population`.
#[must_use]
pub fn footprint_overlaps_table(footprints: &[Footprint], practices: &PracticeMap) -> Table {
    let header = ["pcn_code", "method", "other_pcn_code", "shared_areas", "shared_population"].map(String::from);
    let mut csv = Table::new(&header);
    for f in footprints {
        for o in &f.overlaps {
            csv.text(practices.pcns[f.pcn.index()].code.as_str());
            csv.text(f.method.name());
            csv.text(practices.pcns[o.pcn.index()].code.as_str());
            csv.int(o.areas);
            csv.int(o.population);
            csv.end_row();
        }
    }
    csv
}

/// Renders `pcn_footprint_areas.csv` ([`footprint_areas_table`]).
#[must_use]
pub fn footprint_areas_csv(
    footprints: &[Footprint],
    table: &OverlapTable,
    layer: &AreaLayer,
    practices: &PracticeMap,
) -> Vec<u8> {
    footprint_areas_table(footprints, table, layer, practices).finish()
}

/// The rows of `pcn_footprint_areas.csv`: each footprint's areas with the PCN's patients there, the
/// area's population and the purity (the share of the area's residents registered with the PCN).
#[must_use]
pub fn footprint_areas_table(
    footprints: &[Footprint],
    table: &OverlapTable,
    layer: &AreaLayer,
    practices: &PracticeMap,
) -> Table {
    let header = ["pcn_code", "method", "area_code", "pcn_patients", "population", "purity"].map(String::from);
    let mut csv = Table::new(&header);
    for f in footprints {
        for a in &f.areas {
            let row = &table.areas[a.index()];
            let n = row.pcn_patients.binary_search_by(|p| p.0.cmp(&f.pcn)).map_or(0, |i| row.pcn_patients[i].1);
            csv.text(practices.pcns[f.pcn.index()].code.as_str());
            csv.text(f.method.name());
            csv.text(layer.areas[a.index()].code.as_str());
            csv.int(n);
            csv.int(row.population);
            csv.float(Some(row.share(n)));
            csv.end_row();
        }
    }
    csv
}
