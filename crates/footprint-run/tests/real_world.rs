//! Real-world inputs from ../shared/data: a British National Grid shapefile, LSOA polygons, a GeoJSON in
//! metres with no `crs` member, and a 2025 extract with LSOA 2021 codes and dirty codes.
//!
//! Without ../shared/data each test says which file is missing and passes (`SKIPPED: …`); under `CI=true`
//! it fails.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
use common::require;

use std::path::{Path, PathBuf};

use footprint_index::{AreaIndex, Placement, contains};
use footprint_ingest::{AreaFields, CentroidColumns, Crs, CrsEvidence, LookupColumns, read_area_layer};
use footprint_overlap::{OverlapTable, Threshold};
use footprint_run::{AssignmentSource, OverlapJob};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011")
}

fn national_job(areas: PathBuf, assignment: AssignmentSource) -> OverlapJob {
    OverlapJob {
        registrations: fixtures().join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
        practices: fixtures().join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
        areas,
        area_fields: AreaFields::default(),
        assignment,
        thresholds: vec![Threshold::ONE_PERCENT],
        footprints: None,
        output: Default::default(),
        vintage: footprint_run::VintageRule::AsGiven,
        context: Vec::new(),
        prepared: Default::default(),
    }
}

fn lookup() -> AssignmentSource {
    AssignmentSource::Lookup { path: fixtures().join("lsoa11_msoa11_lookup.csv.gz"), columns: LookupColumns::default() }
}

fn centroids() -> AssignmentSource {
    AssignmentSource::Centroids {
        path: fixtures().join("lsoa11_population_weighted_centroids.csv.gz"),
        columns: CentroidColumns::default(),
        snap_metres: 100.0,
    }
}

fn geojson_layer() -> PathBuf {
    fixtures().join("msoa11_england_generalised_clipped.geojson.gz")
}

fn run(job: &OverlapJob) -> (footprint_run::Loaded, footprint_run::Analysis) {
    let loaded = footprint_run::load(job).unwrap();
    let analysis = footprint_run::analyse(&loaded, job).unwrap();
    (loaded, analysis)
}

/// An area's population, PCN counts, hhi and no-PCN patients.
type Figures = (u64, u32, Vec<u32>, Option<f64>, u64);

/// Every per-area figure but the area's size.
fn figures(t: &OverlapTable) -> Vec<Figures> {
    t.areas.iter().map(|r| (r.population, r.pcns_all, r.pcns_at_or_above.clone(), r.hhi, r.patients_no_pcn)).collect()
}

/// The shapefile was made from the GeoJSON by a Helmert-grade transformation into British National Grid;
/// read back, it gives the same MSOAs, the same per-MSOA figures by the lookup, and by the centroids the
/// same placement of every LSOA (the list of LSOAs placed differently is empty; the vertices moved by
/// millimetres, and no population-weighted centroid lies that close to a boundary).
#[test]
fn the_bng_shapefile_gives_the_same_results_as_the_wgs84_geojson() {
    let Some(shapefile) = require("england-2011/msoa11_bng_shapefile") else { return };
    let (shp_loaded, shp) = run(&national_job(shapefile.clone(), lookup()));
    let (geo_loaded, geo) = run(&national_job(geojson_layer(), lookup()));
    assert_eq!(shp_loaded.layer.crs, Crs::BritishNationalGrid);
    assert_eq!(shp_loaded.layer.crs_evidence, CrsEvidence::Prj);
    assert_eq!(geo_loaded.layer.crs, Crs::Wgs84);
    let codes = |l: &footprint_run::Loaded| l.layer.areas.iter().map(|a| a.code.0.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&shp_loaded), codes(&geo_loaded));
    assert_eq!(figures(&shp.table), figures(&geo.table));
    // The 30 self-intersecting MSOAs are repaired in both.
    assert_eq!(shp_loaded.layer.repairs.len(), 30);
    assert_eq!(
        shp_loaded.layer.repairs.iter().map(|r| &r.code).collect::<Vec<_>>(),
        geo_loaded.layer.repairs.iter().map(|r| &r.code).collect::<Vec<_>>()
    );
    // Sizes agree to the rounding of the two transformations: within 0.1% and 0.002 km² per MSOA.
    for (a, b) in shp.area_km2.iter().zip(&geo.area_km2) {
        assert!((a - b).abs() < 0.002 && (a - b).abs() / a < 1e-3, "{a} vs {b}");
    }
    let total: f64 = geo.area_km2.iter().sum();
    assert!((130_000.0..131_000.0).contains(&total), "England is about 130,400 km², got {total}");

    let (_, shp_c) = run(&national_job(shapefile, centroids()));
    let (_, geo_c) = run(&national_job(geojson_layer(), centroids()));
    let moved: Vec<usize> = (0..shp_c.assignment.placements.len())
        .filter(|&i| shp_c.assignment.placements[i] != geo_c.assignment.placements[i])
        .collect();
    assert_eq!(moved, Vec::<usize>::new(), "LSOAs placed differently by the shapefile and the GeoJSON");
    assert_eq!(figures(&shp_c.table), figures(&geo_c.table));
}

