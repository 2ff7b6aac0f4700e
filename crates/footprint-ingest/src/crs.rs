//! Coordinate reference systems: WGS84 longitude/latitude and British National Grid, detection and conversion.
//!
//! The conversion is the OS "A guide to coordinate systems in Great Britain" method: a 7-parameter
//! Helmert transformation between WGS84 (≈ ETRS89) and OSGB36, and the Transverse Mercator projection
//! of the Airy 1830 ellipsoid. The Helmert transformation is good to about 3.5 m across Great Britain
//! (5 m at worst); OS's OSTN15 grid is good to centimetres but needs a 15 MB grid, and the boundaries
//! we read are generalised to about 20 m, so the Helmert transformation is what we use. It is the
//! transformation PROJ uses for EPSG:27700 when the OSTN15 grid is not installed, so files made that way
//! round-trip to within 2 mm. Accuracy against OS's published OSTN15 control points is tested.

use std::fmt;
use std::str::FromStr;

use geo::Coord;

/// The coordinate reference systems footprint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Crs {
    /// WGS84 longitude and latitude in degrees (EPSG:4326 / OGC CRS84; ETRS89 taken as equal).
    Wgs84,
    /// British National Grid eastings and northings in metres (EPSG:27700, OSGB36).
    BritishNationalGrid,
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Crs::Wgs84 => "EPSG:4326 (WGS84 longitude/latitude)",
            Crs::BritishNationalGrid => "EPSG:27700 (British National Grid)",
        })
    }
}

impl FromStr for Crs {
    type Err = String;

    /// `wgs84`, `epsg:4326`, `crs84`, `bng`, `epsg:27700`, `osgb36` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "epsg:4326" | "4326" | "crs84" | "etrs89" | "epsg:4258" => Ok(Crs::Wgs84),
            "bng" | "epsg:27700" | "27700" | "osgb36" | "british national grid" => Ok(Crs::BritishNationalGrid),
            other => Err(format!("unsupported CRS {other:?}: use wgs84 (EPSG:4326) or bng (EPSG:27700)")),
        }
    }
}

impl Crs {
    /// The CRS named by a GeoJSON `crs` member's name (`urn:ogc:def:crs:EPSG::27700`, `…OGC:1.3:CRS84`).
    #[must_use]
    pub fn from_geojson_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_uppercase();
        if n.ends_with("CRS84") || n.ends_with(":4326") || n.ends_with(":4258") {
            Some(Crs::Wgs84)
        } else if n.ends_with(":27700") {
            Some(Crs::BritishNationalGrid)
        } else {
            None
        }
    }

    /// The CRS described by the WKT of a shapefile's `.prj`, or `None` if it is neither of ours.
    #[must_use]
    pub fn from_prj(wkt: &str) -> Option<Self> {
        let w = wkt.to_ascii_uppercase();
        if w.contains("27700") || w.contains("BRITISH_NATIONAL_GRID") || w.contains("BRITISH NATIONAL GRID") {
            Some(Crs::BritishNationalGrid)
        } else if w.starts_with("GEOGCS") && (w.contains("WGS_1984") || w.contains("WGS 84") || w.contains("ETRS")) {
            Some(Crs::Wgs84)
        } else {
            None
        }
    }

    /// Guesses the CRS from the extent of the coordinates: degrees within ±180/±90 near Great Britain,
    /// or metres within the British National Grid's extent. `None` if the extent fits neither.
    #[must_use]
    pub fn from_extent(min: Coord<f64>, max: Coord<f64>) -> Option<Self> {
        let degrees = min.x >= -180.0 && max.x <= 180.0 && min.y >= -90.0 && max.y <= 90.0;
        let metres = min.x >= -100_000.0 && max.x <= 800_000.0 && min.y >= -100_000.0 && max.y <= 1_400_000.0;
        // A layer of a few km in metres near the grid's origin could fit both; a real BNG layer has
        // coordinates in the thousands, so "fits degrees" wins only if no coordinate exceeds 180.
        match (degrees, metres) {
            (true, _) => Some(Crs::Wgs84),
            (false, true) => Some(Crs::BritishNationalGrid),
            (false, false) => None,
        }
    }

    /// How distances in this CRS's units convert to metres (for spatial searches).
    #[must_use]
    pub fn is_projected(self) -> bool {
        self == Crs::BritishNationalGrid
    }
}

