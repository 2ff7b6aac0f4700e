//! `footprint report` and `footprint map`, and the progress shown on stderr for long steps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use footprint_report::{MapOptions, RunData, render_html, render_png, write_file};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{MapArgs, ReportArgs};

/// Runs `work` behind a spinner on stderr: hidden with `-q`, and by indicatif when stderr is not a terminal.
pub fn step<T>(quiet: bool, message: &str, work: impl FnOnce() -> T) -> T {
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

#[allow(clippy::cast_precision_loss)]
fn megabytes(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Writes the HTML report of `run` to `out`; returns the path written and its size in bytes.
pub fn write_report(quiet: bool, run: &RunData, out: &Path) -> anyhow::Result<(PathBuf, usize)> {
    let html = step(quiet, "drawing the report", || render_html(run));
    let path = write_file(out, html.as_bytes()).with_context(|| format!("writing the report {}", out.display()))?;
    Ok((path, html.len()))
}

/// Writes the PNG map of `run` to `out`; returns the path written, its size in bytes and in pixels.
pub fn write_map(
    quiet: bool,
    run: &RunData,
    options: &MapOptions,
    out: &Path,
) -> anyhow::Result<(PathBuf, usize, (u32, u32))> {
    let map = step(quiet, "drawing the map", || render_png(run, options))
        .with_context(|| format!("drawing the map of {}", run.dir.display()))?;
    let path = write_file(out, &map.png).with_context(|| format!("writing the map {}", out.display()))?;
    Ok((path, map.png.len(), map.size))
}

/// `footprint report`.
pub fn report(quiet: bool, args: &ReportArgs) -> anyhow::Result<()> {
    let run = read_run(quiet, &args.from)?;
    let out = args.out.clone().unwrap_or_else(|| args.from.join("report.html"));
    let (path, bytes) = write_report(quiet, &run, &out)?;
    if !quiet {
        println!("report: {} ({:.1} MB): open it in a browser", path.display(), megabytes(bytes));
    }
    Ok(())
}

/// `footprint map`.
pub fn map(quiet: bool, args: &MapArgs) -> anyhow::Result<()> {
    let run = read_run(quiet, &args.from)?;
    let mut options = MapOptions::new(&run);
    options.width = args.width;
    options.title.clone_from(&args.title);
    if let Some(t) = &args.threshold {
        options.measure = run.measure_index(t)?;
    }
    let (path, bytes, (w, h)) = write_map(quiet, &run, &options, &args.out)?;
    if !quiet {
        println!("map: {} ({w} × {h} px, {:.2} MB)", path.display(), megabytes(bytes));
    }
    Ok(())
}

/// After the default run: report.html and map.png beside its layers, and where the report is.
pub fn default_pictures(quiet: bool, dir: &Path) -> anyhow::Result<()> {
    let run = read_run(quiet, dir)?;
    let (report, bytes) = write_report(quiet, &run, &dir.join("report.html"))?;
    let (map, _, _) = write_map(quiet, &run, &MapOptions::new(&run), &dir.join("map.png"))?;
    if !quiet {
        println!("  {}", map.display());
        println!("report: {} ({:.1} MB): open it in a browser", report.display(), megabytes(bytes));
    }
    Ok(())
}
