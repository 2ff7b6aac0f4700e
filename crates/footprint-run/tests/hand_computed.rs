//! Counts, shares, hhi and thresholds on small hand-made inputs, checked against answers worked by hand.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use footprint_index::assign_by_lookup;
use footprint_ingest::{
    AreaFields, InputFile, LookupColumns, read_areas, read_lookup, read_practice_map, read_registrations,
};
use footprint_overlap::{Threshold, count_overlap, write};

/// Three unit squares side by side: M1 (x 0..1), M2 (x 1..2), M3 (x 2..3). M3 has no residents.
const AREAS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"MSOA11CD":"M2","MSOA11NM":"Two, with a comma"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[1,1],[2,1],[2,0],[1,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M1","MSOA11NM":"One"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M3","MSOA11NM":"Three"},"geometry":{"type":"MultiPolygon","coordinates":[[[[2,0],[3,0],[3,1],[2,1],[2,0]]]]}}
]}"#;

const LOOKUP: &str = "LSOA11CD,MSOA11CD\nL1,M1\nL2,M1\nL3,M2\nW1,W2\n";

/// A, B, E in PCNs P1, P2, P3; C has PCN code U; D is not in the map.
const PRACTICES: &str = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,Pcn One\nB,P2,\"Pcn Two, East\"\nE,P3,Pcn Three\nC,U,\n";

/// M1: P1 150 (100 + 50), P2 2 (exactly 1% of 200), P3 1 (0.5%), no PCN 47 → population 200.
/// M2: P1 10, P2 10 (a tie), D (not in map) 4 → population 24.
/// NO2011: 5 patients, unknown to the lookup. W1: 3 patients, its MSOA W2 is not in the layer.
const REGISTRATIONS: &str = "PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,NUMBER_OF_PATIENTS\r\n\
A,\"A, SURGERY\",L1,100\r\nA,\"A, SURGERY\",L2,50\r\nA,\"A, SURGERY\",L3,10\r\nA,\"A, SURGERY\",NO2011,5\r\n\
B,B,L1,2\r\nB,B,L3,10\r\nB,B,W1,3\r\nC,C,L2,47\r\nD,D,L3,4\r\nE,E,L1,1\r\n";

fn input(name: &str, text: &str) -> InputFile {
    InputFile::from_bytes(name, text.as_bytes().to_vec())
}

/// Runs the count on the hand-made inputs with `thresholds` and compares `msoa_overlap.csv` with `expected`.
fn check(registrations: &str, thresholds: &[&str], expected: &str) {
    let regs = read_registrations(&input("regs.csv", registrations)).unwrap();
    let map = read_practice_map(&input("map.csv", PRACTICES)).unwrap();
    let layer = read_areas(&input("areas.geojson", AREAS), &AreaFields::default()).unwrap();
    let lookup = read_lookup(&input("lookup.csv", LOOKUP), &LookupColumns::default()).unwrap();
    let thresholds: Vec<Threshold> = thresholds.iter().map(|t| t.parse().unwrap()).collect();
    let assignment = assign_by_lookup(&regs.lsoas, &lookup, &layer);
    let table = count_overlap(&regs, &map, &assignment, &layer, &thresholds);
    assert!(table.accounting.balances());
    // Sizes given by hand (M1 2 km², M2 4 km², M3 0.5 km²): densities 200/2 = 100, 24/4 = 6, 0.
    let csv =
        String::from_utf8(write::msoa_overlap_table(&layer, &map, &table, &[2.0, 4.0, 0.5], &[]).finish()).unwrap();
    assert_eq!(csv, expected);
}

#[test]
fn counts_shares_hhi_and_thresholds_match_hand_computation() {
    // M1: hhi = (150² + 2² + 1²) / 200² = 22505/40000; effective = 40000/22505; top P1 150/200.
    // M2: hhi = (10² + 10²) / 24² = 200/576; effective 2.88; the tie goes to P1 (smaller code).
    check(
        REGISTRATIONS,
        &["0.01", "0.005", "0.011"],
        "msoa_code,msoa_name,population,pcns_all,pcns_ge_1pct,pcns_ge_0.5pct,pcns_ge_1.1pct,hhi,effective_pcns,top_pcn,top_share,patients_no_pcn,area_km2,population_per_km2\n\
M1,One,200,3,2,3,1,0.562625,1.777382803821373,P1,0.75,47,2,100\n\
M2,\"Two, with a comma\",24,2,2,2,2,0.3472222222222222,2.88,P1,0.4166666666666667,4,4,6\n\
M3,Three,0,0,0,0,0,,,,,0,0.5,0\n",
    );
}

#[test]
fn a_share_of_exactly_the_threshold_counts_and_one_patient_less_does_not() {
    // M1 with B at 2 of 200 (exactly 1%) is counted at 1%; with B at 1 of 199 (0.5025%) it is not.
    let fewer = REGISTRATIONS.replace("B,B,L1,2", "B,B,L1,1");
    check(
        &fewer,
        &["1%"],
        "msoa_code,msoa_name,population,pcns_all,pcns_ge_1pct,hhi,effective_pcns,top_pcn,top_share,patients_no_pcn,area_km2,population_per_km2\n\
M1,One,199,3,1,0.5682179742935785,1.7598880099546708,P1,0.7537688442211056,47,2,99.5\n\
M2,\"Two, with a comma\",24,2,2,0.3472222222222222,2.88,P1,0.4166666666666667,4,4,6\n\
M3,Three,0,0,0,,,,,0,0.5,0\n",
    );
}

