//! Reading an area layer from a path, whatever its format.

use std::path::Path;

use crate::{AreaFields, AreaLayer, FileInfo, IngestError, InputFile, read_areas, read_shapefile};

/// Reads an area layer from a path: a shapefile (`.shp`, a folder holding one, or a `.zip`) or GeoJSON (plain or gzip).
///
/// # Errors
/// As [`read_areas`] and [`read_shapefile`].
pub fn read_area_layer(path: &Path, fields: &AreaFields) -> Result<(AreaLayer, FileInfo), IngestError> {
    if crate::is_shapefile_input(path) {
        read_shapefile(path, fields)
    } else {
        let input = InputFile::read(path)?;
        Ok((read_areas(&input, fields)?, input.info()))
    }
}
