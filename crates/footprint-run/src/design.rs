//! The design run: read, find the regions, design the patches, measure them as `footprint align`
//! measures a team layer, write the design's files and every alignment output, all or nothing.

use std::path::{Path, PathBuf};

use footprint_align::{Alignment, LsoaTeams, align, apportion_by_points};
use footprint_design::write::{
    design_json, design_lsoas_table, design_patches_geojson, design_patches_table, patch_shapes,
};
use footprint_design::{Cells, Design, Region, design};
use footprint_footprints::{Coverage, coincidence_tolerance};
use footprint_index::interior_points;
use footprint_ingest::{
    Area, AreaCode, AreaLayer, IngestError, LsoaCode, PracticeMap, read_area_layer, read_lookup, read_practice_map,
    read_registrations,
};
use footprint_overlap::write::Format;
use footprint_overlap::write::schema::{files, layers};
use rustc_hash::FxHashMap;

use crate::layers::GisLayers;
use crate::overlap::{read_with, write_all};
use crate::{DesignJob, RegionSource, RunError};

/// What a finished design run produced.
pub struct DesignReport {
    /// The design.
    pub design: Design,
    /// The designed layer measured as `footprint align` measures a team layer.
    pub alignment: Alignment,
    /// The files written.
    pub written: Vec<PathBuf>,
}

/// Runs a design job and writes its outputs into `out_dir`, all or nothing: `design_patches.geojson`
/// and `.csv`, `design_lsoas.csv`, `design.json`, and the alignment outputs of the designed layer.
///
/// # Errors
/// An input error, a design that cannot be made as asked, a region code the lookup does not hold, or an
/// output that cannot be written (previous outputs are then left untouched).
pub fn design_run(job: &DesignJob, out_dir: &Path) -> Result<DesignReport, RunError> {
    design_run_with(job, out_dir, |_, _, _| Vec::new())
}

