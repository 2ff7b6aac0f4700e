//! The `footprint` binary end to end: the default run, exit codes, error messages, atomic outputs.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
use common::read_outputs;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const AREAS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"MSOA11CD":"M1","MSOA11NM":"One"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
{"type":"Feature","properties":{"MSOA11CD":"M2","MSOA11NM":"Two"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}}]}"#;
const LOOKUP: &str = "LSOA11CD,MSOA11CD\nL1,M1\nL2,M2\n";
const CENTROIDS: &str = "X,Y,lsoa11cd\n0.5,0.5,L1\n1.0,0.5,L2\n";
const PRACTICES: &str = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA,P1,One\nB,P2,Two\n";
const REGISTRATIONS: &str = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\nB,L1,10\nA,L2,5\nB,L2,95\n";

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        let case = Self { dir: tempfile::tempdir().unwrap() };
        case.file("areas.geojson", AREAS);
        case.file("lookup.csv", LOOKUP);
        case.file("centroids.csv", CENTROIDS);
        case.file("map.csv", PRACTICES);
        case.file("regs.csv", REGISTRATIONS);
        case
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `footprint overlap` on the case's files (registrations from `regs`) plus `extra` arguments.
    fn overlap(&self, regs: &str, extra: &[&str]) -> Output {
        let mut args: Vec<String> = vec!["overlap".into(), "--registrations".into(), regs.into()];
        for (flag, name) in [("--practices", "map.csv"), ("--areas", "areas.geojson")] {
            args.push(flag.into());
            args.push(self.path(name).display().to_string());
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        if !extra.contains(&"--centroids") {
            args.extend(["--lookup".into(), self.path("lookup.csv").display().to_string()]);
        }
        if !extra.contains(&"--out") {
            args.extend(["--out".into(), self.path("out").display().to_string()]);
        }
        footprint().args(&args).current_dir(self.dir.path()).output().unwrap()
    }
}

fn footprint() -> Command {
    Command::new(env!("CARGO_BIN_EXE_footprint"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs with broken registrations and checks the exit code and the whole error line.
fn check_error(registrations: &[u8], expected_code: i32, expected_message: &str) {
    let case = Case::new();
    let regs = case.path("bad.csv");
    std::fs::write(&regs, registrations).unwrap();
    let out = case.overlap(&regs.display().to_string(), &[]);
    assert_eq!(out.status.code(), Some(expected_code), "{}", stderr(&out));
    let expected = expected_message.replace("{regs}", &regs.display().to_string());
    assert!(stderr(&out).contains(&expected), "stderr {:?} lacks {expected:?}", stderr(&out));
    assert!(!case.path("out").join("msoa_overlap.csv").exists());
}

#[test]
fn default_run_writes_every_layer_into_footprint_out() {
    let cwd = tempfile::tempdir().unwrap();
    let out = footprint().current_dir(cwd.path()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("6,791 areas; 61,768,942 patients read on 865,965 rows"), "{stdout}");
    let files = read_outputs(&cwd.path().join("footprint-out"));
    let names: Vec<_> = files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "map.png",
            "msoa_overlap.csv",
            "msoa_overlap.geojson",
            "msoa_pcn_shares.csv",
            "overlap_by_context.csv",
            "pcn_footprint_areas.csv",
            "pcn_footprint_overlaps.csv",
            "pcn_footprints.csv",
            "pcn_footprints.geojson",
            "pcns.csv",
            "report.html",
            "summary.json"
        ]
    );
    // It ends by saying where the report is.
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("report: footprint-out/report.html ("), "{stdout}");
    let file = |name: &str| &files.iter().find(|f| f.0 == name).unwrap().1;
    assert!(file("report.html").starts_with(b"<!DOCTYPE html>"));
    assert!(file("map.png").starts_with(b"\x89PNG"));
    // Plurality footprints partition the MSOAs: every MSOA in exactly one.
    let areas = String::from_utf8(file("pcn_footprint_areas.csv").clone()).unwrap();
    let plurality: Vec<&str> = areas.lines().filter(|l| l.split(',').nth(1) == Some("plurality")).collect();
    assert_eq!(plurality.len(), 6_791);
    let summary: serde_json::Value = serde_json::from_slice(file("summary.json")).unwrap();
    assert_eq!(summary["accounting"]["balanced"], true);
    assert_eq!(summary["inputs"]["registrations"]["extract_date"], "01Jul2022");
    assert_eq!(
        summary["inputs"]["registrations"]["sha256"],
        "f7750dddb576c8a6802f03b6a565f24658ed06f03a0ca75901eb8e39c8cf80b2"
    );
}

