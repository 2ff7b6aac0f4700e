//! Every fast path writes the bytes of the plain one: a prepared area layer, prepared tables (the
//! registrations among them) and the footprints' coverage kept give the run what reading the files
//! gives (whether the prepared forms are built, loaded, damaged or not used), and the shares CSV written
//! straight from the count is the shares table's CSV.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_ingest::AreaFields;
use footprint_run::{
    AssignmentSource, ConversionFiles, FootprintJob, Mismatch, OverlapJob, Preparation, PreparedCache, VintageRule,
};

/// Every file a run writes into `out`, by name.
fn outputs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Runs `job` with `cache` into a new folder: how the layer was had, and the files written.
fn run(job: &OverlapJob, cache: &PreparedCache, out: &Path) -> (Preparation, BTreeMap<String, Vec<u8>>) {
    let job = OverlapJob { prepared: cache.clone(), ..job.clone() };
    let report = footprint_run::run(&job, out).expect("the run succeeds");
    (report.loaded.areas_how, outputs(out))
}

/// The prepared forms kept in `dir` whose names end in `.extension`, with their bytes.
fn kept(dir: &Path, extension: &str) -> BTreeMap<std::path::PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect()
}

/// Off, built (with `expected_tables` prepared tables and `expected_derived` forms derived from a layer
/// beside the layer), loaded, and rebuilt after the prepared files were damaged: each the same bytes,
/// and the forms rebuilt the same bytes as those first built.
fn check(job: &OverlapJob, expected_tables: usize, expected_derived: usize) {
    let dir = tempfile::tempdir().unwrap();
    let cache = PreparedCache::In(dir.path().join("cache"));
    let (how, off) = run(job, &PreparedCache::Off, &dir.path().join("off"));
    assert_eq!(how, Preparation::Read);
    let (how, built) = run(job, &cache, &dir.path().join("built"));
    let Preparation::Built(file) = how else { panic!("built, not {how:?}") };
    assert_eq!(built, off, "a run building the prepared layer");
    let (tables, derived) = (kept(&dir.path().join("cache"), "table"), kept(&dir.path().join("cache"), "derived"));
    assert_eq!(tables.len(), expected_tables, "prepared tables: {:?}", tables.keys());
    assert_eq!(derived.len(), expected_derived, "derived forms: {:?}", derived.keys());
    let (how, loaded) = run(job, &cache, &dir.path().join("loaded"));
    assert_eq!(how, Preparation::Loaded(file.clone()));
    assert_eq!(loaded, off, "a run loading the prepared layer, tables and derived forms");
    // A damaged prepared form is not loaded: the file is read, and the form built again.
    for damaged in tables.keys().chain(derived.keys()).chain([&file]) {
        let mut bytes = std::fs::read(damaged).unwrap();
        bytes.truncate(bytes.len() - 1);
        std::fs::write(damaged, bytes).unwrap();
    }
    let (how, rebuilt) = run(job, &cache, &dir.path().join("rebuilt"));
    assert_eq!(how, Preparation::Built(file));
    assert_eq!(rebuilt, off, "a run after the prepared layer was damaged");
    assert!(kept(&dir.path().join("cache"), "derived") == derived, "derived forms rebuilt as they were built");
}

#[test]
fn a_small_layer_prepared_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let job = common::small_job(
        dir.path(),
        [
            "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\nA,L2,10\nB,L2,30\n",
            "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\nB,P2,Two\n",
            r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"MSOA11CD":"M2","MSOA11NM":"Two"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M1","MSOA11NM":"One"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}"#,
            "LSOA11CD,MSOA11CD\nL1,M1\nL2,M2\n",
        ],
    );
    // The registrations and the lookup.
    check(&job, 2, 0);
}

#[test]
fn the_national_layer_and_tables_prepared_give_the_same_bytes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    // Codes checked against the census of the areas, as the command line checks them.
    let vintage = VintageRule::Checked {
        geography: None,
        mismatch: Mismatch::Convert,
        conversion: ConversionFiles::bundled(&dir.join("..")),
    };
    let job = OverlapJob { vintage, ..OverlapJob::england_by_lookup(&dir) };
    // The registrations, the lookup, the two conversion files and one per context file.
    check(&job, 4 + job.context.len(), 0);
}

/// The default run's analysis: the footprints are dissolved from the MSOAs' coverage kept beside the
/// prepared layer, and written as its grid check, kept beside it too, allows.
#[test]
fn the_national_footprints_from_a_kept_coverage_give_the_same_bytes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let job = OverlapJob {
        footprints: Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() }),
        ..OverlapJob::england_by_lookup(&dir)
    };
    check(&job, 2 + job.context.len(), 2);
}