/// LSOA polygons, each placed by a point inside it, give exactly the lookup's MSOAs on the national data.
#[test]
fn lsoa_polygons_place_every_lsoa_in_its_lookup_msoa() {
    let Some(lsoa_layer) = require("england-2011/lsoa11_england_generalised_clipped.geojson.gz") else { return };
    let job = national_job(
        geojson_layer(),
        AssignmentSource::LsoaAreas { path: lsoa_layer, fields: AreaFields::default(), snap_metres: 100.0 },
    );
    let (loaded, by_polygons) = run(&job);
    let (_, by_lookup) = run(&national_job(geojson_layer(), lookup()));
    assert_eq!(loaded.places.len(), 32_844);
    let english: Vec<usize> = (0..loaded.registrations.lsoas.len())
        .filter(|&i| loaded.registrations.lsoas[i].as_str().starts_with("E01"))
        .collect();
    for &i in &english {
        assert_eq!(
            by_polygons.assignment.placements[i], by_lookup.assignment.placements[i],
            "{}",
            loaded.registrations.lsoas[i]
        );
    }
    assert_eq!(figures(&by_polygons.table), figures(&by_lookup.table));
    // Welsh LSOAs are not in the English LSOA layer: unknown there, outside the layer by the lookup.
    let a = &by_polygons.table.accounting;
    assert_eq!(
        a.patients_unknown_lsoa,
        by_lookup.table.accounting.patients_unknown_lsoa + by_lookup.table.accounting.patients_outside_layer
    );
}

/// The Nottinghamshire LSOA 2021 layer is in British National Grid metres with no `crs` member: detected
/// from its extent, and every interior point lies inside its own polygon.
#[test]
fn nottinghamshire_lsoa21_is_detected_as_british_national_grid() {
    let Some(path) = require("nottinghamshire-pcn-footprints/Notts_LSOA_2021_BFE.json") else { return };
    let (layer, _) = read_area_layer(&path, &AreaFields::default()).unwrap();
    assert_eq!((layer.crs, layer.crs_evidence), (Crs::BritishNationalGrid, CrsEvidence::Extent));
    assert_eq!(layer.code_field, "LSOA21CD");
    assert_eq!(layer.areas.len(), 684);
    let index = AreaIndex::new(&layer.areas, layer.crs);
    use geo::InteriorPoint;
    for (i, area) in layer.areas.iter().enumerate() {
        let p = area.geometry.interior_point().unwrap().0;
        assert!(contains(&area.geometry, p), "{}", area.code);
        assert_eq!(index.locate(p).map(|a| a.index()), Some(i));
    }
    // Forcing WGS84 onto it is the user's call, but a crs member claiming WGS84 is caught (see ingest tests).
    let forced = read_area_layer(&path, &AreaFields { crs: Some(Crs::Wgs84), ..AreaFields::default() }).unwrap().0;
    assert_eq!(forced.crs_evidence, CrsEvidence::Override);
}

