//! Reader for an area layer (MSOA boundaries) given as a GeoJSON FeatureCollection of Polygons and MultiPolygons.
//!
//! The collection is deserialised straight into typed coordinates (no intermediate JSON tree), which
//! is what keeps reading the 35 MB national layer near 0.1 s.

use std::fmt;
use std::path::Path;

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{Area, AreaCode, Crs, IngestError, InputFile};

/// Which properties hold each area's code and name; `None` means detect.
#[derive(Clone, Debug, Default)]
pub struct AreaFields {
    /// The code property (detected: `MSOA11CD`, `MSOA21CD`, …, else the one property ending in `CD`).
    pub code: Option<String>,
    /// The name property (detected: `MSOA11NM`, `MSOA21NM`, …, else the one property ending in `NM`).
    pub name: Option<String>,
    /// The CRS of the coordinates, overriding what the file says (`--crs`).
    pub crs: Option<Crs>,
    /// What the layer's features are.
    pub kind: LayerKind,
}

/// What the features of an area layer are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LayerKind {
    /// Statistical areas (MSOAs, LSOAs), one feature per code; codes must be unique.
    #[default]
    Areas,
    /// Team areas: the "code" is the team's name (detected: `team`, `team_name`, `name`, `area_name`,
    /// `locality`, `neighbourhood`, …, else the one property ending in `NAME`); features with the same
    /// name are one team, their union.
    Teams,
}

/// How the CRS of a layer was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CrsEvidence {
    /// Given by the user (`--crs`).
    Override,
    /// The GeoJSON `crs` member.
    GeojsonCrsMember,
    /// The shapefile's `.prj`.
    Prj,
    /// Inferred from the extent of the coordinates (no `crs` member or `.prj`).
    Extent,
}

impl CrsEvidence {
    /// A short description for the run summary.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            CrsEvidence::Override => "given with --crs",
            CrsEvidence::GeojsonCrsMember => "the GeoJSON crs member",
            CrsEvidence::Prj => "the .prj file",
            CrsEvidence::Extent => "inferred from the coordinate extent (the file declares no CRS)",
        }
    }
}

/// An invalid polygon found at ingest and repaired.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Repair {
    /// The area code.
    pub code: String,
    /// The feature index in the file.
    pub feature: usize,
    /// Why it was invalid (as geo's validation explains it).
    pub problem: String,
    /// Polygon parts before and after the repair.
    pub parts: (usize, usize),
}

/// The areas of a layer, sorted by code.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AreaLayer {
    /// The areas, sorted by code; an [`crate::AreaId`] indexes this.
    pub areas: Vec<Area>,
    /// The property the codes were read from.
    pub code_field: String,
    /// The property the names were read from (`None` when the layer has none).
    pub name_field: Option<String>,
    /// The CRS of the coordinates.
    pub crs: Crs,
    /// How the CRS was decided.
    pub crs_evidence: CrsEvidence,
    /// Invalid polygons repaired at ingest (even–odd rule, constrained Delaunay triangulation).
    pub repairs: Vec<Repair>,
}

impl Default for AreaLayer {
    /// An empty layer (WGS84).
    fn default() -> Self {
        Self {
            areas: Vec::new(),
            code_field: String::new(),
            name_field: None,
            crs: Crs::Wgs84,
            crs_evidence: CrsEvidence::Extent,
            repairs: Vec::new(),
        }
    }
}

impl AreaLayer {
    /// The index of the area with this code.
    #[must_use]
    pub fn find(&self, code: &str) -> Option<crate::AreaId> {
        self.areas.binary_search_by(|a| a.code.as_str().cmp(code)).ok().map(|i| crate::AreaId(i as u32))
    }
}

