//! The bundled census geographies end to end: a run needs only registrations and a practice map; LSOA
//! codes of the other census are converted (an LSOA spanning areas apportioned, by hand below) or, with
//! `--no-convert`, refused with the flag to use.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Output};

/// E01035637 (LSOA 2021, Northumberland 043F) is made of two 2011 LSOAs in two MSOAs: E01008187 (Gateshead
/// 024C in E02001705; mid-2015 population 1,669, half of it in E01035637, the other half in E01035624)
/// and E01027506 (Northumberland 039D in E02005732, 1,168, all of it). E01011949 (Hartlepool 009A) is
/// unchanged, in MSOA E02002491 (2011) and E02002491 (2021).
const REGISTRATIONS: &str =
    "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E01035637,60\nB,E01035637,40\nA,E01011949,10\n";
const PRACTICES: &str = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\nB,P2,Two\n";

fn run(dir: &Path, extra: &[&str]) -> Output {
    std::fs::write(dir.join("regs.csv"), REGISTRATIONS).unwrap();
    std::fs::write(dir.join("map.csv"), PRACTICES).unwrap();
    Command::new(env!("CARGO_BIN_EXE_footprint"))
        .args(["overlap", "--registrations", "regs.csv", "--practices", "map.csv"])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The rows of `msoa_pcn_shares.csv` as `msoa pcn patients`.
fn shares(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("msoa_pcn_shares.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|f| format!("{} {} {}", f[0], f[1], f[3]))
        .collect()
}

fn check(extra: &[&str], expected_areas: &str, expected_shares: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), extra);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with(expected_areas), "{stdout}");
    assert_eq!(shares(&dir.path().join("footprint-out")), expected_shares);
    serde_json::from_slice(&std::fs::read(dir.path().join("footprint-out/summary.json")).unwrap()).unwrap()
}

