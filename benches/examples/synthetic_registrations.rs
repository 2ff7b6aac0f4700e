//! Writes a synthetic national registrations file N times the size of the real one, with its practice map,
//! for the scale benchmark (benches/scale.sh).
//!
//! ```sh
//! cargo run --release -p footprint-benches --example synthetic_registrations -- 10 /tmp/footprint-scale/x10
//! ```
//!
//! Copy k of N (k = 0 … N−1) is every row of `gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz` with its practice
//! code renamed `<code>-<k>` (copy 0 keeps the real codes), and the practice map lists each renamed
//! practice in its real practice's PCN. So the file has N× the rows, practices and patients of the
//! national one, with the national spread over LSOAs and PCNs: every share, `pcns_all` and `pcns_ge_1pct`
//! is that of the real data, and every patient count is N times it (the script checks both). Written as
//! gzip (fast level), like the published file, into `<out>/registrations.csv.gz` and `<out>/practice-map.csv.gz`.
#![allow(clippy::unwrap_used)] // a generator run by hand: a failed unwrap says what went wrong

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(scale), Some(out)) = (args.first().and_then(|s| s.parse::<usize>().ok()), args.get(1)) else {
        eprintln!("usage: synthetic_registrations SCALE OUT_DIR [NATIONAL_DIR]");
        std::process::exit(2);
    };
    let national = args
        .get(2)
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/england-2011"), PathBuf::from);
    let out = Path::new(out);
    std::fs::create_dir_all(out).unwrap();
    let rows = replicate(
        &national.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
        &out.join("registrations.csv.gz"),
        "PRACTICE_CODE",
        scale,
    );
    let practices = replicate(
        &national.join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
        &out.join("practice-map.csv.gz"),
        "PRACTICE_CODE",
        scale,
    );
    println!("{scale}x: {rows} registration rows, {practices} practice map rows in {}", out.display());
}

/// Writes `scale` copies of the data rows of the gzip CSV `from` into `to`, renaming the practice code
/// column in copies 1 and up; returns the rows written.
fn replicate(from: &Path, to: &Path, column: &str, scale: usize) -> u64 {
    let open = || csv::Reader::from_reader(MultiGzDecoder::new(BufReader::new(File::open(from).unwrap())));
    let headers = open().byte_headers().unwrap().clone();
    let code_col = headers.iter().position(|h| h == column.as_bytes()).unwrap();
    let gz = GzEncoder::new(BufWriter::new(File::create(to).unwrap()), Compression::fast());
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(gz);
    writer.write_byte_record(&headers).unwrap();
    let mut written = 0;
    let mut record = csv::ByteRecord::new();
    let mut renamed = csv::ByteRecord::new();
    for copy in 0..scale {
        let mut reader = open();
        while reader.read_byte_record(&mut record).unwrap() {
            if copy == 0 {
                writer.write_byte_record(&record).unwrap();
            } else {
                renamed.clear();
                for (i, field) in record.iter().enumerate() {
                    if i == code_col {
                        renamed.push_field(format!("{}-{copy}", String::from_utf8_lossy(field)).as_bytes());
                    } else {
                        renamed.push_field(field);
                    }
                }
                writer.write_byte_record(&renamed).unwrap();
            }
            written += 1;
        }
    }
    writer.into_inner().unwrap().finish().unwrap();
    written
}
