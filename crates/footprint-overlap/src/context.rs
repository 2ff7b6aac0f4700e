//! Each MSOA's context: the resident-weighted score of its LSOAs (and the MSOA's decile by that score),
//! or its class, from context files of LSOA or MSOA codes; and the density deciles.

use std::ops::Range;

use footprint_index::{Assignment, Placement};
use footprint_ingest::{
    AreaLayer, ContextLevel, ContextTable, ContextValues, LsoaCode, RegistrationTable, VintageLookup,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::OverlapTable;

/// Which end of a score is decile 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecileOrder {
    /// Decile 1 holds the highest scores (deprivation: 1 is the most deprived tenth, as the IMD's own deciles).
    HighestFirst,
    /// Decile 1 holds the lowest values (population density: 1 is the sparsest tenth).
    LowestFirst,
}

/// What a context gives each MSOA.
#[derive(Clone, Debug, PartialEq)]
pub enum AreaValues {
    /// A score per MSOA, and its decile among the MSOAs with residents and a score.
    Score {
        /// Per area, in area order.
        score: Vec<Option<f64>>,
        /// Per area: 1 to 10.
        decile: Vec<Option<u8>>,
        /// Which end is decile 1.
        order: DecileOrder,
    },
    /// A class per MSOA.
    Class {
        /// The classes, sorted.
        labels: Vec<String>,
        /// Per area: an index into `labels`.
        of: Vec<Option<u32>>,
    },
}

/// One context over the areas of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaContext {
    /// `imd`, `ruc`, `urban_rural`, `region`, `icb`, `density` or a given name.
    pub name: String,
    /// The level of the codes the file gave values for (`None` for density, made from the run itself).
    pub level: Option<ContextLevel>,
    /// The values.
    pub values: AreaValues,
    /// Per area: registered residents whose LSOA (or MSOA) has no value in the file.
    pub residents_without_value: Vec<u64>,
    /// Codes of the registrations placed in an area with no value in the file (LSOA level), or MSOAs
    /// with residents not in the file (MSOA level).
    pub codes_without_value: u64,
}

impl AreaContext {
    /// The context's columns of `msoa_overlap.csv`: `<name>_score` and `<name>_decile` for a score
    /// (`imd_score`, `imd_decile`), the name for a class.
    #[must_use]
    pub fn columns(&self) -> Vec<String> {
        match &self.values {
            AreaValues::Score { .. } => {
                let stem = self.name.strip_suffix("_score").unwrap_or(&self.name);
                vec![format!("{stem}_score"), format!("{stem}_decile")]
            }
            AreaValues::Class { .. } => vec![self.name.clone()],
        }
    }

    /// The name of its classes in `overlap_by_context.csv`: `<name>_decile` for a score, the name for a class.
    #[must_use]
    pub fn class_name(&self) -> String {
        match &self.values {
            AreaValues::Score { .. } => self.columns().swap_remove(1),
            AreaValues::Class { .. } => self.name.clone(),
        }
    }

    /// The class labels in table order, and each area's class.
    #[must_use]
    pub fn classes(&self) -> (Vec<String>, Vec<Option<u32>>) {
        match &self.values {
            AreaValues::Score { decile, .. } => (
                (1..=10).map(|d: u8| d.to_string()).collect(),
                decile.iter().map(|d| d.map(|d| u32::from(d) - 1)).collect(),
            ),
            AreaValues::Class { labels, of } => (labels.clone(), of.clone()),
        }
    }
}

/// The ten groups of `n` ranked items: decile d (0-based) holds ranks `d·n/10 .. (d+1)·n/10`, so
/// group sizes differ by at most one and the larger groups are spread evenly.
///
/// ```
/// let d = footprint_overlap::decile_ranges(12);
/// assert_eq!((d[0].clone(), d[4].clone(), d[9].clone()), (0..1, 4..6, 10..12));
/// ```
#[must_use]
pub fn decile_ranges(n: usize) -> [Range<usize>; 10] {
    std::array::from_fn(|d| d * n / 10..(d + 1) * n / 10)
}

