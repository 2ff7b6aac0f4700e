//! The whole overlap run as three stages: load the inputs (in parallel), analyse, render the layers;
//! then an atomic write.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use footprint_footprints::{Coverage, Footprint, FootprintLevel, GridCheck, coverage_of, footprints_on};
use footprint_index::Conversion;
use footprint_index::{Assignment, AssignmentMethod, LsoaPlaces, Placement};
use footprint_ingest::{
    AreaFields, AreaLayer, ContextTable, Crs, Detected, FileInfo, IngestError, InputFile, LsoaCode, LsoaPopulations,
    PracticeMap, RegistrationTable, VintageLookup, read_area_layer, read_centroids, read_context, read_lookup,
    read_lsoa_populations, read_practice_map, read_registrations, read_vintage_lookup,
};
use footprint_overlap::write::{
    ContextInputs, FileBytes, Format, GeographyInputs, Grid, OutputSet, SummaryInputs, Written, by_context_table,
    msoa_overlap_geojson, msoa_overlap_table, msoa_pcn_shares_csv, msoa_pcn_shares_table, pcns_table, schema,
    schema::files, summary_json, written_on,
};
use footprint_overlap::{
    AreaContext, ClassRow, Correlation, OverlapTable, PcnRow, PcnSummary, area_contexts, associations, by_context,
    count_overlap, density_context, pcn_summary, pcn_table,
};
use rayon::prelude::*;

use crate::layers::GisLayers;
use crate::prepared::{Preparation, PreparedCache, PreparedLayer, measure_areas, read_layer, read_table};
use crate::{
    AssignmentSource, ContextSource, ConversionFiles, FootprintJob, Mismatch, OverlapJob, RunError, VintageRule,
};

/// The areas footprints were drawn from, with what was measured on them.
pub enum FootprintAreas {
    /// The run's area layer (MSOAs): the main table and sizes apply.
    Msoa,
    /// LSOA polygons, counted and measured on their own.
    Lsoa {
        /// The counts per LSOA.
        table: OverlapTable,
        /// Each LSOA's size in km², in layer order.
        area_km2: Vec<f64>,
    },
}

/// Footprints drawn, with the areas they are made of.
pub struct FootprintResult {
    /// The areas.
    pub areas: FootprintAreas,
    /// The footprints, by method then PCN code.
    pub footprints: Vec<Footprint>,
    /// Each footprint's shape as written in WGS84 (six decimals, repaired where rounding broke it), in
    /// the same order: the GeoJSON layer's geometry and the pictures' outlines, made once for both.
    pub wgs84: Vec<Written>,
}

impl FootprintResult {
    /// The footprints drawn on `areas`, whose coordinates are in `crs`, with their shapes as written.
    /// `check` is the [`GridCheck`] of the coverage they were dissolved from on the WGS84 grid: the shapes
    /// it vouches for are written without the screen for what rounding breaks.
    fn new(areas: FootprintAreas, footprints: Vec<Footprint>, crs: Crs, check: &GridCheck) -> Self {
        let grid = Grid { from: crs, to: Crs::Wgs84 };
        let wgs84 = footprints
            .par_iter()
            .map(|f| written_on(&f.shape.0, grid, check.snap(&f.shape, f.dissolve, grid)))
            .collect();
        Self { areas, footprints, wgs84 }
    }

    /// For LSOA-level footprints, the counts per LSOA and each LSOA's size in km².
    #[must_use]
    pub fn lsoa_counts(&self) -> Option<(&OverlapTable, &[f64])> {
        match &self.areas {
            FootprintAreas::Msoa => None,
            FootprintAreas::Lsoa { table, area_km2 } => Some((table, area_km2)),
        }
    }

