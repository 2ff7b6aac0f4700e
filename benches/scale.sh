#!/usr/bin/env bash
# Scale benchmark: `footprint overlap` (lookup path) on synthetic registrations 1x, 2x, 5x and 10x the
# national July 2022 file (made by benches/examples/synthetic_registrations.rs; see its header), reporting
# wall time and peak memory (/usr/bin/time -v) of each run, and checking that every per-MSOA figure but
# the counts is the national one and that the accounting scales exactly.
#   SCALES (default "1 2 5 10"), RUNS per scale (default 3, the fastest is reported), WORK (default
#   /tmp/footprint-scale: the generated inputs, ~40 MB per 1x, and the outputs; nothing is committed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=${WORK:-/tmp/footprint-scale}
SCALES=${SCALES:-"1 2 5 10"}
RUNS=${RUNS:-3}
F=fixtures/england-2011
cargo build --release -q -p footprint-cli --bin footprint
cargo build --release -q -p footprint-benches --example synthetic_registrations
FP=$PWD/target/release/footprint
GEN=$PWD/target/release/examples/synthetic_registrations
printf '| scale | rows | patients | wall (s) | peak RSS (MB) | s per million rows |\n|---:|---:|---:|---:|---:|---:|\n'
for n in $SCALES; do
  dir=$WORK/x$n
  [ -s "$dir/registrations.csv.gz" ] || "$GEN" "$n" "$dir" >/dev/null
  best_wall=""; best_rss=""
  for _ in $(seq "$RUNS"); do
    # The registrations are parsed every run (their prepared table, the one of megabytes, deleted): this
    # measures how reading and counting grow with the rows. The geography is loaded prepared.
    find "$WORK/cache" -name '*.table' -size +4M -delete 2>/dev/null || true
    /usr/bin/time -v "$FP" -q --cache "$WORK/cache" overlap --registrations "$dir/registrations.csv.gz" --practices "$dir/practice-map.csv.gz" \
      --areas $F/msoa11_england_generalised_clipped.geojson.gz --lookup $F/lsoa11_msoa11_lookup.csv.gz \
      --out "$dir/out" 2> "$dir/time.txt"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$dir/time.txt")
    rss=$(awk -F': *' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$dir/time.txt")
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; fi
    if [ -z "$best_rss" ] || [ "$rss" -gt "$best_rss" ]; then best_rss=$rss; fi
  done
  read -r rows patients < <(python3 -c "import json,sys; a=json.load(open('$dir/out/summary.json'))['accounting']; print(a['rows_read'], a['patients_read'])")
  per=$(awk "BEGIN{printf \"%.3f\", $best_wall / ($rows / 1e6)}")
  printf '| %sx | %s | %s | %s | %s | %s |\n' "$n" "$rows" "$patients" "$best_wall" "$best_rss" "$per"
  # Same spread as the national data: all but the count columns of the MSOA table are identical to 1x.
  if [ "$n" != 1 ] && [ -s "$WORK/x1/out/msoa_overlap.csv" ]; then
    cmp <(cut -d, -f1,2,4,5,6,7,8,9 "$WORK/x1/out/msoa_overlap.csv") <(cut -d, -f1,2,4,5,6,7,8,9 "$dir/out/msoa_overlap.csv") \
      || { echo "the ${n}x run's shares differ from the national run's" >&2; exit 1; }
    python3 - "$WORK/x1/out/summary.json" "$dir/out/summary.json" "$n" <<'PY'
import json, sys
one, big, n = json.load(open(sys.argv[1]))["accounting"], json.load(open(sys.argv[2]))["accounting"], int(sys.argv[3])
for key in ("rows_read", "patients_read", "patients_assigned", "patients_unknown_lsoa", "patients_outside_layer"):
    assert big[key] == n * one[key], (key, big[key], one[key])
assert big["balanced"] is True
PY
  fi
done