/// October 2025 Staffordshire registrations carry LSOA 2021 codes and dirt; against the 2011 lookup, every
/// code that does not match is reported by kind, and the accounting balances to the patient. The counts
/// are those the data's PROVENANCE gives (CLOSED 86 rows, EMPTY 130, W01 21, S01 15, N21 7, L99999999 4,
/// M99999999 1; 239 E01 codes that are new in 2021).
#[test]
fn staffordshire_2021_codes_are_reported_by_kind_and_balance() {
    let (Some(registrations), Some(practices)) = (
        require("staffs-stoke-lsoa21-2025/SSOT_GP_Patients_Oct25.csv"),
        require("staffs-stoke-lsoa21-2025/gp-reg-pat-prac-map_01Oct2025.csv"),
    ) else {
        return;
    };
    let job = OverlapJob {
        registrations,
        practices,
        areas: geojson_layer(),
        area_fields: AreaFields::default(),
        assignment: lookup(),
        thresholds: vec![Threshold::ONE_PERCENT],
        footprints: None,
        output: Default::default(),
        vintage: footprint_run::VintageRule::AsGiven,
        context: Vec::new(),
        prepared: Default::default(),
    };
    let (_, analysis) = run(&job);
    let a = &analysis.table.accounting;
    assert_eq!((a.rows_read, a.patients_read), (16_864, 1_210_283));
    assert!(a.balances());
    let rows_of =
        |pred: &dyn Fn(&str) -> bool| a.unplaced.iter().filter(|u| pred(u.code.as_str())).map(|u| u.rows).sum::<u64>();
    assert_eq!(rows_of(&|c| c == "CLOSED"), 86);
    assert_eq!(rows_of(&|c| c == "EMPTY"), 130);
    assert_eq!(rows_of(&|c| c.starts_with("W01")), 21);
    assert_eq!(rows_of(&|c| c.starts_with("S01")), 15);
    assert_eq!(rows_of(&|c| c.starts_with("N21")), 7);
    assert_eq!(rows_of(&|c| c == "L99999999"), 4);
    assert_eq!(rows_of(&|c| c == "M99999999"), 1);
    let new_e01 = a.unplaced.iter().filter(|u| u.code.as_str().starts_with("E01")).count();
    assert_eq!(new_e01, 239);
    assert!(
        a.unplaced.iter().filter(|u| u.code.as_str().starts_with("E01")).all(|u| u.placement == Placement::UnknownLsoa)
    );
    assert_eq!(a.patients_unknown_lsoa + a.patients_outside_layer, a.unplaced.iter().map(|u| u.patients).sum::<u64>());
}

/// Plurality footprints from the 32,844 LSOA polygons partition England: every LSOA in exactly one
/// footprint, and the dissolved shapes add up to England's area.
#[test]
fn plurality_lsoa_footprints_partition_england() {
    let Some(lsoa_layer) = require("england-2011/lsoa11_england_generalised_clipped.geojson.gz") else { return };
    let mut job = national_job(
        geojson_layer(),
        AssignmentSource::LsoaAreas { path: lsoa_layer, fields: AreaFields::default(), snap_metres: 100.0 },
    );
    job.footprints = Some(footprint_run::FootprintJob {
        level: footprint_footprints::FootprintLevel::Lsoa,
        spec: footprint_footprints::FootprintSpec {
            methods: vec![footprint_footprints::Method::Plurality],
            ..footprint_footprints::FootprintSpec::default()
        },
    });
    let (loaded, analysis) = run(&job);
    let lsoas = loaded.places.lsoa_layer().unwrap();
    let fp = analysis.footprints.as_ref().unwrap();
    let mut owners = vec![0u32; lsoas.areas.len()];
    for f in &fp.footprints {
        for a in &f.areas {
            owners[a.index()] += 1;
        }
    }
    assert_eq!(lsoas.areas.len(), 32_844);
    assert!(
        owners.iter().all(|&n| n == 1),
        "{} LSOAs not in exactly one footprint",
        owners.iter().filter(|&&n| n != 1).count()
    );
    let england: f64 = fp.lsoa_counts().unwrap().1.iter().sum();
    let dissolved: f64 = fp.footprints.iter().map(|f| footprint_ingest::area_km2(&f.shape, lsoas.crs)).sum();
    assert!((dissolved - england).abs() < 0.01, "footprints {dissolved} km² vs England {england} km²");
    assert!((130_000.0..131_000.0).contains(&england), "{england}");
    let exact = fp.footprints.iter().filter(|f| f.dissolve == footprint_footprints::DissolveMethod::Exact).count();
    assert!(exact * 100 >= fp.footprints.len() * 95, "only {exact} of {} dissolved exactly", fp.footprints.len());
}

