//! Shapefile input: folders, zips, code pages, CRS from .prj, and every way a shapefile can be broken.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::io::Write;
use std::path::{Path, PathBuf};

use footprint_ingest::{AreaFields, Crs, CrsEvidence, read_area_layer};
use shapefile::dbase::{self, FieldValue, Record, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing};

mod common;
use common::{square, write_shapefile};

const BNG_PRJ: &str = r#"PROJCS["OSGB_1936_British_National_Grid",GEOGCS["GCS_OSGB 1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",49],PARAMETER["central_meridian",-2],PARAMETER["scale_factor",0.9996012717],PARAMETER["false_easting",400000],PARAMETER["false_northing",-100000],UNIT["Meter",1]]"#;

fn two_areas() -> Vec<(&'static str, &'static str, Vec<Point>)> {
    vec![
        ("E02000002", "Two", square(431_000.0, 381_000.0, 1000.0)),
        ("E02000001", "One", square(430_000.0, 381_000.0, 1000.0)),
    ]
}

#[test]
fn a_bng_shapefile_is_read_from_its_shp_its_folder_and_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_shapefile(dir.path(), &two_areas(), Some(BNG_PRJ));
    for path in [shp.clone(), dir.path().to_owned()] {
        let (layer, info) = read_area_layer(&path, &AreaFields::default()).unwrap();
        assert_eq!(layer.areas.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), ["E02000001", "E02000002"]);
        assert_eq!(layer.areas[0].name, "One");
        assert_eq!((layer.crs, layer.crs_evidence), (Crs::BritishNationalGrid, CrsEvidence::Prj));
        assert_eq!(footprint_ingest::area_km2(&layer.areas[0].geometry, layer.crs), 1.0);
        assert_eq!(info.stored_len, std::fs::metadata(&shp).unwrap().len());
    }
    // The same files in a zip archive, as ONS publishes them.
    let zip_path = dir.path().join("areas.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for ext in ["shp", "shx", "dbf", "prj"] {
        zip.start_file(format!("MSOA_2011/areas.{ext}"), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&std::fs::read(dir.path().join(format!("areas.{ext}"))).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let (layer, _) = read_area_layer(&zip_path, &AreaFields::default()).unwrap();
    assert_eq!(layer.areas.len(), 2);
    assert_eq!(layer.crs, Crs::BritishNationalGrid);
}

#[test]
fn without_a_prj_the_extent_decides_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let shp = write_shapefile(dir.path(), &two_areas(), None);
    let (layer, _) = read_area_layer(&shp, &AreaFields::default()).unwrap();
    assert_eq!((layer.crs, layer.crs_evidence), (Crs::BritishNationalGrid, CrsEvidence::Extent));
    let chosen = AreaFields { crs: Some(Crs::BritishNationalGrid), ..AreaFields::default() };
    assert_eq!(read_area_layer(&shp, &chosen).unwrap().0.crs_evidence, CrsEvidence::Override);
}

#[test]
fn the_cpg_code_page_decodes_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("areas.shp");
    // A Latin-1 .dbf: "Ystradgynlais Â" has one byte 0xC2 for Â.
    let table = TableWriterBuilder::with_encoding(dbase::encoding::DynEncoding::from_name("ISO-8859-1").unwrap())
        .add_character_field("MSOA11CD".try_into().unwrap(), 12)
        .add_character_field("MSOA11NM".try_into().unwrap(), 40);
    let mut writer = shapefile::Writer::from_path(&path, table).unwrap();
    let mut record = Record::default();
    record.insert("MSOA11CD".into(), FieldValue::Character(Some("E02000001".into())));
    record.insert("MSOA11NM".into(), FieldValue::Character(Some("Caf\u{e9} Quarter".into())));
    writer
        .write_shape_and_record(&Polygon::with_rings(vec![PolygonRing::Outer(square(0.0, 0.0, 1.0))]), &record)
        .unwrap();
    drop(writer);
    std::fs::write(dir.path().join("areas.cpg"), "ISO-8859-1").unwrap();
    let (layer, _) = read_area_layer(&path, &AreaFields::default()).unwrap();
    assert_eq!(layer.areas[0].name, "Caf\u{e9} Quarter");
}

