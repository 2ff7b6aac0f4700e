//! Reader for an LSOA → area (MSOA) lookup CSV, with the two columns detected by name or chosen.

use csv::ByteRecord;
use rustc_hash::FxHashMap;

use crate::columns::{CsvSource, line_of};
use crate::{AreaCode, IngestError, InputFile, LsoaCode};

/// Which columns of a lookup to read; `None` means detect.
#[derive(Clone, Debug, Default)]
pub struct LookupColumns {
    /// The LSOA code column (detected: `LSOA11CD`, `LSOA21CD`, `LSOA_CODE`, …).
    pub lsoa: Option<String>,
    /// The area code column (detected: `MSOA11CD`, `MSOA21CD`, `MSOA_CODE`, …).
    pub area: Option<String>,
}

/// LSOA code → area code.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct AreaLookup {
    /// The mapping.
    pub map: FxHashMap<LsoaCode, AreaCode>,
    /// The columns used, as named in the header.
    pub columns: (String, String),
}

const LSOA: &[&str] = &["LSOA11CD", "LSOA21CD", "LSOA_CODE", "LSOA11_CODE", "LSOA21_CODE", "LSOACD", "LSOA_2011_CODE"];
const AREA: &[&str] = &["MSOA11CD", "MSOA21CD", "MSOA_CODE", "MSOA11_CODE", "MSOA21_CODE", "MSOACD", "MSOA_2011_CODE"];

/// Reads a lookup CSV. An LSOA listed twice with the same area is accepted; with two areas it is an error.
///
/// ```
/// use footprint_ingest::{InputFile, LookupColumns, read_lookup};
/// let csv = "LSOA_CODE,MSOA_CODE,LAD_CODE\nE01000001,E02000001,E09000001\n";
/// let l = read_lookup(&InputFile::from_bytes("l.csv", csv.as_bytes().to_vec()), &LookupColumns::default())?;
/// assert_eq!(l.map[&"E01000001".into()].as_str(), "E02000001");
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// A missing column, a malformed record, an LSOA mapped to two areas, an empty file.
pub fn read_lookup(input: &InputFile, columns: &LookupColumns) -> Result<AreaLookup, IngestError> {
    let mut csv = CsvSource::open(input)?;
    let lsoa_col = csv.require(columns.lsoa.as_deref(), LSOA)?;
    let area_col = csv.require(columns.area.as_deref(), AREA)?;
    let mut map: FxHashMap<LsoaCode, AreaCode> = FxHashMap::default();
    let mut lines: FxHashMap<LsoaCode, u64> = FxHashMap::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        let lsoa = LsoaCode(csv.code(&record, lsoa_col)?.to_owned());
        let area = AreaCode(csv.code(&record, area_col)?.to_owned());
        let line = line_of(&record);
        if let Some(first) = map.get(&lsoa) {
            if *first != area {
                return Err(IngestError::Conflict {
                    path: input.path.clone(),
                    line,
                    key: format!("LSOA {lsoa}"),
                    first: first.0.clone(),
                    first_line: lines[&lsoa],
                    second: area.0,
                });
            }
            continue;
        }
        lines.insert(lsoa.clone(), line);
        map.insert(lsoa, area);
    }
    if map.is_empty() {
        return Err(csv.no_rows());
    }
    let headers = csv.headers();
    Ok(AreaLookup { map, columns: (headers[lsoa_col].clone(), headers[area_col].clone()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_columns_override_detection_and_conflicts_are_errors() {
        let csv = "LSOA11CD,MSOA11CD,OTHER\nL1,M1,X1\nL2,M1,X2\nL1,M1,X3\n";
        let input = InputFile::from_bytes("l.csv", csv.as_bytes().to_vec());
        let detected = read_lookup(&input, &LookupColumns::default()).unwrap();
        assert_eq!(detected.map[&"L2".into()], "M1".into());
        let chosen =
            read_lookup(&input, &LookupColumns { lsoa: None, area: Some("other".into()) }).unwrap_err().to_string();
        assert_eq!(chosen, "l.csv: line 4: LSOA L1 is mapped to \"X3\" here but to \"X1\" on line 2");
        let missing = read_lookup(&input, &LookupColumns { lsoa: Some("LSOA21CD".into()), area: None }).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "l.csv: line 1: no column LSOA21CD in the header (found: LSOA11CD,MSOA11CD,OTHER)"
        );
    }
}
