//! Helpers shared by the integration tests: the files of the shared data folder beside the project.
#![allow(dead_code)] // each test file uses some of them

use std::io::Write;
use std::path::{Path, PathBuf};

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
