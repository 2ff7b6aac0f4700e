//! Reader for ESRI shapefiles (.shp, .dbf, .prj, .cpg), given as the .shp, a folder holding one, or a .zip.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Number, Value};
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use crate::areas::{AreaFields, AreaLayer, CrsEvidence, RawArea, build_layer};
use crate::source::{open_zip, sha256_hex, zip_problem};
use crate::{Crs, FileInfo, IngestError};

/// The member files of one shapefile, read into memory.
struct Parts {
    shp: Vec<u8>,
    dbf: Vec<u8>,
    prj: Option<String>,
    cpg: Option<String>,
    /// Where the .shp is (inside an archive: `archive.zip/name.shp`), for messages.
    shp_path: PathBuf,
    info: FileInfo,
}

/// Whether `path` names a shapefile input: a `.shp`, a `.zip`, or a folder.
#[must_use]
pub fn is_shapefile_input(path: &Path) -> bool {
    path.is_dir() || has_extension(path, "shp") || has_extension(path, "zip")
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Reads a shapefile area layer, with attributes decoded by the code page its `.cpg` names.
///
/// # Errors
/// A missing `.shp` or `.dbf`, a `.prj` naming a CRS other than WGS84 or British National Grid, a
/// non-polygon shape, a malformed file, and every error of [`crate::read_areas`] (per feature index).
pub fn read_shapefile(path: &Path, fields: &AreaFields) -> Result<(AreaLayer, FileInfo), IngestError> {
    let parts = locate(path)?;
    let info = parts.info.clone();
    Ok((parse(parts, fields)?, info))
}

/// Reads a shapefile already in memory: the `.shp` and `.dbf` bytes and the text of the `.prj` and
/// `.cpg` if there are any; `path` names the `.shp` in messages.
///
/// # Errors
/// As [`read_shapefile`], once the files are found.
pub fn read_shapefile_bytes(
    path: &Path,
    shp: Vec<u8>,
    dbf: Vec<u8>,
    prj: Option<String>,
    cpg: Option<String>,
    fields: &AreaFields,
) -> Result<AreaLayer, IngestError> {
    let info = FileInfo { path: path.to_owned(), sha256: sha256_hex(&shp), stored_len: shp.len() as u64, gzip: false };
    parse(Parts { shp, dbf, prj, cpg, shp_path: path.to_owned(), info }, fields)
}

fn parse(parts: Parts, fields: &AreaFields) -> Result<AreaLayer, IngestError> {
    let fail = |message: String| IngestError::Shapefile { path: parts.shp_path.clone(), message };
    let declared = match &parts.prj {
        None => None,
        Some(wkt) => Some((
            Crs::from_prj(wkt).ok_or_else(|| IngestError::Crs {
                path: parts.shp_path.with_extension("prj"),
                message: format!(
                    "unsupported CRS {:?}: footprint reads WGS84 (EPSG:4326) and British National Grid (EPSG:27700); reproject the file or give --crs",
                    prj_name(wkt)
                ),
            })?,
            CrsEvidence::Prj,
        )),
    };
    // The crate reads each record where our index says it is, after we checked it there.
    let index = check_records(&parts.shp).map_err(&fail)?;
    let mut shapes = match index {
        Some(shx) => shapefile::ShapeReader::with_shx(Cursor::new(&parts.shp), Cursor::new(shx)),
        None => shapefile::ShapeReader::new(Cursor::new(&parts.shp)),
    }
    .map_err(|e| fail(format!("not a readable .shp: {e}")))?;
    let builder = match parts.cpg.as_deref().and_then(|c| dbase::encoding::DynEncoding::from_name(c.trim())) {
        Some(encoding) => dbase::ReaderBuilder::new().with_encoding(encoding),
        None => dbase::ReaderBuilder::new(),
    };
    let dbf_path = parts.shp_path.with_extension("dbf");
    let mut records = builder
        .build(Cursor::new(&parts.dbf))
        .map_err(|e| IngestError::Shapefile { path: dbf_path.clone(), message: format!("not a readable .dbf: {e}") })?;
    let mut records = records.iter_records();
    let mut raws = Vec::new();
    for index in 0..shapes.shape_count().unwrap_or(0) {
        let shape = match shapes.read_nth_shape(index) {
            Some(Ok(shape)) => shape,
            Some(Err(e)) => return Err(fail(format!("feature {index}: {e}"))),
            None => break,
        };
        let record = match records.next() {
            Some(Ok(record)) => record,
            Some(Err(e)) => return Err(fail(format!("feature {index}: {e}"))),
            None => {
                return Err(IngestError::Shapefile {
                    path: dbf_path,
                    message: format!(
                        "has records for only the first {index} shapes of the .shp: each shape needs its record"
                    ),
                });
            }
        };
        let properties: Map<String, Value> = record.into_iter().map(|(k, v)| (k, field_value(v))).collect();
        raws.push(RawArea { index, properties, geometry: to_multipolygon(shape) });
    }
    build_layer(&parts.shp_path, raws, declared, fields)
}

/// Checks that every record of a `.shp` lies within the file and that the parts and points it claims
/// fit in it, and returns an index of the records (a `.shx`) for the shapefile crate to read them by;
/// `None` when the file is too short for a header (the crate then says what is wrong).
///
/// The crate reserves memory for the counts a record claims before reading them: unchecked, a corrupt
/// 600-byte file makes it ask for gigabytes (found by fuzzing). And without an index it reads records
/// one after another from where the previous shape's content ended, which for a null shape is not
/// where the record ends: so it is given the index of the records as checked here.
fn check_records(shp: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let Some(header) = shp.get(..100) else { return Ok(None) };
    let mut shx = header.to_vec();
    let int = |at: usize, big_endian: bool| -> Option<i64> {
        let bytes: [u8; 4] = shp.get(at..at + 4)?.try_into().ok()?;
        Some(i64::from(if big_endian { i32::from_be_bytes(bytes) } else { i32::from_le_bytes(bytes) }))
    };
    // Records run to the end of the file, or to the length its header gives if shorter (as the crate reads).
    let declared = header.get(24..28).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(i32::from_be_bytes);
    let limit = declared
        .and_then(|words| usize::try_from(words).ok())
        .map_or(shp.len(), |w| shp.len().min(w.saturating_mul(2)));
    let mut offset = 100; // the file header
    let mut feature = 0;
    while offset + 8 <= limit {
        let words = int(offset + 4, true).unwrap_or(0);
        let start = offset + 8;
        let len = usize::try_from(words.saturating_mul(2))
            .map_err(|_| format!("feature {feature}: record length {words} is negative"))?;
        let end = start.saturating_add(len);
        if end > shp.len() {
            return Err(format!(
                "feature {feature}: the record needs {len} bytes but the file ends {} bytes after its start (truncated?)",
                shp.len() - start
            ));
        }
        // Multipoint (8, 18, 28): points at byte 36. Polyline, polygon (3, 5, 13, 15, 23, 25) and
        // multipatch (31): parts at 36, points at 40; 4 bytes per part (8 for a multipatch) and 16 per point.
        let counts = || int(start + 36, false).zip(int(start + 40, false));
        let claimed = match int(start, false) {
            Some(8 | 18 | 28) => int(start + 36, false).map(|points| (40, 0, 0, points)),
            Some(3 | 5 | 13 | 15 | 23 | 25) => counts().map(|(parts, points)| (44, parts, 4, points)),
            Some(31) => counts().map(|(parts, points)| (44, parts, 8, points)),
            _ => None,
        };
        if let Some((fixed, parts, per_part, points)) = claimed
            && (parts < 0
                || points < 0
                || fixed + per_part * parts + 16 * points > i64::try_from(len).unwrap_or(i64::MAX))
        {
            return Err(format!(
                "feature {feature}: the record claims {parts} parts and {points} points, more than its {len} bytes can hold"
            ));
        }
        // Each part starts at a point index: from 0 up, never past the points (the crate reserves the
        // difference of two indices as the points of a part).
        if let Some((_, parts, _, points)) = claimed.filter(|c| c.2 > 0) {
            let mut previous = 0;
            for part in 0..usize::try_from(parts).unwrap_or(0) {
                let index = int(start + 44 + 4 * part, false).unwrap_or(0);
                let problem = if part == 0 && index != 0 {
                    format!("part 0 starts at point {index}, not 0")
                } else if index > points {
                    format!("part {part} starts at point {index} but the record has {points} points")
                } else if index < previous {
                    format!("part {part} starts at point {index}, before part {} (at {previous})", part - 1)
                } else {
                    String::new()
                };
                if !problem.is_empty() {
                    return Err(format!("feature {feature}: {problem}"));
                }
                previous = index;
            }
        }
        // The index holds each record's offset and content length, in 16-bit words, big-endian.
        let words_at =
            |bytes: usize| i32::try_from(bytes / 2).map_err(|_| format!("feature {feature}: the file is too large"));
        shx.extend_from_slice(&words_at(offset)?.to_be_bytes());
        shx.extend_from_slice(&words_at(len)?.to_be_bytes());
        offset = end;
        feature += 1;
    }
    let shx_words = i32::try_from(shx.len() / 2).map_err(|_| "the file has too many records".to_owned())?;
    shx[24..28].copy_from_slice(&shx_words.to_be_bytes());
    Ok(Some(shx))
}

/// The name in a WKT's first quoted string (`PROJCS["WGS 84 / Pseudo-Mercator", …]` → `WGS 84 / Pseudo-Mercator`).
fn prj_name(wkt: &str) -> &str {
    wkt.split('"').nth(1).unwrap_or(wkt.trim())
}

fn field_value(v: FieldValue) -> Value {
    match v {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => Value::String(s),
        FieldValue::Numeric(Some(n)) => Number::from_f64(n).map_or(Value::Null, Value::Number),
        FieldValue::Float(Some(n)) => Number::from_f64(f64::from(n)).map_or(Value::Null, Value::Number),
        FieldValue::Integer(n) => Value::Number(n.into()),
        FieldValue::Double(n) => Number::from_f64(n).map_or(Value::Null, Value::Number),
        FieldValue::Logical(Some(b)) => Value::Bool(b),
        FieldValue::Character(None)
        | FieldValue::Numeric(None)
        | FieldValue::Float(None)
        | FieldValue::Logical(None) => Value::Null,
        other => Value::String(other.to_string()),
    }
}

/// Shapefile polygons: outer rings (clockwise) each with the inner rings (holes) that lie inside them.
fn to_multipolygon(shape: Shape) -> Result<MultiPolygon<f64>, String> {
    let rings = match shape {
        Shape::Polygon(p) => {
            p.into_inner().into_iter().map(|r| map_ring(r, |p| Coord { x: p.x, y: p.y })).collect::<Vec<_>>()
        }
        Shape::PolygonM(p) => p.into_inner().into_iter().map(|r| map_ring(r, |p| Coord { x: p.x, y: p.y })).collect(),
        Shape::PolygonZ(p) => p.into_inner().into_iter().map(|r| map_ring(r, |p| Coord { x: p.x, y: p.y })).collect(),
        Shape::NullShape => return Err("null shape (no geometry)".into()),
        other => return Err(format!("{} shape in an area layer (areas must be polygons)", other.shapetype())),
    };
    let mut polygons: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
    let mut holes = Vec::new();
    for (i, (outer, ring)) in rings.into_iter().enumerate() {
        if ring.0.len() < 4 {
            return Err(format!("ring {i} has {} points; a ring needs at least 4", ring.0.len()));
        }
        if ring.0.first() != ring.0.last() {
            return Err(format!("ring {i} is not closed (first and last points differ)"));
        }
        if outer {
            polygons.push((ring, Vec::new()));
        } else {
            holes.push(ring);
        }
    }
    for hole in holes {
        // The outer ring containing the hole's first point; else the last outer ring (the order GDAL writes).
        let p = hole.0[0];
        let owner = polygons
            .iter()
            .rposition(|(outer, _)| crate::ring_contains(outer, p))
            .or_else(|| polygons.len().checked_sub(1))
            .ok_or("a hole with no outer ring")?;
        polygons[owner].1.push(hole);
    }
    if polygons.is_empty() {
        return Err("polygon with no rings".into());
    }
    Ok(MultiPolygon(polygons.into_iter().map(|(e, h)| Polygon::new(e, h)).collect()))
}

fn map_ring<P: Copy>(ring: PolygonRing<P>, f: impl Fn(P) -> Coord<f64>) -> (bool, LineString<f64>) {
    match ring {
        PolygonRing::Outer(points) => (true, LineString(points.into_iter().map(f).collect())),
        PolygonRing::Inner(points) => (false, LineString(points.into_iter().map(f).collect())),
    }
}

/// Finds and reads the member files.
fn locate(path: &Path) -> Result<Parts, IngestError> {
    let fail = |message: String| IngestError::Shapefile { path: path.to_owned(), message };
    if has_extension(path, "zip") {
        return from_zip(path);
    }
    let shp_path = if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
        let mut shps: Vec<PathBuf> =
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| has_extension(p, "shp")).collect();
        shps.sort();
        match shps.len() {
            1 => shps.remove(0),
            0 => return Err(fail("folder holds no .shp file".into())),
            _ => {
                let names: Vec<String> =
                    shps.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
                return Err(fail(format!(
                    "folder holds {} shapefiles ({}): name the .shp to read",
                    shps.len(),
                    names.join(", ")
                )));
            }
        }
    } else {
        path.to_owned()
    };
    let shp = std::fs::read(&shp_path).map_err(|source| IngestError::Io { path: shp_path.clone(), source })?;
    let sibling = |ext: &str| -> Option<PathBuf> {
        [ext.to_owned(), ext.to_ascii_uppercase()].into_iter().map(|e| shp_path.with_extension(e)).find(|p| p.is_file())
    };
    let dbf_path = sibling("dbf").ok_or_else(|| IngestError::Shapefile {
        path: shp_path.with_extension("dbf"),
        message: "missing: a shapefile needs its .dbf beside the .shp for the area codes".into(),
    })?;
    let dbf = std::fs::read(&dbf_path).map_err(|source| IngestError::Io { path: dbf_path, source })?;
    let text =
        |ext: &str| sibling(ext).and_then(|p| std::fs::read(p).ok()).map(|b| String::from_utf8_lossy(&b).into_owned());
    let info = FileInfo { path: path.to_owned(), sha256: sha256_hex(&shp), stored_len: shp.len() as u64, gzip: false };
    Ok(Parts { prj: text("prj"), cpg: text("cpg"), shp, dbf, shp_path, info })
}

