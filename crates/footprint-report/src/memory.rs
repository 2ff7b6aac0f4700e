//! The pictures' view of a run taken from the analysis in memory, exactly as a reader of the run's
//! output directory would get it back (same coordinates, shares, order), so a report drawn either way
//! is byte for byte the same.

use std::path::Path;

use footprint_footprints::Footprint;
use footprint_ingest::{AreaFields, AreaLayer, PracticeMap};
use footprint_overlap::OverlapTable;
use footprint_overlap::write::{Written, as_written, schema, size_fields, summary_json};
use footprint_run::{Analysis, Loaded, PreparedCache};
use geo::MultiPolygon;
use rayon::prelude::*;

use crate::{AreaData, ContextClass, Display, DisplayShape, Measure, Outline, PcnInfo, ReportError, RunData, Share};

/// What the pictures of a run need of its area layer alone, made while the analysis runs: each area's
/// polygons as `msoa_overlap.geojson` holds them (read back from the prepared layer's GeoJSON texts when
/// there are some, else snapped again), in layer order, and their [`Display`].
pub struct LayerPictures {
    geometry: Vec<MultiPolygon<f64>>,
    display: Display,
}

impl LayerPictures {
    /// The polygons and display of the areas of `loaded`.
    #[must_use]
    pub fn of(loaded: &Loaded) -> Self {
        Self::kept(loaded, &PreparedCache::Off, &AreaFields::default())
    }

    /// As [`LayerPictures::of`], the display's shape ([`DisplayShape`]) kept in `cache` beside the
    /// prepared layer (read with `fields`) and loaded from there after; made each time when the layer
    /// was not read through its prepared form.
    #[must_use]
    pub fn kept(loaded: &Loaded, cache: &PreparedCache, fields: &AreaFields) -> Self {
        let layer = &loaded.layer;
        let texts = loaded.areas_prepared.as_ref().map(|p| &p.geometry);
        let geometry: Vec<MultiPolygon<f64>> = (0..layer.areas.len())
            .into_par_iter()
            .map(|i| {
                texts.and_then(|t| t.read_back(i)).unwrap_or_else(|| as_written(&layer.areas[i].geometry.0, layer.crs))
            })
            .collect();
        let wgs84: Vec<&MultiPolygon<f64>> = geometry.iter().collect();
        // Only a layer read through its prepared form is identified by its file's sha256 alone.
        let display = Display::with(&wgs84, |make| match &loaded.areas_prepared {
            Some(_) => cache.derived(
                &loaded.areas_meta,
                &format!("display {fields:?}"),
                |s: &DisplayShape| s.fits(&wgs84),
                make,
            ),
            None => make(),
        });
        // Made now, for the footprints' outlines, while the analysis runs.
        display.vertices(&wgs84);
        Self { geometry, display }
    }
}

impl RunData {
    /// The run `analysis` of `loaded` as [`RunData::read`] would read it back from `dir` once written,
    /// with `layer`, the [`LayerPictures::of`] `loaded`.
    ///
    /// # Errors
    /// [`ReportError::Json`] if the run's summary cannot be read back (it always can).
    pub fn from_analysis(
        dir: &Path,
        loaded: &Loaded,
        analysis: &Analysis,
        layer_pictures: LayerPictures,
    ) -> Result<Self, ReportError> {
        let (layer, table) = (&loaded.layer, &analysis.table);
        let summary_bytes = summary_json(&analysis.summary_inputs(loaded));
        let summary = serde_json::from_slice(&summary_bytes)
            .map_err(|e| ReportError::Json { path: dir.join(schema::files::SUMMARY_JSON), message: e.to_string() })?;
        let measures = schema::area_columns(&table.thresholds)
            .iter()
            .filter(|c| schema::is_count_column(c))
            .map(|c| Measure::from_column(c))
            .collect();
        let (pcns, shares) = shares(table, &loaded.practices);
        let footprints = analysis.footprints.as_ref().map(|fp| outlines(&fp.footprints, &fp.wgs84, &loaded.practices));
        Ok(Self {
            dir: dir.to_owned(),
            measures,
            areas: areas(layer, table, &analysis.area_km2, layer_pictures.geometry),
            pcns,
            shares,
            summary,
            footprints,
            teams: None,
            context: analysis
                .context
                .classes
                .iter()
                .map(|c| ContextClass {
                    context: c.context.clone(),
                    class: c.class.clone(),
                    msoas: c.msoas,
                    residents: c.residents,
                    means: c.counts.iter().map(|d| d.mean).collect(),
                })
                .collect(),
            pcn_sizes: analysis.context.pcns.iter().map(|p| p.list_size).collect(),
            display: std::sync::OnceLock::from(layer_pictures.display),
        })
    }
}

/// Every area's row of `msoa_overlap.csv` with its polygons as `msoa_overlap.geojson` holds them
/// (`geometry`, in layer order).
fn areas(layer: &AreaLayer, table: &OverlapTable, area_km2: &[f64], geometry: Vec<MultiPolygon<f64>>) -> Vec<AreaData> {
    // One row per area of the layer, in layer order (`OverlapTable::areas`).
    table
        .areas
        .iter()
        .zip(geometry)
        .map(|(row, geometry)| {
            let area = &layer.areas[row.area.index()];
            let mut counts = Vec::with_capacity(1 + row.pcns_at_or_above.len());
            counts.push(row.pcns_all);
            counts.extend(&row.pcns_at_or_above);
            AreaData {
                code: area.code.as_str().to_owned(),
                name: area.name.clone(),
                population: row.population,
                counts,
                density: size_fields(row.population, area_km2[row.area.index()]).1,
                geometry,
            }
        })
        .collect()
}

/// The PCNs of `msoa_pcn_shares.csv` in code order, and each area's shares largest first (ties by code).
fn shares(table: &OverlapTable, practices: &PracticeMap) -> (Vec<PcnInfo>, Vec<Vec<Share>>) {
    let mut used = vec![false; practices.pcns.len()];
    for row in &table.areas {
        for &(pcn, _) in &row.pcn_patients {
            used[pcn.index()] = true;
        }
    }
    let mut rank = vec![u32::MAX; used.len()];
    let mut pcns = Vec::new();
    for (i, _) in used.iter().enumerate().filter(|(_, u)| **u) {
        rank[i] = u32::try_from(pcns.len()).unwrap_or(u32::MAX);
        let pcn = &practices.pcns[i];
        pcns.push(PcnInfo { code: pcn.code.as_str().to_owned(), name: pcn.name.clone() });
    }
    let shares = table
        .areas
        .iter()
        .map(|row| {
            let mut area: Vec<Share> = row
                .pcn_patients
                .iter()
                .map(|&(pcn, patients)| Share { pcn: rank[pcn.index()], patients, share: row.share(patients) })
                .collect();
            area.sort_by(|a, b| b.patients.cmp(&a.patients).then(a.pcn.cmp(&b.pcn)));
            area
        })
        .collect();
    (pcns, shares)
}

/// The footprints as `pcn_footprints.geojson` holds them (`wgs84[i]` the shape of `footprints[i]` as
/// written), in its order.
fn outlines(footprints: &[Footprint], wgs84: &[Written], practices: &PracticeMap) -> Vec<Outline> {
    footprints
        .par_iter()
        .zip(wgs84)
        .map(|(f, shape)| Outline {
            key: practices.pcns[f.pcn.index()].code.as_str().to_owned(),
            group: f.method.name().to_owned(),
            geometry: shape.to_geo(),
        })
        .collect()
}
