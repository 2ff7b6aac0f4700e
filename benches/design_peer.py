#!/usr/bin/env python3
"""The peer of `footprint design`: PySAL spopt's AZP on the same objective and bounds.

Reads the same registrations, practice map and LSOA polygons, builds rook contiguity with libpysal,
and runs spopt's AZP (`spopt.region.AZP`) with an objective function of our own: minimise
    -(aligned residents) + PENALTY * (residents outside the bounds, summed over patches)
where aligned residents = sum over PCNs of the PCN's patients in its main patch (the numerator of
`footprint align`'s alignment index). AZP keeps every patch contiguous; it has no bounds of its own,
so the bounds are the penalty. Prints one JSON line: patches, aligned, PCN residents, index, the
residents outside the bounds and the seconds of the solve.

    python3 benches/design_peer.py --registrations lsoapops.csv --practices PCNdefs.csv \
        --lsoa-areas lsoa.geojson --patches 13 --min 30000 --max 50000 --seed 1
"""

import argparse
import json
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Rook
from spopt.region import AZP
from spopt.region.objective_function import ObjectiveFunction

PENALTY = 10.0


def column(frame, names):
    normal = {c.upper().replace(".", "_").replace(" ", "_"): c for c in frame.columns}
    for n in names:
        if n in normal:
            return normal[n]
    raise SystemExit(f"none of the columns {names} in {list(frame.columns)}")


class Alignment(ObjectiveFunction):
    """-(aligned residents) + PENALTY * excess over the bounds; attr = [PCN patients..., residents]."""

    def __init__(self, low, high):
        super().__init__()
        self.low, self.high = low, high

    def value(self, labels, attr):
        regions, inverse = np.unique(labels, return_inverse=True)
        sums = np.zeros((len(regions), attr.shape[1]))
        np.add.at(sums, inverse, attr)
        aligned = sums[:, :-1].max(axis=0).sum()
        pop = sums[:, -1]
        excess = np.clip(self.low - pop, 0, None).sum() + np.clip(pop - self.high, 0, None).sum()
        return -aligned + PENALTY * excess, aligned, excess

    def __call__(self, labels, attr):
        return self.value(labels, attr)[0]

    def update(self, moving_area, recipient_region, labels, attr):
        moved = labels.copy()
        moved[moving_area] = recipient_region
        return self(moved, attr) - self(labels, attr)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--registrations", required=True)
    p.add_argument("--practices", required=True)
    p.add_argument("--lsoa-areas", required=True)
    p.add_argument("--patches", type=int, required=True)
    p.add_argument("--min", type=float, required=True)
    p.add_argument("--max", type=float, required=True)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    regs = pd.read_csv(a.registrations)
    practice = column(regs, ["PRACTICE_CODE"])
    lsoa = column(regs, ["LSOA_CODE"])
    count = column(regs, ["NUMBER_OF_PATIENTS"])
    pmap = pd.read_csv(a.practices)
    mp = column(pmap, ["PRACTICE_CODE", "PCODE"])
    pcn = column(pmap, ["PCN_CODE", "PCN"])
    pmap = pmap[[mp, pcn]].astype(str).apply(lambda s: s.str.strip())
    pmap = pmap[pmap[pcn] != "U"]
    gdf = gpd.read_file(a.lsoa_areas)
    code = column(gdf, ["LSOA11CD", "LSOA21CD", "AREA_CODE", "LSOA_CODE"])
    gdf = gdf.sort_values(code).reset_index(drop=True)

    regs = regs[regs[lsoa].isin(set(gdf[code]))]
    population = regs.groupby(lsoa)[count].sum()
    linked = regs.merge(pmap, left_on=practice, right_on=mp)
    table = linked.pivot_table(index=lsoa, columns=pcn, values=count, aggfunc="sum", fill_value=0)
    table = table.reindex(gdf[code], fill_value=0)
    attrs = [f"pcn_{i}" for i in range(table.shape[1])] + ["residents"]
    values = np.column_stack([table.to_numpy(dtype=float), population.reindex(gdf[code], fill_value=0).to_numpy()])
    for i, name in enumerate(attrs):
        gdf[name] = values[:, i]

    w = Rook.from_dataframe(gdf, use_index=False, silence_warnings=True)
    objective = Alignment(a.min, a.max)
    start = time.perf_counter()
    model = AZP(gdf, w, attrs, n_clusters=a.patches, random_state=a.seed, objective_func=objective)
    model.solve()
    seconds = time.perf_counter() - start
    labels = np.asarray(model.labels_)
    _, aligned, excess = objective.value(labels, values)
    total = values[:, :-1].sum()
    print(json.dumps({
        "peer": "spopt AZP",
        "patches": int(len(set(labels))),
        "aligned_residents": int(aligned),
        "pcn_residents": int(total),
        "index": aligned / total,
        "residents_outside_bounds": int(excess),
        "solve_seconds": round(seconds, 3),
    }))


if __name__ == "__main__":
    main()
