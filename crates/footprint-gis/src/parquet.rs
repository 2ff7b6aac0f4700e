//! GeoParquet 1.1: one `.parquet` file per layer, the geometry as WKB with a `bbox` covering column
//! (`xmin`, `ymin`, `xmax`, `ymax`) so that readers can skip row groups by extent, and the `geo` metadata
//! naming the column, its encoding, types, bounding box and CRS. Tables without geometry are plain
//! Parquet. Written through parquet's column writers (no Arrow), Snappy-compressed, one row group.

use std::sync::Arc;

use footprint_ingest::Crs;
use footprint_overlap::write::{Kind, Layer, Value};
use geozero::{CoordDimensions, ToWkb};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::{Type, TypePtr};

use crate::GisError;

/// The geometry column.
pub const GEOMETRY: &str = "geometry";
/// The covering column of each row's bounding box.
pub const BBOX: &str = "bbox";
const CORNERS: [&str; 4] = ["xmin", "ymin", "xmax", "ymax"];

/// `<name>.parquet` of `layer`: its columns typed as in the CSV (text as UTF-8 strings, integers as
/// INT64, numbers as DOUBLE, all nullable), then for a layer `geometry` (WKB) and `bbox`.
///
/// # Errors
/// [`GisError::Parquet`] if the writer fails; [`GisError::Geometry`] if a polygon cannot be encoded.
pub fn geoparquet(layer: &Layer) -> Result<Vec<u8>, GisError> {
    let mut fields: Vec<TypePtr> =
        layer.records.columns.iter().map(|c| column_type(&c.name, c.kind)).collect::<Result<_, _>>()?;
    if layer.geometry.is_some() {
        fields.push(Arc::new(
            Type::primitive_type_builder(GEOMETRY, Physical::BYTE_ARRAY)
                .with_repetition(Repetition::REQUIRED)
                .build()?,
        ));
        let corners = CORNERS
            .iter()
            .map(|c| {
                Type::primitive_type_builder(c, Physical::DOUBLE)
                    .with_repetition(Repetition::REQUIRED)
                    .build()
                    .map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()?;
        fields.push(Arc::new(
            Type::group_type_builder(BBOX).with_repetition(Repetition::REQUIRED).with_fields(corners).build()?,
        ));
    }
    let schema = Arc::new(Type::group_type_builder("schema").with_fields(fields).build()?);
    let metadata = layer.geometry.map(|_| vec![KeyValue::new("geo".to_owned(), geo_metadata(layer))]);
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by("footprint".to_owned())
        .set_key_value_metadata(metadata)
        .build();
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, Arc::new(properties))?;
    let mut group = writer.next_row_group()?;
    for (i, column) in layer.records.columns.iter().enumerate() {
        write_column(&mut group, layer, i, column.kind)?;
    }
    if let Some(geometry) = layer.geometry {
        let wkb: Vec<ByteArray> = geometry
            .iter()
            .map(|w| geo::Geometry::MultiPolygon(w.to_geo()).to_wkb(CoordDimensions::xy()).map(ByteArray::from))
            .collect::<Result<_, _>>()?;
        write_values::<ByteArrayType>(&mut group, &wkb, None)?;
        for corner in 0..4 {
            let values: Vec<f64> = geometry.iter().map(|w| w.bbox().map_or(f64::NAN, |b| b[corner])).collect();
            write_values::<DoubleType>(&mut group, &values, None)?;
        }
    }
    group.close()?;
    Ok(writer.into_inner()?)
}

/// A nullable column of `kind` named `name`.
fn column_type(name: &str, kind: Kind) -> Result<TypePtr, GisError> {
    let builder = match kind {
        Kind::Int => Type::primitive_type_builder(name, Physical::INT64),
        Kind::Float => Type::primitive_type_builder(name, Physical::DOUBLE),
        Kind::Text => {
            Type::primitive_type_builder(name, Physical::BYTE_ARRAY).with_logical_type(Some(LogicalType::String))
        }
    };
    Ok(Arc::new(builder.with_repetition(Repetition::OPTIONAL).build()?))
}

/// Column `i` of `layer`: its non-null values, and a definition level per row (0 for null).
fn write_column(
    group: &mut SerializedRowGroupWriter<'_, Vec<u8>>,
    layer: &Layer,
    i: usize,
    kind: Kind,
) -> Result<(), GisError> {
    let rows = &layer.records.rows;
    let levels: Vec<i16> = rows.iter().map(|r| i16::from(!matches!(r[i], Value::Null))).collect();
    match kind {
        Kind::Int => {
            let values: Vec<i64> =
                rows.iter().filter_map(|r| if let Value::Int(n) = r[i] { Some(n) } else { None }).collect();
            write_values::<Int64Type>(group, &values, Some(&levels))
        }
        Kind::Float => {
            let values: Vec<f64> = rows
                .iter()
                .filter_map(|r| match r[i] {
                    Value::Float(x) => Some(x),
                    // A column typed as numbers may hold whole ones.
                    Value::Int(n) => Some(n as f64),
                    _ => None,
                })
                .collect();
            write_values::<DoubleType>(group, &values, Some(&levels))
        }
        Kind::Text => {
            let values: Vec<ByteArray> = rows
                .iter()
                .filter_map(|r| match &r[i] {
                    Value::Text(s) => Some(ByteArray::from(s.as_str())),
                    Value::Int(n) => Some(ByteArray::from(n.to_string().as_str())),
                    Value::Float(x) => Some(ByteArray::from(x.to_string().as_str())),
                    Value::Null => None,
                })
                .collect();
            write_values::<ByteArrayType>(group, &values, Some(&levels))
        }
    }
}

/// Writes the next column of the row group.
fn write_values<T: parquet::data_type::DataType>(
    group: &mut SerializedRowGroupWriter<'_, Vec<u8>>,
    values: &[T::T],
    levels: Option<&[i16]>,
) -> Result<(), GisError> {
    let mut column = group
        .next_column()?
        .ok_or_else(|| parquet::errors::ParquetError::General("the schema has fewer columns than written".into()))?;
    column.typed::<T>().write_batch(values, levels, None)?;
    column.close()?;
    Ok(())
}

/// The `geo` metadata of GeoParquet 1.1: the CRS is left out for WGS84 (its default, OGC:CRS84,
/// longitude first as written) and given as PROJJSON for the British National Grid.
fn geo_metadata(layer: &Layer) -> String {
    let bbox = layer.bbox().map_or(serde_json::Value::Null, |b| serde_json::json!(b));
    let mut column = serde_json::json!({
        "encoding": "WKB",
        "geometry_types": ["MultiPolygon"],
        "bbox": bbox,
        "covering": {"bbox": {
            "xmin": [BBOX, "xmin"], "ymin": [BBOX, "ymin"], "xmax": [BBOX, "xmax"], "ymax": [BBOX, "ymax"]
        }},
    });
    if layer.crs == Crs::BritishNationalGrid {
        let projjson: serde_json::Value =
            serde_json::from_str(include_str!("crsdefs/epsg27700.projjson")).unwrap_or(serde_json::Value::Null);
        column["crs"] = projjson;
    }
    serde_json::json!({"version": "1.1.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}).to_string()
}
