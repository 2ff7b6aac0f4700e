"""Reads a run's GeoParquet files back with pyarrow and GEOS (shapely): run by tests/geoparquet.rs.

Usage: python3 read_back.py RUN_DIR LAYER [LAYER ...]

For each layer, prints (as one JSON object): rows, the `geo` metadata, the GEOS-invalid geometries, the
rows whose `bbox` is not the geometry's bounds, the EPSG code of its CRS when given, and the cells that
differ from the layer's CSV (text exactly, numbers to 1e-12 relative).
"""
import csv
import json
import math
import sys

import pyarrow.parquet as pq
import shapely


def same(cell, value):
    if cell == "":
        return value is None
    if isinstance(value, str):
        return value == cell
    if value is None:
        return False
    return math.isclose(float(cell), float(value), rel_tol=1e-12, abs_tol=0)


def check(run, layer):
    path = f"{run}/{layer}.parquet"
    table = pq.read_table(path)
    meta = pq.read_metadata(path).metadata or {}
    geo = json.loads(meta[b"geo"]) if b"geo" in meta else None
    found = {"rows": table.num_rows, "geo": geo, "invalid": None, "bbox_mismatch": None, "epsg": None}
    if geo:
        column = geo["primary_column"]
        shapes = shapely.from_wkb(table.column(column).to_numpy(zero_copy_only=False))
        found["invalid"] = int((~shapely.is_valid(shapes)).sum())
        found["types"] = sorted(set(shapely.get_type_id(shapes).tolist()))
        boxes = table.column("bbox").to_pylist()
        bounds = shapely.bounds(shapes)
        found["bbox_mismatch"] = sum(
            1 for b, s in zip(boxes, bounds) if [b["xmin"], b["ymin"], b["xmax"], b["ymax"]] != list(s)
        )
        crs = geo["columns"][column].get("crs")
        if crs:
            found["epsg"] = crs.get("id", {}).get("code")
    rows = table.drop_columns([c for c in ("geometry", "bbox") if c in table.column_names]).to_pylist()
    with open(f"{run}/{layer}.csv", newline="", encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    differences = []
    for i, (want, got) in enumerate(zip(expected, rows)):
        for name, cell in want.items():
            if name not in got:
                if name == "dissolve" or layer != "pcn_footprints":
                    differences.append(f"row {i}: no column {name}")
                continue
            if not same(cell, got[name]):
                differences.append(f"row {i} {name}: {got[name]!r} read, {cell!r} in the csv")
    found["csv_rows"] = len(expected)
    found["differences"] = differences[:10]
    return found


print(json.dumps({layer: check(sys.argv[1], layer) for layer in sys.argv[2:]}))
