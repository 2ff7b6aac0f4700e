//! The CSV plumbing every tabular reader shares: header lookup by name, typed fields with positioned errors.

use std::path::Path;

use csv::ByteRecord;

use crate::{IngestError, InputFile};

/// A record's fields and where it starts: a [`ByteRecord`] of the csv crate, or a row of the plain lane.
pub(crate) trait Record {
    /// Field `column`, as in the file (unquoted).
    fn field(&self, column: usize) -> Option<&[u8]>;
    /// The 1-based line the record starts on.
    fn line(&self) -> u64;
}

impl Record for ByteRecord {
    fn field(&self, column: usize) -> Option<&[u8]> {
        self.get(column)
    }

    fn line(&self) -> u64 {
        line_of(self)
    }
}

/// A CSV file being read record by record, with its header.
pub(crate) struct CsvSource<'a> {
    path: &'a Path,
    reader: csv::Reader<Box<dyn std::io::Read + 'a>>,
    headers: Vec<String>,
    /// The content when it is in memory, to place records exactly.
    content: Option<&'a [u8]>,
}

impl<'a> CsvSource<'a> {
    /// Opens the file and reads its header line.
    pub(crate) fn open(input: &'a InputFile) -> Result<Self, IngestError> {
        Self::open_reader(input, input.reader())
    }

    /// Opens the file's content as `reader` gives it (the content of `input`, read some other way).
    pub(crate) fn open_reader(input: &'a InputFile, reader: Box<dyn std::io::Read + 'a>) -> Result<Self, IngestError> {
        let path = input.path.as_path();
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
        let headers: Vec<String> = reader
            .byte_headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_owned())
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(IngestError::Empty { path: path.to_owned() });
        }
        let content = (!input.compressed).then(|| input.content());
        Ok(Self { path, reader, headers, content })
    }

    pub(crate) fn path(&self) -> &'a Path {
        self.path
    }

    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The index of the first column whose name is one of `names` (compared case-insensitively).
    pub(crate) fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.headers.iter().position(|h| same_column(h, n)))
    }

    /// The column named `chosen` if given, else the first of `names`; a positioned error if absent.
    pub(crate) fn require(&self, chosen: Option<&str>, names: &[&str]) -> Result<usize, IngestError> {
        let found = match chosen {
            Some(c) => self.find(&[c]),
            None => self.find(names),
        };
        let hint = match self.headers.as_slice() {
            [only] if only.contains(';') => "; the header has no commas: is the file separated by semicolons?",
            [only] if only.contains('\t') => "; the header has no commas: is the file separated by tabs?",
            _ => "",
        };
        found.ok_or_else(|| IngestError::MissingColumn {
            path: self.path.to_owned(),
            wanted: match chosen {
                Some(c) => c.to_owned(),
                None => names.join(" or "),
            },
            found: format!("{}{hint}", self.headers.join(",")),
        })
    }

    /// Reads the next record into `record`; false at the end of the file.
    /// The record's position is where it starts, the blank lines before it skipped (the csv crate puts it
    /// where the previous record ended). A gzip stream read as it is decompressed keeps the csv crate's.
    pub(crate) fn next(&mut self, record: &mut ByteRecord) -> Result<bool, IngestError> {
        let more = self.reader.read_byte_record(record).map_err(|e| csv_error(self.path, &e))?;
        if let (Some(content), Some(from)) = (self.content, record.position()) {
            let skipped = content.get(usize::try_from(from.byte()).unwrap_or(usize::MAX)..).unwrap_or_default();
            let blank = skipped.iter().take_while(|b| matches!(b, b'\r' | b'\n'));
            let (bytes, lines) = blank.fold((0, 0), |(n, l), &b| (n + 1, l + u64::from(b == b'\n')));
            if bytes > 0 {
                let mut start = from.clone();
                start.set_byte(from.byte() + bytes).set_line(from.line() + lines);
                record.set_position(Some(start));
            }
        }
        Ok(more)
    }

    /// The error for a file with a header but no records.
    pub(crate) fn no_rows(&self) -> IngestError {
        IngestError::Csv { path: self.path.to_owned(), line: 2, message: "no data rows after the header".into() }
    }

    /// Field `column` as trimmed UTF-8 text.
    pub(crate) fn text<'r>(&self, record: &'r (impl Record + ?Sized), column: usize) -> Result<&'r str, IngestError> {
        let raw = record.field(column).unwrap_or_default();
        std::str::from_utf8(raw).map(str::trim).map_err(|_| IngestError::BadValue {
            path: self.path.to_owned(),
            line: record.line(),
            column: column + 1,
            column_name: self.headers[column].clone(),
            value: String::from_utf8_lossy(raw).into_owned(),
            problem: "not valid UTF-8",
        })
    }

    /// Field `column` as a non-empty code.
    pub(crate) fn code<'r>(&self, record: &'r (impl Record + ?Sized), column: usize) -> Result<&'r str, IngestError> {
        let text = self.text(record, column)?;
        if text.is_empty() {
            return Err(self.bad(record, column, "empty code"));
        }
        Ok(text)
    }

    /// Field `column` as a count of patients: plain decimal digits that fit in 32 bits.
    pub(crate) fn count(&self, record: &(impl Record + ?Sized), column: usize) -> Result<u32, IngestError> {
        let raw = trim_ascii(record.field(column).unwrap_or_default());
        match parse_count(raw) {
            Ok(n) => Ok(n),
            Err(problem) => Err(self.bad(record, column, problem)),
        }
    }

    /// Field `column` as a finite decimal number.
    pub(crate) fn float(&self, record: &(impl Record + ?Sized), column: usize) -> Result<f64, IngestError> {
        let text = self.text(record, column)?;
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(self.bad(record, column, "not a finite number")),
            Err(_) => Err(self.bad(record, column, "not a number")),
        }
    }

    pub(crate) fn bad(&self, record: &(impl Record + ?Sized), column: usize, problem: &'static str) -> IngestError {
        IngestError::BadValue {
            path: self.path.to_owned(),
            line: record.line(),
            column: column + 1,
            column_name: self.headers.get(column).cloned().unwrap_or_default(),
            value: String::from_utf8_lossy(record.field(column).unwrap_or_default()).into_owned(),
            problem,
        }
    }
}

