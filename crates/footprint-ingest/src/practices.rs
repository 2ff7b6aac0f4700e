//! Reader for the practice → PCN map (`gp-reg-pat-prac-map.csv`; PCN code `U` means the practice is in no PCN).

use csv::ByteRecord;
use rustc_hash::FxHashMap;

use crate::columns::{CsvSource, line_of};
use crate::{IngestError, InputFile, Pcn, PcnCode, PcnId, PracticeCode};

/// Where the practice map puts a practice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PracticePcn {
    /// In this PCN.
    Pcn(PcnId),
    /// Listed with PCN code `U` (or an empty PCN code): in no PCN.
    NoPcn,
}

/// The practice → PCN map, with PCNs sorted by code.
#[derive(Clone, Debug, Default)]
pub struct PracticeMap {
    /// Every PCN named in the map, sorted by code; a [`PcnId`] indexes this.
    pub pcns: Vec<Pcn>,
    /// Each practice's PCN.
    pub practices: FxHashMap<PracticeCode, PracticePcn>,
    /// The `EXTRACT_DATE` of the first row, when the file has that column.
    pub extract_date: Option<String>,
}

impl PracticeMap {
    /// The PCN of a practice, or `None` when the practice is not in the map.
    ///
    /// ```
    /// use footprint_ingest::{InputFile, PracticeCode, PracticePcn, read_practice_map};
    /// let csv = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA1,U0001,NORTH PCN\nA2,U,\n";
    /// let map = read_practice_map(&InputFile::from_bytes("map.csv", csv.as_bytes().to_vec()))?;
    /// assert_eq!(map.pcns[0].name, "NORTH PCN");
    /// assert_eq!(map.pcn_of(&PracticeCode::from("A2")), Some(PracticePcn::NoPcn));
    /// assert_eq!(map.pcn_of(&PracticeCode::from("Z9")), None);
    /// # Ok::<(), footprint_ingest::IngestError>(())
    /// ```
    #[must_use]
    pub fn pcn_of(&self, practice: &PracticeCode) -> Option<PracticePcn> {
        self.practices.get(practice).copied()
    }
}

const PRACTICE: &[&str] = &["PRACTICE_CODE", "ORGANISATIONCODE", "PARTNER_ORGANISATION_CODE", "PRAC_CODE", "PCODE"];
/// ODS ePCN's "PCN Core Partner Details" lists ended relationships too: a row with an end date is skipped.
const END_DATE: &[&str] = &["PRACTICE_TO_PCN_RELATIONSHIP_END_DATE"];
/// `PCN` last: local maps (Pennine Lancashire's) name the PCN in a column of that name, with no code.
const PCN: &[&str] = &["PCN_CODE", "PCN_ORG_CODE", "PCN"];
const PCN_NAME: &[&str] = &["PCN_NAME", "PCN_ORG_NAME"];