/// [`design_run`], with more files made from the design (the patches' polygons in the LSOA layer's CRS)
/// written in the same all-or-nothing set: the command line's PNG map.
///
/// # Errors
/// As [`design_run`].
pub fn design_run_with(
    job: &DesignJob,
    out_dir: &Path,
    more: impl FnOnce(&Design, &[geo::MultiPolygon<f64>], footprint_ingest::Crs) -> Vec<(&'static str, Vec<u8>)>,
) -> Result<DesignReport, RunError> {
    let (registrations, rest) = rayon::join(
        || read_with(&job.registrations, read_registrations),
        || -> Result<_, IngestError> {
            let (practices, _) = read_with(&job.practices, read_practice_map)?;
            let (lsoas, _) = read_area_layer(&job.lsoa_areas, &job.lsoa_fields)?;
            Ok((practices, lsoas))
        },
    );
    let (registrations, _) = registrations?;
    let (practices, lsoas) = rest?;
    let regions = regions(&job.regions, &lsoas)?;
    let coverage =
        Coverage::new(lsoas.areas.iter().map(|a| a.geometry.clone()).collect(), coincidence_tolerance(lsoas.crs));
    let cells = Cells::from_layer(&lsoas, &coverage, &registrations, &practices);
    let design = design(&cells, &regions, &job.spec)?;
    let alignment = measure(&design, &lsoas, &registrations, &practices, job);
    let shapes = patch_shapes(&design, &coverage);
    let patches = AreaLayer {
        areas: design
            .patches
            .iter()
            .zip(&shapes)
            .enumerate()
            .map(|(i, (p, shape))| Area {
                code: AreaCode(p.id.clone()),
                name: p.id.clone(),
                geometry: shape.clone(),
                feature_index: i,
            })
            .collect(),
        crs: lsoas.crs,
        ..AreaLayer::default()
    };
    let how = "each LSOA whole in its designed patch";
    let mut files = crate::align::render(&alignment, &practices, Some(&patches), how, &job.output)?;
    files.extend(render(&design, &lsoas, &practices, &shapes, &cells.population, job)?);
    files.extend(more(&design, &shapes, lsoas.crs).into_iter().map(|(name, bytes)| (name.to_owned(), bytes.into())));
    let written = write_all(out_dir, &files)?;
    Ok(DesignReport { design, alignment, written })
}

/// The regions of the job, in LSOA-layer cell numbers.
fn regions(source: &RegionSource, lsoas: &AreaLayer) -> Result<Vec<Region>, RunError> {
    let all: Vec<u32> = (0..lsoas.areas.len() as u32).collect();
    Ok(match source {
        RegionSource::Whole => vec![Region { name: "all".into(), cells: all }],
        RegionSource::Within { path, fields } => {
            let (within, _) = read_area_layer(path, fields)?;
            let codes: Vec<LsoaCode> = lsoas.areas.iter().map(|a| LsoaCode(a.code.as_str().to_owned())).collect();
            // An LSOA in any feature of the layer is in the one region.
            let placed = apportion_by_points(&codes, &interior_points(lsoas), lsoas.crs, &within);
            let cells = all
                .into_iter()
                .filter(|&c| matches!(&placed[c as usize], LsoaTeams::Pieces(p) if !p.is_empty()))
                .collect();
            let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            vec![Region { name: name.split('.').next().unwrap_or_default().to_owned(), cells }]
        }
        RegionSource::Lookup { path, columns, codes } => {
            let (lookup, _) = read_with(path, |f| read_lookup(f, columns))?;
            let mut by_code: std::collections::BTreeMap<&str, Vec<u32>> = std::collections::BTreeMap::new();
            for (c, area) in lsoas.areas.iter().enumerate() {
                if let Some(region) = lookup.map.get(&LsoaCode(area.code.as_str().to_owned())) {
                    by_code.entry(region.as_str()).or_default().push(c as u32);
                }
            }
            for code in codes {
                if !by_code.contains_key(code.as_str()) {
                    return Err(RunError::NoSuchRegion { code: code.clone(), path: path.clone() });
                }
            }
            by_code
                .into_iter()
                .filter(|(code, _)| codes.is_empty() || codes.iter().any(|c| c == code))
                .map(|(code, cells)| Region { name: code.to_owned(), cells })
                .collect()
        }
    })
}

/// The designed layer measured as `footprint align` measures a team layer: each LSOA of a patch wholly
/// in it, the other LSOAs of the layer in no team, the rest unknown.
fn measure(
    design: &Design,
    lsoas: &AreaLayer,
    registrations: &footprint_ingest::RegistrationTable,
    practices: &PracticeMap,
    job: &DesignJob,
) -> Alignment {
    let patch_of = design.patch_of_cells(lsoas.areas.len());
    let index: FxHashMap<&str, usize> = lsoas.areas.iter().enumerate().map(|(i, a)| (a.code.as_str(), i)).collect();
    let placement: Vec<LsoaTeams> = registrations
        .lsoas
        .iter()
        .map(|code| match index.get(code.as_str()) {
            None => LsoaTeams::Unknown,
            Some(&cell) => LsoaTeams::Pieces(patch_of[cell].map(|p| vec![(p, 1.0)]).unwrap_or_default()),
        })
        .collect();
    let names = design.patches.iter().map(|p| p.id.clone()).collect();
    align(registrations, practices, &placement, names, &job.thresholds, job.core_share)
}

/// The design's own files: the patch layer in each format asked for, the LSOA table, `design.json`.
fn render(
    design: &Design,
    lsoas: &AreaLayer,
    practices: &PracticeMap,
    shapes: &[geo::MultiPolygon<f64>],
    population: &[u64],
    job: &DesignJob,
) -> Result<crate::RunFiles<'static>, RunError> {
    let mut files = crate::RunFiles::new();
    if job.output.has(Format::GeoJson) {
        files
            .push((files::DESIGN_PATCHES_GEOJSON.to_owned(), design_patches_geojson(design, lsoas, practices, shapes)));
    }
    let patches = design_patches_table(design, lsoas, practices);
    let lsoa_rows = design_lsoas_table(design, lsoas, population);
    files.push((files::DESIGN_PATCHES_CSV.to_owned(), patches.csv().into()));
    files.push((files::DESIGN_LSOAS_CSV.to_owned(), lsoa_rows.csv().into()));
    files.push((files::DESIGN_JSON.to_owned(), design_json(design, lsoas, job.spec.seed).into()));
    let mut gis = GisLayers::new(&job.output);
    gis.layer(layers::DESIGN_PATCHES, patches, shapes.iter().collect(), lsoas.crs);
    gis.table(layers::DESIGN_LSOAS, lsoa_rows);
    files.extend(gis.render()?);
    Ok(files)
}
