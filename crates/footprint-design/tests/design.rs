//! Designs on small grids against hand-computed partitions, exhaustive enumeration of every contiguous
//! partition of seeded random 3 × 3 grids, and the index recomputed independently by footprint-align.

use footprint_align::{LsoaTeams, align};
use footprint_design::{
    Bounds, Cells, Design, DesignError, DesignSpec, Fit, Graph, PatchBounds, Region, Target, design,
};
use footprint_index::SplitMix64;
use footprint_ingest::{InputFile, read_practice_map, read_registrations};
use footprint_overlap::Threshold;

/// A `w × h` grid of cells (row by row, cell `y * w + x`), rook neighbours, with these PCN patients per
/// cell (every resident is registered with a PCN).
fn grid(w: u32, h: u32, patients: Vec<Vec<(u32, u64)>>) -> Cells {
    let mut pairs = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let c = y * w + x;
            if x + 1 < w {
                pairs.push((c, c + 1));
            }
            if y + 1 < h {
                pairs.push((c, c + w));
            }
        }
    }
    let n = (w * h) as usize;
    Cells {
        population: patients.iter().map(|p| p.iter().map(|e| e.1).sum()).collect(),
        pcn_patients: patients,
        neighbours: Graph::from_pairs(n, &pairs),
        points: (0..n as u32).map(|c| (f64::from(c % w), f64::from(c / w))).collect(),
    }
}

fn spec(target: Target) -> DesignSpec {
    DesignSpec { target, ..DesignSpec::default() }
}

fn whole(cells: &Cells) -> Vec<Region> {
    vec![Region { name: "R".into(), cells: (0..cells.len() as u32).collect() }]
}

/// Designs `cells` as one region and checks the patches' cells and the aligned residents.
fn check(cells: &Cells, target: Target, expected: &[&[u32]], aligned: u64) {
    let d = design(cells, &whole(cells), &spec(target)).expect("a design");
    let got: Vec<&[u32]> = d.patches.iter().map(|p| p.cells.as_slice()).collect();
    assert_eq!(got, expected);
    assert_eq!(d.regions[0].aligned, aligned);
    assert_partition(cells, &d);
}

/// Every cell of the region in exactly one patch, and every patch connected.
fn assert_partition(cells: &Cells, d: &Design) {
    let mut seen = vec![0u32; cells.len()];
    for p in &d.patches {
        p.cells.iter().for_each(|&c| seen[c as usize] += 1);
        let mut reached = vec![p.cells[0]];
        let mut i = 0;
        while i < reached.len() {
            for &n in cells.neighbours.neighbours(reached[i]) {
                if p.cells.contains(&n) && !reached.contains(&n) {
                    reached.push(n);
                }
            }
            i += 1;
        }
        assert_eq!(reached.len(), p.cells.len(), "patch {} is in one piece", p.id);
    }
    let regional: usize = d.regions.iter().map(|r| r.patches.len()).sum();
    assert_eq!(regional, d.patches.len());
    assert!(seen.iter().all(|&n| n == 1), "every cell in exactly one patch: {seen:?}");
}

#[test]
fn two_pcns_side_by_side_make_two_patches() {
    // A 4 × 2 grid: PCN 0 in the west half, PCN 1 in the east half, one cross-registration each side.
    let w = |a: u64, b: u64| vec![(0, a), (1, b)];
    let cells = grid(4, 2, vec![w(10, 0), w(9, 1), w(1, 9), w(0, 10), w(10, 0), w(10, 0), w(0, 10), w(0, 10)]);
    let bounds = Bounds { min: 35, max: 45 };
    // Σ max: PCN 0 has 39 in the west, PCN 1 has 39 in the east.
    check(&cells, Target::Bounds(bounds), &[&[0, 1, 4, 5], &[2, 3, 6, 7]], 78);
    check(
        &cells,
        Target::Patches { count: 2, bounds: PatchBounds::Given(bounds) },
        &[&[0, 1, 4, 5], &[2, 3, 6, 7]],
        78,
    );
}

#[test]
fn bounds_win_over_alignment() {
    // A row of four: PCN 0 in the first three cells. Patches of exactly 20 must cut PCN 0 at 2 + 1.
    let cells = grid(4, 1, vec![vec![(0, 10)], vec![(0, 10)], vec![(0, 10)], vec![(1, 10)]]);
    check(&cells, Target::Bounds(Bounds { min: 20, max: 20 }), &[&[0, 1], &[2, 3]], 30);
}

