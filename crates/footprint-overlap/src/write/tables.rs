//! The CSV tables: one row per area (`msoa_overlap.csv`) and the long area × PCN table (`msoa_pcn_shares.csv`).

use footprint_ingest::{AreaLayer, PracticeMap};
use rayon::prelude::*;

use super::records::{Records, Value};
use super::{push_f64, push_int, schema};
use crate::{AreaContext, OverlapTable};

/// A CSV being built in memory, cell by cell, and kept as typed [`Records`] for the formats that
/// store types (quoting by the csv crate, numbers formatted here).
///
/// ```
/// let mut csv = footprint_overlap::write::Table::new(&["code".to_owned(), "share".to_owned()]);
/// csv.text("E02000001");
/// csv.float(Some(0.25));
/// csv.end_row();
/// assert_eq!(csv.finish(), b"code,share\nE02000001,0.25\n");
/// ```
pub struct Table {
    names: Vec<String>,
    rows: Vec<Vec<Value>>,
    row: Vec<Value>,
}

impl Table {
    /// A table with this header row.
    #[must_use]
    pub fn new(header: &[String]) -> Self {
        Self { names: header.to_vec(), rows: Vec::new(), row: Vec::with_capacity(header.len()) }
    }

    /// A text field (quoted where CSV needs it; empty is no value).
    pub fn text(&mut self, s: &str) {
        self.row.push(if s.is_empty() { Value::Null } else { Value::Text(s.to_owned()) });
    }

    /// An integer field.
    pub fn int<T: TryInto<i64>>(&mut self, v: T) {
        self.row.push(Value::Int(v.try_into().unwrap_or(i64::MAX)));
    }

    /// A float, or an empty field for none.
    pub fn float(&mut self, v: Option<f64>) {
        self.row.push(v.filter(|v| v.is_finite()).map_or(Value::Null, Value::Float));
    }

    /// A value as it is.
    pub fn value(&mut self, v: Value) {
        self.row.push(v);
    }

    /// The statistics of a count, in the order of [`schema::SERIES_STATISTICS`]: mean, SD, median, P10, P90.
    pub fn statistics(&mut self, d: &crate::Distribution) {
        for v in [d.mean, d.sd, d.median, d.p10, d.p90] {
            self.float(Some(v));
        }
    }

    /// Ends the row.
    pub fn end_row(&mut self) {
        self.rows.push(std::mem::replace(&mut self.row, Vec::with_capacity(self.names.len())));
    }

    /// The CSV's bytes: the rows (each of the header's number of fields) written in blocks side by
    /// side, joined in order: a record's bytes do not depend on the records before it.
    #[must_use]
    pub fn csv(&self) -> Vec<u8> {
        let mut header = csv_writer(Vec::new());
        let _ = header.write_record(&self.names);
        // Writing into a Vec cannot fail.
        let mut out = header.into_inner().unwrap_or_default();
        let blocks: Vec<Vec<u8>> = self.rows.par_chunks(CSV_BLOCK).map(csv_rows).collect();
        out.reserve(blocks.iter().map(Vec::len).sum());
        for block in blocks {
            out.extend_from_slice(&block);
        }
        out
    }

    /// The CSV's bytes (as [`Table::csv`]).
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        self.csv()
    }

    /// The rows as typed records.
    #[must_use]
    pub fn into_records(self) -> Records {
        Records::typed(&self.names, self.rows)
    }
}

/// The rows of `msoa_overlap.csv` (and the attributes of the `msoa_overlap` layer): `msoa_code, msoa_name,
/// population, pcns_all, pcns_ge_<t>pct…, hhi, effective_pcns, top_pcn, top_share, patients_no_pcn,
/// area_km2, population_per_km2`, then each context's columns ([`super::context_columns`]), one row per
/// area in code order.
#[must_use]
pub fn msoa_overlap_table(
    layer: &AreaLayer,
    practices: &PracticeMap,
    table: &OverlapTable,
    area_km2: &[f64],
    contexts: &[AreaContext],
) -> Table {
    let mut csv = Table::new(&super::overlap_columns(table, contexts));
    for (i, row) in table.areas.iter().enumerate() {
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
        for v in super::context_values(contexts, i) {
            csv.value(v);
        }
        csv.end_row();
    }
    csv
}

