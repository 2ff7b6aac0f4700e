//! Properties of the overlap count on seeded random inputs (proptest, fixed seed): every patient is
//! accounted for, area by area against a direct count; outputs are byte-identical under any row order
//! of every input and under 1, 2 and 4 threads (context files included); `pcns_ge_t` is exact, non-increasing in t and never
//! above `pcns_all`; shares sum to at most 1.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::PathBuf;

use footprint_ingest::{
    AreaFields, InputFile, LookupColumns, read_areas, read_lookup, read_practice_map, read_registrations,
};
use footprint_run::{AssignmentSource, Loaded, OverlapJob};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// A small random world: areas in a row of unit squares, LSOAs placed in them (or in an area the layer
/// lacks, or unknown to the lookup), practices in PCNs (or in PCN `U`, or absent from the map), rows.
#[derive(Clone, Debug)]
struct World {
    areas: usize,
    /// Per LSOA: the index of its area; `areas` means an area not in the layer; more, not in the lookup.
    lsoa_area: Vec<usize>,
    /// Per practice: its PCN (0..3), 3 for `U`, 4 for absent from the map.
    practice_pcn: Vec<usize>,
    /// (practice, LSOA, patients); pairs may repeat (summed).
    rows: Vec<(usize, usize, u32)>,
    /// Thresholds in thousandths, ascending and distinct.
    thresholds: Vec<u32>,
}

fn world() -> impl Strategy<Value = World> {
    (1usize..=5, 1usize..=12, 1usize..=8).prop_flat_map(|(areas, lsoas, practices)| {
        (
            prop::collection::vec(0..areas + 2, lsoas),
            prop::collection::vec(0usize..5, practices),
            prop::collection::vec((0..practices, 0..lsoas, prop_oneof![0u32..20, 0u32..5_000]), 1..60),
            prop::collection::btree_set(0u32..=1000, 1..4),
        )
            .prop_map(move |(mut lsoa_area, mut practice_pcn, rows, thresholds)| {
                // The lookup and the practice map each keep at least one row (an empty file is an error).
                lsoa_area[0] %= areas + 1;
                practice_pcn[0] %= 4;
                World { areas, lsoa_area, practice_pcn, rows, thresholds: thresholds.into_iter().collect() }
            })
    })
}

/// The input files of a world, each as lines after its header (so that they can be permuted).
struct Files {
    regs: Vec<String>,
    map: Vec<String>,
    lookup: Vec<String>,
    features: Vec<String>,
    /// LSOAs of the world.
    lsoas: usize,
}

fn files(w: &World) -> Files {
    let regs = w.rows.iter().map(|(p, l, n)| format!("G{p},L{l},{n}")).collect();
    let map = (0..w.practice_pcn.len())
        .filter(|&p| w.practice_pcn[p] != 4)
        .map(|p| match w.practice_pcn[p] {
            3 => format!("G{p},U,"),
            pcn => format!("G{p},P{pcn},PCN {pcn}"),
        })
        .collect();
    let lookup =
        w.lsoa_area.iter().enumerate().filter(|(_, a)| **a <= w.areas).map(|(l, a)| format!("L{l},M{a}")).collect();
    let features = (0..w.areas)
        .map(|a| {
            format!(
                r#"{{"type":"Feature","properties":{{"MSOA11CD":"M{a}","MSOA11NM":"Area {a}"}},"geometry":{{"type":"Polygon","coordinates":[[[{a},0],[{},0],[{},1],[{a},1],[{a},0]]]}}}}"#,
                a + 1,
                a + 1
            )
        })
        .collect();
    Files { regs, map, lookup, features, lsoas: w.lsoa_area.len() }
}

fn csv(header: &str, lines: &[String]) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text.into_bytes()
}

fn job(w: &World) -> OverlapJob {
    OverlapJob {
        registrations: PathBuf::from("regs.csv"),
        practices: PathBuf::from("map.csv"),
        areas: PathBuf::from("areas.geojson"),
        area_fields: AreaFields::default(),
        assignment: AssignmentSource::Lookup { path: PathBuf::from("lookup.csv"), columns: LookupColumns::default() },
        thresholds: w.thresholds.iter().map(|t| format!("{}.{:03}", t / 1000, t % 1000).parse().unwrap()).collect(),
        footprints: None,
        output: Default::default(),
        vintage: footprint_run::VintageRule::AsGiven,
        context: Vec::new(),
        prepared: Default::default(),
    }
}

