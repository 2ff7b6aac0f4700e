//! Community-team alignment: each LSOA's registered patients apportioned to team areas, and how the
//! teams and the PCNs serving their residents line up.
//!
//! Apportionment ([`apportion_by_area`], [`apportion_by_points`], [`apportion_by_lookup`]) gives, for every
//! LSOA code of the registrations, the share of its residents in each team ([`LsoaTeams`]); [`align`] turns
//! registrations into whole patients per team, LSOA and PCN (largest remainder, so every patient is
//! counted once) and measures teams, PCNs and team–PCN pairs.

use footprint_index::{AreaIndex, BoundaryIndex};
use footprint_ingest::{
    AreaLayer, AreaLookup, Centroids, Crs, LsoaCode, PcnId, PracticeMap, PracticePcn, RegistrationTable,
};
use geo::{BooleanOps, BoundingRect, Coord, InteriorPoint, MultiPolygon, Rect};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::count::{NO_PCN, measure};
use crate::{AreaOverlap, Threshold};

/// Where one LSOA's residents go.
#[derive(Clone, Debug, PartialEq)]
pub enum LsoaTeams {
    /// The LSOA is not in the LSOA layer, the centroids or the lookup: its patients are unknown.
    Unknown,
    /// Shares of its residents by team (team index, share), in team order; they add up to at most 1
    /// and the rest is in no team. An empty list: wholly in no team.
    Pieces(Vec<(u32, f64)>),
}

impl LsoaTeams {
    /// Whether the LSOA is split between two or more teams, or between a team and no team.
    #[must_use]
    pub fn is_split(&self) -> bool {
        match self {
            LsoaTeams::Unknown => false,
            LsoaTeams::Pieces(p) => p.len() > 1 || (p.len() == 1 && p[0].1 < 1.0),
        }
    }
}

/// Keeps pieces of at least `min_piece` of the LSOA (the part in no team included) and scales them to add up to 1.
fn keep_pieces(mut pieces: Vec<(u32, f64)>, min_piece: f64) -> LsoaTeams {
    let covered: f64 = pieces.iter().map(|p| p.1).sum();
    let outside = (1.0 - covered).max(0.0);
    pieces.retain(|p| p.1 >= min_piece);
    let kept_outside = if outside >= min_piece { outside } else { 0.0 };
    let total: f64 = pieces.iter().map(|p| p.1).sum::<f64>() + kept_outside;
    if total > 0.0 {
        pieces.iter_mut().for_each(|p| p.1 /= total);
    }
    // A piece that is all of the LSOA is exactly 1.
    if pieces.len() == 1 && kept_outside == 0.0 {
        pieces[0].1 = 1.0;
    }
    LsoaTeams::Pieces(pieces)
}

/// A team boundary within this distance (metres) of an LSOA's boundary runs along it rather than through it:
/// layers made from the same LSOAs differ by float noise and coordinate rounding (6 decimals of a degree
/// are about 0.1 m).
const ALONG_METRES: f64 = 0.5;

