//! The ONS LSOA 2011 → LSOA 2021 exact-fit lookup (change codes U, S, M, X), LSOA populations, and the
//! census vintage a set of LSOA codes is of.

use csv::ByteRecord;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::columns::{CsvSource, line_of};
use crate::numbered::ByNumber;
use crate::{IngestError, InputFile, LsoaCode, RegistrationTable, Vintage};

/// How an LSOA changed between the 2011 and 2021 censuses (the lookup's `CHGIND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// `U`: the same area, with the same code.
    Unchanged,
    /// `S`: one 2011 LSOA split into several 2021 LSOAs.
    Split,
    /// `M`: several 2011 LSOAs merged into one 2021 LSOA.
    Merged,
    /// `X`: redrawn; the 2011 and 2021 LSOAs overlap in pieces.
    Complex,
}

/// One row of the exact-fit lookup: a piece shared by a 2011 and a 2021 LSOA.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LsoaPair {
    /// The 2011 LSOA.
    pub lsoa11: LsoaCode,
    /// The 2021 LSOA.
    pub lsoa21: LsoaCode,
    /// How the 2011 LSOA became the 2021 one.
    pub change: Change,
}

/// The exact-fit lookup: every piece shared by a 2011 and a 2021 LSOA, indexed both ways. Kept (and
/// prepared) as its pieces alone: the indexes are made again from them.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<LsoaPair>", into = "Vec<LsoaPair>")]
pub struct VintageLookup {
    /// The pieces, sorted by 2011 then 2021 code.
    pub pairs: Vec<LsoaPair>,
    by_2011: Pieces,
    by_2021: Pieces,
}

impl From<Vec<LsoaPair>> for VintageLookup {
    fn from(pairs: Vec<LsoaPair>) -> Self {
        Self::new(pairs)
    }
}

impl From<VintageLookup> for Vec<LsoaPair> {
    fn from(lookup: VintageLookup) -> Self {
        lookup.pairs
    }
}

/// The pieces of each code of one vintage, found by the code without a copy of it: runs of pair
/// indices, each run the pieces of one code in pair order; census codes find their run by number,
/// any other by a table keyed by its hash (compared through the pairs themselves).
#[derive(Clone, Debug, Default)]
struct Pieces {
    /// Pair indices, grouped by this vintage's code.
    order: Vec<u32>,
    /// Each code's run of `order`: start and end, in order of first appearance.
    runs: Vec<(u32, u32)>,
    /// The run of each census code.
    by_number: ByNumber,
    /// The run of each other code.
    by_hash: HashTable<u32>,
}

impl Pieces {
    /// Indexes `pairs` by the code `side` takes of each.
    fn new(pairs: &[LsoaPair], side: fn(&LsoaPair) -> &LsoaCode) -> Self {
        let mut pieces = Self::default();
        // Each pair's run, and the first pair of each run (while `order` is not yet filled).
        let mut run_of = Vec::with_capacity(pairs.len());
        let mut first: Vec<u32> = Vec::new();
        for (i, p) in pairs.iter().enumerate() {
            let code = side(p);
            let number = ByNumber::number(code.as_str().as_bytes());
            let found = match number {
                Some(n) => pieces.by_number.get(n),
                None => pieces.by_hash.find(hash(code), |&r| side(&pairs[first[r as usize] as usize]) == code).copied(),
            };
            let run = found.unwrap_or_else(|| {
                let run = first.len() as u32;
                match number {
                    Some(n) => pieces.by_number.insert(n, run),
                    None => {
                        let rehash = |&r: &u32| hash(side(&pairs[first[r as usize] as usize]));
                        pieces.by_hash.insert_unique(hash(code), run, rehash);
                    }
                }
                first.push(i as u32);
                pieces.runs.push((0, 0));
                run
            });
            pieces.runs[run as usize].1 += 1;
            run_of.push(run);
        }
        // Counts to runs, then each pair into its run, in pair order.
        let mut start = 0;
        for run in &mut pieces.runs {
            let len = run.1;
            *run = (start, start);
            start += len;
        }
        pieces.order = vec![0; pairs.len()];
        for (i, &run) in run_of.iter().enumerate() {
            let end = &mut pieces.runs[run as usize].1;
            pieces.order[*end as usize] = i as u32;
            *end += 1;
        }
        pieces
    }

