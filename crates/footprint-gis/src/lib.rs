//! footprint's layers in the formats GIS software opens fastest: one GeoPackage holding every layer
//! (each with its R-tree) and table, FlatGeobuf with its packed Hilbert
//! R-tree, GeoParquet (WKB with a bbox covering column), and shapefiles, with each layer's style (QGIS QML and OGC SLD beside the layers, and in the
//! GeoPackage's `layer_styles`). Every writer takes the same [`Layer`]s: typed records and,
//! for a spatial layer, the polygons as written ([`footprint_overlap::write::written`]: snapped to the
//! precision written and valid there), so every format holds the same coordinates.
//!
//! Every output is bytes in memory, staged and renamed with the run's other files; none holds a
//! timestamp, so the bytes depend only on the data.

mod crs;
pub mod fgb;
pub mod gpkg;
pub mod parquet;
pub mod shp;
pub mod style;

pub use crs::{epsg, esri_wkt, wkt};
pub use footprint_overlap::write::{Format, Layer};

/// Why a GIS format could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum GisError {
    /// SQLite failed while building the GeoPackage.
    #[error("cannot build the geopackage")]
    Sqlite(#[from] rusqlite::Error),
    /// The FlatGeobuf writer failed.
    #[error("cannot write the flatgeobuf")]
    Fgb(#[from] flatgeobuf::Error),
    /// The shapefile writer failed.
    #[error("cannot write the shapefile: {0}")]
    Shapefile(String),
    /// The Parquet writer failed.
    #[error("cannot write the parquet file")]
    Parquet(#[from] ::parquet::errors::ParquetError),
    /// A geometry could not be encoded.
    #[error("cannot encode a geometry")]
    Geometry(#[from] geozero::error::GeozeroError),
}

/// The files of `formats` other than GeoJSON (which the layers' own writers render) for these layers
/// and tables, by name, and the layers' styles (`<layer>.qml` and `<layer>.sld`, unless shapefiles are
/// among the formats).
///
/// # Errors
/// The first [`GisError`] met.
pub fn render(formats: &[Format], layers: &[Layer], tables: &[Layer]) -> Result<Vec<(String, Vec<u8>)>, GisError> {
    let mut files = Vec::new();
    // A shapefile's renamed fields are not those the styles name, and QGIS would read `<name>.qml` for
    // it too: beside shapefiles, the styles are left out.
    if !formats.contains(&Format::Shp) {
        for style in layers.iter().filter_map(style::style) {
            files.push((format!("{}.qml", style.layer), style.qml().into_bytes()));
            files.push((format!("{}.sld", style.layer), style.sld().into_bytes()));
        }
    }
    for format in formats {
        match format {
            Format::GeoJson => {}
            Format::Gpkg => {
                files.push((gpkg::FILE.to_owned(), gpkg::geopackage(layers, tables)?));
            }
            Format::Fgb => {
                for layer in layers {
                    files.push((format!("{}.fgb", layer.name), fgb::flatgeobuf(layer)?));
                }
            }
            Format::Parquet => {
                for layer in layers.iter().chain(tables) {
                    files.push((format!("{}.parquet", layer.name), parquet::geoparquet(layer)?));
                }
            }
            Format::Shp => {
                for layer in layers {
                    files.extend(shp::shapefile(layer)?);
                }
            }
        }
    }
    Ok(files)
}