/// The area of a geometry in km², measured on the British National Grid (WGS84 input is projected first).
///
/// ```
/// use footprint_ingest::{Crs, area_km2};
/// use geo::{MultiPolygon, polygon};
/// let square = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1000., y: 0.), (x: 1000., y: 1000.), (x: 0., y: 1000.)]]);
/// assert_eq!(area_km2(&square, Crs::BritishNationalGrid), 1.0);
/// ```
#[must_use]
pub fn area_km2(geometry: &geo::MultiPolygon<f64>, crs: Crs) -> f64 {
    match crs {
        Crs::BritishNationalGrid => planar_area_km2(geometry, |c| c),
        Crs::Wgs84 => planar_area_km2(geometry, wgs84_to_bng),
    }
}

/// Shoelace area in km² of the geometry after mapping each vertex with `to_grid`.
fn planar_area_km2(geometry: &geo::MultiPolygon<f64>, to_grid: impl Fn(Coord<f64>) -> Coord<f64>) -> f64 {
    let ring_area = |ring: &geo::LineString<f64>| -> f64 {
        let mut points = ring.0.iter().map(|&c| to_grid(c));
        let Some(o) = points.next() else { return 0.0 };
        // Shoelace about the first point, to keep the products small.
        let (mut sum, mut prev) = (0.0, Coord { x: 0.0, y: 0.0 });
        for p in points {
            let q = Coord { x: p.x - o.x, y: p.y - o.y };
            sum += prev.x * q.y - q.x * prev.y;
            prev = q;
        }
        sum.abs() / 2.0
    };
    geometry.0.iter().map(|p| ring_area(p.exterior()) - p.interiors().iter().map(ring_area).sum::<f64>()).sum::<f64>()
        / 1e6
}

/// Measures many areas quickly: for WGS84 layers the datum shift to OSGB36 is interpolated
/// bilinearly from a 0.05° grid of exact Helmert shifts over the layer's extent (the shift is so
/// smooth that the interpolation is good to well under a millimetre; a test checks 1 mm), and the
/// Transverse Mercator projection is computed exactly. Three times faster than [`area_km2`] per vertex.
#[derive(Clone, Debug)]
pub struct AreaMeter {
    crs: Crs,
    grid: Option<ShiftGrid>,
}

#[derive(Clone, Debug)]
struct ShiftGrid {
    min: Coord<f64>,
    nx: usize,
    ny: usize,
    /// (Δlat, Δlon) in radians at each node, row-major from `min`.
    shifts: Vec<(f64, f64)>,
}

const GRID_STEP: f64 = 0.05;

impl AreaMeter {
    /// A meter for areas whose coordinates are in `crs` and lie within `min`..`max`.
    #[must_use]
    pub fn new(crs: Crs, min: Coord<f64>, max: Coord<f64>) -> Self {
        let grid = (crs == Crs::Wgs84
            && min.x.is_finite()
            && max.x.is_finite()
            && max.x - min.x < 40.0
            && max.y - min.y < 40.0)
            .then(|| ShiftGrid::new(min, max));
        Self { crs, grid }
    }

