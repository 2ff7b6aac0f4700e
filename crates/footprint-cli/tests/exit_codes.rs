//! Every exit code of docs/cli.md, each from the command line that gives it, with a part of its message;
//! every error message names each cause once, starts in lowercase and ends without a full stop.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
use common::good_inputs;

use std::process::Command;

/// `footprint overlap` on the good inputs, without its LSOA placement (`--lookup`, `--centroids` or
/// `--lsoa-areas`) and `--out`.
const OVERLAP: &str = "overlap --registrations {dir}/regs.csv --practices {dir}/map.csv --areas {dir}/areas.geojson";

/// A folder of good inputs, and a run of them in `{dir}/run` for `report` and `map`.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let fixture = Self { dir: tempfile::tempdir().unwrap() };
        good_inputs(fixture.dir.path());
        fixture.check(&format!("-q {OVERLAP} --lookup {{dir}}/lookup.csv --out {{dir}}/run"), 0, "");
        fixture
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `footprint` with `args` (split at spaces; `{overlap}` stands for [`OVERLAP`], `{dir}` for the
    /// fixture's folder) and checks the exit code and that stdout or stderr holds `expected_message_part`.
    /// Returns stderr.
    fn check(&self, args: &str, expected_code: i32, expected_message_part: &str) -> String {
        self.check_with_env(&[], args, expected_code, expected_message_part)
    }

    /// [`Fixture::check`] with environment variables set for the run.
    fn check_with_env(&self, env: &[(&str, &str)], args: &str, expected_code: i32, expected_part: &str) -> String {
        let dir = self.dir.path().display().to_string();
        let args: Vec<String> =
            args.replace("{overlap}", OVERLAP).split_whitespace().map(|a| a.replace("{dir}", &dir)).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_footprint"))
            .args(&args)
            .envs(env.iter().copied())
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let expected = expected_part.replace("{dir}", &dir);
        assert_eq!(out.status.code(), Some(expected_code), "footprint {args:?}: {stderr}");
        assert!(
            stderr.contains(&expected) || stdout.contains(&expected),
            "footprint {args:?}: the output lacks {expected:?}\nstderr: {stderr}\nstdout: {stdout}"
        );
        assert!(!stderr.contains("panicked"), "footprint {args:?}: {stderr}");
        for line in stderr.lines().filter_map(|l| l.strip_prefix("footprint: error: ")) {
            check_error_line(line);
        }
        stderr
    }
}

/// The rules of an error message: each cause once, lowercase, no full stop at the end.
fn check_error_line(line: &str) {
    let causes: Vec<&str> = line.split(": ").collect();
    for pair in causes.windows(2) {
        assert_ne!(pair[0], pair[1], "a cause printed twice in {line:?}");
    }
    assert!(!line.starts_with(char::is_uppercase), "an error starting in capitals: {line:?}");
    assert!(!line.ends_with('.'), "an error ending with a full stop: {line:?}");
}

#[test]
fn exit_0_on_success_possibly_with_warnings() {
    let f = Fixture::new();
    f.check("{overlap} --lookup {dir}/lookup.csv --out {dir}/a", 0, "2 areas; 100 patients read on 2 rows");
    f.check("{overlap} --centroids {dir}/centroids.csv --out {dir}/b", 0, "wrote:");
    std::fs::write(f.path("twice.csv"), "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\nA,L1,10\n").unwrap();
    f.check(
        "overlap --registrations {dir}/twice.csv --practices {dir}/map.csv --areas {dir}/areas.geojson --lookup {dir}/lookup.csv --out {dir}/c",
        0,
        "footprint: warning: {dir}/twice.csv: 1 rows repeat a practice × LSOA pair",
    );
    f.check("map --from {dir}/run --out {dir}/m.png --width 400", 0, "map: {dir}/m.png (400 × ");
    f.check("report --from {dir}/run", 0, "report: {dir}/run/report.html (");
}

