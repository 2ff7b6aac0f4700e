//! What the pictures show of a run: read back from its output directory ([`RunData::read`]), or taken
//! from the analysis in memory exactly as the layers write it ([`RunData::from_analysis`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::Deserialize;

use footprint_overlap::Threshold;
use footprint_overlap::write::schema::{self, files};

use crate::ReportError;

/// One MSOA of a run: its row of `msoa_overlap.csv` and its polygons from `msoa_overlap.geojson`.
#[derive(Clone, Debug)]
pub struct AreaData {
    /// The MSOA code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Registered patients resident there.
    pub population: u64,
    /// `pcns_all`, then one count per threshold (in [`RunData::measures`] order).
    pub counts: Vec<u32>,
    /// Residents per km², when the area has a size.
    pub density: Option<f64>,
    /// WGS84 polygons (empty if the GeoJSON has no feature for this code).
    pub geometry: MultiPolygon<f64>,
}

/// A count of PCNs per area: `pcns_all` or one threshold's column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measure {
    /// The column name, e.g. `pcns_ge_1pct`.
    pub column: String,
    /// For people, e.g. `share ≥ 1%` or `every PCN`.
    pub label: String,
}

impl Measure {
    pub(crate) fn from_column(column: &str) -> Self {
        let label = match column
            .strip_prefix(Threshold::COLUMN_PREFIX)
            .and_then(|t| t.strip_suffix(Threshold::COLUMN_SUFFIX))
        {
            Some(t) => format!("share ≥ {t}%"),
            None if column == schema::PCNS_ALL => "every PCN".to_owned(),
            None => column.to_owned(),
        };
        Self { column: column.to_owned(), label }
    }
}

/// A PCN named in the shares table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcnInfo {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
}

/// A PCN's patients resident in an area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share {
    /// Index into [`RunData::pcns`].
    pub pcn: u32,
    /// Its patients resident in the area.
    pub patients: u64,
    /// `patients / population`, as written in `msoa_pcn_shares.csv`.
    pub share: f64,
}

/// A polygon of an optional layer (a PCN footprint or a team), with its label.
#[derive(Clone, Debug)]
pub struct Outline {
    /// The PCN code (footprints) or the team's name (team alignment).
    pub key: String,
    /// The footprint method (`threshold`, `core`, `plurality`); empty for teams.
    pub group: String,
    /// WGS84 polygons.
    pub geometry: MultiPolygon<f64>,
}

/// A class of a context (an IMD decile, a RUC class, …) as `overlap_by_context.csv` gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextClass {
    /// The context: `imd_decile`, `ruc`, `urban_rural`, `density_decile`, `region`, …
    pub context: String,
    /// The class.
    pub class: String,
    /// Its MSOAs with residents.
    pub msoas: u64,
    /// Their residents.
    pub residents: u64,
    /// The mean of each count over its MSOAs (in [`RunData::measures`] order).
    pub means: Vec<f64>,
}

/// Everything the pictures need from a run's output directory.
#[derive(Clone, Debug)]
pub struct RunData {
    /// The directory read.
    pub dir: PathBuf,
    /// The counts, `pcns_all` first, then each threshold.
    pub measures: Vec<Measure>,
    /// The areas, in the order of `msoa_overlap.csv` (code order).
    pub areas: Vec<AreaData>,
    /// The PCNs of the shares table, in code order.
    pub pcns: Vec<PcnInfo>,
    /// Each area's PCNs, largest share first (same order as `areas`).
    pub shares: Vec<Vec<Share>>,
    /// `summary.json` as written by the run.
    pub summary: serde_json::Value,
    /// `pcn_footprints.geojson`, when the run drew footprints.
    pub footprints: Option<Vec<Outline>>,
    /// `team_alignment.geojson`, when the run aligned teams.
    pub teams: Option<Vec<Outline>>,
    /// The rows of `overlap_by_context.csv` (empty for a run without it).
    pub context: Vec<ContextClass>,
    /// Each PCN's list size, from `pcns.csv` (empty for a run without it).
    pub pcn_sizes: Vec<u64>,
    /// The areas projected for display, made once for the report and the map ([`RunData::display`]).
    pub(crate) display: std::sync::OnceLock<Display>,
}

