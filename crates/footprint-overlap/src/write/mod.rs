//! The writers: the only code that knows output formats, and the output schema ([`schema`]). Every output is staged in a temporary file
//! beside its destination and renamed into place only when all outputs of the run are complete.

mod bytes;
mod context;
mod differences;
mod format;
mod geojson;
mod records;
pub mod schema;
mod series;
mod summary;
mod tables;
mod written;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use bytes::FileBytes;
pub use context::{by_context_table, context_columns, context_values, overlap_columns, pcns_table};
pub use differences::differences_csv;
pub use format::{Format, UnknownFormat};
pub use geojson::{
    Feature, GeometryTexts, as_written, feature_collection, msoa_overlap_geojson, push_multipolygon, push_opt,
    push_str, push_written, size_fields, write_coordinate,
};
pub use records::{Column, Kind, Layer, Records, Value};
pub use series::{
    AreaFigures, PublicationFigures, msoa_change_csv, msoa_change_geojson, series_json, series_msoa_csv,
    series_summary_csv,
};
pub use summary::{ContextInputs, GeographyInputs, SummaryInputs, summary_json};
pub use tables::{Table, msoa_overlap_table, msoa_pcn_shares_csv, msoa_pcn_shares_table};
pub use written::{Grid, Ring, Snap, Written, decimals, grid_steps, written, written_on};

/// Why outputs could not be written. The operating system's reason is each variant's `source()` and is
/// not repeated in its message: print the chain (`{:#}` with anyhow) to show it once.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output directory could not be created.
    #[error("cannot create output directory {path}", path = path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written or renamed into place.
    #[error("cannot write {path}", path = path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A set of output files written all-or-nothing.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let mut out = footprint_overlap::OutputSet::new(dir.path())?;
/// out.stage("a.csv", b"x\n")?;
/// assert!(!dir.path().join("a.csv").exists()); // nothing is visible before commit
/// out.commit()?;
/// assert_eq!(std::fs::read(dir.path().join("a.csv"))?, b"x\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct OutputSet {
    dir: PathBuf,
    staged: Vec<(tempfile::NamedTempFile, PathBuf)>,
}

