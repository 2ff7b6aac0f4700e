//! Reader for a context file: a class or a score (deprivation, rurality, region, ICB, …) for each LSOA or MSOA code.

use csv::ByteRecord;
use rustc_hash::FxHashMap;

use crate::columns::{CsvSource, line_of};
use crate::{IngestError, InputFile};

/// What a context file describes, which decides the columns looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextKind {
    /// Index of Multiple Deprivation: a score per LSOA (`imd_score`, `IMD_score`).
    Imd,
    /// Rural-Urban Classification: a class code (`ruc11_code`, `ruc21_code`) and the urban/rural flag
    /// (`ruc`, `urban_rural`; else taken from the code: A, B, C and U… urban; D, E and R… rural).
    Ruc,
    /// Region name (`REGION`, `RGN11NM`, …).
    Region,
    /// Integrated Care Board name (`icb24_name`, …).
    Icb,
    /// Any other context, named: its value column is named like the context, or `class`, or `score`
    /// (a column named `score` or ending in `_score` holds numbers, any other classes).
    Named(String),
}

impl ContextKind {
    /// The kind a name given on the command line stands for (`imd`, `ruc`, `region`, `icb`, or any other name).
    ///
    /// ```
    /// use footprint_ingest::ContextKind;
    /// assert_eq!(ContextKind::from_name("IMD"), ContextKind::Imd);
    /// assert_eq!(ContextKind::from_name("ward"), ContextKind::Named("ward".into()));
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "imd" => Self::Imd,
            "ruc" => Self::Ruc,
            "region" => Self::Region,
            "icb" => Self::Icb,
            _ => Self::Named(name.to_owned()),
        }
    }

    /// The name of the context (`imd`, `ruc`, `region`, `icb`, or the given name).
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Imd => "imd",
            Self::Ruc => "ruc",
            Self::Region => "region",
            Self::Icb => "icb",
            Self::Named(n) => n,
        }
    }
}

/// The codes a context file gives values for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ContextLevel {
    /// LSOA codes: an MSOA's value is made from its LSOAs, weighted by their registered residents.
    Lsoa,
    /// MSOA codes: the MSOA's own value.
    Msoa,
}

/// The values of one context column.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ContextValues {
    /// A number per code.
    Score(FxHashMap<String, f64>),
    /// A class per code: an index into `labels`.
    Class {
        /// Each code's class.
        of: FxHashMap<String, u32>,
        /// The classes, in order of first appearance.
        labels: Vec<String>,
    },
}

impl ContextValues {
    /// How many codes have a value.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Score(m) => m.len(),
            Self::Class { of, .. } => of.len(),
        }
    }

    /// Whether no code has a value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One context read from a file: its name, the level of its codes and the value of each.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContextTable {
    /// The name of what it measures: `imd`, `ruc`, `urban_rural`, `region`, `icb` or a given name.
    pub name: String,
    /// LSOA or MSOA codes.
    pub level: ContextLevel,
    /// The code column and the value column, as named in the header.
    pub columns: (String, String),
    /// The values.
    pub values: ContextValues,
}

const LSOA: &[&str] = &["LSOA11CD", "LSOA21CD", "LSOA11_CODE", "LSOA21_CODE", "LSOA_CODE", "LSOACD", "LSOA_2011_CODE"];
const MSOA: &[&str] = &["MSOA11CD", "MSOA21CD", "MSOA11_CODE", "MSOA21_CODE", "MSOA_CODE", "MSOACD"];
const IMD: &[&str] = &["IMD_SCORE", "IMD19_SCORE", "IMD25_SCORE", "INDEX_OF_MULTIPLE_DEPRIVATION_(IMD)_SCORE"];
const RUC: &[&str] = &["RUC11_CODE", "RUC21_CODE", "RUC11CD", "RUC21CD", "RUC_CODE"];
const URBAN_RURAL: &[&str] = &["RUC", "URBAN_RURAL", "URBAN_RURAL_FLAG"];
const REGION: &[&str] = &["REGION", "RGN11NM", "RGN21NM", "RGN22NM", "RGN23NM", "REGION_NAME"];
const ICB: &[&str] = &["ICB24_NAME", "ICB23_NAME", "ICB22_NAME", "ICB_NAME", "ICB"];

