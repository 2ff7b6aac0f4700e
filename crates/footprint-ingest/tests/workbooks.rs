//! Practice maps published as Excel workbooks: the sheet chosen, rows read as the CSV reader reads lines,
//! errors at the sheet's row.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use footprint_ingest::{InputFile, PracticeCode, PracticePcn, read_practice_map};
use rust_xlsxwriter::Workbook;

/// A workbook with a notes sheet first, then `rows` (text cells, a number where it parses as one) from
/// row 1 of a sheet named "PCN Core Partner Details".
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").unwrap().write_string(0, 0, "About this file").unwrap();
    let sheet = book.add_worksheet().set_name("PCN Core Partner Details").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
            match cell.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n).unwrap(),
                Err(_) if cell.is_empty() => sheet,
                Err(_) => sheet.write_string(r, c, *cell).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

const HEADER: &[&str] =
    &["Partner Organisation\nCode", "PCN Code", "PCN Name", "Practice to PCN Relationship End Date"];

/// Reads `rows` as a workbook and as the CSV of the same cells: the two maps must be equal, and equal
/// `expected` (practice, PCN code or `U`).
fn check(rows: &[&[&str]], expected: &[(&str, &str)]) {
    let from_book = read_practice_map(&InputFile::from_bytes("ePCN.xlsx", workbook(rows))).unwrap();
    let csv: String = rows.iter().map(|r| r.join(",").replace('\n', " ") + "\n").collect();
    let from_csv = read_practice_map(&InputFile::from_bytes("map.csv", csv.into_bytes())).unwrap();
    assert_eq!(from_book.pcns, from_csv.pcns);
    assert_eq!(from_book.practices, from_csv.practices);
    for (practice, pcn) in expected {
        let got = match from_book.pcn_of(&PracticeCode::from(*practice)) {
            Some(PracticePcn::Pcn(id)) => from_book.pcns[id.0 as usize].code.as_str().to_owned(),
            Some(PracticePcn::NoPcn) => "U".to_owned(),
            None => panic!("{practice} is not in the map"),
        };
        assert_eq!(got, *pcn, "{practice}");
    }
    assert_eq!(from_book.practices.len(), expected.len());
}

#[test]
fn the_sheet_with_practice_and_pcn_columns_is_read_and_ended_rows_skipped() {
    check(
        &[
            HEADER,
            &["A1", "U00001", "North", "20200831"],
            &["A1", "U00002", "South", ""],
            &["B2", "U00001", "North", ""],
            &["C3", "U", "", ""],
        ],
        &[("A1", "U00002"), ("B2", "U00001"), ("C3", "U")],
    );
}

#[test]
fn an_error_names_the_sheet_and_its_row() {
    let rows: &[&[&str]] = &[HEADER, &["A1", "U00001", "North", ""], &["", "", "", ""], &["A1", "U00002", "South", ""]];
    let err = read_practice_map(&InputFile::from_bytes("ePCN.xlsx", workbook(rows))).unwrap_err().to_string();
    assert_eq!(
        err,
        "ePCN.xlsx/PCN Core Partner Details: line 4: practice A1 is mapped to \"U00002\" here but to \"U00001\" on line 2"
    );
}

#[test]
fn a_workbook_without_the_columns_names_each_sheets_header() {
    let rows: &[&[&str]] = &[&["PCN Code", "PCN Name"], &["U00001", "North"]];
    let err = read_practice_map(&InputFile::from_bytes("ePCN.xlsx", workbook(rows))).unwrap_err().to_string();
    assert!(err.starts_with("ePCN.xlsx: line 1: no column PRACTICE_CODE or "), "{err}");
    assert!(
        err.ends_with(
            "(found: sheet \"Notes\": About this file; sheet \"PCN Core Partner Details\": PCN Code,PCN Name)"
        ),
        "{err}"
    );
}
