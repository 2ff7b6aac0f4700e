//! The validity screen against geo's full OGC validation, feature by feature, on the national MSOA layer.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use footprint_ingest::{AreaFields, InputFile, has_crossing_edges, read_areas};
use geo::{MultiPolygon, Validation};

#[test]
fn screen_flags_exactly_what_geo_flags_and_repairs_leave_none() {
    let file = InputFile::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/england-2011/msoa11_england_generalised_clipped.geojson.gz"
    ))
    .unwrap();
    // The raw geometries, through the geojson crate (an independent reader).
    let collection: geojson::FeatureCollection = std::str::from_utf8(file.content()).unwrap().parse().unwrap();
    let mut screened = Vec::new();
    let mut invalid = Vec::new();
    for feature in &collection.features {
        let code = feature.property("MSOA11CD").unwrap().as_str().unwrap().to_owned();
        let geometry: geo::Geometry<f64> = feature.geometry.clone().unwrap().try_into().unwrap();
        let area = match geometry {
            geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
            geo::Geometry::MultiPolygon(m) => m,
            other => panic!("{code}: {other:?}"),
        };
        if has_crossing_edges(&area) {
            screened.push(code.clone());
        }
        if !area.is_valid() {
            invalid.push(code);
        }
    }
    assert_eq!(invalid.len(), 30, "the PROVENANCE counts 30 invalid MSOAs (shapely)");
    assert_eq!(screened, invalid);

    let layer = read_areas(&file, &AreaFields::default()).unwrap();
    let mut repaired: Vec<String> = layer.repairs.iter().map(|r| r.code.clone()).collect();
    repaired.sort();
    invalid.sort();
    assert_eq!(repaired, invalid);
    assert!(layer.areas.iter().all(|a| a.geometry.is_valid() && !has_crossing_edges(&a.geometry)));
}
