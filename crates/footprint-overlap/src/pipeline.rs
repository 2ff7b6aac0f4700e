//! The whole overlap run as three stages: load the inputs (in parallel), analyse, write the layers.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use footprint_index::{AreaIndex, Assignment, assign_by_centroids, assign_by_lookup};
use footprint_ingest::{
    AreaFields, AreaLayer, AreaLookup, AreaMeter, CentroidColumns, Centroids, FileInfo, IngestError, InputFile,
    LookupColumns, PracticeMap, RegistrationTable, read_area_layer, read_centroids, read_lookup, read_practice_map,
    read_registrations,
};

use crate::write::{
    OutputSet, WriteError, footprint_areas_csv, footprint_overlaps_csv, footprints_csv, footprints_geojson,
    msoa_overlap_csv, msoa_overlap_geojson, msoa_pcn_shares_csv, summary_json,
};
use crate::{Footprint, FootprintSpec, OverlapTable, Threshold, count_overlap, footprints};

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
    /// PCN footprints to draw, if any.
    pub footprints: Option<FootprintJob>,
}

impl OverlapJob {
    /// The national overlap job over the England dataset bundled in `dir` (fixtures/england-2011: July 2022
    /// registrations, January 2022 practice map, MSOA 2011 boundaries), placing LSOAs by the lookup;
    /// threshold 1%, no footprints.
    #[must_use]
    pub fn england_by_lookup(dir: &Path) -> Self {
        Self::england(
            dir,
            AssignmentSource::Lookup {
                path: dir.join("lsoa11_msoa11_lookup.csv.gz"),
                columns: LookupColumns::default(),
            },
        )
    }

    /// The same job placing LSOAs by their population-weighted centroids, snapping within `snap_metres`.
    #[must_use]
    pub fn england_by_centroids(dir: &Path, snap_metres: f64) -> Self {
        Self::england(
            dir,
            AssignmentSource::Centroids {
                path: dir.join("lsoa11_population_weighted_centroids.csv.gz"),
                columns: CentroidColumns::default(),
                snap_metres,
            },
        )
    }

    fn england(dir: &Path, assignment: AssignmentSource) -> Self {
        Self {
            registrations: dir.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
            practices: dir.join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
            areas: dir.join("msoa11_england_generalised_clipped.geojson.gz"),
            area_fields: AreaFields::default(),
            assignment,
            thresholds: vec![Threshold::ONE_PERCENT],
            footprints: None,
        }
    }
}

/// The areas footprints are made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FootprintLevel {
    /// The area layer's areas (MSOAs).
    Msoa,
    /// LSOA polygons (the job's assignment must be [`AssignmentSource::LsoaAreas`]).
    Lsoa,
}

impl FootprintLevel {
    /// `msoa` or `lsoa`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FootprintLevel::Msoa => "msoa",
            FootprintLevel::Lsoa => "lsoa",
        }
    }
}

/// What footprints to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FootprintJob {
    /// The areas they are made of.
    pub level: FootprintLevel,
    /// The methods and their parameters.
    pub spec: FootprintSpec,
}

/// Footprints drawn, with the table and sizes of the areas they are made of.
pub struct FootprintResult {
    /// The level.
    pub level: FootprintLevel,
    /// The footprints, by method then PCN code.
    pub footprints: Vec<Footprint>,
    /// For LSOA-level footprints, the counts per LSOA (MSOA level uses the main table).
    pub lsoa_table: Option<OverlapTable>,
    /// For LSOA-level footprints, each LSOA's size in km².
    pub lsoa_area_km2: Vec<f64>,
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
    /// The LSOA polygons, when LSOAs were placed by them.
    pub lsoa_layer: Option<AreaLayer>,
    /// The lookup's or centroids' file.
    pub assignment_meta: FileInfo,
}

impl Loaded {
    /// The CRS of `centroids` when it is known exactly: they are the interior points of an LSOA layer.
    #[must_use]
    pub fn centroid_crs(&self) -> Option<footprint_ingest::Crs> {
        self.lsoa_layer.as_ref().map(|l| l.crs)
    }
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
    /// The footprints, when the job asks for them.
    pub footprints: Option<FootprintResult>,
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
                            (None, Some((interior_points(&lsoas), Some(lsoas))), info)
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
    let (centroids, lsoa_layer) = match centroids {
        Some((c, layer)) => (Some(c), layer),
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
        lsoa_layer,
        assignment_meta,
    })
}