    /// A meter for the extent of `shapes` (in `crs`).
    ///
    /// ```
    /// use footprint_ingest::{AreaMeter, Crs};
    /// use geo::{MultiPolygon, polygon};
    /// let square = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1000., y: 0.), (x: 1000., y: 1000.), (x: 0., y: 1000.)]]);
    /// let meter = AreaMeter::over(Crs::BritishNationalGrid, [&square]);
    /// assert_eq!(meter.area_km2(&square), 1.0);
    /// ```
    #[must_use]
    pub fn over<'a>(crs: Crs, shapes: impl IntoIterator<Item = &'a geo::MultiPolygon<f64>>) -> Self {
        use geo::BoundingRect;
        let extent = shapes.into_iter().filter_map(BoundingRect::bounding_rect).reduce(|a, b| {
            geo::Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
        match extent {
            Some(r) => Self::new(crs, r.min(), r.max()),
            None => Self::new(crs, Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }),
        }
    }

    /// The area in km² on the British National Grid.
    #[must_use]
    pub fn area_km2(&self, geometry: &geo::MultiPolygon<f64>) -> f64 {
        match (&self.grid, self.crs) {
            (_, Crs::BritishNationalGrid) => planar_area_km2(geometry, |c| c),
            (Some(grid), Crs::Wgs84) => planar_area_km2(geometry, |c| grid.to_bng(c)),
            (None, Crs::Wgs84) => planar_area_km2(geometry, wgs84_to_bng),
        }
    }

    /// The grid conversion of one point (for tests against [`wgs84_to_bng`]).
    #[must_use]
    pub fn to_bng(&self, c: Coord<f64>) -> Coord<f64> {
        match (&self.grid, self.crs) {
            (_, Crs::BritishNationalGrid) => c,
            (Some(grid), Crs::Wgs84) => grid.to_bng(c),
            (None, Crs::Wgs84) => wgs84_to_bng(c),
        }
    }
}

impl ShiftGrid {
    fn new(min: Coord<f64>, max: Coord<f64>) -> Self {
        let min = Coord {
            x: (min.x / GRID_STEP).floor() * GRID_STEP - GRID_STEP,
            y: (min.y / GRID_STEP).floor() * GRID_STEP - GRID_STEP,
        };
        let nx = ((max.x - min.x) / GRID_STEP).ceil() as usize + 2;
        let ny = ((max.y - min.y) / GRID_STEP).ceil() as usize + 2;
        let mut shifts = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let lon = (min.x + i as f64 * GRID_STEP).to_radians();
                let lat = (min.y + j as f64 * GRID_STEP).to_radians();
                let (lat2, lon2) = cartesian_to_geodetic(
                    helmert(geodetic_to_cartesian(lat, lon, WGS84_A, WGS84_B), true),
                    AIRY_A,
                    AIRY_B,
                );
                shifts.push((lat2 - lat, lon2 - lon));
            }
        }
        Self { min, nx, ny, shifts }
    }

    fn to_bng(&self, c: Coord<f64>) -> Coord<f64> {
        let fx = (c.x - self.min.x) / GRID_STEP;
        let fy = (c.y - self.min.y) / GRID_STEP;
        if !(fx >= 0.0 && fy >= 0.0) {
            return wgs84_to_bng(c);
        }
        let (i, j) = (fx as usize, fy as usize);
        if i + 1 >= self.nx || j + 1 >= self.ny {
            return wgs84_to_bng(c);
        }
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        let at = |i: usize, j: usize| self.shifts[j * self.nx + i];
        let (a, b, c2, d) = (at(i, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1));
        let mix =
            |a: f64, b: f64, c: f64, d: f64| (a * (1.0 - tx) + b * tx) * (1.0 - ty) + (c * (1.0 - tx) + d * tx) * ty;
        let dlat = mix(a.0, b.0, c2.0, d.0);
        let dlon = mix(a.1, b.1, c2.1, d.1);
        project(c.y.to_radians() + dlat, c.x.to_radians() + dlon)
    }
}

