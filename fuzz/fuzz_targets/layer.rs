//! Fuzz target: arbitrary bytes as a GeoJSON layer, then a whole run over it, through
//! footprint_overlap::fuzz::layer (must never panic).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = footprint_overlap::fuzz::layer(data);
});
