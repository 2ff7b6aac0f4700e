//! The floor of each stage of the national overlap run: the least any reader or writer must do with the
//! same bytes. For each input, the time to read the file as stored and decompress it to nothing (bytes
//! touched, nothing parsed; not hashed: the run records every input's sha256, but takes it from the
//! file's stamp in the cache when the file is unchanged); for the outputs, the
//! time to write the bytes of a finished run into a new folder and rename them into place. Each is the
//! median of `RUNS` (default 15) runs; with `RAYON_NUM_THREADS` unset the inputs are also read all at once,
//! on every core, as the run reads them.
//!
//! Usage: `floor OUT_DIR INPUT...` (OUT_DIR: the folder of a finished run whose files are written again;
//! an INPUT given as `stored:PATH` is read but not decompressed).
//! `benches/floor.sh` runs it beside the run's own stage times.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use footprint_ingest::InputFile;
use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let Some((out, inputs)) = args.split_first() else {
        eprintln!("usage: floor OUT_DIR INPUT...");
        std::process::exit(2);
    };
    let runs: usize = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(15);
    println!("| what | bytes as stored | bytes touched | floor (median of {runs}) |\n|---|---:|---:|---:|");
    for input in inputs {
        let (stored, touched) = touch(input);
        let t = median(runs, || {
            touch(input);
        });
        println!("| read {} | {stored} | {touched} | {:.1} ms |", input.display(), ms(t));
    }
    let t = median(runs, || {
        inputs.par_iter().for_each(|i| {
            touch(i);
        });
    });
    println!("| read every input at once (the load stage's floor) | | | {:.1} ms |", ms(t));
    let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .expect("a run's output folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap_or_default()))
        .collect();
    let bytes: usize = files.iter().map(|f| f.1.len()).sum();
    let target = tempfile::tempdir().expect("a temporary folder");
    let t = median(runs, || write_all(target.path(), &files));
    println!(
        "| write {} files of {} (the write stage's floor) | | {bytes} | {:.1} ms |",
        files.len(),
        out.display(),
        ms(t)
    );
}

/// Reads `path` as stored and decompresses it to nothing (unless it is `stored:…`): its stored size and
/// the bytes touched.
fn touch(path: &Path) -> (u64, u64) {
    if let Some(stored) = path.to_str().and_then(|p| p.strip_prefix("stored:")) {
        let len = std::fs::read(stored).expect("a readable input").len() as u64;
        return (len, len);
    }
    let stored = std::fs::read(path).expect("a readable input");
    // Not hashed: the sha256 given is never read.
    let file = InputFile::from_stored_compressed_hashed(path, stored, String::new()).expect("a readable input");
    let mut reader = file.reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut touched = 0u64;
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        touched += n as u64;
    }
    (file.stored_len, touched)
}

/// Writes every file into `dir` through temporary files renamed into place, as a run does.
fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) {
    files.par_iter().for_each(|(name, bytes)| {
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes).expect("writable");
        std::fs::rename(&tmp, dir.join(name)).expect("renamed");
    });
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
