//! The `footprint` command: measures how PCN footprints overlap, from NHS registrations and ONS boundaries.
//!
//! Only this crate knows about clap, the terminal and exit codes.

mod args;
mod pictures;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_run::{FootprintJob, OverlapJob, Preparation, RunError};

use crate::args::{Cli, Command, OverlapArgs};

/// mimalloc: the run allocates millions of small strings and vectors; it is measurably faster than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, documented in docs/cli.md.
mod exit {
    /// An input file is malformed (the message names the file, the position and the value).
    pub(crate) const BAD_INPUT: u8 = 3;
    /// A file could not be read or an output could not be written.
    pub(crate) const IO: u8 = 4;
    /// A flag's value does not fit the run (as clap's own usage errors, which exit with 2 themselves).
    pub(crate) const USAGE: u8 = 2;
    /// Anything else.
    pub(crate) const OTHER: u8 = 1;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("footprint: error: {e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Registrations on another census's LSOA codes, refused (`--no-convert`): the error with the flag to use.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// A refused conversion says which flag fits the registrations; other errors pass through.
fn refused(e: RunError) -> anyhow::Error {
    match &e {
        RunError::Vintage { mix, .. } => {
            let hint = match mix.vintage() {
                footprint_ingest::Detected::Census(v) => {
                    format!("give --geography {v}, or leave out --no-convert to convert them")
                }
                _ => "leave out --no-convert to convert the codes of the other census".to_owned(),
            };
            Refused(format!("{e}: {hint}")).into()
        }
        _ => e.into(),
    }
}

fn exit_code(e: &anyhow::Error) -> u8 {
    use footprint_report::ReportError;
    if e.downcast_ref::<args::Usage>().is_some() || e.downcast_ref::<Refused>().is_some() {
        return exit::USAGE;
    }
    if let Some(r) = e.downcast_ref::<ReportError>() {
        return match r {
            ReportError::Csv { .. } | ReportError::Json { .. } | ReportError::NothingToDraw { .. } => exit::BAD_INPUT,
            ReportError::Read { .. } | ReportError::Write(_) => exit::IO,
            ReportError::NoSuchThreshold { .. } => exit::USAGE,
            ReportError::Image { .. } => exit::OTHER,
        };
    }
    match e.downcast_ref::<RunError>() {
        Some(RunError::Ingest(i)) if i.is_bad_data() => exit::BAD_INPUT,
        Some(RunError::Ingest(_) | RunError::Write(_)) => exit::IO,
        Some(RunError::Job { .. } | RunError::Vintage { .. } | RunError::NoSuchRegion { .. }) => exit::USAGE,
        Some(RunError::Design(footprint_design::DesignError::Empty)) => exit::BAD_INPUT,
        Some(RunError::Design(_)) => exit::USAGE,
        Some(RunError::Gis(_)) => exit::OTHER,
        None => exit::OTHER,
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    if let Some(threads) = cli.threads {
        // rayon's error prints its io::Error and also returns it as its source: keep one of the two.
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start the thread pool: {e}"))?;
    }
    match &cli.command {
        Some(Command::Overlap(args)) => overlap(cli, args),
        Some(Command::Footprints(args)) => execute(cli, args.job(fixtures_root().as_deref())?, &args.overlap.out),
        Some(Command::Align(args)) => align(cli, args),
        Some(Command::Design(args)) => design(cli, args),
        Some(Command::Series(args)) => series(cli, args),
        Some(Command::Report(args)) => pictures::report(cli.quiet, args),
        Some(Command::Map(args)) => pictures::map(cli.quiet, args),
        None => default_run(cli),
    }
}

fn overlap(cli: &Cli, args: &OverlapArgs) -> anyhow::Result<()> {
    let job = args.job(fixtures_root().as_deref())?;
    execute(cli, job, &args.out)
}

/// `footprint series`: many publications on one geography.
fn series(cli: &Cli, args: &crate::args::SeriesArgs) -> anyhow::Result<()> {
    let geography = args.geography_job(fixtures_root().as_deref())?;
    let manifest = match &args.manifest {
        Some(path) => {
            let file = footprint_ingest::InputFile::read(path).map_err(RunError::from)?;
            footprint_ingest::read_manifest(&file)
                .map_err(RunError::from)?
                .into_iter()
                .map(|r| footprint_run::Publication {
                    label: r.label,
                    registrations: r.registrations,
                    practices: r.practices,
                    date: r.date,
                    edits: r.edits,
                })
                .collect()
        }
        None => Vec::new(),
    };
    let job = footprint_run::SeriesJob { geography, publications: args.publications(manifest)? };
    let thresholds = job.geography.thresholds.clone();
    let report = pictures::step(cli.quiet, "reading and counting every publication", || {
        footprint_run::series_run_with(&job, &args.out, |layer, publications| {
            let html = footprint_report::render_series_html(layer, publications, &thresholds);
            vec![(footprint_overlap::write::schema::files::REPORT_HTML, html.into_bytes())]
        })
    })
    .map_err(refused)
    .with_context(|| format!("series writing to {}", args.out.display()))?;
    if !cli.quiet {
        for p in &report.publications {
            for w in &p.warnings {
                eprintln!("footprint: warning: {}: {w}", p.label);
            }
        }
        print!("{}", report::series_text(&report));
    }
    Ok(())
}

/// `footprint align`: teams against PCNs.
fn align(cli: &Cli, args: &crate::args::AlignArgs) -> anyhow::Result<()> {
    let job = args.job()?;
    let report = footprint_run::align_run(&job, &args.out)
        .with_context(|| format!("alignment run writing to {}", args.out.display()))?;
    if !cli.quiet {
        print!("{}", report::alignment_text(&report));
    }
    Ok(())
}

/// `footprint design`: patches that fit the PCNs.
fn design(cli: &Cli, args: &crate::args::DesignArgs) -> anyhow::Result<()> {
    let job = args.job();
    let report = pictures::step(cli.quiet, "designing patches", || {
        footprint_run::design_run_with(&job, &args.out, |design, shapes, crs| {
            let alignments: Vec<Option<f64>> = design.patches.iter().map(footprint_design::Patch::alignment).collect();
            let title = "Patches designed to fit the PCNs";
            match footprint_report::render_design_png(shapes, &alignments, crs, title, 1600) {
                Ok(png) => vec![(footprint_overlap::write::schema::files::DESIGN_MAP_PNG, png)],
                Err(e) => {
                    eprintln!("footprint: warning: no design map: {e}");
                    Vec::new()
                }
            }
        })
    })
    .with_context(|| format!("design run writing to {}", args.out.display()))?;
    if !cli.quiet {
        print!("{}", report::design_text(&report));
    }
    Ok(())
}

/// With no arguments: the national analysis on the England dataset committed in fixtures/.
fn default_run(cli: &Cli) -> anyhow::Result<()> {
    let dir = fixtures_root().map(|f| f.join("england-2011")).context(
        "no arguments given and the default dataset (fixtures/england-2011) was not found; run from the project root or see `footprint --help`",
    )?;
    let mut job = OverlapJob::england_by_lookup(&dir);
    job.output = cli.output.output();
    job.prepared = cli.prepared();
    job.footprints = Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() });
    if !cli.quiet {
        eprintln!("footprint: no arguments: national overlap analysis on {} (July 2022 registrations)", dir.display());
    }
    let out = Path::new("footprint-out");
    let report = pictures::step(cli.quiet, "reading, counting, drawing and writing", || {
        let layer = |loaded: &footprint_run::Loaded| {
            footprint_report::LayerPictures::kept(loaded, &job.prepared, &job.area_fields)
        };
        footprint_run::run_with(&job, out, layer, |loaded, analysis, layer| {
            pictures::from_analysis(out, loaded, analysis, layer)
        })
    })
    .with_context(|| format!("overlap run writing to {}", out.display()))?;
    finish(cli, report, pictures::Drawn::Yes)
}

/// The bundled data: ./fixtures, else the one beside the sources this binary was built from.
fn fixtures_root() -> Option<PathBuf> {
    let here = PathBuf::from("fixtures");
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    [here, built].into_iter().find(|d| d.join("england-2011/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz").is_file())
}

fn execute(cli: &Cli, mut job: OverlapJob, out: &Path) -> anyhow::Result<()> {
    job.prepared = cli.prepared();
    let report = pictures::step(cli.quiet, "reading, counting and writing", || footprint_run::run(&job, out))
        .map_err(refused)
        .with_context(|| format!("overlap run writing to {}", out.display()))?;
    finish(cli, report, pictures::Drawn::No)
}

/// Stage timings with `-v`, warnings, the summary, and where the pictures are.
fn finish(cli: &Cli, report: footprint_run::RunReport, drawn: pictures::Drawn) -> anyhow::Result<()> {
    if cli.verbose > 0 {
        let t = &report.times;
        eprintln!(
            "footprint: load {:.3} s, analyse {:.3} s, render {:.3} s, write {:.3} s",
            t.load.as_secs_f64(),
            t.analyse.as_secs_f64(),
            t.render.as_secs_f64(),
            t.write.as_secs_f64()
        );
        let layer = report.loaded.areas_meta.path.display();
        match &report.loaded.areas_how {
            Preparation::Read => {}
            Preparation::Loaded(p) => eprintln!("footprint: {layer}: loaded as prepared in {}", p.display()),
            Preparation::Built(p) => eprintln!("footprint: {layer}: read, and kept prepared in {}", p.display()),
            Preparation::NotKept(why) => eprintln!("footprint: {layer}: read; its prepared form was not kept: {why}"),
        }
    }
    if !cli.quiet {
        let duplicates = &report.loaded.registrations.duplicate_rows;
        if duplicates.count > 0 {
            eprintln!(
                "footprint: warning: {}: {} rows repeat a practice × LSOA pair already given (first at line {}); their patients are summed",
                report.loaded.registrations_meta.path.display(),
                duplicates.count,
                duplicates.first_lines.first().copied().unwrap_or(0)
            );
        }
        if let Some(c) = &report.analysis.assignment.conversion
            && c.mix.vintage() == footprint_ingest::Detected::Mixed
        {
            eprintln!(
                "footprint: warning: {}: the LSOA codes mix the censuses: {} codes only in 2011 ({} patients), {} only in 2021 ({} patients); those of the {} census are converted",
                report.loaded.registrations_meta.path.display(),
                report::thousands(c.mix.only_2011.codes),
                report::thousands(c.mix.only_2011.patients),
                report::thousands(c.mix.only_2021.codes),
                report::thousands(c.mix.only_2021.patients),
                c.geography.other()
            );
        }
        print!("{}", report::summary_text(&report));
        pictures::say_where(&report.written, drawn);
    }
    // The process ends next: leave the tables to the operating system rather than free them one by one.
    std::mem::forget(report);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;

    /// A job whose inputs cannot give what it asks (LSOA footprints with LSOAs placed by a lookup, not by
    /// polygons) fails as `RunError::Job`: a usage error, whatever the context around it.
    #[test]
    fn a_job_its_inputs_cannot_serve_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let mut job = OverlapJob {
            registrations: file("regs.csv", "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\n"),
            practices: file("map.csv", "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\n"),
            areas: file(
                "areas.geojson",
                r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"MSOA11CD":"M1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}"#,
            ),
            area_fields: footprint_ingest::AreaFields::default(),
            assignment: footprint_run::AssignmentSource::Lookup {
                path: file("lookup.csv", "LSOA11CD,MSOA11CD\nL1,M1\n"),
                columns: footprint_ingest::LookupColumns::default(),
            },
            thresholds: vec![footprint_overlap::Threshold::ONE_PERCENT],
            footprints: None,
            output: Default::default(),
            vintage: footprint_run::VintageRule::AsGiven,
            context: Vec::new(),
            prepared: footprint_run::PreparedCache::Off,
        };
        let out = dir.path().join("out");
        assert!(footprint_run::run(&job, &out).is_ok());
        job.footprints = Some(FootprintJob { level: FootprintLevel::Lsoa, spec: FootprintSpec::default() });
        let e =
            anyhow::Error::from(footprint_run::run(&job, &out).err().unwrap()).context("overlap run writing to out");
        assert!(matches!(e.downcast_ref::<RunError>(), Some(RunError::Job { .. })), "{e:#}");
        assert_eq!(exit_code(&e), exit::USAGE);
        assert_eq!(
            format!("{e:#}"),
            "overlap run writing to out: LSOA-level footprints need LSOA polygons to place LSOAs by"
        );
    }

    /// Each kind of failure maps to its documented code.
    #[test]
    fn errors_map_to_their_exit_codes() {
        use footprint_ingest::IngestError;
        let io = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let missing = IngestError::Io { path: "x.csv".into(), source: io() };
        let empty = IngestError::Empty { path: "x.csv".into() };
        let cases: [(anyhow::Error, u8); 6] = [
            (RunError::from(missing).into(), exit::IO),
            (RunError::from(empty).into(), exit::BAD_INPUT),
            (RunError::from(footprint_overlap::WriteError::Write { path: "o".into(), source: io() }).into(), exit::IO),
            (RunError::Job { problem: "no" }.into(), exit::USAGE),
            (args::Usage("--footprint-level lsoa needs LSOA polygons").into(), exit::USAGE),
            (anyhow::anyhow!("cannot start the thread pool"), exit::OTHER),
        ];
        for (e, code) in cases {
            assert_eq!(exit_code(&e.context("a context")), code);
        }
    }
}