    /// The level they were drawn at.
    #[must_use]
    pub fn level(&self) -> FootprintLevel {
        match self.areas {
            FootprintAreas::Msoa => FootprintLevel::Msoa,
            FootprintAreas::Lsoa { .. } => FootprintLevel::Lsoa,
        }
    }
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
    /// Its sizes and GeoJSON geometry, when the layer was prepared.
    pub areas_prepared: Option<PreparedLayer>,
    /// How the layer was had: read, or loaded from its prepared form.
    pub areas_how: Preparation,
    /// What places LSOAs in areas: the lookup, the centroids or the LSOA polygons.
    pub places: LsoaPlaces,
    /// Its file.
    pub places_meta: FileInfo,
    /// What converts LSOA codes between the censuses, when the job checks them.
    pub conversion: Option<ConversionInputs>,
    /// The context files, each context read with its file (a RUC file gives two).
    pub contexts: Vec<(ContextTable, FileInfo)>,
}

/// Reads every context file of the job, in order (prepared in `cache`).
fn read_contexts(
    sources: &[ContextSource],
    cache: &PreparedCache,
) -> Result<Vec<(ContextTable, FileInfo)>, IngestError> {
    let read: Vec<Result<_, IngestError>> = sources
        .par_iter()
        .map(|s| read_table(&s.path, &format!("{:?}", s.kind), cache, |f| read_context(f, &s.kind)))
        .collect();
    let mut out = Vec::new();
    for r in read {
        let (tables, info) = r?;
        out.extend(tables.into_iter().map(|t| (t, info.clone())));
    }
    Ok(out)
}

/// The files that convert LSOA codes between the censuses, read.
pub struct ConversionInputs {
    /// The exact-fit lookup.
    pub lookup: VintageLookup,
    /// Its file.
    pub lookup_meta: FileInfo,
    /// The 2011 populations.
    pub populations: LsoaPopulations,
    /// Their file.
    pub populations_meta: FileInfo,
}

impl ConversionInputs {
    /// The conversion files a census rule needs, read (prepared in `cache`): none when codes are placed as given.
    ///
    /// # Errors
    /// The first input error met.
    pub fn for_rule(rule: &VintageRule, cache: &PreparedCache) -> Result<Option<Self>, IngestError> {
        match rule {
            VintageRule::AsGiven => Ok(None),
            VintageRule::Checked { conversion, .. } => Self::read(conversion, cache).map(Some),
        }
    }

    /// Reads both files (prepared in `cache`).
    ///
    /// # Errors
    /// The first input error met.
    pub fn read(files: &ConversionFiles, cache: &PreparedCache) -> Result<Self, IngestError> {
        let (lookup, populations) = rayon::join(
            || read_table(&files.exact_fit, "", cache, read_vintage_lookup),
            || read_table(&files.populations, "", cache, read_lsoa_populations),
        );
        let ((lookup, lookup_meta), (populations, populations_meta)) = (lookup?, populations?);
        Ok(Self { lookup, lookup_meta, populations, populations_meta })
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
    /// The CRS the centroids were read in, when LSOAs were placed by points.
    pub centroid_crs: Option<Crs>,
    /// The footprints, when the job asks for them.
    pub footprints: Option<FootprintResult>,
    /// When codes were checked against the areas' census: how that census was decided, in words.
    pub geography_from: Option<&'static str>,
    /// The MSOAs' contexts, the statistics of their classes, and the PCN table.
    pub context: ContextResult,
}

/// The contexts of the MSOAs and what was measured by them, and the PCNs.
pub struct ContextResult {
    /// Each context over the areas: the files' in order, then density.
    pub contexts: Vec<AreaContext>,
    /// The rows of `overlap_by_context.csv`.
    pub classes: Vec<ClassRow>,
    /// Spearman correlations of each threshold's count with each score.
    pub correlations: Vec<Correlation>,
    /// The rows of `pcns.csv`.
    pub pcns: Vec<PcnRow>,
    /// Their national summary.
    pub pcn_summary: PcnSummary,
}

impl ContextResult {
    /// Measures the contexts of `loaded` over a count.
    #[must_use]
    pub fn of(loaded: &Loaded, assignment: &Assignment, table: &OverlapTable, area_km2: &[f64]) -> Self {
        let files: Vec<&ContextTable> = loaded.contexts.iter().map(|(t, _)| t).collect();
        let lookup = loaded.conversion.as_ref().map(|c| &c.lookup);
        // The PCNs are described while the contexts are measured.
        let ((contexts, classes, correlations), (pcns, pcn_summary)) = rayon::join(
            || {
                let mut contexts =
                    area_contexts(&files, &loaded.registrations, assignment, &loaded.layer, table, lookup);
                contexts.push(density_context(table, area_km2));
                let (classes, correlations) = (by_context(table, &contexts), associations(table, &contexts));
                (contexts, classes, correlations)
            },
            || {
                let pcns = pcn_table(&loaded.registrations, &loaded.practices, table);
                let summary = pcn_summary(&pcns, &loaded.practices);
                (pcns, summary)
            },
        );
        Self { classes, correlations, contexts, pcns, pcn_summary }
    }

