//! Benchmarks of the national run (July 2022, 865,965 rows, 6,791 MSOAs) and of each of its stages.
//!
//! `cargo bench -p footprint-benches`. Side-by-side figures against the GeoPandas peer come from
//! `benches/compare.sh`.

use std::path::{Path, PathBuf};

use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_index::{AreaIndex, Placement, assign_by_centroids};
use footprint_ingest::{
    AreaFields, CentroidColumns, InputFile, LookupColumns, read_area_layer, read_areas, read_centroids, read_lookup,
    read_registrations,
};
use footprint_run::{AssignmentSource, FootprintJob, OverlapJob, PreparedCache};

/// The allocator the `footprint` binary uses, so stage timings match the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// The snap distance of the centroid assignment benchmark, in metres.
const SNAP_METRES: f64 = 200.0;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/england-2011"))
}

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data").join(path)
}

/// The job of `footprint` with no arguments (the CLI's `default_run`): lookup path, MSOA footprints drawn.
fn lookup_job() -> OverlapJob {
    OverlapJob {
        footprints: Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() }),
        output: Default::default(),
        ..lookup_job_no_footprints()
    }
}

/// The default run without footprints (`footprint overlap --lookup ...`).
fn lookup_job_no_footprints() -> OverlapJob {
    OverlapJob::england_by_lookup(&fixtures())
}

fn centroid_job() -> OverlapJob {
    OverlapJob::england_by_centroids(&fixtures(), 100.0)
}

/// Reads a fixture as the pipeline does for CSVs: a gzip file is decompressed as it is parsed.
fn read(path: &Path) -> InputFile {
    InputFile::read_compressed(path).expect("fixture readable")
}

/// The whole national run as `footprint` with no arguments does it: read the compressed inputs, assign by
/// lookup, count, draw MSOA footprints, write every layer.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn whole_run_lookup(bencher: divan::Bencher) {
    let out = tempfile::tempdir().expect("temporary directory");
    let job = lookup_job();
    bencher.bench(|| footprint_run::run(&job, out.path()).expect("national run"));
}

/// The whole national run by the centroid path (point-in-polygon over the R-tree), no footprints.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn whole_run_centroids(bencher: divan::Bencher) {
    let out = tempfile::tempdir().expect("temporary directory");
    let job = centroid_job();
    bencher.bench(|| footprint_run::run(&job, out.path()).expect("national run"));
}

/// Stage 1: read and parse every input (the large ones concurrently).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn stage_load(bencher: divan::Bencher) {
    let job = lookup_job();
    bencher.bench(|| footprint_run::load(&job).expect("inputs"));
}

/// Stage 2: assignment by lookup, counting, area sizes and the MSOA footprints (as in the default run).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn stage_analyse(bencher: divan::Bencher) {
    let job = lookup_job();
    let loaded = footprint_run::load(&job).expect("inputs");
    bencher.bench(|| footprint_run::analyse(&loaded, &job).expect("analysis"));
}

/// Stage 2 without footprints: assignment by lookup, counting, area sizes.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn stage_analyse_no_footprints(bencher: divan::Bencher) {
    let job = lookup_job_no_footprints();
    let loaded = footprint_run::load(&job).expect("inputs");
    bencher.bench(|| footprint_run::analyse(&loaded, &job).expect("analysis"));
}

/// Stage 3: rendering every output of the default run in memory.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn stage_render(bencher: divan::Bencher) {
    let job = lookup_job();
    let loaded = footprint_run::load(&job).expect("inputs");
    let analysis = footprint_run::analyse(&loaded, &job).expect("analysis");
    bencher.bench(|| footprint_run::render(&loaded, &analysis, &job));
}

/// Reading the registrations (3.8 MB gzip, 65 MB CSV, 865,965 rows).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn read_registrations_gz() {
    let file = read(&fixtures().join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"));
    divan::black_box(read_registrations(&file).expect("registrations"));
}

/// Reading, validating and repairing the MSOA layer (12.8 MB gzip GeoJSON, 886,236 vertices).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn read_msoa_geojson_gz() {
    let file = InputFile::read(fixtures().join("msoa11_england_generalised_clipped.geojson.gz")).expect("fixture");
    divan::black_box(read_areas(&file, &AreaFields::default()).expect("areas"));
}

/// Shapefile ingest of the national MSOA layer in British National Grid (from ../shared/data).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn read_msoa_shapefile() {
    let path = shared("england-2011/msoa11_bng_shapefile");
    divan::black_box(read_area_layer(&path, &AreaFields::default()).expect("shapefile"));
}

/// Reading the LSOA → MSOA lookup.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn read_lookup_gz() {
    let file = read(&fixtures().join("lsoa11_msoa11_lookup.csv.gz"));
    divan::black_box(read_lookup(&file, &LookupColumns::default()).expect("lookup"));
}

/// The centroid path's assignment: R-tree build over the MSOA layer, then point-in-polygon of every
/// registered LSOA's population-weighted centroid, snapping within 200 m.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn assign_centroids(bencher: divan::Bencher) {
    let loaded = footprint_run::load(&lookup_job_no_footprints()).expect("inputs");
    let layer = &loaded.layer;
    let centroids = read_centroids(
        &read(&fixtures().join("lsoa11_population_weighted_centroids.csv.gz")),
        &CentroidColumns::default(),
    )
    .expect("centroids");
    let crs = centroids.crs().expect("centroid CRS recognised");
    let centroids = if crs == layer.crs { centroids } else { centroids.converted(crs, layer.crs) };
    let lsoas = &loaded.registrations.lsoas;
    // Guard against timing a degenerate run (e.g. every point missed because of a CRS mix-up).
    let placed = assign_by_centroids(lsoas, &centroids, &AreaIndex::new(&layer.areas, layer.crs), SNAP_METRES)
        .placements
        .iter()
        .filter(|p| matches!(p, Placement::Area(_)))
        .count();
    assert!(placed * 5 > lsoas.len() * 4, "only {placed} of {} LSOAs placed", lsoas.len());
    bencher.bench(|| {
        let index = AreaIndex::new(&layer.areas, layer.crs);
        assign_by_centroids(lsoas, &centroids, &index, SNAP_METRES)
    });
}

