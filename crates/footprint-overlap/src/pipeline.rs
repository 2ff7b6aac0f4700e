//! The whole overlap run as three stages: load the inputs (in parallel), analyse, write the layers.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use footprint_index::{AreaIndex, Assignment, assign_by_centroids, assign_by_lookup};
use footprint_ingest::{
    AreaFields, AreaLayer, AreaLookup, AreaMeter, CentroidColumns, Centroids, FileInfo, IngestError, InputFile,
    LookupColumns, PracticeMap, RegistrationTable, read_area_layer, read_centroids, read_lookup, read_practice_map,
    read_registrations,
};

use crate::write::{OutputSet, WriteError, msoa_overlap_csv, msoa_overlap_geojson, msoa_pcn_shares_csv, summary_json};
use crate::{OverlapTable, Threshold, count_overlap};

/// How LSOAs are placed in areas.
#[derive(Clone, Debug)]
pub enum AssignmentSource {
    /// An LSOA → area lookup CSV.
    Lookup {
        /// The file.
        path: PathBuf,
        /// Its columns.
        columns: LookupColumns,
    },
    /// A CSV of LSOA centroids, located in the area polygons.
    Centroids {
        /// The file.
        path: PathBuf,
        /// Its columns.
        columns: CentroidColumns,
        /// How far (metres) a centroid in no area may be from the nearest area to be given to it.
        snap_metres: f64,
    },
    /// LSOA polygons: each LSOA is placed by a point guaranteed inside its polygon.
    LsoaAreas {
        /// The LSOA layer (GeoJSON or shapefile).
        path: PathBuf,
        /// Its code field and CRS.
        fields: AreaFields,
        /// As for centroids.
        snap_metres: f64,
    },
}

/// Everything an overlap run needs to know.
#[derive(Clone, Debug)]
pub struct OverlapJob {
    /// The registrations CSV (plain or gzip).
    pub registrations: PathBuf,
    /// The practice → PCN map.
    pub practices: PathBuf,
    /// The area layer (GeoJSON).
    pub areas: PathBuf,
    /// Which properties of the area layer hold codes and names.
    pub area_fields: AreaFields,
    /// How LSOAs are placed in areas.
    pub assignment: AssignmentSource,
    /// The share thresholds, in output order.
    pub thresholds: Vec<Threshold>,
}

/// The parsed inputs of a run.
pub struct Loaded {
    /// Registrations.
    pub registrations: RegistrationTable,
    /// Its file.
    pub registrations_meta: FileInfo,
    /// The practice map.
    pub practices: PracticeMap,
    /// Its file.
    pub practices_meta: FileInfo,
    /// The areas.
    pub layer: AreaLayer,
    /// Its file.
    pub areas_meta: FileInfo,
    /// The lookup, for the lookup path.
    pub lookup: Option<AreaLookup>,
    /// The centroids, for the centroid path (or the interior points of LSOA polygons).
    pub centroids: Option<Centroids>,
    /// The CRS of `centroids` when it is known exactly (interior points of an LSOA layer).
    pub centroid_crs: Option<footprint_ingest::Crs>,
    /// The lookup's or centroids' file.
    pub assignment_meta: FileInfo,
}

/// The result of the analysis stage.
pub struct Analysis {
    /// Where each LSOA went.
    pub assignment: Assignment,
    /// The counts.
    pub table: OverlapTable,
    /// Each area's size in km² (British National Grid), in area order.
    pub area_km2: Vec<f64>,
    /// The CRS the centroids were read in, for the centroid path.
    pub centroid_crs: Option<footprint_ingest::Crs>,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// An input could not be read or is malformed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn read_with<T>(
    path: &Path,
    parse: impl FnOnce(&InputFile) -> Result<T, IngestError>,
) -> Result<(T, FileInfo), IngestError> {
    let file = InputFile::read_compressed(path)?;
    Ok((parse(&file)?, file.info()))
}

/// Reads and parses every input, the large ones concurrently.
///
/// # Errors
/// The first input error met (its path, position and value).
pub fn load(job: &OverlapJob) -> Result<Loaded, IngestError> {
    let (registrations, rest) = rayon::join(
        || read_with(&job.registrations, read_registrations),
        || {
            let (areas, small) = rayon::join(
                || read_area_layer(&job.areas, &job.area_fields),
                || {
                    let practices = read_with(&job.practices, read_practice_map)?;
                    let assignment = match &job.assignment {
                        AssignmentSource::Lookup { path, columns } => {
                            read_with(path, |f| read_lookup(f, columns)).map(|(l, m)| (Some(l), None, m))?
                        }
                        AssignmentSource::Centroids { path, columns, .. } => {
                            read_with(path, |f| read_centroids(f, columns)).map(|(c, m)| (None, Some((c, None)), m))?
                        }
                        AssignmentSource::LsoaAreas { path, fields, .. } => {
                            let (lsoas, info) = read_area_layer(path, fields)?;
                            (None, Some((interior_points(&lsoas), Some(lsoas.crs))), info)
                        }
                    };
                    Ok::<_, IngestError>((practices, assignment))
                },
            );
            Ok::<_, IngestError>((areas?, small?))
        },
    );
    let (registrations, registrations_meta) = registrations?;
    let ((layer, areas_meta), ((practices, practices_meta), (lookup, centroids, assignment_meta))) = rest?;
    let (centroids, centroid_crs) = match centroids {
        Some((c, crs)) => (Some(c), crs),
        None => (None, None),
    };
    Ok(Loaded {
        registrations,
        registrations_meta,
        practices,
        practices_meta,
        layer,
        areas_meta,
        lookup,
        centroids,
        centroid_crs,
        assignment_meta,
    })
}