#[test]
fn the_accounting_balances_to_the_patient() {
    let regs = read_registrations(&input("regs.csv", REGISTRATIONS)).unwrap();
    let map = read_practice_map(&input("map.csv", PRACTICES)).unwrap();
    let layer = read_areas(&input("areas.geojson", AREAS), &AreaFields::default()).unwrap();
    let lookup = read_lookup(&input("lookup.csv", LOOKUP), &LookupColumns::default()).unwrap();
    let table = count_overlap(&regs, &map, &assign_by_lookup(&regs.lsoas, &lookup, &layer), &layer, &[]);
    let a = &table.accounting;
    assert_eq!(
        (a.patients_read, a.patients_assigned, a.patients_unknown_lsoa, a.patients_outside_layer),
        (232, 224, 5, 3)
    );
    assert_eq!((a.patients_practice_no_pcn, a.patients_practice_not_in_map), (47, 4));
    assert_eq!(a.practices_not_in_map, vec![("D".into(), 4)]);
    assert_eq!(table.areas.iter().map(|r| r.population).sum::<u64>(), 224);
}

#[test]
fn shares_table_lists_every_area_pcn_pair() {
    let dir = tempfile::tempdir().unwrap();
    let job = common::small_job(dir.path(), [REGISTRATIONS, PRACTICES, AREAS, LOOKUP]);
    let out = dir.path().join("out");
    footprint_run::run(&job, &out).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("msoa_pcn_shares.csv")).unwrap(),
        "msoa_code,pcn_code,pcn_name,patients,share\n\
M1,P1,Pcn One,150,0.75\n\
M1,P2,\"Pcn Two, East\",2,0.01\n\
M1,P3,Pcn Three,1,0.005\n\
M2,P1,Pcn One,10,0.4166666666666667\n\
M2,P2,\"Pcn Two, East\",10,0.4166666666666667\n"
    );

    // The GeoJSON layer parses with the geojson crate, has one feature per area in code order with
    // every field, and counter-clockwise exterior rings (RFC 7946) whatever the input orientation.
    let text = std::fs::read_to_string(out.join("msoa_overlap.geojson")).unwrap();
    let collection: geojson::FeatureCollection = text.parse().unwrap();
    let codes: Vec<_> =
        collection.features.iter().map(|f| f.property("msoa_code").unwrap().as_str().unwrap()).collect();
    assert_eq!(codes, ["M1", "M2", "M3"]);
    let m1 = &collection.features[0];
    assert_eq!(m1.property("pcns_ge_1pct").unwrap().as_u64(), Some(2));
    assert_eq!(m1.property("hhi").unwrap().as_f64(), Some(0.562625));
    assert_eq!(m1.property("top_pcn").unwrap().as_str(), Some("P1"));
    assert!(collection.features[2].property("hhi").unwrap().is_null());
    for f in &collection.features {
        let geometry: geo::Geometry<f64> = f.geometry.clone().unwrap().try_into().unwrap();
        let geo::Geometry::MultiPolygon(mp) = geometry else { panic!("not a MultiPolygon") };
        for p in &mp.0 {
            use geo::Winding;
            assert!(p.exterior().is_ccw());
        }
    }
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["accounting"]["balanced"], true);
    // Statistics are over the areas with residents: M1 (3 PCNs, 2 at ≥ 1%) and M2 (2 and 2); M3 has none.
    assert_eq!(summary["statistics"]["counts"]["pcns_all"]["mean"], 2.5);
    assert_eq!(summary["statistics"]["counts"]["pcns_ge_1pct"]["histogram"], serde_json::json!([0, 0, 2]));
    assert_eq!(summary["statistics"]["areas_with_no_patients"], 1);
}

/// A run whose extra files fail to be made writes nothing: no folder where there was none, and where
/// there was one, its files as they were and no temporary file left (the layers' files are staged while
/// the extra files are made, so they were written under temporary names).
#[test]
fn a_run_whose_extra_files_fail_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let job = common::small_job(dir.path(), [REGISTRATIONS, PRACTICES, AREAS, LOOKUP]);
    let fail = |out: &std::path::Path| {
        footprint_run::run_with(
            &job,
            out,
            |_| (),
            |_, _, ()| Err::<Vec<(&'static str, Vec<u8>)>, _>(footprint_run::RunError::Job { problem: "refused" }),
        )
        .err()
        .unwrap()
    };
    let out = dir.path().join("new");
    assert!(matches!(fail(&out), footprint_run::RunError::Job { problem: "refused" }));
    assert!(!out.exists());
    let out = dir.path().join("old");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("msoa_overlap.csv"), "earlier\n").unwrap();
    fail(&out);
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["msoa_overlap.csv"]);
    assert_eq!(std::fs::read_to_string(out.join("msoa_overlap.csv")).unwrap(), "earlier\n");
}
