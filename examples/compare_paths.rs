//! Lists the LSOAs the centroid path places in a different MSOA from the lookup, on the national data.
//!
//! Regenerates the golden file the national test checks:
//! `cargo run --release -p footprint-run --example compare_paths > fixtures/golden/centroid_vs_lookup.csv`

use std::path::Path;

use footprint_index::{AreaIndex, assign_by_centroids, assign_by_lookup};
use footprint_ingest::{
    AreaFields, CentroidColumns, InputFile, LookupColumns, read_areas, read_centroids, read_lookup, read_registrations,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let regs = read_registrations(&InputFile::read(dir.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"))?)?;
    let layer = read_areas(
        &InputFile::read(dir.join("msoa11_england_generalised_clipped.geojson.gz"))?,
        &AreaFields::default(),
    )?;
    let lookup = read_lookup(&InputFile::read(dir.join("lsoa11_msoa11_lookup.csv.gz"))?, &LookupColumns::default())?;
    let centroids = read_centroids(
        &InputFile::read(dir.join("lsoa11_population_weighted_centroids.csv.gz"))?,
        &CentroidColumns::default(),
    )?;
    let index = AreaIndex::new(&layer.areas, layer.crs);
    let by_lookup = assign_by_lookup(&regs.lsoas, &lookup, &layer);
    let by_centroid = assign_by_centroids(&regs.lsoas, &centroids, &index, 100.0);
    let differences = footprint_index::compare_paths(&regs, &layer, &by_lookup, &by_centroid, &centroids, &index);
    print!("{}", footprint_overlap::write::differences_csv(&differences));
    Ok(())
}