/// Reads a context file: an LSOA or MSOA code column (LSOA when it has both) and the value column of
/// `kind`; a RUC file gives two contexts, `ruc` and `urban_rural`.
///
/// ```
/// use footprint_ingest::{ContextKind, ContextLevel, ContextValues, InputFile, read_context};
/// let csv = "msoa11_code,ruc11_code,ruc\nE02000001,A1,Urban\nE02000002,D1,Rural\n";
/// let read = read_context(&InputFile::from_bytes("r.csv", csv.as_bytes().to_vec()), &ContextKind::Ruc)?;
/// assert_eq!((read[0].name.as_str(), read[1].name.as_str()), ("ruc", "urban_rural"));
/// assert_eq!(read[0].level, ContextLevel::Msoa);
/// let ContextValues::Class { of, labels } = &read[1].values else { panic!() };
/// assert_eq!(labels[of["E02000002"] as usize], "Rural");
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// No code column or no value column (naming the columns found), an empty code or class, a score that
/// is not a number, a code given two values, a file with no rows.
pub fn read_context(input: &InputFile, kind: &ContextKind) -> Result<Vec<ContextTable>, IngestError> {
    let mut csv = CsvSource::open(input)?;
    let (code_col, level) = match (csv.find(LSOA), csv.find(MSOA)) {
        (Some(c), _) => (c, ContextLevel::Lsoa),
        (None, Some(c)) => (c, ContextLevel::Msoa),
        (None, None) => {
            let both: Vec<&str> = LSOA.iter().chain(MSOA).copied().collect();
            return Err(csv.require(None, &both).err().unwrap_or_else(|| csv.no_rows()));
        }
    };
    let (value_col, score) = match kind {
        ContextKind::Imd => (csv.require(None, IMD)?, true),
        ContextKind::Ruc => (csv.require(None, RUC)?, false),
        ContextKind::Region => (csv.require(None, REGION)?, false),
        ContextKind::Icb => (csv.require(None, ICB)?, false),
        ContextKind::Named(name) => {
            let col = csv.require(None, &[name.as_str(), "CLASS", "SCORE"])?;
            let header = csv.headers()[col].to_ascii_uppercase();
            (col, header == "SCORE" || header.ends_with("_SCORE"))
        }
    };
    let flag_col = (*kind == ContextKind::Ruc).then(|| csv.find(URBAN_RURAL)).flatten();
    let mut columns = vec![Column::new(kind.name(), value_col, score)];
    if *kind == ContextKind::Ruc {
        columns.push(Column::new("urban_rural", flag_col.unwrap_or(value_col), false));
    }
    let mut record = ByteRecord::new();
    let mut lines: FxHashMap<String, u64> = FxHashMap::default();
    while csv.next(&mut record)? {
        let code = csv.code(&record, code_col)?.to_owned();
        let line = line_of(&record);
        let first_line = *lines.entry(code.clone()).or_insert(line);
        for (i, column) in columns.iter_mut().enumerate() {
            column.push(&csv, &record, &code, (first_line, line), i == 1 && flag_col.is_none())?;
        }
    }
    if lines.is_empty() {
        return Err(csv.no_rows());
    }
    let headers = csv.headers();
    Ok(columns
        .into_iter()
        .map(|c| ContextTable {
            name: c.name,
            level,
            columns: (headers[code_col].clone(), headers[c.index].clone()),
            values: c.values,
        })
        .collect())
}

/// A value column being read.
struct Column {
    name: String,
    index: usize,
    values: ContextValues,
    labels: FxHashMap<String, u32>,
}

impl Column {
    fn new(name: &str, index: usize, score: bool) -> Self {
        let values = if score {
            ContextValues::Score(FxHashMap::default())
        } else {
            ContextValues::Class { of: FxHashMap::default(), labels: Vec::new() }
        };
        Self { name: name.to_owned(), index, values, labels: FxHashMap::default() }
    }

