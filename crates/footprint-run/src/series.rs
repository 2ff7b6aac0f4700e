//! A series: one run over many publications (and scenarios) on one area layer, read once; publications
//! processed in parallel, each with its own accounting, a few at a time so that memory does not grow with
//! their number.

use std::path::{Path, PathBuf};

use footprint_ingest::{
    AreaLayer, FileInfo, IngestError, PracticeMap, RegistrationTable, read_area_layer, read_practice_edits,
    read_practice_map, read_registrations,
};
use footprint_overlap::count_overlap;
use footprint_overlap::write::{
    FileBytes, PublicationFigures, msoa_change_csv, msoa_change_geojson, schema::files, series_json, series_msoa_csv,
    series_summary_csv,
};
use rayon::prelude::*;

use crate::overlap::{Geography, read_places, read_with, write_all};
use crate::{ConversionInputs, OverlapJob, PreparedCache, RunError};

/// One publication of a series: registrations and the practice map they are counted with; a scenario when
/// an edit file moves practices of the map between PCNs.
#[derive(Clone, Debug)]
pub struct Publication {
    /// Its label, unique in the series.
    pub label: String,
    /// The registrations file.
    pub registrations: PathBuf,
    /// The practice → PCN map.
    pub practices: PathBuf,
    /// Its date, when given (else the registrations' `EXTRACT_DATE`).
    pub date: Option<String>,
    /// An edit file applied to the map (`practice_code,pcn_code`).
    pub edits: Option<PathBuf>,
}

/// Everything a series needs: the geography (the areas, their placement, thresholds and census rule of
/// `geography`, whose own registrations and practices are not read) and the publications in order.
#[derive(Clone, Debug)]
pub struct SeriesJob {
    /// The areas, how LSOAs are placed in them, the thresholds and the census rule.
    pub geography: OverlapJob,
    /// The publications, first to last.
    pub publications: Vec<Publication>,
}

/// What a series produced.
pub struct SeriesReport {
    /// The area layer.
    pub layer: AreaLayer,
    /// Each publication's figures, in series order.
    pub publications: Vec<PublicationFigures>,
    /// The files written.
    pub written: Vec<PathBuf>,
}

/// Runs the series and writes its outputs into `out_dir`, all or nothing.
///
/// # Errors
/// An input error (its file, position and value), a publication on codes of another census when the job
/// refuses them, no publication, or an output that cannot be written.
pub fn series_run(job: &SeriesJob, out_dir: &Path) -> Result<SeriesReport, RunError> {
    series_run_with(job, out_dir, |_, _| Vec::new())
}

