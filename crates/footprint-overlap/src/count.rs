//! The overlap count: registered patients by area and PCN, and the per-area measures derived from them.

use footprint_index::{Assignment, Placement};
use footprint_ingest::{AreaId, AreaLayer, LsoaCode, PcnId, PracticeCode, PracticeMap, PracticePcn, RegistrationTable};
use rayon::prelude::*;

use crate::Threshold;

/// The PCN slot used for patients at practices in no PCN (after every PCN in key order).
pub const NO_PCN: u32 = u32::MAX;

/// What was counted for one area.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaOverlap {
    /// The area.
    pub area: AreaId,
    /// Registered patients resident in the area, at every practice (in a PCN or not).
    pub population: u64,
    /// Of those, patients at practices in no PCN (PCN code `U`, or not in the practice map).
    pub patients_no_pcn: u64,
    /// Patients by PCN, sorted by PCN code; only PCNs with at least one patient.
    pub pcn_patients: Vec<(PcnId, u64)>,
    /// PCNs with at least one patient resident here.
    pub pcns_all: u32,
    /// For each threshold of the table, the PCNs whose share is at or above it.
    pub pcns_at_or_above: Vec<u32>,
    /// Σ share² over PCNs (share = patients / population); `None` when no PCN has a patient here.
    pub hhi: Option<f64>,
    /// 1 / hhi.
    pub effective_pcns: Option<f64>,
    /// The PCN with most patients here (ties to the smallest code) and its patients.
    pub top: Option<(PcnId, u64)>,
}

impl AreaOverlap {
    /// `patients / population` as the nearest f64 (0 for an empty area).
    #[must_use]
    pub fn share(&self, patients: u64) -> f64 {
        ratio(patients, self.population).unwrap_or(0.0)
    }
}

/// `numerator / denominator` as one correctly rounded division of the two counts; `None` when the
/// denominator is 0.
///
/// ```
/// assert_eq!(footprint_overlap::ratio(1, 4), Some(0.25));
/// assert_eq!(footprint_overlap::ratio(1, 0), None);
/// ```
#[must_use]
pub fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// A registrations LSOA code that was placed in no area, with the patients it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnplacedCode {
    /// The code as in the registrations.
    pub code: LsoaCode,
    /// Why it was not placed.
    pub placement: Placement,
    /// Rows with this code.
    pub rows: u64,
    /// Patients on those rows.
    pub patients: u64,
}

/// Where every patient read went: the identity `patients_read = patients_assigned +
/// patients_unknown_lsoa + patients_outside_layer` always holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accounting {
    /// Rows of the registrations file.
    pub rows_read: u64,
    /// Patients on those rows.
    pub patients_read: u64,
    /// Patients placed in an area of the layer.
    pub patients_assigned: u64,
    /// Patients whose LSOA code the lookup (or centroid file) does not know.
    pub patients_unknown_lsoa: u64,
    /// Patients whose LSOA lies outside the area layer.
    pub patients_outside_layer: u64,
    /// Assigned patients at practices with PCN code `U`.
    pub patients_practice_no_pcn: u64,
    /// Assigned patients at practices absent from the practice map.
    pub patients_practice_not_in_map: u64,
    /// Practices absent from the map, with all their patients (placed or not), sorted by code.
    pub practices_not_in_map: Vec<(PracticeCode, u64)>,
    /// Codes placed in no area, sorted by code (an apportioned code with a part outside the layer or
    /// unknown is listed with that part).
    pub unplaced: Vec<UnplacedCode>,
    /// Patients on codes of the other census, converted (exactly or apportioned); 0 without conversion.
    pub patients_converted: u64,
    /// Of those, patients on codes apportioned between targets.
    pub patients_apportioned: u64,
}

impl Accounting {
    /// Whether every patient read is accounted for.
    #[must_use]
    pub fn balances(&self) -> bool {
        self.patients_read == self.patients_assigned + self.patients_unknown_lsoa + self.patients_outside_layer
    }
}

/// The per-area overlap measures for a whole layer.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlapTable {
    /// One entry per area of the layer, in area (code) order.
    pub areas: Vec<AreaOverlap>,
    /// The thresholds, in the order given.
    pub thresholds: Vec<Threshold>,
    /// Where every patient went.
    pub accounting: Accounting,
}