    /// The value of `code` on this record; `derive` takes the urban/rural flag from a RUC code.
    fn push(
        &mut self,
        csv: &CsvSource<'_>,
        record: &ByteRecord,
        code: &str,
        (first_line, line): (u64, u64),
        derive: bool,
    ) -> Result<(), IngestError> {
        let conflict = |first: String, second: String| IngestError::Conflict {
            path: csv.path().to_owned(),
            line,
            key: format!("code {code}"),
            first,
            first_line,
            second,
        };
        match &mut self.values {
            ContextValues::Score(map) => {
                let v = csv.float(record, self.index)?;
                match map.insert(code.to_owned(), v) {
                    Some(first) if first.to_bits() != v.to_bits() => {
                        return Err(conflict(first.to_string(), v.to_string()));
                    }
                    _ => {}
                }
            }
            ContextValues::Class { of, labels } => {
                let text = csv.text(record, self.index)?;
                if text.is_empty() {
                    return Err(csv.bad(record, self.index, "empty class"));
                }
                let label = if derive { urban_rural_of(text) } else { text };
                let Some(label) = (!label.is_empty()).then_some(label) else {
                    return Err(csv.bad(record, self.index, "not a rural-urban classification code"));
                };
                let next = labels.len() as u32;
                let id = *self.labels.entry(label.to_owned()).or_insert_with(|| {
                    labels.push(label.to_owned());
                    next
                });
                match of.insert(code.to_owned(), id) {
                    Some(first) if first != id => {
                        return Err(conflict(labels[first as usize].clone(), label.to_owned()));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Urban or rural from a Rural-Urban Classification code: 2011's A1–C2 and 2021's U… are urban,
/// 2011's D1–E2 and 2021's R… rural; anything else is no code (empty).
fn urban_rural_of(code: &str) -> &'static str {
    match code.as_bytes().first().map(u8::to_ascii_uppercase) {
        Some(b'A' | b'B' | b'C' | b'U') => "Urban",
        Some(b'D' | b'E' | b'R') => "Rural",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context as the test writes it: name, level, (code, value) pairs.
    type Expected<'a> = (&'a str, ContextLevel, Vec<(&'a str, &'a str)>);

    fn check(csv: &str, kind: ContextKind, expected: Result<Vec<Expected<'_>>, &str>) {
        let got = read_context(&InputFile::from_bytes("c.csv", csv.as_bytes().to_vec()), &kind).map(|tables| {
            tables
                .into_iter()
                .map(|t| {
                    let mut values: Vec<(String, String)> = match &t.values {
                        ContextValues::Score(m) => m.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
                        ContextValues::Class { of, labels } => {
                            of.iter().map(|(k, v)| (k.clone(), labels[*v as usize].clone())).collect()
                        }
                    };
                    values.sort();
                    (t.name, t.level, values)
                })
                .collect::<Vec<_>>()
        });
        let expected = expected
            .map(|tables| {
                tables
                    .into_iter()
                    .map(|(n, l, v)| {
                        (n.to_owned(), l, v.into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())).collect())
                    })
                    .collect::<Vec<_>>()
            })
            .map_err(str::to_owned);
        assert_eq!(got.map_err(|e| e.to_string()), expected, "input {csv:?}");
    }

    #[test]
    fn scores_classes_and_levels() {
        use ContextLevel::{Lsoa, Msoa};
        let imd = "lsoa11cd,imd_score,imd_decile\nE1,12.5,3\nE2,40,1\n";
        check(imd, ContextKind::Imd, Ok(vec![("imd", Lsoa, vec![("E1", "12.5"), ("E2", "40")])]));
        let iod = "lsoa21_code,IMD_decile,IMD_score\nE3,8.0,8.742\n";
        check(iod, ContextKind::Imd, Ok(vec![("imd", Lsoa, vec![("E3", "8.742")])]));
        // No flag column: urban/rural from the code.
        let ruc = "MSOA21CD,ruc21_code\nM1,UN1\nM2,RSF1\n";
        check(
            ruc,
            ContextKind::Ruc,
            Ok(vec![
                ("ruc", Msoa, vec![("M1", "UN1"), ("M2", "RSF1")]),
                ("urban_rural", Msoa, vec![("M1", "Urban"), ("M2", "Rural")]),
            ]),
        );
        // A lookup with both codes is read at the LSOA level; a code repeated with the same value is accepted.
        let region = "LSOA_CODE,MSOA_CODE,REGION\nL1,M1,London\nL1,M1,London\nL2,M1,North East\n";
        check(region, ContextKind::Region, Ok(vec![("region", Lsoa, vec![("L1", "London"), ("L2", "North East")])]));
        let named = "msoa_code,ward_score\nM1,2.5\n";
        check(named, ContextKind::Named("ward_score".into()), Ok(vec![("ward_score", Msoa, vec![("M1", "2.5")])]));
        let class = "lsoa_code,class\nL1,a\n";
        check(class, ContextKind::Named("ward".into()), Ok(vec![("ward", Lsoa, vec![("L1", "a")])]));
    }

    #[test]
    fn bad_files_name_the_file_line_and_columns() {
        check(
            "code,imd_score\nE1,3\n",
            ContextKind::Imd,
            Err(
                "c.csv: line 1: no column LSOA11CD or LSOA21CD or LSOA11_CODE or LSOA21_CODE or LSOA_CODE or LSOACD or LSOA_2011_CODE or MSOA11CD or MSOA21CD or MSOA11_CODE or MSOA21_CODE or MSOA_CODE or MSOACD in the header (found: code,imd_score)",
            ),
        );
        check(
            "lsoa11cd,imd_rank\nE1,3\n",
            ContextKind::Imd,
            Err(
                "c.csv: line 1: no column IMD_SCORE or IMD19_SCORE or IMD25_SCORE or INDEX_OF_MULTIPLE_DEPRIVATION_(IMD)_SCORE in the header (found: lsoa11cd,imd_rank)",
            ),
        );
        check(
            "lsoa11cd,imd_score\nE1,high\n",
            ContextKind::Imd,
            Err("c.csv: line 2, column 2 (imd_score): not a number: \"high\""),
        );
        check(
            "lsoa11cd,region\nE1,London\nE1,Wales\n",
            ContextKind::Region,
            Err("c.csv: line 3: code E1 is mapped to \"Wales\" here but to \"London\" on line 2"),
        );
        check(
            "lsoa11cd,region\nE1,\n",
            ContextKind::Region,
            Err("c.csv: line 2, column 2 (region): empty class: \"\""),
        );
        check(
            "msoa11cd,ruc11_code\nM1,Z9\n",
            ContextKind::Ruc,
            Err("c.csv: line 2, column 2 (ruc11_code): not a rural-urban classification code: \"Z9\""),
        );
        check("lsoa11cd,icb\n", ContextKind::Icb, Err("c.csv: line 2: no data rows after the header"));
    }
}
