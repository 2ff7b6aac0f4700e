//! The MSOA overlap layer as RFC 7946 GeoJSON: WGS84, counter-clockwise exteriors, 6-decimal coordinates.

use std::borrow::Cow;

use footprint_ingest::{AreaLayer, Crs, PracticeMap};
use geo::{MultiPolygon, Polygon};
use rayon::prelude::*;

use super::FileBytes;
use super::records::Value;
use super::written::{Ring, Written, written};
use super::{push_f64, push_int};
use crate::{AreaContext, OverlapTable};

/// Renders `msoa_overlap.geojson`: one feature per area, in code order, carrying every field of the table
/// and each area's size (`area_km2`, in the order of `layer.areas`); British National Grid layers are
/// reprojected to WGS84. Each area's geometry is taken from `geometries` (written once, in layer order)
/// when given.
#[must_use]
pub fn msoa_overlap_geojson<'a>(
    layer: &AreaLayer,
    practices: &PracticeMap,
    table: &OverlapTable,
    area_km2: &[f64],
    contexts: &[AreaContext],
    geometries: Option<&'a GeometryTexts>,
) -> FileBytes<'a> {
    let columns = super::overlap_columns(table, contexts);
    let features: Vec<Vec<u8>> = table
        .areas
        .par_iter()
        .enumerate()
        .map(|(i, row)| {
            let area = &layer.areas[row.area.index()];
            let mut names = columns.iter().map(String::as_str);
            let mut name = || names.next().unwrap_or("");
            let mut feature = Feature::new(if geometries.is_some() { 1024 } else { 1024 + capacity(&area.geometry.0) });
            feature
                .text(name(), area.code.as_str())
                .text(name(), &area.name)
                .int(name(), row.population)
                .int(name(), row.pcns_all);
            for &count in &row.pcns_at_or_above {
                feature.int(name(), count);
            }
            let (km2, density) = size_fields(row.population, area_km2[row.area.index()]);
            feature
                .opt(name(), row.hhi)
                .opt(name(), row.effective_pcns)
                .text_or_null(name(), row.top.map(|(pcn, _)| practices.pcns[pcn.index()].code.as_str()))
                .opt(name(), row.top.map(|(_, n)| row.share(n)))
                .int(name(), row.patients_no_pcn)
                .opt(name(), km2)
                .opt(name(), density);
            for v in super::context_values(contexts, i) {
                feature.value(name(), &v);
            }
            match geometries {
                Some(_) => feature.properties(),
                None => feature.geometry(&area.geometry.0, layer.crs),
            }
        })
        .collect();
    match geometries {
        // Each feature is its properties, then its geometry as written once, then `}`.
        Some(g) => collection(features.into_iter().enumerate().map(|(i, f)| {
            [Cow::Owned(f), Cow::Borrowed(g.get(table.areas[i].area.index())), Cow::Borrowed(b"}".as_slice())]
        })),
        None => feature_collection(features),
    }
}

/// Bytes enough for a feature's geometry, about.
fn capacity(polygons: &[Polygon<f64>]) -> usize {
    40 * polygons.iter().map(|p| p.exterior().0.len()).sum::<usize>()
}

/// Every area's geometry as [`push_multipolygon`] writes it in GeoJSON, written once: what a prepared
/// area layer keeps, so that a run need not snap, repair and format the same boundaries again.
///
/// ```
/// use footprint_ingest::{Area, AreaLayer};
/// use footprint_overlap::write::GeometryTexts;
/// use geo::{MultiPolygon, polygon};
/// let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
/// let area = Area { code: "E1".into(), name: String::new(), geometry: MultiPolygon(vec![square]), feature_index: 0 };
/// let texts = GeometryTexts::of(&AreaLayer { areas: vec![area], ..AreaLayer::default() });
/// assert_eq!(texts.get(0), br#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}"#);
/// let (ends, bytes) = texts.clone().into_parts();
/// assert_eq!(GeometryTexts::from_parts(ends, bytes), Some(texts));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeometryTexts {
    /// Where each area's text ends in `bytes`.
    ends: Vec<usize>,
    bytes: Vec<u8>,
}

