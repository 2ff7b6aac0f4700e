//! Pictures of a footprint run: a self-contained HTML report with an interactive map
//! ([`render_html`]) and a PNG choropleth ([`render_png`]), both made from the layers a run wrote
//! into its output directory ([`RunData::read`]).
//!
//! ```no_run
//! let run = footprint_report::RunData::read(std::path::Path::new("footprint-out"))?;
//! footprint_report::write_file(std::path::Path::new("footprint-out/report.html"), footprint_report::render_html(&run).as_bytes())?;
//! # Ok::<(), footprint_report::ReportError>(())
//! ```

pub mod classes;
mod context;
pub mod geometry;
mod html;
mod memory;
mod png;
pub mod run;
mod series;

use std::path::{Path, PathBuf};

pub use html::{HTML_TOLERANCE_DIVISOR, render_html, thousands};
pub use memory::LayerPictures;
pub use png::{MapFrame, MapOptions, RenderedMap, render_design_png, render_png};
pub use run::{AreaData, ContextClass, Display, DisplayShape, Measure, Outline, PcnInfo, RunData, Share};
pub use series::render_series_html;

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file of the run could not be read.
    #[error("cannot read {path}", path = path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why: the error's `source()`, not repeated in its message.
        source: std::io::Error,
    },
    /// A CSV of the run is malformed.
    #[error("{path}: {message}", path = path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// A JSON or GeoJSON file of the run is malformed.
    #[error("{path}: {message}", path = path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the position.
        message: String,
    },
    /// The run has no area with a shape to draw.
    #[error("{path}: no area has a polygon to draw", path = path.display())]
    NothingToDraw {
        /// The run directory.
        path: PathBuf,
    },
    /// The run has no count at the threshold asked for.
    #[error("{path} has no count at threshold {threshold}; it has: {available}", path = path.display())]
    NoSuchThreshold {
        /// The run directory.
        path: PathBuf,
        /// The threshold asked for.
        threshold: String,
        /// The thresholds it has.
        available: String,
    },
    /// The image is too large or could not be encoded.
    #[error("cannot make a {width}-pixel-wide PNG: {message}")]
    Image {
        /// The width asked for.
        width: u32,
        /// Why.
        message: String,
    },
    /// The picture could not be written.
    #[error(transparent)]
    Write(#[from] footprint_overlap::WriteError),
}

/// Writes `bytes` to `path` atomically (a temporary file beside it, renamed into place), creating the
/// folder if needed.
///
/// # Errors
/// [`ReportError::Write`] naming the file.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<PathBuf, ReportError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(|| "report.html".into(), |n| n.to_string_lossy().into_owned());
    let mut out = footprint_overlap::OutputSet::new(dir)?;
    out.stage(&name, bytes)?;
    Ok(out.commit()?.pop().unwrap_or_else(|| path.to_owned()))
}
