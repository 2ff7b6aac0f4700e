//! Reader for NHS Digital's "patients registered at a GP practice by LSOA of residence" CSV (`gp-reg-pat-prac-lsoa-all.csv`).

use std::io::Read;

use csv::ByteRecord;
use rustc_hash::FxHashMap;

use crate::columns::{CsvSource, Record, fields_error, line_of};
use crate::numbered::ByNumber;
use crate::plain::{PlainLines, Stop, Unsure};
use crate::{IngestError, InputFile, LsoaCode, LsoaId, PracticeCode, PracticeId};

/// One row of the registrations file: patients registered at a practice who live in an LSOA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The practice.
    pub practice: PracticeId,
    /// The LSOA of residence.
    pub lsoa: LsoaId,
    /// The number of patients.
    pub patients: u32,
}

/// Every row of a registrations file, with practice and LSOA codes interned in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegistrationTable {
    /// Practice codes; a [`PracticeId`] indexes this.
    pub practices: Vec<PracticeCode>,
    /// Practice names as in the file (empty when there is no name column), parallel to `practices`.
    pub practice_names: Vec<String>,
    /// LSOA codes as found (including non-area codes such as `NO2011`); an [`LsoaId`] indexes this.
    pub lsoas: Vec<LsoaCode>,
    /// The rows, in file order.
    #[serde(with = "packed_rows")]
    pub rows: Vec<Registration>,
    /// The `EXTRACT_DATE` of the first row, when the file has that column.
    pub extract_date: Option<String>,
    /// Rows repeating a practice × LSOA pair already seen: their patients are summed with the first (line numbers of the first few).
    pub duplicate_rows: DuplicateRows,
}

/// Rows that repeat a practice × LSOA pair: the rule is that their patients are summed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DuplicateRows {
    /// How many rows repeat an earlier pair.
    pub count: u64,
    /// The line numbers of the first ten such rows.
    pub first_lines: Vec<u64>,
}

impl RegistrationTable {
    /// Total patients over all rows.
    #[must_use]
    pub fn total_patients(&self) -> u64 {
        self.rows.iter().map(|r| u64::from(r.patients)).sum()
    }
}

/// Rows encoded as runs of bytes, 12 to a row (practice, LSOA, patients; little-endian), so that a
/// kept table is read back a run at a time rather than value by value.
mod packed_rows {
    use serde::de::{DeserializeSeed, Error, SeqAccess, Visitor};
    use serde::ser::SerializeSeq;
    use serde::{Deserializer, Serializer};

    use super::Registration;
    use crate::{LsoaId, PracticeId};

    const ROW: usize = 12;
    /// Rows to a run of bytes: a table is encoded a run at a time, never all at once beside itself.
    const RUN: usize = 1 << 16;

    pub(super) fn serialize<S: Serializer>(rows: &[Registration], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(rows.len().div_ceil(RUN)))?;
        let mut bytes = Vec::with_capacity(RUN * ROW);
        for run in rows.chunks(RUN) {
            bytes.clear();
            for r in run {
                for v in [r.practice.0, r.lsoa.0, r.patients] {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
            }
            seq.serialize_element(&Bytes(&bytes))?;
        }
        seq.end()
    }

    /// A run of bytes, serialized as bytes.
    struct Bytes<'a>(&'a [u8]);

    impl serde::Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Registration>, D::Error> {
        d.deserialize_seq(Runs)
    }

    struct Runs;

    impl<'de> Visitor<'de> for Runs {
        type Value = Vec<Registration>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "runs of {ROW} bytes a row")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).saturating_mul(RUN).min(1 << 26));
            while seq.next_element_seed(RunInto(&mut rows))?.is_some() {}
            Ok(rows)
        }
    }

    /// Appends the rows of one run of bytes to the rows read so far.
    struct RunInto<'a>(&'a mut Vec<Registration>);

    impl<'de> DeserializeSeed<'de> for RunInto<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_bytes(self)
        }
    }

    impl Visitor<'_> for RunInto<'_> {
        type Value = ();

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{ROW} bytes a row")
        }

        fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<(), E> {
            if !bytes.len().is_multiple_of(ROW) {
                return Err(E::invalid_length(bytes.len(), &self));
            }
            let word = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            self.0.extend(bytes.chunks_exact(ROW).map(|b| Registration {
                practice: PracticeId(word(b, 0)),
                lsoa: LsoaId(word(b, 4)),
                patients: word(b, 8),
            }));
            Ok(())
        }
    }
}

