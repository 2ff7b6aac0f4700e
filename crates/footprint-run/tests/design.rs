//! `footprint design` on real data: Pennine Lancashire's 13 neighbourhoods and Trafford's 4 localities
//! against designs of as many patches, every patch contiguous and every LSOA in one; and the national
//! design by district, byte for byte the same on 1 and 2 threads. Reads ../shared/data (skipped when
//! absent, failing under CI=true).

#![allow(clippy::unwrap_used)] // the shared test helpers: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::require;
use footprint_design::{Bounds, DesignSpec, Fit, PatchBounds, Target};
use footprint_footprints::{Coverage, coincidence_tolerance};
use footprint_ingest::{AreaFields, LayerKind, LookupColumns, read_area_layer};
use footprint_overlap::Threshold;
use footprint_run::{
    AlignJob, DesignJob, DesignReport, Output, RegionSource, TeamApportionment, TeamSource, align_run, design_run,
};

fn design_job(
    registrations: PathBuf,
    practices: PathBuf,
    lsoas: PathBuf,
    regions: RegionSource,
    target: Target,
) -> DesignJob {
    DesignJob {
        registrations,
        practices,
        lsoa_areas: lsoas,
        lsoa_fields: AreaFields::default(),
        regions,
        spec: DesignSpec { target, ..DesignSpec::default() },
        thresholds: vec![Threshold::ONE_PERCENT],
        core_share: "0.8".parse::<Threshold>().expect("a share"),
        output: Output::default(),
    }
}

