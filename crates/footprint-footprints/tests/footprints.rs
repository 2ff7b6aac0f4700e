//! PCN footprints on small hand-made coverages, against answers worked out by hand.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use footprint_footprints::{DissolveMethod, Footprint, FootprintSpec, Method, footprints};
use footprint_index::assign_by_lookup;
use footprint_ingest::{
    AreaFields, InputFile, LookupColumns, read_areas, read_lookup, read_practice_map, read_registrations,
};
use footprint_overlap::count_overlap;
use geo::Area;

/// Unit squares at the given (x, y), named M1, M2, … in order, each with one LSOA L1, L2, ….
fn coverage(cells: &[(u32, u32)]) -> (String, String) {
    let features: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, &(x, y))| {
            let (x1, y1) = (x + 1, y + 1);
            format!(
                r#"{{"type":"Feature","properties":{{"MSOA11CD":"M{}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
                i + 1
            )
        })
        .collect();
    let lookup: String = (1..=cells.len()).map(|i| format!("L{i},M{i}\n")).collect();
    (
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
        format!("LSOA11CD,MSOA11CD\n{lookup}"),
    )
}

/// Runs the footprints of `registrations` (lines `practice,lsoa,patients`; practice A is in P1, B in P2, C in P3).
fn run(cells: &[(u32, u32)], registrations: &str, spec: &FootprintSpec) -> Vec<(String, Footprint)> {
    let (areas, lookup) = coverage(cells);
    let input = |name: &str, text: String| InputFile::from_bytes(name, text.into_bytes());
    let regs =
        read_registrations(&input("r.csv", format!("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n{registrations}")))
            .unwrap();
    let map = read_practice_map(&input("m.csv", "PRACTICE_CODE,PCN_CODE\nA,P1\nB,P2\nC,P3\n".into())).unwrap();
    let layer = read_areas(&input("a.geojson", areas), &AreaFields::default()).unwrap();
    let lookup = read_lookup(&input("l.csv", lookup), &LookupColumns::default()).unwrap();
    let table = count_overlap(&regs, &map, &assign_by_lookup(&regs.lsoas, &lookup, &layer), &layer, &[]);
    let km2 = vec![1.0; layer.areas.len()];
    footprints(&table, &layer, &map, &km2, spec)
        .into_iter()
        .map(|f| (format!("{} {}", f.method, map.pcns[f.pcn.index()].code), f))
        .collect()
}

fn areas_of(f: &Footprint) -> Vec<String> {
    f.areas.iter().map(|a| format!("M{}", a.0 + 1)).collect()
}

/// Checks each footprint's areas and number of parts: `expected` lines are `method pcn: areas / parts`.
fn check(found: &[(String, Footprint)], expected: &[&str]) {
    let got: Vec<String> =
        found.iter().map(|(name, f)| format!("{name}: {} / {}", areas_of(f).join(" "), f.shape.0.len())).collect();
    assert_eq!(got, expected);
    for (name, f) in found {
        assert_eq!(f.dissolve, DissolveMethod::Exact, "{name}");
        let area = f.areas.len() as f64;
        assert_eq!(f.shape.unsigned_area(), area, "{name}");
    }
}

/// A 2×2 block M1 (0,0), M2 (1,0), M3 (0,1), M4 (1,1) and an island M5 at (5,5).
const CELLS: &[(u32, u32)] = &[(0, 0), (1, 0), (0, 1), (1, 1), (5, 5)];
/// M1: P1 60, P2 40. M2: P1 50, P2 50 (a tie). M3: P2 90, P3 10 (exactly 10%). M4: P1 5, P2 95. M5: P1 30, P3 70.
const REGS: &str = "A,L1,60\nB,L1,40\nA,L2,50\nB,L2,50\nB,L3,90\nC,L3,10\nA,L4,5\nB,L4,95\nA,L5,30\nC,L5,70\n";