impl OverlapTable {
    /// The national statistics: for `pcns_all` and each threshold's column, the distribution over the
    /// areas with at least one registered resident (areas with none, e.g. outside the region of a
    /// regional extract, would only add zeros). In column order.
    #[must_use]
    pub fn distributions(&self) -> Vec<(String, crate::Distribution)> {
        let populated: Vec<&AreaOverlap> = self.areas.iter().filter(|r| r.population > 0).collect();
        let mut out =
            vec![("pcns_all".to_owned(), crate::describe(&populated.iter().map(|r| r.pcns_all).collect::<Vec<_>>()))];
        for (i, t) in self.thresholds.iter().enumerate() {
            out.push((
                t.column_name(),
                crate::describe(&populated.iter().map(|r| r.pcns_at_or_above[i]).collect::<Vec<_>>()),
            ));
        }
        out
    }
}

/// Counts PCNs per area.
///
/// Patients are keyed by (area, PCN), grouped by area and summed per PCN, so the result is the same
/// whatever the row order of the input and whatever the number of threads.
///
/// ```
/// use footprint_index::assign_by_lookup;
/// use footprint_ingest::*;
/// use footprint_overlap::{Threshold, count_overlap};
/// let regs = read_registrations(&InputFile::from_bytes("r.csv",
///     b"PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA,L1,99\nB,L1,1\n".to_vec()))?;
/// let map = read_practice_map(&InputFile::from_bytes("m.csv", b"PRACTICE_CODE,PCN_CODE\nA,P1\nB,P2\n".to_vec()))?;
/// let layer = read_areas(&InputFile::from_bytes("a.geojson", br#"{"type":"FeatureCollection","features":[
///     {"type":"Feature","properties":{"MSOA11CD":"M1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#.to_vec()),
///     &AreaFields::default())?;
/// let lookup = read_lookup(&InputFile::from_bytes("l.csv", b"LSOA11CD,MSOA11CD\nL1,M1\n".to_vec()), &LookupColumns::default())?;
/// let assignment = assign_by_lookup(&regs.lsoas, &lookup, &layer);
/// let table = count_overlap(&regs, &map, &assignment, &layer, &[Threshold::ONE_PERCENT]);
/// let m1 = &table.areas[0];
/// assert_eq!((m1.population, m1.pcns_all, m1.pcns_at_or_above[0]), (100, 2, 2)); // B has exactly 1%
/// assert_eq!(m1.hhi, Some(0.9802)); // 0.99² + 0.01²
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
#[must_use]
pub fn count_overlap(
    registrations: &RegistrationTable,
    practices: &PracticeMap,
    assignment: &Assignment,
    layer: &AreaLayer,
    thresholds: &[Threshold],
) -> OverlapTable {
    // Rows are counted in as many parts as there are threads, side by side; the parts' tallies are
    // added (sums: the same whatever the parts). Each part's keys fill a vector of its exact size.
    let practice_pcn = practice_pcns(registrations, practices);
    let per_part = registrations.rows.len().div_ceil(rayon::current_num_threads()).max(1);
    let counters: Vec<Counter<'_>> = registrations
        .rows
        .par_chunks(per_part)
        .map(|rows| {
            let mut counter = Counter::new(registrations, &practice_pcn, assignment, rows.len());
            rows.iter().for_each(|row| counter.row(row));
            counter
        })
        .collect();
    let mut counter = Counter::new(registrations, &practice_pcn, assignment, 0);
    if let Some(conversion) = &assignment.conversion {
        for a in &conversion.apportioned {
            counter.apportioned(a);
        }
    }
    let mut parts = counter.add(counters);
    let accounting = counter.finish();
    parts.retain(|p| !p.is_empty());
    // Each part's keys grouped by area, side by side; each area's patients summed over the parts.
    let grouped: Vec<Grouped> =
        parts.into_par_iter().map(|keyed| Grouped::by_area(&keyed, layer.areas.len())).collect();
    // PCN slots are the practice map's PCNs (and the no-PCN slot).
    let pcns = practices.pcns.len();
    let areas = (0..layer.areas.len())
        .into_par_iter()
        .map_init(
            || PcnTotals::new(pcns),
            |totals, i| measure(AreaId(i as u32), &totals.sum(grouped.iter().map(|g| g.area(i))), thresholds),
        )
        .collect();
    OverlapTable { areas, thresholds: thresholds.to_vec(), accounting }
}

/// Each registrations practice's PCN slot, or `None` for a practice not in the map.
fn practice_pcns(registrations: &RegistrationTable, practices: &PracticeMap) -> Vec<Option<u32>> {
    registrations
        .practices
        .iter()
        .map(|code| match practices.pcn_of(code) {
            Some(PracticePcn::Pcn(id)) => Some(id.0),
            Some(PracticePcn::NoPcn) => Some(NO_PCN),
            None => None,
        })
        .collect()
}

