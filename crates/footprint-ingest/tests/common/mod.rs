//! Helpers shared by the integration tests: small shapefiles written with the shapefile crate.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of them; a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing};

/// A clockwise square ring (shapefile outer rings are clockwise).
pub(crate) fn square(x0: f64, y0: f64, size: f64) -> Vec<Point> {
    vec![
        Point::new(x0, y0),
        Point::new(x0, y0 + size),
        Point::new(x0 + size, y0 + size),
        Point::new(x0 + size, y0),
        Point::new(x0, y0),
    ]
}

/// Writes `areas.shp/.shx/.dbf` (and `.prj` if given) into `dir`, one polygon per (code, name, ring).
pub(crate) fn write_shapefile(dir: &Path, areas: &[(&str, &str, Vec<Point>)], prj: Option<&str>) -> PathBuf {
    let path = dir.join("areas.shp");
    let table = TableWriterBuilder::new()
        .add_character_field("MSOA11CD".try_into().unwrap(), 12)
        .add_character_field("MSOA11NM".try_into().unwrap(), 40);
    let mut writer = shapefile::Writer::from_path(&path, table).unwrap();
    for (code, name, ring) in areas {
        let mut record = Record::default();
        record.insert("MSOA11CD".into(), FieldValue::Character(Some((*code).into())));
        record.insert("MSOA11NM".into(), FieldValue::Character(Some((*name).into())));
        writer.write_shape_and_record(&Polygon::with_rings(vec![PolygonRing::Outer(ring.clone())]), &record).unwrap();
    }
    drop(writer);
    if let Some(prj) = prj {
        std::fs::write(dir.join("areas.prj"), prj).unwrap();
    }
    path
}
