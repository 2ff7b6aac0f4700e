//! The layers and tables of a run gathered for the GIS formats: records with their polygons as
//! written in the output CRS, rendered by footprint-gis once every layer is in.

use footprint_ingest::Crs;
use footprint_overlap::write::{Format, Layer, Records, Table, Written, written};
use geo::MultiPolygon;
use rayon::prelude::*;

use crate::{Output, RunError};

/// Layers and tables waiting to be written in the job's GIS formats (nothing is kept when the job asks
/// only for GeoJSON).
pub(crate) struct GisLayers<'a> {
    output: &'a Output,
    wanted: bool,
    layers: Vec<(&'static str, Records, Vec<Written>)>,
    tables: Vec<(&'static str, Records)>,
}

impl<'a> GisLayers<'a> {
    pub(crate) fn new(output: &'a Output) -> Self {
        let wanted = output.formats.iter().any(|&f| f != Format::GeoJson);
        Self { output, wanted, layers: Vec::new(), tables: Vec::new() }
    }

    /// Whether any format but GeoJSON is asked for (else layers and tables given are dropped).
    pub(crate) fn wanted(&self) -> bool {
        self.wanted
    }

    pub(crate) fn output(&self) -> &Output {
        self.output
    }

    /// A layer: the rows of `table`, row i with `shapes[i]` (in `crs`), snapped in the output CRS.
    pub(crate) fn layer(&mut self, name: &'static str, table: Table, shapes: Vec<&MultiPolygon<f64>>, crs: Crs) {
        if self.wanted {
            let to = self.output.crs;
            let geometry = shapes.par_iter().map(|s| written(&s.0, crs, to)).collect();
            self.layers.push((name, table.into_records(), geometry));
        }
    }

    /// As [`GisLayers::layer`], with the shapes already as written in WGS84 (`wgs84[i]` is `shapes[i]`),
    /// taken as they are when the output CRS is WGS84.
    pub(crate) fn layer_with_wgs84(
        &mut self,
        name: &'static str,
        table: Table,
        shapes: Vec<&MultiPolygon<f64>>,
        crs: Crs,
        wgs84: &[Written],
    ) {
        if self.wanted && self.output.crs == Crs::Wgs84 {
            self.layers.push((name, table.into_records(), wgs84.to_vec()));
        } else {
            self.layer(name, table, shapes, crs);
        }
    }

    /// A table without geometry.
    pub(crate) fn table(&mut self, name: &'static str, table: Table) {
        if self.wanted {
            self.tables.push((name, table.into_records()));
        }
    }

    /// Every file of the GIS formats.
    pub(crate) fn render(self) -> Result<crate::RunFiles<'static>, RunError> {
        if !self.wanted {
            return Ok(Vec::new());
        }
        let crs = self.output.crs;
        let layers: Vec<Layer> = self
            .layers
            .iter()
            .map(|(name, records, geometry)| Layer { name, records, geometry: Some(geometry), crs })
            .collect();
        let tables: Vec<Layer> =
            self.tables.iter().map(|(name, records)| Layer { name, records, geometry: None, crs }).collect();
        let files = footprint_gis::render(&self.output.formats, &layers, &tables)?;
        Ok(files.into_iter().map(|(name, bytes)| (name, bytes.into())).collect())
    }
}