// Airy 1830 (OSGB36) and GRS80/WGS84 ellipsoids.
const AIRY_A: f64 = 6_377_563.396;
const AIRY_B: f64 = 6_356_256.909;
const WGS84_A: f64 = 6_378_137.0;
const WGS84_B: f64 = 6_356_752.314_140_3;
// National Grid projection constants.
const F0: f64 = 0.999_601_271_7;
const LAT0: f64 = 49.0 * std::f64::consts::PI / 180.0;
const LON0: f64 = -2.0 * std::f64::consts::PI / 180.0;
const E0: f64 = 400_000.0;
const N0: f64 = -100_000.0;
// Helmert WGS84 -> OSGB36 (OS guide, table 4): metres, ppm, arc-seconds.
const TX: f64 = -446.448;
const TY: f64 = 125.157;
const TZ: f64 = -542.060;
const S_PPM: f64 = 20.4894;
const RX_SEC: f64 = -0.1502;
const RY_SEC: f64 = -0.2470;
const RZ_SEC: f64 = -0.8421;

/// The function taking coordinates in `from` to `to` (the identity when they agree).
///
/// ```
/// use footprint_ingest::{Crs, converter};
/// use geo::Coord;
/// let p = Coord { x: 530_000.0, y: 180_000.0 };
/// assert_eq!(converter(Crs::BritishNationalGrid, Crs::BritishNationalGrid)(p), p);
/// let back = converter(Crs::Wgs84, Crs::BritishNationalGrid)(converter(Crs::BritishNationalGrid, Crs::Wgs84)(p));
/// assert!((back.x - p.x).abs() < 0.01 && (back.y - p.y).abs() < 0.01);
/// ```
#[must_use]
pub fn converter(from: Crs, to: Crs) -> fn(Coord<f64>) -> Coord<f64> {
    match (from, to) {
        (Crs::Wgs84, Crs::BritishNationalGrid) => wgs84_to_bng,
        (Crs::BritishNationalGrid, Crs::Wgs84) => bng_to_wgs84,
        _ => |c| c,
    }
}

/// `shape` (in `from`) in `to`: borrowed when the two agree, else every position converted.
#[must_use]
pub fn reproject(shape: &geo::MultiPolygon<f64>, from: Crs, to: Crs) -> std::borrow::Cow<'_, geo::MultiPolygon<f64>> {
    use geo::MapCoords;
    if from == to {
        std::borrow::Cow::Borrowed(shape)
    } else {
        std::borrow::Cow::Owned(shape.map_coords(converter(from, to)))
    }
}

/// WGS84 longitude/latitude (degrees) → British National Grid easting/northing (metres).
///
/// ```
/// // OS control point TP09 (London): OSTN15 gives 530624.974 E, 178388.464 N.
/// let p = footprint_ingest::wgs84_to_bng(geo::Coord { x: -0.119925572, y: 51.48936565 });
/// assert!((p.x - 530_624.974).abs() < 5.0 && (p.y - 178_388.464).abs() < 5.0);
/// ```
#[must_use]
pub fn wgs84_to_bng(lonlat: Coord<f64>) -> Coord<f64> {
    let (lat, lon) = (lonlat.y.to_radians(), lonlat.x.to_radians());
    let xyz = geodetic_to_cartesian(lat, lon, WGS84_A, WGS84_B);
    let xyz = helmert(xyz, true);
    let (lat, lon) = cartesian_to_geodetic(xyz, AIRY_A, AIRY_B);
    project(lat, lon)
}

/// British National Grid easting/northing (metres) → WGS84 longitude/latitude (degrees).
///
/// ```
/// let p = footprint_ingest::bng_to_wgs84(geo::Coord { x: 530_624.974, y: 178_388.464 });
/// assert!((p.x - -0.119925572).abs() < 1e-4 && (p.y - 51.48936565).abs() < 1e-4);
/// ```
#[must_use]
pub fn bng_to_wgs84(en: Coord<f64>) -> Coord<f64> {
    let (lat, lon) = unproject(en.x, en.y);
    let xyz = geodetic_to_cartesian(lat, lon, AIRY_A, AIRY_B);
    let xyz = helmert(xyz, false);
    let (lat, lon) = cartesian_to_geodetic(xyz, WGS84_A, WGS84_B);
    Coord { x: lon.to_degrees(), y: lat.to_degrees() }
}