/// The published layer's alignment index and its smallest and largest team (the bounds it implies).
fn published(registrations: &Path, practices: &Path, teams: &Path, lsoas: &Path) -> (f64, Bounds) {
    let job = AlignJob {
        registrations: registrations.to_owned(),
        practices: practices.to_owned(),
        teams: TeamSource::Layer {
            path: teams.to_owned(),
            fields: AreaFields { kind: LayerKind::Teams, ..AreaFields::default() },
            apportionment: TeamApportionment::AreaWeighted {
                lsoa_areas: lsoas.to_owned(),
                fields: AreaFields::default(),
                min_piece: 0.01,
            },
        },
        thresholds: vec![Threshold::ONE_PERCENT],
        core_share: "0.8".parse::<Threshold>().expect("a share"),
        output: Output::default(),
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let a = align_run(&job, dir.path()).expect("the published layer aligns").alignment;
    let sizes: Vec<u64> = a.team_measures.iter().map(|t| t.overlap.population).collect();
    let bounds =
        Bounds { min: sizes.iter().copied().min().unwrap_or(0), max: sizes.iter().copied().max().unwrap_or(0) };
    (a.index().expect("team residents"), bounds)
}

/// Every LSOA of the layer (or of the regions designed) in exactly one patch, and every patch in one
/// piece through shared edges, but for pieces the design joined across a gap.
fn assert_contiguous_partition(report: &DesignReport, lsoas: &Path, designed: usize) {
    let (layer, _) = read_area_layer(lsoas, &AreaFields::default()).expect("the LSOA layer");
    let coverage =
        Coverage::new(layer.areas.iter().map(|a| a.geometry.clone()).collect(), coincidence_tolerance(layer.crs));
    let graph = footprint_design::Graph::from_pairs(layer.areas.len(), &coverage.shared_edges());
    let mut seen = vec![0u32; layer.areas.len()];
    for p in &report.design.patches {
        p.cells.iter().for_each(|&c| seen[c as usize] += 1);
        let inside: rustc_hash::FxHashSet<u32> = p.cells.iter().copied().collect();
        let mut reached = vec![p.cells[0]];
        let mut done: rustc_hash::FxHashSet<u32> = reached.iter().copied().collect();
        let mut i = 0;
        while i < reached.len() {
            for &n in graph.neighbours(reached[i]) {
                if inside.contains(&n) && done.insert(n) {
                    reached.push(n);
                }
            }
            i += 1;
        }
        assert!(reached.len() == p.cells.len() || p.bridged, "patch {} is in one piece", p.id);
    }
    assert_eq!(seen.iter().filter(|&&n| n == 1).count(), designed, "LSOAs in exactly one patch");
    assert!(seen.iter().all(|&n| n <= 1), "no LSOA in two patches");
}

/// Pennine Lancashire, 13 patches of 30,000-50,000 (tighter than the published neighbourhoods,
/// 20,364-73,640): a higher index than the 13 neighbourhoods' 72.1%.
#[test]
fn pennine_lancashire_designed_beats_its_neighbourhoods() {
    let Some(regs) = require("pennine-lancashire/lsoapops.csv") else { return };
    let Some(map) = require("pennine-lancashire/PCNdefs.csv") else { return };
    let Some(lsoas) = require("pennine-lancashire/lsoa.geojson") else { return };
    let Some(nhoods) = require("pennine-lancashire/Pennine_Nhoods_2018_13nhoods.geojson") else { return };
    let (index, implied) = published(&regs, &map, &nhoods, &lsoas);
    assert_eq!(format!("{:.1}", index * 100.0), "72.1");
    assert_eq!((implied.min, implied.max), (20_364, 73_640));
    let target = Target::Patches { count: 13, bounds: PatchBounds::Given(Bounds::PCN_SIZED) };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let job = design_job(regs, map, lsoas.clone(), RegionSource::Whole, target);
    let report = design_run(&job, dir.path()).expect("a design");
    let designed = report.alignment.index().expect("residents");
    eprintln!("Pennine Lancashire: designed {designed:.4} against the neighbourhoods' {index:.4}");
    assert!(designed > index, "designed {designed} against {index}");
    assert_eq!(report.design.patches.len(), 13);
    assert!(report.design.patches.iter().all(|p| p.fit == Fit::Within));
    // One region: the design's own objective is the index footprint-align measures.
    assert_eq!(report.design.regional_index(), report.alignment.index());
    assert_contiguous_partition(&report, &lsoas, 343);
    for name in ["design_patches.geojson", "design_patches.csv", "design_lsoas.csv", "team_alignment.csv"] {
        assert!(dir.path().join(name).is_file(), "{name} written");
    }
}

/// Trafford, 4 patches within the bounds the 2023 localities imply (their smallest and largest): a
/// higher index than either definition of the localities (92.6% and 91.2%).
#[test]
fn trafford_designed_beats_its_localities() {
    let Some(regs) = require("england-2011/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz") else { return };
    let Some(map) = require("england-2011/gp-reg-pat-prac-map_01Jan2022.csv") else { return };
    let Some(lsoas) = require("trafford-localities/trafford_lsoa_generalised.geojson") else { return };
    let Some(y2022) = require("trafford-localities/2022_trafford_localities_full_resolution.geojson") else { return };
    let Some(y2023) = require("trafford-localities/2023_trafford_localities_full_resolution.geojson") else { return };
    let (index2022, _) = published(&regs, &map, &y2022, &lsoas);
    let (index2023, implied) = published(&regs, &map, &y2023, &lsoas);
    let target = Target::Patches { count: 4, bounds: PatchBounds::Given(implied) };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let report =
        design_run(&design_job(regs, map, lsoas.clone(), RegionSource::Whole, target), dir.path()).expect("a design");
    let designed = report.alignment.index().expect("residents");
    eprintln!("Trafford: designed {designed:.4} against {index2022:.4} (2017-23) and {index2023:.4} (2023-)");
    assert!(designed > index2022.max(index2023));
    assert!(report.design.patches.iter().all(|p| p.fit == Fit::Within));
    assert_contiguous_partition(&report, &lsoas, 138);
}

/// The national design by district (314 districts of the 2011 lookup): every LSOA of England in one
/// patch, and the same bytes on 1 and 2 threads.
#[test]
fn national_design_by_district_is_the_same_on_any_number_of_threads() {
    let Some(regs) = require("england-2011/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz") else { return };
    let Some(map) = require("england-2011/gp-reg-pat-prac-map_01Jan2022.csv") else { return };
    let Some(lsoas) = require("england-2011/lsoa11_england_generalised_clipped.geojson.gz") else { return };
    let Some(lookup) = require("england-2011/lsoa11_msoa11_lookup.csv") else { return };
    let regions = RegionSource::Lookup {
        path: lookup,
        columns: LookupColumns { lsoa: None, area: Some("LAD_CODE".into()) },
        codes: Vec::new(),
    };
    let job = design_job(regs, map, lsoas.clone(), regions, Target::Bounds(Bounds::PCN_SIZED));
    let run = |threads: usize| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
        let report = pool.install(|| design_run(&job, dir.path())).expect("a design");
        (report, dir)
    };
    let (one, one_dir) = run(1);
    let (_, two_dir) = run(2);
    assert_eq!(one.design.regions.len(), 314);
    for path in &one.written {
        let name = path.file_name().expect("a file name");
        let a = std::fs::read(one_dir.path().join(name)).expect("written");
        let b = std::fs::read(two_dir.path().join(name)).expect("written");
        assert!(a == b, "{} differs between 1 and 2 threads", name.to_string_lossy());
    }
    assert_contiguous_partition(&one, &lsoas, 32_844);
}
