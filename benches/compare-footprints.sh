#!/usr/bin/env bash
# Footprints side by side: footprint's national footprint benchmarks (divan: every PCN by three methods from
# MSOAs and from LSOAs, and by the threshold method alone) and the GeoPandas peer's own dissolve step
# (../shared/peers/geopandas_pipeline.py, `dissolve_footprints`: the threshold footprints of every PCN from
# MSOAs), in one session. Needs geopandas + pyogrio (pip install geopandas pyogrio).
# RUNS_PEER (default 3) sets the number of peer runs; results go to $OUT.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/footprint-compare-footprints}
RUNS_PEER=${RUNS_PEER:-3}
mkdir -p "$OUT/peer"
python3 -c 'import geopandas, pyogrio' 2>/dev/null || { echo "geopandas is missing: pip install geopandas pyogrio" >&2; exit 1; }
S=../shared/data/england-2011
zcat fixtures/england-2011/msoa11_england_generalised_clipped.geojson.gz > "$OUT/msoa11.geojson"
cargo bench -q -p footprint-benches --no-run
cargo bench -q -p footprint-benches -- footprints_ 2>&1 | tee "$OUT/divan.txt"
for i in $(seq "$RUNS_PEER"); do
  python3 ../shared/peers/geopandas_pipeline.py --msoa "$OUT/msoa11.geojson" \
    --centroids "$S/lsoa11_population_weighted_centroids.csv" --registrations "$S/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz" \
    --practice-map "$S/gp-reg-pat-prac-map_01Jan2022.csv" --outdir "$OUT/peer" | tail -n 1
done | tee "$OUT/peer.jsonl"
python3 - "$OUT/divan.txt" "$OUT/peer.jsonl" <<'PY'
import json, re, statistics, sys
units = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
ours = {}
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"(footprints_\w+)\s+\S+ (\S+)\s+│\s+\S+ (\S+)\s+│\s+(\S+) (\S+)", line)
    if m:
        ours[m.group(1)] = float(m.group(4)) * units[m.group(5)]
peer = statistics.median(json.loads(l)["laps"]["dissolve_footprints"] for l in open(sys.argv[2]) if l.strip())
print(f"geopandas dissolve_footprints (threshold method, MSOAs): median {peer:.3f} s")
for name, t in sorted(ours.items()):
    print(f"{name}: median {t:.3f} s: geopandas dissolve / this = {peer / t:.1f}x")
PY
