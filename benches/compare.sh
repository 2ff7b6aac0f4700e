#!/usr/bin/env bash
# Side-by-side timing and peak memory of footprint and the GeoPandas peer pipeline (../shared/peers),
# on the national July 2022 data. Run from anywhere; needs hyperfine (apt-get install hyperfine) and
# geopandas + pyogrio (pip install geopandas pyogrio). Results go to stdout and $OUT (default /tmp/footprint-compare).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/footprint-compare}
RUNS=${RUNS:-10}
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
python3 -c 'import geopandas, pyogrio' 2>/dev/null || { echo "geopandas is missing: pip install geopandas pyogrio" >&2; exit 1; }
cargo build --release -q
F=fixtures/england-2011
S=../shared/data/england-2011
zcat "$F/msoa11_england_generalised_clipped.geojson.gz" > "$OUT/msoa11.geojson"
mkdir -p "$OUT/peer" "$OUT/centroids"
FP=target/release/footprint
# The default run: the lookup path on the compressed fixtures (the README's first command, minus cargo).
LOOKUP="$FP -q"
# The same steps as the peer on the same files: the uncompressed MSOA GeoJSON, the plain centroid CSV,
# the gzip registrations, the plain practice map; spatial assignment; write every layer.
CENTROIDS="$FP -q overlap --registrations $S/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practices $S/gp-reg-pat-prac-map_01Jan2022.csv --areas $OUT/msoa11.geojson --centroids $S/lsoa11_population_weighted_centroids.csv --out $OUT/centroids"
PEER="python3 ../shared/peers/geopandas_pipeline.py --msoa $OUT/msoa11.geojson --centroids $S/lsoa11_population_weighted_centroids.csv --registrations $S/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practice-map $S/gp-reg-pat-prac-map_01Jan2022.csv --outdir $OUT/peer --no-footprints"

hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/hyperfine.json" --export-markdown "$OUT/hyperfine.md" \
  -n "footprint (default run)" "$LOOKUP" -n "footprint (peer's inputs)" "$CENTROIDS" -n "geopandas --no-footprints" "$PEER"

peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
echo
echo "peak resident memory (KiB):"
echo "  footprint (default run):   $(peak $LOOKUP)"
echo "  footprint (peer's inputs): $(peak $CENTROIDS)"
echo "  geopandas --no-footprints: $(peak $PEER)"
echo
python3 - "$OUT/hyperfine.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
peer = r["geopandas --no-footprints"]["median"]
for name in ["footprint (default run)", "footprint (peer's inputs)"]:
    m = r[name]["median"]
    print(f"{name}: median {m:.3f} s; geopandas median {peer:.3f} s; ratio {peer / m:.1f}x")
PY
# The peer's own figures, beside ours on the same inputs (docs/performance.md explains the small difference).
$PEER
python3 -c "import csv,statistics as s; r=list(csv.DictReader(open('$OUT/centroids/msoa_overlap.csv'))); print({'footprint mean_n_all': round(s.mean(int(x['pcns_all']) for x in r),4), 'mean_n_thr': round(s.mean(int(x['pcns_ge_1pct']) for x in r),4)})"