/// Patients summed per PCN slot (the no-PCN slot last), kept between areas.
struct PcnTotals {
    totals: Vec<u64>,
    seen: Vec<bool>,
    pcns: Vec<u32>,
}

impl PcnTotals {
    /// For PCN slots below `pcns`.
    fn new(pcns: usize) -> Self {
        Self { totals: vec![0; pcns + 1], seen: vec![false; pcns + 1], pcns: Vec::new() }
    }

    /// The patients of one area (in groups of (PCN slot, patients)) summed per slot, in slot order (the
    /// no-PCN slot last): what [`sum_runs`] gives of them keyed by slot and sorted.
    fn sum<'k>(&mut self, groups: impl Iterator<Item = &'k [(u32, u32)]>) -> Vec<(u64, u64)> {
        let last = self.totals.len() - 1;
        let slot = |pcn: u32| if pcn == NO_PCN { last } else { pcn as usize };
        self.pcns.clear();
        for &(pcn, n) in groups.flatten() {
            let s = slot(pcn);
            if !self.seen[s] {
                self.seen[s] = true;
                self.pcns.push(pcn);
            }
            self.totals[s] += u64::from(n);
        }
        self.pcns.sort_unstable();
        let runs = self.pcns.iter().map(|&pcn| (u64::from(pcn), std::mem::take(&mut self.totals[slot(pcn)]))).collect();
        for &pcn in &self.pcns {
            self.seen[slot(pcn)] = false;
        }
        runs
    }
}

/// Patients of one area at one PCN slot, as a row (or a part of an apportioned code) gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Keyed {
    area: u32,
    pcn: u32,
    patients: u32,
}

/// A part's keyed patients grouped by area: each entry's PCN slot and patients, the areas' groups one
/// after the other.
struct Grouped {
    /// Where each area's group starts (one more than there are areas).
    starts: Vec<usize>,
    entries: Vec<(u32, u32)>,
}

impl Grouped {
    /// `keyed` grouped by area (below `areas`) in two passes, a count and a scatter, keeping the order
    /// within each area.
    fn by_area(keyed: &[Keyed], areas: usize) -> Self {
        let mut starts = vec![0usize; areas + 1];
        for k in keyed {
            starts[k.area as usize + 1] += 1;
        }
        for i in 0..areas {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut entries = vec![(0u32, 0u32); keyed.len()];
        for k in keyed {
            let at = &mut next[k.area as usize];
            entries[*at] = (k.pcn, k.patients);
            *at += 1;
        }
        Self { starts, entries }
    }

    /// The group of area `i`.
    fn area(&self, i: usize) -> &[(u32, u32)] {
        &self.entries[self.starts[i]..self.starts[i + 1]]
    }
}

/// The count in progress: every patient read goes to an (area, PCN) key or to the accounting of the
/// codes placed nowhere.
struct Counter<'a> {
    registrations: &'a RegistrationTable,
    assignment: &'a Assignment,
    /// Practice id -> PCN slot, or None for a practice not in the map.
    practice_pcn: &'a [Option<u32>],
    accounting: Accounting,
    /// Per LSOA code: rows, and patients placed nowhere (by placement, for an apportioned code's parts).
    unplaced: Vec<(u64, u64, u64)>,
    practice_unmapped: Vec<u64>,
    keyed: Vec<Keyed>,
}

impl<'a> Counter<'a> {
    /// A counter of `rows` rows of `registrations`.
    fn new(
        registrations: &'a RegistrationTable,
        practice_pcn: &'a [Option<u32>],
        assignment: &'a Assignment,
        rows: usize,
    ) -> Self {
        Self {
            registrations,
            assignment,
            practice_pcn,
            accounting: Accounting { rows_read: registrations.rows.len() as u64, ..Accounting::default() },
            unplaced: vec![(0, 0, 0); registrations.lsoas.len()],
            practice_unmapped: vec![0; registrations.practices.len()],
            keyed: Vec::with_capacity(rows),
        }
    }

