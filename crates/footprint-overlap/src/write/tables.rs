//! The CSV tables: one row per area (`msoa_overlap.csv`) and the long area × PCN table (`msoa_pcn_shares.csv`).

use footprint_ingest::{AreaLayer, PracticeMap};

use super::{push_f64, push_int, schema};
use crate::OverlapTable;

/// A CSV being built in memory (quoting by the csv crate, numbers formatted here).
///
/// ```
/// let mut csv = footprint_overlap::write::Table::new(&["code".to_owned(), "share".to_owned()]);
/// csv.text("E02000001");
/// csv.float(Some(0.25));
/// csv.end_row();
/// assert_eq!(csv.finish(), b"code,share\nE02000001,0.25\n");
/// ```
pub struct Table {
    writer: csv::Writer<Vec<u8>>,
    field: Vec<u8>,
}

impl Table {
    /// A table with this header row.
    #[must_use]
    pub fn new(header: &[String]) -> Self {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        let _ = writer.write_record(header);
        Self { writer, field: Vec::with_capacity(32) }
    }

    /// A text field (quoted where CSV needs it).
    pub fn text(&mut self, s: &str) {
        let _ = self.writer.write_field(s);
    }

    /// An integer field.
    pub fn int(&mut self, v: impl itoa::Integer) {
        self.field.clear();
        push_int(&mut self.field, v);
        let _ = self.writer.write_field(&self.field);
    }

    /// A float, or an empty field for none.
    pub fn float(&mut self, v: Option<f64>) {
        self.field.clear();
        if let Some(v) = v.filter(|v| v.is_finite()) {
            push_f64(&mut self.field, v);
        }
        let _ = self.writer.write_field(&self.field);
    }

    /// Ends the row.
    pub fn end_row(&mut self) {
        let _ = self.writer.write_record(None::<&[u8]>);
    }

    /// The CSV's bytes.
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        // Writing into a Vec cannot fail.
        self.writer.into_inner().unwrap_or_default()
    }
}

/// Renders `msoa_overlap.csv`: `msoa_code, msoa_name, population, pcns_all, pcns_ge_<t>pct…, hhi,
/// effective_pcns, top_pcn, top_share, patients_no_pcn, area_km2, population_per_km2`, one row per area in code order.
#[must_use]
pub fn msoa_overlap_csv(layer: &AreaLayer, practices: &PracticeMap, table: &OverlapTable, area_km2: &[f64]) -> Vec<u8> {
    let mut csv = Table::new(&schema::area_columns(&table.thresholds));
    for row in &table.areas {
        let area = &layer.areas[row.area.index()];
        csv.text(area.code.as_str());
        csv.text(&area.name);
        csv.int(row.population);
        csv.int(row.pcns_all);
        for &count in &row.pcns_at_or_above {
            csv.int(count);
        }
        csv.float(row.hhi);
        csv.float(row.effective_pcns);
        csv.text(row.top.map_or("", |(pcn, _)| practices.pcns[pcn.index()].code.as_str()));
        csv.float(row.top.map(|(_, n)| row.share(n)));
        csv.int(row.patients_no_pcn);
        let (km2, density) = super::geojson::size_fields(row.population, area_km2[row.area.index()]);
        csv.float(km2);
        csv.float(density);
        csv.end_row();
    }
    csv.finish()
}

/// Renders `msoa_pcn_shares.csv`: `msoa_code, pcn_code, pcn_name, patients, share`, sorted by area then PCN code.
#[must_use]
pub fn msoa_pcn_shares_csv(layer: &AreaLayer, practices: &PracticeMap, table: &OverlapTable) -> Vec<u8> {
    let header = schema::SHARE_COLUMNS.map(String::from);
    let mut csv = Table::new(&header);
    for row in &table.areas {
        let code = layer.areas[row.area.index()].code.as_str();
        for &(pcn, patients) in &row.pcn_patients {
            let pcn_entry = &practices.pcns[pcn.index()];
            csv.text(code);
            csv.text(pcn_entry.code.as_str());
            csv.text(&pcn_entry.name);
            csv.int(patients);
            csv.float(Some(row.share(patients)));
            csv.end_row();
        }
    }
    csv.finish()
}
