//! Context outputs: on a hand-made world, the resident-weighted score, the deciles, the statistics of each
//! class and the PCN table against answers worked by hand; on the national data of both geographies, the
//! classes partition the MSOAs and their residents add up to the run's, and each MSOA's IMD score equals
//! the test's own weighting of the raw files.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use footprint_ingest::{ContextKind, LookupColumns, Vintage};
use footprint_overlap::write::schema::files;
use footprint_run::{AssignmentSource, ContextSource, OverlapJob, bundled_context, bundled_geography};

/// Three unit squares: M1, M2, M3.
const AREAS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"MSOA11CD":"M1","MSOA11NM":"One"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M2","MSOA11NM":"Two"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M3","MSOA11NM":"Three"},"geometry":{"type":"Polygon","coordinates":[[[2,0],[3,0],[3,1],[2,1],[2,0]]]}}
]}"#;

/// L1–L3 in M1, L4 in M2, L5 in M3.
const LOOKUP: &str = "LSOA11CD,MSOA11CD\nL1,M1\nL2,M1\nL3,M1\nL4,M2\nL5,M3\n";

/// A in P1, B in P2, C in P3.
const PRACTICES: &str = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\nB,P2,Two\nC,P3,Three\n";

/// M1: L1 40 (A 30, B 10), L2 10 (A), L3 5 (B): P1 40, P2 15 of 55.
/// M2: L4 21: P1 5, P2 15, P3 1. M3: L5 40: P2 20, P3 20.
const REGISTRATIONS: &str = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n\
A,L1,30\nA,L2,10\nA,L4,5\nB,L1,10\nB,L3,5\nB,L4,15\nB,L5,20\nC,L5,20\nC,L4,1\n";

/// Scores of L1, L2, L4, L5; L3 has none.
const IMD: &str = "lsoa11cd,imd_score\nL1,10\nL2,50\nL4,30\nL5,20\n";
/// M1 and M2 urban; M3 not in the file.
const RUC: &str = "msoa11_code,ruc11_code,ruc\nM1,A1,Urban\nM2,C1,Urban\nW9,E2,Rural\n";
/// L1 London; L2–L4 North; L5 not in the file.
const REGION: &str = "LSOA_CODE,REGION\nL1,London\nL2,North\nL3,North\nL4,North\n";

/// Writes the world into `dir` and runs it at 1% and 30%, returning every output file as text.
fn run_world(dir: &Path) -> BTreeMap<String, String> {
    let mut job = common::small_job(dir, [REGISTRATIONS, PRACTICES, AREAS, LOOKUP]);
    job.thresholds = vec!["1%".parse().unwrap(), "30%".parse().unwrap()];
    let context = |kind, name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        ContextSource { kind, path }
    };
    job.context = vec![
        context(ContextKind::Imd, "imd.csv", IMD),
        context(ContextKind::Ruc, "ruc.csv", RUC),
        context(ContextKind::Region, "region.csv", REGION),
    ];
    let out = dir.join("out");
    footprint_run::run(&job, &out).unwrap();
    std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// The rows of a CSV whose first field is `key` (or all when empty), only the columns named, each
/// row's fields joined by commas.
fn columns(csv: &str, key: &str, names: &[&str]) -> Vec<String> {
    fields_of(csv, key, names).iter().map(|f| f.join(",")).collect()
}

/// As [`columns`], each row's fields apart.
fn fields_of(csv: &str, key: &str, names: &[&str]) -> Vec<Vec<String>> {
    let mut lines = csv.lines();
    let header = common::fields(lines.next().unwrap());
    let idx: Vec<usize> = names.iter().map(|n| header.iter().position(|h| h == n).unwrap()).collect();
    lines
        .map(common::fields)
        .filter(|f| key.is_empty() || f[0] == key)
        .map(|f| idx.iter().map(|&i| f[i].clone()).collect())
        .collect()
}

fn check(outputs: &BTreeMap<String, String>, file: &str, key: &str, names: &[&str], expected: &[String]) {
    assert_eq!(columns(&outputs[file], key, names), expected, "{file} {key} {names:?}");
}