    /// The file contexts (without density): the context columns of `msoa_overlap`.
    #[must_use]
    pub fn file_contexts(&self) -> &[AreaContext] {
        &self.contexts[..self.contexts.len().saturating_sub(1)]
    }
}

impl Analysis {
    /// What `summary.json` describes for this analysis of `loaded`.
    #[must_use]
    pub fn summary_inputs<'a>(&'a self, loaded: &'a Loaded) -> SummaryInputs<'a> {
        SummaryInputs {
            registrations: (&loaded.registrations, &loaded.registrations_meta),
            practices: (&loaded.practices, &loaded.practices_meta),
            layer: (&loaded.layer, &loaded.areas_meta),
            places: (&loaded.places, &loaded.places_meta),
            assignment: &self.assignment,
            centroid_crs: self.centroid_crs,
            table: &self.table,
            geography: self.geography_from.zip(loaded.conversion.as_ref()).map(|(decided, c)| GeographyInputs {
                decided,
                vintage_lookup: &c.lookup_meta,
                populations: (&c.populations, &c.populations_meta),
            }),
            context: Some(ContextInputs {
                files: &loaded.contexts,
                contexts: &self.context.contexts,
                correlations: &self.context.correlations,
                pcns: &self.context.pcn_summary,
            }),
        }
    }
}

/// As [`read_with`], the file's sha256 taken from its stamp in `cache` when it is as stamped.
pub(crate) fn read_stamped<T>(
    path: &Path,
    cache: &PreparedCache,
    parse: impl FnOnce(&InputFile) -> Result<T, IngestError>,
) -> Result<(T, FileInfo), IngestError> {
    let PreparedCache::In(dir) = cache else { return read_with(path, parse) };
    let file = crate::stamp::read_compressed(path, dir)?;
    Ok((parse(&file)?, file.info()))
}

/// Reads a file and parses it, keeping what is known of the file.
pub(crate) fn read_with<T>(
    path: &Path,
    parse: impl FnOnce(&InputFile) -> Result<T, IngestError>,
) -> Result<(T, FileInfo), IngestError> {
    let file = InputFile::read_compressed(path)?;
    Ok((parse(&file)?, file.info()))
}

/// Reads what places LSOAs in areas (a lookup, centroids or LSOA polygons prepared in `cache`).
pub(crate) fn read_places(
    source: &AssignmentSource,
    cache: &PreparedCache,
) -> Result<(LsoaPlaces, FileInfo), IngestError> {
    match source {
        AssignmentSource::Lookup { path, columns } => {
            read_table(path, &format!("{columns:?}"), cache, |f| read_lookup(f, columns))
                .map(|(l, m)| (LsoaPlaces::Lookup(l), m))
        }
        AssignmentSource::Centroids { path, columns, snap_metres } => {
            read_table(path, &format!("{columns:?}"), cache, |f| read_centroids(f, columns))
                .map(|(centroids, m)| (LsoaPlaces::Centroids { centroids, snap_metres: *snap_metres }, m))
        }
        AssignmentSource::LsoaAreas { path, fields, snap_metres } => {
            // Kept parsed, as a table is, when the file identifies the layer.
            let (lsoas, info) = if crate::prepared::identifies_layer(path) {
                read_table(path, &format!("{fields:?}"), cache, |f| footprint_ingest::read_areas(f, fields))?
            } else {
                read_area_layer(path, fields)?
            };
            Ok((LsoaPlaces::polygons(lsoas, *snap_metres), info))
        }
    }
}

/// Reads and parses every input, the large ones concurrently.
///
/// # Errors
/// The first input error met (its path, position and value).
pub fn load(job: &OverlapJob) -> Result<Loaded, IngestError> {
    let (registrations, rest) = rayon::join(
        || read_table(&job.registrations, "registrations", &job.prepared, read_registrations),
        || {
            let (areas, small) = rayon::join(
                || read_layer(&job.areas, &job.area_fields, &job.prepared),
                || {
                    let conversion = ConversionInputs::for_rule(&job.vintage, &job.prepared)?;
                    let practices = read_stamped(&job.practices, &job.prepared, read_practice_map)?;
                    let contexts = read_contexts(&job.context, &job.prepared)?;
                    let places = read_places(&job.assignment, &job.prepared)?;
                    Ok::<_, IngestError>((practices, places, (conversion, contexts)))
                },
            );
            Ok::<_, IngestError>((areas?, small?))
        },
    );
    let (registrations, registrations_meta) = registrations?;
    let (areas, ((practices, practices_meta), (places, places_meta), (conversion, contexts))) = rest?;
    Ok(Loaded {
        registrations,
        registrations_meta,
        practices,
        practices_meta,
        layer: areas.layer,
        areas_meta: areas.info,
        areas_prepared: areas.prepared,
        areas_how: areas.how,
        places,
        places_meta,
        conversion,
        contexts,
    })
}

/// Places every LSOA code of the registrations: as given, or checked against the areas' census and
/// converted (or refused) when of the other; with the CRS centroids were read in and how the census was decided.
///
/// # Errors
/// [`RunError::Vintage`] for codes of the other census when the job refuses them; as [`LsoaPlaces::assign`].
pub fn place(loaded: &Loaded, job: &OverlapJob) -> Result<(Assignment, Option<Crs>, Option<&'static str>), RunError> {
    let geography = Geography { layer: &loaded.layer, places: &loaded.places, conversion: loaded.conversion.as_ref() };
    geography.place(&loaded.registrations, &loaded.registrations_meta.path, job)
}

/// What places a registrations table's codes: the area layer, the lookup (or points) and the conversion.
#[derive(Clone, Copy)]
pub(crate) struct Geography<'a> {
    pub(crate) layer: &'a AreaLayer,
    pub(crate) places: &'a LsoaPlaces,
    pub(crate) conversion: Option<&'a ConversionInputs>,
}