impl GeometryTexts {
    /// The texts of the areas of `layer`, written in parallel.
    #[must_use]
    pub fn of(layer: &AreaLayer) -> Self {
        let texts: Vec<Vec<u8>> = layer
            .areas
            .par_iter()
            .map(|a| {
                let mut out = Vec::with_capacity(capacity(&a.geometry.0));
                push_multipolygon(&mut out, &a.geometry.0, layer.crs);
                out
            })
            .collect();
        let mut ends = Vec::with_capacity(texts.len());
        let mut bytes = Vec::with_capacity(texts.iter().map(Vec::len).sum());
        for t in texts {
            bytes.extend_from_slice(&t);
            ends.push(bytes.len());
        }
        Self { ends, bytes }
    }

    /// The text of area `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// The geometry of area `i` as a reader of the GeoJSON gets it back (each coordinate the nearest f64
    /// to the decimal written, as [`Written::to_geo`] gives it); `None` for text that is not what
    /// [`push_written`] writes in WGS84.
    ///
    /// ```
    /// use footprint_ingest::{Area, AreaLayer, Crs};
    /// use footprint_overlap::write::{GeometryTexts, as_written};
    /// use geo::{MultiPolygon, polygon};
    /// let square = polygon![(x: -1.2457829, y: 54.72), (x: -1.1, y: 54.72), (x: -1.1, y: 54.8), (x: -1.2457829, y: 54.8)];
    /// let geometry = MultiPolygon(vec![square]);
    /// let area = Area { code: "E1".into(), name: String::new(), geometry: geometry.clone(), feature_index: 0 };
    /// let texts = GeometryTexts::of(&AreaLayer { areas: vec![area], ..AreaLayer::default() });
    /// assert_eq!(texts.read_back(0), Some(as_written(&geometry.0, Crs::Wgs84)));
    /// ```
    #[must_use]
    pub fn read_back(&self, i: usize) -> Option<MultiPolygon<f64>> {
        read_multipolygon(self.get(i))
    }

    /// How many areas.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The end of each text, and the texts one after another (to store them).
    #[must_use]
    pub fn into_parts(self) -> (Vec<usize>, Vec<u8>) {
        (self.ends, self.bytes)
    }

    /// Texts from their stored parts; `None` unless the ends rise within the bytes.
    #[must_use]
    pub fn from_parts(ends: Vec<usize>, bytes: Vec<u8>) -> Option<Self> {
        let rising = ends.windows(2).all(|w| w[0] <= w[1]);
        (rising && ends.last().is_none_or(|&e| e == bytes.len())).then_some(Self { ends, bytes })
    }
}

/// One GeoJSON feature being written: its properties in the order they are added, then its geometry.
///
/// ```
/// use footprint_overlap::write::Feature;
/// use geo::polygon;
/// let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
/// let mut feature = Feature::new(256);
/// feature.text("code", "E1").int("patients", 7).opt("share", Some(0.5)).text_or_null("top", None);
/// feature.objects("parts", [1u32, 2], |part, n| {
///     part.int("n", n);
/// });
/// let json = feature.geometry(&[square], footprint_ingest::Crs::Wgs84);
/// assert_eq!(
///     String::from_utf8(json).unwrap(),
///     r#"{"type":"Feature","properties":{"code":"E1","patients":7,"share":0.5,"top":null,"parts":[{"n":1},{"n":2}]},"#
///         .to_owned()
///         + r#""geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}}"#
/// );
/// ```
pub struct Feature {
    out: Vec<u8>,
}

impl Feature {
    /// Starts a feature, reserving `capacity` bytes.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity.max(64));
        out.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{");
        Feature { out }
    }

    /// Writes the name of the next member of the object being written (the properties, or the
    /// object of [`Feature::objects`] being written), after a comma unless it is the first.
    fn name(&mut self, name: &str) {
        // Only an object just opened ends in `{`: every value ends in `"`, a digit, `l`, `]` or `}`.
        if self.out.last() != Some(&b'{') {
            self.out.push(b',');
        }
        push_str(&mut self.out, name);
        self.out.push(b':');
    }

