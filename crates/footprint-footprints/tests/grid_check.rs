//! A coverage's grid check vouches only for dissolves that the writer's screen passes: on seeded random
//! coverages of bricks a few grid steps wide, whose corners rounding moves onto each other and across
//! each other's edges, every dissolve it vouches for is written as the screen writes it, with no two
//! edges meeting, and rounding does break some of the others.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use footprint_footprints::{Coverage, DissolveMethod};
use footprint_ingest::{AreaId, Crs, has_crossing_edges};
use footprint_overlap::write::{Grid, Snap, written, written_on};
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// A seeded generator (Knuth's MMIX linear congruential generator, high bits) of floats in [0, 1).
fn seeded(mut state: u64) -> impl FnMut() -> f64 {
    move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A wall of bricks `width` units wide and `rows` high, each row's bricks two units long and mostly set
/// off by one unit from the row below (at random, one row in five is not: rows set alike make corners
/// where four bricks meet), each unit `unit`
/// degrees, every lattice point moved by up to `jitter` degrees each way (one point shared by all the
/// bricks that have it). Each brick has every lattice point along its bottom and top.
fn bricks(width: i32, rows: i32, unit: f64, jitter: f64, next: &mut impl FnMut() -> f64) -> Vec<MultiPolygon<f64>> {
    let points: Vec<Vec<Coord<f64>>> = (0..=rows)
        .map(|y| {
            (0..=width)
                .map(|x| Coord {
                    x: f64::from(x) * unit + (2.0 * next() - 1.0) * jitter,
                    y: f64::from(y) * unit + (2.0 * next() - 1.0) * jitter,
                })
                .collect()
        })
        .collect();
    let (mut out, mut offset) = (Vec::new(), 0);
    for y in 0..rows {
        // Mostly set off from the row below, sometimes set alike.
        offset = if next() < 0.8 { 1 - offset } else { offset };
        let mut breaks: Vec<i32> = std::iter::once(0).chain((offset..width).step_by(2).filter(|&x| x > 0)).collect();
        breaks.push(width);
        for w in breaks.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            let (bottom, top) = (&points[y as usize], &points[y as usize + 1]);
            let mut ring: Vec<Coord<f64>> = (a..=b).map(|x| bottom[x]).chain((a..=b).rev().map(|x| top[x])).collect();
            ring.push(ring[0]);
            out.push(MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]));
        }
    }
    out
}

#[test]
fn a_vouched_dissolve_is_written_as_the_screen_writes_it() {
    let mut next = seeded(0x5851_f42d_4c95_7f2d);
    let grid = Grid { from: Crs::Wgs84, to: Crs::Wgs84 };
    let (mut vouched, mut screened, mut repaired, mut pinched) = (0, 0, 0, 0);
    for round in 0..60 {
        // Units of 2 grid steps; lattice points moved by up to 0.2 to 0.99 steps each way.
        let jitter = [0.2, 0.6, 0.99][round % 3] * 1e-6;
        let areas = bricks(14, 10, 2e-6, jitter, &mut next);
        let coverage = Coverage::new(areas.clone(), 1e-12);
        let check = coverage.grid_check(grid);
        for k in 0..30 {
            // A few bricks, or many.
            let p = [0.05, 0.15, 0.6][k % 3];
            let chosen: Vec<AreaId> = (0..areas.len() as u32).filter(|_| next() < p).map(AreaId).collect();
            let (shape, how) = coverage.dissolve(&chosen);
            let as_screened = written(&shape.0, Crs::Wgs84, Crs::Wgs84);
            match check.snap(&shape, how, grid) {
                Snap::Vouched => {
                    vouched += 1;
                    assert_eq!(how, DissolveMethod::Exact);
                    let w = written_on(&shape.0, grid, Snap::Vouched);
                    assert_eq!(w, as_screened, "round {round}: {chosen:?}");
                    assert!(!w.repaired && !has_crossing_edges(&w.to_geo()), "round {round}: {chosen:?}");
                    // What the check relies on: no ring of the dissolve passes through a vertex twice.
                    for ring in shape.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())) {
                        let mut seen: Vec<(u64, u64)> =
                            ring.0[1..].iter().map(|c| (c.x.to_bits(), c.y.to_bits())).collect();
                        seen.sort_unstable();
                        assert!(seen.windows(2).all(|w| w[0] != w[1]), "round {round}: {chosen:?}");
                    }
                    pinched += usize::from(shares_a_vertex(&shape));
                }
                Snap::Screened => {
                    screened += 1;
                    repaired += usize::from(as_screened.repaired);
                }
            }
        }
    }
    // Both kinds are met, rounding broke some of the shapes not vouched for, and some vouched for have
    // rings that meet at a vertex.
    assert!(
        vouched > 100 && screened > 100 && repaired > 20 && pinched > 5,
        "{vouched} vouched ({pinched} with rings meeting), {screened} screened, {repaired} repaired"
    );
}

/// Whether two rings of `shape` share a vertex.
fn shares_a_vertex(shape: &MultiPolygon<f64>) -> bool {
    let mut all: Vec<((u64, u64), usize)> = shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .enumerate()
        .flat_map(|(r, ring)| ring.0[1..].iter().map(move |c| ((c.x.to_bits(), c.y.to_bits()), r)))
        .collect();
    all.sort_unstable();
    all.windows(2).any(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1)
}
