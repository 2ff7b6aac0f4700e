//! Typed records: the rows of a table or the attributes of a layer, as values with a type per column,
//! for the formats that store types (GeoPackage, FlatGeobuf, shapefile). The CSV tables are
//! rendered from the same records ([`super::Table`]).

use super::Written;
use footprint_ingest::Crs;

/// One value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// No value: an empty CSV field, a GeoJSON `null`, SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A finite number.
    Float(f64),
    /// Text (never empty: an empty text is [`Value::Null`]).
    Text(String),
}

/// The type of a column: the widest of its values (text over numbers, numbers over integers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Integers (64-bit).
    Int,
    /// Numbers (64-bit floating point).
    Float,
    /// Text (UTF-8).
    Text,
}

/// A column: its name and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The name, as in the CSV header.
    pub name: String,
    /// The type.
    pub kind: Kind,
}

/// Rows of typed values under named, typed columns.
///
/// ```
/// use footprint_overlap::write::{Kind, Table, Value};
/// let mut t = Table::new(&["code".to_owned(), "n".to_owned(), "share".to_owned()]);
/// t.text("E1");
/// t.int(3u32);
/// t.float(None);
/// t.end_row();
/// let records = t.into_records();
/// assert_eq!(records.columns.iter().map(|c| c.kind).collect::<Vec<_>>(), [Kind::Text, Kind::Int, Kind::Text]);
/// assert_eq!(records.rows[0], [Value::Text("E1".into()), Value::Int(3), Value::Null]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Records {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, each one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl Records {
    /// Records of these columns and rows, each column typed by its values (all `Null`: text).
    #[must_use]
    pub fn typed(names: &[String], rows: Vec<Vec<Value>>) -> Self {
        let columns = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut kind = None;
                for row in &rows {
                    kind = match (kind, row.get(i)) {
                        (_, Some(Value::Text(_))) | (Some(Kind::Text), _) => Some(Kind::Text),
                        (_, Some(Value::Float(_))) | (Some(Kind::Float), _) => Some(Kind::Float),
                        (_, Some(Value::Int(_))) => Some(Kind::Int),
                        (k, _) => k,
                    };
                }
                Column { name: name.clone(), kind: kind.unwrap_or(Kind::Text) }
            })
            .collect();
        Self { columns, rows }
    }
}

/// A layer or table as the typed formats write it: a name (the file or table name without extension),
/// records, and for a layer one geometry per row.
pub struct Layer<'a> {
    /// The name: `msoa_overlap`, `pcn_footprints`, `msoa_pcn_shares`, …
    pub name: &'a str,
    /// Its rows.
    pub records: &'a Records,
    /// The geometry of each row, as written; `None` for a table.
    pub geometry: Option<&'a [Written]>,
    /// The CRS of the geometry.
    pub crs: Crs,
}

impl Layer<'_> {
    /// The bounding box of every geometry `(min x, min y, max x, max y)`, if any.
    #[must_use]
    pub fn bbox(&self) -> Option<[f64; 4]> {
        self.geometry?
            .iter()
            .filter_map(Written::bbox)
            .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
    }
}
