//! The layers as written, read back by an independent reader (GDAL's `ogrinfo`) with GEOS's validity
//! test on the bytes on disk: the national default run (MSOA footprints), the footprints at LSOA level
//! and the national team alignment (local authority districts made of LSOAs).
//!
//! Without `ogrinfo` (Debian's gdal-bin) or ../shared/data each test says what is missing and returns;
//! under `CI=true` it fails (`.ci/run` installs gdal-bin).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::{geos_invalid, require, require_tool};
use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_ingest::{AreaFields, InputFile, LookupColumns, read_area_layer, read_lookup};
use footprint_run::{AssignmentSource, FootprintJob, OverlapJob};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011")
}

fn ogrinfo() -> Option<PathBuf> {
    require_tool("ogrinfo", "apt-get install gdal-bin")
}

/// Asserts that GEOS finds every feature of each (file, layer, count) valid, and that it holds `count`.
fn check_valid(dir: &Path, layers: &[(&str, &str, u64)]) {
    let Some(ogrinfo) = ogrinfo() else { return };
    for &(file, layer, count) in layers {
        let (n, invalid) = geos_invalid(&ogrinfo, &dir.join(file), layer);
        assert_eq!((n, invalid), (count, 0), "{file}: features and invalid geometries by GEOS");
    }
}

/// The default run: the overlap layer and every MSOA footprint by three methods. Written at 6 decimals
/// without repair, 8 footprints would be invalid (ring self-intersections in U07032, U10602, U94460;
/// a ring of too few points in U94681).
#[test]
fn the_default_run_writes_only_valid_geometry() {
    let mut job = OverlapJob::england_by_lookup(&fixtures());
    job.footprints = Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() });
    let dir = tempfile::tempdir().unwrap();
    footprint_run::run(&job, dir.path()).unwrap();
    check_valid(
        dir.path(),
        &[("msoa_overlap.geojson", "msoa_overlap", 6_791), ("pcn_footprints.geojson", "pcn_footprints", 3_755)],
    );
}

/// Footprints made of the national LSOAs, by every method.
#[test]
fn lsoa_footprints_are_written_valid() {
    let Some(lsoas) = require("england-2011/lsoa11_england_generalised_clipped.geojson.gz") else { return };
    let mut job = OverlapJob::england_by_lookup(&fixtures());
    job.assignment = AssignmentSource::LsoaAreas { path: lsoas, fields: AreaFields::default(), snap_metres: 100.0 };
    job.footprints = Some(FootprintJob { level: FootprintLevel::Lsoa, spec: FootprintSpec::default() });
    let dir = tempfile::tempdir().unwrap();
    let report = footprint_run::run(&job, dir.path()).unwrap();
    let drawn = report.analysis.footprints.as_ref().unwrap().footprints.len() as u64;
    check_valid(dir.path(), &[("pcn_footprints.geojson", "pcn_footprints", drawn)]);
}

/// The national alignment: the 314 local authority districts of the lookup, each dissolved from its
/// LSOAs, against every PCN.
#[test]
fn the_national_alignment_is_written_valid() {
    let Some(lsoa_path) = require("england-2011/lsoa11_england_generalised_clipped.geojson.gz") else { return };
    let (lsoas, _) = read_area_layer(&lsoa_path, &AreaFields::default()).unwrap();
    let columns = LookupColumns { lsoa: None, area: Some("LAD_CODE".into()) };
    let lookup_file = InputFile::read_compressed(fixtures().join("lsoa11_msoa11_lookup.csv.gz")).unwrap();
    let lookup = read_lookup(&lookup_file, &columns).unwrap();
    let teams = footprint_align::teams_from_lookup(&lsoas, &lookup);
    let dir = tempfile::tempdir().unwrap();
    let teams_path = dir.path().join("lads.geojson");
    std::fs::write(&teams_path, lads_geojson(&teams)).unwrap();
    let job = footprint_run::AlignJob {
        registrations: fixtures().join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
        practices: fixtures().join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
        teams: footprint_run::TeamSource::Layer {
            path: teams_path,
            fields: AreaFields { code: Some("team".into()), ..AreaFields::default() },
            apportionment: footprint_run::TeamApportionment::AreaWeighted {
                lsoa_areas: lsoa_path,
                fields: AreaFields::default(),
                min_piece: 0.01,
            },
        },
        thresholds: vec![footprint_overlap::Threshold::ONE_PERCENT],
        core_share: "0.8".parse().unwrap(),
    };
    let out = dir.path().join("out");
    footprint_run::align_run(&job, &out).unwrap();
    check_valid(&out, &[("team_alignment.geojson", "team_alignment", 314)]);
}

/// The dissolved districts as a GeoJSON team layer, named by code in `team`.
fn lads_geojson(teams: &footprint_ingest::AreaLayer) -> Vec<u8> {
    let features: Vec<Vec<u8>> = teams
        .areas
        .iter()
        .map(|a| {
            let mut f = footprint_overlap::write::Feature::new(1024);
            f.text("team", a.code.as_str());
            f.geometry(&a.geometry.0, teams.crs)
        })
        .collect();
    footprint_overlap::write::feature_collection(&features)
}