/// Reads the files as a run would, naming them as the job does (so the summary's inputs are the same).
fn load(f: &Files) -> Loaded {
    let input = |name: &str, bytes: Vec<u8>| InputFile::from_bytes(name, bytes);
    let regs = input("regs.csv", csv("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS", &f.regs));
    let map = input("map.csv", csv("PRACTICE_CODE,PCN_CODE,PCN_NAME", &f.map));
    let lookup = input("lookup.csv", csv("LSOA11CD,MSOA11CD", &f.lookup));
    let areas = input(
        "areas.geojson",
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, f.features.join(",")).into_bytes(),
    );
    Loaded {
        registrations: read_registrations(&regs).unwrap(),
        // The inputs' identities are those of the unpermuted files: a permutation must change nothing else.
        registrations_meta: footprint_ingest::FileInfo { sha256: String::new(), ..regs.info() },
        practices: read_practice_map(&map).unwrap(),
        practices_meta: footprint_ingest::FileInfo { sha256: String::new(), ..map.info() },
        layer: read_areas(&areas, &AreaFields::default()).unwrap(),
        areas_meta: footprint_ingest::FileInfo { sha256: String::new(), ..areas.info() },
        areas_prepared: None,
        areas_how: footprint_run::Preparation::Read,
        places: footprint_index::LsoaPlaces::Lookup(read_lookup(&lookup, &LookupColumns::default()).unwrap()),
        places_meta: footprint_ingest::FileInfo { sha256: String::new(), ..lookup.info() },
        conversion: None,
        contexts: contexts(f.lsoas),
    }
}

/// A score and a class for every LSOA but the last (so that some residents have none): the context
/// outputs must not depend on row order or threads either.
fn contexts(lsoas: usize) -> Vec<(footprint_ingest::ContextTable, footprint_ingest::FileInfo)> {
    let score: Vec<String> = (0..lsoas.saturating_sub(1)).map(|l| format!("L{l},{}.125", (l * 37) % 11)).collect();
    let class: Vec<String> = (0..lsoas.saturating_sub(1)).map(|l| format!("L{l},c{}", l % 3)).collect();
    let mut out = Vec::new();
    for (name, header, lines) in [("need_score", "LSOA11CD,need_score", score), ("kind", "LSOA11CD,kind", class)] {
        if lines.is_empty() {
            continue;
        }
        let file = InputFile::from_bytes(format!("{name}.csv"), csv(header, &lines));
        let kind = footprint_ingest::ContextKind::Named(name.into());
        out.extend(footprint_ingest::read_context(&file, &kind).unwrap().into_iter().map(|t| (t, file.info())));
    }
    out
}

fn outputs(loaded: &Loaded, job: &OverlapJob, threads: usize) -> Vec<(String, Vec<u8>)> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let analysis = footprint_run::analyse(loaded, job).unwrap();
        footprint_run::render(loaded, &analysis, job)
            .unwrap()
            .into_iter()
            .map(|(name, file)| (name, file.to_vec()))
            .collect()
    })
}