    /// The pieces of `code`, if it has any.
    fn get<'a>(&'a self, pairs: &[LsoaPair], side: fn(&LsoaPair) -> &LsoaCode, code: &LsoaCode) -> Option<&'a [u32]> {
        let run = match ByNumber::number(code.as_str().as_bytes()) {
            Some(n) => self.by_number.get(n)?,
            None => {
                let first = |r: u32| self.order[self.runs[r as usize].0 as usize] as usize;
                *self.by_hash.find(hash(code), |&r| side(&pairs[first(r)]) == code)?
            }
        };
        let (start, end) = self.runs[run as usize];
        Some(&self.order[start as usize..end as usize])
    }
}

/// The hash a [`Pieces`] table keys a code by.
fn hash(code: &LsoaCode) -> u64 {
    FxBuildHasher.hash_one(code.as_str())
}

/// The 2011 code of a piece.
fn lsoa11(p: &LsoaPair) -> &LsoaCode {
    &p.lsoa11
}

/// The 2021 code of a piece.
fn lsoa21(p: &LsoaPair) -> &LsoaCode {
    &p.lsoa21
}

/// Which vintages know an LSOA code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeVintage {
    /// A code of both (an LSOA unchanged in 2021 keeps its code).
    Both,
    /// A code of this vintage only.
    Only(Vintage),
    /// Not an LSOA code of either (`NO2011`, `CLOSED`, a Scottish code, …).
    Neither,
}

impl VintageLookup {
    /// Indexes pieces (in any order; they are sorted here).
    #[must_use]
    pub fn new(mut pairs: Vec<LsoaPair>) -> Self {
        pairs.sort_by(|a, b| (&a.lsoa11, &a.lsoa21).cmp(&(&b.lsoa11, &b.lsoa21)));
        pairs.dedup_by(|a, b| a.lsoa11 == b.lsoa11 && a.lsoa21 == b.lsoa21);
        let (by_2011, by_2021) = (Pieces::new(&pairs, lsoa11), Pieces::new(&pairs, lsoa21));
        Self { pairs, by_2011, by_2021 }
    }

    /// The pieces of an LSOA of vintage `of` (indices into [`VintageLookup::pairs`], in code order of
    /// the other vintage), or `None` if it is not an LSOA of that vintage.
    ///
    /// ```
    /// use footprint_ingest::{Change, LsoaPair, Vintage, VintageLookup};
    /// let pair = |a: &str, b: &str, change| LsoaPair { lsoa11: a.into(), lsoa21: b.into(), change };
    /// let lookup = VintageLookup::new(vec![pair("E1", "E3", Change::Split), pair("E1", "E2", Change::Split)]);
    /// let pieces = lookup.pieces(&"E1".into(), Vintage::Census2011).unwrap();
    /// assert_eq!(lookup.pairs[pieces[0] as usize].lsoa21.as_str(), "E2");
    /// assert!(lookup.pieces(&"E1".into(), Vintage::Census2021).is_none());
    /// ```
    #[must_use]
    pub fn pieces(&self, code: &LsoaCode, of: Vintage) -> Option<&[u32]> {
        match of {
            Vintage::Census2011 => self.by_2011.get(&self.pairs, lsoa11, code),
            Vintage::Census2021 => self.by_2021.get(&self.pairs, lsoa21, code),
        }
    }

    /// The code's piece on the other side of `pair`: its 2021 LSOA for a 2011 code, and the reverse.
    #[must_use]
    pub fn counterpart(&self, pair: u32, of: Vintage) -> &LsoaCode {
        let p = &self.pairs[pair as usize];
        match of {
            Vintage::Census2011 => &p.lsoa21,
            Vintage::Census2021 => &p.lsoa11,
        }
    }

    /// Which vintages know `code`.
    #[must_use]
    pub fn vintage_of(&self, code: &LsoaCode) -> CodeVintage {
        let known = |of| self.pieces(code, of).is_some();
        match (known(Vintage::Census2011), known(Vintage::Census2021)) {
            (true, true) => CodeVintage::Both,
            (true, false) => CodeVintage::Only(Vintage::Census2011),
            (false, true) => CodeVintage::Only(Vintage::Census2021),
            (false, false) => CodeVintage::Neither,
        }
    }