#[test]
fn the_number_of_patches_follows_the_bounds() {
    // 60 residents with bounds 20-30: two or three patches fit; two align better (one PCN each).
    let one = |p: u32| vec![(p, 10)];
    let cells = grid(6, 1, vec![one(0), one(0), one(0), one(1), one(1), one(1)]);
    check(&cells, Target::Bounds(Bounds { min: 20, max: 30 }), &[&[0, 1, 2], &[3, 4, 5]], 60);
}

#[test]
fn an_island_is_joined_to_its_nearest_cell_and_reported() {
    // Cells 0-1-2 in a row and 3 on its own, nearest to 2.
    let mut cells = grid(4, 1, vec![vec![(0, 10)], vec![(0, 10)], vec![(1, 10)], vec![(1, 10)]]);
    cells.neighbours = Graph::from_pairs(4, &[(0, 1), (1, 2)]);
    let d = design(&cells, &whole(&cells), &spec(Target::Bounds(Bounds { min: 20, max: 20 }))).expect("a design");
    let r = &d.regions[0];
    assert_eq!((r.bridges.len(), r.bridges[0].from, r.bridges[0].to), (1, 3, 2));
    assert_eq!(d.patches[1].cells, [2, 3]);
    assert!(d.patches[1].bridged && !d.patches[0].bridged);
}

#[test]
fn a_region_too_small_for_the_bounds_is_one_patch_below_them() {
    let cells = grid(2, 1, vec![vec![(0, 10)], vec![(0, 5)]]);
    let d = design(&cells, &whole(&cells), &spec(Target::Bounds(Bounds::PCN_SIZED))).expect("a design");
    assert_eq!((d.patches.len(), d.patches[0].fit), (1, Fit::Below));
}

#[test]
fn impossible_requests_are_errors() {
    let cells = grid(2, 1, vec![vec![(0, 10)], vec![(0, 5)]]);
    let bad = spec(Target::Bounds(Bounds { min: 50, max: 40 }));
    assert_eq!(design(&cells, &whole(&cells), &bad), Err(DesignError::Bounds { min: 50, max: 40 }));
    let twice = [Region { name: "A".into(), cells: vec![0, 1] }, Region { name: "B".into(), cells: vec![1] }];
    let ok = spec(Target::Bounds(Bounds::PCN_SIZED));
    assert_eq!(
        design(&cells, &twice, &ok),
        Err(DesignError::CellInTwoRegions { cell: 1, first: "A".into(), second: "B".into() })
    );
    let outside = [Region { name: "A".into(), cells: vec![7] }];
    assert_eq!(design(&cells, &outside, &ok), Err(DesignError::NoSuchCell { region: "A".into(), cell: 7, cells: 2 }));
    let none = spec(Target::Patches { count: 0, bounds: PatchBounds::Derived });
    assert_eq!(design(&cells, &whole(&cells), &none), Err(DesignError::NoPatches));
}

/// A seeded random 3 × 3 grid: 3 PCNs, each cell 0-3 of them with 1-20 patients each.
fn random_grid(seed: u64) -> Cells {
    let mut rng = SplitMix64::stream(seed, 0);
    let mut patients = vec![Vec::new(); 9];
    for cell in &mut patients {
        for p in 0..3 {
            if rng.below(4) != 0 {
                cell.push((p, 1 + rng.below(20)));
            }
        }
    }
    grid(3, 3, patients)
}

/// The best (least excess, then most aligned residents) of every partition of the cells into `k`
/// connected patches, by enumeration of every labelling with labels in order of first use.
fn brute_force(cells: &Cells, k: usize, bounds: Bounds) -> (u64, u64) {
    let n = cells.len();
    let mut best = (u64::MAX, 0u64);
    let mut labels = vec![0usize; n];
    let total = k.pow(n as u32);
    for code in 0..total {
        let mut c = code;
        for l in labels.iter_mut() {
            *l = c % k;
            c /= k;
        }
        if (0..k).any(|p| !labels.contains(&p)) || !(0..k).all(|p| connected(cells, &labels, p)) {
            continue;
        }
        let mut population = vec![0u64; k];
        let mut by_pcn = [[0u64; 3]; 8];
        for (cell, &l) in labels.iter().enumerate() {
            population[l] += cells.population[cell];
            for &(p, x) in &cells.pcn_patients[cell] {
                by_pcn[l][p as usize] += x;
            }
        }
        let excess: u64 = population.iter().map(|&p| bounds.excess(p)).sum();
        let aligned: u64 = (0..3).map(|p| (0..k).map(|l| by_pcn[l][p]).max().unwrap_or(0)).sum();
        if excess < best.0 || (excess == best.0 && aligned > best.1) {
            best = (excess, aligned);
        }
    }
    best
}