/// The 1-based line a record starts on.
pub(crate) fn line_of(record: &ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

fn trim_ascii(raw: &[u8]) -> &[u8] {
    raw.trim_ascii()
}

/// Parses a patient count; the error says why the text is not one.
pub(crate) fn parse_count(raw: &[u8]) -> Result<u32, &'static str> {
    if raw.is_empty() {
        return Err("empty count");
    }
    let mut n: u32 = 0;
    for &b in raw {
        match b {
            b'0'..=b'9' => {
                n = n
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(u32::from(b - b'0')))
                    .ok_or("count too large (over 4294967295)")?;
            }
            _ => {
                return Err(if raw.first() == Some(&b'-') && raw[1..].iter().all(u8::is_ascii_digit) {
                    "negative count"
                } else if raw.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
                    "fractional count"
                } else {
                    "not a whole number"
                });
            }
        }
    }
    Ok(n)
}

/// The error for a record on `line` with `found` fields where the header has `expected`.
pub(crate) fn fields_error(path: &Path, line: u64, expected: usize, found: usize) -> IngestError {
    IngestError::Csv {
        path: path.to_owned(),
        line,
        message: format!("expected {expected} fields as in the header, found {found}"),
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> IngestError {
    let line = e.position().map_or(0, csv::Position::line);
    if let csv::ErrorKind::Io(io) = e.kind() {
        // The content is in memory: an I/O error can only come from the gzip stream.
        let message = if io.kind() == std::io::ErrorKind::UnexpectedEof {
            "gzip stream is truncated".to_owned()
        } else {
            format!("gzip stream is corrupt: {io}")
        };
        return IngestError::Corrupt { path: path.to_owned(), message };
    }
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            return fields_error(path, line, *expected_len as usize, *len as usize);
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        _ => e.to_string().to_lowercase(),
    };
    IngestError::Csv { path: path.to_owned(), line, message }
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    fn check(input: &str, expected: Result<u32, &str>) {
        assert_eq!(parse_count(input.as_bytes()), expected, "input {input:?}");
    }

    #[test]
    fn counts() {
        check("0", Ok(0));
        check("7", Ok(7));
        check("4294967295", Ok(u32::MAX));
        check("4294967296", Err("count too large (over 4294967295)"));
        check("-3", Err("negative count"));
        check("2.5", Err("fractional count"));
        check("seven", Err("not a whole number"));
        check("", Err("empty count"));
    }
}

/// Whether header `h` names column `n`: ASCII case ignored, and `.`, `-` and spaces taken as `_` (so R's
/// `Number.of.Patients` is `NUMBER_OF_PATIENTS`).
pub(crate) fn same_column(h: &str, n: &str) -> bool {
    let norm = |b: u8| match b {
        b'.' | b'-' | b' ' => b'_',
        b => b.to_ascii_uppercase(),
    };
    h.len() == n.len() && h.bytes().zip(n.bytes()).all(|(a, b)| norm(a) == norm(b))
}

#[cfg(test)]
mod same_column_tests {
    #[test]
    fn punctuation_and_case_do_not_matter() {
        assert!(super::same_column("Number.of.Patients", "NUMBER_OF_PATIENTS"));
        assert!(super::same_column("pcn code", "PCN_CODE"));
        assert!(!super::same_column("PCN_CODES", "PCN_CODE"));
        assert!(!super::same_column("PCNXCODE", "PCN_CODE"));
    }
}

#[cfg(test)]
mod line_tests {
    use super::CsvSource;
    use crate::InputFile;

    /// The line each record of `text` (a header, then records) is said to start on.
    fn check(text: &str, expected: &[u64]) {
        let input = InputFile::from_bytes("t.csv", text.as_bytes().to_vec());
        let mut csv = CsvSource::open(&input).expect("a header");
        let mut record = csv::ByteRecord::new();
        let mut lines = Vec::new();
        while csv.next(&mut record).expect("well-formed") {
            lines.push(super::line_of(&record));
        }
        assert_eq!(lines, expected, "{text:?}");
    }

    #[test]
    fn records_start_after_the_blank_lines_before_them() {
        check("a,b\n1,2\n3,4\n", &[2, 3]);
        check("a,b\n1,2\n\n3,4\n", &[2, 4]);
        check("a,b\n\n\n1,2\n\n3,4\n", &[4, 6]);
        check("a,b\r\n1,2\r\n\r\n3,4\r\n", &[2, 4]);
        check("a,b\n\"1\nx\",2\n\n\"3\n\ny\",4\n5,6\n", &[2, 5, 8]);
        check("a,b\n1,2\n\"3\ny\",4", &[2, 3]);
    }
}