    /// The vintage of a set of codes (a lookup's, a centroid file's), by how many are of each only.
    #[must_use]
    pub fn vintage_of_codes<'a>(&self, codes: impl IntoIterator<Item = &'a LsoaCode>) -> Detected {
        let mut only = [0u64; 2];
        for code in codes {
            if let CodeVintage::Only(v) = self.vintage_of(code) {
                only[usize::from(v == Vintage::Census2021)] += 1;
            }
        }
        Detected::from_counts(only[0], only[1])
    }

    /// How the LSOA codes of a registrations table divide between the vintages, with their rows and patients.
    #[must_use]
    pub fn mix(&self, registrations: &RegistrationTable) -> VintageMix {
        let kinds: Vec<CodeVintage> = registrations.lsoas.par_iter().map(|c| self.vintage_of(c)).collect();
        let mut mix = VintageMix::default();
        for &kind in &kinds {
            mix.tally(kind).codes += 1;
        }
        // Rows and patients summed in parallel: sums of integers, the same in any order.
        let rows = registrations.rows.par_chunks(1 << 16).map(|rows| {
            let mut mix = VintageMix::default();
            for row in rows {
                let t = mix.tally(kinds[row.lsoa.index()]);
                t.rows += 1;
                t.patients += u64::from(row.patients);
            }
            mix
        });
        for part in rows.collect::<Vec<_>>() {
            mix.add_rows(&part);
        }
        mix
    }
}

/// Codes, rows and patients of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Distinct codes.
    pub codes: u64,
    /// Rows with them.
    pub rows: u64,
    /// Patients on those rows.
    pub patients: u64,
}

/// The LSOA codes of a registrations table by the vintages that know them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VintageMix {
    /// Codes of 2011 only (retired in 2021).
    pub only_2011: Tally,
    /// Codes of 2021 only (new in 2021).
    pub only_2021: Tally,
    /// Codes of both (unchanged LSOAs).
    pub both: Tally,
    /// Codes of neither (`NO2011`, `CLOSED`, Scottish, …).
    pub neither: Tally,
}

impl VintageMix {
    /// Adds the rows and patients of `other`, kind by kind.
    fn add_rows(&mut self, other: &Self) {
        let pairs = [
            (&mut self.only_2011, other.only_2011),
            (&mut self.only_2021, other.only_2021),
            (&mut self.both, other.both),
            (&mut self.neither, other.neither),
        ];
        for (t, o) in pairs {
            (t.rows, t.patients) = (t.rows + o.rows, t.patients + o.patients);
        }
    }

    fn tally(&mut self, kind: CodeVintage) -> &mut Tally {
        match kind {
            CodeVintage::Only(Vintage::Census2011) => &mut self.only_2011,
            CodeVintage::Only(Vintage::Census2021) => &mut self.only_2021,
            CodeVintage::Both => &mut self.both,
            CodeVintage::Neither => &mut self.neither,
        }
    }

    /// The vintage the codes are of.
    ///
    /// ```
    /// use footprint_ingest::{Detected, Tally, Vintage, VintageMix};
    /// let mut mix = VintageMix::default();
    /// mix.only_2021 = Tally { codes: 239, rows: 1_000, patients: 42_180 };
    /// assert_eq!(mix.vintage(), Detected::Census(Vintage::Census2021));
    /// ```
    #[must_use]
    pub fn vintage(&self) -> Detected {
        Detected::from_counts(self.only_2011.codes, self.only_2021.codes)
    }

    /// The codes only of vintage `v`.
    #[must_use]
    pub fn only(&self, v: Vintage) -> Tally {
        match v {
            Vintage::Census2011 => self.only_2011,
            Vintage::Census2021 => self.only_2021,
        }
    }
}

/// What the codes of a file say about its vintage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detected {
    /// Codes of this vintage only (and codes both know).
    Census(Vintage),
    /// Codes only 2011 knows and codes only 2021 knows.
    Mixed,
    /// No code that only one vintage knows (every code unchanged, or none an LSOA code).
    Undetermined,
}

impl Detected {
    fn from_counts(only_2011: u64, only_2021: u64) -> Self {
        match (only_2011 > 0, only_2021 > 0) {
            (true, true) => Detected::Mixed,
            (true, false) => Detected::Census(Vintage::Census2011),
            (false, true) => Detected::Census(Vintage::Census2021),
            (false, false) => Detected::Undetermined,
        }
    }
}

impl std::fmt::Display for Detected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Detected::Census(v) => write!(f, "{v}"),
            Detected::Mixed => f.write_str("mixed"),
            Detected::Undetermined => f.write_str("undetermined"),
        }
    }
}

const LSOA11: &[&str] = &["LSOA11CD", "LSOA11_CODE", "F_LSOA11CD", "LSOA_2011_CODE"];
const LSOA21: &[&str] = &["LSOA21CD", "LSOA21_CODE", "LSOA_2021_CODE"];
const CHANGE: &[&str] = &["CHGIND", "CHANGE_CODE", "CHANGE"];