/// The part of `shape` inside `rect`, ring by ring (Sutherland–Hodgman against each side of the rectangle).
/// A concave ring may come out with zero-width bridges along the rectangle's sides; they have no area, and
/// the result is only intersected with a polygon inside `rect`, so the intersection's area is exact.
fn clip_to_rect(shape: &MultiPolygon<f64>, rect: &Rect<f64>) -> MultiPolygon<f64> {
    use geo::{LineString, Polygon};
    let clip = |ring: &LineString<f64>| -> LineString<f64> {
        let mut points: Vec<Coord<f64>> = ring.0.clone();
        points.pop(); // the closing repeat
        // Each side as (inside test, crossing point of the segment p–q with the side's line).
        let (min, max) = (rect.min(), rect.max());
        for side in 0..4 {
            let inside = |c: &Coord<f64>| match side {
                0 => c.x >= min.x,
                1 => c.x <= max.x,
                2 => c.y >= min.y,
                _ => c.y <= max.y,
            };
            let cross = |p: Coord<f64>, q: Coord<f64>| {
                let (v, along) = match side {
                    0 => (min.x, true),
                    1 => (max.x, true),
                    2 => (min.y, false),
                    _ => (max.y, false),
                };
                if along {
                    let t = (v - p.x) / (q.x - p.x);
                    Coord { x: v, y: p.y + t * (q.y - p.y) }
                } else {
                    let t = (v - p.y) / (q.y - p.y);
                    Coord { x: p.x + t * (q.x - p.x), y: v }
                }
            };
            let mut out = Vec::with_capacity(points.len());
            for (i, &q) in points.iter().enumerate() {
                let p = points[(i + points.len() - 1) % points.len()];
                match (inside(&p), inside(&q)) {
                    (true, true) => out.push(q),
                    (true, false) => out.push(cross(p, q)),
                    (false, true) => {
                        out.push(cross(p, q));
                        out.push(q);
                    }
                    (false, false) => {}
                }
            }
            points = out;
            if points.is_empty() {
                break;
            }
        }
        if let Some(&first) = points.first() {
            points.push(first);
        }
        LineString(points)
    };
    MultiPolygon(
        shape
            .0
            .iter()
            .filter_map(|p| {
                let exterior = clip(p.exterior());
                (exterior.0.len() >= 4).then(|| {
                    Polygon::new(exterior, p.interiors().iter().map(clip).filter(|r| r.0.len() >= 4).collect())
                })
            })
            .collect(),
    )
}

fn overlaps(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

/// Apportions each LSOA of `lsoa_codes` to the teams by area: an LSOA that no team boundary passes through
/// (boundaries within half a metre of the LSOA's own run along it)
/// goes whole to the team holding it (or to no team); one cut by a team boundary is split in proportion to
/// the area of each piece (British National Grid), pieces under `min_piece` of the LSOA (slivers where
/// two layers were generalised differently) are dropped and the rest scaled up to the whole.
#[must_use]
pub fn apportion_by_area(
    lsoa_codes: &[LsoaCode],
    lsoas: &AreaLayer,
    teams: &AreaLayer,
    min_piece: f64,
) -> Vec<LsoaTeams> {
    // Both layers in one CRS: the teams' when they share it (no reprojection), else British National Grid.
    let crs = if lsoas.crs == teams.crs { teams.crs } else { Crs::BritishNationalGrid };
    let in_crs = |shape, from| footprint_ingest::reproject(shape, from, crs);
    let (along, margin) = match crs {
        Crs::BritishNationalGrid => (ALONG_METRES, 1.0),
        // A degree of latitude is 111 km, of longitude at least 60 km in England: 0.5 m is at most 8.3e-6°.
        Crs::Wgs84 => (ALONG_METRES / 111_000.0, 2e-5),
    };
    let team_shapes: Vec<std::borrow::Cow<'_, MultiPolygon<f64>>> =
        teams.areas.par_iter().map(|t| in_crs(&t.geometry, teams.crs)).collect();
    let team_boxes: Vec<Option<Rect<f64>>> = team_shapes.iter().map(|s| s.bounding_rect()).collect();
    let lsoa_shapes: Vec<std::borrow::Cow<'_, MultiPolygon<f64>>> =
        lsoas.areas.par_iter().map(|l| in_crs(&l.geometry, lsoas.crs)).collect();
    // The R-tree is built on one thread: meanwhile the other threads find a point inside every LSOA.
    let (boundaries, inner_points) = rayon::join(
        || BoundaryIndex::new(team_shapes.iter().map(std::convert::AsRef::as_ref)),
        || lsoa_shapes.par_iter().map(|l| l.interior_point()).collect::<Vec<_>>(),
    );
    // Areas on the British National Grid, with the datum shift interpolated over the LSOAs' extent.
    let meter = footprint_ingest::AreaMeter::over(crs, lsoa_shapes.iter().map(std::convert::AsRef::as_ref));
    let by_code: Vec<LsoaTeams> = lsoa_shapes
        .par_iter()
        .enumerate()
        .map(|(i, shape)| {
            let Some(bbox) = shape.bounding_rect() else { return LsoaTeams::Pieces(Vec::new()) };
            let candidates: Vec<u32> = team_boxes
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_some_and(|b| overlaps(&b, &bbox)))
                .map(|(i, _)| i as u32)
                .collect();
            if candidates.is_empty() {
                return LsoaTeams::Pieces(Vec::new());
            }
            if !boundaries.cuts(shape, along) {
                // Wholly inside one team or in none: its interior point decides.
                let Some(p) = inner_points[i] else { return LsoaTeams::Pieces(Vec::new()) };
                #[allow(clippy::cast_possible_truncation)]
                let east = candidates
                    .iter()
                    .filter_map(|&t| team_boxes[t as usize].map(|b| b.max().x))
                    .fold(f64::NEG_INFINITY, f64::max);
                let among: Vec<usize> = candidates.iter().map(|&t| t as usize).collect();
                return LsoaTeams::Pieces(
                    boundaries.locate_among(p.0, &among, east).map(|t| vec![(t as u32, 1.0)]).unwrap_or_default(),
                );
            }
            let whole = meter.area_km2(shape);
            // The team shapes near the LSOA only: intersecting whole districts would cost their every vertex.
            let grown = Rect::new(
                Coord { x: bbox.min().x - margin, y: bbox.min().y - margin },
                Coord { x: bbox.max().x + margin, y: bbox.max().y + margin },
            );
            if whole <= 0.0 {
                return LsoaTeams::Pieces(Vec::new());
            }
            let pieces: Vec<(u32, f64)> = candidates
                .iter()
                .map(|&t| {
                    let near = clip_to_rect(&team_shapes[t as usize], &grown);
                    (t, meter.area_km2(&shape.intersection(&near)) / whole)
                })
                .filter(|p| p.1 > 0.0)
                .collect();
            keep_pieces(pieces, min_piece)
        })
        .collect();
    lsoa_codes
        .iter()
        .map(|c| lsoas.find(c.as_str()).map_or(LsoaTeams::Unknown, |id| by_code[id.index()].clone()))
        .collect()
}