impl Geography<'_> {
    /// As [`place`], for registrations read from `path`.
    pub(crate) fn place(
        &self,
        regs: &RegistrationTable,
        path: &Path,
        job: &OverlapJob,
    ) -> Result<(Assignment, Option<Crs>, Option<&'static str>), RunError> {
        let (layer, places_path) = (self.layer, job.assignment.path());
        let as_given = || -> Result<_, RunError> {
            let (assignment, crs) = self.places.assign(&regs.lsoas, layer, places_path)?;
            Ok((assignment, crs, None))
        };
        let (VintageRule::Checked { geography, mismatch, .. }, Some(c)) = (&job.vintage, self.conversion) else {
            return as_given();
        };
        let (geography, decided) = match geography {
            Some(v) => (*v, "chosen"),
            None => match c.lookup.vintage_of_codes(self.places.codes()) {
                Detected::Census(v) => (v, self.places.source()),
                // The lookup's codes are of no census (or of both): nothing to check them against.
                Detected::Mixed | Detected::Undetermined => return as_given(),
            },
        };
        let mix = c.lookup.mix(regs);
        if *mismatch == Mismatch::Refuse && mix.only(geography.other()).codes > 0 {
            return Err(RunError::Vintage { path: path.to_owned(), mix: Box::new(mix), geography });
        }
        let conversion = Conversion { lookup: &c.lookup, populations: &c.populations, geography };
        let (assignment, crs) = self.places.assign_converting(regs, layer, places_path, &conversion)?;
        Ok((assignment, crs, Some(decided)))
    }
}

