//! The one error type of the ingest stage: every variant names the file and where in it the problem is.

use std::path::PathBuf;

/// Why an input could not be read. Messages are lowercase and carry the path, the position and the value.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("cannot read {path}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system or the decompressor said: the error's `source()`, not repeated in its message.
        source: std::io::Error,
    },
    /// The file's gzip stream is truncated or corrupt.
    #[error("{path}: {message}", path = path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the decompressor found.
        message: String,
    },
    /// The file has no header line or no data at all.
    #[error("{path}: file is empty", path = path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A column the reader needs is not in the header.
    #[error("{path}: line 1: no column {wanted} in the header (found: {found})", path = path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column (or the accepted alternatives) that was looked for.
        wanted: String,
        /// The header as found.
        found: String,
    },
    /// A CSV record could not be read (wrong number of fields, invalid quoting, bad UTF-8 in a code).
    #[error("{path}: line {line}: {message}", path = path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the record.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A field that must hold a number does not.
    #[error("{path}: line {line}, column {column} ({column_name}): {problem}: {value:?}", path = path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The 1-based column.
        column: usize,
        /// The header of that column.
        column_name: String,
        /// The offending text.
        value: String,
        /// Why it is rejected.
        problem: &'static str,
    },
    /// The same key is given two different values (a practice in two PCNs, an LSOA in two areas).
    #[error("{path}: line {line}: {key} is mapped to {second:?} here but to {first:?} on line {first_line}", path = path.display())]
    Conflict {
        /// The file.
        path: PathBuf,
        /// The line of the second mapping.
        line: u64,
        /// The key mapped twice.
        key: String,
        /// The first value.
        first: String,
        /// The line of the first mapping.
        first_line: u64,
        /// The second value.
        second: String,
    },
    /// The file is not valid JSON, or not a GeoJSON FeatureCollection.
    #[error("{path}: line {line}, column {column}: {message}", path = path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A feature of an area layer is unusable.
    #[error("{path}: feature {feature}{code}: {problem}", path = path.display(), code = code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Feature {
        /// The file.
        path: PathBuf,
        /// The 0-based index of the feature in the collection.
        feature: usize,
        /// The area code of the feature, when it could be read.
        code: Option<String>,
        /// What is wrong, with the offending value.
        problem: String,
    },
    /// The coordinate reference system is unsupported, or contradicts the coordinates.
    #[error("{path}: {message}", path = path.display())]
    Crs {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the offending values.
        message: String,
    },
    /// A shapefile (or the archive or folder holding it) is incomplete or unreadable.
    #[error("{path}: {message}", path = path.display())]
    Shapefile {
        /// The file, folder or archive.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Two features carry the same area code.
    #[error("{path}: feature {second}: area code {code:?} already used by feature {first}", path = path.display())]
    DuplicateArea {
        /// The file.
        path: PathBuf,
        /// The duplicated code.
        code: String,
        /// The index of the first feature with it.
        first: usize,
        /// The index of the second.
        second: usize,
    },
}

impl IngestError {
    /// True when the input's content is wrong (as opposed to a file that could not be read at all).
    #[must_use]
    pub fn is_bad_data(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }
}
