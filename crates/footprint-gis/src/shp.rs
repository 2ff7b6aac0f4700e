//! ESRI shapefiles: `.shp`, `.shx`, `.dbf` (UTF-8, declared in `.cpg`) and `.prj` per layer. dBase
//! field names stop at 10 characters, so longer columns are renamed by [`FIELD_NAMES`].

/// Columns renamed in a shapefile's `.dbf` (every other column keeps its name, which is at most 10
/// characters). A threshold count `pcns_ge_<t>pct` becomes `ge_<t>pct` with `.` as `_`
/// (`pcns_ge_0.5pct` → `ge_0_5pct`).
pub const FIELD_NAMES: [(&str, &str); 12] = [
    ("effective_pcns", "eff_pcns"),
    ("patients_no_pcn", "no_pcn"),
    ("population_per_km2", "pop_km2"),
    ("patients_inside", "pat_inside"),
    ("population_inside", "pop_inside"),
    ("containment", "containmnt"),
    ("overlapping_pcns", "ovl_pcns"),
    ("overlap_population", "ovl_pop"),
    ("core_pcn_codes", "core_codes"),
    ("home_pcn_share", "home_share"),
    ("least_aligned_rank", "least_rank"),
    ("urban_rural", "urbanrural"),
];

/// A column's name in a shapefile.
///
/// ```
/// use footprint_gis::shp::field_name;
/// assert_eq!(field_name("population_per_km2"), "pop_km2");
/// assert_eq!(field_name("pcns_ge_0.5pct"), "ge_0_5pct");
/// assert_eq!(field_name("msoa_code"), "msoa_code");
/// ```
#[must_use]
pub fn field_name(column: &str) -> String {
    if let Some(&(_, short)) = FIELD_NAMES.iter().find(|(long, _)| *long == column) {
        return short.to_owned();
    }
    let name = match column.strip_prefix("pcns_ge_") {
        Some(threshold) => format!("ge_{threshold}").replace('.', "_"),
        None => column.to_owned(),
    };
    name.chars().take(10).collect()
}

use std::io::Cursor;

use dbase::{FieldName, FieldValue, TableWriterBuilder, WritableRecord};
use footprint_overlap::write::{Kind, Layer, Value};
use shapefile::{Point, Polygon, PolygonRing};

use crate::GisError;
use crate::crs::esri_wkt;

/// Text fields hold at most this many bytes (dBase's limit); a longer text is cut.
pub const TEXT_BYTES: u8 = 254;

/// The five files of `layer` as a shapefile: `<name>.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`. Integers
/// are numeric fields of 18 digits; numbers have 15 decimals in 24 characters; rings are written
/// clockwise for exteriors, as the format asks.
///
/// # Errors
/// [`GisError::Shapefile`] if a field name is not a dBase name or the writer fails.
pub fn shapefile(layer: &Layer) -> Result<Vec<(String, Vec<u8>)>, GisError> {
    let mut table = TableWriterBuilder::with_encoding(dbase::encoding::UnicodeLossy);
    for column in &layer.records.columns {
        let name = FieldName::try_from(field_name(&column.name).as_str())
            .map_err(|_| GisError::Shapefile(format!("field name {:?}", column.name)))?;
        table = match column.kind {
            Kind::Int => table.add_numeric_field(name, 18, 0),
            Kind::Float => table.add_numeric_field(name, 24, 15),
            Kind::Text => table.add_character_field(name, TEXT_BYTES),
        };
    }
    let (mut shp, mut shx, mut dbf) = (Cursor::new(Vec::new()), Cursor::new(Vec::new()), Cursor::new(Vec::new()));
    {
        let shapes = shapefile::ShapeWriter::with_shx(&mut shp, &mut shx);
        let mut writer = shapefile::Writer::new(shapes, table.build_with_dest(&mut dbf));
        let kinds: Vec<Kind> = layer.records.columns.iter().map(|c| c.kind).collect();
        for (i, (row, shape)) in layer.records.rows.iter().zip(layer.geometry.unwrap_or(&[])).enumerate() {
            // A shapefile of polygons has no empty polygon (this writer has no null shape either).
            let shape = polygon(shape)
                .ok_or_else(|| GisError::Shapefile(format!("{}: feature {i}: no polygon left to write", layer.name)))?;
            writer
                .write_shape_and_record(&shape, &Row { values: row, kinds: &kinds })
                .map_err(|e| GisError::Shapefile(e.to_string()))?;
        }
    }
    let name = layer.name;
    Ok(vec![
        (format!("{name}.shp"), shp.into_inner()),
        (format!("{name}.shx"), shx.into_inner()),
        (format!("{name}.dbf"), dbf.into_inner()),
        (format!("{name}.prj"), esri_wkt(layer.crs).as_bytes().to_vec()),
        (format!("{name}.cpg"), b"UTF-8".to_vec()),
    ])
}

/// A shapefile polygon of every ring of every part (the crate orients them); `None` if there is none.
fn polygon(shape: &footprint_overlap::write::Written) -> Option<Polygon> {
    let geo = shape.to_geo();
    let points = |ring: &geo::LineString<f64>| ring.0.iter().map(|c| Point::new(c.x, c.y)).collect::<Vec<_>>();
    let rings: Vec<PolygonRing<Point>> = geo
        .0
        .iter()
        .flat_map(|p| {
            std::iter::once(PolygonRing::Outer(points(p.exterior())))
                .chain(p.interiors().iter().map(|h| PolygonRing::Inner(points(h))))
        })
        .collect();
    (!rings.is_empty()).then(|| Polygon::with_rings(rings))
}

/// One `.dbf` record: the row's values in column order.
struct Row<'a> {
    values: &'a [Value],
    kinds: &'a [Kind],
}

impl WritableRecord for Row<'_> {
    fn write_using<W: std::io::Write>(
        &self,
        field_writer: &mut dbase::FieldWriter<'_, W>,
    ) -> Result<(), dbase::FieldError> {
        for (value, kind) in self.values.iter().zip(self.kinds) {
            // counts are far below 2^53
            let field = match (value, kind) {
                (Value::Null, Kind::Text) => FieldValue::Character(None),
                (Value::Null, _) => FieldValue::Numeric(None),
                (Value::Int(n), _) => FieldValue::Numeric(Some(*n as f64)),
                (Value::Float(x), _) => FieldValue::Numeric(Some(*x)),
                (Value::Text(s), _) => FieldValue::Character(Some(cut(s))),
            };
            field_writer.write_next_field_value(&field)?;
        }
        Ok(())
    }
}

/// `s` cut to [`TEXT_BYTES`] at a character boundary.
fn cut(s: &str) -> String {
    let mut end = s.len().min(usize::from(TEXT_BYTES));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}
