//! A point inside each polygon, exactly the one geo's `InteriorPoint` gives, found without its sweep.
//!
//! geo scans a horizontal line through the middle of the polygon's extent, takes the midpoints between
//! consecutive crossings, longest first, and keeps the first inside the polygon. It finds the crossings
//! with a sweep over every pair of edges whose x ranges overlap (adjacent edges included) and tests the
//! midpoints with `relate`. Here only the edges that reach the scan line are intersected with it, by the
//! same `line_intersection` with the same argument order as the sweep, and the midpoints are tested by
//! `coordinate_position`; a polygon where a vertex lies on the scan line, or a midpoint on the boundary,
//! is handed to geo itself. So the point is geo's, bit for bit (test: every national LSOA and MSOA).

use std::cmp::Ordering;

use geo::algorithm::line_intersection::{LineIntersection, line_intersection};
use geo::coordinate_position::CoordPos;
use geo::{
    BoundingRect, Coord, CoordinatePosition, CoordsIter, InteriorPoint, Line, LinesIter, MultiPolygon, Point, Polygon,
};

/// `shape.interior_point()`, as geo computes it.
pub(crate) fn interior_point(shape: &MultiPolygon<f64>) -> Option<Point<f64>> {
    let mut best: Vec<(Point<f64>, f64)> = Vec::with_capacity(shape.0.len());
    for polygon in &shape.0 {
        match polygon_point(polygon) {
            Ok(Some(found)) => best.push(found),
            Ok(None) => {}
            Err(Degenerate) => return shape.interior_point(),
        }
    }
    best.into_iter().min_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(Ordering::Less)).map(|(point, _)| point)
}

/// A polygon this module leaves to geo.
struct Degenerate;

/// The scan line's height: the middle of the extent, moved halfway to the nearest vertex height when a
/// vertex lies at the middle. `Err` when a vertex still lies on it.
fn scan_height(polygon: &Polygon<f64>, min_y: f64, max_y: f64) -> Result<f64, Degenerate> {
    let mut y_mid = (min_y + max_y) / 2.0;
    if polygon.coords_iter().any(|c| c.y == y_mid) {
        let next_closest = polygon
            .coords_iter()
            .filter_map(|c| if c.y == y_mid { None } else { Some((c.y, (c.y - y_mid).abs())) })
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(Ordering::Less));
        if let Some((closest, _)) = next_closest {
            y_mid = (y_mid + closest) / 2.0;
        }
        if polygon.coords_iter().any(|c| c.y == y_mid) {
            return Err(Degenerate);
        }
    }
    Ok(y_mid)
}

/// The x of every crossing of the scan line with the polygon's edges, sorted.
fn crossings(polygon: &Polygon<f64>, scan: Line<f64>) -> Result<Vec<f64>, Degenerate> {
    let y = scan.start.y;
    let mut xs = Vec::new();
    for edge in polygon.lines_iter() {
        if edge == scan {
            return Err(Degenerate);
        }
        if edge.start.y.min(edge.end.y) > y || edge.start.y.max(edge.end.y) < y {
            continue; // the bounding boxes do not meet: no intersection
        }
        // The sweep sorts segments by their west end, stably, the scan line last: an edge starting at
        // the scan line's west end comes first.
        let west = if edge.start.x < edge.end.x { edge.start.x } else { edge.end.x };
        let found = if west.total_cmp(&scan.start.x) == Ordering::Greater {
            line_intersection(scan, edge)
        } else {
            line_intersection(edge, scan)
        };
        match found {
            Some(LineIntersection::Collinear { intersection }) => {
                xs.push(intersection.start.x);
                xs.push(intersection.end.x);
            }
            Some(LineIntersection::SinglePoint { intersection, .. }) => xs.push(intersection.x),
            None => {}
        }
    }
    xs.sort_by(f64::total_cmp);
    Ok(xs)
}

/// geo's point of one polygon with the length of the scan segment it is the middle of.
fn polygon_point(polygon: &Polygon<f64>) -> Result<Option<(Point<f64>, f64)>, Degenerate> {
    if polygon.exterior().0.len() == 1 {
        return Ok(Some((polygon.exterior().0[0].into(), 0.0)));
    }
    let Some(bounds) = polygon.bounding_rect() else { return Ok(None) };
    let y_mid = scan_height(polygon, bounds.min().y, bounds.max().y)?;
    let scan = Line::new(Coord { x: bounds.min().x, y: y_mid }, Coord { x: bounds.max().x, y: y_mid });
    let xs = crossings(polygon, scan)?;
    let mut segments: Vec<(f64, f64)> = xs.windows(2).map(|w| ((w[0] + w[1]) / 2.0, w[1] - w[0])).collect();
    segments.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (x, length) in segments {
        let midpoint = Coord { x, y: y_mid };
        match polygon.coordinate_position(&midpoint) {
            CoordPos::Inside => return Ok(Some((midpoint.into(), length))),
            CoordPos::OnBoundary => return Err(Degenerate),
            CoordPos::Outside => {}
        }
    }
    Ok(polygon.coords_iter().next().map(|c| (c.into(), 0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn check(shape: &MultiPolygon<f64>) {
        let ours = interior_point(shape).map(|p| (p.x().to_bits(), p.y().to_bits()));
        let geos = shape.interior_point().map(|p| (p.x().to_bits(), p.y().to_bits()));
        assert_eq!(ours, geos, "{shape:?}");
    }

    #[test]
    fn the_point_is_geos() {
        // A U shape (the scan line crosses it four times), a square with a hole, a vertex at the middle
        // height, a triangle, and two parts.
        let u = polygon![(x: 0., y: 0.), (x: 3., y: 0.), (x: 3., y: 3.), (x: 2., y: 3.), (x: 2., y: 1.), (x: 1., y: 1.), (x: 1., y: 3.), (x: 0., y: 3.)];
        let holed = polygon!(
            exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)],
            interiors: [[(x: 1., y: 1.), (x: 1., y: 3.), (x: 3., y: 3.), (x: 3., y: 1.)]],
        );
        let middle_vertex = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 3., y: 1.), (x: 2., y: 2.), (x: 0., y: 2.)];
        let triangle = polygon![(x: 0.1, y: 0.3), (x: 5.7, y: 0.9), (x: 2.2, y: 4.4)];
        for p in [&u, &holed, &middle_vertex, &triangle] {
            check(&MultiPolygon(vec![p.clone()]));
        }
        check(&MultiPolygon(vec![triangle, u]));
        check(&MultiPolygon(vec![]));
    }

    /// Every national MSOA (fixtures) and LSOA (../shared/data, when present) gets geo's point.
    #[test]
    fn national_areas_get_geos_point() {
        use rayon::prelude::*;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let layers = [
            root.join("fixtures/england-2011/msoa11_england_generalised_clipped.geojson.gz"),
            root.join("../shared/data/england-2011/lsoa11_england_generalised_clipped.geojson.gz"),
        ];
        for path in layers.iter().filter(|p| p.is_file()) {
            let (layer, _) = footprint_ingest::read_area_layer(path, &footprint_ingest::AreaFields::default()).unwrap();
            layer.areas.par_iter().for_each(|a| check(&a.geometry));
        }
    }
}