    /// Adds the tallies of `others` (counters of other rows of the same registrations) to this one's;
    /// this one's keyed patients and theirs, in parts.
    fn add(&mut self, others: Vec<Counter<'_>>) -> Vec<Vec<Keyed>> {
        let mut parts = vec![std::mem::take(&mut self.keyed)];
        for other in others {
            let (a, b) = (&mut self.accounting, other.accounting);
            a.patients_read += b.patients_read;
            a.patients_assigned += b.patients_assigned;
            a.patients_unknown_lsoa += b.patients_unknown_lsoa;
            a.patients_outside_layer += b.patients_outside_layer;
            a.patients_practice_no_pcn += b.patients_practice_no_pcn;
            a.patients_practice_not_in_map += b.patients_practice_not_in_map;
            a.patients_converted += b.patients_converted;
            a.patients_apportioned += b.patients_apportioned;
            for (mine, theirs) in self.unplaced.iter_mut().zip(other.unplaced) {
                *mine = (mine.0 + theirs.0, mine.1 + theirs.1, mine.2 + theirs.2);
            }
            for (mine, theirs) in self.practice_unmapped.iter_mut().zip(other.practice_unmapped) {
                *mine += theirs;
            }
            parts.push(other.keyed);
        }
        parts
    }

    fn row(&mut self, row: &footprint_ingest::Registration) {
        let patients = u64::from(row.patients);
        self.accounting.patients_read += patients;
        let pcn = self.practice_pcn[row.practice.index()];
        if pcn.is_none() {
            self.practice_unmapped[row.practice.index()] += patients;
        }
        if let Some(c) = &self.assignment.conversion
            && c.converted[row.lsoa.index()]
        {
            self.accounting.patients_converted += patients;
        }
        let placement = self.assignment.placements[row.lsoa.index()];
        if !matches!(placement, Placement::Area(_)) {
            self.unplaced[row.lsoa.index()].0 += 1;
        }
        if matches!(placement, Placement::Apportioned(_)) {
            // Counted with the practice's split of all its rows here, after the rows.
            self.accounting.patients_apportioned += patients;
        } else {
            self.place(row.lsoa.index(), placement, pcn, patients);
        }
    }

    /// The patients of an apportioned code, practice by practice and target by target.
    fn apportioned(&mut self, a: &footprint_index::Apportioned) {
        for (practice, parts) in &a.practices {
            let pcn = self.practice_pcn[practice.index()];
            for (&(target, _), &n) in a.targets.iter().zip(parts) {
                if n > 0 {
                    self.place(a.lsoa.index(), target, pcn, n);
                }
            }
        }
    }

    /// `patients` of LSOA code `lsoa` at a practice of PCN slot `pcn`, placed as `placement`.
    fn place(&mut self, lsoa: usize, placement: Placement, pcn: Option<u32>, patients: u64) {
        let a = &mut self.accounting;
        match placement {
            Placement::Area(area) => {
                a.patients_assigned += patients;
                match pcn {
                    None => a.patients_practice_not_in_map += patients,
                    Some(NO_PCN) => a.patients_practice_no_pcn += patients,
                    Some(_) => {}
                }
                let pcn = pcn.unwrap_or(NO_PCN);
                // A row's patients fit 32 bits; an apportioned part larger goes in pieces that do.
                let mut left = patients;
                while left > 0 {
                    let piece = u32::try_from(left).unwrap_or(u32::MAX);
                    self.keyed.push(Keyed { area: area.0, pcn, patients: piece });
                    left -= u64::from(piece);
                }
            }
            Placement::UnknownLsoa => {
                a.patients_unknown_lsoa += patients;
                self.unplaced[lsoa].1 += patients;
            }
            Placement::OutsideLayer | Placement::Apportioned(_) => {
                a.patients_outside_layer += patients;
                self.unplaced[lsoa].2 += patients;
            }
        }
    }

    fn finish(self) -> Accounting {
        let regs = self.registrations;
        let mut a = self.accounting;
        a.practices_not_in_map = self
            .practice_unmapped
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.practice_pcn[i].is_none())
            .map(|(i, &p)| (regs.practices[i].clone(), p))
            .collect();
        a.practices_not_in_map.sort();
        for (i, &(rows, unknown, outside)) in self.unplaced.iter().enumerate() {
            for (placement, patients) in [(Placement::UnknownLsoa, unknown), (Placement::OutsideLayer, outside)] {
                let whole = self.assignment.placements[i] == placement;
                if rows > 0 && (patients > 0 || whole) {
                    a.unplaced.push(UnplacedCode { code: regs.lsoas[i].clone(), placement, rows, patients });
                }
            }
        }
        a.unplaced.sort_by(|x, y| x.code.cmp(&y.code));
        a
    }
}

/// (key, count) pairs sorted by key, with the counts of each key summed.
///
/// ```
/// let runs = footprint_overlap::sum_runs([(1, 2), (1, 3), (4, 1)], 2);
/// assert_eq!(runs, vec![(1, 5), (4, 1)]);
/// ```
pub fn sum_runs(sorted: impl IntoIterator<Item = (u64, u64)>, capacity: usize) -> Vec<(u64, u64)> {
    let mut runs: Vec<(u64, u64)> = Vec::with_capacity(capacity);
    for (key, n) in sorted {
        match runs.last_mut() {
            Some((k, total)) if *k == key => *total += n,
            _ => runs.push((key, n)),
        }
    }
    runs
}