fn geodetic_to_cartesian(lat: f64, lon: f64, a: f64, b: f64) -> [f64; 3] {
    let e2 = 1.0 - (b * b) / (a * a);
    let (sin_lat, cos_lat) = lat.sin_cos();
    let nu = a / (1.0 - e2 * sin_lat * sin_lat).sqrt();
    let (sin_lon, cos_lon) = lon.sin_cos();
    [nu * cos_lat * cos_lon, nu * cos_lat * sin_lon, (1.0 - e2) * nu * sin_lat]
}

/// Cartesian → geodetic latitude and longitude (radians) by Bowring's formula, which for points near
/// the ellipsoid's surface (as ours are: heights are taken as 0) is exact to well under a millimetre.
fn cartesian_to_geodetic([x, y, z]: [f64; 3], a: f64, b: f64) -> (f64, f64) {
    let e2 = 1.0 - (b * b) / (a * a);
    let ep2 = (a * a) / (b * b) - 1.0;
    let p = x.hypot(y);
    let (sin_t, cos_t) = (z * a).atan2(p * b).sin_cos();
    let lat = (z + ep2 * b * sin_t * sin_t * sin_t).atan2(p - e2 * a * cos_t * cos_t * cos_t);
    (lat, y.atan2(x))
}

/// The Helmert transformation WGS84 → OSGB36 (`forward`), or its exact inverse.
fn helmert([x, y, z]: [f64; 3], forward: bool) -> [f64; 3] {
    let sec = std::f64::consts::PI / (180.0 * 3600.0);
    let s = 1.0 + S_PPM * 1e-6;
    let (rx, ry, rz) = (RX_SEC * sec, RY_SEC * sec, RZ_SEC * sec);
    // X = T + M·x with M = [[s, −rz, ry], [rz, s, −rx], [−ry, rx, s]].
    let m = [[s, -rz, ry], [rz, s, -rx], [-ry, rx, s]];
    if forward {
        return [
            TX + m[0][0] * x + m[0][1] * y + m[0][2] * z,
            TY + m[1][0] * x + m[1][1] * y + m[1][2] * z,
            TZ + m[2][0] * x + m[2][1] * y + m[2][2] * z,
        ];
    }
    // x = M⁻¹·(X − T), with M⁻¹ = adj(M) / det(M).
    let v = [x - TX, y - TY, z - TZ];
    let cof = |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let adj = [
        [cof(1, 2, 1, 2), -cof(0, 2, 1, 2), cof(0, 1, 1, 2)],
        [-cof(1, 2, 0, 2), cof(0, 2, 0, 2), -cof(0, 1, 0, 2)],
        [cof(1, 2, 0, 1), -cof(0, 2, 0, 1), cof(0, 1, 0, 1)],
    ];
    let det = m[0][0] * adj[0][0] + m[0][1] * adj[1][0] + m[0][2] * adj[2][0];
    [0, 1, 2].map(|r| (adj[r][0] * v[0] + adj[r][1] * v[1] + adj[r][2] * v[2]) / det)
}

/// Meridional arc M for latitude `lat` on the Airy ellipsoid (OS guide, C2); the multiple angles come
/// from the sines and cosines of the single angles.
fn meridional_arc(lat: f64) -> f64 {
    let n = (AIRY_A - AIRY_B) / (AIRY_A + AIRY_B);
    let (n2, n3) = (n * n, n * n * n);
    let (sd, cd) = (lat - LAT0).sin_cos();
    let cs = (lat + LAT0).cos();
    let (sd2, cs2) = (2.0 * sd * cd, 2.0 * cs * cs - 1.0);
    let (sd3, cs3) = (sd * (3.0 - 4.0 * sd * sd), cs * (4.0 * cs * cs - 3.0));
    AIRY_B
        * F0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * (lat - LAT0) - (3.0 * n + 3.0 * n2 + 2.625 * n3) * sd * cs
            + (1.875 * n2 + 1.875 * n3) * sd2 * cs2
            - (35.0 / 24.0) * n3 * sd3 * cs3)
}