/// What [`Display`] makes of the areas alone: the areas projected, their topology, their simplification
/// at the report's tolerance and at the tolerances the pictures draw them at by default, and the report's
/// SVG paths of them; the same for every run on the same layer, so it can be kept with the layer.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DisplayShape {
    areas: Vec<MultiPolygon<f64>>,
    topology: crate::geometry::Topology,
    base: crate::geometry::Simplified,
    coarser: Vec<crate::geometry::Simplified>,
    area_paths: Vec<String>,
}

impl DisplayShape {
    /// The shape of the areas `wgs84` projected with `projection`.
    fn of(wgs84: &[&MultiPolygon<f64>], projection: &crate::geometry::Projection) -> Self {
        let areas = projection.all(wgs84);
        let topology = crate::geometry::Topology::of(&areas);
        let base = topology.simplified(&areas, crate::geometry::display_tolerance(&areas));
        let coarser = Self::tolerances(&areas, &base)
            .into_iter()
            .filter(|&t| t >= base.tolerance())
            .map(|t| topology.coarser(&areas, &base, t, |_| true))
            .collect();
        let area_paths = crate::html::area_paths(&areas, &base);
        Self { areas, topology, base, coarser, area_paths }
    }

    /// The tolerances the pictures draw `areas`, simplified as `base`, at by default: the report's
    /// outlines, and the map and its inset.
    fn tolerances(areas: &[MultiPolygon<f64>], base: &crate::geometry::Simplified) -> Vec<f64> {
        let map = crate::geometry::extent(areas).map_or(Vec::new(), |b| crate::png::default_tolerances(b).to_vec());
        std::iter::once(crate::html::outline_tolerance(base)).chain(map).collect()
    }

    /// Whether this is the shape of areas with the rings and positions of `wgs84` (as [`Display::with`]
    /// is given them): what a shape kept for the same layer always is.
    #[must_use]
    pub fn fits(&self, wgs84: &[&MultiPolygon<f64>]) -> bool {
        let lengths = |g: &MultiPolygon<f64>| -> Vec<usize> { crate::geometry::rings(g).map(|r| r.0.len()).collect() };
        self.areas.len() == wgs84.len()
            && self.area_paths.len() == wgs84.len()
            && self.areas.iter().zip(wgs84).all(|(a, w)| lengths(a) == lengths(w))
            && std::iter::once(&self.base).chain(&self.coarser).all(|s| self.topology.fits(wgs84.iter().copied(), s))
    }
}

/// The areas on the British National Grid with their coverage topology, as both pictures draw them.
#[derive(Clone, Debug)]
pub struct Display {
    /// Each area's polygons in metres, in the order of [`RunData::areas`].
    pub areas: Vec<MultiPolygon<f64>>,
    /// How they meet.
    pub topology: crate::geometry::Topology,
    /// How they were projected.
    pub projection: crate::geometry::Projection,
    /// Simplified at the report's tolerance ([`crate::geometry::display_tolerance`]); coarser drawings
    /// start from it.
    pub base: crate::geometry::Simplified,
    /// Simplified further from `base`, at the tolerances the pictures draw the areas at by default.
    coarser: Vec<crate::geometry::Simplified>,
    /// The report's SVG path of each area.
    area_paths: Vec<String>,
    /// The areas' positions for drawing outlines along them, made on first use.
    vertices: std::sync::OnceLock<crate::geometry::AreaVertices>,
}

impl Display {
    /// The areas `wgs84` (in the order of [`RunData::areas`]) projected, with their topology and
    /// simplified at the report's tolerance.
    #[must_use]
    pub fn of(wgs84: &[&MultiPolygon<f64>]) -> Self {
        Self::with(wgs84, |make| make())
    }

    /// As [`Display::of`], what is made of the areas alone (a [`DisplayShape`]) from `shape`, which is
    /// given the function that makes it: to call it, or to give what it made of the same areas before (a
    /// [`DisplayShape`] that fits them).
    #[must_use]
    pub fn with(wgs84: &[&MultiPolygon<f64>], shape: impl FnOnce(&dyn Fn() -> DisplayShape) -> DisplayShape) -> Self {
        let projection = crate::geometry::Projection::over(wgs84);
        let DisplayShape { areas, topology, base, coarser, area_paths } =
            shape(&|| DisplayShape::of(wgs84, &projection));
        Display { areas, topology, projection, base, coarser, area_paths, vertices: std::sync::OnceLock::new() }
    }

