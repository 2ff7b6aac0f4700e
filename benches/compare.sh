#!/usr/bin/env bash
# Side-by-side wall time (hyperfine) and peak memory (/usr/bin/time -v) of footprint and the GeoPandas
# peer pipeline (../shared/peers/geopandas_pipeline.py) on the national July 2022 data, in one session:
#   overlap steps (what the peer does with --no-footprints: read, assign, count, write the MSOA layer)
#     - footprint overlap, lookup path, compressed fixtures, the area layer and the tables (the
#       registrations among them) loaded from their prepared forms (built by the warm-up run)
#                                                                      ("footprint overlap (lookup)")
#     - the same with the registrations parsed, as on a publication's first run (their prepared table
#       deleted before each run; the geography's loaded)               ("footprint overlap (lookup, registrations parsed)")
#     - the same reading every file, nothing prepared                  ("footprint overlap (lookup, --cache off)")
#     - DuckDB's SQL of the same counts, no geometry (../shared/peers/duckdb_counts.py) ("duckdb counts")
#     - footprint overlap on the peer's own inputs, spatial path       ("footprint overlap (peer's inputs)")
#     - geopandas --no-footprints                                      ("geopandas --no-footprints")
#   everything (the peer also dissolves and writes the threshold footprints)
#     - footprint with no arguments: overlap + three footprint methods ("footprint default run")
#     - geopandas, full pipeline                                       ("geopandas full")
# Needs hyperfine (apt-get install hyperfine) and geopandas + pyogrio + duckdb (pip install geopandas pyogrio duckdb).
# RUNS (default 10) and RUNS_FULL (default 3) set the number of runs; results go to $OUT.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/footprint-compare}
RUNS=${RUNS:-10}
RUNS_FULL=${RUNS_FULL:-3}
mkdir -p "$OUT/peer" "$OUT/peer-full" "$OUT/lookup" "$OUT/centroids" "$OUT/default"
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
python3 -c 'import geopandas, pyogrio, duckdb' 2>/dev/null || { echo "geopandas or duckdb is missing: pip install geopandas pyogrio duckdb" >&2; exit 1; }
cargo build --release -q -p footprint-cli --bin footprint
F=fixtures/england-2011
S=../shared/data/england-2011
zcat "$F/msoa11_england_generalised_clipped.geojson.gz" > "$OUT/msoa11.geojson"
FP=$PWD/target/release/footprint

LOOKUP_ARGS="overlap --registrations $F/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practices $F/gp-reg-pat-prac-map_01Jan2022.csv.gz --areas $F/msoa11_england_generalised_clipped.geojson.gz --lookup $F/lsoa11_msoa11_lookup.csv.gz --out $OUT/lookup"
LOOKUP="$FP -q --cache $OUT/cache $LOOKUP_ARGS"
UNCACHED="$FP -q --cache off $LOOKUP_ARGS"
DUCK="python3 ../shared/peers/duckdb_counts.py $S/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz $S/gp-reg-pat-prac-map_01Jan2022.csv $S/lsoa11_msoa11_lookup.csv $OUT/duck.csv"
CENTROIDS="$FP -q --cache $OUT/cache overlap --registrations $S/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practices $S/gp-reg-pat-prac-map_01Jan2022.csv --areas $OUT/msoa11.geojson --centroids $S/lsoa11_population_weighted_centroids.csv --out $OUT/centroids"
PEER_ARGS="--msoa $OUT/msoa11.geojson --centroids $S/lsoa11_population_weighted_centroids.csv --registrations $S/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz --practice-map $S/gp-reg-pat-prac-map_01Jan2022.csv"
PEER="python3 ../shared/peers/geopandas_pipeline.py $PEER_ARGS --outdir $OUT/peer --no-footprints"
DEFAULT="bash -c 'cd $OUT/default && $FP -q --cache $OUT/cache'"
PEER_FULL="python3 ../shared/peers/geopandas_pipeline.py $PEER_ARGS --outdir $OUT/peer-full"

# The registrations' prepared table: the one table of the lookup run's that is megabytes, not kilobytes.
$LOOKUP
REGISTRATIONS_TABLE=$(find "$OUT/cache" -name '*.table' -size +4M)
[ "$(echo "$REGISTRATIONS_TABLE" | wc -w)" = 1 ] || { echo "not one registrations table: $REGISTRATIONS_TABLE" >&2; exit 1; }
hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/overlap.json" --export-markdown "$OUT/overlap.md" \
  -p true -p "rm -f $REGISTRATIONS_TABLE" -p true -p true -p true -p true \
  -n "footprint overlap (lookup)" "$LOOKUP" -n "footprint overlap (lookup, registrations parsed)" "$LOOKUP" \
  -n "footprint overlap (lookup, --cache off)" "$UNCACHED" \
  -n "footprint overlap (peer's inputs)" "$CENTROIDS" -n "duckdb counts" "$DUCK" -n "geopandas --no-footprints" "$PEER"
hyperfine --warmup 1 --runs "$RUNS_FULL" --export-json "$OUT/full.json" --export-markdown "$OUT/full.md" \
  -n "footprint default run" "$DEFAULT" -n "geopandas full" "$PEER_FULL"

peak() { /usr/bin/time -v bash -c "$1" 2>&1 >/dev/null | awk -F': *' '/Maximum resident set size/ {print $2}'; }
echo
echo "peak resident memory (KiB):"
for pair in "footprint overlap (lookup)|$LOOKUP" "footprint overlap (lookup, registrations parsed)|rm -f $REGISTRATIONS_TABLE; $LOOKUP" "footprint overlap (lookup, --cache off)|$UNCACHED" "footprint overlap (peer's inputs)|$CENTROIDS" "duckdb counts|$DUCK" "geopandas --no-footprints|$PEER" "footprint default run|cd $OUT/default && $FP -q --cache $OUT/cache" "geopandas full|$PEER_FULL"; do
  printf "  %-36s %s\n" "${pair%%|*}" "$(peak "${pair#*|}")"
done
echo
python3 - "$OUT/overlap.json" "$OUT/full.json" <<'PY'
import json, sys
def medians(path):
    return {r["command"]: r["median"] for r in json.load(open(path))["results"]}
o, f = medians(sys.argv[1]), medians(sys.argv[2])
peer, duck = o["geopandas --no-footprints"], o["duckdb counts"]
for name in ["footprint overlap (lookup)", "footprint overlap (lookup, registrations parsed)",
             "footprint overlap (lookup, --cache off)", "footprint overlap (peer's inputs)"]:
    print(f"{name}: median {o[name]:.3f} s vs geopandas --no-footprints {peer:.3f} s: {peer / o[name]:.1f}x; "
          f"vs duckdb counts {duck:.3f} s: {duck / o[name]:.1f}x")
print(f"footprint default run: median {f['footprint default run']:.3f} s vs geopandas full {f['geopandas full']:.3f} s: "
      f"{f['geopandas full'] / f['footprint default run']:.1f}x")
PY
# The peer's own figures beside ours on the same inputs (docs/performance.md explains the difference).
$PEER
python3 -c "import csv,statistics as s; r=list(csv.DictReader(open('$OUT/centroids/msoa_overlap.csv'))); print({'footprint mean_n_all': round(s.mean(int(x['pcns_all']) for x in r),4), 'mean_n_thr': round(s.mean(int(x['pcns_ge_1pct']) for x in r),4)})"
