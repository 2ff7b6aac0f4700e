//! A run killed (SIGKILL) while it writes leaves the previous outputs byte for byte as they were; the
//! temporary files it leaves are named `.footprint-tmp-*` and the next run deletes them once stale.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;
use common::read_outputs;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use footprint_overlap::write::{STALE_AFTER, TEMP_PREFIX};

fn national() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011")
}

/// `footprint overlap` on the national dataset (lookup path) into `out`, at `threshold`.
fn national_run(out: &Path, threshold: &str) -> Command {
    let d = national();
    let mut c = Command::new(env!("CARGO_BIN_EXE_footprint"));
    c.args(["-q", "--threads", "1", "overlap", "--threshold", threshold])
        .arg("--registrations")
        .arg(d.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"))
        .arg("--practices")
        .arg(d.join("gp-reg-pat-prac-map_01Jan2022.csv.gz"))
        .arg("--areas")
        .arg(d.join("msoa11_england_generalised_clipped.geojson.gz"))
        .arg("--lookup")
        .arg(d.join("lsoa11_msoa11_lookup.csv.gz"))
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The names of the temporary files in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    let names = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
    let mut names: Vec<String> = names.filter(|n| n.starts_with(TEMP_PREFIX)).collect();
    names.sort();
    names
}

#[test]
fn a_run_killed_while_writing_leaves_the_previous_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The previous run, at another threshold: a file renamed into place by the killed run would differ.
    assert!(national_run(&out, "0.5%").status().unwrap().success());
    let before = read_outputs(&out);
    assert_eq!(before.len(), 6);

    // Kill the next run as soon as a temporary output appears (it is then writing); the run may win
    // the race on a busy machine, so try a few times.
    let mut caught = false;
    for _ in 0..5 {
        let mut child = national_run(&out, "1%").spawn().unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(120) {
            if !temporaries(&out).is_empty() {
                child.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs
                break;
            }
        }
        // Killed by the signal, not finished before it arrived (possible on a busy machine).
        caught = std::os::unix::process::ExitStatusExt::signal(&child.wait().unwrap()) == Some(9);
        if caught {
            break;
        }
        // The run finished before it was seen writing: put the previous outputs back and try again.
        for (name, bytes) in &before {
            std::fs::write(out.join(name), bytes).unwrap();
        }
    }
    assert!(caught, "no attempt was killed while writing");
    let after = read_outputs(&out);
    let finals: Vec<_> = after.iter().filter(|f| !f.0.starts_with(TEMP_PREFIX)).cloned().collect();
    assert!(finals == before, "the previous outputs changed");
    for name in temporaries(&out) {
        assert!(name.ends_with(".tmp"), "{name}");
    }

    // Left untouched for longer than STALE_AFTER, the leftovers are deleted by the next run.
    let leftovers = temporaries(&out);
    assert!(!leftovers.is_empty(), "the run was killed midway: its temporary files are still there");
    let old = SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
    for name in &leftovers {
        std::fs::File::options().write(true).open(out.join(name)).unwrap().set_modified(old).unwrap();
    }
    let fresh = out.join(format!("{TEMP_PREFIX}another-run.abcdef.tmp"));
    std::fs::write(&fresh, "a live run's file").unwrap();
    assert!(national_run(&out, "1%").status().unwrap().success());
    assert_eq!(temporaries(&out), [fresh.file_name().unwrap().to_string_lossy()]);
    assert!(read_outputs(&out).iter().any(|(n, b)| n == "msoa_overlap.csv" && b.starts_with(b"msoa_code,")));
    assert_ne!(std::fs::read(out.join("msoa_overlap.csv")).unwrap(), before[0].1, "the new run's outputs");
}