/// Deciles of `values` (per area, `None` for none): areas with a value ranked by it, ties by area
/// (code) order, cut by [`decile_ranges`]; 1 to 10.
///
/// ```
/// use footprint_overlap::{DecileOrder, deciles};
/// let d = deciles(&[Some(3.0), None, Some(1.0)], DecileOrder::LowestFirst);
/// assert_eq!(d, [Some(10), None, Some(5)]);
/// ```
#[must_use]
pub fn deciles(values: &[Option<f64>], order: DecileOrder) -> Vec<Option<u8>> {
    let mut ranked: Vec<(f64, usize)> = values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (v, i))).collect();
    ranked.sort_by(|a, b| {
        match order {
            DecileOrder::LowestFirst => a.0.total_cmp(&b.0),
            DecileOrder::HighestFirst => b.0.total_cmp(&a.0),
        }
        .then(a.1.cmp(&b.1))
    });
    let mut out = vec![None; values.len()];
    for (d, range) in decile_ranges(ranked.len()).into_iter().enumerate() {
        for &(_, i) in &ranked[range] {
            out[i] = Some(d as u8 + 1);
        }
    }
    out
}

/// The density context: residents per km² of each area with residents and a size, in deciles from the sparsest.
#[must_use]
pub fn density_context(table: &OverlapTable, area_km2: &[f64]) -> AreaContext {
    let score: Vec<Option<f64>> = table
        .areas
        .iter()
        .map(|r| {
            (r.population > 0).then(|| crate::write::size_fields(r.population, area_km2[r.area.index()]).1).flatten()
        })
        .collect();
    let decile = deciles(&score, DecileOrder::LowestFirst);
    let residents_without_value =
        table.areas.iter().zip(&score).map(|(r, s)| if s.is_none() { r.population } else { 0 }).collect();
    AreaContext {
        name: "density".into(),
        level: None,
        values: AreaValues::Score { score, decile, order: DecileOrder::LowestFirst },
        residents_without_value,
        codes_without_value: 0,
    }
}

/// Registered residents of one registrations code in one area.
#[derive(Clone, Copy, Debug)]
struct Residents<'a> {
    area: usize,
    code: &'a LsoaCode,
    patients: u64,
    /// For a code apportioned between areas: its index among the apportioned codes and the target.
    apportioned: Option<(usize, usize)>,
}

