//! Both census geographies on real data: Staffordshire's October 2025 registrations (LSOA 2021 codes) on
//! the 2011 and the 2021 MSOAs, and the national July 2022 registrations (LSOA 2011 codes) on the 2021
//! MSOAs, each against a computation of the test's own from the raw files.
//!
//! The Staffordshire files are read from ../shared/data (without them those tests say which file is
//! missing and pass; under `CI=true` they fail); the national files are in fixtures/.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
use common::{require, rows};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use footprint_index::Placement;
use footprint_ingest::{LookupColumns, Vintage};
use footprint_overlap::{OverlapTable, Threshold};
use footprint_run::{AssignmentSource, ConversionFiles, Mismatch, OverlapJob, VintageRule, bundled_geography};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A run on the bundled geography of `geography`, converting codes of the other census.
fn job(registrations: PathBuf, practices: PathBuf, geography: Vintage) -> OverlapJob {
    let (areas, lookup) = bundled_geography(&fixtures(), geography);
    OverlapJob {
        registrations,
        practices,
        areas,
        area_fields: footprint_ingest::AreaFields::default(),
        assignment: AssignmentSource::Lookup { path: lookup, columns: LookupColumns::default() },
        thresholds: vec![Threshold::ONE_PERCENT],
        footprints: None,
        output: Default::default(),
        vintage: VintageRule::Checked {
            geography: Some(geography),
            mismatch: Mismatch::Convert,
            conversion: ConversionFiles::bundled(&fixtures()),
        },
        context: Vec::new(),
        prepared: Default::default(),
    }
}

fn run(job: &OverlapJob) -> (footprint_run::Loaded, footprint_run::Analysis) {
    let loaded = footprint_run::load(job).unwrap();
    let analysis = footprint_run::analyse(&loaded, job).unwrap();
    (loaded, analysis)
}

/// Column `a` → column `b` of a CSV.
fn mapping(path: &Path, a: &str, b: &str) -> HashMap<String, String> {
    rows(path).into_iter().map(|r| (r[a].clone(), r[b].clone())).collect()
}

/// The exact-fit pieces as (LSOA 2011, LSOA 2021).
fn pieces() -> Vec<(String, String)> {
    rows(&fixtures().join("england-2021/lsoa11_lsoa21_exact_fit_lookup.csv.gz"))
        .into_iter()
        .map(|r| (r["lsoa11_code"].clone(), r["lsoa21_code"].clone()))
        .collect()
}

/// Per area code: population, PCNs with patients, PCNs with at least 1%, hhi, top PCN (ties to the smaller code).
type Expected = BTreeMap<String, (u64, u32, u32, Option<f64>, Option<String>)>;

/// The same figures from a count of (area, PCN) patients, computed here.
fn expected(counts: &BTreeMap<(String, String), u64>, areas: &[String]) -> Expected {
    let mut out: Expected = areas.iter().map(|a| (a.clone(), (0, 0, 0, None, None))).collect();
    let mut by_area: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
    for ((area, pcn), &n) in counts {
        by_area.entry(area).or_default().push((pcn, n));
    }
    for (area, pcns) in by_area {
        let population: u64 = pcns.iter().map(|p| p.1).sum();
        let in_pcns: Vec<&(&str, u64)> = pcns.iter().filter(|p| p.0 != "U" && p.1 > 0).collect();
        let at_1pct = in_pcns.iter().filter(|p| 100 * p.1 >= population).count() as u32;
        let squares: u128 = in_pcns.iter().map(|p| u128::from(p.1) * u128::from(p.1)).sum();
        let hhi = (squares > 0).then(|| squares as f64 / (u128::from(population) * u128::from(population)) as f64);
        let top = in_pcns.iter().fold(None::<(&str, u64)>, |best, p| match best {
            Some(b) if b.1 >= p.1 => Some(b),
            _ => Some((p.0, p.1)),
        });
        out.insert(area.to_owned(), (population, in_pcns.len() as u32, at_1pct, hhi, top.map(|t| t.0.to_owned())));
    }
    out
}

/// The same figures from the run.
fn measured(table: &OverlapTable, loaded: &footprint_run::Loaded) -> Expected {
    table
        .areas
        .iter()
        .map(|r| {
            let code = loaded.layer.areas[r.area.index()].code.0.clone();
            let top = r.top.map(|(p, _)| loaded.practices.pcns[p.index()].code.0.clone());
            (code, (r.population, r.pcns_all, r.pcns_at_or_above[0], r.hhi, top))
        })
        .collect()
}

/// Staffordshire's registrations and the national practice map of October 2025, if they are there.
fn staffs() -> Option<(PathBuf, PathBuf)> {
    let regs = require("staffs-stoke-lsoa21-2025/SSOT_GP_Patients_Oct25.clean.csv");
    let map = require("staffs-stoke-lsoa21-2025/gp-reg-pat-prac-map_01Oct2025.csv");
    regs.zip(map)
}