const PRACTICE: &[&str] = &["PRACTICE_CODE", "ORGANISATIONCODE", "ORG_CODE"];
const PRACTICE_NAME: &[&str] = &["PRACTICE_NAME", "ORGANISATIONNAME", "ORANISATIONNAME"];
const LSOA: &[&str] =
    &["LSOA_CODE", "LSOA11CD", "LSOA21CD", "LSOA_2011_CODE", "LSOA_2021_CODE", "LSOA2011_CODE", "LSOA2021_CODE"];
const PATIENTS: &[&str] = &["NUMBER_OF_PATIENTS", "PATIENTS", "PATIENT"];

/// Reads a registrations CSV: columns found by header name (`PRACTICE_CODE`, `LSOA_CODE`,
/// `NUMBER_OF_PATIENTS`; optional `PRACTICE_NAME`, `SEX`, `EXTRACT_DATE`).
///
/// A file with a `SEX` column may hold `ALL` rows or `MALE`/`FEMALE` rows (which are summed), not both.
///
/// ```
/// use footprint_ingest::{InputFile, read_registrations};
/// let csv = "PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,NUMBER_OF_PATIENTS\r\nA1,\"SMITH, JONES\",E01000001,7\r\n";
/// let t = read_registrations(&InputFile::from_bytes("r.csv", csv.as_bytes().to_vec()))?;
/// assert_eq!(t.practice_names[0], "SMITH, JONES");
/// assert_eq!(t.rows[0].patients, 7);
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
///
/// # Errors
/// A missing column, a malformed record, a count that is not a whole number in 0..=4294967295, an empty file.
pub fn read_registrations(input: &InputFile) -> Result<RegistrationTable, IngestError> {
    // A gzip file is decompressed on one core while its rows are parsed on another: through the plain
    // lane, or (where the lane is unsure) through the csv crate.
    match input.read_ahead(|content| read_plain(input, content)) {
        Ok(read) => read,
        Err(Unsure) => input.read_ahead(|content| read_from(input, CsvSource::open_reader(input, Box::new(content))?)),
    }
}

/// About how many rows the file holds, from its size (a gzip stream's trailer gives its size
/// decompressed): published rows are 60–80 bytes.
fn rows_hint(input: &InputFile) -> usize {
    let bytes = match input.bytes.last_chunk::<4>() {
        Some(trailer) if input.compressed => u64::from(u32::from_le_bytes(*trailer)),
        _ => input.bytes.len() as u64,
    };
    usize::try_from(bytes / 64).unwrap_or(0).min(1 << 26)
}

/// Up to 15 bytes with their length: a key that tells any two such byte strings apart, hashed fast.
fn packed(raw: &[u8]) -> Option<u128> {
    let mut bytes = [0u8; 16];
    bytes.get_mut(..raw.len()).filter(|_| raw.len() < 16)?.copy_from_slice(raw);
    bytes[15] = raw.len() as u8;
    Some(u128::from_le_bytes(bytes))
}

/// Codes to dense ids in order of first appearance.
#[derive(Default)]
struct Interner(FxHashMap<String, u32>);

impl Interner {
    /// The id of the code in field `column` of `record`, appended to `codes` when new.
    fn intern(
        &mut self,
        csv: &CsvSource<'_>,
        record: &impl Record,
        column: usize,
        codes: &mut Vec<LsoaCode>,
    ) -> Result<u32, IngestError> {
        let code = csv.code(record, column)?;
        if let Some(&id) = self.0.get(code) {
            return Ok(id);
        }
        let id = u32::try_from(codes.len()).map_err(|_| csv.bad(record, column, "too many LSOA codes"))?;
        self.0.insert(code.to_owned(), id);
        codes.push(LsoaCode(code.to_owned()));
        Ok(id)
    }
}

/// The rows of `content` through the plain lane, or the first error in them; [`Unsure`] where the lane gives up.
fn read_plain(input: &InputFile, content: &mut dyn Read) -> Result<Result<RegistrationTable, IngestError>, Unsure> {
    let mut lines = PlainLines::new(content);
    let header = lines.header()?;
    let csv = CsvSource::open_reader(input, Box::new(header.as_slice())).map_err(|_| Unsure)?;
    let mut rows = match Rows::new(input, &csv) {
        Ok(rows) => rows,
        Err(e) => return Ok(Err(e)),
    };
    let fields = csv.headers().len();
    Ok(match lines.each(fields, |row| rows.add(&csv, row)) {
        Ok(()) => rows.finish(input, &csv),
        Err(Stop::Unsure) => return Err(Unsure),
        Err(Stop::Fields { line, found }) => Err(fields_error(csv.path(), line, fields, found)),
        Err(Stop::Failed(e)) => Err(e),
    })
}

