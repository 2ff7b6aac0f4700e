//! The inputs of a series of runs: the manifest naming each publication, and the edit files that move
//! practices between PCNs (scenarios).

use std::path::{Path, PathBuf};

use csv::ByteRecord;
use rustc_hash::FxHashMap;

use crate::columns::{CsvSource, line_of};
use crate::{IngestError, InputFile, PcnId, PracticeCode, PracticeMap, PracticePcn};

/// One row of a series manifest: a publication (registrations and practice map), or a scenario (the same
/// with an edit file applied to the map).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestRow {
    /// The publication's label, unique in the manifest.
    pub label: String,
    /// Its registrations file (relative paths are taken from the manifest's folder).
    pub registrations: PathBuf,
    /// Its practice → PCN map.
    pub practices: PathBuf,
    /// Its date, when the manifest gives one (else the registrations' `EXTRACT_DATE`).
    pub date: Option<String>,
    /// An edit file applied to the map, when the row is a scenario.
    pub edits: Option<PathBuf>,
    /// The manifest line.
    pub line: u64,
}

/// Reads a manifest CSV: columns `label`, `registrations`, `practices` and, optionally, `date` and `edits`.
///
/// ```
/// use footprint_ingest::{InputFile, read_manifest};
/// let dir = std::env::temp_dir();
/// std::fs::write(dir.join("r.csv"), "x").unwrap();
/// std::fs::write(dir.join("m.csv"), "x").unwrap();
/// let csv = "label,registrations,practices\nJul2022,r.csv,m.csv\n";
/// let rows = read_manifest(&InputFile::from_bytes(dir.join("series.csv"), csv.as_bytes().to_vec()))?;
/// assert_eq!(rows[0].registrations, dir.join("r.csv"));
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// A missing column, a malformed record, a label used twice, a file that does not exist, an empty file.
pub fn read_manifest(input: &InputFile) -> Result<Vec<ManifestRow>, IngestError> {
    let mut csv = CsvSource::open(input)?;
    let label_col = csv.require(None, &["LABEL"])?;
    let regs_col = csv.require(None, &["REGISTRATIONS"])?;
    let map_col = csv.require(None, &["PRACTICES", "PRACTICE_MAP"])?;
    let date_col = csv.find(&["DATE"]);
    let edits_col = csv.find(&["EDITS"]);
    let base = input.path.parent().unwrap_or(Path::new(""));
    let mut rows: Vec<ManifestRow> = Vec::new();
    let mut labels: FxHashMap<String, u64> = FxHashMap::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        let line = line_of(&record);
        let label = csv.code(&record, label_col)?.to_owned();
        if let Some(&first) = labels.get(&label) {
            return Err(IngestError::Csv {
                path: input.path.clone(),
                line,
                message: format!("label {label:?} is already used on line {first}"),
            });
        }
        labels.insert(label.clone(), line);
        let file = |col: usize| -> Result<PathBuf, IngestError> {
            let path = base.join(csv.code(&record, col)?);
            if path.exists() { Ok(path) } else { Err(csv.bad(&record, col, "no such file")) }
        };
        let (registrations, practices) = (file(regs_col)?, file(map_col)?);
        let optional = |col: Option<usize>| -> Result<Option<String>, IngestError> {
            Ok(match col {
                Some(c) => Some(csv.text(&record, c)?.to_owned()).filter(|t| !t.is_empty()),
                None => None,
            })
        };
        let date = optional(date_col)?;
        let edits = match optional(edits_col)? {
            Some(_) => Some(file(edits_col.unwrap_or_default())?),
            None => None,
        };
        rows.push(ManifestRow { label, registrations, practices, date, edits, line });
    }
    if rows.is_empty() {
        return Err(csv.no_rows());
    }
    Ok(rows)
}