/// Staffordshire's October 2025 registrations on the 2011 geography: every one of the 239 English LSOA
/// 2021 codes new since 2011 is converted, no E01 code is unknown, every patient in an English LSOA is
/// assigned (1,208,850), none of Staffordshire's LSOAs spans two MSOAs 2011 (the list of apportioned LSOAs
/// is empty), and every MSOA's population equals the test's own conversion through the exact-fit lookup.
#[test]
fn staffordshire_2025_on_the_2011_geography() {
    let Some((regs, map)) = staffs() else { return };
    let (loaded, analysis) = run(&job(regs.clone(), map, Vintage::Census2011));
    let a = &analysis.table.accounting;
    let raw = rows(&regs);
    let english: u64 = raw
        .iter()
        .filter(|r| r["LSOA_CODE"].starts_with("E01"))
        .map(|r| r["NUMBER_OF_PATIENTS"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(english, 1_208_850);
    assert_eq!(a.patients_assigned, english);
    assert!(a.balances());
    assert!(a.unplaced.iter().all(|u| !u.code.as_str().starts_with("E01")), "{:?}", a.unplaced);
    let c = analysis.assignment.conversion.as_ref().unwrap();
    assert_eq!((c.mix.only_2021.codes, c.mix.only_2011.codes), (240, 0)); // 239 English, 1 Welsh
    assert_eq!(a.patients_converted, 42_181);
    assert!(c.apportioned.is_empty());
    let summary: serde_json::Value =
        serde_json::from_slice(&footprint_overlap::write::summary_json(&analysis.summary_inputs(&loaded))).unwrap();
    assert_eq!(summary["geography"]["apportioned_lsoas"], serde_json::json!([]));
    assert_eq!(summary["geography"]["registrations"], "2021");

    // The test's own conversion: an LSOA 2021 goes to the MSOA 2011 of its 2011 pieces (one for each here).
    let msoa11 = mapping(&fixtures().join("england-2011/lsoa11_msoa11_lookup.csv.gz"), "LSOA_CODE", "MSOA_CODE");
    let mut parents: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (l11, l21) in pieces() {
        parents.entry(l21).or_default().insert(msoa11[&l11].clone());
    }
    let mut population: BTreeMap<String, u64> = BTreeMap::new();
    for r in raw.iter().filter(|r| r["LSOA_CODE"].starts_with("E01")) {
        let areas = &parents[&r["LSOA_CODE"]];
        assert_eq!(areas.len(), 1, "{}", r["LSOA_CODE"]);
        *population.entry(areas.first().unwrap().clone()).or_default() +=
            r["NUMBER_OF_PATIENTS"].parse::<u64>().unwrap();
    }
    let got: BTreeMap<String, u64> =
        measured(&analysis.table, &loaded).into_iter().filter(|(_, m)| m.0 > 0).map(|(code, m)| (code, m.0)).collect();
    assert_eq!(got, population);
}

/// Staffordshire's October 2025 registrations on the 2021 geography, on every one of the 6,856 MSOAs:
/// population, PCNs, PCNs at 1%, hhi and top PCN equal those computed here from the file's own PCN
/// column and the LSOA 2021 → MSOA 2021 lookup.
#[test]
fn staffordshire_2025_on_the_2021_geography_equals_a_count_of_its_own() {
    let Some((regs, map)) = staffs() else { return };
    let (loaded, analysis) = run(&job(regs.clone(), map, Vintage::Census2021));
    assert_eq!(analysis.table.areas.len(), 6_856);
    let c = analysis.assignment.conversion.as_ref().unwrap();
    assert_eq!(analysis.table.accounting.patients_converted, 0);
    assert!(c.apportioned.is_empty());
    let msoa21 = mapping(&fixtures().join("england-2021/lsoa21_msoa21_lookup.csv.gz"), "LSOA21CD", "MSOA21CD");
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in rows(&regs) {
        if let Some(area) = msoa21.get(&r["LSOA_CODE"]) {
            *counts.entry((area.clone(), r["PCN_CODE"].clone())).or_default() +=
                r["NUMBER_OF_PATIENTS"].parse::<u64>().unwrap();
        }
    }
    let areas: Vec<String> = loaded.layer.areas.iter().map(|a| a.code.0.clone()).collect();
    let want = expected(&counts, &areas);
    let got = measured(&analysis.table, &loaded);
    assert_eq!(got.values().filter(|m| m.0 > 0).count(), 1_820);
    for (code, w) in &want {
        assert_eq!(&got[code], w, "{code}");
    }
    assert_eq!(got.len(), want.len());
}

/// Largest remainder, written again here: `n` by integer weights, the leftovers to the largest remainders
/// (ties to the earlier).
fn split(n: u64, weights: &[u64]) -> Vec<u64> {
    let total: u64 = weights.iter().sum();
    let mut parts: Vec<(u64, u64, usize)> =
        weights.iter().enumerate().map(|(i, &w)| (n * w / total, n * w % total, i)).collect();
    let left = n - parts.iter().map(|p| p.0).sum::<u64>();
    let mut order = parts.clone();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    for o in order.iter().take(usize::try_from(left).unwrap()) {
        parts[o.2].0 += 1;
    }
    parts.into_iter().map(|p| p.0).collect()
}

/// The national July 2022 registrations (LSOA 2011 codes) on the 2021 geography: 6,856 MSOAs, every patient
/// accounted for, the 38 LSOAs 2011 whose 2021 pieces lie in two MSOAs found here too and apportioned as
/// computed here, and every MSOA's population equal to the test's own conversion.
#[test]
fn national_july_2022_on_the_2021_geography() {
    let national = fixtures().join("england-2011");
    let (loaded, analysis) = run(&job(
        national.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
        national.join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
        Vintage::Census2021,
    ));
    let (table, a) = (&analysis.table, &analysis.table.accounting);
    assert_eq!(table.areas.len(), 6_856);
    assert!(table.areas.iter().all(|r| r.population > 0));
    assert_eq!(
        (a.patients_read, a.patients_assigned, a.patients_unknown_lsoa, a.patients_outside_layer),
        (61_768_942, 61_727_641, 27_415, 13_886)
    );
    assert!(a.balances());
    assert_eq!(table.areas.iter().map(|r| r.population).sum::<u64>(), a.patients_assigned);
    assert_eq!((a.patients_converted, a.patients_apportioned), (3_520_665, 183_449));

    // The test's own conversion: each LSOA 2011 to the MSOAs 2021 of its pieces, with how many pieces each.
    let msoa21 = mapping(&fixtures().join("england-2021/lsoa21_msoa21_lookup.csv.gz"), "LSOA21CD", "MSOA21CD");
    let mut targets: HashMap<String, BTreeMap<String, u64>> = HashMap::new();
    let mut renamed: HashMap<String, bool> = HashMap::new();
    for (l11, l21) in pieces() {
        *renamed.entry(l11.clone()).or_default() |= l11 != l21;
        if let Some(m) = msoa21.get(&l21) {
            *targets.entry(l11).or_default().entry(m.clone()).or_default() += 1;
        }
    }
    let spanning: BTreeSet<&String> = targets.iter().filter(|(_, t)| t.len() > 1).map(|(l, _)| l).collect();
    assert_eq!(spanning.len(), 38);
    let c = analysis.assignment.conversion.as_ref().unwrap();
    let listed: BTreeSet<&String> = c.apportioned.iter().map(|x| &x.code.0).collect();
    assert_eq!(listed, spanning);
    let mut population: BTreeMap<String, u64> = BTreeMap::new();
    let mut lsoa_patients: HashMap<&str, u64> = HashMap::new();
    for row in &loaded.registrations.rows {
        *lsoa_patients.entry(loaded.registrations.lsoas[row.lsoa.index()].as_str()).or_default() +=
            u64::from(row.patients);
    }
    for (code, &n) in &lsoa_patients {
        let Some(t) = targets.get(*code) else { continue }; // NO2011, Welsh codes: not in an English MSOA 2021
        let weights: Vec<u64> = t.values().copied().collect();
        for (area, part) in t.keys().zip(split(n, &weights)) {
            *population.entry(area.clone()).or_default() += part;
        }
    }
    let got: BTreeMap<String, u64> =
        table.areas.iter().map(|r| (loaded.layer.areas[r.area.index()].code.0.clone(), r.population)).collect();
    assert_eq!(got, population);
    // Each apportioned LSOA's patients per area, as split here.
    for ap in &c.apportioned {
        let t = &targets[&ap.code.0];
        let areas: Vec<String> = ap
            .targets
            .iter()
            .map(|(p, _)| match p {
                Placement::Area(id) => loaded.layer.areas[id.index()].code.0.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(areas, t.keys().cloned().collect::<Vec<_>>());
        assert_eq!(ap.patients, split(lsoa_patients[ap.code.as_str()], &t.values().copied().collect::<Vec<_>>()));
    }
    // Every 2011-only code was converted: 1,038 of them.
    let converted = c.converted.iter().filter(|&&x| x).count();
    let retired = loaded.registrations.lsoas.iter().filter(|l| renamed.get(l.as_str()) == Some(&true)).count();
    assert_eq!((converted, retired), (1_038, 1_038));
}
