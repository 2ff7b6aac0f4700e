//! Hashes the sources that read, measure and write an area layer, and those that derive the pictures'
//! topology and the footprints' coverage from it, with the dependencies' versions (`Cargo.lock`), into `FOOTPRINT_PREPARED_CODE`, so
//! that a prepared form made by other code is never loaded (see `src/prepared.rs`).

use std::fs;
use std::path::{Path, PathBuf};

/// The folders and files whose contents decide what a prepared form holds.
const SOURCES: &[&str] = &[
    "../footprint-ingest/src",
    "../footprint-overlap/src",
    "src/prepared.rs",
    "../footprint-report/src/geometry.rs",
    "../footprint-report/src/run.rs",
    "../footprint-footprints/src/coverage.rs",
    "../footprint-footprints/src/dissolve.rs",
    "../../Cargo.lock",
];

fn main() {
    let mut files = Vec::new();
    for s in SOURCES {
        println!("cargo:rerun-if-changed={s}");
        collect(Path::new(s), &mut files);
    }
    files.sort();
    // FNV-1a over each file's path and bytes, in path order.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        for b in f.to_string_lossy().bytes().chain(fs::read(f).unwrap_or_default()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=FOOTPRINT_PREPARED_CODE={h:016x}");
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).into_iter().flatten().flatten() {
            collect(&entry.path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs" || e == "lock") {
        out.push(path.to_owned());
    }
}
