#!/usr/bin/env bash
# Side-by-side wall time (hyperfine) and peak memory (/usr/bin/time -v) of footprint and the GeoPandas
# peer pipeline (../shared/peers/geopandas_pipeline.py) on the national July 2022 data:
#   (a) footprint -q                    the default run: lookup path, compressed fixtures, writes ./footprint-out
#   (b) footprint -q overlap --centroids the spatial path on the same fixtures, writes /tmp/fp-centroids
#   (c) geopandas --no-footprints       the peer: read MSOAs, spatial join of centroids, count, write the MSOA layer
# Installs nothing: needs hyperfine (apt-get install hyperfine) and geopandas + pyogrio (pip install geopandas pyogrio).
# Usage: benches/compare.sh (from anywhere; it works from the project root). RUNS=10 for more runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-5}
MD=${MD:-/tmp/footprint-compare.md}
JSON=${JSON:-/tmp/footprint-compare.json}
MSOA=/tmp/msoa11.geojson

missing=0
if ! command -v hyperfine >/dev/null; then
  echo "hyperfine not found; install it with: apt-get install hyperfine" >&2
  missing=1
fi
if ! python3 -c 'import geopandas' 2>/dev/null; then
  echo "geopandas not importable by python3; install it with: pip install geopandas pyogrio" >&2
  missing=1
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "/usr/bin/time not found; install it with: apt-get install time" >&2
  missing=1
fi
((missing == 0)) || exit 1

cargo build --release --quiet -p footprint-cli --bin footprint

F=fixtures/england-2011
S=../shared/data/england-2011
zcat "$F/msoa11_england_generalised_clipped.geojson.gz" > "$MSOA"

FP=target/release/footprint
LOOKUP="$FP -q"
CENTROIDS="$FP -q overlap --registrations $F/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz \
--practices $F/gp-reg-pat-prac-map_01Jan2022.csv.gz --areas $F/msoa11_england_generalised_clipped.geojson.gz \
--centroids $F/lsoa11_population_weighted_centroids.csv.gz --out /tmp/fp-centroids"
PEER="python3 ../shared/peers/geopandas_pipeline.py --msoa $MSOA --centroids $S/lsoa11_population_weighted_centroids.csv \
--registrations $S/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practice-map $S/gp-reg-pat-prac-map_01Jan2022.csv \
--outdir /tmp/peer-out --no-footprints"

NAMES=("footprint (lookup)" "footprint (centroids)" "geopandas --no-footprints")
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$MD" --export-json "$JSON" \
  -n "${NAMES[0]}" "$LOOKUP" -n "${NAMES[1]}" "$CENTROIDS" -n "${NAMES[2]}" "$PEER"
echo
echo "hyperfine table: $MD"
cat "$MD"

# Peak resident set size in KiB; the command's own output is discarded.
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': *' '/Maximum resident set size/ {print $2}'; }
# shellcheck disable=SC2086 # the commands are deliberately word-split
RSS=("$(peak $LOOKUP)" "$(peak $CENTROIDS)" "$(peak $PEER)")
echo
echo "peak resident memory (/usr/bin/time -v):"
for i in 0 1 2; do
  awk -v n="${NAMES[$i]}" -v k="${RSS[$i]}" 'BEGIN { printf "  %-28s %8d KiB (%.0f MiB)\n", n, k, k / 1024 }'
done

echo
echo "ratios, geopandas / footprint (median wall time from hyperfine; peak RSS):"
python3 - "$JSON" "${RSS[@]}" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
rss = [int(x) for x in sys.argv[2:5]]
median = [r["median"] for r in results]
for i in (0, 1):
    print(f"  {results[i]['command']:<24} time {median[2] / median[i]:5.1f}x "
          f"({median[i]:.3f} s vs {median[2]:.3f} s)   memory {rss[2] / rss[i]:4.2f}x "
          f"({rss[i] / 1024:.0f} MiB vs {rss[2] / 1024:.0f} MiB)")
PY
