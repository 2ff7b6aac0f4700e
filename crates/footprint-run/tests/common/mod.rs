//! Helpers shared by the integration tests: the files of the shared data folder beside the project.
#![allow(dead_code)] // each test file uses some of them

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use footprint_ingest::InputFile;

/// `path` in the shared data folder, `../shared/data` beside the project (as in CI), if it is there.
///
/// When it is not: `None`, after printing `SKIPPED: ../shared/data/<path>: not found (<where>)`, so that
/// `cargo test` passes on a clone with nothing beside it; under `CI=true` the test fails instead, naming
/// the file. Use it as `let Some(file) = require("england-2011/…") else { return };`.
///
/// # Panics
/// Under `CI=true`, if the file is missing.
#[must_use]
pub(crate) fn require(path: &str) -> Option<PathBuf> {
    // The project's root is two folders above this crate's; the shared folder is beside the root.
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(3).unwrap_or(Path::new("/"));
    let file = beside.join("shared/data").join(path);
    if file.exists() {
        return Some(file);
    }
    let name = format!("../shared/data/{path}");
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{name} is missing ({} not found) and CI=true: CI runs with ../shared beside the project",
        file.display()
    );
    // Straight to the process's stderr, not through eprintln!, which the test harness captures and
    // shows only for failed tests.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {name}: not found ({})", file.display());
    None
}

/// The program `name` (a GDAL tool, QGIS's Python) if it is on the PATH, or at `path` when given.
///
/// When it is not: `None`, after printing `SKIPPED: <test>: <name> not found (<install hint>)`; under
/// `CI=true` the test fails instead (`.ci/run` installs every tool the tests use).
///
/// # Panics
/// Under `CI=true`, if the program is missing.
#[must_use]
pub(crate) fn require_tool(name: &str, install: &str) -> Option<PathBuf> {
    let found = if name.contains('/') {
        Some(PathBuf::from(name)).filter(|p| p.is_file())
    } else {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
    };
    if found.is_some() {
        return found;
    }
    skipped(&format!("{name} not found"), install)
}

/// `None`, after saying on stderr that the test is skipped because of `what` (to mend with `install`);
/// under `CI=true` a panic, since `.ci/run` installs what the tests need.
fn skipped<T>(what: &str, install: &str) -> Option<T> {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{what} and CI=true: .ci/run installs it ({install})");
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what} ({install})");
    None
}

/// Runs a program and returns its standard output.
///
/// # Panics
/// If it cannot start or exits with an error (its stderr is shown).
#[must_use]
pub(crate) fn output_of(program: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(program).args(args).output().expect("start the program");
    assert!(out.status.success(), "{} {args:?} failed: {}", program.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The number of features of `layer` in `file` whose geometry GEOS finds invalid, by GDAL's SQLite
/// dialect (`ST_IsValid`, SpatiaLite over GEOS) on its column `geometry`, with the feature count:
/// `(features, invalid)`.
#[must_use]
pub(crate) fn geos_invalid(ogrinfo: &Path, file: &Path, layer: &str, geometry: &str) -> (u64, u64) {
    let sql = format!("SELECT count(*) AS n, sum(NOT ST_IsValid({geometry})) AS invalid FROM \"{layer}\"");
    let text = output_of(ogrinfo, &["-ro", "-q", "-dialect", "SQLite", "-sql", &sql, &file.to_string_lossy()]);
    let field = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name} (Integer) = ")).map(str::to_owned))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in ogrinfo's answer: {text}"))
    };
    (field("n"), field("invalid"))
}

/// `python3` when it can import every one of `modules`, or `None` (after saying what is missing); under
/// `CI=true` a missing module fails the test (`.ci/run` installs them with pip).
///
/// # Panics
/// Under `CI=true`, if python3 or a module is missing.
#[must_use]
pub(crate) fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let python = require_tool("python3", "apt-get install python3")?;
    let import = format!("import {}", modules.join(", "));
    let ok = std::process::Command::new(&python).args(["-c", &import]).output().is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    skipped(&format!("python3 cannot {import}"), &format!("pip install {}", modules.join(" ")))
}

/// The features of GeoParquet `file` and how many of them GEOS (through shapely) finds invalid.
///
/// # Panics
/// If the script fails.
#[must_use]
pub(crate) fn geoparquet_invalid(python: &Path, file: &Path) -> (u64, u64) {
    let script = "import sys, pyarrow.parquet as pq, shapely\n\
                  g = shapely.from_wkb(pq.read_table(sys.argv[1], columns=['geometry']).column('geometry').to_numpy(zero_copy_only=False))\n\
                  print(len(g), int((~shapely.is_valid(g)).sum()))";
    let text = output_of(python, &["-c", script, &file.to_string_lossy()]);
    let mut numbers = text.split_whitespace().map(|n| n.parse::<u64>().expect("a count"));
    (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
}

/// The fields of a CSV line (commas inside double quotes kept; `""` is a quote).
pub(crate) fn fields(line: &str) -> Vec<String> {
    let (mut out, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The rows of a CSV (plain or gzip) as maps from header to value.
pub(crate) fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let file = InputFile::read(path).unwrap();
    let text = String::from_utf8(file.content().to_vec()).unwrap();
    let mut lines = text.lines();
    let header = fields(lines.next().unwrap());
    lines.filter(|l| !l.is_empty()).map(|l| header.iter().cloned().zip(fields(l)).collect()).collect()
}

/// An overlap job on small files written into `dir` (`regs.csv`, `map.csv`, `areas.geojson`, `lookup.csv`
/// from `texts` in that order): placed by the lookup, at 1%, with no footprints and no contexts.
pub(crate) fn small_job(dir: &Path, texts: [&str; 4]) -> footprint_run::OverlapJob {
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    footprint_run::OverlapJob {
        registrations: file("regs.csv", texts[0]),
        practices: file("map.csv", texts[1]),
        areas: file("areas.geojson", texts[2]),
        area_fields: footprint_ingest::AreaFields::default(),
        assignment: footprint_run::AssignmentSource::Lookup {
            path: file("lookup.csv", texts[3]),
            columns: footprint_ingest::LookupColumns::default(),
        },
        thresholds: vec![footprint_overlap::Threshold::ONE_PERCENT],
        footprints: None,
        output: footprint_run::Output::default(),
        vintage: footprint_run::VintageRule::AsGiven,
        context: Vec::new(),
        prepared: Default::default(),
    }
}