/// On the 2011 geography E01035637 is apportioned 1,669/2 : 1,168 (weights 1,669 and 2,336): 100 patients
/// are 41.67 and 58.33, so 42 and 58. Practice A's 60 are 25.2 and 34.8, B's 40 are 16.8 and 23.2; the
/// larger fractions are rounded up, so A gets 25 and 35, B 17 and 23, and both areas add up.
#[test]
fn lsoa_2021_codes_on_the_bundled_2011_geography_are_apportioned_by_hand() {
    let summary = check(
        &[],
        "6,791 areas; 110 patients read on 3 rows: 110 assigned, 0 with an unknown LSOA code, 0 outside",
        &["E02001705 P1 25", "E02001705 P2 17", "E02002491 P1 10", "E02005732 P1 35", "E02005732 P2 23"],
    );
    let g = &summary["geography"];
    assert_eq!((g["areas"].as_str(), g["registrations"].as_str()), (Some("2011"), Some("2021")));
    assert_eq!(g["conversion"]["patients_converted"], 100);
    assert_eq!(g["conversion"]["patients_apportioned"], 100);
    let apportioned = &g["apportioned_lsoas"][0];
    assert_eq!(apportioned["lsoa"], "E01035637");
    let shares: Vec<(String, u64, u64)> = apportioned["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (s["area"].as_str().unwrap().to_owned(), s["weight"].as_u64().unwrap(), s["patients"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(shares, [("E02001705".to_owned(), 1669, 42), ("E02005732".to_owned(), 2336, 58)]);
    assert_eq!(summary["accounting"]["balanced"], true);
}

#[test]
fn the_same_registrations_on_the_bundled_2021_geography_need_no_conversion() {
    let summary = check(
        &["--geography", "2021"],
        "6,856 areas; 110 patients read on 3 rows: 110 assigned",
        &["E02002491 P1 10", "E02007107 P1 60", "E02007107 P2 40"],
    );
    assert_eq!(summary["geography"]["conversion"]["patients_converted"], 0);
    assert_eq!(summary["geography"]["apportioned_lsoas"].as_array().unwrap().len(), 0);
}

#[test]
fn no_convert_refuses_other_census_codes_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--no-convert"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "footprint: error: overlap run writing to footprint-out: regs.csv: the LSOA codes are of the 2021 census (1 codes, 100 patients, only in 2021), but the areas are of the 2011 census: give --geography 2021, or leave out --no-convert to convert them\n"
    );
    assert!(!dir.path().join("footprint-out").exists());
    // Mixed: a 2011-only code too (E01008187, retired in 2021).
    std::fs::write(dir.path().join("mixed.csv"), format!("{REGISTRATIONS}B,E01008187,3\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_footprint"))
        .args(["overlap", "--registrations", "mixed.csv", "--practices", "map.csv", "--no-convert"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "mixed.csv: the LSOA codes mix the 2011 census (1 codes, 3 patients, only in 2011) and the 2021 census (1 codes, 100 patients, only in 2021), but the areas are of the 2011 census: leave out --no-convert"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Converted, with a warning.
    let out = Command::new(env!("CARGO_BIN_EXE_footprint"))
        .args(["overlap", "--registrations", "mixed.csv", "--practices", "map.csv", "--geography", "2021"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "footprint: warning: mixed.csv: the LSOA codes mix the censuses: 1 codes only in 2011 (3 patients), 1 only in 2021 (100 patients); those of the 2011 census are converted"
    ));
}

/// LSOA-level footprints are drawn from the registrations' own LSOAs: codes of the other census than the
/// LSOA polygons' cannot be, and are a usage error rather than left out.
#[test]
fn lsoa_footprints_refuse_codes_of_the_other_census() {
    let dir = tempfile::tempdir().unwrap();
    let square = |code: &str, x: u32| {
        format!(
            r#"{{"type":"Feature","properties":{{"LSOA11CD":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},0],[{},0],[{},1],[{x},1],[{x},0]]]}}}}"#,
            x + 1,
            x + 1
        )
    };
    let layer =
        format!(r#"{{"type":"FeatureCollection","features":[{},{}]}}"#, square("E01008187", 0), square("E01011949", 1));
    std::fs::write(dir.path().join("lsoa11.geojson"), layer).unwrap();
    std::fs::write(dir.path().join("regs.csv"), REGISTRATIONS).unwrap();
    std::fs::write(dir.path().join("map.csv"), PRACTICES).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_footprint"))
        .args(["footprints", "--registrations", "regs.csv", "--practices", "map.csv"])
        .args(["--lsoa-areas", "lsoa11.geojson", "--footprint-level", "lsoa"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).ends_with(
        "LSOA-level footprints need the registrations on the LSOA polygons' census: their codes of the other census are converted to MSOAs only\n"
    ));
}

/// `footprint series` end to end: two publications and a scenario on the bundled 2021 geography; a repeated
/// label is a usage error, a manifest naming a missing file a malformed input naming its line.
#[test]
fn a_series_runs_and_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("regs.csv"), REGISTRATIONS).unwrap();
    std::fs::write(d.join("map.csv"), PRACTICES).unwrap();
    std::fs::write(d.join("merge.csv"), "practice_code,pcn_code\nB,P1\n").unwrap();
    let series = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_footprint")).arg("series").args(args).current_dir(d).output().unwrap()
    };
    let out = series(&[
        "--publication",
        "regs.csv,map.csv,one",
        "--publication",
        "regs.csv,map.csv,two",
        "--scenario",
        "merge.csv,merged",
        "--geography",
        "2021",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = std::fs::read_to_string(d.join("footprint-series/series_summary.csv")).unwrap();
    let rows: Vec<Vec<&str>> = summary.lines().skip(1).map(|l| l.split(',').collect()).collect();
    // Label, geography, MSOAs with residents, patients assigned, mean PCNs: E02007107 has P1 and P2
    // (P1 alone once merged), E02002491 P1.
    let got: Vec<(&str, &str, &str, &str, &str)> = rows.iter().map(|r| (r[0], r[3], r[5], r[7], r[12])).collect();
    assert_eq!(
        got,
        [("one", "2021", "2", "110", "1.5"), ("two", "2021", "2", "110", "1.5"), ("merged", "2021", "2", "110", "1")]
    );
    // The report: the table, the line chart and the change map, fetching nothing.
    let html = std::fs::read_to_string(d.join("footprint-series/report.html")).unwrap();
    assert!(html.contains("<td>merged</td>") && html.contains("<polyline") && html.contains("Change in PCNs"));
    assert!(!html.contains("https://") && !html.contains("src="));
    let out = series(&["--publication", "regs.csv,map.csv,one", "--publication", "regs.csv,map.csv,one"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("one: two publications have the same label"));
    std::fs::write(d.join("series.csv"), "label,registrations,practices\na,regs.csv,map.csv\nb,gone.csv,map.csv\n")
        .unwrap();
    let out = series(&["--manifest", "series.csv"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("series.csv: line 3, column 2 (registrations): no such file: \"gone.csv\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