/// The practice map with the edits of an edit file applied: columns `practice_code` and `pcn_code`, each
/// row moving a practice of the map to a PCN of the map (or to `U`, no PCN). Merging two PCNs is moving
/// every practice of one into the other. PCNs keep their ids, so a PCN left with no practice has no patients.
///
/// ```
/// use footprint_ingest::{InputFile, PracticePcn, read_practice_edits, read_practice_map};
/// let map = read_practice_map(&InputFile::from_bytes("m.csv", b"PRACTICE_CODE,PCN_CODE\nA,P1\nB,P2\n".to_vec()))?;
/// let edits = InputFile::from_bytes("e.csv", b"practice_code,pcn_code\nB,P1\n".to_vec());
/// let merged = read_practice_edits(&edits, &map)?;
/// assert_eq!(merged.pcn_of(&"B".into()), merged.pcn_of(&"A".into()));
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// A missing column, a malformed record, a practice or a PCN not in the map, a practice moved twice to
/// different PCNs, an empty file.
pub fn read_practice_edits(input: &InputFile, map: &PracticeMap) -> Result<PracticeMap, IngestError> {
    let mut csv = CsvSource::open(input)?;
    let practice_col = csv.require(None, &["PRACTICE_CODE"])?;
    let pcn_col = csv.require(None, &["PCN_CODE"])?;
    let ids: FxHashMap<&str, PcnId> =
        map.pcns.iter().enumerate().map(|(i, p)| (p.code.as_str(), PcnId(i as u32))).collect();
    let mut edited = map.clone();
    let mut seen: FxHashMap<String, (String, u64)> = FxHashMap::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        let line = line_of(&record);
        let practice = PracticeCode::from(csv.code(&record, practice_col)?);
        let pcn = csv.code(&record, pcn_col)?;
        let place = match pcn {
            "U" => PracticePcn::NoPcn,
            code => PracticePcn::Pcn(
                *ids.get(code).ok_or_else(|| csv.bad(&record, pcn_col, "PCN not in the practice map"))?,
            ),
        };
        if map.pcn_of(&practice).is_none() {
            return Err(csv.bad(&record, practice_col, "practice not in the practice map"));
        }
        if let Some((first, first_line)) = seen.get(practice.as_str())
            && first != pcn
        {
            return Err(IngestError::Conflict {
                path: input.path.clone(),
                line,
                key: format!("practice {practice}"),
                first: first.clone(),
                first_line: *first_line,
                second: pcn.to_owned(),
            });
        }
        seen.insert(practice.0.clone(), (pcn.to_owned(), line));
        edited.practices.insert(practice, place);
    }
    if seen.is_empty() {
        return Err(csv.no_rows());
    }
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> PracticeMap {
        crate::read_practice_map(&InputFile::from_bytes(
            "m.csv",
            b"PRACTICE_CODE,PCN_CODE\nA,P1\nB,P2\nC,P2\n".to_vec(),
        ))
        .unwrap()
    }

    fn check(edits: &str, expected: Result<&[(&str, Option<&str>)], &str>) {
        let got = read_practice_edits(&InputFile::from_bytes("e.csv", edits.as_bytes().to_vec()), &map());
        match (got, expected) {
            (Ok(m), Ok(want)) => {
                for (practice, pcn) in want {
                    let place = m.pcn_of(&(*practice).into()).unwrap();
                    let code = match place {
                        PracticePcn::Pcn(id) => Some(m.pcns[id.index()].code.as_str()),
                        PracticePcn::NoPcn => None,
                    };
                    assert_eq!(code, *pcn, "{practice}");
                }
            }
            (Err(e), Err(want)) => assert_eq!(e.to_string(), want),
            (got, want) => panic!("{got:?} but expected {want:?}"),
        }
    }

    #[test]
    fn edits_move_and_merge_and_name_what_is_wrong() {
        check("practice_code,pcn_code\nB,P1\nC,P1\n", Ok(&[("A", Some("P1")), ("B", Some("P1")), ("C", Some("P1"))]));
        check("practice_code,pcn_code\nA,U\n", Ok(&[("A", None), ("B", Some("P2"))]));
        check(
            "practice_code,pcn_code\nZ,P1\n",
            Err("e.csv: line 2, column 1 (practice_code): practice not in the practice map: \"Z\""),
        );
        check(
            "practice_code,pcn_code\nA,P9\n",
            Err("e.csv: line 2, column 2 (pcn_code): PCN not in the practice map: \"P9\""),
        );
        check(
            "practice_code,pcn_code\nA,P2\nA,P1\n",
            Err("e.csv: line 3: practice A is mapped to \"P1\" here but to \"P2\" on line 2"),
        );
    }

    #[test]
    fn manifests_name_missing_files_and_repeated_labels() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.csv"), "x").unwrap();
        std::fs::write(dir.path().join("m.csv"), "x").unwrap();
        let read = |csv: &str| read_manifest(&InputFile::from_bytes(dir.path().join("s.csv"), csv.as_bytes().to_vec()));
        let rows = read("label,registrations,practices,date,edits\nA,r.csv,m.csv,2022-07-01,\nB,r.csv,m.csv,,m.csv\n")
            .unwrap();
        assert_eq!(rows[0].date.as_deref(), Some("2022-07-01"));
        assert_eq!(
            (rows[1].date.as_deref(), rows[1].edits.as_deref()),
            (None, Some(dir.path().join("m.csv").as_path()))
        );
        let path = dir.path().join("s.csv").display().to_string();
        assert_eq!(
            read("label,registrations,practices\nA,r.csv,m.csv\nA,r.csv,m.csv\n").unwrap_err().to_string(),
            format!("{path}: line 3: label \"A\" is already used on line 2")
        );
        assert_eq!(
            read("label,registrations,practices\nA,nope.csv,m.csv\n").unwrap_err().to_string(),
            format!("{path}: line 2, column 2 (registrations): no such file: \"nope.csv\"")
        );
    }
}