const CODE_FIELDS: &[&str] = &[
    "MSOA11CD",
    "MSOA21CD",
    "MSOA01CD",
    "MSOA_CODE",
    "MSOACD",
    "LSOA11CD",
    "LSOA21CD",
    "LSOA_CODE",
    "AREA_CODE",
    "CODE",
];
const TEAM_FIELDS: &[&str] = &[
    "TEAM",
    "TEAM_NAME",
    "TEAMNAME",
    "NAME",
    "AREA_NAME",
    "LOCALITY",
    "LOCALITY_NAME",
    "NEIGHBOURHOOD",
    "NEIGHBOURHOOD_NAME",
    "NHOOD",
    "PLACE",
];
const NAME_FIELDS: &[&str] = &[
    "MSOA11NM",
    "MSOA21NM",
    "MSOA01NM",
    "MSOA_NAME",
    "MSOANM",
    "LSOA11NM",
    "LSOA21NM",
    "LSOA_NAME",
    "AREA_NAME",
    "NAME",
];

/// Reads a GeoJSON FeatureCollection of areas.
///
/// ```
/// use footprint_ingest::{AreaFields, Crs, InputFile, read_areas};
/// let json = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
///   "properties":{"MSOA11CD":"E02000001","MSOA11NM":"City of London 001"},
///   "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
/// let layer = read_areas(&InputFile::from_bytes("a.geojson", json.into()), &AreaFields::default())?;
/// assert_eq!(layer.areas[0].code.as_str(), "E02000001");
/// assert_eq!(layer.name_field.as_deref(), Some("MSOA11NM"));
/// assert_eq!(layer.crs, Crs::Wgs84);
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// A gzip file left compressed ([`InputFile::read_compressed`]) is decompressed first.
///
/// # Errors
/// Invalid JSON (with line and column), a document that is not a FeatureCollection, a feature with a
/// missing code, a null or non-polygon geometry, a ring of fewer than four positions or not closed,
/// two features with the same code, a CRS that is not WGS84 or British National Grid; a corrupt gzip
/// stream.
pub fn read_areas(input: &InputFile, fields: &AreaFields) -> Result<AreaLayer, IngestError> {
    if input.compressed {
        return read_areas(&InputFile::from_stored(&input.path, input.bytes.clone())?, fields);
    }
    let path = input.path.as_path();
    if input.content().iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::Empty { path: path.to_owned() });
    }
    let raw: RawCollection = serde_json::from_slice(input.content()).map_err(|e| IngestError::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: format!(
            "{}{}",
            e.to_string().split(" at line ").next().unwrap_or_default(),
            near(input.content(), e.line(), e.column())
        ),
    })?;
    let not_collection = |message: String| IngestError::Json { path: path.to_owned(), line: 1, column: 1, message };
    if raw.kind != "FeatureCollection" {
        return Err(not_collection(format!("expected a GeoJSON FeatureCollection, found type {:?}", raw.kind)));
    }
    let features = raw.features.ok_or_else(|| not_collection("FeatureCollection has no features member".into()))?;
    let declared = match raw.crs.as_ref().and_then(|c| c.pointer("/properties/name")).and_then(Value::as_str) {
        None => None,
        Some(name) => Some(Crs::from_geojson_name(name).ok_or_else(|| {
            not_collection(format!("unsupported crs {name:?}: footprint reads WGS84 (CRS84, EPSG:4326) and British National Grid (EPSG:27700)"))
        })?),
    };
    let raws = features
        .into_iter()
        .enumerate()
        .map(|(index, f)| RawArea {
            index,
            properties: f.properties.unwrap_or_default(),
            geometry: match f.geometry {
                None => Err("geometry is null".into()),
                Some(g) => to_multipolygon(g),
            },
        })
        .collect();
    build_layer(path, raws, declared.map(|c| (c, CrsEvidence::GeojsonCrsMember)), fields)
}

/// The text at a 1-based line and column, for an error message: ` near "…"` (up to 24 characters).
fn near(content: &[u8], line: usize, column: usize) -> String {
    let Some(text) = content.split(|&b| b == b'\n').nth(line.saturating_sub(1)) else { return String::new() };
    let mut start = column.saturating_sub(1).min(text.len());
    // serde_json points after a number it cannot hold (`1e999`): show the whole number.
    while start > 0 && text.get(start - 1).is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(b)) {
        start -= 1;
    }
    let snippet: String = String::from_utf8_lossy(&text[start..]).chars().take(24).collect();
    if snippet.trim().is_empty() { String::new() } else { format!(" near {snippet:?}") }
}