/// Apportions each LSOA wholly to the team holding its point (a population-weighted centroid, or an LSOA
/// polygon's interior point); `points_crs` is the points' CRS. Points on a boundary shared by two teams
/// follow the point-in-polygon rule of [`footprint_index`] (the team to the east, or north).
#[must_use]
pub fn apportion_by_points(
    lsoa_codes: &[LsoaCode],
    points: &Centroids,
    points_crs: Crs,
    teams: &AreaLayer,
) -> Vec<LsoaTeams> {
    let index = AreaIndex::new(&teams.areas, teams.crs);
    let convert = footprint_ingest::converter(points_crs, teams.crs);
    lsoa_codes
        .par_iter()
        .map(|code| match points.points.get(code) {
            None => LsoaTeams::Unknown,
            Some(&p) => LsoaTeams::Pieces(index.locate(convert(p)).map(|t| vec![(t.0, 1.0)]).unwrap_or_default()),
        })
        .collect()
}

/// Apportions each LSOA wholly to the team a lookup gives it; `teams` are the team names in order (an
/// LSOA whose team is not among them is in no team).
#[must_use]
pub fn apportion_by_lookup(lsoa_codes: &[LsoaCode], lookup: &AreaLookup, teams: &[String]) -> Vec<LsoaTeams> {
    lsoa_codes
        .iter()
        .map(|code| match lookup.map.get(code) {
            None => LsoaTeams::Unknown,
            Some(team) => LsoaTeams::Pieces(
                teams
                    .binary_search_by(|t| t.as_str().cmp(team.as_str()))
                    .map(|t| vec![(t as u32, 1.0)])
                    .unwrap_or_default(),
            ),
        })
        .collect()
}