/// Transverse Mercator, Airy 1830 latitude/longitude (radians) → easting/northing (OS guide, C1).
fn project(lat: f64, lon: f64) -> Coord<f64> {
    let e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let (sin_lat, cos_lat) = lat.sin_cos();
    let tan_lat = sin_lat / cos_lat;
    let nu = AIRY_A * F0 / (1.0 - e2 * sin_lat * sin_lat).sqrt();
    let w = 1.0 - e2 * sin_lat * sin_lat;
    let rho = AIRY_A * F0 * (1.0 - e2) / (w * w.sqrt());
    let eta2 = nu / rho - 1.0;
    let m = meridional_arc(lat);
    let (t2, t4) = (tan_lat * tan_lat, tan_lat * tan_lat * tan_lat * tan_lat);
    let c3 = cos_lat * cos_lat * cos_lat;
    let c5 = c3 * cos_lat * cos_lat;
    let i = m + N0;
    let ii = nu / 2.0 * sin_lat * cos_lat;
    let iii = nu / 24.0 * sin_lat * c3 * (5.0 - t2 + 9.0 * eta2);
    let iiia = nu / 720.0 * sin_lat * c5 * (61.0 - 58.0 * t2 + t4);
    let iv = nu * cos_lat;
    let v = nu / 6.0 * c3 * (nu / rho - t2);
    let vi = nu / 120.0 * c5 * (5.0 - 18.0 * t2 + t4 + 14.0 * eta2 - 58.0 * t2 * eta2);
    let dl = lon - LON0;
    let dl2 = dl * dl;
    Coord { x: E0 + dl * (iv + dl2 * (v + dl2 * vi)), y: i + dl2 * (ii + dl2 * (iii + dl2 * iiia)) }
}