/// One feature as read from any format, before validation.
pub(crate) struct RawArea {
    pub(crate) index: usize,
    pub(crate) properties: Map<String, Value>,
    pub(crate) geometry: Result<MultiPolygon<f64>, String>,
}

/// Turns features into a layer: codes and names, the CRS, validity (repairing invalid polygons),
/// ring orientation (exteriors counter-clockwise, holes clockwise), code order and uniqueness.
pub(crate) fn build_layer(
    path: &Path,
    raws: Vec<RawArea>,
    declared: Option<(Crs, CrsEvidence)>,
    fields: &AreaFields,
) -> Result<AreaLayer, IngestError> {
    let first_properties = match raws.first() {
        Some(r) => r.properties.clone(),
        None => {
            return Err(IngestError::Json {
                path: path.to_owned(),
                line: 1,
                column: 1,
                message: "the layer has no features".into(),
            });
        }
    };
    let (known, suffix, what, flag) = if fields.kind == LayerKind::Teams {
        (TEAM_FIELDS, "NAME", "team name", "--team-field")
    } else {
        (CODE_FIELDS, "CD", "area code", "--code-field")
    };
    let code_field = pick_field(path, &first_properties, fields.code.as_deref(), known, suffix)?
        .ok_or_else(|| feature_error(path, 0, None, missing_field_message(&first_properties, what, flag)))?;
    let name_field = pick_field(path, &first_properties, fields.name.as_deref(), NAME_FIELDS, "NM")?;

    let mut areas = Vec::with_capacity(raws.len());
    for raw in raws {
        let code = match raw.properties.get(&code_field) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            other => {
                return Err(feature_error(
                    path,
                    raw.index,
                    None,
                    format!("property {code_field:?} must be a non-empty string, found {}", show(other)),
                ));
            }
        };
        let name = match name_field.as_ref().map(|f| raw.properties.get(f)) {
            None | Some(None | Some(Value::Null)) => String::new(),
            Some(Some(Value::String(s))) => s.trim().to_owned(),
            Some(Some(other)) => other.to_string(),
        };
        let geometry = raw.geometry.map_err(|problem| feature_error(path, raw.index, Some(&code), problem))?;
        if let Some(c) = geometry
            .iter()
            .flat_map(|p| p.exterior().0.iter().chain(p.interiors().iter().flat_map(|r| r.0.iter())))
            .find(|c| !c.x.is_finite() || !c.y.is_finite())
        {
            return Err(feature_error(
                path,
                raw.index,
                Some(&code),
                format!("coordinate ({}, {}) is not a finite number", c.x, c.y),
            ));
        }
        areas.push(Area { code: AreaCode(code), name, geometry, feature_index: raw.index });
    }

    let (crs, crs_evidence) = decide_crs(path, &areas, declared, fields.crs)?;
    // Stable: features of one code stay in file order.
    areas.sort_by(|a, b| a.code.cmp(&b.code));
    if fields.kind == LayerKind::Teams {
        // A team drawn as several features (say, the footprints of its PCNs) is their union.
        let repairs = validate(path, &mut areas)?;
        return Ok(AreaLayer { areas: merge_same_code(areas), code_field, name_field, crs, crs_evidence, repairs });
    }
    if let Some(w) = areas.windows(2).find(|w| w[0].code == w[1].code) {
        let (first, second) = (w[0].feature_index.min(w[1].feature_index), w[0].feature_index.max(w[1].feature_index));
        return Err(IngestError::DuplicateArea { path: path.to_owned(), code: w[0].code.0.clone(), first, second });
    }
    let repairs = validate(path, &mut areas)?;
    Ok(AreaLayer { areas, code_field, name_field, crs, crs_evidence, repairs })
}

/// Areas sorted by code, each run of one code made one area: the union of their geometries (exteriors
/// counter-clockwise), with the first one's name and feature index.
fn merge_same_code(areas: Vec<Area>) -> Vec<Area> {
    use geo::orient::{Direction, Orient};
    let mut merged: Vec<Area> = Vec::with_capacity(areas.len());
    for run in areas.chunk_by(|a, b| a.code == b.code) {
        let mut area = run[0].clone();
        if run.len() > 1 {
            let union = geo::unary_union(run.iter().flat_map(|a| a.geometry.0.iter()));
            area.geometry = union.orient(Direction::Default);
        }
        merged.push(area);
    }
    merged
}