/// A thread pool that cannot start (no thread can have the stack asked for) is "any other failure".
#[test]
fn exit_1_when_the_thread_pool_cannot_start() {
    let f = Fixture::new();
    // 1 PiB stacks: more than the address space, so the first worker thread cannot be made.
    let huge_stacks = [("RUST_MIN_STACK", "1125899906842624")];
    let stderr = f.check_with_env(
        &huge_stacks,
        "--threads 2 {overlap} --lookup {dir}/lookup.csv --out {dir}/o",
        1,
        "footprint: error: cannot start the thread pool: ",
    );
    assert!(!f.path("o").exists(), "{stderr}");
}

#[test]
fn exit_2_on_usage_errors() {
    let f = Fixture::new();
    f.check("{overlap} --lookup {dir}/lookup.csv --bogus", 2, "unexpected argument '--bogus'");
    f.check("overlap --registrations x", 2, "the following required arguments were not provided");
    f.check("{overlap} --lookup {dir}/lookup.csv --threshold 1.5", 2, "a share threshold must be between 0 and 1");
    f.check("{overlap} --lookup {dir}/lookup.csv --threads many", 2, "invalid value 'many' for '--threads <N>'");
    f.check(
        "{overlap} --lookup {dir}/lookup.csv --snap-metres=-1",
        2,
        "a distance must be a number of metres, 0 or more",
    );
    f.check("{overlap} --lookup {dir}/lookup.csv --snap-metres NaN", 2, "a distance must be a number of metres");
    f.check("{overlap} --lookup {dir}/lookup.csv --crs mercator", 2, "unsupported CRS \"mercator\"");
    f.check(
        "{overlap} --lookup {dir}/lookup.csv --centroids {dir}/centroids.csv",
        2,
        "the argument '--lookup <FILE>' cannot be used with '--centroids <FILE>'",
    );
    f.check("{overlap} --geography 2031", 2, "invalid value '2031' for '--geography <YEAR>'");
    let f_args = "footprints --registrations {dir}/regs.csv --practices {dir}/map.csv --areas {dir}/areas.geojson";
    f.check(&format!("{f_args} --lookup {{dir}}/lookup.csv --method bogus"), 2, "unknown footprint method \"bogus\"");
    f.check(&format!("{f_args} --lookup {{dir}}/lookup.csv --footprint-level ward"), 2, "invalid value 'ward'");
    f.check(
        &format!("{f_args} --lookup {{dir}}/lookup.csv --footprint-level lsoa --out {{dir}}/f"),
        2,
        "footprint: error: --footprint-level lsoa needs LSOA polygons: give them with --lsoa-areas",
    );
    assert!(!f.path("f").exists());
    let a_args = "align --registrations {dir}/regs.csv --practices {dir}/map.csv --teams {dir}/areas.geojson";
    f.check(&format!("{a_args} --lsoa-areas {{dir}}/areas.geojson --apportion pieces"), 2, "invalid value 'pieces'");
    f.check(&format!("{a_args} --lsoa-areas {{dir}}/areas.geojson --teams-crs utm"), 2, "unsupported CRS \"utm\"");
    f.check("align --registrations x --practices y", 2, "<--teams <FILE>|--team-lookup <FILE>>");
    f.check(
        "map --from {dir}/run --out {dir}/m.png --width 5",
        2,
        "invalid value '5' for '--width <N>': 5 is not in 400..=12000",
    );
    f.check("map --from {dir}/run --out {dir}/m.png --width 12001", 2, "12001 is not in 400..=12000");
    f.check(
        "map --from {dir}/run --out {dir}/m.png --threshold 5%",
        2,
        "has no count at threshold 5%; it has: all, 1%",
    );
    assert!(!f.path("m.png").exists());
}

