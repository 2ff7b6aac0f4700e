//! A small hand-made run: three square MSOAs side by side in the Midlands, four practices in three
//! PCNs, and a hand-made team alignment layer; its outputs are written by the real pipeline.
#![allow(clippy::unwrap_used, dead_code)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_overlap::Threshold;
use footprint_run::{AssignmentSource, FootprintJob, OverlapJob};

/// West and east edges (longitude) of each square; all span latitudes 52.50 to 52.52.
pub(crate) const SQUARES: [(&str, &str, f64, f64); 3] = [
    ("E02000001", "Alpha 001", -1.50, -1.48),
    ("E02000002", "Beta 002", -1.48, -1.46),
    ("E02000003", "Gamma 003", -1.46, -1.44),
];
pub(crate) const SOUTH: f64 = 52.50;
pub(crate) const NORTH: f64 = 52.52;

/// Patients by practice and LSOA: L1 in the first square, L2 in the second, L3 in the third.
/// Practices A, B, C are in PCNs P1 (Alpha PCN), P2 (Beta PCN), P3 (Gamma PCN); D in none.
pub(crate) const REGISTRATIONS: &str = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n\
A,L1,600\nB,L1,300\nC,L1,100\n\
A,L2,995\nB,L2,5\n\
B,L3,690\nC,L3,300\nD,L3,10\n";

/// By hand: PCNs with a share of at least 1% in each square (L1: 60%, 30%, 10%; L2: 99.5%, 0.5%;
/// L3: 69%, 30%, and 1% at a practice in no PCN).
pub(crate) const AT_ONE_PERCENT: [u32; 3] = [3, 1, 2];

fn square(w: f64, e: f64) -> String {
    format!("[[[{w},{SOUTH}],[{e},{SOUTH}],[{e},{NORTH}],[{w},{NORTH}],[{w},{SOUTH}]]]")
}

/// Writes the inputs into `dir` and runs the pipeline (threshold 1%, every footprint method) into `dir/out`.
pub(crate) fn small_run(dir: &Path) -> PathBuf {
    let features: Vec<String> = SQUARES
        .iter()
        .map(|(code, name, w, e)| {
            format!(
                r#"{{"type":"Feature","properties":{{"MSOA11CD":"{code}","MSOA11NM":"{name}"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
                square(*w, *e)
            )
        })
        .collect();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("areas.geojson", &format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",\n")));
    write("lookup.csv", "LSOA11CD,MSOA11CD\nL1,E02000001\nL2,E02000002\nL3,E02000003\n");
    write(
        "map.csv",
        "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,Alpha PCN\nB,P2,Beta PCN\nC,P3,Gamma PCN\nD,U,Unallocated\n",
    );
    write("regs.csv", REGISTRATIONS);
    let job = OverlapJob {
        registrations: dir.join("regs.csv"),
        practices: dir.join("map.csv"),
        areas: dir.join("areas.geojson"),
        area_fields: footprint_ingest::AreaFields::default(),
        assignment: AssignmentSource::Lookup {
            path: dir.join("lookup.csv"),
            columns: footprint_ingest::LookupColumns::default(),
        },
        thresholds: vec![Threshold::ONE_PERCENT],
        footprints: Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() }),
        output: Default::default(),
        vintage: footprint_run::VintageRule::AsGiven,
        context: Vec::new(),
        prepared: Default::default(),
    };
    let out = dir.join("out");
    footprint_run::run(&job, &out).unwrap();
    // Two teams, as the team-alignment stage writes them: polygons with a `team` property.
    let teams = format!(
        r#"{{"type":"FeatureCollection","features":[
{{"type":"Feature","properties":{{"team":"West team"}},"geometry":{{"type":"Polygon","coordinates":{}}}}},
{{"type":"Feature","properties":{{"team":"East team"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}]}}"#,
        square(-1.50, -1.46),
        square(-1.46, -1.44)
    );
    std::fs::write(out.join("team_alignment.geojson"), teams).unwrap();
    out
}