/// The rows of `csv`, the content of `input`.
fn read_from(input: &InputFile, mut csv: CsvSource<'_>) -> Result<RegistrationTable, IngestError> {
    let mut rows = Rows::new(input, &csv)?;
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        rows.add(&csv, &record)?;
    }
    rows.finish(input, &csv)
}

/// The columns of a registrations file that are read.
struct Columns {
    practice: usize,
    lsoa: usize,
    patients: usize,
    name: Option<usize>,
    sex: Option<usize>,
    date: Option<usize>,
}

/// A registrations table being built record by record.
struct Rows {
    columns: Columns,
    table: RegistrationTable,
    practice_ids: FxHashMap<String, u32>,
    lsoas: Interner,
    /// The LSOA field as it stands in the file (untrimmed, unchecked) to its id, for fields seen before:
    /// census LSOA codes by their number, any other field by its packed bytes.
    by_number: ByNumber,
    lsoa_fields: FxHashMap<u128, u32>,
    last_practice: Option<(Vec<u8>, u32)>,
    sexes: SexCheck,
    /// Rows usually come grouped by practice; while they do, a repeated pair is an LSOA already met in
    /// the current practice's group (`lsoa_last_practice` holds, per LSOA, the practice that last had it).
    grouped: bool,
    lsoa_last_practice: Vec<u32>,
}

impl Rows {
    fn new(input: &InputFile, csv: &CsvSource<'_>) -> Result<Self, IngestError> {
        let columns = Columns {
            practice: csv.require(None, PRACTICE)?,
            lsoa: csv.require(None, LSOA)?,
            patients: csv.require(None, PATIENTS)?,
            name: csv.find(PRACTICE_NAME),
            sex: csv.find(&["SEX"]),
            date: csv.find(&["EXTRACT_DATE"]),
        };
        Ok(Self {
            columns,
            table: RegistrationTable { rows: Vec::with_capacity(rows_hint(input)), ..RegistrationTable::default() },
            practice_ids: FxHashMap::default(),
            lsoas: Interner::default(),
            by_number: ByNumber::default(),
            lsoa_fields: FxHashMap::default(),
            last_practice: None,
            sexes: SexCheck::default(),
            grouped: true,
            lsoa_last_practice: Vec::new(),
        })
    }

    /// Adds one record.
    fn add(&mut self, csv: &CsvSource<'_>, record: &impl Record) -> Result<(), IngestError> {
        let practice = self.practice(csv, record)?;
        let lsoa = self.lsoa(csv, record)?;
        let patients = csv.count(record, self.columns.patients)?;
        if let Some(c) = self.columns.sex {
            self.sexes.check(csv, record, c)?;
        }
        if self.table.rows.is_empty()
            && let Some(c) = self.columns.date
        {
            self.table.extract_date = Some(csv.text(record, c)?.to_owned());
        }
        if self.grouped {
            let last = &mut self.lsoa_last_practice[lsoa as usize];
            if *last == practice {
                self.table.duplicate_rows.note(record.line());
            }
            *last = practice;
        }
        self.table.rows.push(Registration { practice: PracticeId(practice), lsoa: LsoaId(lsoa), patients });
        Ok(())
    }

    /// The id of the record's practice: the last one's when it is the same, else interned.
    fn practice(&mut self, csv: &CsvSource<'_>, record: &impl Record) -> Result<u32, IngestError> {
        let raw = record.field(self.columns.practice).unwrap_or_default();
        if let Some((code, id)) = &self.last_practice
            && code.as_slice() == raw
        {
            return Ok(*id);
        }
        let code = csv.code(record, self.columns.practice)?;
        let id = match self.practice_ids.get(code) {
            Some(&id) => {
                self.grouped = false; // the practice's rows are not contiguous
                id
            }
            None => {
                let id = u32::try_from(self.table.practices.len())
                    .map_err(|_| csv.bad(record, self.columns.practice, "too many practices"))?;
                self.practice_ids.insert(code.to_owned(), id);
                self.table.practices.push(PracticeCode(code.to_owned()));
                let name = match self.columns.name {
                    Some(c) => csv.text(record, c)?.to_owned(),
                    None => String::new(),
                };
                self.table.practice_names.push(name);
                id
            }
        };
        self.last_practice = Some((raw.to_vec(), id));
        Ok(id)
    }

