//! Entry points for fuzzing: each reads arbitrary bytes as one kind of input, through the same calls a
//! run makes, and renders any error message. The fuzz targets in `fuzz/` and the stable test that
//! replays their committed corpora (`tests/fuzz_corpus.rs`) both call these, so what the fuzzers
//! exercise is what the tests check. None of them may panic, whatever the bytes.

use std::path::Path;

use crate::{
    AreaFields, CentroidColumns, IngestError, InputFile, LookupColumns, read_areas, read_centroids, read_lookup,
    read_practice_map, read_registrations, read_shapefile_bytes,
};

/// An entry point: reads the bytes, true when they parsed.
pub type Entry = fn(&[u8]) -> bool;

/// The fuzz targets, by name (the directory of each one's corpus under `fuzz/corpus/`), with their entry point.
pub const TARGETS: &[(&str, Entry)] =
    &[("registrations", registrations), ("tables", tables), ("geojson", geojson), ("shapefile", shapefile)];

/// Reads `data` as a registrations CSV (plain, gzip or zip, decompressed as it is parsed, as a run does).
/// True when it parsed.
#[must_use]
pub fn registrations(data: &[u8]) -> bool {
    outcome(InputFile::from_stored_compressed("fuzz.csv", data.to_vec()).and_then(|f| read_registrations(&f)))
}

/// Reads `data` as a practice map, an LSOA lookup and a centroid file (the three small CSV readers).
/// True when any of them parsed it.
#[must_use]
pub fn tables(data: &[u8]) -> bool {
    let Ok(file) = InputFile::from_stored_compressed("fuzz.csv", data.to_vec()) else { return false };
    let map = outcome(read_practice_map(&file));
    let lookup = outcome(read_lookup(&file, &LookupColumns::default()));
    let centroids = outcome(read_centroids(&file, &CentroidColumns::default()));
    map || lookup || centroids
}

/// Reads `data` as a GeoJSON area layer (plain or gzip). True when it parsed.
#[must_use]
pub fn geojson(data: &[u8]) -> bool {
    outcome(InputFile::from_stored("fuzz.geojson", data.to_vec()).and_then(|f| read_areas(&f, &AreaFields::default())))
}

/// Reads `data` as a shapefile packed by [`shapefile_input`]: the `.shp` then the `.dbf`. True when it parsed.
#[must_use]
pub fn shapefile(data: &[u8]) -> bool {
    let (shp, dbf) = match data.split_first_chunk::<4>() {
        Some((len, rest)) => rest.split_at(usize::try_from(u32::from_le_bytes(*len)).unwrap_or(0).min(rest.len())),
        None => (data, &[][..]),
    };
    outcome(read_shapefile_bytes(Path::new("fuzz.shp"), shp.to_vec(), dbf.to_vec(), None, None, &AreaFields::default()))
}

/// One fuzz input for [`shapefile`]: the length of the `.shp` (4 bytes, little-endian), the `.shp`, the `.dbf`.
#[must_use]
pub fn shapefile_input(shp: &[u8], dbf: &[u8]) -> Vec<u8> {
    let len = u32::try_from(shp.len()).unwrap_or(u32::MAX);
    [&len.to_le_bytes()[..], shp, dbf].concat()
}

/// What replaying a corpus found: how many inputs parsed, and the files that made the entry point panic.
#[derive(Debug, Default)]
pub struct Replay {
    /// Inputs read.
    pub inputs: usize,
    /// Inputs the entry point accepted.
    pub parsed: usize,
    /// Inputs that made it panic.
    pub panics: Vec<std::path::PathBuf>,
}

/// Runs every file of `dir` through `entry`, catching panics (the CI-sized smoke run of a fuzz target).
///
/// # Errors
/// The folder or one of its files cannot be read.
pub fn replay(dir: &Path, entry: Entry) -> std::io::Result<Replay> {
    let mut files: Vec<std::path::PathBuf> =
        std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    files.retain(|p| p.is_file());
    files.sort();
    let mut replay = Replay::default();
    for file in files {
        let data = std::fs::read(&file)?;
        replay.inputs += 1;
        match std::panic::catch_unwind(|| entry(&data)) {
            Ok(true) => replay.parsed += 1,
            Ok(false) => {}
            Err(_) => replay.panics.push(file),
        }
    }
    Ok(replay)
}

/// Whether a reader succeeded; an error's message is rendered (formatting is code a fuzzer should reach too).
fn outcome<T>(result: Result<T, IngestError>) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => {
            let message = e.to_string();
            std::hint::black_box(message);
            false
        }
    }
}