/// Every national MSOA footprint, by every method, is a valid polygon by geo's OGC validation, and holds
/// exactly the area of the MSOAs it is made of.
#[test]
fn national_msoa_footprints_are_valid() {
    use geo::Validation;
    let (loaded, analysis) = run(&national_job(geojson_layer(), lookup()));
    let drawn = footprint_footprints::footprints(
        &analysis.table,
        &loaded.layer,
        &loaded.practices,
        &analysis.area_km2,
        &footprint_footprints::FootprintSpec::default(),
    );
    assert_eq!(drawn.len(), 1_254 + 1_254 + 1_247);
    let invalid: Vec<String> = drawn
        .iter()
        .filter(|f| !f.shape.is_valid())
        .map(|f| {
            format!("{} {} {:?}", f.method, loaded.practices.pcns[f.pcn.index()].code, f.shape.check_validation().err())
        })
        .collect();
    assert!(invalid.is_empty(), "{} invalid: {:?}", invalid.len(), &invalid[..invalid.len().min(5)]);
    // Exact dissolves keep every vertex, so the shape's area is its areas' total (to the area meter's
    // sub-millimetre interpolation); boolean unions (areas that overlap or mismatch) may lose slivers.
    for f in &drawn {
        let shape = footprint_ingest::area_km2(&f.shape, loaded.layer.crs);
        let tolerance = match f.dissolve {
            footprint_footprints::DissolveMethod::Exact => 1e-6,
            footprint_footprints::DissolveMethod::BooleanUnion => 1e-3,
        };
        assert!(
            (shape - f.area_km2).abs() <= tolerance * f.area_km2.max(1.0),
            "{} {} ({:?}): {shape} vs {}",
            f.method,
            f.pcn.0,
            f.dissolve,
            f.area_km2
        );
    }
}

/// Trafford's two locality definitions against the July 2022 registrations (LSOAs of Trafford only): every
/// patient accounted for, the measures consistent with one another, and the two definitions as reported in
/// docs/alignment.md for the places that do not depend on the LSOA layer's extent.
#[test]
fn trafford_localities_align_consistently() {
    use footprint_run::{AlignJob, TeamApportionment, TeamSource, align_run};
    let Some(lsoa_layer) = require("trafford-localities/trafford_lsoa_generalised.geojson") else { return };
    let mut indices = Vec::new();
    for year in ["2022", "2023"] {
        let Some(localities) =
            require(&format!("trafford-localities/{year}_trafford_localities_full_resolution.geojson"))
        else {
            return;
        };
        let job = AlignJob {
            registrations: fixtures().join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
            practices: fixtures().join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
            teams: TeamSource::Layer {
                path: localities,
                fields: AreaFields { kind: footprint_ingest::LayerKind::Teams, ..AreaFields::default() },
                apportionment: TeamApportionment::AreaWeighted {
                    lsoa_areas: lsoa_layer.clone(),
                    fields: AreaFields::default(),
                    min_piece: 0.01,
                },
            },
            thresholds: vec![Threshold::ONE_PERCENT],
            core_share: "0.8".parse().unwrap(),
            output: Default::default(),
        };
        let out = tempfile::tempdir().unwrap();
        let a = align_run(&job, out.path()).unwrap().alignment;
        assert!(a.accounting.balances(), "{year}: {:?}", a.accounting);
        assert_eq!(a.teams, ["Central", "North", "South", "West"]);
        let populations: u64 = a.team_measures.iter().map(|m| m.overlap.population).sum();
        assert_eq!(populations, a.accounting.patients_in_teams);
        for m in &a.pcn_measures {
            assert!(m.in_teams <= m.list_size);
        }
        for s in &a.split {
            assert_eq!(s.pieces.iter().map(|p| p.2).sum::<u64>(), s.population, "{}", s.lsoa.as_str());
        }
        // North is the least aligned locality under both definitions.
        assert_eq!(a.teams[a.teams_ranked()[0] as usize], "North", "{year}");
        indices.push(a.index().unwrap());
        assert!(out.path().join("team_alignment.md").is_file());
    }
    // The 2023 definition aligns slightly worse with the PCNs than the 2017–23 one.
    assert!(indices[1] < indices[0], "{indices:?}");
}

#[test]
fn the_epcn_workbook_as_published_reads_as_its_csv_export() {
    let dir = "practice-pcn-maps/epcn-2022-04";
    let (Some(xlsx), Some(zip), Some(export)) = (
        require(&format!("{dir}/ePCN_2022-04.xlsx")),
        require(&format!("{dir}/epcn_2022-04.zip")),
        require(&format!("{dir}/ePCN_2022-04_PCN_Core_Partner_Details.csv")),
    ) else {
        return;
    };
    let read = |p: &Path| footprint_ingest::read_practice_map(&footprint_ingest::InputFile::read(p).unwrap()).unwrap();
    // The CSV export was made by openpyxl (PROVENANCE.txt): an independent reader of the same sheet.
    let expected = read(&export);
    assert_eq!(expected.pcns.len(), 1_260, "PROVENANCE: 6,474 current practices in 1,260 PCNs");
    assert_eq!(expected.practices.len(), 6_474);
    for map in [read(&xlsx), read(&zip)] {
        assert_eq!(map.pcns, expected.pcns);
        assert_eq!(map.practices, expected.practices);
    }
}