/// Every PCN's footprint by all three methods from MSOAs: area selection, exact dissolve, metrics.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn footprints_msoa(bencher: divan::Bencher) {
    let job = lookup_job();
    let loaded = footprint_run::load(&job).expect("inputs");
    let analysis = footprint_run::analyse(&loaded, &job).expect("analysis");
    let spec = FootprintSpec::default();
    bencher.bench(|| {
        footprint_footprints::footprints(&analysis.table, &loaded.layer, &loaded.practices, &analysis.area_km2, &spec)
    });
}

/// Every PCN's footprint by the threshold method alone (1%) from MSOAs: what the GeoPandas peer dissolves.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn footprints_msoa_threshold_only(bencher: divan::Bencher) {
    let job = lookup_job();
    let loaded = footprint_run::load(&job).expect("inputs");
    let analysis = footprint_run::analyse(&loaded, &job).expect("analysis");
    let spec = FootprintSpec { methods: vec![footprint_footprints::Method::Threshold], ..FootprintSpec::default() };
    bencher.bench(|| {
        footprint_footprints::footprints(&analysis.table, &loaded.layer, &loaded.practices, &analysis.area_km2, &spec)
    });
}

/// The job and inputs of LSOA footprints by all three methods from the 32,844 LSOA polygons (from
/// ../shared/data), analysed once with `cache`: the LSOA table and sizes the footprints are drawn from.
fn lsoa_footprint_inputs(cache: PreparedCache) -> (OverlapJob, footprint_run::Loaded, footprint_run::Analysis) {
    let mut job = lookup_job_no_footprints();
    job.assignment = AssignmentSource::LsoaAreas {
        path: shared("england-2011/lsoa11_england_generalised_clipped.geojson.gz"),
        fields: AreaFields::default(),
        snap_metres: 100.0,
    };
    job.footprints = Some(FootprintJob { level: FootprintLevel::Lsoa, spec: FootprintSpec::default() });
    job.prepared = cache;
    let loaded = footprint_run::load(&job).expect("inputs");
    let analysis = footprint_run::analyse(&loaded, &job).expect("analysis");
    (job, loaded, analysis)
}

/// Every PCN's footprint by all three methods from the 32,844 LSOA polygons, as a run with a cache draws
/// them: the LSOAs' coverage loaded from where the first run kept it, then every footprint dissolved.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn footprints_lsoa(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("a cache folder");
    let (job, loaded, analysis) = lsoa_footprint_inputs(PreparedCache::In(dir.path().to_owned()));
    let lsoas = loaded.places.lsoa_layer().expect("LSOA layer");
    let (table, km2) = analysis.footprints.as_ref().and_then(|f| f.lsoa_counts()).expect("LSOA table");
    let spec = FootprintSpec::default();
    bencher.bench(|| {
        let coverage = footprint_run::footprint_coverage(&loaded, &job).expect("coverage").expect("footprints asked");
        footprint_footprints::footprints_on(&coverage, table, lsoas, &loaded.practices, km2, &spec)
    });
}

/// The same with the LSOAs' coverage made each time, as with no cache or on a layer's first run.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn footprints_lsoa_coverage_made(bencher: divan::Bencher) {
    let (_, loaded, analysis) = lsoa_footprint_inputs(PreparedCache::Off);
    let lsoas = loaded.places.lsoa_layer().expect("LSOA layer");
    let (table, km2) = analysis.footprints.as_ref().and_then(|f| f.lsoa_counts()).expect("LSOA table");
    let spec = FootprintSpec::default();
    bencher.bench(|| footprint_footprints::footprints(table, lsoas, &loaded.practices, km2, &spec));
}

/// Team alignment, nationally: the 32,844 LSOAs apportioned by area to the 326 local authority districts
/// (team areas made by dissolving LSOAs by the lookup's `LAD_CODE`), then every team, PCN and pair measured.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn align_national_lads(bencher: divan::Bencher) {
    let regs =
        read_registrations(&read(&fixtures().join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"))).expect("registrations");
    let practices =
        footprint_ingest::read_practice_map(&read(&fixtures().join("gp-reg-pat-prac-map_01Jan2022.csv.gz")))
            .expect("practice map");
    let (lsoas, _) =
        read_area_layer(&shared("england-2011/lsoa11_england_generalised_clipped.geojson.gz"), &AreaFields::default())
            .expect("LSOA layer");
    let columns = LookupColumns { lsoa: None, area: Some("LAD_CODE".into()) };
    let lookup = read_lookup(&read(&fixtures().join("lsoa11_msoa11_lookup.csv.gz")), &columns).expect("lookup");
    let teams = footprint_align::teams_from_lookup(&lsoas, &lookup);
    let names: Vec<String> = teams.areas.iter().map(|a| a.code.as_str().to_owned()).collect();
    let thresholds = [footprint_overlap::Threshold::ONE_PERCENT];
    let core: footprint_overlap::Threshold = "0.8".parse().expect("core share");
    bencher.bench(|| {
        let placement = footprint_align::apportion_by_area(&regs.lsoas, &lsoas, &teams, 0.01);
        footprint_align::align(&regs, &practices, &placement, names.clone(), &thresholds, core)
    });
}