/// Team areas made of whole LSOAs: each team of `lookup` (LSOA → team) is the exact dissolve of its LSOAs'
/// polygons (docs/footprints.md), in team order. LSOAs of the layer the lookup does not name are left out.
#[must_use]
pub fn teams_from_lookup(lsoas: &AreaLayer, lookup: &AreaLookup) -> AreaLayer {
    let mut members: std::collections::BTreeMap<&str, Vec<footprint_ingest::AreaId>> =
        std::collections::BTreeMap::new();
    for (i, lsoa) in lsoas.areas.iter().enumerate() {
        if let Some(team) = lookup.map.get(&LsoaCode::from(lsoa.code.as_str())) {
            #[allow(clippy::cast_possible_truncation)]
            members.entry(team.as_str()).or_default().push(footprint_ingest::AreaId(i as u32));
        }
    }
    let coverage = crate::Coverage::new(
        lsoas.areas.iter().map(|a| a.geometry.clone()).collect(),
        footprint_ingest::coincidence_tolerance(lsoas.crs),
    );
    let members: Vec<(&str, Vec<footprint_ingest::AreaId>)> = members.into_iter().collect();
    let areas = members
        .into_par_iter()
        .map(|(team, ids)| footprint_ingest::Area {
            code: footprint_ingest::AreaCode::from(team),
            name: String::new(),
            geometry: coverage.dissolve(&ids).0,
            feature_index: ids.first().map_or(0, |id| lsoas.areas[id.index()].feature_index),
        })
        .collect();
    AreaLayer { areas, code_field: lookup.columns.1.clone(), crs: lsoas.crs, ..AreaLayer::default() }
}

/// `n` whole patients split by `weights` (the last one for no team): floors, then one more each to the
/// largest remainders (ties to the earlier weight), so the parts add up to `n`.
fn largest_remainder(n: u64, weights: &[f64]) -> Vec<u64> {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mut parts: Vec<(u64, f64)> = weights
        .iter()
        .map(|&w| {
            let quota = n as f64 * w;
            let whole = quota.floor().max(0.0) as u64;
            (whole, quota - quota.floor())
        })
        .collect();
    let given: u64 = parts.iter().map(|p| p.0).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.total_cmp(&parts[a].1).then(a.cmp(&b)));
    let mut left = n.saturating_sub(given);
    for &i in order.iter().cycle().take(if parts.is_empty() { 0 } else { usize::MAX }) {
        if left == 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| p.0).collect()
}

/// (key, count) pairs sorted by key, with the counts of each key summed.
fn sum_runs(sorted: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut runs: Vec<(u64, u64)> = Vec::with_capacity(sorted.len());
    for (k, n) in sorted {
        match runs.last_mut() {
            Some(last) if last.0 == k => last.1 += n,
            _ => runs.push((k, n)),
        }
    }
    runs
}

/// One LSOA split between teams (or a team and no team).
#[derive(Clone, Debug, PartialEq)]
pub struct SplitLsoa {
    /// The LSOA code.
    pub lsoa: LsoaCode,
    /// Its registered residents.
    pub population: u64,
    /// Each piece: the team (`None`: no team), its share of the LSOA and the patients it was given.
    pub pieces: Vec<(Option<u32>, f64, u64)>,
}

/// A team's measures.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamMeasures {
    /// Population, PCN counts, hhi, top PCN (the area id is the team index).
    pub overlap: AreaOverlap,
    /// The fewest PCNs, largest first (ties by code), holding at least the core share of the residents.
    pub core_pcns: Vec<PcnId>,
    /// The share of the residents registered with PCNs that have most of their list in this team.
    pub home_share: Option<f64>,
}

/// A PCN's measures.
#[derive(Clone, Debug, PartialEq)]
pub struct PcnMeasures {
    /// The PCN.
    pub pcn: PcnId,
    /// Its patients in the registrations (every LSOA, known or not).
    pub list_size: u64,
    /// Its patients resident in some team.
    pub in_teams: u64,
    /// Teams its patients live in, most patients first (ties by team order): (team, patients).
    pub teams: Vec<(u32, u64)>,
    /// Teams with at least each threshold of its list.
    pub teams_at_or_above: Vec<u32>,
    /// Whether it has at least the first threshold of some team's residents (it serves the teams).
    pub serves_teams: bool,
}