fn from_zip(path: &Path) -> Result<Parts, IngestError> {
    let stored = std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    let corrupt = |e: zip::result::ZipError| IngestError::Corrupt { path: path.to_owned(), message: zip_problem(&e) };
    let mut archive = open_zip(path, &stored)?;
    let names: Vec<String> =
        archive.file_names().map(|n| n.map(std::borrow::Cow::into_owned)).collect::<Result<_, _>>().map_err(corrupt)?;
    let mut shps: Vec<&String> = names.iter().filter(|n| n.to_ascii_lowercase().ends_with(".shp")).collect();
    shps.sort();
    let shp_name = match shps.len() {
        1 => shps[0].clone(),
        0 => {
            return Err(IngestError::Shapefile { path: path.to_owned(), message: "archive holds no .shp file".into() });
        }
        n => {
            return Err(IngestError::Shapefile {
                path: path.to_owned(),
                message: format!(
                    "archive holds {n} shapefiles ({}); extract the one to read",
                    shps.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
    };
    let stem = &shp_name[..shp_name.len() - 4];
    let mut member = |ext: &str| -> Result<Option<Vec<u8>>, IngestError> {
        let Some(name) = names
            .iter()
            .find(|n| n.len() == stem.len() + 4 && n.starts_with(stem) && n[stem.len()..].eq_ignore_ascii_case(ext))
        else {
            return Ok(None);
        };
        let mut file = archive.by_name(name).map_err(corrupt)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| IngestError::Corrupt { path: path.join(name), message: format!("cannot extract: {e}") })?;
        Ok(Some(bytes))
    };
    let shp = member(".shp")?.unwrap_or_default();
    let dbf = member(".dbf")?.ok_or_else(|| IngestError::Shapefile {
        path: path.join(format!("{stem}.dbf")),
        message: "missing: a shapefile needs its .dbf beside the .shp for the area codes".into(),
    })?;
    let prj = member(".prj")?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let cpg = member(".cpg")?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let info =
        FileInfo { path: path.to_owned(), sha256: sha256_hex(&stored), stored_len: stored.len() as u64, gzip: false };
    Ok(Parts { shp, dbf, prj, cpg, shp_path: path.join(&shp_name), info })
}
