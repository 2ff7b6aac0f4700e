//! Excel workbooks (`.xlsx`) read as CSV: ODS publishes its practice → PCN map as `ePCN.xlsx`.
//!
//! The sheet read is the first whose first non-empty row names every column the reader needs; its
//! rows become CSV lines with the same numbers, so an error's "line" is the sheet's row.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use crate::columns::same_column;
use crate::{IngestError, InputFile};

/// Whether `bytes` are an Office Open XML workbook (a zip archive holding `xl/workbook.xml`).
pub(crate) fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        && zip::ZipArchive::new(Cursor::new(bytes)).is_ok_and(|a| a.index_for_name("xl/workbook.xml").is_some())
}

/// The sheet of workbook `input` whose header row has a column of each list in `needed` (alternatives
/// of one column), as a CSV file named `<workbook>/<sheet>`, with the workbook's sha256 and size.
///
/// # Errors
/// [`IngestError::Corrupt`] for an unreadable workbook; [`IngestError::MissingColumn`] when no sheet
/// has the columns, naming each sheet's header.
pub(crate) fn sheet_as_csv(input: &InputFile, needed: &[&[&str]]) -> Result<InputFile, IngestError> {
    let path = input.path.as_path();
    let corrupt = |message: String| IngestError::Corrupt { path: path.to_owned(), message };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(input.content()))
        .map_err(|e| corrupt(format!("workbook is unreadable: {}", e.to_string().to_lowercase())))?;
    let mut found = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| corrupt(format!("sheet {name:?} is unreadable: {}", e.to_string().to_lowercase())))?;
        let header: Vec<String> = header_row(&range).map(|row| row.iter().map(cell_text).collect()).unwrap_or_default();
        if needed.iter().all(|alternatives| header.iter().any(|h| alternatives.iter().any(|n| same_column(h, n)))) {
            let mut out = InputFile::from_bytes(path.join(&name), to_csv(&range, path)?);
            out.sha256.clone_from(&input.sha256);
            out.stored_len = input.stored_len;
            return Ok(out);
        }
        found.push(format!("sheet {name:?}: {}", header.join(",")));
    }
    Err(IngestError::MissingColumn {
        path: path.to_owned(),
        wanted: needed.iter().map(|alternatives| alternatives.join(" or ")).collect::<Vec<_>>().join(", and "),
        found: found.join("; "),
    })
}

/// The first row with a non-empty cell.
fn header_row(range: &calamine::Range<Data>) -> Option<&[Data]> {
    range.rows().find(|row| row.iter().any(|c| !matches!(c, Data::Empty)))
}

/// A cell as text: line breaks in a header become spaces, whole numbers lose their `.0`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        other => other.to_string().replace(['\r', '\n'], " ").trim().to_owned(),
    }
}

/// The sheet as CSV, row r of the sheet on line r: empty rows (and the rows above the sheet's first
/// cell) are empty lines, which CSV readers skip.
fn to_csv(range: &calamine::Range<Data>, path: &Path) -> Result<Vec<u8>, IngestError> {
    let first_row = range.start().map_or(0, |(row, _)| row);
    let mut out = vec![b'\n'; first_row as usize];
    for row in range.rows() {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            out.push(b'\n');
            continue;
        }
        let mut line = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        line.write_record(row.iter().map(cell_text)).map_err(|e| IngestError::Corrupt {
            path: path.to_owned(),
            message: format!("cannot convert a row to csv: {e}"),
        })?;
        out.extend(line.into_inner().map_err(|e| IngestError::Corrupt {
            path: path.to_owned(),
            message: format!("cannot convert a row to csv: {}", e.error()),
        })?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_lose_their_point_and_headers_their_line_breaks() {
        let check = |cell: Data, expected: &str| assert_eq!(cell_text(&cell), expected);
        check(Data::Float(20_200_831.0), "20200831");
        check(Data::Float(2.5), "2.5");
        check(Data::String("PCN\nCode".into()), "PCN Code");
        check(Data::Empty, "");
    }

    #[test]
    fn a_zip_without_a_workbook_is_not_one() {
        assert!(!is_workbook(b"PK\x03\x04 not really a zip"));
        assert!(!is_workbook(b"a,b\n"));
    }
}
