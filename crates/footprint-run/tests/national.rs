//! Real-data checks on the national July 2022 files committed in fixtures/england-2011.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use footprint_index::compare_paths;
use footprint_index::{AreaIndex, Placement, assign_by_centroids};
use footprint_ingest::{InputFile, read_registrations};
use footprint_overlap::write::differences_csv;
use footprint_run::{Loaded, OverlapJob};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The bundled national job, counting at 1% and 0.5%.
fn with_half_percent(mut job: OverlapJob) -> OverlapJob {
    job.thresholds.push("0.005".parse().unwrap());
    job
}

fn lookup_job() -> OverlapJob {
    with_half_percent(OverlapJob::england_by_lookup(&fixtures().join("england-2011")))
}

fn centroid_job() -> OverlapJob {
    with_half_percent(OverlapJob::england_by_centroids(&fixtures().join("england-2011"), 100.0))
}

fn render_bytes(loaded: &Loaded, job: &OverlapJob) -> Vec<(String, Vec<u8>)> {
    let analysis = footprint_run::analyse(loaded, job).unwrap();
    footprint_run::render(loaded, &analysis, job)
        .unwrap()
        .into_iter()
        .map(|(name, file)| (name, file.to_vec()))
        .collect()
}

/// The figures the data's PROVENANCE states (counted there independently of this code).
#[test]
fn national_lookup_run_accounts_for_every_patient() {
    let job = lookup_job();
    let loaded = footprint_run::load(&job).unwrap();
    let analysis = footprint_run::analyse(&loaded, &job).unwrap();
    let t = &analysis.table;
    let a = &t.accounting;
    assert_eq!(a.rows_read, 865_965);
    assert_eq!(a.patients_read, 61_768_942);
    assert_eq!(loaded.registrations.practices.len(), 6_484);
    assert_eq!(t.areas.len(), 6_791);
    assert!(a.balances());
    // NO2011: 4,448 rows, 27,415 patients, all unknown to the lookup.
    let no2011 = a.unplaced.iter().find(|u| u.code.as_str() == "NO2011").unwrap();
    assert_eq!((no2011.rows, no2011.patients, no2011.placement), (4_448, 27_415, Placement::UnknownLsoa));
    assert_eq!(a.patients_unknown_lsoa, 27_415);
    // Welsh residents: 248 W01 rows; they are known to the lookup but outside the English MSOA layer.
    let welsh: Vec<_> = a.unplaced.iter().filter(|u| u.code.as_str().starts_with("W01")).collect();
    assert_eq!(welsh.iter().map(|u| u.rows).sum::<u64>(), 248);
    assert!(welsh.iter().all(|u| u.placement == Placement::OutsideLayer));
    assert_eq!(a.patients_outside_layer, welsh.iter().map(|u| u.patients).sum::<u64>());
    // 5 practices are missing from the January 2022 map, with 50,894 patients.
    assert_eq!(a.practices_not_in_map.len(), 5);
    assert_eq!(a.practices_not_in_map.iter().map(|p| p.1).sum::<u64>(), 50_894);
    // Population is conserved: the areas hold exactly the assigned patients.
    assert_eq!(t.areas.iter().map(|r| r.population).sum::<u64>(), a.patients_assigned);
    let by_pcn: u64 = t.areas.iter().flat_map(|r| r.pcn_patients.iter().map(|p| p.1)).sum();
    let no_pcn: u64 = t.areas.iter().map(|r| r.patients_no_pcn).sum();
    assert_eq!(by_pcn + no_pcn, a.patients_assigned);
    assert_eq!(no_pcn, a.patients_practice_no_pcn + a.patients_practice_not_in_map);
    for r in &t.areas {
        assert!(r.population > 0);
        assert!(r.pcns_at_or_above[0] <= r.pcns_at_or_above[1] && r.pcns_at_or_above[1] <= r.pcns_all);
    }
}