/// Footprints of LSOAs: the LSOA polygons the registrations are placed by are kept parsed (as a table
/// is) and their coverage and its grid check beside them.
#[test]
fn lsoa_footprints_from_a_kept_coverage_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let square = |code: &str, x: u32, y: u32| {
        format!(
            r#"{{"type":"Feature","properties":{{"LSOA11CD":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}"#,
            x + 1,
            x + 1,
            y + 1,
            y + 1
        )
    };
    let lsoas: Vec<String> = (0..4).map(|i| square(&format!("L{i}"), i, 0)).collect();
    let mut job = common::small_job(
        dir.path(),
        [
            "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L0,90\nA,L1,10\nB,L1,30\nB,L2,40\nB,L3,5\n",
            "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\nB,P2,Two\n",
            r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"MSOA11CD":"M0"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M1"},"geometry":{"type":"Polygon","coordinates":[[[2,0],[4,0],[4,1],[2,1],[2,0]]]}}]}"#,
            "LSOA11CD,MSOA11CD\nL0,M0\nL1,M0\nL2,M1\nL3,M1\n",
        ],
    );
    let text = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, lsoas.join(","));
    job.footprints = Some(FootprintJob { level: FootprintLevel::Lsoa, spec: FootprintSpec::default() });
    // Plain, and gzip (parsed from the bytes decompressed).
    for gzip in [false, true] {
        let path = dir.path().join(if gzip { "lsoas.geojson.gz" } else { "lsoas.geojson" });
        let bytes = if gzip {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut e, text.as_bytes()).unwrap();
            e.finish().unwrap()
        } else {
            text.clone().into_bytes()
        };
        std::fs::write(&path, bytes).unwrap();
        job.assignment = AssignmentSource::LsoaAreas { path, fields: AreaFields::default(), snap_metres: 0.0 };
        // The registrations and the LSOA polygons.
        check(&job, 2, 2);
    }
}

#[test]
fn another_layer_file_is_prepared_anew() {
    let dir = tempfile::tempdir().unwrap();
    let texts = |code: &str| {
        [
            "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\n".to_owned(),
            "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\n".to_owned(),
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"MSOA11CD":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}}}]}}"#
            ),
            format!("LSOA11CD,MSOA11CD\nL1,{code}\n"),
        ]
    };
    let cache = PreparedCache::In(dir.path().join("cache"));
    let one = texts("M1");
    let job = common::small_job(dir.path(), [&one[0], &one[1], &one[2], &one[3]]);
    let (first, _) = run(&job, &cache, &dir.path().join("a"));
    let two = texts("M9");
    let job = common::small_job(dir.path(), [&two[0], &two[1], &two[2], &two[3]]);
    let (second, files) = run(&job, &cache, &dir.path().join("b"));
    assert!(
        matches!((&first, &second), (Preparation::Built(a), Preparation::Built(b)) if a != b),
        "{first:?} {second:?}"
    );
    assert!(String::from_utf8_lossy(&files["msoa_overlap.csv"]).contains("M9"));
}

/// `msoa_pcn_shares.csv` written straight from the count (in blocks of areas) is the table's CSV, byte
/// for byte: over many blocks, with PCN names that need quoting and PCNs with no name.
#[test]
fn the_shares_csv_is_the_shares_table() {
    let dir = tempfile::tempdir().unwrap();
    let (mut regs, mut lookup, mut features) =
        (String::from("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n"), String::from("LSOA11CD,MSOA11CD\n"), Vec::new());
    for i in 0..700 {
        regs.push_str(&format!("A,L{i},{}\nB,L{i},{}\nC,L{i},3\n", 1 + i % 7, 2 + i % 5));
        lookup.push_str(&format!("L{i},M{i:04}\n"));
        let (x, y) = (f64::from(i % 30), f64::from(i / 30));
        features.push(format!(
            r#"{{"type":"Feature","properties":{{"MSOA11CD":"M{i:04}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}"#,
            x + 1.0, x + 1.0, y + 1.0, y + 1.0
        ));
    }
    let map = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,\"North, \"\"Old\"\" Town\"\nB,P2,\nC,P3,Three\n";
    let areas = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
    let job = common::small_job(dir.path(), [&regs, map, &areas, &lookup]);
    let loaded = footprint_run::load(&job).unwrap();
    let analysis = footprint_run::analyse(&loaded, &job).unwrap();
    let (layer, practices, table) = (&loaded.layer, &loaded.practices, &analysis.table);
    let direct = footprint_overlap::write::msoa_pcn_shares_csv(layer, practices, table);
    assert_eq!(direct, footprint_overlap::write::msoa_pcn_shares_table(layer, practices, table).csv());
    assert!(String::from_utf8(direct).unwrap().contains("M0699,P1,\"North, \"\"Old\"\" Town\","));
}
