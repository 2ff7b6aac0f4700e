//! Apportionment: for every LSOA code of the registrations, the share of its residents in each team
//! area, by area (an LSOA cut by a team boundary is split by the area of each piece), by point, or by a
//! lookup; and whole patients from shares by largest remainder.

use footprint_index::{AreaIndex, BoundaryIndex};
use footprint_ingest::{AreaLayer, AreaLookup, Centroids, Crs, LsoaCode};
use geo::{BooleanOps, BoundingRect, Coord, MultiPolygon, Rect};
use rayon::prelude::*;

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
        || lsoa_shapes.par_iter().map(|l| crate::interior::interior_point(l)).collect::<Vec<_>>(),
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
            members.entry(team.as_str()).or_default().push(footprint_ingest::AreaId(i as u32));
        }
    }
    let coverage = footprint_footprints::Coverage::new(
        lsoas.areas.iter().map(|a| a.geometry.clone()).collect(),
        footprint_footprints::coincidence_tolerance(lsoas.crs),
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
pub(crate) fn largest_remainder(n: u64, weights: &[f64]) -> Vec<u64> {
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