/// Assigns LSOAs to areas, counts PCNs per area and measures each area.
///
/// # Errors
/// [`IngestError::Crs`] if the centroids' coordinates are neither degrees nor British National Grid metres.
pub fn analyse(loaded: &Loaded, job: &OverlapJob) -> Result<Analysis, IngestError> {
    use rayon::prelude::*;
    let layer = &loaded.layer;
    let lsoas = &loaded.registrations.lsoas;
    // Area sizes and the count are independent: run them side by side.
    let (area_km2, assigned) = rayon::join(
        || {
            use geo::BoundingRect;
            let extent = layer.areas.iter().filter_map(|a| a.geometry.bounding_rect()).reduce(|a, b| {
                geo::Rect::new(
                    geo::Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            });
            let meter = match extent {
                Some(r) => AreaMeter::new(layer.crs, r.min(), r.max()),
                None => AreaMeter::new(layer.crs, geo::Coord { x: 0.0, y: 0.0 }, geo::Coord { x: 0.0, y: 0.0 }),
            };
            layer.areas.par_iter().map(|a| meter.area_km2(&a.geometry)).collect::<Vec<f64>>()
        },
        || -> Result<_, IngestError> {
            let (assignment, centroid_crs) = match (&loaded.lookup, &loaded.centroids, &job.assignment) {
                (Some(lookup), _, _) => (assign_by_lookup(lsoas, lookup, layer), None),
                (
                    None,
                    Some(centroids),
                    AssignmentSource::Centroids { snap_metres, path, .. }
                    | AssignmentSource::LsoaAreas { snap_metres, path, .. },
                ) => {
                    let crs = loaded.centroid_crs.or_else(|| centroids.crs()).ok_or_else(|| IngestError::Crs {
                        path: path.clone(),
                        message: "centroid coordinates are neither WGS84 degrees nor British National Grid metres"
                            .into(),
                    })?;
                    let index = AreaIndex::new(&layer.areas, layer.crs);
                    let placed = if crs == layer.crs {
                        assign_by_centroids(lsoas, centroids, &index, *snap_metres)
                    } else {
                        assign_by_centroids(lsoas, &centroids.converted(crs, layer.crs), &index, *snap_metres)
                    };
                    (placed, Some(crs))
                }
                _ => unreachable!("load() reads the lookup or the centroids the job names"),
            };
            let table = count_overlap(&loaded.registrations, &loaded.practices, &assignment, layer, &job.thresholds);
            Ok((assignment, table, centroid_crs))
        },
    );
    let (assignment, table, centroid_crs) = assigned?;
    Ok(Analysis { assignment, table, area_km2, centroid_crs })
}

/// A point inside each LSOA polygon (geo's interior point: on the widest horizontal chord through the
/// middle of the polygon, so never on its boundary), keyed by LSOA code.
fn interior_points(lsoas: &AreaLayer) -> Centroids {
    use geo::InteriorPoint;
    Centroids {
        points: lsoas
            .areas
            .iter()
            .filter_map(|a| a.geometry.interior_point().map(|p| (footprint_ingest::LsoaCode(a.code.0.clone()), p.0)))
            .collect(),
    }
}

/// The output files of a run, by name, rendered in memory.
#[must_use]
pub fn render(loaded: &Loaded, analysis: &Analysis) -> Vec<(&'static str, Vec<u8>)> {
    let (layer, practices, table, km2) = (&loaded.layer, &loaded.practices, &analysis.table, &analysis.area_km2);
    let ((geojson, overlap_csv), (shares_csv, summary)) = rayon::join(
        || {
            rayon::join(
                || msoa_overlap_geojson(layer, practices, table, km2),
                || msoa_overlap_csv(layer, practices, table, km2),
            )
        },
        || rayon::join(|| msoa_pcn_shares_csv(layer, practices, table), || summary_json(loaded, analysis)),
    );
    vec![
        ("msoa_overlap.geojson", geojson),
        ("msoa_overlap.csv", overlap_csv),
        ("msoa_pcn_shares.csv", shares_csv),
        ("summary.json", summary),
    ]
}

/// Time spent in each stage of a run.
#[derive(Clone, Debug, Default)]
pub struct StageTimes {
    /// Reading and parsing the inputs.
    pub load: Duration,
    /// Assignment and counting.
    pub analyse: Duration,
    /// Rendering the outputs.
    pub render: Duration,
    /// Writing them to disk.
    pub write: Duration,
}

/// What a finished run produced.
pub struct RunReport {
    /// The parsed inputs.
    pub loaded: Loaded,
    /// The analysis.
    pub analysis: Analysis,
    /// The files written.
    pub written: Vec<PathBuf>,
    /// Stage timings.
    pub times: StageTimes,
}

/// Runs the whole job and writes every layer into `out_dir`, all or nothing.
///
/// # Errors
/// An input error, or an output that cannot be written (previous outputs are then left untouched).
pub fn run(job: &OverlapJob, out_dir: &Path) -> Result<RunReport, RunError> {
    let mut times = StageTimes::default();
    let t = Instant::now();
    let loaded = load(job)?;
    times.load = t.elapsed();
    let t = Instant::now();
    let analysis = analyse(&loaded, job)?;
    times.analyse = t.elapsed();
    let t = Instant::now();
    let files = render(&loaded, &analysis);
    times.render = t.elapsed();
    let t = Instant::now();
    let mut out = OutputSet::new(out_dir)?;
    for (name, bytes) in &files {
        out.stage(name, bytes)?;
    }
    let written = out.commit()?;
    times.write = t.elapsed();
    Ok(RunReport { loaded, analysis, written, times })
}