/// The CRS: the override, else what the file declares (checked against the extent), else the extent.
fn decide_crs(
    path: &Path,
    areas: &[Area],
    declared: Option<(Crs, CrsEvidence)>,
    chosen: Option<Crs>,
) -> Result<(Crs, CrsEvidence), IngestError> {
    if let Some(c) = chosen {
        return Ok((c, CrsEvidence::Override));
    }
    let Some(extent) = MultiPolygon(areas.iter().flat_map(|a| a.geometry.0.iter().cloned()).collect()).bounding_rect()
    else {
        return Ok(declared.unwrap_or((Crs::Wgs84, CrsEvidence::Extent)));
    };
    let fits = Crs::from_extent(extent.min(), extent.max());
    let show = |c: Coord<f64>| format!("({}, {})", c.x, c.y);
    match (declared, fits) {
        (Some((Crs::Wgs84, evidence)), Some(Crs::BritishNationalGrid)) => Err(IngestError::Crs {
            path: path.to_owned(),
            message: format!(
                "{} says WGS84 degrees but the coordinates run from {} to {}, which are metres (British National Grid?); give --crs bng if so",
                evidence.describe(),
                show(extent.min()),
                show(extent.max())
            ),
        }),
        (Some(d), _) => Ok(d),
        (None, Some(c)) => Ok((c, CrsEvidence::Extent)),
        (None, None) => Err(IngestError::Crs {
            path: path.to_owned(),
            message: format!(
                "the file declares no CRS and its coordinates, from {} to {}, are neither WGS84 degrees nor British National Grid metres; give --crs",
                show(extent.min()),
                show(extent.max())
            ),
        }),
    }
}

/// Repairs invalid polygons (in parallel) and orients every ring; returns the repairs in feature order.
/// An area is repaired when two of its edges cross, touch or overlap and geo's validation confirms
/// it is invalid; the repair is geo's `MakeValid` (even–odd rule, as the point-in-polygon test).
fn validate(path: &Path, areas: &mut [Area]) -> Result<Vec<Repair>, IngestError> {
    use geo::{MakeValid, Validation};
    use rayon::prelude::*;
    let results: Vec<Result<Option<Repair>, IngestError>> = areas
        .par_iter_mut()
        .map(|area| {
            let flagged = crate::validity::has_crossing_edges(&area.geometry);
            let repair = match flagged.then(|| area.geometry.check_validation()) {
                None | Some(Ok(())) => None,
                Some(Err(invalid)) => {
                    let problem = invalid.to_string();
                    // geo's repair asserts on some degenerate rings (found by fuzzing): a panic there is
                    // a polygon that cannot be repaired, not a crash.
                    let repaired = crate::panics::quietly(|| area.geometry.make_valid().map_err(|e| e.to_string()));
                    let fixed = repaired.and_then(|r| r).map_err(|e| {
                        feature_error(
                            path,
                            area.feature_index,
                            Some(area.code.as_str()),
                            format!("invalid polygon ({problem}) that cannot be repaired: {e}"),
                        )
                    })?;
                    let parts = (area.geometry.0.len(), fixed.0.len());
                    area.geometry = canonical(fixed);
                    Some(Repair { code: area.code.0.clone(), feature: area.feature_index, problem, parts })
                }
            };
            orient_in_place(&mut area.geometry);
            Ok(repair)
        })
        .collect();
    let mut repairs = Vec::new();
    for r in results {
        if let Some(r) = r? {
            repairs.push(r);
        }
    }
    repairs.sort_by_key(|r| r.feature);
    Ok(repairs)
}

/// Twice the signed area of a closed ring (shoelace): positive when it runs counter-clockwise.
///
/// ```
/// let square = [(0., 0.), (1., 0.), (1., 1.), (0., 1.), (0., 0.)].map(|(x, y)| geo::Coord { x, y });
/// assert_eq!(footprint_ingest::twice_signed_area(&square), 2.0);
/// ```
#[must_use]
pub fn twice_signed_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

