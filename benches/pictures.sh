#!/usr/bin/env bash
# What the pictures cost the default run, side by side in one hyperfine session (median of RUNS, default 5):
#   - footprint with no arguments: overlap, footprints by three methods, report.html and map.png
#   - the same job without the pictures: `footprint footprints` on the same fixtures
# and the difference of their medians,
# then the peak memory of each (/usr/bin/time -v). Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/footprint-pictures}
RUNS=${RUNS:-5}
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
cargo build --release -q -p footprint-cli --bin footprint
F=$PWD/fixtures/england-2011
FP=$PWD/target/release/footprint
mkdir -p "$OUT/with" "$OUT/without"
WITH="cd $OUT/with && $FP -q"
WITHOUT="$FP -q footprints --registrations $F/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practices $F/gp-reg-pat-prac-map_01Jan2022.csv.gz --areas $F/msoa11_england_generalised_clipped.geojson.gz --lookup $F/lsoa11_msoa11_lookup.csv.gz --out $OUT/without"
hyperfine --warmup 1 --runs "$RUNS" --prepare "${PREPARE:-true}" --export-markdown "$OUT/pictures.md" --export-json "$OUT/pictures.json" \
  -n "default run (with pictures)" "$WITH" \
  -n "same run without pictures" "$WITHOUT"
# Medians (the machine is noisy: a mean is pulled by a few slow runs) and their difference.
python3 - "$OUT/pictures.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
med = [x["median"] for x in r]
for x in r:
    print(f'{x["command"]}: median {x["median"]:.3f} s (min {x["min"]:.3f}, max {x["max"]:.3f})')
print(f"the pictures add {med[0] - med[1]:.3f} s (median with - median without)")
PY
for name in with without; do
  cmd=$([ "$name" = with ] && echo "$WITH" || echo "$WITHOUT")
  peak=$(/usr/bin/time -v bash -c "$cmd" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
  echo "$name pictures: peak memory ${peak} kB"
done
