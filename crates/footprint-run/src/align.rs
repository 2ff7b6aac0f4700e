//! The team-alignment run: read, apportion, measure, write.

use std::path::{Path, PathBuf};

use footprint_align::write::{
    pcn_alignment_table, pcn_team_links_table, split_lsoas_table, team_alignment_geojson, team_alignment_md,
    team_alignment_table, team_pcn_matrix_table,
};
use footprint_align::{Alignment, LsoaTeams, align, apportion_by_area, apportion_by_lookup, apportion_by_points};
use footprint_index::{interior_points, points_crs};
use footprint_ingest::{
    AreaLayer, IngestError, LsoaCode, PracticeMap, read_area_layer, read_centroids, read_lookup, read_practice_map,
    read_registrations,
};
use footprint_overlap::write::Format;
use footprint_overlap::write::schema::{files, layers};

use crate::layers::GisLayers;
use crate::overlap::{read_with, write_all};
use crate::{AlignJob, Output, RunError, TeamApportionment, TeamSource};

/// What a finished alignment run produced.
pub struct AlignReport {
    /// The alignment.
    pub alignment: Alignment,
    /// The files written.
    pub written: Vec<PathBuf>,
}

/// Runs a team-alignment job and writes its outputs into `out_dir`, all or nothing.
///
/// # Errors
/// An input error, or an output that cannot be written (previous outputs are then left untouched).
pub fn align_run(job: &AlignJob, out_dir: &Path) -> Result<AlignReport, RunError> {
    let (registrations, rest) = rayon::join(
        || read_with(&job.registrations, read_registrations),
        || -> Result<_, IngestError> {
            let practices = read_with(&job.practices, read_practice_map)?;
            let teams = match &job.teams {
                TeamSource::Layer { path, fields, .. } => Some(read_area_layer(path, fields)?.0),
                TeamSource::Lookup { .. } => None,
            };
            Ok((practices, teams))
        },
    );
    let (registrations, _) = registrations?;
    let ((practices, _), teams) = rest?;
    let lsoa_codes = &registrations.lsoas;
    let (placement, names) = match (&job.teams, &teams) {
        (TeamSource::Lookup { path, columns }, _) => {
            let (lookup, _) = read_with(path, |f| read_lookup(f, columns))?;
            let mut names: Vec<String> = lookup.map.values().map(|t| t.as_str().to_owned()).collect();
            names.sort();
            names.dedup();
            (apportion_by_lookup(lsoa_codes, &lookup, &names), names)
        }
        (TeamSource::Layer { apportionment, .. }, Some(teams)) => {
            let names: Vec<String> = teams.areas.iter().map(|a| a.code.as_str().to_owned()).collect();
            (apportion(lsoa_codes, apportionment, teams)?, names)
        }
        (TeamSource::Layer { .. }, None) => return Err(RunError::Job { problem: "the team layer was not read" }),
    };
    let alignment = align(&registrations, &practices, &placement, names, &job.thresholds, job.core_share);
    let how = job.teams.describe();
    let files = render(&alignment, &practices, teams.as_ref(), &how, &job.output)?;
    let written = write_all(out_dir, &files)?;
    Ok(AlignReport { alignment, written })
}

/// The alignment's files: the team layer in each format of `output` (when there are team polygons),
/// the tables as CSV (and in the formats that hold tables), the plain-language report.
pub(crate) fn render(
    alignment: &Alignment,
    practices: &PracticeMap,
    teams: Option<&AreaLayer>,
    how: &str,
    output: &Output,
) -> Result<crate::RunFiles<'static>, RunError> {
    let team_rows = team_alignment_table(alignment, practices);
    let tables = [
        (layers::TEAM_PCN_MATRIX, files::TEAM_PCN_MATRIX_CSV, team_pcn_matrix_table(alignment, practices)),
        (layers::PCN_TEAM_LINKS, files::PCN_TEAM_LINKS_CSV, pcn_team_links_table(alignment, practices)),
        (layers::PCN_ALIGNMENT, files::PCN_ALIGNMENT_CSV, pcn_alignment_table(alignment, practices)),
        (layers::SPLIT_LSOAS, files::SPLIT_LSOAS_CSV, split_lsoas_table(alignment)),
    ];
    let mut files = crate::RunFiles::new();
    if let Some(teams) = teams.filter(|_| output.has(Format::GeoJson)) {
        files.push((files::TEAM_ALIGNMENT_GEOJSON.to_owned(), team_alignment_geojson(alignment, teams, practices)));
    }
    files.push((files::TEAM_ALIGNMENT_CSV.to_owned(), team_rows.csv().into()));
    let mut gis = GisLayers::new(output);
    match teams {
        Some(teams) => {
            let shapes = teams.areas.iter().map(|a| &a.geometry).collect();
            gis.layer(layers::TEAM_ALIGNMENT, team_rows, shapes, teams.crs);
        }
        None => gis.table(layers::TEAM_ALIGNMENT, team_rows),
    }
    for (layer, file, table) in tables {
        files.push((file.to_owned(), table.csv().into()));
        gis.table(layer, table);
    }
    files.push((files::TEAM_ALIGNMENT_MD.to_owned(), team_alignment_md(alignment, practices, how).into()));
    files.extend(gis.render()?);
    Ok(files)
}

/// Each LSOA's residents apportioned to the team polygons.
fn apportion(
    lsoa_codes: &[LsoaCode],
    apportionment: &TeamApportionment,
    teams: &AreaLayer,
) -> Result<Vec<LsoaTeams>, IngestError> {
    Ok(match apportionment {
        TeamApportionment::AreaWeighted { lsoa_areas, fields, min_piece } => {
            let (lsoas, _) = read_area_layer(lsoa_areas, fields)?;
            apportion_by_area(lsoa_codes, &lsoas, teams, *min_piece)
        }
        TeamApportionment::LsoaPoints { lsoa_areas, fields } => {
            let (lsoas, _) = read_area_layer(lsoa_areas, fields)?;
            apportion_by_points(lsoa_codes, &interior_points(&lsoas), lsoas.crs, teams)
        }
        TeamApportionment::Centroids { path, columns } => {
            let (centroids, _) = read_with(path, |f| read_centroids(f, columns))?;
            let crs = points_crs(&centroids, path)?;
            apportion_by_points(lsoa_codes, &centroids, crs, teams)
        }
    })
}
