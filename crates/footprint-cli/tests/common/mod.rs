//! Helpers shared by the binary's integration tests.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of them; a failed unwrap is a failed test

use std::path::Path;

/// Every entry of `dir` by name, with its bytes (empty for a folder), sorted by name.
pub(crate) fn read_outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap_or_default()))
        .collect();
    files.sort();
    files
}

/// Good small inputs in `dir`: `areas.geojson` (MSOAs M1 and M2, unit squares side by side), `lookup.csv`,
/// `centroids.csv` (LSOA L1 in M1, L2 in M2), `map.csv` (practice A in PCN P1, B in P2) and `regs.csv`.
pub(crate) fn good_inputs(dir: &Path) {
    let square = |x: u32| format!("[[[{x},0],[{},0],[{},1],[{x},1],[{x},0]]]", x + 1, x + 1);
    let feature = |code: &str, x: u32| {
        format!(
            r#"{{"type":"Feature","properties":{{"MSOA11CD":"{code}"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
            square(x)
        )
    };
    let areas = format!(r#"{{"type":"FeatureCollection","features":[{},{}]}}"#, feature("M1", 0), feature("M2", 1));
    std::fs::write(dir.join("areas.geojson"), areas).unwrap();
    std::fs::write(dir.join("lookup.csv"), "LSOA11CD,MSOA11CD\nL1,M1\nL2,M2\n").unwrap();
    std::fs::write(dir.join("centroids.csv"), "X,Y,lsoa11cd\n0.5,0.5,L1\n1.5,0.5,L2\n").unwrap();
    std::fs::write(dir.join("map.csv"), "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\nB,P2,Two\n").unwrap();
    std::fs::write(dir.join("regs.csv"), "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\nB,L2,10\n").unwrap();
}
