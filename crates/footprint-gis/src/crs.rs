//! The two output CRSs in each format's terms: EPSG codes, OGC WKT (GeoPackage) and ESRI WKT (`.prj`),
//! as PROJ writes them (`gdalsrsinfo`; the files in `crsdefs/`).

use footprint_ingest::Crs;

/// The EPSG code: 4326 or 27700.
///
/// ```
/// assert_eq!(footprint_gis::epsg(footprint_ingest::Crs::BritishNationalGrid), 27700);
/// ```
#[must_use]
pub fn epsg(crs: Crs) -> i32 {
    match crs {
        Crs::Wgs84 => 4326,
        Crs::BritishNationalGrid => 27700,
    }
}

/// OGC WKT 1, as GeoPackage's `gpkg_spatial_ref_sys` holds it.
#[must_use]
pub fn wkt(crs: Crs) -> &'static str {
    match crs {
        Crs::Wgs84 => include_str!("crsdefs/epsg4326.wkt"),
        Crs::BritishNationalGrid => include_str!("crsdefs/epsg27700.wkt"),
    }
}

/// ESRI WKT, as a shapefile's `.prj` holds it.
#[must_use]
pub fn esri_wkt(crs: Crs) -> &'static str {
    match crs {
        Crs::Wgs84 => include_str!("crsdefs/epsg4326.prj"),
        Crs::BritishNationalGrid => include_str!("crsdefs/epsg27700.prj"),
    }
}