/// A seeded configuration: the same cases on every run, no regression files written.
fn config(cases: u32) -> Config {
    Config { cases, rng_seed: RngSeed::Fixed(20_220_701), failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn every_patient_is_accounted_for_and_shares_and_thresholds_hold(w in world()) {
        let f = files(&w);
        let loaded = load(&f);
        let job = job(&w);
        let table = footprint_run::analyse(&loaded, &job).unwrap().table;
        let a = &table.accounting;

        // Direct count from the world: patients per area (in the layer), unknown and outside.
        let mut population: BTreeMap<usize, u64> = BTreeMap::new();
        let (mut unknown, mut outside) = (0u64, 0u64);
        for &(_, l, n) in &w.rows {
            let area = w.lsoa_area[l];
            match area {
                a if a < w.areas => *population.entry(a).or_default() += u64::from(n),
                a if a == w.areas => outside += u64::from(n),
                _ => unknown += u64::from(n),
            }
        }
        let read: u64 = w.rows.iter().map(|r| u64::from(r.2)).sum();
        prop_assert_eq!(a.rows_read, w.rows.len() as u64);
        prop_assert_eq!(a.patients_read, read);
        prop_assert_eq!((a.patients_unknown_lsoa, a.patients_outside_layer), (unknown, outside));
        prop_assert!(a.balances());
        prop_assert_eq!(table.areas.len(), w.areas);
        for (i, r) in table.areas.iter().enumerate() {
            prop_assert_eq!(r.population, population.get(&i).copied().unwrap_or(0), "area M{}", i);
            let by_pcn: u64 = r.pcn_patients.iter().map(|p| p.1).sum();
            // Σ shares ≤ 1, exactly (no-PCN patients are in the denominator only) and as printed.
            prop_assert_eq!(by_pcn + r.patients_no_pcn, r.population);
            let shares: f64 = r.pcn_patients.iter().map(|p| r.share(p.1)).sum();
            prop_assert!(shares <= 1.0 + 1e-12, "Σ shares {}", shares);
            prop_assert_eq!(r.pcns_all as usize, r.pcn_patients.iter().filter(|p| p.1 > 0).count());
            // pcns_ge_t: exact against integer arithmetic, non-increasing in t, at most pcns_all.
            for (k, t) in w.thresholds.iter().enumerate() {
                let exact = r.pcn_patients.iter().filter(|p| r.population > 0 && p.1 * 1000 >= u64::from(*t) * r.population).count();
                prop_assert_eq!(r.pcns_at_or_above[k] as usize, exact, "t = {}/1000", t);
                prop_assert!(r.pcns_at_or_above[k] <= r.pcns_all);
                if k > 0 {
                    prop_assert!(r.pcns_at_or_above[k] <= r.pcns_at_or_above[k - 1]);
                }
            }
        }
        let assigned: u64 = table.areas.iter().map(|r| r.population).sum();
        prop_assert_eq!(assigned, a.patients_assigned);
    }
}

proptest! {
    #![proptest_config(config(100))]

    #[test]
    fn outputs_are_identical_under_row_permutation_and_thread_count(
        (w, order) in world().prop_flat_map(|w| {
            let f = files(&w);
            let shuffled = (
                Just((0..f.regs.len()).collect::<Vec<_>>()).prop_shuffle(),
                Just((0..f.map.len()).collect::<Vec<_>>()).prop_shuffle(),
                Just((0..f.lookup.len()).collect::<Vec<_>>()).prop_shuffle(),
                Just((0..f.features.len()).collect::<Vec<_>>()).prop_shuffle(),
            );
            (Just(w), shuffled)
        })
    ) {
        let f = files(&w);
        let job = job(&w);
        let loaded = load(&f);
        let reference = outputs(&loaded, &job, 1);
        prop_assert_eq!(reference.len(), 6);
        for threads in [2, 4] {
            prop_assert!(outputs(&loaded, &job, threads) == reference, "{} threads", threads);
        }
        let pick = |lines: &[String], order: &[usize]| order.iter().map(|&i| lines[i].clone()).collect::<Vec<_>>();
        let permuted = Files {
            regs: pick(&f.regs, &order.0),
            map: pick(&f.map, &order.1),
            lookup: pick(&f.lookup, &order.2),
            features: pick(&f.features, &order.3),
            lsoas: f.lsoas,
        };
        let mut loaded = load(&permuted);
        // Which duplicate rows come first depends on the order by definition: compare the rest.
        loaded.registrations.duplicate_rows = load(&f).registrations.duplicate_rows;
        for (threads, (name, bytes)) in [1, 4].into_iter().flat_map(|t| outputs(&loaded, &job, t).into_iter().map(move |o| (t, o))) {
            let expected = &reference.iter().find(|r| r.0 == name).unwrap().1;
            prop_assert!(&bytes == expected, "{} differs after permuting the rows ({} threads)", name, threads);
        }
    }
}
