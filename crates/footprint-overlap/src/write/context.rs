//! The context outputs: each MSOA's context columns (in `msoa_overlap.csv` and `.geojson`),
//! `overlap_by_context.csv` and `pcns.csv`.

use footprint_ingest::{AreaLayer, PracticeMap};

use super::records::Value;
use super::{Table, schema};
use crate::{AreaContext, AreaValues, ClassRow, OverlapTable, PcnRow, Threshold};

/// The names of the context columns of `msoa_overlap.csv`, context by context.
#[must_use]
pub fn context_columns(contexts: &[AreaContext]) -> Vec<String> {
    contexts.iter().flat_map(AreaContext::columns).collect()
}

/// The columns of `msoa_overlap.csv` (and the properties of its GeoJSON layer): the area columns of
/// the table's thresholds, then the contexts'.
#[must_use]
pub fn overlap_columns(table: &OverlapTable, contexts: &[AreaContext]) -> Vec<String> {
    let mut columns = schema::area_columns(&table.thresholds);
    columns.extend(context_columns(contexts));
    columns
}

/// The values of the context columns of area `i` (an index into the table's areas), in column order.
#[must_use]
pub fn context_values(contexts: &[AreaContext], i: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for c in contexts {
        match &c.values {
            AreaValues::Score { score, decile, .. } => {
                out.push(score[i].map_or(Value::Null, Value::Float));
                out.push(decile[i].map_or(Value::Null, |d| Value::Int(i64::from(d))));
            }
            AreaValues::Class { labels, of } => {
                out.push(of[i].map_or(Value::Null, |k| Value::Text(labels[k as usize].clone())));
            }
        }
    }
    out
}

/// The rows of `overlap_by_context.csv` ([`schema::by_context_columns`]).
#[must_use]
pub fn by_context_table(rows: &[ClassRow], thresholds: &[Threshold]) -> Table {
    let mut csv = Table::new(&schema::by_context_columns(thresholds));
    for row in rows {
        csv.text(&row.context);
        csv.text(&row.class);
        csv.int(row.msoas);
        csv.int(row.residents);
        csv.int(row.residents_without_value);
        for d in &row.counts {
            csv.statistics(d);
        }
        csv.float(Some(row.hhi_mean));
        csv.float(Some(row.effective_pcns_mean));
        csv.end_row();
    }
    csv
}

/// The rows of `pcns.csv` ([`schema::pcn_columns`]): one per PCN with registered patients, in code order.
#[must_use]
pub fn pcns_table(rows: &[PcnRow], practices: &PracticeMap, layer: &AreaLayer, thresholds: &[Threshold]) -> Table {
    let mut csv = Table::new(&schema::pcn_columns(thresholds));
    for row in rows {
        let pcn = &practices.pcns[row.pcn.index()];
        csv.text(pcn.code.as_str());
        csv.text(&pcn.name);
        csv.int(row.practices);
        csv.int(row.list_size);
        csv.int(row.msoas_any);
        for &n in &row.msoas_at_or_above {
            csv.int(n);
        }
        for &n in &row.patients_at_or_above {
            csv.float(Some(row.list_share(n)));
        }
        csv.text(row.top.map_or("", |(a, _)| layer.areas[a].code.as_str()));
        csv.float(row.top.map(|(_, n)| row.list_share(n)));
        csv.text(row.band.label());
        csv.end_row();
    }
    csv
}