#[test]
fn exit_3_on_malformed_inputs() {
    let f = Fixture::new();
    std::fs::write(f.path("bad.csv"), "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,ninety\n").unwrap();
    f.check(
        "overlap --registrations {dir}/bad.csv --practices {dir}/map.csv --areas {dir}/areas.geojson --lookup {dir}/lookup.csv",
        3,
        "{dir}/bad.csv: line 2, column 3 (NUMBER_OF_PATIENTS): not a whole number: \"ninety\"",
    );
    // A run whose summary is not JSON.
    std::fs::create_dir(f.path("broken")).unwrap();
    for entry in std::fs::read_dir(f.path("run")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), f.path("broken").join(entry.file_name())).unwrap();
    }
    std::fs::write(f.path("broken/summary.json"), "{not json").unwrap();
    f.check("report --from {dir}/broken", 3, "{dir}/broken/summary.json: ");
}

/// A file that cannot be read, or an output that cannot be written: the operating system's reason once.
#[test]
fn exit_4_on_files_not_read_or_not_written_naming_the_reason_once() {
    let f = Fixture::new();
    let stderr = f.check(
        "overlap --registrations {dir}/nope.csv --practices {dir}/map.csv --areas {dir}/areas.geojson --lookup {dir}/lookup.csv",
        4,
        "cannot read {dir}/nope.csv: No such file or directory (os error 2)",
    );
    assert_eq!(stderr.matches("(os error 2)").count(), 1, "{stderr}");
    let stderr = f.check("report --from {dir}/nothing", 4, "cannot read {dir}/nothing/msoa_overlap.csv: ");
    assert_eq!(stderr.matches("(os error 2)").count(), 1, "{stderr}");
    std::fs::write(f.path("a-file"), "not a folder").unwrap();
    let stderr = f.check(
        "{overlap} --lookup {dir}/lookup.csv --out {dir}/a-file/out",
        4,
        "cannot create output directory {dir}/a-file/out: Not a directory (os error 20)",
    );
    assert_eq!(stderr.matches("(os error 20)").count(), 1, "{stderr}");
    f.check("map --from {dir}/run --out {dir}/a-file/m.png", 4, "{dir}/a-file");
}

/// `--format` as typed: each format's files written, repeated and comma-separated alike (GeoJSON only when
/// no format or `geojson` is given); the styles
/// beside the layers unless shapefiles are asked for; an unknown format a usage error naming the formats.
#[test]
fn formats_are_written_as_asked() {
    let f = Fixture::new();
    let files = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(f.path(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".csv") && n != "summary.json")
            .collect();
        names.sort();
        names
    };
    // Runs with `formats` into `{dir}/<out>` and checks the files written besides the CSVs and summary.json.
    let check = |formats: &str, out: &str, expected: &[&str]| {
        f.check(&format!("-q {{overlap}} --lookup {{dir}}/lookup.csv {formats} --out {{dir}}/{out}"), 0, "");
        assert_eq!(files(out), expected, "{formats:?}");
    };
    check("", "plain", &["msoa_overlap.geojson"]);
    let tables = ["msoa_pcn_shares.parquet", "overlap_by_context.parquet", "pcns.parquet"];
    let styles = ["msoa_overlap.qml", "msoa_overlap.sld"];
    check(
        "--format gpkg,parquet --format fgb",
        "three",
        &[&["footprint.gpkg", "msoa_overlap.fgb", "msoa_overlap.parquet"][..], &styles, &tables].concat(),
    );
    let shp = ["cpg", "dbf", "geojson", "prj", "shp", "shx"].map(|e| format!("msoa_overlap.{e}"));
    check("--format shp,geojson", "shp", &shp.iter().map(String::as_str).collect::<Vec<_>>());
    check("--format parquet", "parquet-only", &[&["msoa_overlap.parquet"][..], &styles, &tables].concat());
    f.check(
        "{overlap} --lookup {dir}/lookup.csv --format gpkg,kml --out {dir}/kml",
        2,
        "unknown format \"kml\": expected one of geojson, gpkg, fgb, parquet, shp",
    );
    assert!(!f.path("kml").exists());
}