/// Reads the ONS LSOA (2011) to LSOA (2021) exact-fit lookup: one row per piece, with its change code.
///
/// ```
/// use footprint_ingest::{Change, InputFile, read_vintage_lookup};
/// let csv = "lsoa11_code,change_code,lsoa21_code\nE01000001,U,E01000001\nE01000002,S,E01035000\nE01000002,S,E01035001\n";
/// let lookup = read_vintage_lookup(&InputFile::from_bytes("x.csv", csv.as_bytes().to_vec()))?;
/// assert_eq!(lookup.pairs.len(), 3);
/// assert_eq!(lookup.pairs[2].change, Change::Split);
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// A missing column, a malformed record, an empty code, a change code other than U, S, M or X, a pair
/// given twice with different change codes, an empty file.
pub fn read_vintage_lookup(input: &InputFile) -> Result<VintageLookup, IngestError> {
    let mut csv = CsvSource::open(input)?;
    let c11 = csv.require(None, LSOA11)?;
    let c21 = csv.require(None, LSOA21)?;
    let cchange = csv.require(None, CHANGE)?;
    // About 36,000 pieces in the ONS lookup of England and Wales.
    let mut first: FxHashMap<(LsoaCode, LsoaCode), (Change, u64)> =
        FxHashMap::with_capacity_and_hasher(1 << 16, rustc_hash::FxBuildHasher);
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        let lsoa11 = LsoaCode::from(csv.code(&record, c11)?);
        let lsoa21 = LsoaCode::from(csv.code(&record, c21)?);
        let change = match csv.text(&record, cchange)? {
            "U" => Change::Unchanged,
            "S" => Change::Split,
            "M" => Change::Merged,
            "X" => Change::Complex,
            _ => return Err(csv.bad(&record, cchange, "change code must be U, S, M or X")),
        };
        let line = line_of(&record);
        let key = (lsoa11, lsoa21);
        if let Some(&(seen, seen_line)) = first.get(&key) {
            if seen != change {
                return Err(IngestError::Conflict {
                    path: input.path.clone(),
                    line,
                    key: format!("LSOA {} -> {}", key.0, key.1),
                    first: letter(seen).into(),
                    first_line: seen_line,
                    second: letter(change).into(),
                });
            }
            continue;
        }
        first.insert(key, (change, line));
    }
    if first.is_empty() {
        return Err(csv.no_rows());
    }
    Ok(VintageLookup::new(
        first.into_iter().map(|((lsoa11, lsoa21), (change, _))| LsoaPair { lsoa11, lsoa21, change }).collect(),
    ))
}

fn letter(c: Change) -> &'static str {
    match c {
        Change::Unchanged => "U",
        Change::Split => "S",
        Change::Merged => "M",
        Change::Complex => "X",
    }
}

/// Resident population by LSOA code (the weights that apportion an LSOA spanning areas).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LsoaPopulations {
    /// The population of each LSOA.
    pub map: FxHashMap<LsoaCode, u64>,
    /// The population column, as named in the header.
    pub column: String,
}

const POP_LSOA: &[&str] = &["LSOA11CD", "LSOA21CD", "LSOA_CODE", "LSOACD"];
const POPULATION: &[&str] = &["POPULATION_MID2015", "POPULATION", "POPULATION_(TOTAL)", "ALL_AGES", "TOTAL"];

