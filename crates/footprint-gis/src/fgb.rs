//! FlatGeobuf: one `.fgb` per layer, with its packed Hilbert R-tree, by the flatgeobuf crate. A null
//! value is a property left out; every column is nullable.

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use footprint_overlap::write::{Kind, Layer, Value};
use geozero::{ColumnValue, PropertyProcessor};

use crate::GisError;
use crate::crs::epsg;

/// The FlatGeobuf file of `layer`, its features in the order of its rows, indexed.
///
/// # Errors
/// [`GisError::Fgb`] if the writer fails.
pub fn flatgeobuf(layer: &Layer) -> Result<Vec<u8>, GisError> {
    let options = FgbWriterOptions {
        write_index: true,
        crs: FgbCrs { code: epsg(layer.crs), ..Default::default() },
        ..Default::default()
    };
    let mut fgb = FgbWriter::create_with_options(layer.name, GeometryType::MultiPolygon, options)?;
    for column in &layer.records.columns {
        let kind = match column.kind {
            Kind::Int => ColumnType::Long,
            Kind::Float => ColumnType::Double,
            Kind::Text => ColumnType::String,
        };
        fgb.add_column(&column.name, kind, |_, c| c.nullable = true);
    }
    let geometry = layer.geometry.unwrap_or(&[]);
    for (row, shape) in layer.records.rows.iter().zip(geometry) {
        let mut failed = None;
        fgb.add_feature_geom(geo::Geometry::MultiPolygon(shape.to_geo()), |feature| {
            for (i, (value, column)) in row.iter().zip(&layer.records.columns).enumerate() {
                let value = match value {
                    Value::Null => continue,
                    Value::Int(n) => ColumnValue::Long(*n),
                    Value::Float(x) => ColumnValue::Double(*x),
                    Value::Text(s) => ColumnValue::String(s),
                };
                if let Err(e) = feature.property(i, &column.name, &value) {
                    failed = Some(e);
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    let mut out = Vec::new();
    fgb.write(&mut out)?;
    Ok(out)
}