/// Each registrations code's residents per area: from every row, placed by the assignment (an
/// apportioned code's patients as split between its areas).
fn residents<'a>(registrations: &'a RegistrationTable, assignment: &Assignment) -> Vec<Residents<'a>> {
    let mut per_code = vec![0u64; registrations.lsoas.len()];
    for row in &registrations.rows {
        per_code[row.lsoa.index()] += u64::from(row.patients);
    }
    let mut out = Vec::with_capacity(per_code.len());
    for (i, &patients) in per_code.iter().enumerate() {
        let code = &registrations.lsoas[i];
        match assignment.placements[i] {
            Placement::Area(area) if patients > 0 => {
                out.push(Residents { area: area.index(), code, patients, apportioned: None });
            }
            Placement::Apportioned(k) => {
                let Some(a) = assignment.conversion.as_ref().and_then(|c| c.apportioned.get(k as usize)) else {
                    continue;
                };
                for (t, (&(target, _), &n)) in a.targets.iter().zip(&a.patients).enumerate() {
                    if let (Placement::Area(area), true) = (target, n > 0) {
                        out.push(Residents {
                            area: area.index(),
                            code,
                            patients: n,
                            apportioned: Some((k as usize, t)),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The contexts read from files, over the areas of a run: LSOA-level scores averaged over each MSOA's
/// registered residents, LSOA-level classes by the class of most of its residents (ties to the first
/// label), MSOA-level values as given. A registrations code the file does not hold is valued by its
/// pieces of the other census that the file holds (through `lookup`; a piece in another MSOA never
/// counts), its residents shared equally among them.
#[must_use]
pub fn area_contexts(
    files: &[&ContextTable],
    registrations: &RegistrationTable,
    assignment: &Assignment,
    layer: &AreaLayer,
    table: &OverlapTable,
    lookup: Option<&VintageLookup>,
) -> Vec<AreaContext> {
    let residents = residents(registrations, assignment);
    // Each context alone, side by side (in file order whatever the threads).
    files
        .par_iter()
        .map(|file| match file.level {
            ContextLevel::Msoa => msoa_level(file, layer, table),
            ContextLevel::Lsoa => lsoa_level(file, &residents, assignment, lookup, table),
        })
        .collect()
}

/// A context of MSOA codes: each area's own value.
fn msoa_level(file: &ContextTable, layer: &AreaLayer, table: &OverlapTable) -> AreaContext {
    let codes: Vec<&str> = table.areas.iter().map(|r| layer.areas[r.area.index()].code.as_str()).collect();
    let (values, found): (AreaValues, Vec<bool>) = match &file.values {
        ContextValues::Score(map) => {
            let score: Vec<Option<f64>> = codes.iter().map(|c| map.get(*c).copied()).collect();
            let found = score.iter().map(Option::is_some).collect();
            (score_values(score, table), found)
        }
        ContextValues::Class { of, labels } => {
            let raw: Vec<Option<u32>> = codes.iter().map(|c| of.get(*c).copied()).collect();
            let found = raw.iter().map(Option::is_some).collect();
            (class_values(labels, raw), found)
        }
    };
    let without: Vec<u64> = table.areas.iter().zip(&found).map(|(r, f)| if *f { 0 } else { r.population }).collect();
    let codes_without_value = table.areas.iter().zip(&found).filter(|(r, f)| !**f && r.population > 0).count() as u64;
    AreaContext {
        name: file.name.clone(),
        level: Some(file.level),
        values,
        residents_without_value: without,
        codes_without_value,
    }
}

/// Scores with their deciles (highest first) among the areas with residents.
fn score_values(score: Vec<Option<f64>>, table: &OverlapTable) -> AreaValues {
    let ranked: Vec<Option<f64>> =
        score.iter().zip(&table.areas).map(|(s, r)| s.filter(|_| r.population > 0)).collect();
    let order = DecileOrder::HighestFirst;
    AreaValues::Score { score, decile: deciles(&ranked, order), order }
}

/// Classes relabelled in sorted label order, keeping only the classes some area has.
fn class_values(labels: &[String], raw: Vec<Option<u32>>) -> AreaValues {
    let mut used = vec![false; labels.len()];
    for c in raw.iter().flatten() {
        used[*c as usize] = true;
    }
    let mut sorted: Vec<(usize, &String)> = labels.iter().enumerate().filter(|(i, _)| used[*i]).collect();
    sorted.sort_by(|a, b| a.1.cmp(b.1));
    let mut new_id = vec![0u32; labels.len()];
    for (rank, &(old, _)) in sorted.iter().enumerate() {
        new_id[old] = rank as u32;
    }
    AreaValues::Class {
        labels: sorted.into_iter().map(|(_, l)| l.clone()).collect(),
        of: raw.into_iter().map(|c| c.map(|c| new_id[c as usize])).collect(),
    }
}

/// The weight of every (area, code of the file) with a value, with the value, and the residents with none.
struct Weights<'a, V> {
    /// (area, code of the file, patients, share of them: 1 / the number of pieces valued, the code's value).
    valued: Vec<(usize, &'a str, u64, u32, V)>,
    /// Per area: residents with no value; and the codes with none.
    without: FxHashMap<usize, u64>,
    codes_without: u64,
}

impl<'a, V: Copy> Weights<'a, V> {
    /// The weights of the residents' codes, each code's value found once by `value`.
    fn new(
        residents: &[Residents<'a>],
        assignment: &'a Assignment,
        lookup: Option<&'a VintageLookup>,
        value: impl Fn(&str) -> Option<V>,
    ) -> Self {
        let has = |code: &str| value(code).is_some();
        let mut out = Weights { valued: Vec::new(), without: FxHashMap::default(), codes_without: 0 };
        let mut unvalued_codes: Vec<&LsoaCode> = Vec::new();
        for r in residents {
            if let Some(v) = value(r.code.as_str()) {
                out.valued.push((r.area, r.code.as_str(), r.patients, 1, v));
                continue;
            }
            let pieces = pieces(r, assignment, lookup, &has);
            if pieces.is_empty() {
                *out.without.entry(r.area).or_default() += r.patients;
                unvalued_codes.push(r.code);
                continue;
            }
            let k = pieces.len() as u32;
            // Every piece has a value: the pieces are those the file values.
            out.valued.extend(pieces.into_iter().filter_map(|p| value(p).map(|v| (r.area, p, r.patients, k, v))));
        }
        unvalued_codes.sort();
        unvalued_codes.dedup();
        out.codes_without = unvalued_codes.len() as u64;
        // Sums in (area, code) order: the same whatever the order of the registrations. (Entries equal
        // in all but the value have the same code, so the same value: an unstable sort gives one order.)
        out.valued.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        out
    }
}

/// The pieces of the other census that the file values, of a code it does not: for an apportioned
/// code, only its pieces in this area.
fn pieces<'a>(
    r: &Residents<'a>,
    assignment: &'a Assignment,
    lookup: Option<&'a VintageLookup>,
    has: &impl Fn(&str) -> bool,
) -> Vec<&'a str> {
    if let Some((k, t)) = r.apportioned {
        let Some(a) = assignment.conversion.as_ref().and_then(|c| c.apportioned.get(k)) else {
            return Vec::new();
        };
        return a
            .pieces
            .iter()
            .filter(|(code, target)| *target == t && has(code.as_str()))
            .map(|(c, _)| c.as_str())
            .collect();
    }
    let Some(lookup) = lookup else { return Vec::new() };
    let mut out: Vec<&str> = [footprint_ingest::Vintage::Census2011, footprint_ingest::Vintage::Census2021]
        .into_iter()
        .filter_map(|v| lookup.pieces(r.code, v).map(|p| (v, p)))
        .flat_map(|(v, p)| p.iter().map(move |&pair| lookup.counterpart(pair, v).as_str()))
        .filter(|c| has(c))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A context of LSOA codes over the areas.
fn lsoa_level(
    file: &ContextTable,
    residents: &[Residents<'_>],
    assignment: &Assignment,
    lookup: Option<&VintageLookup>,
    table: &OverlapTable,
) -> AreaContext {
    let n = table.areas.len();
    let (values, without, codes_without) = match &file.values {
        ContextValues::Score(map) => {
            let weights = Weights::new(residents, assignment, lookup, |code| map.get(code).copied());
            let mut sums = vec![(0.0f64, 0.0f64); n];
            for &(area, _, patients, k, score) in &weights.valued {
                let w = patients as f64 / f64::from(k);
                sums[area].0 += w * score;
                sums[area].1 += w;
            }
            let values = score_values(sums.into_iter().map(|(s, w)| (w > 0.0).then(|| s / w)).collect(), table);
            (values, weights.without, weights.codes_without)
        }
        ContextValues::Class { of, labels } => {
            let weights = Weights::new(residents, assignment, lookup, |code| of.get(code).copied());
            let mut per_area: Vec<FxHashMap<u32, f64>> = vec![FxHashMap::default(); n];
            for &(area, _, patients, k, class) in &weights.valued {
                *per_area[area].entry(class).or_default() += patients as f64 / f64::from(k);
            }
            let raw = per_area
                .iter()
                .map(|m| {
                    let mut classes: Vec<(u32, f64)> = m.iter().map(|(&c, &w)| (c, w)).collect();
                    classes.sort_by(|a, b| {
                        b.1.total_cmp(&a.1).then_with(|| labels[a.0 as usize].cmp(&labels[b.0 as usize]))
                    });
                    classes.first().map(|c| c.0)
                })
                .collect();
            (class_values(labels, raw), weights.without, weights.codes_without)
        }
    };
    AreaContext {
        name: file.name.clone(),
        level: Some(file.level),
        values,
        residents_without_value: (0..n).map(|i| without.get(&i).copied().unwrap_or(0)).collect(),
        codes_without_value: codes_without,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use footprint_index::assign_by_lookup;
    use footprint_ingest::{
        AreaFields, Change, ContextKind, InputFile, LookupColumns, LsoaPair, read_areas, read_context, read_lookup,
        read_practice_map, read_registrations,
    };

    fn check(values: &[Option<f64>], order: DecileOrder, expected: &[Option<u8>]) {
        assert_eq!(deciles(values, order), expected, "{values:?} {order:?}");
    }

    #[test]
    fn decile_cut_by_hand() {
        // 10 values: one per decile; highest first reverses them.
        let ten: Vec<Option<f64>> = (1..=10).map(|v| Some(f64::from(v))).collect();
        check(&ten, DecileOrder::LowestFirst, &(1..=10).map(Some).collect::<Vec<_>>());
        check(&ten, DecileOrder::HighestFirst, &(1..=10).rev().map(Some).collect::<Vec<_>>());
        // 20 values, ties in area order: 2 per decile; the tied 5.0s at areas 0 and 1 keep that order.
        let twenty: Vec<Option<f64>> = (0..20).map(|i| Some(if i < 2 { 5.0 } else { f64::from(i) * 10.0 })).collect();
        let expected: Vec<Option<u8>> = (0..20).map(|i| Some(i / 2 + 1)).collect();
        check(&twenty, DecileOrder::LowestFirst, &expected);
        // 12 values: ranks 12d/10 .. 12(d+1)/10 (0..1, 1..2, 2..3, 3..4, 4..6, 6..7, 7..8, 8..9, 9..10,
        // 10..12) give deciles 5 and 10 two values each; a None has none.
        let mut twelve: Vec<Option<f64>> = (0..12).map(|i| Some(f64::from(i))).collect();
        twelve.push(None);
        let mut expected: Vec<Option<u8>> = [1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 10].map(Some).to_vec();
        expected.push(None);
        check(&twelve, DecileOrder::LowestFirst, &expected);
    }

    /// A code the file does not hold is valued by its pieces of the other census that it does, equally.
    #[test]
    fn codes_of_the_other_census_are_valued_by_their_pieces() {
        let input = |name: &str, text: &str| InputFile::from_bytes(name, text.as_bytes().to_vec());
        let regs =
            read_registrations(&input("r.csv", "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,OLD,30\nA,SAME,10\n"))
                .unwrap();
        let map = read_practice_map(&input("m.csv", "PRACTICE_CODE,PCN_CODE\nA,P1\n")).unwrap();
        let layer = read_areas(
            &input("a.geojson", r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"MSOA11CD":"M1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#),
            &AreaFields::default(),
        )
        .unwrap();
        let lookup =
            read_lookup(&input("l.csv", "LSOA11CD,MSOA11CD\nOLD,M1\nSAME,M1\n"), &LookupColumns::default()).unwrap();
        let assignment = assign_by_lookup(&regs.lsoas, &lookup, &layer);
        let table = crate::count_overlap(&regs, &map, &assignment, &layer, &[]);
        // OLD was split into NEW1 and NEW2 (scores 10 and 20) and NEW3 (not in the file).
        let pair = |a: &str, b: &str| LsoaPair { lsoa11: a.into(), lsoa21: b.into(), change: Change::Split };
        let vintage = VintageLookup::new(vec![pair("OLD", "NEW1"), pair("OLD", "NEW2"), pair("OLD", "NEW3")]);
        let file = read_context(&input("c.csv", "lsoa21cd,imd_score\nNEW1,10\nNEW2,20\nSAME,50\n"), &ContextKind::Imd)
            .unwrap();
        let got = area_contexts(&file.iter().collect::<Vec<_>>(), &regs, &assignment, &layer, &table, Some(&vintage));
        // OLD's 30 residents: 15 at 10 and 15 at 20; SAME's 10 at 50: (150 + 300 + 500) / 40.
        let AreaValues::Score { score, .. } = &got[0].values else { panic!("a score") };
        assert_eq!(score[0], Some(950.0 / 40.0));
        assert_eq!(got[0].residents_without_value, [0]);
        // Without the exact-fit lookup, OLD has no value: its residents are counted as such.
        let got = area_contexts(&file.iter().collect::<Vec<_>>(), &regs, &assignment, &layer, &table, None);
        let AreaValues::Score { score, .. } = &got[0].values else { panic!("a score") };
        assert_eq!((score[0], got[0].residents_without_value[0], got[0].codes_without_value), (Some(50.0), 30, 1));
    }
}
