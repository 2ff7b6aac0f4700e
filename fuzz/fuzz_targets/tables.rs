//! Fuzz target: arbitrary bytes through footprint_ingest::fuzz::tables (must never panic).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = footprint_ingest::fuzz::tables(data);
});
