//! The CI-sized smoke run of the `layer` fuzz target, on stable Rust: every committed GeoJSON fuzz input
//! (fuzz/corpus/geojson and fuzz/corpus/layer) goes through a whole run, and none may panic.

use std::path::Path;

use footprint_ingest::fuzz::replay;

#[test]
fn no_committed_layer_makes_a_run_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let replays: Vec<_> =
        ["geojson", "layer"].map(|target| (target, replay(&corpus.join(target), footprint_run::fuzz::layer))).into();
    for (target, replay) in replays {
        let replay = replay.unwrap_or_else(|e| panic!("fuzz/corpus/{target}: {e}"));
        assert!(replay.inputs >= 3 && replay.parsed > 0, "fuzz/corpus/{target}: {replay:?}");
        assert!(replay.panics.is_empty(), "a run panicked on {:?}", replay.panics);
    }
}