/// A float as the writers write it: the shortest round-trip form, without a trailing `.0`.
fn f(x: f64) -> String {
    let text = format!("{x:?}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

#[test]
fn context_columns_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_world(dir.path());
    // M1: (40·10 + 10·50) / 50 = 18, L3's 5 residents have no score; M2 30; M3 20.
    // Ranked by score, highest first: M2, M3, M1; with 3 MSOAs decile d holds ranks 3d/10..3(d+1)/10:
    // rank 0 in decile 4, rank 1 in 7, rank 2 in 10.
    let cols = ["msoa_code", "imd_score", "imd_decile", "ruc", "urban_rural", "region"];
    let expected = ["M1,18,10,A1,Urban,London", "M2,30,4,C1,Urban,North", "M3,20,7,,,"].map(String::from);
    check(&out, files::MSOA_OVERLAP_CSV, "", &cols, &expected);
}

#[test]
fn class_statistics_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_world(dir.path());
    let by = files::OVERLAP_BY_CONTEXT_CSV;
    let lead = ["class", "msoas", "residents", "residents_without_value"];
    // Urban: M1 and M2 (55 + 21); M3 (40) has no class, all 40 without a value.
    check(&out, by, "urban_rural", &lead, &["Urban,2,76,0".into(), "no class,1,40,40".into()]);
    // IMD deciles: M2 in 4, M3 in 7, M1 in 10 with L3's 5 residents unscored; empty deciles are not written.
    check(&out, by, "imd_decile", &lead, &["4,1,21,0".into(), "7,1,40,0".into(), "10,1,55,5".into()]);
    // Region: M1 London (40 against 15 North), M2 North, M3 none (L5 not in the file).
    check(&out, by, "region", &lead, &["London,1,55,0".into(), "North,1,21,0".into(), "no class,1,40,40".into()]);
    // Urban's counts: pcns_all 2 and 3 → mean 2.5, SD √0.5, median 2.5, P10 2.1, P90 2.9;
    // at 30%: M1 1 (P1 40/55), M2 1 (P2 15/21) → 1, 0, 1, 1, 1.
    // The no-class row is one MSOA: its SD is empty.
    let stats = ["pcns_all_mean", "pcns_all_sd", "pcns_all_median", "pcns_all_p10", "pcns_all_p90"];
    let urban = format!("2.5,{},2.5,2.1,2.9", f(0.5f64.sqrt()));
    check(&out, by, "urban_rural", &stats, &[urban, "2,,2,2,2".into()]);
    let at30 =
        ["pcns_ge_30pct_mean", "pcns_ge_30pct_sd", "pcns_ge_30pct_median", "pcns_ge_30pct_p10", "pcns_ge_30pct_p90"];
    check(&out, by, "urban_rural", &at30, &["1,0,1,1,1".into(), "2,,2,2,2".into()]);
    // hhi: M1 (40² + 15²)/55² = 1825/3025, M2 (5² + 15² + 1²)/21² = 251/441.
    let (h1, h2) = (1825.0 / 3025.0, 251.0 / 441.0);
    let hhi = format!("{},{}", f(f64::midpoint(h1, h2)), f(f64::midpoint(3025.0 / 1825.0, 441.0 / 251.0)));
    check(&out, by, "urban_rural", &["hhi_mean", "effective_pcns_mean"], &[hhi, f(0.5) + "," + &f(2.0)]);
}

#[test]
fn pcn_table_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_world(dir.path());
    let cols = [
        "pcn_code",
        "practices",
        "list_size",
        "msoas_any",
        "msoas_ge_1pct",
        "msoas_ge_30pct",
        "list_share_ge_1pct",
        "list_share_ge_30pct",
        "top_msoa",
        "list_share_top_msoa",
        "size_band",
    ];
    // P1: A's 45; in M1 (40 of 55) and M2 (5 of 21, 23.8%): at 30% only M1, 40/45; top M1.
    // P2: B's 50; M1 15/55 = 27.3%, M2 15/21, M3 20/40: at 30% M2 and M3, 35/50; top M3 20/50.
    // P3: C's 21; M2 1/21 = 4.8%, M3 20/40: at 30% M3, 20/21; top M3.
    let expected = [
        format!("P1,1,45,2,2,1,1,{},M1,{},<30k", f(40.0 / 45.0), f(40.0 / 45.0)),
        format!("P2,1,50,3,3,2,1,{},M3,{},<30k", f(0.7), f(0.4)),
        format!("P3,1,21,2,2,1,1,{},M3,{},<30k", f(20.0 / 21.0), f(20.0 / 21.0)),
    ];
    check(&out, files::PCNS_CSV, "", &cols, &expected);
}