/// Assigns LSOAs to areas, counts PCNs per area, measures each area, and draws the footprints the job asks for.
///
/// # Errors
/// [`RunError::Ingest`] if the centroids' coordinates are neither degrees nor British National Grid
/// metres; [`RunError::Job`] if LSOA-level footprints are asked for without LSOA polygons.
pub fn analyse(loaded: &Loaded, job: &OverlapJob) -> Result<Analysis, RunError> {
    let layer = &loaded.layer;
    // The footprint job with the layer its footprints are drawn on.
    let to_draw =
        job.footprints.as_ref().map(|fj| Ok::<_, RunError>((fj, footprint_layer(loaded, fj)?))).transpose()?;
    // Area sizes, the footprints' coverage and the count are independent: run them side by side.
    let ((area_km2, to_draw), assigned) = rayon::join(
        || {
            rayon::join(
                || loaded.areas_prepared.as_ref().map_or_else(|| measure_areas(layer), |p| p.area_km2.clone()),
                || {
                    to_draw.map(|(fj, on)| {
                        let coverage = kept_coverage(loaded, job, fj, on);
                        let check = kept_grid_check(loaded, job, fj, on, &coverage);
                        (fj, on, coverage, check)
                    })
                },
            )
        },
        || -> Result<_, RunError> {
            let (assignment, centroid_crs, geography_from) = place(loaded, job)?;
            let table = count_overlap(&loaded.registrations, &loaded.practices, &assignment, layer, &job.thresholds);
            Ok((assignment, table, centroid_crs, geography_from))
        },
    );
    let (assignment, table, centroid_crs, geography_from) = assigned?;
    // The footprints and the contexts are independent too.
    let (footprints, context) = rayon::join(
        || {
            to_draw
                .as_ref()
                .map(|(fj, on, coverage, check)| {
                    draw_footprints(loaded, fj, on, (coverage, check), &table, &area_km2, &assignment)
                })
                .transpose()
        },
        || ContextResult::of(loaded, &assignment, &table, &area_km2),
    );
    let footprints = footprints?;
    Ok(Analysis { assignment, table, area_km2, centroid_crs, footprints, geography_from, context })
}

/// The layer footprints are drawn on at the job's level: the area layer, or the LSOA polygons.
fn footprint_layer<'a>(loaded: &'a Loaded, fj: &FootprintJob) -> Result<&'a AreaLayer, RunError> {
    match fj.level {
        FootprintLevel::Msoa => Ok(&loaded.layer),
        FootprintLevel::Lsoa => loaded
            .places
            .lsoa_layer()
            .ok_or(RunError::Job { problem: "LSOA-level footprints need LSOA polygons to place LSOAs by" }),
    }
}

/// The coverage the job's footprints are dissolved from ([`coverage_of`] the layer they are drawn on),
/// kept in the job's cache beside the layer's file and loaded from there after when the file identifies
/// the layer; `None` when the job draws none.
///
/// # Errors
/// [`RunError::Job`] if LSOA-level footprints are asked for without LSOA polygons.
pub fn footprint_coverage(loaded: &Loaded, job: &OverlapJob) -> Result<Option<Coverage>, RunError> {
    job.footprints.as_ref().map(|fj| Ok(kept_coverage(loaded, job, fj, footprint_layer(loaded, fj)?))).transpose()
}

/// The [`coverage_of`] `layer`, the footprint layer of `fj`: kept in the job's cache beside the layer's
/// file and loaded from there after when the file identifies the layer, else made.
fn kept_coverage(loaded: &Loaded, job: &OverlapJob, fj: &FootprintJob, layer: &AreaLayer) -> Coverage {
    let Some((info, fields)) = footprint_layer_file(loaded, job, fj) else { return coverage_of(layer) };
    let areas: Vec<&geo::MultiPolygon<f64>> = layer.areas.iter().map(|a| &a.geometry).collect();
    let tolerance = footprint_footprints::coincidence_tolerance(layer.crs);
    job.prepared.derived(
        info,
        &format!("coverage {fields:?}"),
        |c: &Coverage| c.fits(&areas, tolerance),
        || coverage_of(layer),
    )
}