/// As [`series_run`], with more files made from the publications' figures by `extra` (the report),
/// written in the same all-or-nothing set.
///
/// # Errors
/// As [`series_run`].
pub fn series_run_with(
    job: &SeriesJob,
    out_dir: &Path,
    extra: impl Fn(&AreaLayer, &[PublicationFigures]) -> Vec<(&'static str, Vec<u8>)>,
) -> Result<SeriesReport, RunError> {
    if job.publications.is_empty() {
        return Err(RunError::Job { problem: "a series needs at least one publication" });
    }
    let g = &job.geography;
    let (layer, rest) = rayon::join(
        || read_area_layer(&g.areas, &g.area_fields),
        || {
            // A series reads its geography once: nothing to gain from keeping it prepared.
            let off = PreparedCache::Off;
            Ok::<_, IngestError>((read_places(&g.assignment, &off)?, ConversionInputs::for_rule(&g.vintage, &off)?))
        },
    );
    let ((layer, _), ((places, _), conversion)) = (layer?, rest?);
    let geography = Geography { layer: &layer, places: &places, conversion: conversion.as_ref() };

    // Publications sharing a registrations file read it once; a few files at a time, in parallel.
    let mut groups: Vec<(&Path, Vec<usize>)> = Vec::new();
    for (i, p) in job.publications.iter().enumerate() {
        match groups.iter_mut().find(|(path, _)| *path == p.registrations.as_path()) {
            Some((_, members)) => members.push(i),
            None => groups.push((&p.registrations, vec![i])),
        }
    }
    let mut done: Vec<(usize, PublicationFigures)> = Vec::with_capacity(job.publications.len());
    for chunk in groups.chunks(rayon::current_num_threads().max(1)) {
        let results: Vec<Result<Vec<(usize, PublicationFigures)>, RunError>> =
            chunk.par_iter().map(|(path, members)| run_group(job, &geography, path, members)).collect();
        for r in results {
            done.extend(r?);
        }
    }
    done.sort_by_key(|(i, _)| *i);
    let publications: Vec<PublicationFigures> = done.into_iter().map(|(_, p)| p).collect();
    let mut files = render(&layer, &publications, &g.thresholds);
    files.extend(extra(&layer, &publications).into_iter().map(|(name, bytes)| (name, bytes.into())));
    let files: crate::RunFiles<'_> = files.into_iter().map(|(name, bytes)| (name.to_owned(), bytes)).collect();
    let written = write_all(out_dir, &files)?;
    Ok(SeriesReport { layer, publications, written })
}

/// The series' files, rendered.
fn render(
    layer: &AreaLayer,
    publications: &[PublicationFigures],
    thresholds: &[footprint_overlap::Threshold],
) -> Vec<(&'static str, FileBytes<'static>)> {
    let (first, last) = (&publications[0], &publications[publications.len() - 1]);
    let ((summary, msoa), (change, (change_geo, json))) = rayon::join(
        || {
            rayon::join(
                || series_summary_csv(publications, thresholds),
                || series_msoa_csv(layer, publications, thresholds),
            )
        },
        || {
            rayon::join(
                || msoa_change_csv(layer, first, last, thresholds),
                || rayon::join(|| msoa_change_geojson(layer, first, last, thresholds), || series_json(publications)),
            )
        },
    );
    vec![
        (files::SERIES_SUMMARY_CSV, summary.into()),
        (files::SERIES_MSOA_CSV, msoa.into()),
        (files::MSOA_CHANGE_CSV, change.into()),
        (files::MSOA_CHANGE_GEOJSON, change_geo),
        (files::SERIES_JSON, json.into()),
    ]
}

/// The publications `members` of one registrations file: read it, place its codes once, count each.
fn run_group(
    job: &SeriesJob,
    geography: &Geography<'_>,
    path: &Path,
    members: &[usize],
) -> Result<Vec<(usize, PublicationFigures)>, RunError> {
    let (regs, regs_meta) = read_with(path, read_registrations)?;
    let (assignment, _, decided) = geography.place(&regs, path, &job.geography)?;
    let census = decided.and(assignment.conversion.as_ref()).map(|c| c.geography.to_string());
    let apportioned: Vec<(String, u64)> = assignment
        .conversion
        .iter()
        .flat_map(|c| c.apportioned.iter().map(|a| (a.code.0.clone(), a.total())))
        .collect();
    members
        .par_iter()
        .map(|&i| {
            let p = &job.publications[i];
            let (practices, inputs) = read_map(p, &regs_meta)?;
            let table = count_overlap(&regs, &practices, &assignment, geography.layer, &job.geography.thresholds);
            let mut figures = PublicationFigures::of(&p.label, &table, &practices);
            figures.extract_date = p.date.clone().or_else(|| regs.extract_date.clone());
            figures.map_date = practices.extract_date.clone();
            figures.geography.clone_from(&census);
            figures.inputs = inputs;
            figures.apportioned.clone_from(&apportioned);
            figures.warnings = warnings(&regs, &practices);
            Ok((i, figures))
        })
        .collect()
}

/// The files a publication was read from, by role.
type Inputs = Vec<(&'static str, FileInfo)>;

/// A publication's practice map, with its edits applied; and the files read.
fn read_map(p: &Publication, regs: &FileInfo) -> Result<(PracticeMap, Inputs), RunError> {
    let (map, map_meta) = read_with(&p.practices, read_practice_map)?;
    let mut inputs = vec![("registrations", regs.clone()), ("practice_map", map_meta)];
    let Some(edits) = &p.edits else { return Ok((map, inputs)) };
    let (edited, edits_meta) = read_with(edits, |f| read_practice_edits(f, &map))?;
    inputs.push(("edits", edits_meta));
    Ok((edited, inputs))
}

/// A practice map of another date than the registrations' is worth saying, not an error.
fn warnings(regs: &RegistrationTable, map: &PracticeMap) -> Vec<String> {
    match (&regs.extract_date, &map.extract_date) {
        (Some(r), Some(m)) if !r.eq_ignore_ascii_case(m) => {
            vec![format!(
                "the practice map is of {m}, the registrations of {r}: practices that opened, closed or moved between the two are counted by the map's date"
            )]
        }
        _ => Vec::new(),
    }
}