    /// The id of the record's LSOA: by its field's number or packed bytes when met before, else interned.
    fn lsoa(&mut self, csv: &CsvSource<'_>, record: &impl Record) -> Result<u32, IngestError> {
        let raw = record.field(self.columns.lsoa).unwrap_or_default();
        if let Some(n) = ByNumber::number(raw) {
            if let Some(id) = self.by_number.get(n) {
                return Ok(id);
            }
            let id = self.intern_lsoa(csv, record)?;
            self.by_number.insert(n, id);
            return Ok(id);
        }
        let field = packed(raw);
        if let Some(&id) = field.and_then(|k| self.lsoa_fields.get(&k)) {
            return Ok(id);
        }
        let id = self.intern_lsoa(csv, record)?;
        if let Some(k) = field {
            self.lsoa_fields.insert(k, id);
        }
        Ok(id)
    }

    /// The id of the record's LSOA code, interned.
    fn intern_lsoa(&mut self, csv: &CsvSource<'_>, record: &impl Record) -> Result<u32, IngestError> {
        let id = self.lsoas.intern(csv, record, self.columns.lsoa, &mut self.table.lsoas)?;
        if self.lsoa_last_practice.len() < self.table.lsoas.len() {
            self.lsoa_last_practice.push(u32::MAX);
        }
        Ok(id)
    }

    /// The table, its duplicate rows found again when the practices' rows were not contiguous.
    fn finish(mut self, input: &InputFile, csv: &CsvSource<'_>) -> Result<RegistrationTable, IngestError> {
        if self.table.rows.is_empty() {
            return Err(csv.no_rows());
        }
        if !self.grouped {
            self.table.duplicate_rows = find_duplicates(input, &self.table)?;
        }
        Ok(self.table)
    }
}

impl DuplicateRows {
    fn note(&mut self, line: u64) {
        self.count += 1;
        if self.first_lines.len() < 10 {
            self.first_lines.push(line);
        }
    }
}

/// The slow path for files whose practices' rows are not contiguous: a hash set of pairs, then line numbers from a second pass.
fn find_duplicates(input: &InputFile, table: &RegistrationTable) -> Result<DuplicateRows, IngestError> {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut duplicate_indices = Vec::new();
    for (i, r) in table.rows.iter().enumerate() {
        if !seen.insert((r.practice, r.lsoa)) {
            duplicate_indices.push(i);
        }
    }
    let mut found = DuplicateRows { count: duplicate_indices.len() as u64, first_lines: Vec::new() };
    if duplicate_indices.is_empty() {
        return Ok(found);
    }
    let mut csv = CsvSource::open(input)?;
    let mut record = ByteRecord::new();
    let mut wanted = duplicate_indices.iter().take(10).peekable();
    let mut index = 0;
    while wanted.peek().is_some() && csv.next(&mut record)? {
        if wanted.peek() == Some(&&index) {
            found.first_lines.push(line_of(&record));
            wanted.next();
        }
        index += 1;
    }
    Ok(found)
}

/// Rejects files that mix `ALL` rows with `MALE`/`FEMALE` rows (their sum would count patients twice).
#[derive(Default)]
struct SexCheck {
    first_all: Option<u64>,
    first_split: Option<u64>,
}