/// Renders `msoa_pcn_shares.csv`: the bytes of [`msoa_pcn_shares_table`]'s CSV, written straight from the
/// count (blocks of areas in parallel) without building the table's cells.
#[must_use]
pub fn msoa_pcn_shares_csv(layer: &AreaLayer, practices: &PracticeMap, table: &OverlapTable) -> Vec<u8> {
    // Each PCN's code and name as the CSV writer writes them, once: rows are those, an area code and
    // two numbers (which are never quoted).
    let pcns: Vec<Vec<u8>> = practices.pcns.iter().map(|p| csv_fields(&[p.code.as_str(), &p.name])).collect();
    let block = |rows: &[crate::AreaOverlap]| {
        let mut out = Vec::with_capacity(rows.iter().map(|r| r.pcn_patients.len() * 64).sum::<usize>());
        for row in rows {
            let code = csv_fields(&[layer.areas[row.area.index()].code.as_str()]);
            for &(pcn, n) in &row.pcn_patients {
                out.extend_from_slice(&code);
                out.push(b',');
                out.extend_from_slice(&pcns[pcn.index()]);
                out.push(b',');
                push_int(&mut out, n);
                out.push(b',');
                let share = row.share(n);
                if share.is_finite() {
                    push_f64(&mut out, share);
                }
                out.push(b'\n');
            }
        }
        out
    };
    let blocks: Vec<Vec<u8>> = table.areas.par_chunks(256).map(block).collect();
    let mut header = csv_writer(Vec::new());
    let _ = header.write_record(schema::SHARE_COLUMNS);
    let mut out = header.into_inner().unwrap_or_default();
    out.reserve(blocks.iter().map(Vec::len).sum());
    for b in blocks {
        out.extend_from_slice(&b);
    }
    out
}

/// `fields` as the CSV writer writes them within a longer record: each quoted only when it must be,
/// separated by commas (no line ending).
fn csv_fields(fields: &[&str]) -> Vec<u8> {
    let mut w = csv_writer(Vec::new());
    // One more field, empty: a record of one empty field would be written `""`, not as nothing.
    let _ = w.write_record(fields.iter().copied().chain([""]));
    let mut out = w.into_inner().unwrap_or_default();
    out.truncate(out.len().saturating_sub(2));
    out
}

/// Rows of a table written to CSV at a time, side by side.
const CSV_BLOCK: usize = 512;

/// `rows` as CSV records.
fn csv_rows(rows: &[Vec<Value>]) -> Vec<u8> {
    let mut writer = csv_writer(Vec::new());
    let mut field = Vec::with_capacity(32);
    for row in rows {
        for value in row {
            field.clear();
            match value {
                Value::Null => {}
                Value::Int(n) => push_int(&mut field, *n),
                Value::Float(x) => push_f64(&mut field, *x),
                Value::Text(s) => field.extend_from_slice(s.as_bytes()),
            }
            let _ = writer.write_field(&field);
        }
        let _ = writer.write_record(None::<&[u8]>);
    }
    writer.into_inner().unwrap_or_default()
}

/// The CSV writer of every table: the csv crate's quoting, `\n` after each record.
fn csv_writer(out: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out)
}

/// The rows of `msoa_pcn_shares.csv`: `msoa_code, pcn_code, pcn_name, patients, share`, sorted by area then PCN code.
#[must_use]
pub fn msoa_pcn_shares_table(layer: &AreaLayer, practices: &PracticeMap, table: &OverlapTable) -> Table {
    let header = schema::SHARE_COLUMNS.map(String::from);
    let mut csv = Table::new(&header);
    for (code, pcn, patients, share) in share_rows(layer, practices, &table.areas) {
        csv.text(code);
        csv.text(pcn.code.as_str());
        csv.text(&pcn.name);
        csv.int(patients);
        csv.float(Some(share));
        csv.end_row();
    }
    csv
}

/// The rows of `msoa_pcn_shares` for `rows`, in order: the area's code, the PCN, its patients and share.
fn share_rows<'a>(
    layer: &'a AreaLayer,
    practices: &'a PracticeMap,
    rows: &'a [crate::AreaOverlap],
) -> impl Iterator<Item = (&'a str, &'a footprint_ingest::Pcn, u64, f64)> + 'a {
    rows.iter().flat_map(move |row| {
        let code = layer.areas[row.area.index()].code.as_str();
        row.pcn_patients.iter().map(move |&(pcn, n)| (code, &practices.pcns[pcn.index()], n, row.share(n)))
    })
}

#[cfg(test)]
mod tests {
    use footprint_index::SplitMix64;

    use super::{Table, Value, csv_rows, csv_writer};

    /// Rows written in blocks side by side give the bytes one writer gives them all, across blocks'
    /// edges, with fields that need quoting and empty fields.
    #[test]
    fn blocks_of_rows_write_what_one_writer_writes() {
        let mut rng = SplitMix64(9);
        let names = ["code".to_owned(), "name".to_owned(), "n".to_owned()];
        for rows in [0, 1, 511, 512, 513, 1300] {
            let mut table = Table::new(&names);
            let mut all = Vec::new();
            for i in 0..rows {
                let name = ["plain", "a, b", "say \"hi\"", "two\nlines", ""][rng.below(5) as usize];
                let row = vec![Value::Text(format!("E0{i}")), Value::Text(name.to_owned()), Value::Float(rng.unit())];
                for v in &row {
                    table.value(v.clone());
                }
                table.end_row();
                all.push(row);
            }
            for _ in 0..3 {
                table.value(Value::Null);
            }
            table.end_row();
            all.push(vec![Value::Null; 3]);
            let mut header = csv_writer(Vec::new());
            header.write_record(&names).expect("written");
            let mut expected = header.into_inner().expect("written");
            expected.extend(csv_rows(&all));
            assert_eq!(table.csv(), expected, "{rows} rows");
        }
    }
}
