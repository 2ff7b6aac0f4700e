//! A hand-made series: two publications and a scenario (a PCN merged by an edit file), every figure of
//! the series outputs against counts made by hand.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::Path;

use footprint_ingest::{AreaFields, LookupColumns};
use footprint_overlap::Threshold;
use footprint_run::{AssignmentSource, OverlapJob, Publication, SeriesJob, VintageRule, series_run};

const AREAS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"MSOA11CD":"M1","MSOA11NM":"One"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M2","MSOA11NM":"Two"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}}]}"#;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The rows of a CSV written by the series, as fields.
fn rows(dir: &Path, name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    text.lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

/// label, extract date, map date, MSOAs with residents, patients assigned, pcns_all mean and SD,
/// pcns_ge_1pct mean, hhi mean.
type SummaryRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, f64, f64, f64, f64);

/// MSOA, pcns_ge_1pct first, last and change, hhi change, top PCN first and last, whether it changed.
type ChangeRow<'a> = (&'a str, &'a str, &'a str, &'a str, f64, &'a str, &'a str, &'a str);

fn float(s: &str) -> f64 {
    s.parse().unwrap()
}

/// `before`: M1 has P1 90, P2 10; M2 has P1 5, P2 95. `after`: M1 P1 50, P2 30, P3 20; M2 P2 100.
/// `merged`: `after` with practice C (P3) moved into P1: M1 P1 70, P2 30.
#[test]
fn two_publications_and_a_scenario_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let header = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS,EXTRACT_DATE\n";
    let before = write(
        d,
        "before.csv",
        &format!("{header}A,L1,90,01Jan2020\nB,L1,10,01Jan2020\nA,L2,5,01Jan2020\nB,L2,95,01Jan2020\n"),
    );
    let after = write(
        d,
        "after.csv",
        &format!("{header}A,L1,50,01Jul2022\nB,L1,30,01Jul2022\nC,L1,20,01Jul2022\nB,L2,100,01Jul2022\n"),
    );
    let map1 =
        write(d, "map1.csv", "PRACTICE_CODE,PCN_CODE,PCN_NAME,EXTRACT_DATE\nA,P1,One,01Jan2020\nB,P2,Two,01Jan2020\n");
    let map2 = write(
        d,
        "map2.csv",
        "PRACTICE_CODE,PCN_CODE,PCN_NAME,EXTRACT_DATE\nA,P1,One,01Jan2022\nB,P2,Two,01Jan2022\nC,P3,Three,01Jan2022\n",
    );
    let edits = write(d, "merge.csv", "practice_code,pcn_code\nC,P1\n");
    let geography = OverlapJob {
        registrations: before.clone(),
        practices: map1.clone(),
        areas: write(d, "areas.geojson", AREAS),
        area_fields: AreaFields::default(),
        assignment: AssignmentSource::Lookup {
            path: write(d, "lookup.csv", "LSOA11CD,MSOA11CD\nL1,M1\nL2,M2\n"),
            columns: LookupColumns::default(),
        },
        thresholds: vec![Threshold::ONE_PERCENT],
        footprints: None,
        vintage: VintageRule::AsGiven,
        context: Vec::new(),
        output: Default::default(),
        prepared: Default::default(),
    };
    let publication = |label: &str, registrations: &Path, practices: &Path, edits: Option<&Path>| Publication {
        label: label.into(),
        registrations: registrations.to_owned(),
        practices: practices.to_owned(),
        date: None,
        edits: edits.map(Path::to_owned),
    };
    let job = SeriesJob {
        geography,
        publications: vec![
            publication("before", &before, &map1, None),
            publication("after", &after, &map2, None),
            publication("merged", &after, &map2, Some(&edits)),
        ],
    };
    let out = d.join("out");
    let report = series_run(&job, &out).unwrap();
    assert!(report.publications.iter().all(|p| p.accounting.balances()));

    // label, dates, MSOAs, accounting; pcns_all mean and SD; pcns_ge_1pct mean; hhi mean.
    let summary = rows(&out, "series_summary.csv");
    let got: Vec<SummaryRow<'_>> = summary
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[1].as_str(),
                r[2].as_str(),
                r[5].as_str(),
                r[7].as_str(),
                float(&r[12]),
                float(&r[13]),
                float(&r[17]),
                float(&r[22]),
            )
        })
        .collect();
    let sqrt2 = 2f64.sqrt();
    assert_eq!(
        got,
        [
            ("before", "01Jan2020", "01Jan2020", "2", "200", 2.0, 0.0, 2.0, (0.82 + 0.905) / 2.0),
            ("after", "01Jul2022", "01Jan2022", "2", "200", 2.0, sqrt2, 2.0, (0.38 + 1.0) / 2.0),
            ("merged", "01Jul2022", "01Jan2022", "2", "200", 1.5, 0.5f64.sqrt(), 1.5, (0.58 + 1.0) / 2.0),
        ]
    );
    // Publication × MSOA.
    let msoa: Vec<String> = rows(&out, "series_msoa.csv")
        .iter()
        .map(|r| format!("{} {} {} {} {} {} {}", r[0], r[1], r[2], r[3], r[4], r[5], r[6]))
        .collect();
    assert_eq!(
        msoa,
        [
            "before M1 100 2 2 0.82 P1",
            "before M2 100 2 2 0.905 P2",
            "after M1 100 3 3 0.38 P1",
            "after M2 100 1 1 1 P2",
            "merged M1 100 2 2 0.58 P1",
            "merged M2 100 1 1 1 P2",
        ]
    );
    // First (before) against last (merged).
    let change = rows(&out, "msoa_change.csv");
    let got: Vec<ChangeRow<'_>> = change
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[4].as_str(),
                r[5].as_str(),
                r[6].as_str(),
                float(&r[9]),
                r[10].as_str(),
                r[11].as_str(),
                r[12].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("M1", "2", "2", "0", 0.58 - 0.82, "P1", "P1", "false"),
            ("M2", "2", "1", "-1", 1.0 - 0.905, "P2", "P2", "false")
        ]
    );
    // The maps are of other dates than the registrations of `after`: a warning, not an error.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("series.json")).unwrap()).unwrap();
    assert_eq!(json["publications"][0]["warnings"], serde_json::json!([]));
    assert_eq!(
        json["publications"][1]["warnings"][0],
        "the practice map is of 01Jan2022, the registrations of 01Jul2022: practices that opened, closed or moved between the two are counted by the map's date"
    );
    assert_eq!(json["publications"][2]["inputs"][2]["role"], "edits");
    let geojson: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("msoa_change.geojson")).unwrap()).unwrap();
    assert_eq!(geojson["features"][1]["properties"]["pcns_ge_1pct_change"], -1);
}