    /// A string property.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.name(name);
        push_str(&mut self.out, value);
        self
    }

    /// A string property, `null` when there is none.
    pub fn text_or_null(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(name, value),
            None => {
                self.name(name);
                self.out.extend_from_slice(b"null");
                self
            }
        }
    }

    /// An integer property.
    pub fn int(&mut self, name: &str, value: impl itoa::Integer) -> &mut Self {
        self.name(name);
        push_int(&mut self.out, value);
        self
    }

    /// A number property as [`push_opt`] writes it: shortest round-trip form, `null` when absent or not finite.
    pub fn opt(&mut self, name: &str, value: Option<f64>) -> &mut Self {
        self.name(name);
        push_opt(&mut self.out, value);
        self
    }

    /// A property of a typed value: text, a number or `null`.
    pub fn value(&mut self, name: &str, value: &Value) -> &mut Self {
        match value {
            Value::Null => self.text_or_null(name, None),
            Value::Int(n) => self.int(name, *n),
            Value::Float(x) => self.opt(name, Some(*x)),
            Value::Text(s) => self.text(name, s),
        }
    }

    /// A property holding an array of objects, one per item: `members` writes the members of each
    /// (with these same methods).
    pub fn objects<T>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        mut members: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        self.name(name);
        self.out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.push(b'{');
            members(self, item);
            self.out.push(b'}');
        }
        self.out.push(b']');
        self
    }

    /// Ends the properties and opens the geometry: the feature up to its geometry, which with `}`
    /// after it finishes the feature.
    #[must_use]
    pub fn properties(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"},\"geometry\":");
        self.out
    }

    /// Ends the properties and writes the geometry as [`push_multipolygon`] does: the finished feature.
    #[must_use]
    pub fn geometry(self, polygons: &[Polygon<f64>], crs: Crs) -> Vec<u8> {
        self.written(&written(polygons, crs, Crs::Wgs84))
    }

    /// Closes the properties and appends a geometry already on the grid ([`written`]); returns the feature.
    #[must_use]
    pub fn written(mut self, shape: &Written) -> Vec<u8> {
        self.out.extend_from_slice(b"},\"geometry\":");
        push_written(&mut self.out, shape);
        self.out.push(b'}');
        self.out
    }
}

/// A FeatureCollection of rendered features (each a `{"type":"Feature",…}` object), one per line, as
/// pieces: the features are not copied.
#[must_use]
pub fn feature_collection(features: Vec<Vec<u8>>) -> FileBytes<'static> {
    collection(features.into_iter().map(|f| [Cow::Owned(f)]))
}

/// A FeatureCollection of features each given in pieces.
fn collection<'a, F: IntoIterator<Item = Cow<'a, [u8]>>>(features: impl IntoIterator<Item = F>) -> FileBytes<'a> {
    let mut pieces = vec![Cow::Borrowed(COLLECTION_START)];
    for (i, feature) in features.into_iter().enumerate() {
        if i > 0 {
            pieces.push(Cow::Borrowed(b",\n".as_slice()));
        }
        pieces.extend(feature);
    }
    pieces.push(Cow::Borrowed(COLLECTION_END));
    FileBytes::Pieces(pieces)
}

/// What a FeatureCollection starts and ends with, around its features.
const COLLECTION_START: &[u8] = b"{\"type\":\"FeatureCollection\",\"features\":[\n";
const COLLECTION_END: &[u8] = b"\n]}\n";

/// Appends a JSON string.
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    // serde_json escapes exactly what JSON requires; writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Appends a finite number in shortest round-trip form, else `null`.
pub fn push_opt(out: &mut Vec<u8>, v: Option<f64>) {
    match v {
        Some(v) if v.is_finite() => push_f64(out, v),
        _ => out.extend_from_slice(b"null"),
    }
}

/// `area_km2` rounded to 4 decimals (100 m²) and the population density rounded to 1 decimal.
#[must_use]
pub fn size_fields(population: u64, area_km2: f64) -> (Option<f64>, Option<f64>) {
    if !area_km2.is_finite() || area_km2 <= 0.0 {
        return (None, None);
    }
    let density = population as f64 / area_km2;
    (Some((area_km2 * 1e4).round() / 1e4), Some((density * 10.0).round() / 10.0))
}