fn spec() -> FootprintSpec {
    FootprintSpec {
        methods: Method::ALL.to_vec(),
        threshold: "10%".parse().unwrap(),
        core_share: "80%".parse().unwrap(),
    }
}

#[test]
fn the_three_methods_on_a_block_and_an_island() {
    // Threshold 10%: P1 has M1 60%, M2 50%, M5 30% (M4's 5% is too little); P2 has all four of the
    // block; P3 has M3 at exactly 10% and M5.
    // Core 80%: P1's list is 145, 80% is 116: M1 60, M2 50 (110), M5 30 (140) — three areas.
    // P2's list is 275, 80% is 220: M4 95, M3 90 (185), M2 50 (235). P3's 80 of 80%: M5 70.
    // Plurality: M2's tie goes to P1, the smaller code.
    check(
        &run(CELLS, REGS, &spec()),
        &[
            "threshold P1: M1 M2 M5 / 2",
            "threshold P2: M1 M2 M3 M4 / 1",
            "threshold P3: M3 M5 / 2",
            "core P1: M1 M2 M5 / 2",
            "core P2: M2 M3 M4 / 1",
            "core P3: M5 / 1",
            "plurality P1: M1 M2 / 1",
            "plurality P2: M3 M4 / 1",
            "plurality P3: M5 / 1",
        ],
    );
}

#[test]
fn metrics_match_hand_computation() {
    let found = run(CELLS, REGS, &spec());
    let p1 = &found.iter().find(|(n, _)| n == "threshold P1").unwrap().1;
    // Inside: 60 + 50 + 30 = 140 of a list of 145; the three areas hold 300 residents.
    assert_eq!((p1.list_size, p1.patients_inside, p1.population_inside), (145, 140, 300));
    assert_eq!(p1.containment(), Some(140.0 / 145.0));
    assert_eq!(p1.purity(), Some(140.0 / 300.0));
    assert_eq!(p1.area_km2, 3.0);
    // P2's threshold footprint shares M1 and M2 (200 residents), P3's shares M5 (100).
    let overlaps: Vec<(u32, u32, u64)> = p1.overlaps.iter().map(|o| (o.pcn.0, o.areas, o.population)).collect();
    assert_eq!(overlaps, [(1, 2, 200), (2, 1, 100)]);
    assert_eq!(p1.overlap_population, 300);
    // Plurality footprints never overlap.
    assert!(found.iter().filter(|(n, _)| n.starts_with("plurality")).all(|(_, f)| f.overlaps.is_empty()));
}

#[test]
fn a_footprint_around_another_has_a_hole() {
    // A 3×3 grid: P1 has the eight outer cells, P2 the centre.
    let cells: Vec<(u32, u32)> = (0..3).flat_map(|y| (0..3).map(move |x| (x, y))).collect();
    let regs: String =
        (1..=9).map(|i| if i == 5 { "B,L5,100\n".to_owned() } else { format!("A,L{i},100\n") }).collect();
    let spec = FootprintSpec { methods: vec![Method::Plurality], ..spec() };
    let found = run(&cells, &regs, &spec);
    let p1 = &found[0].1;
    assert_eq!(p1.shape.0.len(), 1);
    assert_eq!(p1.shape.0[0].interiors().len(), 1);
    assert_eq!(p1.shape.unsigned_area(), 8.0);
    assert_eq!(found[1].1.shape.unsigned_area(), 1.0);
}

#[test]
fn core_ties_go_to_the_smaller_area_code() {
    // P1 has 50 in each of M1 and M2 and nothing else: 50% is reached by one area, the smaller code.
    let found = run(
        &[(0, 0), (1, 0)],
        "A,L2,50\nA,L1,50\n",
        &FootprintSpec { methods: vec![Method::Core], core_share: "0.5".parse().unwrap(), ..spec() },
    );
    assert_eq!(areas_of(&found[0].1), ["M1"]);
}