/// Exteriors counter-clockwise, holes clockwise (reversing only the rings that need it).
fn orient_in_place(geometry: &mut MultiPolygon<f64>) {
    for polygon in &mut geometry.0 {
        polygon.exterior_mut(|ring| {
            if twice_signed_area(&ring.0) < 0.0 {
                ring.0.reverse();
            }
        });
        polygon.interiors_mut(|holes| {
            for ring in holes {
                if twice_signed_area(&ring.0) > 0.0 {
                    ring.0.reverse();
                }
            }
        });
    }
}

/// The same polygons in a canonical order, so a repair gives the same bytes on every run: each ring
/// starts at its smallest vertex (by x, then y), holes are sorted by that vertex, and parts too.
fn canonical(mut geometry: MultiPolygon<f64>) -> MultiPolygon<f64> {
    fn key(ring: &LineString<f64>) -> (f64, f64) {
        ring.0.iter().fold((f64::INFINITY, f64::INFINITY), |k, c| if (c.x, c.y) < k { (c.x, c.y) } else { k })
    }
    fn rotate(ring: &mut LineString<f64>) {
        let open = ring.0.len().saturating_sub(1);
        if let Some(start) =
            (0..open).min_by(|&i, &j| ring.0[i].x.total_cmp(&ring.0[j].x).then(ring.0[i].y.total_cmp(&ring.0[j].y)))
        {
            ring.0.truncate(open);
            ring.0.rotate_left(start);
            let first = ring.0[0];
            ring.0.push(first);
        }
    }
    let cmp = |a: (f64, f64), b: (f64, f64)| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1));
    let mut polygons: Vec<Polygon<f64>> = geometry
        .0
        .drain(..)
        .map(|p| {
            let (mut exterior, mut holes) = p.into_inner();
            rotate(&mut exterior);
            holes.iter_mut().for_each(rotate);
            holes.sort_by(|a, b| cmp(key(a), key(b)));
            Polygon::new(exterior, holes)
        })
        .collect();
    polygons.sort_by(|a, b| cmp(key(a.exterior()), key(b.exterior())));
    MultiPolygon(polygons)
}

fn pick_field(
    path: &Path,
    properties: &Map<String, Value>,
    chosen: Option<&str>,
    known: &[&str],
    suffix: &str,
) -> Result<Option<String>, IngestError> {
    if let Some(chosen) = chosen {
        return match properties.keys().find(|k| k.eq_ignore_ascii_case(chosen)) {
            Some(k) => Ok(Some(k.clone())),
            None => Err(feature_error(
                path,
                0,
                None,
                format!(
                    "no property {chosen:?} (properties: {})",
                    properties.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )),
        };
    }
    let by_name = known.iter().find_map(|n| properties.keys().find(|k| k.eq_ignore_ascii_case(n)));
    if let Some(k) = by_name {
        return Ok(Some(k.clone()));
    }
    let mut by_suffix = properties.keys().filter(|k| k.to_ascii_uppercase().ends_with(suffix));
    match (by_suffix.next(), by_suffix.next()) {
        (Some(k), None) => Ok(Some(k.clone())),
        _ => Ok(None),
    }
}

fn missing_field_message(properties: &Map<String, Value>, what: &str, flag: &str) -> String {
    format!(
        "cannot tell which property holds the {what} (properties: {}); choose one with {flag}",
        properties.keys().cloned().collect::<Vec<_>>().join(", ")
    )
}

fn show(value: Option<&Value>) -> String {
    match value {
        None => "nothing".into(),
        Some(v) => v.to_string(),
    }
}

fn feature_error(path: &Path, feature: usize, code: Option<&str>, problem: String) -> IngestError {
    IngestError::Feature { path: path.to_owned(), feature, code: code.map(str::to_owned), problem }
}

fn to_multipolygon(geometry: RawGeometry) -> Result<MultiPolygon<f64>, String> {
    let coords = match geometry.coordinates {
        None => return Err(format!("{} geometry has no coordinates", geometry.kind)),
        Some(Coordinates::Polygon(rings)) => return Ok(MultiPolygon(vec![typed_polygon(rings, 0)?])),
        Some(Coordinates::MultiPolygon(parts)) => {
            if parts.is_empty() {
                return Err("MultiPolygon has no polygons".into());
            }
            return parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| typed_polygon(p, i))
                .collect::<Result<_, _>>()
                .map(MultiPolygon);
        }
        Some(Coordinates::Other(coords)) => coords,
    };
    match geometry.kind.as_str() {
        "Polygon" => Ok(MultiPolygon(vec![to_polygon(coords, 0)?])),
        "MultiPolygon" => {
            let parts = coords.into_list("MultiPolygon coordinates")?;
            if parts.is_empty() {
                return Err("MultiPolygon has no polygons".into());
            }
            parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| to_polygon(p, i))
                .collect::<Result<Vec<_>, _>>()
                .map(MultiPolygon)
        }
        other => Err(format!("{other} geometry in an area layer (areas must be Polygon or MultiPolygon)")),
    }
}