/// Appends a GeoJSON MultiPolygon geometry in WGS84 (reprojected from `crs`), snapped, oriented and
/// repaired as [`written`] says.
pub fn push_multipolygon(out: &mut Vec<u8>, polygons: &[Polygon<f64>], crs: Crs) {
    push_written(out, &written(polygons, crs, Crs::Wgs84));
}

/// Appends a GeoJSON MultiPolygon geometry of polygons on the grid.
pub fn push_written(out: &mut Vec<u8>, w: &Written) {
    out.extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
    for (i, polygon) in w.polygons.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        for (j, ring) in polygon.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            push_ring(out, ring);
        }
        out.push(b']');
    }
    out.extend_from_slice(b"]}");
}

/// Writes a ring of millionths of a degree.
fn push_ring(out: &mut Vec<u8>, ring: &Ring) {
    out.push(b'[');
    for (i, (x, y)) in ring.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        push_micro(out, *x);
        out.push(b',');
        push_micro(out, *y);
        out.push(b']');
    }
    out.push(b']');
}

/// Polygons exactly as a reader of the GeoJSON layers gets them back: what [`push_multipolygon`] writes,
/// as WGS84 degrees (each coordinate the nearest f64 to the 6-decimal number written).
///
/// ```
/// use geo::polygon;
/// let square = polygon![(x: 0.1234564, y: 0.), (x: 0., y: 1.), (x: 1., y: 1.), (x: 1., y: 0.)];
/// let read_back = footprint_overlap::write::as_written(&[square], footprint_ingest::Crs::Wgs84);
/// // Rounded to 6 decimals and turned counter-clockwise.
/// assert_eq!(read_back.0[0].exterior().0[0], geo::Coord { x: 0.123456, y: 0. });
/// assert!(footprint_ingest::twice_signed_area(&read_back.0[0].exterior().0) > 0.0);
/// ```
#[must_use]
pub fn as_written(polygons: &[Polygon<f64>], crs: Crs) -> MultiPolygon<f64> {
    written(polygons, crs, Crs::Wgs84).to_geo()
}

/// The polygons of a GeoJSON MultiPolygon as [`push_written`] writes it in WGS84, read back as
/// [`Written::to_geo`] gives them; `None` for anything else.
fn read_multipolygon(text: &[u8]) -> Option<MultiPolygon<f64>> {
    const START: &[u8] = br#"{"type":"MultiPolygon","coordinates":"#;
    let mut rest = text.strip_prefix(START)?;
    let mut polygons: Vec<Vec<Ring>> = Vec::new();
    let mut depth = 0usize;
    while let Some((&b, after)) = rest.split_first() {
        rest = after;
        match b {
            b'[' if depth == 3 => {
                let (x, after) = read_micro(rest)?;
                let (y, after) = read_micro(after.strip_prefix(b",")?)?;
                rest = after.strip_prefix(b"]")?;
                polygons.last_mut()?.last_mut()?.push((x, y));
            }
            b'[' => {
                depth += 1;
                match depth {
                    2 => polygons.push(Vec::new()),
                    3 => polygons.last_mut()?.push(Vec::new()),
                    _ => {}
                }
            }
            b']' => depth = depth.checked_sub(1)?,
            b',' => {}
            _ => return None,
        }
        if depth == 0 {
            break;
        }
    }
    (depth == 0 && rest == b"}").then(|| Written { polygons, crs: Crs::Wgs84, repaired: false }.to_geo())
}