/// Reads a practice → PCN map: columns `PRACTICE_CODE`, `PCN_CODE` and (optional) `PCN_NAME`; without a name
/// column a PCN is named by its code.
///
/// A practice listed twice with the same PCN is accepted; with two different PCNs it is an error.
/// A PCN listed with different names keeps the name on its first line. Rows whose
/// `Practice to PCN Relationship End Date` is filled (ODS ePCN's ended relationships) are skipped.
///
/// An Excel workbook (`ePCN.xlsx` as ODS publishes it, alone or in its zip) is read from its first
/// sheet with practice and PCN columns (ePCN's "PCN Core Partner Details"); lines in errors are the
/// sheet's rows.
///
/// # Errors
/// A missing column, a malformed record, a practice mapped to two PCNs, an empty file.
pub fn read_practice_map(input: &InputFile) -> Result<PracticeMap, IngestError> {
    if crate::workbook::is_workbook(input.content()) {
        return read_practice_map(&crate::workbook::sheet_as_csv(input, &[PRACTICE, PCN])?);
    }
    let mut csv = CsvSource::open(input)?;
    let practice_col = csv.require(None, PRACTICE)?;
    let pcn_col = csv.require(None, PCN)?;
    let name_col = csv.find(PCN_NAME);
    let date_col = csv.find(&["EXTRACT_DATE"]);
    let end_col = csv.find(END_DATE);

    // practice -> (PCN code or None, line)
    let mut seen: FxHashMap<String, (Option<String>, u64)> = FxHashMap::default();
    let mut names: FxHashMap<String, String> = FxHashMap::default();
    let mut extract_date = None;
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        let line = line_of(&record);
        if let Some(c) = end_col
            && !csv.text(&record, c)?.is_empty()
        {
            continue;
        }
        let practice = csv.code(&record, practice_col)?;
        let pcn = csv.text(&record, pcn_col)?;
        let pcn = (!pcn.is_empty() && pcn != "U").then(|| pcn.to_owned());
        if extract_date.is_none()
            && let Some(c) = date_col
        {
            extract_date = Some(csv.text(&record, c)?.to_owned());
        }
        if let Some(code) = &pcn
            && !names.contains_key(code)
        {
            // With no name column the PCN is known by its code alone.
            let name = match name_col {
                Some(c) => csv.text(&record, c)?.to_owned(),
                None => code.clone(),
            };
            names.insert(code.clone(), name);
        }
        match seen.get(practice) {
            Some((first, first_line)) if *first != pcn => {
                let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "U".into());
                return Err(IngestError::Conflict {
                    path: input.path.clone(),
                    line,
                    key: format!("practice {practice}"),
                    first: show(first),
                    first_line: *first_line,
                    second: show(&pcn),
                });
            }
            Some(_) => {}
            None => {
                seen.insert(practice.to_owned(), (pcn, line));
            }
        }
    }
    if seen.is_empty() {
        return Err(csv.no_rows());
    }

    let mut pcns: Vec<Pcn> = names.into_iter().map(|(code, name)| Pcn { code: PcnCode(code), name }).collect();
    pcns.sort_by(|a, b| a.code.cmp(&b.code));
    let ids: FxHashMap<&str, PcnId> =
        pcns.iter().enumerate().map(|(i, p)| (p.code.as_str(), PcnId(i as u32))).collect();
    let practices = seen
        .iter()
        .map(|(practice, (pcn, _))| {
            let place = match pcn {
                Some(code) => PracticePcn::Pcn(ids[code.as_str()]),
                None => PracticePcn::NoPcn,
            };
            (PracticeCode(practice.clone()), place)
        })
        .collect();
    Ok(PracticeMap { pcns, practices, extract_date })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(csv: &str) -> Result<PracticeMap, IngestError> {
        read_practice_map(&InputFile::from_bytes("map.csv", csv.as_bytes().to_vec()))
    }

    #[test]
    fn pcns_are_sorted_by_code_and_u_means_no_pcn() {
        let m =
            read("PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,U2,Second\nB,U1,First\nC,U,\nD,U2,Second again\nA,U2,Second\n")
                .unwrap();
        assert_eq!(m.pcns.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["U1", "U2"]);
        assert_eq!(m.pcns[1].name, "Second");
        assert_eq!(m.pcn_of(&"A".into()), Some(PracticePcn::Pcn(PcnId(1))));
        assert_eq!(m.pcn_of(&"B".into()), Some(PracticePcn::Pcn(PcnId(0))));
        assert_eq!(m.pcn_of(&"C".into()), Some(PracticePcn::NoPcn));
        assert_eq!(m.pcn_of(&"E".into()), None);
    }

    #[test]
    fn ended_epcn_relationships_are_skipped() {
        let m = read(
            "Partner Organisation Code,PCN Code,PCN Name,Practice to PCN Relationship End Date\nA,U1,Old,20200831\nA,U2,New,\nB,U1,Old,\n",
        )
        .unwrap();
        assert_eq!(m.pcn_of(&"A".into()), Some(PracticePcn::Pcn(PcnId(1))));
        assert_eq!(m.pcns.len(), 2);
    }

    #[test]
    fn a_practice_in_two_pcns_is_an_error() {
        let err = read("PRACTICE_CODE,PCN_CODE\nA,U1\nB,U1\nA,U2\n").unwrap_err();
        assert_eq!(err.to_string(), "map.csv: line 4: practice A is mapped to \"U2\" here but to \"U1\" on line 2");
    }
}
