//! LSOA → area assignment by code lookup or by centroid location, with every LSOA's outcome recorded.

use footprint_ingest::{AreaId, AreaLayer, AreaLookup, Centroids, LsoaCode};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::AreaIndex;

/// Where an LSOA code of the registrations went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Into this area.
    Area(AreaId),
    /// Nowhere: the lookup (or the centroid file) does not know the code (e.g. `NO2011`).
    UnknownLsoa,
    /// Nowhere: the code is known but its area is not in the layer (e.g. a Welsh LSOA against English
    /// MSOAs), or its centroid is in no area and not within the snapping distance of one.
    OutsideLayer,
    /// Apportioned: an LSOA of the other census whose pieces lie in several areas; its patients are
    /// split as [`crate::Converted::apportioned`] at this index says.
    Apportioned(u32),
}

/// How the assignment was made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AssignmentMethod {
    /// By the LSOA → area lookup.
    Lookup,
    /// By locating LSOA centroids in the area polygons; centroids in no area are snapped to the
    /// nearest area within this many metres.
    Centroids {
        /// The snapping distance in metres.
        snap_metres: f64,
    },
}

/// A centroid that lay in no area and was given to the nearest one.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapped {
    /// The LSOA.
    pub lsoa: LsoaCode,
    /// The area it was given to.
    pub area: AreaId,
    /// How far the centroid was from that area, in metres.
    pub metres: f64,
}

/// The placement of every LSOA code of a registrations table (parallel to its `lsoas`).
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// How it was made.
    pub method: AssignmentMethod,
    /// One placement per LSOA code, in the order of the codes given.
    pub placements: Vec<Placement>,
    /// Centroids snapped to a nearby area, sorted by LSOA code.
    pub snapped: Vec<Snapped>,
    /// When codes were checked against the census vintage of the areas: what was converted and apportioned.
    pub conversion: Option<crate::Converted>,
}

/// Places each code by the lookup: its area if the lookup knows it and the area is in the layer.
#[must_use]
pub fn assign_by_lookup(lsoas: &[LsoaCode], lookup: &AreaLookup, layer: &AreaLayer) -> Assignment {
    // The layer's areas by code, hashed once rather than searched for each LSOA.
    let areas: FxHashMap<&str, AreaId> =
        layer.areas.iter().enumerate().map(|(i, a)| (a.code.as_str(), AreaId(i as u32))).collect();
    let placements = lsoas
        .par_iter()
        .map(|code| match lookup.map.get(code) {
            None => Placement::UnknownLsoa,
            Some(area) => areas.get(area.as_str()).map_or(Placement::OutsideLayer, |&a| Placement::Area(a)),
        })
        .collect();
    Assignment { method: AssignmentMethod::Lookup, placements, snapped: Vec::new(), conversion: None }
}

/// Places each code by locating its centroid: the area containing it (see [`crate::contains`] for
/// points on boundaries), else the nearest area within `snap_metres`, else outside the layer.
#[must_use]
pub fn assign_by_centroids(
    lsoas: &[LsoaCode],
    centroids: &Centroids,
    index: &AreaIndex<'_>,
    snap_metres: f64,
) -> Assignment {
    let located: Vec<(Placement, Option<f64>)> = lsoas
        .par_iter()
        .map(|code| {
            let Some(&p) = centroids.points.get(code) else {
                return (Placement::UnknownLsoa, None);
            };
            if let Some(area) = index.locate(p) {
                return (Placement::Area(area), None);
            }
            match index.nearest_within(p, snap_metres) {
                Some((area, metres)) => (Placement::Area(area), Some(metres)),
                None => (Placement::OutsideLayer, None),
            }
        })
        .collect();
    let mut snapped: Vec<Snapped> = located
        .iter()
        .zip(lsoas)
        .filter_map(|((placement, metres), lsoa)| match (placement, metres) {
            (Placement::Area(area), Some(m)) => Some(Snapped { lsoa: lsoa.clone(), area: *area, metres: *m }),
            _ => None,
        })
        .collect();
    snapped.sort_by(|a, b| a.lsoa.cmp(&b.lsoa));
    Assignment {
        method: AssignmentMethod::Centroids { snap_metres },
        placements: located.into_iter().map(|(p, _)| p).collect(),
        snapped,
        conversion: None,
    }
}