/// The file that identifies the footprint layer of `fj`, and the fields it was read with: `None` when the
/// layer is not identified by its file alone.
fn footprint_layer_file<'a>(
    loaded: &'a Loaded,
    job: &'a OverlapJob,
    fj: &FootprintJob,
) -> Option<(&'a FileInfo, &'a AreaFields)> {
    match (fj.level, &job.assignment) {
        (FootprintLevel::Msoa, _) => loaded.areas_prepared.as_ref().map(|_| (&loaded.areas_meta, &job.area_fields)),
        (FootprintLevel::Lsoa, AssignmentSource::LsoaAreas { path, fields, .. }) => {
            crate::prepared::identifies_layer(path).then_some((&loaded.places_meta, fields))
        }
        (FootprintLevel::Lsoa, _) => None,
    }
}

/// The [`GridCheck`] of `coverage`, the [`kept_coverage`] of `layer`, on the WGS84 grid footprints are
/// written on: kept beside it in the job's cache, as it is.
fn kept_grid_check(
    loaded: &Loaded,
    job: &OverlapJob,
    fj: &FootprintJob,
    layer: &AreaLayer,
    coverage: &Coverage,
) -> GridCheck {
    let grid = Grid { from: layer.crs, to: Crs::Wgs84 };
    let Some((info, fields)) = footprint_layer_file(loaded, job, fj) else { return coverage.grid_check(grid) };
    job.prepared.derived(
        info,
        &format!("grid check {fields:?} {grid:?}"),
        |c: &GridCheck| c.fits(coverage, grid),
        || coverage.grid_check(grid),
    )
}

/// Draws the footprints of every PCN at the job's level on `layer`, the [`footprint_layer`], dissolved
/// from `coverage`, its [`coverage_of`] (with the coverage's [`GridCheck`], for writing them).
fn draw_footprints(
    loaded: &Loaded,
    fj: &FootprintJob,
    layer: &AreaLayer,
    (coverage, check): (&Coverage, &GridCheck),
    table: &OverlapTable,
    area_km2: &[f64],
    assignment: &Assignment,
) -> Result<FootprintResult, RunError> {
    match fj.level {
        FootprintLevel::Msoa => {
            let drawn = footprints_on(coverage, table, layer, &loaded.practices, area_km2, &fj.spec);
            Ok(FootprintResult::new(FootprintAreas::Msoa, drawn, layer.crs, check))
        }
        FootprintLevel::Lsoa => {
            let lsoas = layer;
            if assignment.conversion.as_ref().is_some_and(|c| c.converted.contains(&true)) {
                return Err(RunError::Job {
                    problem: "LSOA-level footprints need the registrations on the LSOA polygons' census: their codes of the other census are converted to MSOAs only",
                });
            }
            // Each registration LSOA code to the LSOA polygon with that code.
            let assignment = assign_by_code(&loaded.registrations.lsoas, lsoas);
            let lsoa_table = count_overlap(&loaded.registrations, &loaded.practices, &assignment, lsoas, &[]);
            let km2 = measure_areas(lsoas);
            let drawn = footprints_on(coverage, &lsoa_table, lsoas, &loaded.practices, &km2, &fj.spec);
            Ok(FootprintResult::new(FootprintAreas::Lsoa { table: lsoa_table, area_km2: km2 }, drawn, lsoas.crs, check))
        }
    }
}

/// Places each code in the area of the layer with the same code.
fn assign_by_code(codes: &[LsoaCode], layer: &AreaLayer) -> Assignment {
    Assignment {
        method: AssignmentMethod::Lookup,
        placements: codes
            .iter()
            .map(|c| layer.find(c.as_str()).map_or(Placement::UnknownLsoa, Placement::Area))
            .collect(),
        snapped: Vec::new(),
        conversion: None,
    }
}