    /// The positions of the areas, `wgs84` as given to [`Display::of`], for drawing outlines along them
    /// (made once).
    pub fn vertices(&self, wgs84: &[&MultiPolygon<f64>]) -> &crate::geometry::AreaVertices {
        self.vertices.get_or_init(|| crate::geometry::AreaVertices::of(wgs84, &self.areas))
    }

    /// The report's SVG path of each area, in order.
    #[must_use]
    pub fn area_paths(&self) -> &[String] {
        &self.area_paths
    }

    /// The areas simplified at `tolerance` (metres), those for which `chosen` holds (by index): the
    /// simplification made with the display at that tolerance, if one was; else from [`Display::base`]
    /// when `tolerance` is at least its tolerance, else from the areas themselves.
    #[must_use]
    pub fn simplified(&self, tolerance: f64, chosen: impl Fn(usize) -> bool + Sync) -> crate::geometry::Simplified {
        if let Some(made) = self.coarser.iter().find(|s| s.tolerance().to_bits() == tolerance.to_bits()) {
            made.only(&self.areas, chosen)
        } else if tolerance >= self.base.tolerance() {
            self.topology.coarser(&self.areas, &self.base, tolerance, chosen)
        } else {
            self.topology.simplified_where(&self.areas, tolerance, chosen)
        }
    }
}

impl Display {
    /// Other WGS84 polygons of the run (footprints, teams) drawn over the areas simplified as `simplified`
    /// (see [`crate::geometry::outlines_along`]).
    #[must_use]
    pub fn outlines(
        &self,
        run: &RunData,
        simplified: &crate::geometry::Simplified,
        others: &[&MultiPolygon<f64>],
    ) -> Vec<MultiPolygon<f64>> {
        let wgs84: Vec<&MultiPolygon<f64>> = run.areas.iter().map(|a| &a.geometry).collect();
        let vertices = self.vertices(&wgs84);
        crate::geometry::outlines_along(vertices, &self.topology, simplified, others, &self.projection)
    }
}

impl RunData {
    /// The areas projected and their topology, made on first use (call it before drawing both pictures
    /// side by side, so they share it).
    pub fn display(&self) -> &Display {
        self.display.get_or_init(|| {
            let wgs84: Vec<&MultiPolygon<f64>> = self.areas.iter().map(|a| &a.geometry).collect();
            Display::of(&wgs84)
        })
    }
}

impl RunData {
    /// Reads the layers of the run in `dir`; the footprint and team layers are read when present.
    ///
    /// # Errors
    /// [`ReportError`] naming the file that is missing or malformed.
    pub fn read(dir: &Path) -> Result<Self, ReportError> {
        let (measures, mut areas) = read_overlap_csv(&dir.join(files::MSOA_OVERLAP_CSV))?;
        let by_code: HashMap<String, usize> = areas.iter().enumerate().map(|(i, a)| (a.code.clone(), i)).collect();
        let (pcns, shares) = read_shares(&dir.join(files::MSOA_PCN_SHARES_CSV), &by_code)?;
        let geojson = dir.join(files::MSOA_OVERLAP_GEOJSON);
        for (props, geometry) in read_features::<AreaProps>(&geojson)? {
            if let Some(&i) = by_code.get(&props.msoa_code) {
                areas[i].geometry = geometry;
            }
        }
        let summary_path = dir.join(files::SUMMARY_JSON);
        let summary = serde_json::from_slice(&read_bytes(&summary_path)?)
            .map_err(|e| ReportError::Json { path: summary_path.clone(), message: e.to_string() })?;
        let footprints = optional(&dir.join(files::PCN_FOOTPRINTS_GEOJSON), |path| {
            Ok(read_features::<FootprintProps>(path)?
                .into_iter()
                .map(|(p, geometry)| Outline { key: p.pcn_code, group: p.method, geometry })
                .collect())
        })?;
        let teams = optional(&dir.join(files::TEAM_ALIGNMENT_GEOJSON), |path| {
            Ok(read_features::<TeamProps>(path)?
                .into_iter()
                .enumerate()
                .map(|(i, (p, geometry))| Outline {
                    key: p.team.or(p.name).map_or_else(|| format!("team {}", i + 1), TeamName::label),
                    group: String::new(),
                    geometry,
                })
                .collect())
        })?;
        let context =
            optional(&dir.join(files::OVERLAP_BY_CONTEXT_CSV), |p| read_context(p, &measures))?.unwrap_or_default();
        let pcn_sizes = optional(&dir.join(files::PCNS_CSV), read_pcn_sizes)?.unwrap_or_default();
        Ok(Self {
            dir: dir.to_owned(),
            measures,
            areas,
            pcns,
            shares,
            summary,
            footprints,
            teams,
            context,
            pcn_sizes,
            display: std::sync::OnceLock::new(),
        })
    }
}