/// A team–PCN pair with patients in common.
#[derive(Clone, Debug, PartialEq)]
pub struct PairMeasures {
    /// The team.
    pub team: u32,
    /// The PCN.
    pub pcn: PcnId,
    /// The PCN's patients resident in the team.
    pub patients: u64,
    /// Σ over LSOAs of min(team's residents, PCN's patients resident there).
    pub common: u64,
    /// Σ over LSOAs of max(team's residents, PCN's patients resident there).
    pub union: u64,
    /// The team's residents.
    pub team_population: u64,
    /// The PCN's patients resident in known LSOAs.
    pub pcn_population: u64,
}

impl PairMeasures {
    /// Population-weighted Jaccard: `common / union`.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn jaccard(&self) -> Option<f64> {
        (self.union > 0).then(|| self.common as f64 / self.union as f64)
    }

    /// Population-weighted containment of the team in the PCN: `common / team_population`.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn team_in_pcn(&self) -> Option<f64> {
        (self.team_population > 0).then(|| self.common as f64 / self.team_population as f64)
    }

    /// Population-weighted containment of the PCN in the team: `common / pcn_population`.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn pcn_in_team(&self) -> Option<f64> {
        (self.pcn_population > 0).then(|| self.common as f64 / self.pcn_population as f64)
    }
}

/// Patients read, by where they went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlignAccounting {
    /// Every patient of the registrations.
    pub patients_read: u64,
    /// Resident in a team.
    pub patients_in_teams: u64,
    /// Resident in a known LSOA but in no team (outside every team, or a piece of a split LSOA outside).
    pub patients_no_team: u64,
    /// Resident in an LSOA the apportionment does not know.
    pub patients_unknown_lsoa: u64,
}

impl AlignAccounting {
    /// Whether every patient read is in exactly one of the three.
    #[must_use]
    pub fn balances(&self) -> bool {
        self.patients_read == self.patients_in_teams + self.patients_no_team + self.patients_unknown_lsoa
    }
}

/// The whole alignment of a team layer with the PCNs.
#[derive(Clone, Debug, PartialEq)]
pub struct Alignment {
    /// The team names, in team order.
    pub teams: Vec<String>,
    /// The thresholds the counts use.
    pub thresholds: Vec<Threshold>,
    /// The core share.
    pub core_share: Threshold,
    /// Per team.
    pub team_measures: Vec<TeamMeasures>,
    /// Per PCN with patients in the registrations, in code order.
    pub pcn_measures: Vec<PcnMeasures>,
    /// Team–PCN pairs with patients in common, by team then PCN.
    pub pairs: Vec<PairMeasures>,
    /// LSOAs split between teams, in code order.
    pub split: Vec<SplitLsoa>,
    /// Where every patient went.
    pub accounting: AlignAccounting,
}

impl Alignment {
    /// The layer's alignment index: of the team residents registered with a PCN, the share whose PCN has
    /// more of its patients in their team than in any other (1: every PCN's patients live in one team).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn index(&self) -> Option<f64> {
        let total: u64 = self.pcn_measures.iter().map(|p| p.in_teams).sum();
        let main: u64 = self.pcn_measures.iter().map(|p| p.teams.first().map_or(0, |t| t.1)).sum();
        (total > 0).then(|| main as f64 / total as f64)
    }

    /// Teams from least to best aligned: by home share (none last), ties by name.
    #[must_use]
    pub fn teams_ranked(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.teams.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (self.team_measures[a as usize].home_share, self.team_measures[b as usize].home_share);
            x.map_or(f64::INFINITY, |v| v).total_cmp(&y.map_or(f64::INFINITY, |v| v)).then(a.cmp(&b))
        });
        order
    }

    /// The PCNs serving the teams (indices into `pcn_measures`) from least to best aligned: by the share of
    /// their team-resident patients in their main team, ties by code.
    #[must_use]
    pub fn pcns_ranked(&self) -> Vec<usize> {
        let mut order: Vec<usize> =
            (0..self.pcn_measures.len()).filter(|&i| self.pcn_measures[i].serves_teams).collect();
        let key = |i: usize| self.pcn_measures[i].main_share().map_or(f64::INFINITY, |v| v);
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        order
    }
}