impl OutputSet {
    /// Prepares to write into `dir`, creating it if needed.
    ///
    /// # Errors
    /// [`WriteError::CreateDir`] if the directory cannot be created.
    /// Temporary files a killed run left behind (named `.footprint-tmp-<name>.<random>.tmp`, and
    /// untouched for [`STALE_AFTER`]) are deleted.
    pub fn new(dir: &Path) -> Result<Self, WriteError> {
        std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir { path: dir.to_owned(), source })?;
        remove_stale_temporaries(dir);
        Ok(Self { dir: dir.to_owned(), staged: Vec::new() })
    }

    /// Writes every file concurrently (see [`OutputSet::stage`]).
    ///
    /// # Errors
    /// The first [`WriteError`] met.
    pub fn stage_all<N: AsRef<str> + Sync>(&mut self, files: &[(N, FileBytes<'_>)]) -> Result<(), WriteError> {
        use rayon::prelude::*;
        let staged: Vec<Result<OutputSet, WriteError>> = files
            .par_iter()
            .map(|(name, bytes)| {
                let mut one = OutputSet { dir: self.dir.clone(), staged: Vec::new() };
                one.stage_file(name.as_ref(), bytes).map(|()| one)
            })
            .collect();
        for s in staged {
            self.staged.extend(s?.staged);
        }
        Ok(())
    }

    /// Writes `bytes` to a temporary file that becomes `dir/name` on [`OutputSet::commit`].
    ///
    /// # Errors
    /// [`WriteError::Write`] naming the final path.
    pub fn stage(&mut self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        self.stage_file(name, &FileBytes::Pieces(vec![bytes.into()]))
    }

    /// Writes `bytes`, piece by piece, to a temporary file that becomes `dir/name` on [`OutputSet::commit`].
    ///
    /// # Errors
    /// [`WriteError::Write`] naming the final path.
    pub fn stage_file(&mut self, name: &str, bytes: &FileBytes<'_>) -> Result<(), WriteError> {
        let target = self.dir.join(name);
        let fail = |source| WriteError::Write { path: target.clone(), source };
        let prefix = format!("{TEMP_PREFIX}{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // Outputs are for sharing: readable by all (less the umask), like any file the user's tools
        // write; tempfile's default is 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let file = builder.tempfile_in(&self.dir).map_err(fail)?;
        // No fsync: the rename is what makes the set atomic for readers and against a failed run;
        // ext4 and XFS flush a file replaced by rename before the rename itself is committed.
        // Small pieces (a feature's properties) are gathered; large ones pass straight through.
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, file);
        bytes.write_to(&mut buffered).map_err(fail)?;
        let file = buffered.into_inner().map_err(|e| fail(e.into_error()))?;
        start_writeback(file.as_file());
        self.staged.push((file, target));
        Ok(())
    }

    /// Renames every staged file into place; returns the paths written. Dropping the set without
    /// committing deletes the temporary files and leaves any previous outputs untouched.
    ///
    /// # Errors
    /// [`WriteError::Write`] if a rename fails.
    pub fn commit(self) -> Result<Vec<PathBuf>, WriteError> {
        // A rename fails only where something is in the way: check first, so that none is renamed
        // rather than some.
        if let Some((_, target)) = self.staged.iter().find(|(_, target)| target.is_dir()) {
            return Err(WriteError::Write {
                path: target.clone(),
                source: std::io::Error::new(std::io::ErrorKind::IsADirectory, "a folder of that name is in the way"),
            });
        }
        let mut written = Vec::with_capacity(self.staged.len());
        for (file, target) in self.staged {
            file.persist(&target).map_err(|e| WriteError::Write { path: target.clone(), source: e.error })?;
            written.push(target);
        }
        Ok(written)
    }
}

/// Starts writing a staged file out to disk (without waiting), so that its rename into place later
/// finds nothing left to write: ext4 writes out a file that replaces another at the rename itself, and
/// took 10 to 35 ms for each of the national run's largest files, one after another. Best effort.
fn start_writeback(file: &std::fs::File) {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// How temporary output files are named: `.footprint-tmp-<output name>.<random>.tmp`.
pub const TEMP_PREFIX: &str = ".footprint-tmp-";

/// How long a temporary output file must have been left untouched before a run deletes it as the
/// leftover of a killed run (a live run renames its files within seconds of writing them).
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes the temporary files of killed runs from `dir`; best effort (what cannot be deleted stays).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if stale && name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Appends `v` to `out` in the shortest form that reads back as the same f64 (JSON and CSV safe for
/// finite values), written as Rust's `Display` writes it: digits, never an exponent, no `.0` on whole
/// numbers.
///
/// ```
/// use footprint_overlap::write::push_f64;
/// let written = |v: f64| {
///     let mut out = Vec::new();
///     push_f64(&mut out, v);
///     String::from_utf8(out).unwrap()
/// };
/// assert_eq!(written(0.1 + 0.2), "0.30000000000000004");
/// assert_eq!(written(1.0), "1");
/// assert_eq!(written(1e-7), "0.0000001");
/// ```
pub fn push_f64(out: &mut Vec<u8>, v: f64) {
    // zmij finds the digits `Display` finds (the shortest that read back, the nearest of those) but
    // where two are as near: `Display` then rounds half up, zmij half to even. Those values, and
    // whatever zmij writes with an exponent, go through `Display`.
    let mut buffer = zmij::Buffer::new();
    let text = if v.is_finite() && !nearest_may_tie(v) { buffer.format_finite(v) } else { "e" };
    if text.contains('e') {
        let _ = write!(out, "{v}");
        return;
    }
    out.extend_from_slice(text.strip_suffix(".0").unwrap_or(text).as_bytes());
}

/// Whether `v` (finite) could lie halfway between the two nearest decimals of its shortest length. It
/// cannot when its exact decimal has more than 18 significant digits: the shortest has at most 17, and
/// the midpoint of two decimals of k digits has k + 1. `v` = m·2^e with m odd has, for e < 0, exactly
/// as many digits as m·5^−e, at least 0.69·(−e) + 1: more than 18 from e = −26 on. Whole numbers below
/// 2^53 have at most 16 digits, all of them written: no tie either.
fn nearest_may_tie(v: f64) -> bool {
    let bits = v.to_bits();
    let (stored, biased) = (bits & ((1 << 52) - 1), ((bits >> 52) & 0x7ff) as i64);
    let (mantissa, exponent) = if biased == 0 { (stored, -1074) } else { (stored | 1 << 52, biased - 1075) };
    if mantissa == 0 {
        return false;
    }
    let exponent = exponent + i64::from(mantissa.trailing_zeros());
    let whole = exponent >= 0;
    if whole { v.abs() >= 9_007_199_254_740_992.0 } else { exponent > -26 }
}

/// Appends an integer.
pub fn push_int(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Formats an integer with thousands separators: 61768942 → "61,768,942".
///
/// ```
/// use footprint_overlap::write::thousands;
/// assert_eq!(thousands(0), "0");
/// assert_eq!(thousands(999), "999");
/// assert_eq!(thousands(1000), "1,000");
/// assert_eq!(thousands(61_768_942), "61,768,942");
/// ```
#[must_use]
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use footprint_index::SplitMix64;

    use super::push_f64;

    fn check(v: f64) {
        let mut out = Vec::new();
        push_f64(&mut out, v);
        assert_eq!(String::from_utf8(out).unwrap(), format!("{v}"), "{:#x}", v.to_bits());
    }

    #[test]
    fn floats_are_written_as_display_writes_them() {
        // Ties: 703866133816823.25 is as near 703866133816823.2 as .3 (Display writes .3).
        check(f64::from_bits(0x4304_014c_d701_2fba));
        check(0.125);
        check(1.5);
        check(2.5e15);
        for v in [0.0, -0.0, 1.0, -1.0, 0.5, 1e-5, 1e-7, 123_456.0, 1e15, 1e16, 1e21, 1e300, f64::MIN_POSITIVE] {
            check(v);
        }
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, 5e-324] {
            check(v);
        }
        let mut rng = SplitMix64(2022);
        for _ in 0..200_000 {
            // Any bits; shares and per-km² figures as the tables have them; whole numbers.
            check(f64::from_bits(rng.next_u64()));
            let (a, b) = (rng.below(1_000_000), rng.below(1_000_000) + 1);
            check(a as f64 / b as f64);
            check(rng.unit() * 10f64.powi(rng.below(30) as i32 - 12));
            check(rng.below(1 << 53) as f64);
            // Few fractional bits: the values that can tie.
            check(rng.below(1 << 53) as f64 / f64::from(1u32 << rng.below(30)));
        }
    }
}