/// A decimal as [`push_micro`] writes it, in millionths, and the bytes after it.
fn read_micro(text: &[u8]) -> Option<(i64, &[u8])> {
    let (negative, text) = match text.strip_prefix(b"-") {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (whole, mut rest) = read_digits(text, 12)?;
    let mut value = whole * 1_000_000;
    if let Some(t) = rest.strip_prefix(b".") {
        let (frac, after) = read_digits(t, 6)?;
        value += frac * 10_i64.pow(6 - (t.len() - after.len()) as u32);
        rest = after;
    }
    Some((if negative { -value } else { value }, rest))
}

/// The value of the one to `most` decimal digits `text` starts with, and the bytes after them.
fn read_digits(text: &[u8], most: usize) -> Option<(i64, &[u8])> {
    let n = text.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 || n > most {
        return None;
    }
    let value = text[..n].iter().fold(0_i64, |v, &d| v * 10 + i64::from(d - b'0'));
    Some((value, &text[n..]))
}

/// Appends a coordinate given in millionths, in shortest decimal form (`-1.5`, `54.722282`, `0`).
fn push_micro(out: &mut Vec<u8>, micro: i64) {
    if micro < 0 {
        out.push(b'-');
    }
    let abs = micro.unsigned_abs();
    // Whole degrees have one to three digits: pushed a byte at a time, not copied as a slice.
    match abs / 1_000_000 {
        whole @ 0..=9 => out.push(b'0' + whole as u8),
        whole @ 10..=99 => out.extend_from_slice(&[b'0' + (whole / 10) as u8, b'0' + (whole % 10) as u8]),
        whole => push_int(out, whole),
    }
    let frac = abs % 1_000_000;
    if frac != 0 {
        let mut digits = [b'.', b'0', b'0', b'0', b'0', b'0', b'0'];
        let mut f = frac;
        for d in digits[1..].iter_mut().rev() {
            *d = b'0' + (f % 10) as u8;
            f /= 10;
        }
        // Appended whole (a copy of a known size), then cut after the last digit that is not zero.
        let zeros = digits.iter().rev().take_while(|&&d| d == b'0').count();
        out.extend_from_slice(&digits);
        out.truncate(out.len() - zeros);
    }
}

/// Appends `v` rounded to 6 decimals, as written in the GeoJSON layers.
///
/// ```
/// let mut out = Vec::new();
/// footprint_overlap::write_coordinate(&mut out, -1.2457828935);
/// assert_eq!(out, b"-1.245783");
/// ```
pub fn write_coordinate(out: &mut Vec<u8>, v: f64) {
    push_micro(out, (v * 1e6).round() as i64);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A coordinate in millionths as `push_micro` writes it and as written out by hand.
    fn check_micro(micro: i64, expected: &str) {
        let mut out = b"x".to_vec();
        push_micro(&mut out, micro);
        assert_eq!(std::str::from_utf8(&out[1..]).unwrap(), expected, "{micro}");
    }

    #[test]
    fn millionths_are_written_in_shortest_form() {
        check_micro(0, "0");
        check_micro(-1_500_000, "-1.5");
        check_micro(54_722_282, "54.722282");
        check_micro(-1, "-0.000001");
        check_micro(9_999_999, "9.999999");
        check_micro(10_000_000, "10");
        check_micro(99_000_010, "99.00001");
        check_micro(100_000_000, "100");
        check_micro(-179_999_999, "-179.999999");
        check_micro(1_234_567_000_001, "1234567.000001");
        check_micro(i64::MIN, "-9223372036854.775808");
        // Seeded values against the decimal written by hand.
        let mut rng = footprint_index::SplitMix64(0x5eed);
        for _ in 0..20_000 {
            let micro = rng.below(400_000_000) as i64 - 200_000_000;
            let (abs, sign) = (micro.unsigned_abs(), if micro < 0 { "-" } else { "" });
            let frac = format!("{:06}", abs % 1_000_000);
            let frac = frac.trim_end_matches('0');
            let dot = if frac.is_empty() { "" } else { "." };
            check_micro(micro, &format!("{sign}{}{dot}{frac}", abs / 1_000_000));
        }
    }

    /// Every national MSOA's prepared text reads back as the polygons snapped again.
    #[test]
    fn national_texts_read_back_as_written() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/england-2011/msoa11_england_generalised_clipped.geojson.gz");
        let file = footprint_ingest::InputFile::read(&path).unwrap();
        let layer = footprint_ingest::read_areas(&file, &footprint_ingest::AreaFields::default()).unwrap();
        let texts = GeometryTexts::of(&layer);
        assert_eq!(texts.len(), 6_791);
        let differing = (0..texts.len())
            .into_par_iter()
            .filter(|&i| texts.read_back(i) != Some(as_written(&layer.areas[i].geometry.0, layer.crs)))
            .count();
        assert_eq!(differing, 0);
    }

    fn check_read(text: &str, expected: Option<&[&[(f64, f64)]]>) {
        let got = read_multipolygon(text.as_bytes());
        let rings = |m: &MultiPolygon<f64>| -> Vec<Vec<(f64, f64)>> {
            m.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .map(|r| r.0.iter().map(|c| (c.x, c.y)).collect())
                .collect()
        };
        let expected: Option<Vec<Vec<(f64, f64)>>> = expected.map(|e| e.iter().map(|r| r.to_vec()).collect());
        assert_eq!(got.as_ref().map(rings), expected, "{text}");
    }

    #[test]
    fn written_text_reads_back_and_anything_else_does_not() {
        let ring: &[(f64, f64)] = &[(0.0, 0.0), (1.5, 0.0), (1.5, -0.000_001), (0.0, 0.0)];
        let hole: &[(f64, f64)] = &[(0.1, -0.1), (0.2, -0.1), (0.2, -0.2), (0.1, -0.1)];
        let start = r#"{"type":"MultiPolygon","coordinates":"#;
        check_read(&format!("{start}[[[[0,0],[1.5,0],[1.5,-0.000001],[0,0]]]]}}"), Some(&[ring]));
        check_read(
            &format!(
                "{start}[[[[0,0],[1.5,0],[1.5,-0.000001],[0,0]],[[0.1,-0.1],[0.2,-0.1],[0.2,-0.2],[0.1,-0.1]]]]}}"
            ),
            Some(&[ring, hole]),
        );
        check_read(&format!("{start}[]}}"), Some(&[]));
        for bad in [
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,1],[0,0]]]}"#, // another type
            "[[[[0,0],[1,0]]]",                                                // unclosed
            "[[[[0,0],[1,0]]]]",                                               // no closing brace
            "[[[[0,0],[1,0]]]]} ",                                             // trailing byte
            "[[[[0.1234567,0]]]]}",                                            // seven decimals
            "[[[[1e3,0]]]]}",                                                  // exponent
            "[[[[0,0,0]]]]}",                                                  // three values
            "[[[[.5,0]]]]}",                                                   // no whole part
            "[[[[1234567890123,0]]]]}",                                        // too many digits
        ] {
            let text = if bad.starts_with('{') { bad.to_owned() } else { format!("{start}{bad}") };
            check_read(&text, None);
        }
    }

    fn check(v: f64, expected: &str) {
        let mut out = Vec::new();
        write_coordinate(&mut out, v);
        assert_eq!(String::from_utf8(out).unwrap(), expected, "value {v}");
    }

    #[test]
    fn coordinates_round_to_six_decimals_in_shortest_form() {
        check(0.0, "0");
        check(-0.0000001, "0");
        check(-0.0000005, "-0.000001");
        check(1.5, "1.5");
        check(-1.245_782_893_546_443, "-1.245783");
        check(54.722_282_305_353_77, "54.722282");
        check(-179.999_999_9, "-180");
        check(0.000_010, "0.00001");
    }

    fn geometry(polygon: Polygon<f64>) -> String {
        let mut out = Vec::new();
        push_multipolygon(&mut out, &[polygon], Crs::Wgs84);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rings_are_reoriented_per_rfc7946() {
        let clockwise = geo::LineString::from(vec![(0., 0.), (0., 3.), (3., 3.), (3., 0.), (0., 0.)]);
        let counter = geo::LineString::from(vec![(1., 1.), (2., 1.), (2., 2.), (1., 2.), (1., 1.)]);
        assert_eq!(
            geometry(Polygon::new(clockwise, vec![counter])),
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[3,0],[3,3],[0,3],[0,0]],[[1,1],[1,2],[2,2],[2,1],[1,1]]]]}"#
        );
    }

    #[test]
    fn positions_made_equal_by_rounding_are_dropped() {
        let ring = geo::LineString::from(vec![(0., 0.), (1., 0.), (1.000_000_1, 0.), (1., 1.), (0., 1.), (0., 0.)]);
        assert_eq!(
            geometry(Polygon::new(ring, vec![])),
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}"#
        );
    }
}
