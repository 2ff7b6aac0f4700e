//! Team alignment on a small hand-made layer (British National Grid metres), against answers worked out by hand.
//!
//! Three LSOAs of 1 km²: L1 wholly in team West, L2 cut in half by the boundary between West and East,
//! L3 in no team. Practice A is in PCN P1, B in P2, C in P3.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use footprint_align::{Alignment, LsoaTeams, align, apportion_by_area};
use footprint_ingest::{AreaFields, InputFile, read_areas, read_practice_map, read_registrations};
use footprint_overlap::Threshold;

const X0: f64 = 400_000.0;
const Y0: f64 = 300_000.0;

fn square(x0: f64, x1: f64, y0: f64, y1: f64) -> String {
    let (x0, x1, y0, y1) = (X0 + x0, X0 + x1, Y0 + y0, Y0 + y1);
    format!(r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#)
}

fn layer(field: &str, features: &[(&str, String)]) -> String {
    let f: Vec<String> = features
        .iter()
        .map(|(name, g)| format!(r#"{{"type":"Feature","properties":{{"{field}":"{name}"}},"geometry":{g}}}"#))
        .collect();
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, f.join(","))
}

fn run() -> (Vec<LsoaTeams>, Alignment) {
    let input = |name: &str, text: String| InputFile::from_bytes(name, text.into_bytes());
    let lsoas = read_areas(
        &input(
            "lsoa.geojson",
            layer(
                "LSOA11CD",
                &[
                    ("L1", square(0., 1000., 0., 1000.)),
                    ("L2", square(1000., 2000., 0., 1000.)),
                    ("L3", square(5000., 6000., 0., 1000.)),
                ],
            ),
        ),
        &AreaFields::default(),
    )
    .unwrap();
    let teams = read_areas(
        &input(
            "teams.geojson",
            layer(
                "team",
                &[("West", square(-500., 1500., -500., 1500.)), ("East", square(1500., 3000., -500., 1500.))],
            ),
        ),
        &AreaFields { kind: footprint_ingest::LayerKind::Teams, ..AreaFields::default() },
    )
    .unwrap();
    let regs = read_registrations(&input(
        "r.csv",
        "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,60\nA,L2,40\nB,L2,20\nB,L3,30\nC,L1,40\n".into(),
    ))
    .unwrap();
    let map = read_practice_map(&input("m.csv", "PRACTICE_CODE,PCN_CODE\nA,P1\nB,P2\nC,P3\n".into())).unwrap();
    let placement = apportion_by_area(&regs.lsoas, &lsoas, &teams, 0.01);
    let names = teams.areas.iter().map(|a| a.code.as_str().to_owned()).collect();
    let core: Threshold = "0.8".parse().unwrap();
    (placement.clone(), align(&regs, &map, &placement, names, &[Threshold::ONE_PERCENT, "0.5".parse().unwrap()], core))
}

/// Checks a value worked out by hand.
fn check<T: PartialEq + std::fmt::Debug>(what: &str, found: T, expected: T) {
    assert_eq!(found, expected, "{what}");
}

#[test]
fn lsoas_go_whole_split_by_area_or_nowhere() {
    let (placement, a) = run();
    // Teams are in name order: East = 0, West = 1. LSOAs in order of first appearance: L1, L2, L3.
    check("L1", &placement[0], &LsoaTeams::Pieces(vec![(1, 1.0)]));
    check("L2", &placement[1], &LsoaTeams::Pieces(vec![(0, 0.5), (1, 0.5)]));
    check("L3", &placement[2], &LsoaTeams::Pieces(vec![]));
    // L2's 60 patients, 30 each side; A's 40 → 20 + 20, B's 20 → 10 + 10.
    check("split", a.split.len(), 1);
    check("split pieces", a.split[0].pieces.clone(), vec![(Some(0), 0.5, 30), (Some(1), 0.5, 30)]);
    check("in teams", a.accounting.patients_in_teams, 160);
    check("no team", a.accounting.patients_no_team, 30);
    check("unknown", a.accounting.patients_unknown_lsoa, 0);
    assert!(a.accounting.balances());
}

#[test]
fn team_measures_by_hand() {
    let (_, a) = run();
    let west = &a.team_measures[1];
    // West: L1 (P1 60, P3 40) + half of L2 (P1 20, P2 10) = P1 80, P2 10, P3 40.
    check("West population", west.overlap.population, 130);
    check("West PCNs", west.overlap.pcn_patients.iter().map(|p| p.1).collect::<Vec<_>>(), vec![80, 10, 40]);
    check("West ≥ 1%, ≥ 50%", west.overlap.pcns_at_or_above.clone(), vec![3, 1]);
    check("West hhi", west.overlap.hhi, Some(8100.0 / 16900.0));
    // 80% of 130 = 104: P1 (80) is not enough, P1 + P3 (120) is.
    check("West core", west.core_pcns.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 2]);
    // Home PCNs have more than half of their list here: P1 (80 of 100) and P3 (40 of 40), not P2 (10 of 50).
    check("West home share", west.home_share, Some(120.0 / 130.0));
    let east = &a.team_measures[0];
    check("East population", east.overlap.population, 30);
    check("East home share", east.home_share, Some(0.0));
}

#[test]
fn pcn_pair_and_layer_measures_by_hand() {
    let (_, a) = run();
    let p1 = &a.pcn_measures[0];
    check("P1 list", p1.list_size, 100);
    check("P1 teams", p1.teams.clone(), vec![(1, 80), (0, 20)]);
    check("P1 main share", p1.main_share(), Some(0.8));
    check("P1 teams with ≥ 50% of its list", p1.teams_at_or_above[1], 1);
    // P2: 10 in each team: the tie goes to the first team (East).
    check("P2 teams", a.pcn_measures[1].teams.clone(), vec![(0, 10), (1, 10)]);
    // West–P1: Σ min over L1 (100, 60) and L2 (30, 40) = 90; union = 130 + 100 − 90 = 140.
    let west_p1 = a.pairs.iter().find(|p| p.team == 1 && p.pcn.0 == 0).unwrap();
    check("West–P1 common", west_p1.common, 90);
    check("West–P1 Jaccard", west_p1.jaccard(), Some(90.0 / 140.0));
    check("West in P1", west_p1.team_in_pcn(), Some(90.0 / 130.0));
    check("P1 in West", west_p1.pcn_in_team(), Some(0.9));
    // Index: main-team patients 80 + 10 + 40 of 160 in teams.
    check("index", a.index(), Some(130.0 / 160.0));
    // Least aligned first: East (home 0) then West; PCNs by main share: P2 (0.5), P1 (0.8), P3 (1.0).
    check("teams ranked", a.teams_ranked(), vec![0, 1]);
    check("PCNs ranked", a.pcns_ranked(), vec![1, 0, 2]);
}