impl SexCheck {
    fn check(&mut self, csv: &CsvSource<'_>, record: &impl Record, column: usize) -> Result<(), IngestError> {
        let value = record.field(column).unwrap_or_default().trim_ascii();
        let line = record.line();
        let (mine, other) = if value.eq_ignore_ascii_case(b"ALL") {
            (&mut self.first_all, self.first_split)
        } else if value.eq_ignore_ascii_case(b"MALE") || value.eq_ignore_ascii_case(b"FEMALE") {
            (&mut self.first_split, self.first_all)
        } else {
            return Err(csv.bad(record, column, "SEX must be ALL, MALE or FEMALE"));
        };
        mine.get_or_insert(line);
        if let Some(other_line) = other {
            return Err(IngestError::Csv {
                path: csv.path().to_owned(),
                line,
                message: format!(
                    "SEX {:?} here but line {other_line} has {}: a file holds either ALL rows or MALE and FEMALE rows, not both",
                    String::from_utf8_lossy(value),
                    if self.first_all == Some(other_line) { "ALL" } else { "MALE/FEMALE" }
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(csv: &str) -> Result<RegistrationTable, IngestError> {
        read_registrations(&InputFile::from_bytes("regs.csv", csv.as_bytes().to_vec()))
    }

    fn check_error(csv: &str, expected: &str) {
        assert_eq!(read(csv).unwrap_err().to_string(), expected);
    }

    const HEADER: &str = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\r\n";

    #[test]
    fn reads_the_published_layout_with_crlf_and_quoted_names() {
        let t = read(&format!(
            "{HEADER}GP,01Jul2022,A1,\"DR X, DR Y\",E01000001,ALL,7\r\nGP,01Jul2022,A1,\"DR X, DR Y\",NO2011,ALL,2\r\nGP,01Jul2022,B2,B,E01000001,ALL,5\r\n"
        ))
        .unwrap();
        assert_eq!(t.practices, vec![PracticeCode::from("A1"), PracticeCode::from("B2")]);
        assert_eq!(t.practice_names[0], "DR X, DR Y");
        assert_eq!(t.lsoas, vec![LsoaCode::from("E01000001"), LsoaCode::from("NO2011")]);
        assert_eq!(t.total_patients(), 14);
        assert_eq!(t.extract_date.as_deref(), Some("01Jul2022"));
        assert_eq!(t.rows[2], Registration { practice: PracticeId(1), lsoa: LsoaId(0), patients: 5 });
        assert_eq!(t.duplicate_rows.count, 0);
    }

    /// The table the plain lane reads from `input` (`None` where it gives up) and the csv crate's.
    fn both(
        input: &InputFile,
    ) -> (Option<Result<RegistrationTable, IngestError>>, Result<RegistrationTable, IngestError>) {
        let lane = read_plain(input, &mut input.reader()).ok();
        let general = CsvSource::open(input).and_then(|csv| read_from(input, csv));
        (lane, general)
    }

    /// The lane reads `csv` as the csv crate does, to the same table or the same error (`sure`), or
    /// leaves it to the csv crate.
    fn check_lane(csv: &str, sure: bool) {
        let (lane, general) = both(&InputFile::from_bytes("regs.csv", csv.as_bytes().to_vec()));
        match lane {
            Some(lane) => {
                assert!(sure, "{csv:?}: read by the lane");
                let shown = |r: Result<RegistrationTable, IngestError>| r.map_err(|e| e.to_string());
                assert_eq!(shown(lane), shown(general), "{csv:?}");
            }
            None => assert!(!sure, "{csv:?}: left to the csv crate"),
        }
    }

    #[test]
    fn the_lane_builds_the_csv_crates_table_or_leaves_the_file_to_it() {
        check_lane(
            &format!("{HEADER}GP,01Jul2022,A1,\"DR X, DR Y\",E01000001,ALL,7\r\nGP,01Jul2022,B2,B,E01000001,ALL,5\r\n"),
            true,
        );
        check_lane("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\nA,E1,2\nA,E2,3\nB, E2 ,4\n", true);
        check_lane("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\r\nB,E2,1\r\nA,E1,2\r\nB,E2,3\r\n", true);
        check_lane("PRACTICE_CODE,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\nA,E1,MALE,1\nA,E1,FEMALE,2\n", true);
        // Errors, word for word.
        check_lane("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\nA,E2,x7\n", true);
        check_lane("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n", true);
        check_lane("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\nA,\"E2\"\n", true);
        check_lane("PRACTICE_CODE,LSOA_CODE\nA,E1\n", true);
        check_lane("PRACTICE_CODE,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\nA,E1,MALE,1\nA,E1,ALL,2\n", true);
        // Left to the csv crate: a blank line.
        check_lane("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\n\nA,E2,2\n", false);
    }

    #[test]
    fn errors_in_a_gzip_file_with_crlf_endings_name_the_line_they_are_on() {
        let text = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\r\nA,E1,1\r\nA,E2,x7\r\nA,E3\r\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        let input = InputFile::from_stored_compressed("regs.csv.gz", gz.finish().unwrap()).unwrap();
        assert_eq!(
            read_registrations(&input).unwrap_err().to_string(),
            "regs.csv.gz: line 3, column 3 (NUMBER_OF_PATIENTS): not a whole number: \"x7\""
        );
        let fields = text.replace("x7", "7");
        let input = InputFile::from_bytes("regs.csv", fields.into_bytes());
        assert_eq!(
            read_registrations(&input).unwrap_err().to_string(),
            "regs.csv: line 4: expected 3 fields as in the header, found 2"
        );
    }

    #[test]
    fn the_lane_reads_the_national_file_as_the_csv_crate_does() {
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/england-2011/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz");
        let stored = std::fs::read(path).unwrap();
        // Decompressed in memory, so that the csv crate's records are placed on the lines they start on.
        let input = InputFile::from_stored(path, stored).unwrap();
        let (lane, general) = both(&input);
        let (lane, general) = (lane.expect("read by the lane").unwrap(), general.unwrap());
        assert_eq!(lane.rows.len(), 865_965);
        assert_eq!(lane, general);
    }

    #[test]
    fn a_table_kept_encoded_reads_back_as_it_was() {
        let t = read(&format!(
            "{HEADER}GP,01Jul2022,A1,\"DR X, DR Y\",E01000001,ALL,7\r\nGP,01Jul2022,B2,B,NO2011,ALL,4294967295\r\nGP,01Jul2022,B2,B,NO2011,ALL,3\r\n"
        ))
        .unwrap();
        let bytes = postcard::to_allocvec(&t).unwrap();
        assert_eq!(postcard::from_bytes::<RegistrationTable>(&bytes).unwrap(), t);
        // Rows are 12 bytes each: a run of 36 bytes is three rows, of 35 none.
        let rows = |n: usize| {
            let run: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let bytes = postcard::to_allocvec(&vec![run]).unwrap();
            packed_rows::deserialize(&mut postcard::Deserializer::from_bytes(&bytes))
        };
        let third =
            Registration { practice: PracticeId(0x1b1a_1918), lsoa: LsoaId(0x1f1e_1d1c), patients: 0x2322_2120 };
        assert_eq!(rows(36).unwrap()[2], third);
        assert!(rows(35).is_err());
        // A table of more rows than a run holds is kept in several runs.
        let many = RegistrationTable {
            rows: (0..150_000)
                .map(|i| Registration { practice: PracticeId(i), lsoa: LsoaId(i / 3), patients: i * 7 })
                .collect(),
            ..t
        };
        let bytes = postcard::to_allocvec(&many).unwrap();
        assert_eq!(postcard::from_bytes::<RegistrationTable>(&bytes).unwrap(), many);
    }

    #[test]
    fn duplicate_pairs_are_counted_sorted_or_not() {
        let sorted = read("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\nA,E1,2\nA,E2,3\n").unwrap();
        assert_eq!(sorted.duplicate_rows, DuplicateRows { count: 1, first_lines: vec![3] });
        let unsorted = read("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nB,E2,1\nA,E1,2\nB,E2,3\n").unwrap();
        assert_eq!(unsorted.duplicate_rows, DuplicateRows { count: 1, first_lines: vec![4] });
        // Grouped by practice but not sorted by LSOA: E1 again after E2 within A's rows.
        let grouped = read("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\nA,E2,2\nA,E1,3\nB,E1,4\n").unwrap();
        assert_eq!(grouped.duplicate_rows, DuplicateRows { count: 1, first_lines: vec![4] });
    }

    #[test]
    fn bad_inputs_name_file_line_column_and_value() {
        check_error("", "regs.csv: file is empty");
        check_error(
            "PRACTICE_CODE,LSOA,NUMBER_OF_PATIENTS\nA,E1,1\n",
            "regs.csv: line 1: no column LSOA_CODE or LSOA11CD or LSOA21CD or LSOA_2011_CODE or LSOA_2021_CODE or LSOA2011_CODE or LSOA2021_CODE in the header (found: PRACTICE_CODE,LSOA,NUMBER_OF_PATIENTS)",
        );
        check_error(
            "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\nA,E2,x7\n",
            "regs.csv: line 3, column 3 (NUMBER_OF_PATIENTS): not a whole number: \"x7\"",
        );
        check_error(
            "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,E1,1\nA,E2\n",
            "regs.csv: line 3: expected 3 fields as in the header, found 2",
        );
        check_error("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n", "regs.csv: line 2: no data rows after the header");
        check_error(
            "PRACTICE_CODE,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\nA,E1,MALE,1\nA,E1,ALL,2\n",
            "regs.csv: line 3: SEX \"ALL\" here but line 2 has MALE/FEMALE: a file holds either ALL rows or MALE and FEMALE rows, not both",
        );
        check_error(
            "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n,E1,1\n",
            "regs.csv: line 2, column 1 (PRACTICE_CODE): empty code: \"\"",
        );
    }
}
