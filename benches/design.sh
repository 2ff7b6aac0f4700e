#!/usr/bin/env bash
# `footprint design` against PySAL spopt's AZP (benches/design_peer.py) on the same region, objective and
# bounds: Pennine Lancashire's 343 LSOAs (April 2020 registrations, TEST-ONLY data read from
# ../shared/data), 13 patches of 30,000-50,000 registered residents, seed 1. Wall time side by side with
# hyperfine (each run reads its inputs, designs and writes), then each one's objective: the aligned
# residents and the alignment index of the designed layer, and the residents outside the bounds.
# Needs hyperfine and spopt (pip install spopt geopandas; PYTHON names the interpreter, default python3).
# RUNS (default 5) sets the number of runs; results go to $OUT.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/footprint-design-bench}
RUNS=${RUNS:-5}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT/footprint"
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
"$PYTHON" -c 'import spopt, geopandas' 2>/dev/null || { echo "spopt is missing: pip install spopt geopandas" >&2; exit 1; }
cargo build --release -q -p footprint-cli --bin footprint
P=../shared/data/pennine-lancashire
FP="$PWD/target/release/footprint -q design --registrations $P/lsoapops.csv --practices $P/PCNdefs.csv --lsoa-areas $P/lsoa.geojson --patches 13 --min 30000 --max 50000 --seed 1 --out $OUT/footprint"
PEER="$PYTHON benches/design_peer.py --registrations $P/lsoapops.csv --practices $P/PCNdefs.csv --lsoa-areas $P/lsoa.geojson --patches 13 --min 30000 --max 50000 --seed 1"

hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/design.json" --export-markdown "$OUT/design.md" \
  -n "footprint design" "$FP" -n "spopt AZP" "$PEER"
$PEER > "$OUT/peer.json"
"$PYTHON" - "$OUT/design.json" "$OUT/footprint/design.json" "$OUT/peer.json" <<'PY'
import json, sys
times = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
ours = json.load(open(sys.argv[2]))["by_region"][0]
peer = json.loads(open(sys.argv[3]).read())
print(f"footprint design: index {ours['index']:.4f} ({ours['aligned_residents']} of {ours['pcn_residents']}), "
      f"{ours['patches_outside_bounds']} patches outside the bounds, median {times['footprint design']:.3f} s")
print(f"spopt AZP:        index {peer['index']:.4f} ({peer['aligned_residents']} of {peer['pcn_residents']}), "
      f"{peer['residents_outside_bounds']} residents outside the bounds, median {times['spopt AZP']:.3f} s")
print(f"footprint design is {times['spopt AZP'] / times['footprint design']:.0f}x faster")
PY