fn typed_polygon(rings: Vec<Vec<Coord<f64>>>, part: usize) -> Result<Polygon<f64>, String> {
    let mut rings = rings.into_iter().enumerate().map(|(r, points)| checked_ring(points, part, r));
    let exterior = rings.next().ok_or_else(|| format!("polygon {part} has no rings"))??;
    Ok(Polygon::new(exterior, rings.collect::<Result<Vec<_>, _>>()?))
}

fn checked_ring(points: Vec<Coord<f64>>, part: usize, ring: usize) -> Result<LineString<f64>, String> {
    if points.len() < 4 {
        return Err(format!("polygon {part} ring {ring} has {} positions; a ring needs at least 4", points.len()));
    }
    if points.first() != points.last() {
        return Err(format!("polygon {part} ring {ring} is not closed (first and last positions differ)"));
    }
    Ok(LineString(points))
}

fn to_polygon(coords: Coords, part: usize) -> Result<Polygon<f64>, String> {
    let mut rings =
        coords.into_list("polygon coordinates")?.into_iter().enumerate().map(|(r, ring)| to_ring(ring, part, r));
    let exterior = rings.next().ok_or_else(|| format!("polygon {part} has no rings"))??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn to_ring(coords: Coords, part: usize, ring: usize) -> Result<LineString<f64>, String> {
    let positions = coords.into_list("ring")?;
    let points = positions
        .into_iter()
        .map(|p| match p {
            Coords::List(xy) if xy.len() >= 2 => match (&xy[0], &xy[1]) {
                (Coords::Num(x), Coords::Num(y)) => Ok(Coord { x: *x, y: *y }),
                _ => Err(format!("polygon {part} ring {ring}: a position must be numbers")),
            },
            other => Err(format!("polygon {part} ring {ring}: a position must be [x, y], found {other}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    checked_ring(points, part, ring)
}

#[derive(Deserialize)]
struct RawCollection {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    features: Option<Vec<RawFeature>>,
    #[serde(default)]
    crs: Option<Value>,
}

#[derive(Deserialize)]
struct RawFeature {
    #[serde(default)]
    properties: Option<Map<String, Value>>,
    #[serde(default)]
    geometry: Option<RawGeometry>,
}

struct RawGeometry {
    kind: String,
    coordinates: Option<Coordinates>,
}

/// Coordinates parsed straight into rings when the geometry's `type` comes before them (as every
/// writer we know puts it), else into the generic nested form.
enum Coordinates {
    Polygon(Vec<Vec<Coord<f64>>>),
    MultiPolygon(Vec<Vec<Vec<Coord<f64>>>>),
    Other(Coords),
}

impl<'de> Deserialize<'de> for RawGeometry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GeometryVisitor;
        impl<'de> Visitor<'de> for GeometryVisitor {
            type Value = RawGeometry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a GeoJSON geometry object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawGeometry, A::Error> {
                let mut kind: Option<String> = None;
                let mut coordinates = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "type" => kind = Some(map.next_value()?),
                        "coordinates" => {
                            coordinates = Some(match kind.as_deref() {
                                Some("Polygon") => Coordinates::Polygon(map.next_value_seed(Many(Many(Position)))?),
                                Some("MultiPolygon") => {
                                    Coordinates::MultiPolygon(map.next_value_seed(Many(Many(Many(Position))))?)
                                }
                                _ => Coordinates::Other(map.next_value()?),
                            });
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
                Ok(RawGeometry { kind, coordinates })
            }
        }
        deserializer.deserialize_map(GeometryVisitor)
    }
}

/// A position `[x, y, …]` read as a coordinate (further ordinates are skipped).
#[derive(Clone, Copy)]
struct Position;

impl<'de> de::DeserializeSeed<'de> for Position {
    type Value = Coord<f64>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Coord<f64>, D::Error> {
        struct PositionVisitor;
        impl<'de> Visitor<'de> for PositionVisitor {
            type Value = Coord<f64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coord<f64>, A::Error> {
                let x: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Coord { x, y })
            }
        }
        deserializer.deserialize_seq(PositionVisitor)
    }
}

/// An array of whatever `S` reads.
#[derive(Clone, Copy)]
struct Many<S>(S);

impl<'de, S: de::DeserializeSeed<'de> + Copy> de::DeserializeSeed<'de> for Many<S> {
    type Value = Vec<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        struct ManyVisitor<S>(S);
        impl<'de, S: de::DeserializeSeed<'de> + Copy> Visitor<'de> for ManyVisitor<S> {
            type Value = Vec<S::Value>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of coordinates")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(8));
                while let Some(item) = seq.next_element_seed(self.0)? {
                    items.push(item);
                }
                Ok(items)
            }
        }
        deserializer.deserialize_seq(ManyVisitor(self.0))
    }
}

