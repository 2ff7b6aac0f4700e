//! Reader for LSOA centroids (e.g. ONS population-weighted centroids): one point per LSOA code.

use csv::ByteRecord;
use rustc_hash::FxHashMap;

use crate::columns::{CsvSource, line_of};
use crate::{IngestError, InputFile, LsoaCode};

/// Which columns of a centroid file to read; `None` means detect.
#[derive(Clone, Debug, Default)]
pub struct CentroidColumns {
    /// The LSOA code column (detected: `lsoa11cd`, `LSOA21CD`, `LSOA_CODE`, …).
    pub lsoa: Option<String>,
    /// The x (longitude) column (detected: `X`, `LONG`, `LON`, `LONGITUDE`).
    pub x: Option<String>,
    /// The y (latitude) column (detected: `Y`, `LAT`, `LATITUDE`).
    pub y: Option<String>,
}

/// LSOA code → point (x, y) as in the file (longitude and latitude for the ONS WGS84 export).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Centroids {
    /// The points.
    pub points: FxHashMap<LsoaCode, geo::Coord<f64>>,
}

impl Centroids {
    /// The CRS the points are in, judged from their extent (degrees or British National Grid metres).
    #[must_use]
    pub fn crs(&self) -> Option<crate::Crs> {
        let mut pts = self.points.values();
        let first = *pts.next()?;
        let (min, max) = pts.fold((first, first), |(lo, hi), p| {
            (geo::Coord { x: lo.x.min(p.x), y: lo.y.min(p.y) }, geo::Coord { x: hi.x.max(p.x), y: hi.y.max(p.y) })
        });
        crate::Crs::from_extent(min, max)
    }

    /// The same points converted to `to` from `from`.
    #[must_use]
    pub fn converted(&self, from: crate::Crs, to: crate::Crs) -> Centroids {
        if from == to {
            return self.clone();
        }
        let f = crate::converter(from, to);
        Centroids { points: self.points.iter().map(|(k, &p)| (k.clone(), f(p))).collect() }
    }
}

const LSOA: &[&str] = &["LSOA11CD", "LSOA21CD", "LSOA_CODE", "LSOA11_CODE", "LSOA21_CODE", "LSOACD"];
const X: &[&str] = &["X", "LONG", "LON", "LONGITUDE"];
const Y: &[&str] = &["Y", "LAT", "LATITUDE"];

/// Reads a centroid CSV.
///
/// ```
/// use footprint_ingest::{CentroidColumns, InputFile, read_centroids};
/// let csv = "X,Y,objectid,lsoa11cd\n-1.49,54.97,1,E01008657\n";
/// let c = read_centroids(&InputFile::from_bytes("c.csv", csv.as_bytes().to_vec()), &CentroidColumns::default())?;
/// assert_eq!(c.points[&"E01008657".into()].y, 54.97);
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// A missing column, a malformed record, a coordinate that is not a finite number, an LSOA given two points.
pub fn read_centroids(input: &InputFile, columns: &CentroidColumns) -> Result<Centroids, IngestError> {
    let mut csv = CsvSource::open(input)?;
    let lsoa_col = csv.require(columns.lsoa.as_deref(), LSOA)?;
    let x_col = csv.require(columns.x.as_deref(), X)?;
    let y_col = csv.require(columns.y.as_deref(), Y)?;
    let mut points: FxHashMap<LsoaCode, (geo::Coord<f64>, u64)> = FxHashMap::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        let lsoa = LsoaCode(csv.code(&record, lsoa_col)?.to_owned());
        let point = geo::Coord { x: csv.float(&record, x_col)?, y: csv.float(&record, y_col)? };
        let line = line_of(&record);
        if let Some((first, first_line)) = points.get(&lsoa) {
            if *first != point {
                return Err(IngestError::Conflict {
                    path: input.path.clone(),
                    line,
                    key: format!("LSOA {lsoa}"),
                    first: format!("({}, {})", first.x, first.y),
                    first_line: *first_line,
                    second: format!("({}, {})", point.x, point.y),
                });
            }
            continue;
        }
        points.insert(lsoa, (point, line));
    }
    if points.is_empty() {
        return Err(csv.no_rows());
    }
    Ok(Centroids { points: points.into_iter().map(|(k, (p, _))| (k, p)).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_header_and_bad_coordinates() {
        let ok = "\u{feff}X,Y,lsoa11cd\n1.5,2.5,L1\n";
        let c = read_centroids(&InputFile::from_bytes("c.csv", ok.as_bytes().to_vec()), &CentroidColumns::default())
            .unwrap();
        assert_eq!(c.points[&"L1".into()], geo::Coord { x: 1.5, y: 2.5 });
        let bad = "X,Y,lsoa11cd\n1.5,2.5,L1\nNaN,2,L2\n";
        let err = read_centroids(&InputFile::from_bytes("c.csv", bad.as_bytes().to_vec()), &CentroidColumns::default())
            .unwrap_err();
        assert_eq!(err.to_string(), "c.csv: line 3, column 1 (X): not a finite number: \"NaN\"");
    }
}
