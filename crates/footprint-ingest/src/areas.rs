//! Reader for an area layer (MSOA boundaries) given as a GeoJSON FeatureCollection of Polygons and MultiPolygons.
//!
//! The collection is deserialised straight into typed coordinates (no intermediate JSON tree), which
//! is what keeps reading the 35 MB national layer near 0.1 s.

use std::fmt;
use std::path::Path;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{Area, AreaCode, IngestError, InputFile};

/// Which properties hold each area's code and name; `None` means detect.
#[derive(Clone, Debug, Default)]
pub struct AreaFields {
    /// The code property (detected: `MSOA11CD`, `MSOA21CD`, …, else the one property ending in `CD`).
    pub code: Option<String>,
    /// The name property (detected: `MSOA11NM`, `MSOA21NM`, …, else the one property ending in `NM`).
    pub name: Option<String>,
}

/// The areas of a layer, sorted by code.
#[derive(Clone, Debug, Default)]
pub struct AreaLayer {
    /// The areas, sorted by code; an [`crate::AreaId`] indexes this.
    pub areas: Vec<Area>,
    /// The property the codes were read from.
    pub code_field: String,
    /// The property the names were read from (`None` when the layer has none).
    pub name_field: Option<String>,
    /// The `crs` member's name, when the file has one.
    pub crs: Option<String>,
}

impl AreaLayer {
    /// The index of the area with this code.
    #[must_use]
    pub fn find(&self, code: &str) -> Option<crate::AreaId> {
        self.areas.binary_search_by(|a| a.code.as_str().cmp(code)).ok().map(|i| crate::AreaId(i as u32))
    }
}

const CODE_FIELDS: &[&str] = &["MSOA11CD", "MSOA21CD", "MSOA01CD", "MSOA_CODE", "MSOACD", "AREA_CODE", "CODE"];
const NAME_FIELDS: &[&str] = &["MSOA11NM", "MSOA21NM", "MSOA01NM", "MSOA_NAME", "MSOANM", "AREA_NAME", "NAME"];

/// Reads a GeoJSON FeatureCollection of areas.
///
/// ```
/// use footprint_ingest::{AreaFields, InputFile, read_areas};
/// let json = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
///   "properties":{"MSOA11CD":"E02000001","MSOA11NM":"City of London 001"},
///   "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
/// let layer = read_areas(&InputFile::from_bytes("a.geojson", json.into()), &AreaFields::default())?;
/// assert_eq!(layer.areas[0].code.as_str(), "E02000001");
/// assert_eq!(layer.name_field.as_deref(), Some("MSOA11NM"));
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// Invalid JSON (with line and column), a document that is not a FeatureCollection, a feature with a
/// missing code, a null or non-polygon geometry, a ring of fewer than four positions or not closed,
/// two features with the same code.
pub fn read_areas(input: &InputFile, fields: &AreaFields) -> Result<AreaLayer, IngestError> {
    let path = input.path.as_path();
    if input.content().iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::Empty { path: path.to_owned() });
    }
    let raw: RawCollection = serde_json::from_slice(input.content()).map_err(|e| IngestError::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
    })?;
    let not_collection = |message: String| IngestError::Json { path: path.to_owned(), line: 1, column: 1, message };
    if raw.kind != "FeatureCollection" {
        return Err(not_collection(format!("expected a GeoJSON FeatureCollection, found type {:?}", raw.kind)));
    }
    let features = raw.features.ok_or_else(|| not_collection("FeatureCollection has no features member".into()))?;
    if features.is_empty() {
        return Err(not_collection("FeatureCollection has no features".into()));
    }

    let first_properties = features[0].properties.clone().unwrap_or_default();
    let code_field =
        pick_field(path, &first_properties, fields.code.as_deref(), CODE_FIELDS, "CD")?.ok_or_else(|| {
            feature_error(path, 0, None, missing_field_message(&first_properties, "code", "--code-field"))
        })?;
    let name_field = pick_field(path, &first_properties, fields.name.as_deref(), NAME_FIELDS, "NM")?;

    let mut areas = Vec::with_capacity(features.len());
    for (index, feature) in features.into_iter().enumerate() {
        let properties = feature.properties.unwrap_or_default();
        let code = match properties.get(&code_field) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            other => {
                return Err(feature_error(
                    path,
                    index,
                    None,
                    format!("property {code_field:?} must be a non-empty string, found {}", show(other)),
                ));
            }
        };
        let name = match name_field.as_ref().map(|f| properties.get(f)) {
            None | Some(None | Some(Value::Null)) => String::new(),
            Some(Some(Value::String(s))) => s.clone(),
            Some(Some(other)) => other.to_string(),
        };
        let geometry = feature
            .geometry
            .ok_or_else(|| feature_error(path, index, Some(&code), "geometry is null".into()))
            .and_then(|g| to_multipolygon(g).map_err(|problem| feature_error(path, index, Some(&code), problem)))?;
        areas.push(Area { code: AreaCode(code), name, geometry, feature_index: index });
    }
    areas.sort_by(|a, b| a.code.cmp(&b.code));
    if let Some(w) = areas.windows(2).find(|w| w[0].code == w[1].code) {
        let (first, second) = (w[0].feature_index.min(w[1].feature_index), w[0].feature_index.max(w[1].feature_index));
        return Err(IngestError::DuplicateArea { path: path.to_owned(), code: w[0].code.0.clone(), first, second });
    }
    let crs = raw.crs.and_then(|c| c.pointer("/properties/name").and_then(Value::as_str).map(str::to_owned));
    Ok(AreaLayer { areas, code_field, name_field, crs })
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
        "cannot tell which property holds the area {what} (properties: {}); choose one with {flag}",
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
    let coords = geometry.coordinates.ok_or_else(|| format!("{} geometry has no coordinates", geometry.kind))?;
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
    if points.len() < 4 {
        return Err(format!("polygon {part} ring {ring} has {} positions; a ring needs at least 4", points.len()));
    }
    if points.first() != points.last() {
        return Err(format!("polygon {part} ring {ring} is not closed (first and last positions differ)"));
    }
    Ok(LineString(points))
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

#[derive(Deserialize)]
struct RawGeometry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    coordinates: Option<Coords>,
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
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Coords, E> {
                Ok(Coords::Num(v as f64))
            }
            #[allow(clippy::cast_precision_loss)]
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
