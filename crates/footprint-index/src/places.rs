//! What places LSOAs in areas, as read from its file: a lookup, LSOA centroids, or LSOA polygons.

use std::path::Path;

use footprint_ingest::{AreaLayer, AreaLookup, Centroids, Crs, IngestError, LsoaCode};
use geo::InteriorPoint;

use crate::{AreaIndex, Assignment, assign_by_centroids, assign_by_lookup};

/// The input that places each LSOA of the registrations in an area.
#[derive(Clone, Debug)]
pub enum LsoaPlaces {
    /// An LSOA → area lookup (authoritative).
    Lookup(AreaLookup),
    /// LSOA centroids, located in the area polygons.
    Centroids {
        /// The centroids, keyed by LSOA code.
        centroids: Centroids,
        /// How far (metres) a centroid in no area may be from the nearest area to be given to it.
        snap_metres: f64,
    },
    /// LSOA polygons: each LSOA is placed by a point guaranteed inside its polygon.
    Polygons {
        /// The LSOA layer.
        lsoas: AreaLayer,
        /// A point inside each LSOA polygon ([`interior_points`]).
        points: Centroids,
        /// As for centroids.
        snap_metres: f64,
    },
}

impl LsoaPlaces {
    /// LSOA polygons, each to be placed by its interior point.
    #[must_use]
    pub fn polygons(lsoas: AreaLayer, snap_metres: f64) -> Self {
        let points = interior_points(&lsoas);
        LsoaPlaces::Polygons { lsoas, points, snap_metres }
    }

    /// The LSOA polygons, when LSOAs are placed by them.
    #[must_use]
    pub fn lsoa_layer(&self) -> Option<&AreaLayer> {
        match self {
            LsoaPlaces::Polygons { lsoas, .. } => Some(lsoas),
            _ => None,
        }
    }

    /// How many LSOAs the input places.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            LsoaPlaces::Lookup(lookup) => lookup.map.len(),
            LsoaPlaces::Centroids { centroids: points, .. } | LsoaPlaces::Polygons { points, .. } => {
                points.points.len()
            }
        }
    }

    /// The LSOA codes it places, in no particular order.
    pub fn codes(&self) -> Box<dyn Iterator<Item = &LsoaCode> + '_> {
        match self {
            LsoaPlaces::Lookup(lookup) => Box::new(lookup.map.keys()),
            LsoaPlaces::Centroids { centroids: points, .. } | LsoaPlaces::Polygons { points, .. } => {
                Box::new(points.points.keys())
            }
        }
    }

    /// What the codes are read from, in words: `the lookup`, `the centroids`, `the LSOA polygons`.
    #[must_use]
    pub fn source(&self) -> &'static str {
        match self {
            LsoaPlaces::Lookup(_) => "the lookup",
            LsoaPlaces::Centroids { .. } => "the centroids",
            LsoaPlaces::Polygons { .. } => "the LSOA polygons",
        }
    }

    /// Whether it places no LSOA.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Places every LSOA code in an area of `layer`; for points, also the CRS they were read in.
    ///
    /// # Errors
    /// [`IngestError::Crs`] naming `path` if centroid coordinates are neither WGS84 degrees nor British
    /// National Grid metres.
    pub fn assign(
        &self,
        codes: &[LsoaCode],
        layer: &AreaLayer,
        path: &Path,
    ) -> Result<(Assignment, Option<Crs>), IngestError> {
        let (points, snap_metres, crs) = match self {
            LsoaPlaces::Lookup(lookup) => return Ok((assign_by_lookup(codes, lookup, layer), None)),
            LsoaPlaces::Centroids { centroids, snap_metres } => (centroids, *snap_metres, points_crs(centroids, path)?),
            LsoaPlaces::Polygons { lsoas, points, snap_metres } => (points, *snap_metres, lsoas.crs),
        };
        let index = AreaIndex::new(&layer.areas, layer.crs);
        let placed = if crs == layer.crs {
            assign_by_centroids(codes, points, &index, snap_metres)
        } else {
            assign_by_centroids(codes, &points.converted(crs, layer.crs), &index, snap_metres)
        };
        Ok((placed, Some(crs)))
    }
}

/// The CRS of a centroid file, decided from its coordinates.
///
/// # Errors
/// [`IngestError::Crs`] naming `path` if they are neither WGS84 degrees nor British National Grid metres.
pub fn points_crs(centroids: &Centroids, path: &Path) -> Result<Crs, IngestError> {
    centroids.crs().ok_or_else(|| IngestError::Crs {
        path: path.to_owned(),
        message: "centroid coordinates are neither WGS84 degrees nor British National Grid metres".into(),
    })
}

/// A point inside each LSOA polygon (geo's interior point: on the widest horizontal chord through the
/// middle of the polygon, so never on its boundary), keyed by LSOA code.
#[must_use]
pub fn interior_points(lsoas: &AreaLayer) -> Centroids {
    Centroids {
        points: lsoas
            .areas
            .iter()
            .filter_map(|a| a.geometry.interior_point().map(|p| (LsoaCode(a.code.0.clone()), p.0)))
            .collect(),
    }
}