/// Every flag of every command is described with an example in its help.
#[test]
fn help_gives_an_example_for_every_flag() {
    let f = Fixture::new();
    for command in ["", "overlap", "footprints", "align", "series", "report", "map"] {
        f.check(&format!("{command} --help"), 0, "Usage: footprint");
        let args = [command, "--help"].into_iter().filter(|a| !a.is_empty());
        let help = String::from_utf8(Command::new(env!("CARGO_BIN_EXE_footprint")).args(args).output().unwrap().stdout)
            .unwrap();
        let flags: Vec<&str> = help
            .split("\n\n")
            .map(|b| b.strip_prefix("Options:\n").unwrap_or(b))
            .filter(|b| b.trim_start().starts_with('-') && !b.contains("--help") && !b.contains("--version"))
            .collect();
        assert!(flags.len() >= 3, "{command}: {help}");
        for block in flags {
            // As one line: clap wraps the help to the terminal's width.
            let text = block.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(text.contains("Example: `"), "{command}: no example in {block:?}");
        }
    }
}

#[test]
fn error_lines_name_each_cause_once() {
    check_error_line("overlap run writing to out: cannot read x.csv: No such file or directory (os error 2)");
    let twice = "cannot read x.csv: No such file or directory (os error 2): No such file or directory (os error 2)";
    assert!(std::panic::catch_unwind(|| check_error_line(twice)).is_err());
}

/// `footprint design` on two LSOAs end to end, and its errors with their exit codes and messages.
#[test]
fn design_succeeds_and_fails_with_its_codes() {
    let f = Fixture::new();
    let square = |x: u32| format!("[[[{x},0],[{},0],[{},1],[{x},1],[{x},0]]]", x + 1, x + 1);
    let feature = |code: &str, ring: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"LSOA11CD":"{code}"}},"geometry":{{"type":"Polygon","coordinates":{ring}}}}}"#
        )
    };
    let layer = |a: &str, b: &str| format!(r#"{{"type":"FeatureCollection","features":[{a},{b}]}}"#);
    std::fs::write(f.path("lsoas.geojson"), layer(&feature("L1", &square(0)), &feature("L2", &square(1)))).unwrap();
    let short = "[[[1,0],[2,0],[1,0]]]";
    std::fs::write(f.path("short.geojson"), layer(&feature("L1", &square(0)), &feature("L2", short))).unwrap();
    let design = "design --registrations {dir}/regs.csv --practices {dir}/map.csv";
    // 100 residents, patches of 10 to 90: two patches, one PCN each, every resident aligned.
    f.check(
        &format!("{design} --lsoa-areas {{dir}}/lsoas.geojson --min 10 --max 90 --out {{dir}}/d"),
        0,
        "2 patches (0 outside the bounds)",
    );
    f.check(
        &format!("{design} --lsoa-areas {{dir}}/lsoas.geojson --min 10 --max 90 --out {{dir}}/d"),
        0,
        "designed layer: 100.0%",
    );
    assert!(f.path("d/design_patches.geojson").is_file() && f.path("d/team_alignment.csv").is_file());
    f.check(
        &format!("{design} --lsoa-areas {{dir}}/lsoas.geojson --min 50 --max 40 --out {{dir}}/e"),
        2,
        "design run writing to {dir}/e: population bounds 50–40: the minimum must not exceed the maximum",
    );
    f.check(
        &format!("{design} --lsoa-areas {{dir}}/lsoas.geojson --patches 0 --out {{dir}}/e"),
        2,
        "the number of patches must be at least 1",
    );
    f.check(
        &format!("{design} --lsoa-areas {{dir}}/lsoas.geojson --region-lookup {{dir}}/lookup.csv --region-column MSOA11CD --region M9 --out {{dir}}/e"),
        2,
        "{dir}/lookup.csv: no LSOA of the LSOA layer is in region \"M9\"",
    );
    f.check(&format!("{design} --lsoa-areas {{dir}}/short.geojson --out {{dir}}/e"), 3, "short.geojson: feature 1");
    assert!(!f.path("e").exists(), "a failed design writes nothing");
}
