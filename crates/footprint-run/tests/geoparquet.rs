//! The GeoParquet layers and Parquet tables as written, read back by an independent reader (pyarrow,
//! with GEOS through shapely): the `geo` metadata (version 1.1.0, WKB, the bbox covering, the CRS), no
//! invalid geometry, each row's `bbox` equal to its geometry's bounds, and every cell equal to the CSV's;
//! the same bytes for 1 and 2 threads.
//!
//! Needs `python3` with pyarrow and shapely (`pip install pyarrow shapely`); without them the test says so
//! and returns, under `CI=true` it fails (`.ci/run` installs them).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::Path;

use common::{output_of, python_with};
use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_overlap::write::Format;
use footprint_run::{FootprintJob, OverlapJob};

fn python() -> Option<std::path::PathBuf> {
    python_with(&["pyarrow", "shapely"])
}

fn national(crs: footprint_ingest::Crs) -> OverlapJob {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let mut job = OverlapJob::england_by_lookup(&fixtures);
    job.footprints = Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() });
    job.output = footprint_run::Output { formats: vec![Format::GeoJson, Format::Parquet], crs };
    job
}

/// Reads `layers` of the run in `dir` back and checks them; `epsg` is the CRS given in the metadata
/// (none for WGS84, GeoParquet's default OGC:CRS84).
fn check(python: &Path, dir: &Path, layers: &[(&str, u64, bool)], epsg: Option<u64>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/geoparquet/read_back.py");
    let mut args = vec![script.to_string_lossy().into_owned(), dir.to_string_lossy().into_owned()];
    args.extend(layers.iter().map(|(l, _, _)| (*l).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let found: serde_json::Value = serde_json::from_str(&output_of(python, &args)).unwrap();
    for &(layer, rows, spatial) in layers {
        let f = &found[layer];
        assert_eq!(f["rows"], rows, "{layer}: rows");
        assert_eq!(f["csv_rows"], rows, "{layer}: the csv's rows");
        assert_eq!(f["differences"], serde_json::json!([]), "{layer}: cells against the csv");
        if !spatial {
            assert!(f["geo"].is_null(), "{layer}: a table has no geo metadata");
            continue;
        }
        let geo = &f["geo"];
        assert_eq!(geo["version"], "1.1.0", "{layer}");
        assert_eq!(geo["primary_column"], "geometry", "{layer}");
        let column = &geo["columns"]["geometry"];
        assert_eq!(column["encoding"], "WKB", "{layer}");
        assert_eq!(column["geometry_types"], serde_json::json!(["MultiPolygon"]), "{layer}");
        assert_eq!(column["covering"]["bbox"]["xmin"], serde_json::json!(["bbox", "xmin"]), "{layer}");
        assert_eq!(f["types"], serde_json::json!([6]), "{layer}: every geometry a MultiPolygon");
        assert_eq!((f["invalid"].as_u64(), f["bbox_mismatch"].as_u64()), (Some(0), Some(0)), "{layer}: invalid, bbox");
        assert_eq!(f["epsg"].as_u64(), epsg, "{layer}: the crs");
    }
}

/// The layers and tables of a run with footprints, and whether each has geometry.
const LAYERS: [(&str, bool); 7] = [
    ("msoa_overlap", true),
    ("pcn_footprints", true),
    ("msoa_pcn_shares", false),
    ("overlap_by_context", false),
    ("pcns", false),
    ("pcn_footprint_overlaps", false),
    ("pcn_footprint_areas", false),
];

#[test]
fn the_national_run_reads_back_from_geoparquet_as_its_csv() {
    let Some(python) = python() else { return };
    let job = national(footprint_ingest::Crs::Wgs84);
    let one = tempfile::tempdir().unwrap();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    pool(1).install(|| footprint_run::run(&job, one.path())).unwrap();
    let rows = |name: &str| {
        std::fs::read_to_string(one.path().join(format!("{name}.csv"))).unwrap().lines().count() as u64 - 1
    };
    let layers: Vec<(&str, u64, bool)> = LAYERS.iter().map(|&(l, s)| (l, rows(l), s)).collect();
    assert_eq!((layers[0].1, layers[1].1), (6_791, 3_755), "MSOAs and footprints");
    check(&python, one.path(), &layers, None);
    let two = tempfile::tempdir().unwrap();
    pool(2).install(|| footprint_run::run(&job, two.path())).unwrap();
    for (layer, _, _) in &layers {
        let name = format!("{layer}.parquet");
        assert!(
            std::fs::read(one.path().join(&name)).unwrap() == std::fs::read(two.path().join(&name)).unwrap(),
            "{name} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn geoparquet_on_the_british_national_grid_names_epsg_27700() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    footprint_run::run(&national(footprint_ingest::Crs::BritishNationalGrid), dir.path()).unwrap();
    check(&python, dir.path(), &[("msoa_overlap", 6_791, true), ("pcn_footprints", 3_755, true)], Some(27_700));
}