#[test]
fn lookup_and_centroid_paths_and_thread_counts_agree_on_a_small_case() {
    let case = Case::new();
    let regs = case.path("regs.csv").display().to_string();
    let one = case.path("one").display().to_string();
    let two = case.path("two").display().to_string();
    let cent = case.path("cent").display().to_string();
    assert!(case.overlap(&regs, &["--threads", "1", "--out", &one]).status.success());
    assert!(case.overlap(&regs, &["--threads", "2", "--out", &two]).status.success());
    let centroids = case.path("centroids.csv").display().to_string();
    let o = case.overlap(&regs, &["--centroids", &centroids, "--out", &cent]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read_outputs(case.path("one").as_path()), read_outputs(case.path("two").as_path()));
    // L2's centroid lies on the M1|M2 edge: the boundary rule gives it to M2 (east), as the lookup does.
    let a = std::fs::read_to_string(case.path("one/msoa_overlap.csv")).unwrap();
    let b = std::fs::read_to_string(case.path("cent/msoa_overlap.csv")).unwrap();
    assert_eq!(a, b);
    assert!(a.contains("\nM2,Two,100,2,2,"), "{a}");
}

#[test]
fn registrations_can_come_from_stdin() {
    let case = Case::new();
    let mut child = footprint()
        .args(["-q", "overlap", "--registrations", "-", "--practices"])
        .arg(case.path("map.csv"))
        .arg("--areas")
        .arg(case.path("areas.geojson"))
        .arg("--lookup")
        .arg(case.path("lookup.csv"))
        .arg("--out")
        .arg(case.path("out"))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(REGISTRATIONS.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let csv = std::fs::read_to_string(case.path("out/msoa_overlap.csv")).unwrap();
    assert!(csv.contains("\nM1,One,100,2,2,0.82,"), "{csv}");
}

#[test]
fn bad_inputs_exit_3_naming_file_line_column_and_value() {
    check_error(
        b"PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\nB,L1,ten\n",
        3,
        "footprint: error: overlap run writing to",
    );
    check_error(
        b"PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,90\nB,L1,ten\n",
        3,
        "{regs}: line 3, column 3 (NUMBER_OF_PATIENTS): not a whole number: \"ten\"",
    );
    check_error(
        b"PRACTICE_CODE,LSOA_CODE,PATIENT_COUNT\nA,L1,90\n",
        3,
        "{regs}: line 1: no column NUMBER_OF_PATIENTS or PATIENTS or PATIENT in the header (found: PRACTICE_CODE,LSOA_CODE,PATIENT_COUNT)",
    );
    check_error(
        b"PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,-4\n",
        3,
        "{regs}: line 2, column 3 (NUMBER_OF_PATIENTS): negative count: \"-4\"",
    );
    let rows: String = (0..2000).map(|i| format!("A,L{},{}\n", i % 2 + 1, i + 1)).collect();
    let mut gz = flate2_like_gzip(&format!("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n{rows}"));
    gz.truncate(gz.len() - 20);
    check_error(&gz, 3, "{regs}: gzip stream is truncated");
}

/// A gzip file made with the system `gzip` (the test needs no compression crate).
fn flate2_like_gzip(text: &str) -> Vec<u8> {
    let mut child = Command::new("gzip").arg("-c").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    child.wait_with_output().unwrap().stdout
}

#[test]
fn unreadable_geometry_names_the_feature() {
    let case = Case::new();
    case.file("areas.geojson", &AREAS.replace(r#"[[[1,0],[2,0],[2,1],[1,1],[1,0]]]"#, r#"[[[1,0],[2,0],[1,0]]]"#));
    let out = case.overlap(&case.path("regs.csv").display().to_string(), &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out)
            .contains("areas.geojson: feature 1 (M2): polygon 0 ring 0 has 3 positions; a ring needs at least 4"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_file_exits_4_and_unwritable_output_exits_4() {
    let case = Case::new();
    let out = case.overlap(&case.path("nope.csv").display().to_string(), &[]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains(&format!("cannot read {}", case.path("nope.csv").display())), "{}", stderr(&out));
    let blocker = case.file("blocker", "a file where the output directory should be");
    let out = case.overlap(&case.path("regs.csv").display().to_string(), &["--out", &blocker.display().to_string()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot create output directory"), "{}", stderr(&out));
}

#[test]
fn a_failed_run_leaves_previous_outputs_untouched() {
    let case = Case::new();
    let regs = case.path("regs.csv").display().to_string();
    assert!(case.overlap(&regs, &[]).status.success());
    let before = read_outputs(&case.path("out"));
    case.file("regs.csv", "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,1\nA,L2,x\n");
    assert_eq!(case.overlap(&regs, &[]).status.code(), Some(3));
    assert_eq!(read_outputs(&case.path("out")), before);
}

#[test]
fn usage_errors_exit_2_and_help_gives_an_example_for_every_flag() {
    let out = footprint().args(["overlap", "--registrations", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = footprint().args(["overlap", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let flags = help.lines().filter(|l| l.trim_start().starts_with("--") || l.trim_start().starts_with("-q")).count();
    assert!(flags >= 15, "{help}");
    for block in help.split("\n\n").filter(|b| b.trim_start().starts_with("--") && !b.contains("--help")) {
        assert!(block.contains("Example"), "no example in {block:?}");
    }
    let out = footprint().args(["overlap", "--threshold", "1.5", "--registrations", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a share threshold must be between 0 and 1"), "{}", stderr(&out));
}

#[test]
fn report_and_map_draw_a_run_and_name_what_is_wrong() {
    let case = Case::new();
    let regs = case.path("regs.csv").display().to_string();
    assert!(case.overlap(&regs, &[]).status.success());
    let run = case.path("out").display().to_string();

    let out = footprint().args(["report", "--from", &run]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with(&format!("report: {run}/report.html (")), "{stdout}");
    let html = std::fs::read_to_string(case.path("out/report.html")).unwrap();
    assert!(html.contains("\"c\":\"M1\"") && html.contains("\"c\":\"M2\""));
    let elsewhere = case.path("elsewhere/r.html").display().to_string();
    assert!(footprint().args(["-q", "report", "--from", &run, "--out", &elsewhere]).status().unwrap().success());
    assert!(case.path("elsewhere/r.html").is_file());

    let png = case.path("map.png").display().to_string();
    let out = footprint()
        .args(["map", "--from", &run, "--out", &png, "--width", "640", "--threshold", "1%"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    // The width is in the header (IHDR): bytes 16..20, big-endian.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 640);
    assert!(String::from_utf8(out.stdout).unwrap().starts_with(&format!("map: {png} (640 × ")));

    // A threshold the run does not have is a usage error naming those it has.
    let out = footprint().args(["map", "--from", &run, "--out", &png, "--threshold", "5%"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("has no count at threshold 5%; it has: all, 1%"), "{}", stderr(&out));
    // A folder that is not a run: exit 4, naming the file.
    let out = footprint().args(["report", "--from", &case.path("nothing").display().to_string()]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("nothing/msoa_overlap.csv"), "{}", stderr(&out));

    for command in ["report", "map"] {
        let help = String::from_utf8(footprint().args([command, "--help"]).output().unwrap().stdout).unwrap();
        for block in help.split("\n\n").filter(|b| b.trim_start().starts_with("--") && !b.contains("--help")) {
            assert!(block.contains("Example"), "no example in {block:?}");
        }
    }
}

/// `--context NAME=FILE` adds a class of your own to every MSOA and to `overlap_by_context.csv`; a name
/// the overlap table already uses is refused (exit 2).
#[test]
fn a_context_of_your_own_and_a_name_refused() {
    let case = Case::new();
    let wards = case.file("wards.csv", "lsoa11cd,ward\nL1,North\nL2,South\n");
    let regs = case.path("regs.csv").display().to_string();
    let out = case.overlap(&regs, &["--context", &format!("ward={}", wards.display())]);
    assert!(out.status.success(), "{}", stderr(&out));
    let overlap = std::fs::read_to_string(case.path("out/msoa_overlap.csv")).unwrap();
    let mut lines = overlap.lines();
    assert!(lines.next().unwrap().ends_with(",ward"), "{overlap}");
    assert!(lines.all(|l| l.ends_with(",North") || l.ends_with(",South")), "{overlap}");
    let by = std::fs::read_to_string(case.path("out/overlap_by_context.csv")).unwrap();
    // M1 and M2 have 100 residents each.
    assert!(by.contains("\nward,North,1,100,0,") && by.contains("\nward,South,1,100,0,"), "{by}");
    let refused = case.overlap(&regs, &["--context", "hhi=wards.csv"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("a context may not be named \"hhi\""), "{}", stderr(&refused));
}
