//! Helpers shared by the binary's integration tests.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of them; a failed unwrap is a failed test

use std::path::Path;

/// Every entry of `dir` by name, with its bytes (empty for a folder), sorted by name.
pub fn read_outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap_or_default()))
        .collect();
    files.sort();
    files
}
