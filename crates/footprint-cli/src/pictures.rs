//! `footprint report` and `footprint map`, and the progress shown on stderr for long steps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use footprint_overlap::write::schema::files;
use footprint_report::{LayerPictures, MapOptions, RunData, render_html, render_png, write_file};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{MapArgs, ReportArgs};

/// Runs `work` behind a spinner on stderr: hidden with `-q`, and by indicatif when stderr is not a terminal.
pub(crate) fn step<T>(quiet: bool, message: &str, work: impl FnOnce() -> T) -> T {
    let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
    let bar = ProgressBar::with_draw_target(None, target);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(format!("footprint: {message}"));
    bar.enable_steady_tick(Duration::from_millis(100));
    let out = work();
    bar.finish_and_clear();
    out
}

fn read_run(quiet: bool, dir: &Path) -> anyhow::Result<RunData> {
    step(quiet, &format!("reading the run in {}", dir.display()), || RunData::read(dir))
        .with_context(|| format!("reading the run in {}", dir.display()))
}

fn megabytes(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Writes a picture atomically; returns the path written.
fn save(out: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    write_file(out, bytes).with_context(|| format!("writing {}", out.display()))
}

fn draw_map(quiet: bool, run: &RunData, options: &MapOptions) -> anyhow::Result<footprint_report::RenderedMap> {
    step(quiet, "drawing the map", || render_png(run, options))
        .with_context(|| format!("drawing the map of {}", run.dir.display()))
}

/// `footprint report`.
pub(crate) fn report(quiet: bool, args: &ReportArgs) -> anyhow::Result<()> {
    let run = read_run(quiet, &args.from)?;
    let out = args.out.clone().unwrap_or_else(|| args.from.join("report.html"));
    let html = step(quiet, "drawing the report", || render_html(&run));
    let path = save(&out, html.as_bytes())?;
    if !quiet {
        println!("report: {} ({:.1} MB): open it in a browser", path.display(), megabytes(html.len()));
    }
    Ok(())
}

/// `footprint map`.
pub(crate) fn map(quiet: bool, args: &MapArgs) -> anyhow::Result<()> {
    let run = read_run(quiet, &args.from)?;
    let mut options = MapOptions::new(&run);
    options.width = args.width;
    options.title.clone_from(&args.title);
    if let Some(t) = &args.threshold {
        options.measure = run.measure_index(t)?;
    }
    let map = draw_map(quiet, &run, &options)?;
    let path = save(&args.out, &map.png)?;
    if !quiet {
        let (w, h) = map.size;
        println!("map: {} ({w} × {h} px, {:.2} MB)", path.display(), megabytes(map.png.len()));
    }
    Ok(())
}

/// Whether a run drew its pictures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Drawn {
    /// `report.html` and `map.png` were written with the layers.
    Yes,
    /// Only the layers.
    No,
}

/// The default run's pictures, drawn side by side from the analysis in memory and `layer` (made while
/// the analysis ran): `report.html` and `map.png`, to be written with the layers.
pub(crate) fn from_analysis(
    dir: &Path,
    loaded: &footprint_run::Loaded,
    analysis: &footprint_run::Analysis,
    layer: LayerPictures,
) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let run = RunData::from_analysis(dir, loaded, analysis, layer)?;
    // The map is drawn on one thread from start to end: started first, the report's parallel parts
    // fill the other.
    let (map, html) = rayon::join(|| render_png(&run, &MapOptions::new(&run)), || render_html(&run));
    let map = map.with_context(|| format!("drawing the map of {}", dir.display()))?;
    Ok(vec![(files::MAP_PNG, map.png), (files::REPORT_HTML, html.into_bytes())])
}

/// Where the pictures are, after a run that drew them.
pub(crate) fn say_where(written: &[PathBuf], drawn: Drawn) {
    if drawn == Drawn::No {
        return;
    }
    // The run's summary lists every file written, the pictures among them; say how to open the report.
    if let Some(report) = written.iter().find(|p| p.file_name().is_some_and(|n| n == files::REPORT_HTML)) {
        let size = std::fs::metadata(report).map_or(0, |m| m.len());
        let mb = size as f64 / 1e6;
        println!("report: {} ({mb:.1} MB): open it in a browser", report.display());
    }
}