/// Reads LSOA populations: an LSOA code column and a whole-number population column.
///
/// ```
/// use footprint_ingest::{InputFile, read_lsoa_populations};
/// let csv = "LSOA11CD,LSOA11NM,POPULATION_MID2015\nE01000001,City of London 001A,1296\n";
/// let p = read_lsoa_populations(&InputFile::from_bytes("p.csv", csv.as_bytes().to_vec()))?;
/// assert_eq!(p.map[&"E01000001".into()], 1296);
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// A missing column, a malformed record, a population that is not a whole number, an LSOA given two
/// different populations, an empty file.
pub fn read_lsoa_populations(input: &InputFile) -> Result<LsoaPopulations, IngestError> {
    let mut csv = CsvSource::open(input)?;
    let lsoa_col = csv.require(None, POP_LSOA)?;
    let pop_col = csv.require(None, POPULATION)?;
    let mut map: FxHashMap<LsoaCode, (u64, u64)> = FxHashMap::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        let code = LsoaCode::from(csv.code(&record, lsoa_col)?);
        let population = u64::from(csv.count(&record, pop_col)?);
        let line = line_of(&record);
        match map.get(&code) {
            Some(&(first, first_line)) if first != population => {
                return Err(IngestError::Conflict {
                    path: input.path.clone(),
                    line,
                    key: format!("LSOA {code}"),
                    first: first.to_string(),
                    first_line,
                    second: population.to_string(),
                });
            }
            Some(_) => {}
            None => {
                map.insert(code, (population, line));
            }
        }
    }
    if map.is_empty() {
        return Err(csv.no_rows());
    }
    Ok(LsoaPopulations {
        map: map.into_iter().map(|(k, (p, _))| (k, p)).collect(),
        column: csv.headers()[pop_col].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(csv: &str) -> Result<VintageLookup, IngestError> {
        read_vintage_lookup(&InputFile::from_bytes("x.csv", csv.as_bytes().to_vec()))
    }

    fn check_error(csv: &str, expected: &str) {
        assert_eq!(lookup(csv).unwrap_err().to_string(), expected);
    }

    #[test]
    fn bad_lookups_name_the_line_and_value() {
        check_error(
            "LSOA11CD,CHGIND,LSOA21CD\nA,U,A\nB,Q,C\n",
            "x.csv: line 3, column 2 (CHGIND): change code must be U, S, M or X: \"Q\"",
        );
        check_error(
            "LSOA11CD,CHGIND,LSOA21CD\nA,S,B\nA,M,B\n",
            "x.csv: line 3: LSOA A -> B is mapped to \"M\" here but to \"S\" on line 2",
        );
        check_error(
            "LSOA11CD,LSOA21CD\nA,A\n",
            "x.csv: line 1: no column CHGIND or CHANGE_CODE or CHANGE in the header (found: LSOA11CD,LSOA21CD)",
        );
        check_error("LSOA11CD,CHGIND,LSOA21CD\n,U,A\n", "x.csv: line 2, column 1 (LSOA11CD): empty code: \"\"");
    }

    fn check_detected(codes: &[&str], expected: Detected) {
        let l = lookup("LSOA11CD,CHGIND,LSOA21CD\nU1,U,U1\nOLD,S,NEW1\nOLD,S,NEW2\n").unwrap();
        let codes: Vec<LsoaCode> = codes.iter().map(|c| LsoaCode::from(*c)).collect();
        assert_eq!(l.vintage_of_codes(&codes), expected, "{codes:?}");
    }

    #[test]
    fn detection_counts_codes_only_one_vintage_knows() {
        check_detected(&["U1", "OLD", "NO2011"], Detected::Census(Vintage::Census2011));
        check_detected(&["U1", "NEW1", "CLOSED"], Detected::Census(Vintage::Census2021));
        check_detected(&["OLD", "NEW2"], Detected::Mixed);
        check_detected(&["U1", "L1"], Detected::Undetermined);
    }

    #[test]
    fn the_mix_counts_rows_and_patients() {
        let l = lookup("LSOA11CD,CHGIND,LSOA21CD\nU1,U,U1\nOLD,S,NEW1\nOLD,S,NEW2\n").unwrap();
        let regs = crate::read_registrations(&InputFile::from_bytes(
            "r.csv",
            b"PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,U1,5\nA,NEW1,7\nB,NEW1,1\nB,EMPTY,2\n".to_vec(),
        ))
        .unwrap();
        let mix = l.mix(&regs);
        assert_eq!(mix.both, Tally { codes: 1, rows: 1, patients: 5 });
        assert_eq!(mix.only_2021, Tally { codes: 1, rows: 2, patients: 8 });
        assert_eq!(mix.neither, Tally { codes: 1, rows: 1, patients: 2 });
        assert_eq!(mix.only_2011, Tally::default());
    }

    #[test]
    fn populations_conflict_and_column() {
        let read = |csv: &str| read_lsoa_populations(&InputFile::from_bytes("p.csv", csv.as_bytes().to_vec()));
        let p = read("LSOA11CD,Population (Total)\nA,10\nA,10\n").unwrap();
        assert_eq!((p.map[&"A".into()], p.column.as_str()), (10, "Population (Total)"));
        assert_eq!(
            read("LSOA11CD,POPULATION\nA,10\nA,11\n").unwrap_err().to_string(),
            "p.csv: line 3: LSOA A is mapped to \"11\" here but to \"10\" on line 2"
        );
        assert_eq!(
            read("LSOA11CD,POPULATION\nA,ten\n").unwrap_err().to_string(),
            "p.csv: line 2, column 2 (POPULATION): not a whole number: \"ten\""
        );
    }
}
