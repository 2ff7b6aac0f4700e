//! Where the centroid path places an LSOA differently from the (authoritative) lookup path, and why.

use crate::{AreaIndex, Assignment, Placement};
use footprint_ingest::{AreaLayer, Centroids, RegistrationTable};

/// One LSOA that the two assignment paths place differently.
#[derive(Clone, Debug, PartialEq)]
pub struct PathDifference {
    /// The LSOA code.
    pub lsoa: String,
    /// Its area by the lookup (empty if none).
    pub lookup_area: String,
    /// Its area by its centroid (empty if none).
    pub centroid_area: String,
    /// Registered patients resident in it.
    pub patients: u64,
    /// How the centroid path placed it: `located` (inside another area), `snapped` (in no area, given
    /// to the nearest within the snapping distance) or `outside` (in no area).
    pub how: &'static str,
    /// Distance in metres from the centroid to the boundary of the lookup's area (rounded to 0.1 m).
    pub metres_from_lookup_area: Option<f64>,
}

/// Every LSOA of the registrations placed differently by `centroid` than by `lookup`, in code order.
#[must_use]
pub fn compare_paths(
    registrations: &RegistrationTable,
    layer: &AreaLayer,
    lookup: &Assignment,
    centroid: &Assignment,
    centroids: &Centroids,
    index: &AreaIndex<'_>,
) -> Vec<PathDifference> {
    let mut patients = vec![0u64; registrations.lsoas.len()];
    for row in &registrations.rows {
        patients[row.lsoa.index()] += u64::from(row.patients);
    }
    let code = |p: Placement| match p {
        Placement::Area(a) => layer.areas[a.index()].code.0.clone(),
        _ => String::new(),
    };
    let mut out: Vec<PathDifference> = (0..registrations.lsoas.len())
        .filter(|&i| lookup.placements[i] != centroid.placements[i])
        .map(|i| {
            let lsoa = &registrations.lsoas[i];
            let point = centroids.points.get(lsoa).copied();
            let snapped = centroid.snapped.iter().any(|s| &s.lsoa == lsoa);
            let how = match centroid.placements[i] {
                Placement::Area(_) if snapped => "snapped",
                Placement::Area(_) => "located",
                _ => "outside",
            };
            let metres_from_lookup_area = match (lookup.placements[i], point) {
                (Placement::Area(a), Some(p)) => Some((index.distance_to_boundary(a, p) * 10.0).round() / 10.0),
                _ => None,
            };
            PathDifference {
                lsoa: lsoa.0.clone(),
                lookup_area: code(lookup.placements[i]),
                centroid_area: code(centroid.placements[i]),
                patients: patients[i],
                how,
                metres_from_lookup_area,
            }
        })
        .collect();
    out.sort_by(|a, b| a.lsoa.cmp(&b.lsoa));
    out
}