/// The lookup path is authoritative; the centroid path differs only where an LSOA's population-weighted
/// centroid lies across a generalised MSOA boundary. The list is golden (regenerate with the
/// `compare_paths` example) and every per-MSOA difference must be explained by it.
#[test]
fn centroid_path_differs_from_lookup_only_by_the_listed_lsoas() {
    let lookup_job = lookup_job();
    let loaded = footprint_run::load(&lookup_job).unwrap();
    let by_lookup = footprint_run::analyse(&loaded, &lookup_job).unwrap();
    let centroid_job = centroid_job();
    let centroid_loaded = footprint_run::load(&centroid_job).unwrap();
    let footprint_index::LsoaPlaces::Centroids { centroids, .. } = &centroid_loaded.places else { panic!("centroids") };
    let index = AreaIndex::new(&loaded.layer.areas, loaded.layer.crs);
    let by_centroid = assign_by_centroids(&loaded.registrations.lsoas, centroids, &index, 100.0);
    let differences =
        compare_paths(&loaded.registrations, &loaded.layer, &by_lookup.assignment, &by_centroid, centroids, &index);
    let golden = std::fs::read_to_string(fixtures().join("golden/centroid_vs_lookup.csv")).unwrap();
    assert_eq!(differences_csv(&differences), golden);
    assert!(differences.iter().all(|d| d.how == "located" && d.metres_from_lookup_area.unwrap() < 20.0));

    // MSOA by MSOA: population(centroid) - population(lookup) = patients moved in - patients moved out.
    let centroid_table = footprint_run::analyse(&centroid_loaded, &centroid_job).unwrap().table;
    assert_eq!(centroid_table.areas.len(), by_lookup.table.areas.len());
    let mut differing = 0;
    for (l, c) in by_lookup.table.areas.iter().zip(&centroid_table.areas) {
        let code = loaded.layer.areas[l.area.index()].code.as_str();
        let moved_in: u64 = differences.iter().filter(|d| d.centroid_area == code).map(|d| d.patients).sum();
        let moved_out: u64 = differences.iter().filter(|d| d.lookup_area == code).map(|d| d.patients).sum();
        assert_eq!(c.population + moved_out, l.population + moved_in, "MSOA {code}");
        if moved_in == 0 && moved_out == 0 {
            assert_eq!(c, l, "MSOA {code} has no moved LSOA but different figures");
        } else {
            differing += 1;
        }
    }
    assert!(differing > 0 && differing <= 2 * differences.len());
    assert!(centroid_table.accounting.balances());
}

/// Same bytes with 1 thread and with 4, and whatever the row order of the registrations.
#[test]
fn outputs_do_not_depend_on_threads_or_row_order() {
    let job = lookup_job();
    let loaded = footprint_run::load(&job).unwrap();
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| render_bytes(&loaded, &job));
    let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap().install(|| render_bytes(&loaded, &job));
    assert_eq!(one.len(), 6);
    for ((name, a), (_, b)) in one.iter().zip(&four) {
        assert!(a == b, "{name} differs between 1 and 4 threads");
    }

    // Reverse the data rows of the registrations file and read it again: new interning order, same outputs.
    let original = InputFile::read(&job.registrations).unwrap();
    let text = std::str::from_utf8(original.content()).unwrap();
    let mut lines: Vec<&str> = text.split_terminator("\r\n").collect();
    lines[1..].reverse();
    let reversed = InputFile::from_bytes(&job.registrations, (lines.join("\r\n") + "\r\n").into_bytes());
    let mut shuffled = footprint_run::load(&job).unwrap();
    shuffled.registrations = read_registrations(&reversed).unwrap();
    assert_ne!(shuffled.registrations.practices[0], loaded.registrations.practices[0]);
    let again = render_bytes(&shuffled, &job);
    for ((name, a), (_, b)) in one.iter().zip(&again) {
        assert!(a == b, "{name} differs when the rows are reversed");
    }
}

/// Every national footprint is written as the writer's screen writes it, whether the coverage's grid
/// check vouched for it (and it skipped the screen) or not; the check vouches for most of them.
#[test]
fn national_footprints_vouched_for_are_written_as_screened() {
    use footprint_footprints::{FootprintLevel, FootprintSpec};
    use footprint_ingest::Crs;
    use footprint_overlap::write::{Grid, Snap, written};
    use footprint_run::FootprintJob;
    let job = OverlapJob {
        footprints: Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() }),
        ..OverlapJob::england_by_lookup(&fixtures().join("england-2011"))
    };
    let loaded = footprint_run::load(&job).unwrap();
    let analysis = footprint_run::analyse(&loaded, &job).unwrap();
    let drawn = analysis.footprints.as_ref().unwrap();
    let crs = loaded.layer.crs;
    let grid = Grid { from: crs, to: Crs::Wgs84 };
    let check = footprint_run::footprint_coverage(&loaded, &job).unwrap().unwrap().grid_check(grid);
    let mut vouched = 0;
    for (f, w) in drawn.footprints.iter().zip(&drawn.wgs84) {
        vouched += usize::from(check.snap(&f.shape, f.dissolve, grid) == Snap::Vouched);
        assert_eq!(*w, written(&f.shape.0, crs, Crs::Wgs84), "footprint of {:?} by {:?}", f.pcn, f.method);
    }
    // 3,641 of 3,755 on the MSOA 2011 layer, whose 142 suspect vertices are in the others.
    assert!(
        vouched * 20 > drawn.footprints.len() * 19,
        "{vouched} of {} vouched; {} suspect vertices",
        drawn.footprints.len(),
        check.suspects()
    );
}
