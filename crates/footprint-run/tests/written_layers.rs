//! The layers as written, read back by an independent reader (GDAL's `ogrinfo`; pyarrow for GeoParquet,
//! which Debian's GDAL does not read) with GEOS's validity test on the bytes on disk: the national default
//! run (MSOA footprints), the footprints at LSOA level and the national team alignment (local authority
//! districts made of LSOAs). The default run's GeoParquet is read back whole in tests/geoparquet.rs.
//!
//! Without `ogrinfo` (Debian's gdal-bin) or ../shared/data each test says what is missing and returns;
//! under `CI=true` it fails (`.ci/run` installs gdal-bin).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::{geoparquet_invalid, geos_invalid, output_of, python_with, require, require_tool};
use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_ingest::{AreaFields, InputFile, LookupColumns, read_area_layer, read_lookup};
use footprint_overlap::write::Format;
use footprint_run::{AssignmentSource, FootprintJob, OverlapJob};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011")
}

fn ogrinfo() -> Option<PathBuf> {
    require_tool("ogrinfo", "apt-get install gdal-bin")
}

/// A layer to read back: its name, its feature count, and the key of one sample feature (column, value).
struct Sample<'a> {
    layer: &'a str,
    count: u64,
    key: &'a [(&'a str, &'a str)],
}

/// Where a format puts a layer: the file, and the name of its geometry column in GDAL's SQLite dialect.
fn location(format: Format, layer: &str) -> (String, &'static str) {
    match format {
        Format::GeoJson => (format!("{layer}.geojson"), "geometry"),
        Format::Gpkg => ("footprint.gpkg".to_owned(), "geom"),
        Format::Fgb => (format!("{layer}.fgb"), "geometry"),
        Format::Parquet => (format!("{layer}.parquet"), "geometry"),
        Format::Shp => (format!("{layer}.shp"), "geometry"),
    }
}

/// The CSV row of `file` whose columns hold the key's values, as (column, value) pairs.
fn csv_row(file: &Path, key: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| key.iter().all(|(c, v)| header.iter().position(|h| h == c).and_then(|i| r.get(i)) == Some(v)))
        .unwrap_or_else(|| panic!("no row {key:?} in {}", file.display()));
    header.into_iter().zip(row.iter().map(str::to_owned)).collect()
}

/// Whether ogrinfo's rendering of a field (`None`: absent or null) is the CSV's value: text exactly,
/// numbers to ogrinfo's 15 significant digits.
fn same_value(read: Option<&str>, csv: &str) -> bool {
    match (read, csv) {
        (None | Some("(null)"), "") => true,
        (Some(r), c) if r == c => true,
        (Some(r), c) => match (r.parse::<f64>(), c.parse::<f64>()) {
            (Ok(a), Ok(b)) => (a - b).abs() <= 1e-13 * b.abs().max(1.0),
            _ => false,
        },
        (None, _) => false,
    }
}

/// Reads every sample layer of each format GDAL reads from `dir`: the feature count, GEOS validity of
/// every geometry, the CRS (EPSG code), and every field of the sample feature against its CSV row.
fn check_formats(dir: &Path, formats: &[Format], samples: &[Sample], epsg: u32) {
    let Some(ogrinfo) = ogrinfo() else { return };
    for &format in formats {
        for sample in samples {
            let (file, geometry) = location(format, sample.layer);
            let path = dir.join(&file);
            let what = format!("{format}: {file} {}", sample.layer);
            let (n, invalid) = geos_invalid(&ogrinfo, &path, sample.layer, geometry);
            assert_eq!((n, invalid), (sample.count, 0), "{what}: features and invalid geometries by GEOS");
            let info = output_of(&ogrinfo, &["-ro", "-so", &path.to_string_lossy(), sample.layer]);
            assert!(info.contains(&format!("ID[\"EPSG\",{epsg}]")), "{what}: not EPSG:{epsg}: {info}");
            let expected = csv_row(&dir.join(format!("{}.csv", sample.layer)), sample.key);
            let name = |column: &str| field_name(format, column);
            let filter: Vec<String> = sample.key.iter().map(|(c, v)| format!("\"{}\" = '{v}'", name(c))).collect();
            let sql = format!("SELECT * FROM \"{}\" WHERE {}", sample.layer, filter.join(" AND "));
            let read = ogr_fields(&ogrinfo, &path, &sql);
            for (column, value) in &expected {
                let got = read.iter().find(|(n, _)| *n == name(column)).map(|(_, v)| v.as_str());
                // The GeoJSON footprints carry their overlaps in place of the `dissolve` column.
                if format == Format::GeoJson && column == "dissolve" {
                    continue;
                }
                assert!(same_value(got, value), "{what} {column}: {got:?} read back, {value:?} in the CSV");
            }
        }
    }
}

/// A column's name in a format: as in the CSV, but cut to dBase's 10 characters in a shapefile.
fn field_name(format: Format, column: &str) -> String {
    match format {
        Format::Shp => footprint_gis::shp::field_name(column),
        _ => column.to_owned(),
    }
}

