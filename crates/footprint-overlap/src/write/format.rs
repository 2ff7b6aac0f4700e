//! The formats the layers can be written in, and the output CRS.

use std::fmt;
use std::str::FromStr;

/// A format for the spatial layers. The CSV tables and `summary.json` are written whatever the formats;
/// the GeoPackage also holds the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// RFC 7946 GeoJSON, one `.geojson` per layer (the default).
    GeoJson,
    /// One GeoPackage, `footprint.gpkg`: every layer with its R-tree, the tables, and QGIS styles.
    Gpkg,
    /// FlatGeobuf with its packed Hilbert R-tree, one `.fgb` per layer.
    Fgb,
    /// GeoParquet 1.1, one `.parquet` per layer (WKB with a `bbox` covering column) and per table.
    Parquet,
    /// ESRI shapefile (`.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`) per layer, field names cut to 10 characters.
    Shp,
}

impl Format {
    /// Every format, in the order they are listed.
    pub const ALL: [Format; 5] = [Format::GeoJson, Format::Gpkg, Format::Fgb, Format::Parquet, Format::Shp];

    /// The name used on the command line.
    ///
    /// ```
    /// assert_eq!(footprint_overlap::write::Format::Fgb.name(), "fgb");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Gpkg => "gpkg",
            Format::Fgb => "fgb",
            Format::Parquet => "parquet",
            Format::Shp => "shp",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no format.
#[derive(Debug, thiserror::Error)]
#[error("unknown format {given:?}: expected one of geojson, gpkg, fgb, parquet, shp")]
pub struct UnknownFormat {
    /// What was given.
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// ```
    /// use footprint_overlap::write::Format;
    /// assert_eq!("GPKG".parse::<Format>().unwrap(), Format::Gpkg);
    /// assert!("kml".parse::<Format>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFormat { given: s.to_owned() })
    }
}