/// The measures of one area from its (PCN, patients) runs, sorted by PCN with the no-PCN slot last.
pub fn measure(area: AreaId, runs: &[(u64, u64)], thresholds: &[Threshold]) -> AreaOverlap {
    let population: u64 = runs.iter().map(|r| r.1).sum();
    let pcn_patients: Vec<(PcnId, u64)> = runs
        .iter()
        .map(|&(key, n)| ((key & 0xFFFF_FFFF) as u32, n))
        .filter(|&(pcn, n)| pcn != NO_PCN && n > 0)
        .map(|(pcn, n)| (PcnId(pcn), n))
        .collect();
    let patients_no_pcn = runs.iter().filter(|r| (r.0 & 0xFFFF_FFFF) as u32 == NO_PCN).map(|r| r.1).sum();
    let pcns_at_or_above = thresholds
        .iter()
        .map(|t| pcn_patients.iter().filter(|(_, n)| t.is_met(*n, population)).count() as u32)
        .collect();
    // Σ n² and N² are exact integers (well below 2^53 for any real area), so each ratio is one correctly rounded division.
    let sum_squares: u128 = pcn_patients.iter().map(|&(_, n)| u128::from(n) * u128::from(n)).sum();
    let population_squared = u128::from(population) * u128::from(population);
    let (hhi, effective_pcns) = if sum_squares == 0 {
        (None, None)
    } else {
        (Some(sum_squares as f64 / population_squared as f64), Some(population_squared as f64 / sum_squares as f64))
    };
    // Ties go to the smallest PCN code: the runs are in code order and only a strictly larger count replaces.
    let top = pcn_patients.iter().fold(None, |best: Option<(PcnId, u64)>, &(pcn, n)| match best {
        Some((_, b)) if b >= n => best,
        _ => Some((pcn, n)),
    });
    AreaOverlap {
        area,
        population,
        patients_no_pcn,
        pcns_all: pcn_patients.len() as u32,
        pcn_patients,
        pcns_at_or_above,
        hhi,
        effective_pcns,
        top,
    }
}

#[cfg(test)]
mod tests {
    use footprint_index::SplitMix64;

    use super::{Grouped, Keyed, NO_PCN, PcnTotals, sum_runs};

    /// Grouped by area, part by part, and summed per PCN slot over the parts: what a sort of the keys
    /// and [`sum_runs`] give.
    #[test]
    fn keys_grouped_by_area_and_summed_as_sorted() {
        let mut rng = SplitMix64(5);
        for (areas, keys) in [(1, 0), (1, 5), (7, 300), (50, 2000), (3, 10)] {
            let keyed: Vec<Keyed> = (0..keys)
                .map(|_| {
                    let pcn = if rng.below(9) == 0 { NO_PCN } else { rng.below(20) as u32 };
                    Keyed { area: rng.below(areas) as u32, pcn, patients: rng.below(40) as u32 }
                })
                .collect();
            let mut sorted: Vec<(u64, u64)> =
                keyed.iter().map(|k| ((u64::from(k.area) << 32) | u64::from(k.pcn), u64::from(k.patients))).collect();
            sorted.sort_unstable();
            let expected: Vec<(u64, u64)> =
                sum_runs(sorted, 0).into_iter().map(|(key, n)| (key & 0xFFFF_FFFF, n)).collect();
            // In two parts, as the rows are counted: each grouped alone, each area summed over both.
            let parts = [&keyed[..keyed.len() / 3], &keyed[keyed.len() / 3..]];
            let grouped: Vec<Grouped> = parts.iter().map(|p| Grouped::by_area(p, areas as usize)).collect();
            let mut totals = PcnTotals::new(20);
            let summed: Vec<(u64, u64)> =
                (0..areas as usize).flat_map(|i| totals.sum(grouped.iter().map(|g| g.area(i)))).collect();
            assert_eq!(summed, expected, "{areas} areas, {keys} keys");
            // Each area's group holds its own keys, in the order they came.
            for (p, g) in parts.iter().zip(&grouped) {
                for i in 0..areas as u32 {
                    let own: Vec<(u32, u32)> = p.iter().filter(|k| k.area == i).map(|k| (k.pcn, k.patients)).collect();
                    assert_eq!(g.area(i as usize), own.as_slice());
                }
            }
        }
    }
}