#[test]
fn a_context_file_without_its_columns_is_an_error_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("imd.csv");
    std::fs::write(&path, "code,score_2019\nL1,3\n").unwrap();
    let mut job = OverlapJob::england_by_lookup(&fixtures().join("england-2011"));
    job.context = vec![ContextSource { kind: ContextKind::Imd, path: path.clone() }];
    let e = footprint_run::load(&job).err().unwrap().to_string();
    assert!(e.starts_with(&format!("{}: line 1: no column LSOA11CD or", path.display())), "{e}");
    assert!(e.ends_with("(found: code,score_2019)"), "{e}");
}

/// Every context's classes partition the MSOAs with residents (each in exactly one class, counted from
/// `msoa_overlap.csv` itself) and their residents add up to the run's assigned patients.
fn check_partition(job: &OverlapJob) -> (footprint_run::Loaded, footprint_run::Analysis) {
    let loaded = footprint_run::load(job).unwrap();
    let analysis = footprint_run::analyse(&loaded, job).unwrap();
    let files = footprint_run::render(&loaded, &analysis, job).unwrap();
    let text = |name: &str| String::from_utf8(files.iter().find(|f| f.0 == name).unwrap().1.to_vec()).unwrap();
    let (overlap, by) = (text(files::MSOA_OVERLAP_CSV), text(files::OVERLAP_BY_CONTEXT_CSV));
    let populated = analysis.table.areas.iter().filter(|r| r.population > 0).count();
    let contexts: Vec<String> = analysis.context.contexts.iter().map(|c| c.class_name()).collect();
    for (context, area_context) in contexts.iter().zip(&analysis.context.contexts) {
        let rows = fields_of(&by, context, &["class", "msoas", "residents"]);
        let (mut msoas, mut residents) = (0u64, 0u64);
        for f in &rows {
            msoas += f[1].parse::<u64>().unwrap();
            residents += f[2].parse::<u64>().unwrap();
        }
        assert_eq!(msoas, populated as u64, "{context}: MSOAs");
        assert_eq!(residents, analysis.table.accounting.patients_assigned, "{context}: residents");
        // The class of each MSOA as written, counted: the rows' MSOAs exactly.
        let column = area_context.columns().pop().unwrap();
        if context == "density_decile" {
            continue; // not a column of msoa_overlap.csv: its deciles are checked by the report's own
        }
        let mut counted: BTreeMap<String, u64> = BTreeMap::new();
        for f in fields_of(&overlap, "", &[&column, "population"]) {
            let (value, population) = (f[0].as_str(), f[1].as_str());
            if population != "0" {
                *counted.entry(if value.is_empty() { "no class".into() } else { value.to_owned() }).or_default() += 1;
            }
        }
        let from_rows: BTreeMap<String, u64> = rows.iter().map(|f| (f[0].clone(), f[1].parse().unwrap())).collect();
        assert_eq!(counted, from_rows, "{context}");
    }
    (loaded, analysis)
}

/// The national July 2022 run on the 2011 geography: the partition, and every MSOA's IMD 2019 score and
/// decile equal to the test's own weighting of the raw registrations, lookup and IMD files.
#[test]
fn national_2011_partition_and_imd_weighting() {
    let job = OverlapJob::england_by_lookup(&fixtures().join("england-2011"));
    let (loaded, analysis) = check_partition(&job);
    let text = |p: &Path| String::from_utf8(footprint_ingest::InputFile::read(p).unwrap().content().to_vec()).unwrap();
    let lookup: BTreeMap<String, String> = text(&fixtures().join("england-2011/lsoa11_msoa11_lookup.csv.gz"))
        .lines()
        .skip(1)
        .map(|l| {
            let f = common::fields(l);
            (f[0].clone(), f[1].clone())
        })
        .collect();
    let imd: BTreeMap<String, f64> = text(&fixtures().join("area-context/imd2019_lsoa11.csv.gz"))
        .lines()
        .skip(1)
        .map(|l| {
            let f = common::fields(l);
            (f[0].clone(), f[4].parse().unwrap())
        })
        .collect();
    // Residents per LSOA from the raw registrations: the last three fields are LSOA_CODE, SEX and
    // NUMBER_OF_PATIENTS (a practice name before them may hold a quoted comma).
    let mut residents: BTreeMap<String, u64> = BTreeMap::new();
    let regs = text(&job.registrations);
    assert!(regs.starts_with("PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS"));
    for line in regs.lines().skip(1) {
        let f: Vec<&str> = line.rsplitn(4, ',').collect();
        *residents.entry(f[2].to_owned()).or_default() += f[0].trim().parse::<u64>().unwrap();
    }
    // Σ n·s and Σ n per MSOA, LSOAs in code order (the order the run sums in).
    let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (code, &n) in &residents {
        if let (Some(msoa), Some(s)) = (lookup.get(code), imd.get(code)) {
            let e = sums.entry(msoa.as_str()).or_default();
            e.0 += n as f64 * s;
            e.1 += n as f64;
        }
    }
    let footprint_overlap::AreaValues::Score { score, decile, .. } = &analysis.context.contexts[0].values else {
        panic!("imd is a score")
    };
    let mut mine: Vec<(f64, &str)> = sums.iter().map(|(m, (s, w))| (s / w, *m)).collect();
    mine.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let n = mine.len();
    assert_eq!(n, 6_791);
    for (rank, (s, code)) in mine.iter().enumerate() {
        let area = loaded.layer.find(code).unwrap().index();
        assert_eq!(score[area], Some(*s), "{code}");
        // Decile d (1-based) holds ranks (d − 1)·n/10 to d·n/10.
        let expected = (1..=10u8).find(|&d| usize::from(d) * n / 10 > rank);
        assert_eq!(decile[area], expected, "{code}");
    }
}