impl RunData {
    /// The count at a threshold as typed on the command line (`1%`, `0.01`), or `all` for every PCN.
    ///
    /// # Errors
    /// [`ReportError::NoSuchThreshold`] listing the run's thresholds.
    pub fn measure_index(&self, threshold: &str) -> Result<usize, ReportError> {
        let column = if threshold.eq_ignore_ascii_case("all") {
            Some(schema::PCNS_ALL.to_owned())
        } else {
            threshold.parse::<Threshold>().ok().map(Threshold::column_name)
        };
        column.and_then(|c| self.measures.iter().position(|m| m.column == c)).ok_or_else(|| {
            ReportError::NoSuchThreshold {
                path: self.dir.clone(),
                threshold: threshold.to_owned(),
                available: self
                    .measures
                    .iter()
                    .map(|m| {
                        m.column
                            .strip_prefix(Threshold::COLUMN_PREFIX)
                            .map_or("all".to_owned(), |t| t.replace(Threshold::COLUMN_SUFFIX, "%"))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
    }
}

fn optional<T>(path: &Path, read: impl FnOnce(&Path) -> Result<T, ReportError>) -> Result<Option<T>, ReportError> {
    if path.is_file() { read(path).map(Some) } else { Ok(None) }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, ReportError> {
    std::fs::read(path).map_err(|source| ReportError::Read { path: path.to_owned(), source })
}

fn csv_error(path: &Path, e: &csv::Error) -> ReportError {
    ReportError::Csv { path: path.to_owned(), message: e.to_string() }
}

/// Reads a CSV with headers; `row` gets each record and a column finder.
fn read_csv(
    path: &Path,
    required: &[&str],
    mut row: impl FnMut(&csv::StringRecord, &[usize], u64) -> Result<(), String>,
) -> Result<csv::StringRecord, ReportError> {
    let bytes = read_bytes(path)?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let mut columns = Vec::with_capacity(required.len());
    for name in required {
        let i = header
            .iter()
            .position(|h| h == *name)
            .ok_or_else(|| ReportError::Csv { path: path.to_owned(), message: format!("no column `{name}`") })?;
        columns.push(i);
    }
    for (line, record) in (2..).zip(reader.records()) {
        let record = record.map_err(|e| csv_error(path, &e))?;
        row(&record, &columns, line).map_err(|message| ReportError::Csv {
            path: path.to_owned(),
            message: format!("line {line}: {message}"),
        })?;
    }
    Ok(header)
}

fn parse<T: std::str::FromStr>(record: &csv::StringRecord, column: usize, name: &str) -> Result<T, String> {
    let text = record.get(column).unwrap_or("");
    text.parse().map_err(|_| format!("column `{name}`: not a number: \"{text}\""))
}

fn read_overlap_csv(path: &Path) -> Result<(Vec<Measure>, Vec<AreaData>), ReportError> {
    let bytes = read_bytes(path)?;
    let header = csv::Reader::from_reader(bytes.as_slice()).headers().map_err(|e| csv_error(path, &e))?.clone();
    let count_columns: Vec<String> = header.iter().filter(|h| schema::is_count_column(h)).map(str::to_owned).collect();
    let measures: Vec<Measure> = count_columns.iter().map(|c| Measure::from_column(c)).collect();
    let mut required = vec![schema::MSOA_CODE, schema::MSOA_NAME, schema::POPULATION, schema::POPULATION_PER_KM2];
    required.extend(count_columns.iter().map(String::as_str));
    let mut areas = Vec::new();
    read_csv(path, &required, |r, c, _| {
        let counts = (4..c.len()).map(|k| parse(r, c[k], required[k])).collect::<Result<Vec<u32>, _>>()?;
        let density = r.get(c[3]).filter(|d| !d.is_empty()).map(|_| parse(r, c[3], required[3])).transpose()?;
        areas.push(AreaData {
            code: r.get(c[0]).unwrap_or("").to_owned(),
            name: r.get(c[1]).unwrap_or("").to_owned(),
            population: parse(r, c[2], schema::POPULATION)?,
            counts,
            density,
            geometry: MultiPolygon(Vec::new()),
        });
        Ok(())
    })?;
    Ok((measures, areas))
}

/// The rows of `overlap_by_context.csv`, with the mean of each measure.
fn read_context(path: &Path, measures: &[Measure]) -> Result<Vec<ContextClass>, ReportError> {
    let means: Vec<String> = measures.iter().map(|m| format!("{}_mean", m.column)).collect();
    let mut required: Vec<&str> = schema::BY_CONTEXT_LEADING[..4].to_vec();
    required.extend(means.iter().map(String::as_str));
    let mut rows = Vec::new();
    read_csv(path, &required, |r, c, _| {
        let means = (4..c.len()).map(|k| parse(r, c[k], required[k])).collect::<Result<Vec<f64>, _>>()?;
        rows.push(ContextClass {
            context: r.get(c[0]).unwrap_or("").to_owned(),
            class: r.get(c[1]).unwrap_or("").to_owned(),
            msoas: parse(r, c[2], required[2])?,
            residents: parse(r, c[3], required[3])?,
            means,
        });
        Ok(())
    })?;
    Ok(rows)
}

/// The list sizes of `pcns.csv`.
fn read_pcn_sizes(path: &Path) -> Result<Vec<u64>, ReportError> {
    let mut sizes = Vec::new();
    read_csv(path, &[schema::LIST_SIZE], |r, c, _| {
        sizes.push(parse(r, c[0], schema::LIST_SIZE)?);
        Ok(())
    })?;
    Ok(sizes)
}

type Shares = (Vec<PcnInfo>, Vec<Vec<Share>>);

fn read_shares(path: &Path, by_code: &HashMap<String, usize>) -> Result<Shares, ReportError> {
    let mut pcn_index: HashMap<String, u32> = HashMap::new();
    let mut pcns = Vec::new();
    let mut shares: Vec<Vec<Share>> = vec![Vec::new(); by_code.len()];
    read_csv(path, &schema::SHARE_COLUMNS, |r, c, _| {
        let area = r.get(c[0]).unwrap_or("");
        let &a = by_code.get(area).ok_or_else(|| format!("MSOA \"{area}\" is not in {}", files::MSOA_OVERLAP_CSV))?;
        let code = r.get(c[1]).unwrap_or("");
        let next = u32::try_from(pcns.len()).map_err(|_| "too many PCNs".to_owned())?;
        let pcn = *pcn_index.entry(code.to_owned()).or_insert_with(|| {
            pcns.push(PcnInfo { code: code.to_owned(), name: r.get(c[2]).unwrap_or("").to_owned() });
            next
        });
        shares[a].push(Share { pcn, patients: parse(r, c[3], "patients")?, share: parse(r, c[4], "share")? });
        Ok(())
    })?;
    // PCNs in code order, each area's shares largest first (ties by code).
    let mut order: Vec<u32> = (0..u32::try_from(pcns.len()).unwrap_or(u32::MAX)).collect();
    order.sort_by(|&a, &b| pcns[a as usize].code.cmp(&pcns[b as usize].code));
    let mut rank = vec![0u32; pcns.len()];
    for (new, &old) in (0u32..).zip(&order) {
        rank[old as usize] = new;
    }
    let pcns: Vec<PcnInfo> = order.iter().map(|&i| pcns[i as usize].clone()).collect();
    for area in &mut shares {
        for s in area.iter_mut() {
            s.pcn = rank[s.pcn as usize];
        }
        area.sort_by(|a, b| b.patients.cmp(&a.patients).then(a.pcn.cmp(&b.pcn)));
    }
    Ok((pcns, shares))
}

#[derive(Deserialize)]
struct AreaProps {
    msoa_code: String,
}

#[derive(Deserialize)]
struct FootprintProps {
    pcn_code: String,
    method: String,
}

/// A team polygon's properties: its name is `team`, else `name`, else its position in the file.
#[derive(Deserialize)]
struct TeamProps {
    #[serde(default)]
    team: Option<TeamName>,
    #[serde(default)]
    name: Option<TeamName>,
}

/// A team's name, as a string or a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum TeamName {
    Text(String),
    Number(serde_json::Number),
}

impl TeamName {
    fn label(self) -> String {
        match self {
            TeamName::Text(s) => s,
            TeamName::Number(n) => n.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct FeatureCollection<P> {
    features: Vec<Feature<P>>,
}

#[derive(Deserialize)]
struct Feature<P> {
    properties: P,
    geometry: Option<Geometry>,
}

type Ring = Vec<[f64; 2]>;

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Ring>),
    MultiPolygon(Vec<Vec<Ring>>),
}

fn polygon(rings: Vec<Ring>) -> Option<Polygon<f64>> {
    let mut rings = rings.into_iter().map(|r| LineString(r.into_iter().map(|[x, y]| Coord { x, y }).collect()));
    let exterior = rings.next()?;
    Some(Polygon::new(exterior, rings.collect()))
}

/// The (properties, geometry) of every Polygon or MultiPolygon feature of a GeoJSON FeatureCollection.
fn read_features<P: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<(P, MultiPolygon<f64>)>, ReportError> {
    let bytes = read_bytes(path)?;
    let collection: FeatureCollection<P> = serde_json::from_slice(&bytes)
        .map_err(|e| ReportError::Json { path: path.to_owned(), message: e.to_string() })?;
    Ok(collection
        .features
        .into_iter()
        .map(|f| {
            let polygons = match f.geometry {
                Some(Geometry::Polygon(p)) => polygon(p).into_iter().collect(),
                Some(Geometry::MultiPolygon(ps)) => ps.into_iter().filter_map(polygon).collect(),
                None => Vec::new(),
            };
            (f.properties, MultiPolygon(polygons))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use geo::{MultiPolygon, polygon};

    use super::{Display, DisplayShape, Measure};

    /// The shape [`Display::with`] makes of `areas`.
    fn shape_of(areas: &[&MultiPolygon<f64>]) -> DisplayShape {
        let mut made = None;
        let _ = Display::with(areas, |make| made.insert(make()).clone());
        made.unwrap()
    }

    #[test]
    fn a_kept_shape_fits_its_own_areas_only() {
        let square = |x: f64| {
            MultiPolygon(vec![
                polygon![(x: x, y: 52.), (x: x + 0.1, y: 52.), (x: x + 0.1, y: 52.1), (x: x, y: 52.1), (x: x, y: 52.)],
            ])
        };
        let triangle =
            MultiPolygon(vec![polygon![(x: 0., y: 52.), (x: 0.1, y: 52.), (x: 0., y: 52.1), (x: 0., y: 52.)]]);
        let (a, b) = (square(0.), square(0.1));
        let two = shape_of(&[&a, &b]);
        // The same rings and positions: it fits (the areas' positions themselves are not compared).
        assert!(two.fits(&[&a, &b]));
        assert!(two.fits(&[&b, &a]));
        // Another number of areas, or of positions in a ring: it does not.
        assert!(!two.fits(&[&a]));
        assert!(!two.fits(&[&a, &triangle]));
        assert!(shape_of(&[&a, &triangle]).fits(&[&b, &triangle]));
        // Given instead of made, it is what the display holds.
        let display = Display::with(&[&a, &b], |_| two.clone());
        assert_eq!(display.topology.ring_starts(), two.topology.ring_starts());
    }

    #[test]
    fn measure_labels() {
        assert_eq!(Measure::from_column("pcns_all").label, "every PCN");
        assert_eq!(Measure::from_column("pcns_ge_1pct").label, "share ≥ 1%");
        assert_eq!(Measure::from_column("pcns_ge_0.5pct").label, "share ≥ 0.5%");
    }
}
