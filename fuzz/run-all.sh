#!/usr/bin/env bash
# Fuzzes every target (or those in TARGETS) for SECONDS each (default 600), one after another, on one core.
# New inputs go to a scratch corpus (WORK, default /tmp/footprint-fuzz); the committed seeds in
# fuzz/corpus/<target> are read, not written. Logs: WORK/<target>.log; crashes: fuzz/artifacts/<target>/.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets a stable toolchain build with -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
WORK=${WORK:-/tmp/footprint-fuzz}
export RUSTC_BOOTSTRAP=1
cargo fuzz build
for target in ${TARGETS:-registrations tables geojson shapefile layer}; do
  mkdir -p "$WORK/$target"
  cargo fuzz run "$target" "$WORK/$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
    > "$WORK/$target.log" 2>&1 || echo "$target: fuzzer stopped with a finding, see $WORK/$target.log"
  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)" "$WORK/$target.log" | sed "s/^/$target /" || true
done