/// The fields of the first feature `sql` selects, as ogrinfo prints them.
fn ogr_fields(ogrinfo: &Path, file: &Path, sql: &str) -> Vec<(String, String)> {
    let text = output_of(ogrinfo, &["-ro", "-q", "-sql", sql, &file.to_string_lossy()]);
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("MULTIPOLYGON") && !l.trim_start().starts_with("POLYGON"))
        .filter_map(|l| {
            let (name, value) = l.trim().split_once(" = ")?;
            Some((name.split_once(" (")?.0.to_owned(), value.to_owned()))
        })
        .collect()
}

/// The national layers of the default run, with a sample feature each.
const NATIONAL: [Sample; 2] = [
    Sample { layer: "msoa_overlap", count: 6_791, key: &[("msoa_code", "E02000001")] },
    Sample { layer: "pcn_footprints", count: 3_755, key: &[("pcn_code", "U94681"), ("method", "core")] },
];

/// The default run: the overlap layer and every MSOA footprint by three methods, in every format.
/// Written at 6 decimals without repair, 8 footprints would be invalid (ring self-intersections in
/// U07032, U10602, U94460; a ring of too few points in U94681).
#[test]
fn the_default_run_writes_only_valid_geometry_in_every_format() {
    let mut job = OverlapJob::england_by_lookup(&fixtures());
    job.footprints = Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() });
    job.output.formats = GDAL_FORMATS.to_vec();
    let dir = tempfile::tempdir().unwrap();
    let report = footprint_run::run(&job, dir.path()).unwrap();
    check_formats(dir.path(), &job.output.formats, &NATIONAL, 4326);
    // The same bytes, format by format, from 1 thread and from 2.
    let one = render_with_threads(&report, &job, 1);
    let two = render_with_threads(&report, &job, 2);
    assert_eq!(one.len(), two.len());
    for ((name, a), (_, b)) in one.iter().zip(&two) {
        assert!(a == b, "{name} differs between 1 and 2 threads");
        assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), *a, "{name} as written");
    }
}

/// `--output-crs bng`: every format but GeoJSON (WGS84 by RFC 7946) in EPSG:27700, millimetres.
#[test]
fn the_default_run_on_the_british_national_grid() {
    let mut job = OverlapJob::england_by_lookup(&fixtures());
    job.footprints = Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() });
    job.output = footprint_run::Output {
        formats: vec![Format::Gpkg, Format::Fgb, Format::Shp],
        crs: footprint_ingest::Crs::BritishNationalGrid,
    };
    let dir = tempfile::tempdir().unwrap();
    footprint_run::run(&job, dir.path()).unwrap();
    check_formats(dir.path(), &job.output.formats, &NATIONAL, 27700);
}

/// The formats GDAL 3.6 (Debian 12) reads.
const GDAL_FORMATS: [Format; 4] = [Format::GeoJson, Format::Gpkg, Format::Fgb, Format::Shp];

fn render_with_threads(report: &footprint_run::RunReport, job: &OverlapJob, threads: usize) -> Vec<(String, Vec<u8>)> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        footprint_run::render(&report.loaded, &report.analysis, job)
            .unwrap()
            .into_iter()
            .map(|(name, file)| (name, file.to_vec()))
            .collect()
    })
}

/// Footprints made of the national LSOAs, by every method.
#[test]
fn lsoa_footprints_are_written_valid() {
    let Some(lsoas) = require("england-2011/lsoa11_england_generalised_clipped.geojson.gz") else { return };
    let mut job = OverlapJob::england_by_lookup(&fixtures());
    job.assignment = AssignmentSource::LsoaAreas { path: lsoas, fields: AreaFields::default(), snap_metres: 100.0 };
    job.footprints = Some(FootprintJob { level: FootprintLevel::Lsoa, spec: FootprintSpec::default() });
    job.output.formats = [GDAL_FORMATS.as_slice(), &[Format::Parquet]].concat();
    let dir = tempfile::tempdir().unwrap();
    let report = footprint_run::run(&job, dir.path()).unwrap();
    let drawn = report.analysis.footprints.as_ref().unwrap().footprints.len() as u64;
    let sample = Sample { layer: "pcn_footprints", count: drawn, key: &[("pcn_code", "U94681"), ("method", "core")] };
    check_formats(dir.path(), &GDAL_FORMATS, &[sample], 4326);
    check_geoparquet(&dir.path().join("pcn_footprints.parquet"), drawn);
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
        output: footprint_run::Output {
            formats: [GDAL_FORMATS.as_slice(), &[Format::Parquet]].concat(),
            ..Default::default()
        },
    };
    let out = dir.path().join("out");
    footprint_run::align_run(&job, &out).unwrap();
    let sample = Sample { layer: "team_alignment", count: 314, key: &[("team", "E08000009")] };
    check_formats(&out, GDAL_FORMATS.as_slice(), &[sample], 4326);
    check_geoparquet(&out.join("team_alignment.parquet"), 314);
}

/// GEOS (through shapely) finds every geometry of the GeoParquet `file` valid, and `count` of them.
fn check_geoparquet(file: &Path, count: u64) {
    let Some(python) = python_with(&["pyarrow", "shapely"]) else { return };
    assert_eq!(
        geoparquet_invalid(&python, file),
        (count, 0),
        "{}: features and invalid geometries by GEOS",
        file.display()
    );
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
    footprint_overlap::write::feature_collection(features).to_vec()
}