impl PcnMeasures {
    /// Of its patients resident in a team, the share in its main team.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn main_share(&self) -> Option<f64> {
        let main = self.teams.first()?.1;
        (self.in_teams > 0).then(|| main as f64 / self.in_teams as f64)
    }
}

/// Aligns the teams with the PCNs: apportions every registration row by `placement` (one entry per LSOA
/// code of the registrations), then measures teams, PCNs and pairs.
///
/// ```
/// use footprint_ingest::{InputFile, read_practice_map, read_registrations};
/// use footprint_overlap::{LsoaTeams, Threshold, align};
/// let regs = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA1,L1,90\nB1,L1,10\nB1,L2,50\n";
/// let map = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA1,P1,North\nB1,P2,South\n";
/// let regs = read_registrations(&InputFile::from_bytes("r.csv", regs.into()))?;
/// let map = read_practice_map(&InputFile::from_bytes("m.csv", map.into()))?;
/// // L1 wholly in team 0, L2 half in team 0 and half in team 1.
/// let placement = vec![LsoaTeams::Pieces(vec![(0, 1.0)]), LsoaTeams::Pieces(vec![(0, 0.5), (1, 0.5)])];
/// let a = align(&regs, &map, &placement, vec!["East".into(), "West".into()], &[Threshold::ONE_PERCENT], Threshold::ONE_PERCENT);
/// assert_eq!(a.team_measures[0].overlap.population, 125); // 90 + 10 + 25
/// assert!(a.accounting.balances());
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn align(
    registrations: &RegistrationTable,
    practices: &PracticeMap,
    placement: &[LsoaTeams],
    teams: Vec<String>,
    thresholds: &[Threshold],
    core_share: Threshold,
) -> Alignment {
    let practice_pcn: Vec<u32> = registrations
        .practices
        .iter()
        .map(|code| match practices.pcn_of(code) {
            Some(PracticePcn::Pcn(id)) => id.0,
            _ => NO_PCN,
        })
        .collect();
    // Patients per (LSOA, PCN or none), summed after a sort.
    let mut keyed: Vec<(u64, u64)> = registrations
        .rows
        .iter()
        .map(|r| ((u64::from(r.lsoa.0) << 32) | u64::from(practice_pcn[r.practice.index()]), u64::from(r.patients)))
        .collect();
    keyed.par_sort_unstable_by_key(|k| k.0);
    let runs = sum_runs(keyed);
    let pcns = practices.pcns.len();
    let mut accounting = AlignAccounting::default();
    let mut list_size = vec![0u64; pcns];
    // (team, PCN or none) → patients; (team, PCN) → common.
    let mut team_runs: Vec<Vec<(u64, u64)>> = vec![Vec::new(); teams.len()];
    let mut matrix: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    let mut common: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    let mut pcn_in_known = vec![0u64; pcns];
    let mut split = Vec::new();
    for lsoa_runs in runs.chunk_by(|a, b| a.0 >> 32 == b.0 >> 32) {
        #[allow(clippy::cast_possible_truncation)]
        let lsoa = (lsoa_runs[0].0 >> 32) as usize;
        for &(k, n) in lsoa_runs {
            accounting.patients_read += n;
            #[allow(clippy::cast_possible_truncation)]
            let pcn = k as u32;
            if pcn != NO_PCN {
                list_size[pcn as usize] += n;
            }
        }
        let pieces = match &placement[lsoa] {
            LsoaTeams::Unknown => {
                accounting.patients_unknown_lsoa += lsoa_runs.iter().map(|r| r.1).sum::<u64>();
                continue;
            }
            LsoaTeams::Pieces(p) => p,
        };
        let mut weights: Vec<f64> = pieces.iter().map(|p| p.1).collect();
        weights.push((1.0 - weights.iter().sum::<f64>()).max(0.0));
        // This LSOA's patients by (piece, PCN), and by piece.
        let mut per_piece = vec![0u64; weights.len()];
        let mut given: Vec<(usize, u32, u64)> = Vec::new();
        for &(k, n) in lsoa_runs {
            #[allow(clippy::cast_possible_truncation)]
            let pcn = k as u32;
            if pcn != NO_PCN {
                pcn_in_known[pcn as usize] += n;
            }
            // The usual case, an LSOA wholly in one team (or none): no division to make.
            if weights.len() <= 2 && weights.last() == Some(&0.0) {
                per_piece[0] += n;
                given.push((0, pcn, n));
                continue;
            }
            for (i, part) in largest_remainder(n, &weights).into_iter().enumerate() {
                per_piece[i] += part;
                if part > 0 {
                    given.push((i, pcn, part));
                }
            }
        }
        let outside = weights.len() - 1;
        accounting.patients_no_team += per_piece[outside];
        for &(i, pcn, part) in &given {
            if i == outside {
                continue;
            }
            let team = pieces[i].0;
            accounting.patients_in_teams += part;
            team_runs[team as usize].push((u64::from(pcn), part));
            if pcn != NO_PCN {
                *matrix.entry((team, pcn)).or_default() += part;
            }
        }
        // Σ min(team's residents here, PCN's patients here) per pair.
        for (i, piece) in pieces.iter().enumerate() {
            for &(k, n) in lsoa_runs {
                #[allow(clippy::cast_possible_truncation)]
                let pcn = k as u32;
                if pcn != NO_PCN && per_piece[i] > 0 {
                    *common.entry((piece.0, pcn)).or_default() += per_piece[i].min(n);
                }
            }
        }
        if placement[lsoa].is_split() {
            let population: u64 = per_piece.iter().sum();
            let mut parts: Vec<(Option<u32>, f64, u64)> =
                pieces.iter().zip(&per_piece).map(|(p, &n)| (Some(p.0), p.1, n)).collect();
            if weights[outside] > 0.0 {
                parts.push((None, weights[outside], per_piece[outside]));
            }
            split.push(SplitLsoa { lsoa: registrations.lsoas[lsoa].clone(), population, pieces: parts });
        }
    }
    split.sort_by(|a, b| a.lsoa.cmp(&b.lsoa));
    let team_measures: Vec<TeamMeasures> = team_runs
        .into_iter()
        .enumerate()
        .map(|(t, mut runs)| {
            runs.sort_unstable_by_key(|r| r.0);
            let summed = sum_runs(runs);
            #[allow(clippy::cast_possible_truncation)]
            let overlap = measure(footprint_ingest::AreaId(t as u32), &summed, thresholds);
            let mut ranked = overlap.pcn_patients.clone();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut core_pcns = Vec::new();
            let mut held = 0u64;
            for (pcn, n) in ranked {
                if core_share.is_met(held, overlap.population) {
                    break;
                }
                core_pcns.push(pcn);
                held += n;
            }
            #[allow(clippy::cast_precision_loss)]
            let home: u64 =
                overlap.pcn_patients.iter().filter(|(p, n)| 2 * n > list_size[p.index()]).map(|(_, n)| n).sum();
            #[allow(clippy::cast_precision_loss)]
            let home_share = (overlap.population > 0).then(|| home as f64 / overlap.population as f64);
            TeamMeasures { overlap, core_pcns, home_share }
        })
        .collect();
    let mut pairs: Vec<PairMeasures> = matrix
        .iter()
        .map(|(&(team, pcn), &patients)| {
            let c = common.get(&(team, pcn)).copied().unwrap_or(0);
            let (team_population, pcn_population) =
                (team_measures[team as usize].overlap.population, pcn_in_known[pcn as usize]);
            PairMeasures {
                team,
                pcn: PcnId(pcn),
                patients,
                common: c,
                union: team_population + pcn_population - c,
                team_population,
                pcn_population,
            }
        })
        .collect();
    pairs.sort_by_key(|p| (p.team, p.pcn));
    let mut serves = vec![false; pcns];
    if let Some(first) = thresholds.first() {
        for m in &team_measures {
            for &(p, n) in &m.overlap.pcn_patients {
                serves[p.index()] |= first.is_met(n, m.overlap.population);
            }
        }
    }
    let mut by_pcn: Vec<Vec<(u32, u64)>> = vec![Vec::new(); pcns];
    for p in &pairs {
        by_pcn[p.pcn.index()].push((p.team, p.patients));
    }
    let pcn_measures = by_pcn
        .into_iter()
        .enumerate()
        .filter(|(p, _)| list_size[*p] > 0)
        .map(|(p, mut teams_of)| {
            teams_of.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let teams_at_or_above = thresholds
                .iter()
                .map(|t| teams_of.iter().filter(|(_, n)| t.is_met(*n, list_size[p])).count() as u32)
                .collect();
            #[allow(clippy::cast_possible_truncation)]
            PcnMeasures {
                pcn: PcnId(p as u32),
                list_size: list_size[p],
                in_teams: teams_of.iter().map(|t| t.1).sum(),
                teams: teams_of,
                teams_at_or_above,
                serves_teams: serves[p],
            }
        })
        .collect();
    Alignment {
        teams,
        thresholds: thresholds.to_vec(),
        core_share,
        team_measures,
        pcn_measures,
        pairs,
        split,
        accounting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(n: u64, weights: &[f64], expected: &[u64]) {
        assert_eq!(largest_remainder(n, weights), expected, "{n} by {weights:?}");
    }

    #[test]
    fn whole_patients_by_largest_remainder() {
        check(10, &[1.0, 0.0], &[10, 0]);
        check(10, &[0.5, 0.5, 0.0], &[5, 5, 0]);
        check(1, &[0.5, 0.5, 0.0], &[1, 0, 0]); // a tie goes to the earlier piece
        check(7, &[0.6, 0.3, 0.1], &[4, 2, 1]); // 4.2, 2.1, 0.7
        check(3, &[0.0, 0.0, 1.0], &[0, 0, 3]);
    }

    #[test]
    fn clipping_to_a_rectangle_keeps_the_area_inside() {
        use geo::{Area, polygon};
        // An L shape (area 3) clipped to the unit square at its corner: area 1; to a rectangle over its
        // concave notch: the two arms' parts only.
        let l = MultiPolygon(vec![
            polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.), (x: 1., y: 2.), (x: 0., y: 2.)],
        ]);
        let unit = Rect::new(Coord { x: 0., y: 0. }, Coord { x: 1., y: 1. });
        assert_eq!(clip_to_rect(&l, &unit).unsigned_area(), 1.0);
        let over_notch = Rect::new(Coord { x: 0.5, y: 0.5 }, Coord { x: 2., y: 2. });
        // [0.5, 2] × [0.5, 1] and [0.5, 1] × [1, 2].
        assert_eq!(clip_to_rect(&l, &over_notch).unsigned_area(), 1.5 * 0.5 + 0.5 * 1.0);
    }

    #[test]
    fn slivers_are_dropped_and_the_rest_scaled() {
        // 0.5% outside and 0.4% in another team: the LSOA goes whole to team 2.
        assert_eq!(keep_pieces(vec![(2, 0.991), (4, 0.004)], 0.01), LsoaTeams::Pieces(vec![(2, 1.0)]));
        // A real split keeps both pieces and the part outside.
        assert_eq!(keep_pieces(vec![(0, 0.6), (1, 0.3)], 0.01), LsoaTeams::Pieces(vec![(0, 0.6), (1, 0.3)]));
    }
}