/// The national July 2022 run on the 2021 geography (its LSOA 2011 codes converted) with the bundled
/// IoD 2025, RUC 2021, region and ICB: the partition, and every English code valued.
#[test]
fn national_2021_partition_and_coverage() {
    let (areas, lookup) = bundled_geography(&fixtures(), Vintage::Census2021);
    let mut job = OverlapJob::england_by_lookup(&fixtures().join("england-2011"));
    job.areas = areas;
    job.assignment = AssignmentSource::Lookup { path: lookup, columns: LookupColumns::default() };
    job.vintage = footprint_run::VintageRule::Checked {
        geography: Some(Vintage::Census2021),
        mismatch: footprint_run::Mismatch::Convert,
        conversion: footprint_run::ConversionFiles::bundled(&fixtures()),
    };
    job.context = bundled_context(&fixtures(), Vintage::Census2021);
    let (_, analysis) = check_partition(&job);
    for c in &analysis.context.contexts {
        assert_eq!(c.residents_without_value.iter().sum::<u64>(), 0, "{}", c.name);
    }
    assert_eq!(
        analysis.context.contexts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["imd", "ruc", "urban_rural", "region", "icb", "density"]
    );
}

/// The Rural-Urban Classification by LSOA 2011 (../shared/data), each MSOA given the class of most of its
/// residents, against the MSOAs' own classification: the same class for nearly every MSOA.
#[test]
fn lsoa_ruc_by_residents_agrees_with_the_msoa_classification() {
    let Some(ruc_lsoa) = common::require("area-context/ruc11_lsoa11.csv") else { return };
    let mut job = OverlapJob::england_by_lookup(&fixtures().join("england-2011"));
    job.context = vec![
        ContextSource { kind: ContextKind::Ruc, path: fixtures().join("area-context/ruc11_msoa11.csv.gz") },
        ContextSource { kind: ContextKind::Named("lsoa_ruc".into()), path: ruc_lsoa },
    ];
    let loaded = footprint_run::load(&job);
    // The LSOA file names its class column ruc11_code, not lsoa_ruc: the error names the columns found.
    let e = loaded.err().unwrap().to_string();
    assert!(e.ends_with("(found: lsoa11_code,ruc11_code,ruc,classification)"), "{e}");
    job.context[1].kind = ContextKind::Ruc;
    let loaded = footprint_run::load(&job).unwrap();
    let analysis = footprint_run::analyse(&loaded, &job).unwrap();
    let (by_msoa, by_lsoa) = (&analysis.context.contexts[0], &analysis.context.contexts[2]);
    let (labels_m, of_m) = by_msoa.classes();
    let (labels_l, of_l) = by_lsoa.classes();
    let same = of_m
        .iter()
        .zip(&of_l)
        .filter(|(a, b)| a.map(|a| &labels_m[a as usize]) == b.map(|b| &labels_l[b as usize]))
        .count();
    assert_eq!(by_lsoa.residents_without_value.iter().sum::<u64>(), 0);
    // 6,583 of 6,791 (97%) on the July 2022 registrations.
    assert!(same * 100 >= of_m.len() * 95, "{same} of {} MSOAs agree", of_m.len());
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}