/// The output files of a run, by name, rendered in memory: the CSV tables and `summary.json`, and the
/// layers in each format of the job.
///
/// # Errors
/// [`RunError::Gis`] if a GIS format cannot be rendered.
pub fn render<'a>(loaded: &'a Loaded, analysis: &Analysis, job: &OverlapJob) -> Result<crate::RunFiles<'a>, RunError> {
    let (layer, practices, table, km2) = (&loaded.layer, &loaded.practices, &analysis.table, &analysis.area_km2);
    let out = &job.output;
    let contexts = analysis.context.file_contexts();
    let ((geojson, overlap), (shares, summary)) = rayon::join(
        || {
            rayon::join(
                || {
                    out.has(Format::GeoJson).then(|| {
                        let prepared = loaded.areas_prepared.as_ref().map(|p| &p.geometry);
                        msoa_overlap_geojson(layer, practices, table, km2, contexts, prepared)
                    })
                },
                || msoa_overlap_table(layer, practices, table, km2, contexts),
            )
        },
        || {
            rayon::join(
                || msoa_pcn_shares_csv(layer, practices, table),
                || summary_json(&analysis.summary_inputs(loaded)),
            )
        },
    );
    let mut files = crate::RunFiles::new();
    if let Some(geojson) = geojson {
        files.push((files::MSOA_OVERLAP_GEOJSON.to_owned(), geojson));
    }
    files.push((files::MSOA_OVERLAP_CSV.to_owned(), overlap.csv().into()));
    files.push((files::MSOA_PCN_SHARES_CSV.to_owned(), shares.into()));
    files.push((files::SUMMARY_JSON.to_owned(), summary.into()));
    let by_context = by_context_table(&analysis.context.classes, &table.thresholds);
    let pcns = pcns_table(&analysis.context.pcns, practices, layer, &table.thresholds);
    files.push((files::OVERLAP_BY_CONTEXT_CSV.to_owned(), by_context.csv().into()));
    files.push((files::PCNS_CSV.to_owned(), pcns.csv().into()));
    let mut gis = GisLayers::new(out);
    let areas = table.areas.iter().map(|row| &layer.areas[row.area.index()].geometry);
    gis.layer(schema::layers::MSOA_OVERLAP, overlap, areas.collect(), layer.crs);
    if gis.wanted() {
        gis.table(schema::layers::MSOA_PCN_SHARES, msoa_pcn_shares_table(layer, practices, table));
    }
    gis.table(schema::layers::OVERLAP_BY_CONTEXT, by_context);
    gis.table(schema::layers::PCNS, pcns);
    if let (Some(fp), Some(fj)) = (&analysis.footprints, &job.footprints) {
        let (layer, table) = match (&fp.areas, loaded.places.lsoa_layer()) {
            (FootprintAreas::Lsoa { table, .. }, Some(lsoas)) => (lsoas, table),
            _ => (&loaded.layer, &analysis.table),
        };
        files.extend(footprint_io::render(fp, layer, table, practices, &fj.spec, &mut gis));
    }
    files.extend(gis.render()?);
    Ok(files)
}

/// The footprint layers through the footprint writers.
mod footprint_io {
    use footprint_footprints::FootprintSpec;
    use footprint_footprints::write::{
        footprint_areas_table, footprint_overlaps_table, footprints_geojson, footprints_table,
    };
    use footprint_ingest::{AreaLayer, PracticeMap};
    use footprint_overlap::OverlapTable;
    use footprint_overlap::write::Format;
    use footprint_overlap::write::schema::{files, layers};

    use crate::layers::GisLayers;