/// Builds a broken input in a fresh folder and checks the error message (with the folder's path as `{dir}`).
fn check_error(build: impl FnOnce(&Path) -> PathBuf, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = build(dir.path());
    let err = read_area_layer(&path, &AreaFields::default()).unwrap_err();
    assert!(err.is_bad_data() || matches!(err, footprint_ingest::IngestError::Io { .. }));
    assert_eq!(err.to_string(), expected.replace("{dir}", &dir.path().display().to_string()));
}

#[test]
fn broken_shapefiles_give_clear_errors() {
    check_error(
        |d| {
            let shp = write_shapefile(d, &two_areas(), Some(BNG_PRJ));
            std::fs::remove_file(d.join("areas.dbf")).unwrap();
            shp
        },
        "{dir}/areas.dbf: missing: a shapefile needs its .dbf beside the .shp for the area codes",
    );
    check_error(
        |d| write_shapefile(d, &two_areas(), Some(r#"PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84"]]"#)),
        "{dir}/areas.prj: unsupported CRS \"WGS 84 / Pseudo-Mercator\": footprint reads WGS84 (EPSG:4326) and British National Grid (EPSG:27700); reproject the file or give --crs",
    );
    check_error(
        |d| {
            let ring = vec![Point::new(0.0, 0.0), Point::new(0.0, 1.0), Point::new(0.0, 0.0)];
            write_shapefile(d, &[("E02000001", "Thin", ring)], Some(BNG_PRJ))
        },
        "{dir}/areas.shp: feature 0 (E02000001): ring 0 has 3 points; a ring needs at least 4",
    );
    check_error(
        |d| {
            let mut ring = square(0.0, 0.0, 1.0);
            ring[2] = Point::new(f64::NAN, 1.0);
            write_shapefile(d, &[("E02000001", "NaN", ring)], Some(BNG_PRJ))
        },
        "{dir}/areas.shp: feature 0 (E02000001): coordinate (NaN, 1) is not a finite number",
    );
    check_error(
        |d| {
            // The .dbf of a one-area shapefile beside the .shp of a two-area one.
            let one = d.join("one");
            std::fs::create_dir(&one).unwrap();
            write_shapefile(&one, &two_areas()[..1], None);
            let shp = write_shapefile(d, &two_areas(), Some(BNG_PRJ));
            std::fs::copy(one.join("areas.dbf"), d.join("areas.dbf")).unwrap();
            shp
        },
        "{dir}/areas.dbf: has records for only the first 1 shapes of the .shp: each shape needs its record",
    );
    check_error(|d| d.to_owned(), "{dir}: folder holds no .shp file");
    check_error(
        |d| {
            let zip_path = d.join("empty.zip");
            let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
            zip.start_file("readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
            zip.finish().unwrap();
            zip_path
        },
        "{dir}/empty.zip: archive holds no .shp file",
    );
}

#[test]
fn a_non_polygon_shapefile_is_rejected_per_feature() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("points.shp");
    let table = TableWriterBuilder::new().add_character_field("MSOA11CD".try_into().unwrap(), 12);
    let mut writer = shapefile::Writer::from_path(&path, table).unwrap();
    let mut record = Record::default();
    record.insert("MSOA11CD".into(), FieldValue::Character(Some("E02000001".into())));
    writer.write_shape_and_record(&Point::new(1.0, 2.0), &record).unwrap();
    drop(writer);
    let err = read_area_layer(&path, &AreaFields::default()).unwrap_err().to_string();
    assert_eq!(
        err,
        format!("{}: feature 0 (E02000001): Point shape in an area layer (areas must be polygons)", path.display())
    );
}
