//! Fuzz target: arbitrary bytes as a GeoJSON layer, then a whole run over it, through
//! footprint_run::fuzz::layer (must never panic).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = footprint_run::fuzz::layer(data);
});