    /// The GeoJSON layer and the three footprint tables as CSV; the layer and tables for the GIS formats.
    pub(super) fn render(
        drawn: &super::FootprintResult,
        layer: &AreaLayer,
        table: &OverlapTable,
        practices: &PracticeMap,
        spec: &FootprintSpec,
        gis: &mut GisLayers,
    ) -> crate::RunFiles<'static> {
        let (footprints, level) = (&drawn.footprints, drawn.level());
        let geojson = gis.output().has(Format::GeoJson);
        let ((geo, rows), (overlaps, areas)) = rayon::join(
            || {
                rayon::join(
                    || geojson.then(|| footprints_geojson(footprints, &drawn.wgs84, practices, spec, level)),
                    || footprints_table(footprints, practices, spec, level),
                )
            },
            || {
                rayon::join(
                    || footprint_overlaps_table(footprints, practices),
                    || footprint_areas_table(footprints, table, layer, practices),
                )
            },
        );
        let mut out: crate::RunFiles<'static> =
            geo.map(|g| (files::PCN_FOOTPRINTS_GEOJSON.to_owned(), g)).into_iter().collect();
        out.push((files::PCN_FOOTPRINTS_CSV.to_owned(), rows.csv().into()));
        out.push((files::PCN_FOOTPRINT_OVERLAPS_CSV.to_owned(), overlaps.csv().into()));
        out.push((files::PCN_FOOTPRINT_AREAS_CSV.to_owned(), areas.csv().into()));
        let shapes = footprints.iter().map(|f| &f.shape).collect();
        gis.layer_with_wgs84(layers::PCN_FOOTPRINTS, rows, shapes, layer.crs, &drawn.wgs84);
        gis.table(layers::PCN_FOOTPRINT_OVERLAPS, overlaps);
        gis.table(layers::PCN_FOOTPRINT_AREAS, areas);
        out
    }
}

/// Time spent in each stage of a run.
#[derive(Clone, Debug, Default)]
pub struct StageTimes {
    /// Reading and parsing the inputs.
    pub load: Duration,
    /// Assignment and counting.
    pub analyse: Duration,
    /// Rendering the outputs, the layers' files staged (written under temporary names) as each is done.
    pub render: Duration,
    /// Staging the other files, then putting every file in place.
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
    run_with(job, out_dir, |_| (), |_, _, ()| Ok::<_, RunError>(Vec::new()))
}

/// As [`run`], with more files (the pictures) written in the same all-or-nothing set: `early` makes
/// what they need of the inputs alone while the analysis runs, and `extra` makes the files from that
/// and the analysis while the layers are rendered.
///
/// # Errors
/// As [`run`], or the error `extra` returns.
pub fn run_with<P: Send, E: From<RunError> + Send>(
    job: &OverlapJob,
    out_dir: &Path,
    early: impl FnOnce(&Loaded) -> P + Send,
    extra: impl FnOnce(&Loaded, &Analysis, P) -> Result<Vec<(&'static str, Vec<u8>)>, E> + Send,
) -> Result<RunReport, E> {
    let mut times = StageTimes::default();
    let t = Instant::now();
    let loaded = load(job).map_err(RunError::from)?;
    times.load = t.elapsed();
    let t = Instant::now();
    let (analysis, prepared) = rayon::join(|| analyse(&loaded, job), || early(&loaded));
    let analysis = analysis?;
    times.analyse = t.elapsed();
    let t = Instant::now();
    let created = !out_dir.exists();
    let mut out = OutputSet::new(out_dir).map_err(RunError::from)?;
    // The layers' files are staged as soon as they are rendered, while the extra files are made.
    let (staged, more) = rayon::join(
        || -> Result<(), RunError> { Ok(out.stage_all(&render(&loaded, &analysis, job)?)?) },
        || extra(&loaded, &analysis, prepared),
    );
    let more = match staged.map_err(E::from).and(more) {
        Ok(more) => more,
        Err(e) => {
            // Nothing is left behind: the staged files go with `out`, and the folder if this run made it.
            drop(out);
            if created {
                let _ = std::fs::remove_dir(out_dir);
            }
            return Err(e);
        }
    };
    times.render = t.elapsed();
    let t = Instant::now();
    out.stage_all(&more.into_iter().map(|(name, bytes)| (name, FileBytes::from(bytes))).collect::<Vec<_>>())
        .map_err(RunError::from)?;
    let written = out.commit().map_err(RunError::from)?;
    times.write = t.elapsed();
    Ok(RunReport { loaded, analysis, written, times })
}

/// Writes every file into `dir`, all or nothing.
pub(crate) fn write_all(dir: &Path, files: &[(String, FileBytes<'_>)]) -> Result<Vec<PathBuf>, RunError> {
    let mut out = OutputSet::new(dir)?;
    out.stage_all(files)?;
    Ok(out.commit()?)
}