/// GeoJSON coordinates of any depth.
enum Coords {
    Num(f64),
    List(Vec<Coords>),
}

impl Coords {
    fn into_list(self, what: &str) -> Result<Vec<Coords>, String> {
        match self {
            Coords::List(l) => Ok(l),
            Coords::Num(n) => Err(format!("{what} must be an array, found the number {n}")),
        }
    }
}

impl fmt::Display for Coords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coords::Num(n) => write!(f, "{n}"),
            Coords::List(l) => write!(f, "an array of {} items", l.len()),
        }
    }
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CoordsVisitor;
        impl<'de> Visitor<'de> for CoordsVisitor {
            type Value = Coords;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or an array of coordinates")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Coords, E> {
                Ok(Coords::Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Coords, E> {
                Ok(Coords::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Coords, E> {
                Ok(Coords::Num(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(2));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Coords::List(items))
            }
        }
        deserializer.deserialize_any(CoordsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<AreaLayer, IngestError> {
        read_areas(&InputFile::from_bytes("areas.geojson", json.into()), &AreaFields::default())
    }

    fn feature(code: &str, geometry: &str) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"MSOA11CD":"{code}","MSOA11NM":"n {code}"}},"geometry":{geometry}}}"#
        )
    }

    fn collection(features: &[String]) -> String {
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
    }

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.2,0.2],[0.4,0.2],[0.4,0.4],[0.2,0.2]]]}"#;

    fn check_error(features: &[String], expected: &str) {
        assert_eq!(read(&collection(features)).unwrap_err().to_string(), expected);
    }

    #[test]
    fn polygons_and_multipolygons_are_read_and_sorted_by_code() {
        let multi =
            r#"{"type":"MultiPolygon","coordinates":[[[[5,5],[6,5],[6,6],[5,5]]],[[[7,7],[8,7],[8,8],[7,7]]]]}"#;
        let layer = read(&collection(&[feature("E2", SQUARE), feature("E1", multi)])).unwrap();
        assert_eq!(layer.areas.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), ["E1", "E2"]);
        assert_eq!(layer.areas[0].geometry.0.len(), 2);
        assert_eq!(layer.areas[0].feature_index, 1);
        assert_eq!(layer.areas[1].geometry.0[0].interiors().len(), 1);
        assert_eq!(layer.areas[1].name, "n E2");
        assert_eq!(layer.find("E2"), Some(crate::AreaId(1)));
    }

    #[test]
    fn bad_features_name_their_index_and_problem() {
        check_error(
            &[feature("E1", SQUARE), feature("E2", r#"{"type":"Point","coordinates":[0,0]}"#)],
            "areas.geojson: feature 1 (E2): Point geometry in an area layer (areas must be Polygon or MultiPolygon)",
        );
        check_error(&[feature("E1", "null")], "areas.geojson: feature 0 (E1): geometry is null");
        check_error(
            &[feature("E1", r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#)],
            "areas.geojson: feature 0 (E1): polygon 0 ring 0 has 3 positions; a ring needs at least 4",
        );
        check_error(
            &[feature("E1", r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#)],
            "areas.geojson: feature 0 (E1): polygon 0 ring 0 is not closed (first and last positions differ)",
        );
        check_error(
            &[feature("E1", SQUARE), feature("E1", SQUARE)],
            "areas.geojson: feature 1: area code \"E1\" already used by feature 0",
        );
    }

    #[test]
    fn crs_from_member_extent_and_contradictions() {
        let bng =
            r#"{"type":"Polygon","coordinates":[[[430000,381000],[431000,381000],[431000,382000],[430000,381000]]]}"#;
        let plain = read(&collection(&[feature("E1", bng)])).unwrap();
        assert_eq!((plain.crs, plain.crs_evidence), (Crs::BritishNationalGrid, CrsEvidence::Extent));
        let with_member = |name: &str| {
            format!(
                r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"{name}"}}}},"features":[{}]}}"#,
                feature("E1", bng)
            )
        };
        let declared = read(&with_member("urn:ogc:def:crs:EPSG::27700")).unwrap();
        assert_eq!((declared.crs, declared.crs_evidence), (Crs::BritishNationalGrid, CrsEvidence::GeojsonCrsMember));
        assert_eq!(
            read(&with_member("urn:ogc:def:crs:OGC:1.3:CRS84")).unwrap_err().to_string(),
            "areas.geojson: the GeoJSON crs member says WGS84 degrees but the coordinates run from (430000, 381000) to (431000, 382000), which are metres (British National Grid?); give --crs bng if so"
        );
        assert_eq!(
            read(&with_member("urn:ogc:def:crs:EPSG::3857")).unwrap_err().to_string(),
            "areas.geojson: line 1, column 1: unsupported crs \"urn:ogc:def:crs:EPSG::3857\": footprint reads WGS84 (CRS84, EPSG:4326) and British National Grid (EPSG:27700)"
        );
        let mercator = r#"{"type":"Polygon","coordinates":[[[-200000,6700000],[-190000,6700000],[-190000,6710000],[-200000,6700000]]]}"#;
        assert_eq!(
            read(&collection(&[feature("E1", mercator)])).unwrap_err().to_string(),
            "areas.geojson: the file declares no CRS and its coordinates, from (-200000, 6700000) to (-190000, 6710000), are neither WGS84 degrees nor British National Grid metres; give --crs"
        );
    }

    #[test]
    fn a_self_intersecting_polygon_is_repaired_and_recorded() {
        let bowtie = r#"{"type":"Polygon","coordinates":[[[0,0],[0,2],[2,0],[2,2],[0,0]]]}"#;
        let layer = read(&collection(&[feature("E1", bowtie)])).unwrap();
        assert_eq!(layer.repairs.len(), 1);
        assert_eq!(layer.repairs[0].parts, (1, 2));
        assert_eq!(layer.repairs[0].problem, "polygon at index 0 is invalid: exterior ring has a self-intersection");
        use geo::{Area, Validation};
        assert!(layer.areas[0].geometry.is_valid());
        // Two triangles of area 1 each, exteriors counter-clockwise.
        assert_eq!(layer.areas[0].geometry.signed_area(), 2.0);
    }

    #[test]
    fn invalid_json_has_line_and_column() {
        let err = read("{\"type\":\"FeatureCollection\",\n\"features\":[1e400]}").unwrap_err();
        assert!(err.to_string().starts_with("areas.geojson: line 2, column"), "{err}");
        let err = read(r#"{"type":"Feature"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "areas.geojson: line 1, column 1: expected a GeoJSON FeatureCollection, found type \"Feature\""
        );
    }
}