/// Assigns LSOAs to areas, counts PCNs per area and measures each area.
///
/// # Errors
/// [`IngestError::Crs`] if the centroids' coordinates are neither degrees nor British National Grid metres.
pub fn analyse(loaded: &Loaded, job: &OverlapJob) -> Result<Analysis, IngestError> {
    let layer = &loaded.layer;
    let lsoas = &loaded.registrations.lsoas;
    // Area sizes and the count are independent: run them side by side.
    let (area_km2, assigned) = rayon::join(
        || measure_areas(layer),
        || -> Result<_, IngestError> {
            let (assignment, centroid_crs) = match (&loaded.lookup, &loaded.centroids, &job.assignment) {
                (Some(lookup), _, _) => (assign_by_lookup(lsoas, lookup, layer), None),
                (
                    None,
                    Some(centroids),
                    AssignmentSource::Centroids { snap_metres, path, .. }
                    | AssignmentSource::LsoaAreas { snap_metres, path, .. },
                ) => {
                    let crs = loaded.centroid_crs().or_else(|| centroids.crs()).ok_or_else(|| IngestError::Crs {
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
    let footprints = match &job.footprints {
        None => None,
        Some(fj) => Some(draw_footprints(loaded, job, fj, &table, &area_km2)?),
    };
    Ok(Analysis { assignment, table, area_km2, centroid_crs, footprints })
}

/// Draws the footprints of every PCN at the job's level.
fn draw_footprints(
    loaded: &Loaded,
    job: &OverlapJob,
    fj: &FootprintJob,
    table: &OverlapTable,
    area_km2: &[f64],
) -> Result<FootprintResult, IngestError> {
    match fj.level {
        FootprintLevel::Msoa => Ok(FootprintResult {
            level: fj.level,
            footprints: footprints(table, &loaded.layer, &loaded.practices, area_km2, &fj.spec),
            lsoa_table: None,
            lsoa_area_km2: Vec::new(),
        }),
        FootprintLevel::Lsoa => {
            let lsoas = loaded.lsoa_layer.as_ref().ok_or_else(|| IngestError::Crs {
                path: job.areas.clone(),
                message: "LSOA-level footprints need LSOA polygons: give them with --lsoa-areas".into(),
            })?;
            // Each registration LSOA code to the LSOA polygon with that code.
            let assignment = assign_by_code(&loaded.registrations.lsoas, lsoas);
            let lsoa_table = count_overlap(&loaded.registrations, &loaded.practices, &assignment, lsoas, &[]);
            let km2 = measure_areas(lsoas);
            let drawn = footprints(&lsoa_table, lsoas, &loaded.practices, &km2, &fj.spec);
            Ok(FootprintResult { level: fj.level, footprints: drawn, lsoa_table: Some(lsoa_table), lsoa_area_km2: km2 })
        }
    }
}

/// Places each code in the area of the layer with the same code.
fn assign_by_code(codes: &[footprint_ingest::LsoaCode], layer: &AreaLayer) -> Assignment {
    Assignment {
        method: footprint_index::AssignmentMethod::Lookup,
        placements: codes
            .iter()
            .map(|c| {
                layer.find(c.as_str()).map_or(footprint_index::Placement::UnknownLsoa, footprint_index::Placement::Area)
            })
            .collect(),
        snapped: Vec::new(),
    }
}

/// Every area's size in km² (British National Grid), in parallel.
fn measure_areas(layer: &AreaLayer) -> Vec<f64> {
    use rayon::prelude::*;
    let meter = AreaMeter::over(layer.crs, layer.areas.iter().map(|a| &a.geometry));
    layer.areas.par_iter().map(|a| meter.area_km2(&a.geometry)).collect()
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
pub fn render(loaded: &Loaded, analysis: &Analysis, job: &OverlapJob) -> Vec<(&'static str, Vec<u8>)> {
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
    let mut files = vec![
        ("msoa_overlap.geojson", geojson),
        ("msoa_overlap.csv", overlap_csv),
        ("msoa_pcn_shares.csv", shares_csv),
        ("summary.json", summary),
    ];
    if let (Some(fp), Some(fj)) = (&analysis.footprints, &job.footprints) {
        let (layer, fp_table) = match (&fp.lsoa_table, &loaded.lsoa_layer) {
            (Some(t), Some(l)) => (l, t),
            _ => (&loaded.layer, &analysis.table),
        };
        let level = fp.level.name();
        let ((geo, csv), (overlaps, areas)) = rayon::join(
            || {
                rayon::join(
                    || footprints_geojson(&fp.footprints, layer, practices, &fj.spec, level),
                    || footprints_csv(&fp.footprints, practices, &fj.spec, level),
                )
            },
            || {
                rayon::join(
                    || footprint_overlaps_csv(&fp.footprints, practices),
                    || footprint_areas_csv(&fp.footprints, fp_table, layer, practices),
                )
            },
        );
        files.push(("pcn_footprints.geojson", geo));
        files.push(("pcn_footprints.csv", csv));
        files.push(("pcn_footprint_overlaps.csv", overlaps));
        files.push(("pcn_footprint_areas.csv", areas));
    }
    files
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
    let files = render(&loaded, &analysis, job);
    times.render = t.elapsed();
    let t = Instant::now();
    let mut out = OutputSet::new(out_dir)?;
    out.stage_all(&files)?;
    let written = out.commit()?;
    times.write = t.elapsed();
    Ok(RunReport { loaded, analysis, written, times })
}

/// How LSOAs' residents are apportioned to team areas.
#[derive(Clone, Debug)]
pub enum TeamApportionment {
    /// By the area of each piece of an LSOA polygon in each team (the default).
    AreaWeighted {
        /// The LSOA polygons.
        lsoa_areas: PathBuf,
        /// Their code field and CRS.
        fields: AreaFields,
        /// Pieces smaller than this share of the LSOA are dropped (slivers).
        min_piece: f64,
    },
    /// Wholly to the team holding each LSOA's point: its population-weighted centroid.
    Centroids {
        /// The centroid CSV.
        path: PathBuf,
        /// Its columns.
        columns: CentroidColumns,
    },
    /// Wholly to the team holding each LSOA polygon's interior point.
    LsoaPoints {
        /// The LSOA polygons.
        lsoa_areas: PathBuf,
        /// Their code field and CRS.
        fields: AreaFields,
    },
    /// A CSV naming each LSOA's team (no team polygons needed).
    Lookup {
        /// The file.
        path: PathBuf,
        /// The LSOA column and the team column.
        columns: LookupColumns,
    },
}

impl TeamApportionment {
    /// How it is described in the report.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            TeamApportionment::AreaWeighted { min_piece, .. } => format!(
                "by area (an LSOA cut by a team boundary is split in proportion to the area of each piece; pieces \
                 under {}% of the LSOA are dropped)",
                min_piece * 100.0
            ),
            TeamApportionment::Centroids { .. } => "by population-weighted centroid (each LSOA whole)".into(),
            TeamApportionment::LsoaPoints { .. } => "by a point inside each LSOA polygon (each LSOA whole)".into(),
            TeamApportionment::Lookup { .. } => "by the LSOA → team table (each LSOA whole)".into(),
        }
    }
}

/// Everything a team-alignment run needs to know.
#[derive(Clone, Debug)]
pub struct AlignJob {
    /// The registrations CSV.
    pub registrations: PathBuf,
    /// The practice → PCN map.
    pub practices: PathBuf,
    /// The team areas (GeoJSON or shapefile); `None` with a lookup.
    pub teams: Option<PathBuf>,
    /// The team layer's name field and CRS (`teams` is set).
    pub team_fields: AreaFields,
    /// How LSOAs are apportioned.
    pub apportionment: TeamApportionment,
    /// The share thresholds, in output order.
    pub thresholds: Vec<Threshold>,
    /// The share of a team's residents its core PCNs hold.
    pub core_share: Threshold,
}

/// What a finished alignment run produced.
pub struct AlignReport {
    /// The alignment.
    pub alignment: crate::Alignment,
    /// The files written.
    pub written: Vec<PathBuf>,
}

/// Runs a team-alignment job and writes its outputs into `out_dir`, all or nothing.
///
/// # Errors
/// An input error, or an output that cannot be written (previous outputs are then left untouched).
pub fn align_run(job: &AlignJob, out_dir: &Path) -> Result<AlignReport, RunError> {
    use crate::write::{
        pcn_alignment_csv, pcn_team_links_csv, split_lsoas_csv, team_alignment_csv, team_alignment_geojson,
        team_alignment_md, team_pcn_matrix_csv,
    };
    let (registrations, rest) = rayon::join(
        || read_with(&job.registrations, read_registrations),
        || -> Result<_, IngestError> {
            let practices = read_with(&job.practices, read_practice_map)?;
            let teams = match &job.teams {
                Some(path) => Some(read_area_layer(path, &job.team_fields)?.0),
                None => None,
            };
            Ok((practices, teams))
        },
    );
    let (registrations, _) = registrations?;
    let ((practices, _), teams) = rest?;
    let lsoa_codes = &registrations.lsoas;
    let missing_teams = || IngestError::Crs {
        path: job.registrations.clone(),
        message: "this apportionment needs a team layer: give it with --teams".into(),
    };
    let (placement, names) = match &job.apportionment {
        TeamApportionment::Lookup { path, columns } => {
            let (lookup, _) = read_with(path, |f| read_lookup(f, columns))?;
            let mut names: Vec<String> = lookup.map.values().map(|t| t.as_str().to_owned()).collect();
            names.sort();
            names.dedup();
            (crate::apportion_by_lookup(lsoa_codes, &lookup, &names), names)
        }
        other => {
            let teams = teams.as_ref().ok_or_else(missing_teams)?;
            let names: Vec<String> = teams.areas.iter().map(|a| a.code.as_str().to_owned()).collect();
            let placement = match other {
                TeamApportionment::AreaWeighted { lsoa_areas, fields, min_piece } => {
                    let (lsoas, _) = read_area_layer(lsoa_areas, fields)?;
                    crate::apportion_by_area(lsoa_codes, &lsoas, teams, *min_piece)
                }
                TeamApportionment::LsoaPoints { lsoa_areas, fields } => {
                    let (lsoas, _) = read_area_layer(lsoa_areas, fields)?;
                    crate::apportion_by_points(lsoa_codes, &interior_points(&lsoas), lsoas.crs, teams)
                }
                TeamApportionment::Centroids { path, columns } => {
                    let (centroids, _) = read_with(path, |f| read_centroids(f, columns))?;
                    let crs = centroids.crs().ok_or_else(|| IngestError::Crs {
                        path: path.clone(),
                        message: "centroid coordinates are neither WGS84 degrees nor British National Grid metres"
                            .into(),
                    })?;
                    crate::apportion_by_points(lsoa_codes, &centroids, crs, teams)
                }
                TeamApportionment::Lookup { .. } => unreachable!("handled above"),
            };
            (placement, names)
        }
    };
    let alignment = crate::align(&registrations, &practices, &placement, names, &job.thresholds, job.core_share);
    let how = job.apportionment.describe();
    let mut files = vec![
        ("team_alignment.csv", team_alignment_csv(&alignment, &practices)),
        ("team_pcn_matrix.csv", team_pcn_matrix_csv(&alignment, &practices)),
        ("pcn_team_links.csv", pcn_team_links_csv(&alignment, &practices)),
        ("pcn_alignment.csv", pcn_alignment_csv(&alignment, &practices)),
        ("split_lsoas.csv", split_lsoas_csv(&alignment)),
        ("team_alignment.md", team_alignment_md(&alignment, &practices, &how)),
    ];
    // Team polygons and the team names agree unless the teams came from a lookup.
    if let (Some(teams), false) = (&teams, matches!(job.apportionment, TeamApportionment::Lookup { .. })) {
        files.insert(0, ("team_alignment.geojson", team_alignment_geojson(&alignment, teams, &practices)));
    }
    let mut out = OutputSet::new(out_dir)?;
    out.stage_all(&files)?;
    let written = out.commit()?;
    Ok(AlignReport { alignment, written })
}
