#!/usr/bin/env bash
# The marginal cost of one more national publication in `footprint series`, and its peak memory for 1, 4
# and 8 publications. Each publication is its own copy of the July 2022 national registrations (so each is
# read, placed and counted: a series reads a registrations file once only when publications share its
# path), with the January 2022 map, on the bundled 2011 geography.
# Needs hyperfine (apt-get install hyperfine) and a release build; run from the project root.
set -euo pipefail
BIN=${BIN:-target/release/footprint}
WORK=${WORK:-/tmp/footprint-series-bench}
mkdir -p "$WORK"
F=fixtures/england-2011
for i in 1 2 3 4 5 6 7 8; do
  cp "$F/gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz" "$WORK/regs-$i.csv.gz"
done
for n in 1 4 8; do
  {
    echo "label,registrations,practices"
    for i in $(seq 1 "$n"); do echo "p$i,regs-$i.csv.gz,$PWD/$F/gp-reg-pat-prac-map_01Jan2022.csv.gz"; done
  } > "$WORK/series-$n.csv"
done
hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json "$WORK/series.json" \
  -n 1 "$BIN -q series --manifest $WORK/series-1.csv --out $WORK/out-1" \
  -n 4 "$BIN -q series --manifest $WORK/series-4.csv --out $WORK/out-4" \
  -n 8 "$BIN -q series --manifest $WORK/series-8.csv --out $WORK/out-8"
python3 - "$WORK/series.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
m = {n: r[n]["median"] for n in ("1", "4", "8")}
print(f"median wall: 1 publication {m['1']:.3f} s, 4 {m['4']:.3f} s, 8 {m['8']:.3f} s")
print(f"marginal cost of one more publication: {(m['8'] - m['1']) / 7:.3f} s (1 to 8), {(m['4'] - m['1']) / 3:.3f} s (1 to 4)")
PY
for n in 1 4 8; do
  /usr/bin/time -v "$BIN" -q series --manifest "$WORK/series-$n.csv" --out "$WORK/out-$n" 2> "$WORK/time-$n.txt"
  echo "peak memory, $n publications: $(grep 'Maximum resident' "$WORK/time-$n.txt" | awk '{print $6}') kB"
done