fn connected(cells: &Cells, labels: &[usize], patch: usize) -> bool {
    let members: Vec<u32> = (0..labels.len() as u32).filter(|&c| labels[c as usize] == patch).collect();
    let mut reached = vec![members[0]];
    let mut i = 0;
    while i < reached.len() {
        for &n in cells.neighbours.neighbours(reached[i]) {
            if labels[n as usize] == patch && !reached.contains(&n) {
                reached.push(n);
            }
        }
        i += 1;
    }
    reached.len() == members.len()
}

/// The local search finds the optimum of every seeded random 3 × 3 grid cut into 3 patches with bounds
/// around a third of its residents, as exhaustive enumeration of the contiguous partitions finds it.
#[test]
fn local_search_finds_the_optimum_of_small_random_grids() {
    for seed in 0..25 {
        let cells = random_grid(seed);
        let total: u64 = cells.population.iter().sum();
        let bounds = Bounds { min: total / 5, max: total / 2 };
        let target = Target::Patches { count: 3, bounds: PatchBounds::Given(bounds) };
        let d = design(&cells, &whole(&cells), &spec(target)).expect("a design");
        assert_partition(&cells, &d);
        let excess: u64 = d.patches.iter().map(|p| bounds.excess(p.population)).sum();
        assert_eq!((excess, d.regions[0].aligned), brute_force(&cells, 3, bounds), "seed {seed}");
        assert_eq!(d.regions[0].aligned, d.patches.iter().map(|p| p.aligned).sum::<u64>());
        assert_eq!(d.regions[0].index(), recomputed_index(&cells, &d), "seed {seed}");
    }
}

/// The designed layer's alignment index as footprint-align computes it from registrations: each cell an
/// LSOA `Lnn`, each PCN one practice.
fn recomputed_index(cells: &Cells, d: &Design) -> Option<f64> {
    let mut regs = String::from("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n");
    for (c, pcns) in cells.pcn_patients.iter().enumerate() {
        for (p, n) in pcns {
            regs.push_str(&format!("A{p},L{c:02},{n}\n"));
        }
    }
    let map = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA0,P0,Zero\nA1,P1,One\nA2,P2,Two\n";
    let regs = read_registrations(&InputFile::from_bytes("r.csv", regs.into_bytes())).expect("registrations");
    let map = read_practice_map(&InputFile::from_bytes("m.csv", map.into())).expect("map");
    let of = d.patch_of_cells(cells.len());
    let placement: Vec<LsoaTeams> = regs
        .lsoas
        .iter()
        .map(|code| {
            let cell: usize = code.as_str()[1..].parse().expect("a cell number");
            LsoaTeams::Pieces(of[cell].map(|p| vec![(p, 1.0)]).unwrap_or_default())
        })
        .collect();
    let names = d.patches.iter().map(|p| p.id.clone()).collect();
    let a = align(&regs, &map, &placement, names, &[Threshold::ONE_PERCENT], Threshold::ONE_PERCENT);
    a.index()
}

/// The same design for 1 and 2 threads, and for many regions at once.
#[test]
fn designs_do_not_depend_on_the_number_of_threads() {
    let regions: Vec<Region> =
        (0..6).map(|r| Region { name: format!("R{r}"), cells: (r * 9..r * 9 + 9).collect() }).collect();
    let mut patients = Vec::new();
    let mut pairs = Vec::new();
    for r in 0..6 {
        let g = random_grid(100 + u64::from(r));
        patients.extend(g.pcn_patients.clone());
        for c in 0..9 {
            pairs.extend(g.neighbours.neighbours(c).iter().map(|&n| (r * 9 + c, r * 9 + n)));
        }
    }
    let mut cells = grid(54, 1, patients);
    cells.neighbours = Graph::from_pairs(54, &pairs);
    let target = Target::Patches { count: 3, bounds: PatchBounds::Derived };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
        pool.install(|| design(&cells, &regions, &spec(target)).expect("a design"))
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_partition(&cells, &one);
}
