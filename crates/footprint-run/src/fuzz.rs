//! A fuzz entry point for everything downstream of the area reader: arbitrary bytes read as a GeoJSON
//! layer and, when they parse, a whole run over it (sizes, assignment, count, every footprint by every
//! method, the dissolve and its boolean-union fallback, every writer). The fuzz target `layer` in
//! `fuzz/` and the stable replay test (`tests/fuzz_corpus.rs`) both call it. It must never panic.

use std::fmt::Write;
use std::path::PathBuf;

use footprint_ingest::{
    AreaFields, InputFile, LookupColumns, read_areas, read_lookup, read_practice_map, read_registrations,
};

use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_index::LsoaPlaces;
use footprint_overlap::Threshold;

use crate::{AssignmentSource, FootprintJob, Loaded, OverlapJob};

/// Reads `data` as an area layer and runs the analysis and every writer over it, with one LSOA per
/// area (at most 64) and three practices in two PCNs and none spread over them. True when it parsed.
#[must_use]
pub fn layer(data: &[u8]) -> bool {
    let areas = InputFile::from_bytes("fuzz.geojson", data.to_vec());
    let Ok(layer) = read_areas(&areas, &AreaFields::default()) else { return false };
    let (mut regs, mut lookup) =
        (String::from("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n"), String::from("LSOA11CD,MSOA11CD\n"));
    for (i, area) in layer.areas.iter().take(64).enumerate() {
        let _ = writeln!(regs, "G{},L{i},{}", i % 3, 7 + i * 13 % 50);
        let _ = writeln!(regs, "G{},L{i},{}", (i + 1) % 3, 1 + i % 4);
        let _ = writeln!(lookup, "L{i},\"{}\"", area.code.as_str().replace('"', "\"\""));
    }
    let csv = |name: &str, text: String| InputFile::from_bytes(name, text.into_bytes());
    let (regs, map, lookup) = (
        csv("regs.csv", regs),
        csv("map.csv", "PRACTICE_CODE,PCN_CODE,PCN_NAME\nG0,P0,Zero\nG1,P1,One\nG2,U,\n".into()),
        csv("lookup.csv", lookup),
    );
    let (Ok(registrations), Ok(practices), Ok(lookup_table)) =
        (read_registrations(&regs), read_practice_map(&map), read_lookup(&lookup, &LookupColumns::default()))
    else {
        return true; // codes the CSV readers reject (e.g. empty after trimming): the layer itself parsed
    };
    let loaded = Loaded {
        registrations,
        registrations_meta: regs.info(),
        practices,
        practices_meta: map.info(),
        layer,
        areas_meta: areas.info(),
        areas_prepared: None,
        areas_how: crate::Preparation::Read,
        places: LsoaPlaces::Lookup(lookup_table),
        places_meta: lookup.info(),
        conversion: None,
        contexts: Vec::new(),
    };
    let job = OverlapJob {
        registrations: PathBuf::from("regs.csv"),
        practices: PathBuf::from("map.csv"),
        areas: PathBuf::from("fuzz.geojson"),
        area_fields: AreaFields::default(),
        assignment: AssignmentSource::Lookup { path: PathBuf::from("lookup.csv"), columns: LookupColumns::default() },
        thresholds: vec![Threshold::ONE_PERCENT],
        footprints: Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() }),
        // Every format, so that no layer a reader accepts makes a writer panic.
        output: crate::Output { formats: footprint_overlap::write::Format::ALL.to_vec(), ..Default::default() },
        vintage: crate::VintageRule::AsGiven,
        context: Vec::new(),
        prepared: crate::PreparedCache::Off,
    };
    let Ok(analysis) = crate::analyse(&loaded, &job) else {
        locate(&loaded.layer);
        return true;
    };
    let bytes = |files: crate::RunFiles<'_>| -> Vec<(String, Vec<u8>)> {
        files.into_iter().map(|(name, file)| (name, file.to_vec())).collect()
    };
    let files = crate::render(&loaded, &analysis, &job).ok().map(bytes);
    locate(&loaded.layer);
    // The layer's prepared form renders the same bytes.
    let prepared = Loaded { areas_prepared: Some(crate::PreparedLayer::of(&loaded.layer)), ..loaded };
    assert!(files == crate::render(&prepared, &analysis, &job).ok().map(bytes), "a prepared layer renders other bytes");
    true
}

/// The centroid path's point location over the layer: each area's first vertex.
fn locate(layer: &footprint_ingest::AreaLayer) {
    let index = footprint_index::AreaIndex::new(&layer.areas, layer.crs);
    for area in layer.areas.iter().take(64) {
        if let Some(p) = area.geometry.0.first().and_then(|p| p.exterior().0.first()) {
            std::hint::black_box((index.locate(*p), index.nearest_within(*p, 100.0)));
        }
    }
}