/// Inverse Transverse Mercator: easting/northing → Airy 1830 latitude/longitude in radians (OS guide, C3).
fn unproject(e: f64, north: f64) -> (f64, f64) {
    let e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let mut lat = LAT0 + (north - N0) / (AIRY_A * F0);
    let mut m = meridional_arc(lat);
    for _ in 0..20 {
        if (north - N0 - m).abs() < 1e-5 {
            break;
        }
        lat += (north - N0 - m) / (AIRY_A * F0);
        m = meridional_arc(lat);
    }
    let (sin_lat, cos_lat) = lat.sin_cos();
    let tan_lat = sin_lat / cos_lat;
    let nu = AIRY_A * F0 / (1.0 - e2 * sin_lat * sin_lat).sqrt();
    let rho = AIRY_A * F0 * (1.0 - e2) / (1.0 - e2 * sin_lat * sin_lat).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (t2, t4, t6) = (tan_lat * tan_lat, tan_lat.powi(4), tan_lat.powi(6));
    let sec = 1.0 / cos_lat;
    let vii = tan_lat / (2.0 * rho * nu);
    let viii = tan_lat / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = tan_lat / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);
    let de = e - E0;
    (
        lat - vii * de * de + viii * de.powi(4) - ix * de.powi(6),
        LON0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OS guide, annex C worked example: OSGB36 52°39′27.2531″N 1°43′4.5177″E → 651409.903 E, 313177.270 N.
    #[test]
    fn projection_matches_the_os_worked_example() {
        let lat = (52.0 + 39.0 / 60.0 + 27.2531 / 3600.0_f64).to_radians();
        let lon = (1.0 + 43.0 / 60.0 + 4.5177 / 3600.0_f64).to_radians();
        let p = project(lat, lon);
        assert!((p.x - 651_409.903).abs() < 0.001, "{}", p.x);
        assert!((p.y - 313_177.270).abs() < 0.001, "{}", p.y);
        let (lat2, lon2) = unproject(p.x, p.y);
        assert!((lat2 - lat).abs() < 1e-10 && (lon2 - lon).abs() < 1e-10);
    }

    #[test]
    fn conversions_round_trip_to_two_millimetres() {
        for (e, n) in
            [(91_492.0, 11_318.0), (530_624.974, 178_388.464), (424_639.355, 565_012.703), (655_000.0, 300_000.0)]
        {
            let back = wgs84_to_bng(bng_to_wgs84(Coord { x: e, y: n }));
            // The series of the OS method are truncated: about 1 mm at 300 km from the central meridian (Scilly).
            assert!((back.x - e).abs() < 0.002 && (back.y - n).abs() < 0.002, "({e}, {n}) -> {back:?}");
        }
    }

    #[test]
    fn the_shift_grid_agrees_with_the_full_transformation_to_a_millimetre() {
        let meter = AreaMeter::new(Crs::Wgs84, Coord { x: -6.4, y: 49.8 }, Coord { x: 1.8, y: 55.9 });
        let mut worst: f64 = 0.0;
        for i in 0..200 {
            for j in 0..200 {
                let c = Coord {
                    x: -6.4 + 8.2 * f64::from(i) / 199.0 + 0.0001,
                    y: 49.8 + 6.1 * f64::from(j) / 199.0 + 0.0001,
                };
                let (a, b) = (meter.to_bng(c), wgs84_to_bng(c));
                worst = worst.max((a.x - b.x).hypot(a.y - b.y));
            }
        }
        assert!(worst < 0.001, "worst {worst} m");
        let square = geo::MultiPolygon(vec![geo::Polygon::new(
            geo::LineString::from(vec![(-1.6, 53.8), (-1.5, 53.8), (-1.5, 53.9), (-1.6, 53.9), (-1.6, 53.8)]),
            vec![],
        )]);
        let (fast, exact) = (meter.area_km2(&square), area_km2(&square, Crs::Wgs84));
        assert!((fast - exact).abs() < 1e-6, "{fast} vs {exact}");
    }

    #[test]
    fn detection() {
        assert_eq!(Crs::from_geojson_name("urn:ogc:def:crs:OGC:1.3:CRS84"), Some(Crs::Wgs84));
        assert_eq!(Crs::from_geojson_name("urn:ogc:def:crs:EPSG::27700"), Some(Crs::BritishNationalGrid));
        assert_eq!(Crs::from_geojson_name("urn:ogc:def:crs:EPSG::3857"), None);
        assert_eq!(
            Crs::from_prj(
                "PROJCS[\"OSGB36 / British National Grid\",GEOGCS[\"OSGB36\",DATUM[\"Ordnance_Survey_of_Great_Britain_1936\"]]]"
            ),
            Some(Crs::BritishNationalGrid)
        );
        assert_eq!(Crs::from_prj("GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\"]]"), Some(Crs::Wgs84));
        assert_eq!(Crs::from_prj("PROJCS[\"WGS 84 / Pseudo-Mercator\"]"), None);
        let c = |x, y| Coord { x, y };
        assert_eq!(Crs::from_extent(c(-6.4, 49.8), c(1.8, 55.9)), Some(Crs::Wgs84));
        assert_eq!(Crs::from_extent(c(82_000.0, 5_300.0), c(655_000.0, 658_000.0)), Some(Crs::BritishNationalGrid));
        assert_eq!(Crs::from_extent(c(-20_000_000.0, 0.0), c(0.0, 1.0)), None);
        assert_eq!("BNG".parse::<Crs>(), Ok(Crs::BritishNationalGrid));
        assert!("epsg:3857".parse::<Crs>().is_err());
    }
}