/// An edit naming a PCN the map does not have stops the series, naming the file and line.
#[test]
fn a_bad_edit_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let regs = write(d, "r.csv", "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,9\n");
    let map = write(d, "m.csv", "PRACTICE_CODE,PCN_CODE\nA,P1\n");
    let edits = write(d, "e.csv", "practice_code,pcn_code\nA,P7\n");
    let job = SeriesJob {
        geography: OverlapJob {
            registrations: regs.clone(),
            practices: map.clone(),
            areas: write(d, "areas.geojson", AREAS),
            area_fields: AreaFields::default(),
            assignment: AssignmentSource::Lookup {
                path: write(d, "l.csv", "LSOA11CD,MSOA11CD\nL1,M1\n"),
                columns: LookupColumns::default(),
            },
            thresholds: vec![Threshold::ONE_PERCENT],
            footprints: None,
            vintage: VintageRule::AsGiven,
            context: Vec::new(),
            output: Default::default(),
            prepared: Default::default(),
        },
        publications: vec![Publication {
            label: "x".into(),
            registrations: regs,
            practices: map,
            date: None,
            edits: Some(edits.clone()),
        }],
    };
    let err = series_run(&job, &d.join("out")).err().unwrap().to_string();
    assert_eq!(err, format!("{}: line 2, column 2 (pcn_code): PCN not in the practice map: \"P7\"", edits.display()));
    assert!(!d.join("out").exists());
}
