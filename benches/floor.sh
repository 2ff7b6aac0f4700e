#!/usr/bin/env bash
# The national overlap run's stages beside their floors. The floor of loading is reading every file the
# run reads as stored and decompressing it to nothing (bytes touched, nothing parsed, nothing hashed: an
# unchanged file's sha256 comes from its stamp): the practice map, and the prepared forms of the area
# layer and of the tables (the registrations, the lookup, the context and conversion files), which the
# run loads in place of their files once it has prepared them. The floor of writing is writing the bytes
# of the run's files and renaming them into place (benches/examples/floor.rs). The stages are the run's
# own (`footprint -v`), with every prepared form loaded.
#   RUNS (default 15): runs of each, medians reported. THREADS (default "2 1"): thread counts measured.
#   OUT (default /tmp/footprint-floor): the runs' outputs and the prepared layer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/footprint-floor}
RUNS=${RUNS:-15}
THREADS=${THREADS:-"2 1"}
cargo build --release -q -p footprint-cli --bin footprint
cargo build --release -q -p footprint-benches --example floor
F=fixtures/england-2011
FP=$PWD/target/release/footprint
ARGS=(overlap --registrations $F/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practices $F/gp-reg-pat-prac-map_01Jan2022.csv.gz
  --areas $F/msoa11_england_generalised_clipped.geojson.gz --lookup $F/lsoa11_msoa11_lookup.csv.gz)
mkdir -p "$OUT"
rm -rf "$OUT/cache"   # only this build's prepared forms are read
"$FP" -q --cache "$OUT/cache" "${ARGS[@]}" --out "$OUT/run"   # builds the prepared layer and tables
PREPARED=$(ls "$OUT"/cache/*.layer | head -1)
INPUTS=($F/gp-reg-pat-prac-map_01Jan2022.csv.gz "$PREPARED" "$OUT"/cache/*.table)
for t in $THREADS; do
  echo "## $t thread(s)"
  RAYON_NUM_THREADS=$t RUNS=$RUNS target/release/examples/floor "$OUT/run" "${INPUTS[@]}"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "peak %M KB" "$FP" -v --threads "$t" --cache "$OUT/cache" "${ARGS[@]}" --out "$OUT/run" 2>&1 >/dev/null \
      | grep -E "^footprint: load|^peak" | tr '\n' ' '
    echo
  done | python3 -c '
import re, statistics as s, sys
rows = [dict((k, float(v)) for k, v in re.findall(r"(load|analyse|render|write|peak) ([0-9.]+)", l)) for l in sys.stdin if l.strip()]
print("| stage | median |\n|---|---:|")
for k in ["load", "analyse", "render", "write"]:
    print(f"| {k} | {s.median(r[k] for r in rows) * 1000:.1f} ms |")
peak = s.median(r["peak"] for r in rows) / 1024
print(f"| peak RSS | {peak:.0f} MB |")'
done
