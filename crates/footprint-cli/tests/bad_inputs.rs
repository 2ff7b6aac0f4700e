//! The bad-input corpus in fixtures/bad: each file, in its role, gives its exact message and exit code.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
use common::{good_inputs, read_outputs};

use std::path::{Path, PathBuf};
use std::process::Command;

/// Which input a corpus file stands in for.
#[derive(Clone, Copy)]
enum Role {
    Registrations,
    Practices,
    Areas,
    Lookup,
    Centroids,
    Context,
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bad").join(name)
}

/// The command line of `footprint overlap` on the good inputs in `dir`, with `bad` in `role` and outputs in `out`.
fn overlap(dir: &Path, bad: Option<(Role, &Path)>, out: &Path) -> Command {
    let pick = |r: Role, good: &str| match bad {
        Some((role, path)) if role as u8 == r as u8 => path.to_owned(),
        _ => dir.join(good),
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_footprint"));
    command
        .arg("overlap")
        .arg("--registrations")
        .arg(pick(Role::Registrations, "regs.csv"))
        .arg("--practices")
        .arg(pick(Role::Practices, "map.csv"))
        .arg("--areas")
        .arg(pick(Role::Areas, "areas.geojson"));
    match bad {
        Some((Role::Centroids, path)) => command.arg("--centroids").arg(path),
        _ => command.arg("--lookup").arg(pick(Role::Lookup, "lookup.csv")),
    };
    if let Some((Role::Context, path)) = bad {
        command.arg("--context").arg(format!("imd={}", path.display()));
    }
    command.arg("--out").arg(out);
    command
}

/// Runs `footprint overlap` with `file` in `role` and checks the exit code and that stderr holds
/// `expected` (with `{file}` standing for the file's path).
fn check(file: &str, role: Role, code: i32, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    good_inputs(dir.path());
    let bad = corpus(file);
    let out = overlap(dir.path(), Some((role, &bad)), &dir.path().join("out")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{file}: {stderr}");
    let expected = expected.replace("{file}", &bad.display().to_string());
    assert!(stderr.contains(&expected), "{file}: stderr {stderr:?} lacks {expected:?}");
    assert!(!stderr.contains("panicked"), "{file}: {stderr}");
    // A failed run writes nothing.
    assert_eq!(code == 0, dir.path().join("out/msoa_overlap.csv").exists(), "{file}");
}

#[test]
fn tabular_inputs() {
    use Role::{Practices, Registrations};
    check("empty.csv", Registrations, 3, "{file}: file is empty");
    check("header_only.csv", Registrations, 3, "{file}: line 2: no data rows after the header");
    check(
        "missing_column.csv",
        Registrations,
        3,
        "{file}: line 1: no column NUMBER_OF_PATIENTS or PATIENTS or PATIENT in the header (found: PRACTICE_CODE,LSOA_CODE,PATIENTS_TOTAL)",
    );
    check(
        "semicolons.csv",
        Registrations,
        3,
        "(found: PRACTICE_CODE;LSOA_CODE;NUMBER_OF_PATIENTS; the header has no commas: is the file separated by semicolons?)",
    );
    check("bom.csv", Registrations, 0, "");
    check(
        "non_utf8_name.csv",
        Registrations,
        3,
        "{file}: line 2, column 2 (PRACTICE_NAME): not valid UTF-8: \"CAF\u{fffd} SURGERY\"",
    );
    check(
        "non_numeric.csv",
        Registrations,
        3,
        "{file}: line 3, column 3 (NUMBER_OF_PATIENTS): not a whole number: \"ten\"",
    );
    check("negative.csv", Registrations, 3, "{file}: line 2, column 3 (NUMBER_OF_PATIENTS): negative count: \"-4\"");
    check(
        "fractional.csv",
        Registrations,
        3,
        "{file}: line 2, column 3 (NUMBER_OF_PATIENTS): fractional count: \"2.5\"",
    );
    check(
        "overflow.csv",
        Registrations,
        3,
        "{file}: line 2, column 3 (NUMBER_OF_PATIENTS): count too large (over 4294967295): \"99999999999\"",
    );
    check(
        "tabs.csv",
        Registrations,
        3,
        "{file}: line 1: no column PRACTICE_CODE or ORGANISATIONCODE or ORG_CODE in the header (found: PRACTICE_CODE\tLSOA_CODE\tNUMBER_OF_PATIENTS; the header has no commas: is the file separated by tabs?)",
    );
    check(
        "renamed_column.csv",
        Registrations,
        3,
        "{file}: line 1: no column PRACTICE_CODE or ORGANISATIONCODE or ORG_CODE in the header (found: Practice,LSOA_CODE,NUMBER_OF_PATIENTS)",
    );
    check("short_row.csv", Registrations, 3, "{file}: line 3: expected 3 fields as in the header, found 2");
    check("truncated.csv.gz", Registrations, 3, "{file}: gzip stream is truncated");
    check(
        "truncated.zip",
        Registrations,
        3,
        "{file}: zip archive is truncated: the central directory at its end is missing",
    );
    check(
        "duplicate_rows.csv",
        Registrations,
        0,
        "footprint: warning: {file}: 1 rows repeat a practice × LSOA pair already given (first at line 3); their patients are summed",
    );
    check(
        "practice_in_two_pcns.csv",
        Practices,
        3,
        "{file}: line 4: practice A is mapped to \"P2\" here but to \"P1\" on line 2",
    );
}

#[test]
fn lookups_and_centroids() {
    use Role::{Centroids, Lookup};
    check(
        "lookup_missing_column.csv",
        Lookup,
        3,
        "{file}: line 1: no column MSOA11CD or MSOA21CD or MSOA_CODE or MSOA11_CODE or MSOA21_CODE or MSOACD or MSOA_2011_CODE in the header (found: LSOA11CD,MSOA_NAME)",
    );
    check("lookup_empty_code.csv", Lookup, 3, "{file}: line 3, column 2 (MSOA11CD): empty code: \"\"");
    check("centroids_non_numeric.csv", Centroids, 3, "{file}: line 3, column 2 (Y): not a number: \"north\"");
    check(
        "centroids_missing_column.csv",
        Centroids,
        3,
        "{file}: line 1: no column Y or LAT or LATITUDE in the header (found: LONGITUDE,NORTHING,lsoa11cd)",
    );
}

#[test]
fn context_files() {
    check(
        "context_missing_column.csv",
        Role::Context,
        3,
        "{file}: line 1: no column IMD_SCORE or IMD19_SCORE or IMD25_SCORE or INDEX_OF_MULTIPLE_DEPRIVATION_(IMD)_SCORE in the header (found: lsoa11cd,imd_rank)",
    );
    check("context_non_numeric.csv", Role::Context, 3, "{file}: line 3, column 2 (imd_score): not a number: \"high\"");
}

#[test]
fn area_layers() {
    use Role::Areas;
    check("invalid_json.geojson", Areas, 3, "{file}: line 1, column 41: expected value near \",\"");
    check("nan.geojson", Areas, 3, "{file}: line 2, column 123: expected value near \"NaN,1],[0,0]]]}}\"");
    check(
        "point.geojson",
        Areas,
        3,
        "{file}: feature 1 (M2): Point geometry in an area layer (areas must be Polygon or MultiPolygon)",
    );
    check("null_geometry.geojson", Areas, 3, "{file}: feature 1 (M2): geometry is null");
    check("empty_multipolygon.geojson", Areas, 3, "{file}: feature 1 (M2): MultiPolygon has no polygons");
    check("infinite.geojson", Areas, 3, "{file}: line 2, column 127: number out of range near \"1e999,1],[0,0]]]}}\"");
    check(
        "short_ring.geojson",
        Areas,
        3,
        "{file}: feature 0 (M1): polygon 0 ring 0 has 3 positions; a ring needs at least 4",
    );
    check("duplicate_codes.geojson", Areas, 3, "{file}: feature 1: area code \"M1\" already used by feature 0");
}

/// An output directory that cannot be written: exit 4 with the path and the reason; nothing replaced.
/// (Tests run as root, whom permissions do not stop: the obstacles are a regular file and a folder.)
#[test]
fn unwritable_outputs() {
    let dir = tempfile::tempdir().unwrap();
    good_inputs(dir.path());
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let under_file = file.join("out");
    let run = overlap(dir.path(), None, &under_file).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(4), "{stderr}");
    let expected = format!("cannot create output directory {}: Not a directory (os error 20)", under_file.display());
    assert!(stderr.contains(&expected), "{stderr:?} lacks {expected:?}");

    // A previous run's outputs, and a folder where the new run's summary.json should go.
    let out = dir.path().join("out");
    assert!(overlap(dir.path(), None, &out).status().unwrap().success());
    std::fs::remove_file(out.join("summary.json")).unwrap();
    std::fs::create_dir(out.join("summary.json")).unwrap();
    let before = read_outputs(&out);
    std::fs::write(dir.path().join("regs.csv"), "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,50\nB,L2,50\n")
        .unwrap();
    let run = overlap(dir.path(), None, &out).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(4), "{stderr}");
    let expected = format!("cannot write {}: a folder of that name is in the way", out.join("summary.json").display());
    assert!(stderr.contains(&expected), "{stderr:?} lacks {expected:?}");
    // No output was replaced (the new counts would differ) and no temporary file is left.
    assert!(read_outputs(&out) == before, "outputs changed");
}
