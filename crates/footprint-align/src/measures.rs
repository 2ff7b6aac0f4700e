//! The measures of an alignment: whole patients per team, LSOA and PCN, and how teams, PCNs and
//! team–PCN pairs line up.

use footprint_ingest::{LsoaCode, PcnId, PracticeMap, PracticePcn, RegistrationTable};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::LsoaTeams;
use crate::apportion::largest_remainder;

use footprint_overlap::{AreaOverlap, NO_PCN, Threshold, measure, ratio};

/// One LSOA split between teams (or a team and no team).
#[derive(Clone, Debug, PartialEq)]
pub struct SplitLsoa {
    /// The LSOA code.
    pub lsoa: LsoaCode,
    /// Its registered residents.
    pub population: u64,
    /// Each piece: the team (`None`: no team), its share of the LSOA and the patients it was given.
    pub pieces: Vec<(Option<u32>, f64, u64)>,
}

/// A team's measures.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamMeasures {
    /// Population, PCN counts, hhi, top PCN (the area id is the team index).
    pub overlap: AreaOverlap,
    /// The fewest PCNs, largest first (ties by code), holding at least the core share of the residents.
    pub core_pcns: Vec<PcnId>,
    /// The share of the residents registered with PCNs that have most of their list in this team.
    pub home_share: Option<f64>,
}

/// A PCN's measures.
#[derive(Clone, Debug, PartialEq)]
pub struct PcnMeasures {
    /// The PCN.
    pub pcn: PcnId,
    /// Its patients in the registrations (every LSOA, known or not).
    pub list_size: u64,
    /// Its patients resident in some team.
    pub in_teams: u64,
    /// Teams its patients live in, most patients first (ties by team order): (team, patients).
    pub teams: Vec<(u32, u64)>,
    /// Teams with at least each threshold of its list.
    pub teams_at_or_above: Vec<u32>,
    /// Whether it has at least the first threshold of some team's residents (it serves the teams).
    pub serves_teams: bool,
}

/// A team–PCN pair with patients in common.
#[derive(Clone, Debug, PartialEq)]
pub struct PairMeasures {
    /// The team.
    pub team: u32,
    /// The PCN.
    pub pcn: PcnId,
    /// The PCN's patients resident in the team.
    pub patients: u64,
    /// Σ over LSOAs of min(team's residents, PCN's patients resident there).
    pub common: u64,
    /// Σ over LSOAs of max(team's residents, PCN's patients resident there).
    pub union: u64,
    /// The team's residents.
    pub team_population: u64,
    /// The PCN's patients resident in known LSOAs.
    pub pcn_population: u64,
}

impl PairMeasures {
    /// Population-weighted Jaccard: `common / union`.
    #[must_use]
    pub fn jaccard(&self) -> Option<f64> {
        ratio(self.common, self.union)
    }

    /// Population-weighted containment of the team in the PCN: `common / team_population`.
    #[must_use]
    pub fn team_in_pcn(&self) -> Option<f64> {
        ratio(self.common, self.team_population)
    }

    /// Population-weighted containment of the PCN in the team: `common / pcn_population`.
    #[must_use]
    pub fn pcn_in_team(&self) -> Option<f64> {
        ratio(self.common, self.pcn_population)
    }
}

/// Patients read, by where they went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlignAccounting {
    /// Every patient of the registrations.
    pub patients_read: u64,
    /// Resident in a team.
    pub patients_in_teams: u64,
    /// Resident in a known LSOA but in no team (outside every team, or a piece of a split LSOA outside).
    pub patients_no_team: u64,
    /// Resident in an LSOA the apportionment does not know.
    pub patients_unknown_lsoa: u64,
}

impl AlignAccounting {
    /// Whether every patient read is in exactly one of the three.
    #[must_use]
    pub fn balances(&self) -> bool {
        self.patients_read == self.patients_in_teams + self.patients_no_team + self.patients_unknown_lsoa
    }
}

/// The whole alignment of a team layer with the PCNs.
#[derive(Clone, Debug, PartialEq)]
pub struct Alignment {
    /// The team names, in team order.
    pub teams: Vec<String>,
    /// The thresholds the counts use.
    pub thresholds: Vec<Threshold>,
    /// The core share.
    pub core_share: Threshold,
    /// Per team.
    pub team_measures: Vec<TeamMeasures>,
    /// Per PCN with patients in the registrations, in code order.
    pub pcn_measures: Vec<PcnMeasures>,
    /// Team–PCN pairs with patients in common, by team then PCN.
    pub pairs: Vec<PairMeasures>,
    /// LSOAs split between teams, in code order.
    pub split: Vec<SplitLsoa>,
    /// Where every patient went.
    pub accounting: AlignAccounting,
}

impl Alignment {
    /// The layer's alignment index: of the team residents registered with a PCN, the share whose PCN has
    /// more of its patients in their team than in any other (1: every PCN's patients live in one team).
    #[must_use]
    pub fn index(&self) -> Option<f64> {
        let total: u64 = self.pcn_measures.iter().map(|p| p.in_teams).sum();
        let main: u64 = self.pcn_measures.iter().map(|p| p.teams.first().map_or(0, |t| t.1)).sum();
        ratio(main, total)
    }

    /// Teams from least to best aligned: by home share (none last), ties by name.
    #[must_use]
    pub fn teams_ranked(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.teams.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (self.team_measures[a as usize].home_share, self.team_measures[b as usize].home_share);
            x.map_or(f64::INFINITY, |v| v).total_cmp(&y.map_or(f64::INFINITY, |v| v)).then(a.cmp(&b))
        });
        order
    }

    /// The PCNs serving the teams (indices into `pcn_measures`) from least to best aligned: by the share of
    /// their team-resident patients in their main team, ties by code.
    #[must_use]
    pub fn pcns_ranked(&self) -> Vec<usize> {
        let mut order: Vec<usize> =
            (0..self.pcn_measures.len()).filter(|&i| self.pcn_measures[i].serves_teams).collect();
        let key = |i: usize| self.pcn_measures[i].main_share().map_or(f64::INFINITY, |v| v);
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        order
    }
}

impl PcnMeasures {
    /// Of its patients resident in a team, the share in its main team.
    #[must_use]
    pub fn main_share(&self) -> Option<f64> {
        ratio(self.teams.first()?.1, self.in_teams)
    }
}

/// Aligns the teams with the PCNs: apportions every registration row by `placement` (one entry per LSOA
/// code of the registrations), then measures teams, PCNs and pairs.
///
/// ```
/// use footprint_ingest::{InputFile, read_practice_map, read_registrations};
/// use footprint_align::{LsoaTeams, align};
/// use footprint_overlap::Threshold;
/// let regs = "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\nA1,L1,90\nB1,L1,10\nB1,L2,50\n";
/// let map = "PRACTICE_CODE,PCN_CODE,PCN_NAME\nA1,P1,North\nB1,P2,South\n";
/// let regs = read_registrations(&InputFile::from_bytes("r.csv", regs.into()))?;
/// let map = read_practice_map(&InputFile::from_bytes("m.csv", map.into()))?;
/// // L1 wholly in team 0, L2 half in team 0 and half in team 1.
/// let placement = vec![LsoaTeams::Pieces(vec![(0, 1.0)]), LsoaTeams::Pieces(vec![(0, 0.5), (1, 0.5)])];
/// let a = align(&regs, &map, &placement, vec!["East".into(), "West".into()], &[Threshold::ONE_PERCENT], Threshold::ONE_PERCENT);
/// assert_eq!(a.team_measures[0].overlap.population, 125); // 90 + 10 + 25
/// assert!(a.accounting.balances());
/// # Ok::<(), footprint_ingest::IngestError>(())
/// ```
#[must_use]
pub fn align(
    registrations: &RegistrationTable,
    practices: &PracticeMap,
    placement: &[LsoaTeams],
    teams: Vec<String>,
    thresholds: &[Threshold],
    core_share: Threshold,
) -> Alignment {
    let runs = lsoa_pcn_runs(registrations, practices);
    let mut tally = Tally::new(practices.pcns.len(), teams.len());
    for lsoa_runs in runs.chunk_by(|a, b| a.0 >> 32 == b.0 >> 32) {
        let lsoa = (lsoa_runs[0].0 >> 32) as usize;
        tally.add_lsoa(&registrations.lsoas[lsoa], lsoa_runs, &placement[lsoa]);
    }
    tally.split.sort_by(|a, b| a.lsoa.cmp(&b.lsoa));
    let team_measures = team_measures(tally.team_runs, &tally.list_size, thresholds, core_share);
    let pairs = pairs(&tally.matrix, &tally.common, &team_measures, &tally.pcn_in_known);
    let pcn_measures = pcn_measures(&pairs, &team_measures, &tally.list_size, thresholds);
    Alignment {
        teams,
        thresholds: thresholds.to_vec(),
        core_share,
        team_measures,
        pcn_measures,
        pairs,
        split: tally.split,
        accounting: tally.accounting,
    }
}

/// Patients per (LSOA, PCN or [`NO_PCN`]), keyed `lsoa << 32 | pcn` and sorted by key.
fn lsoa_pcn_runs(registrations: &RegistrationTable, practices: &PracticeMap) -> Vec<(u64, u64)> {
    let practice_pcn: Vec<u32> = registrations
        .practices
        .iter()
        .map(|code| match practices.pcn_of(code) {
            Some(PracticePcn::Pcn(id)) => id.0,
            _ => NO_PCN,
        })
        .collect();
    let mut keyed: Vec<(u64, u64)> = registrations
        .rows
        .iter()
        .map(|r| ((u64::from(r.lsoa.0) << 32) | u64::from(practice_pcn[r.practice.index()]), u64::from(r.patients)))
        .collect();
    keyed.par_sort_unstable_by_key(|k| k.0);
    footprint_overlap::sum_runs(keyed, 0)
}

/// What the LSOAs add up to, one LSOA at a time.
struct Tally {
    accounting: AlignAccounting,
    /// Per PCN: its patients in the registrations.
    list_size: Vec<u64>,
    /// Per PCN: its patients in LSOAs of known place.
    pcn_in_known: Vec<u64>,
    /// Per team: (PCN or none, patients), unsorted.
    team_runs: Vec<Vec<(u64, u64)>>,
    /// (team, PCN) → patients.
    matrix: FxHashMap<(u32, u32), u64>,
    /// (team, PCN) → Σ min(team's residents, PCN's patients) over LSOAs.
    common: FxHashMap<(u32, u32), u64>,
    split: Vec<SplitLsoa>,
}

/// One LSOA's patients divided between its pieces: patients per piece (the last one outside every team)
/// and the (piece, PCN, patients) given.
struct Division {
    weights: Vec<f64>,
    per_piece: Vec<u64>,
    given: Vec<(usize, u32, u64)>,
}

impl Tally {
    fn new(pcns: usize, teams: usize) -> Self {
        Tally {
            accounting: AlignAccounting::default(),
            list_size: vec![0; pcns],
            pcn_in_known: vec![0; pcns],
            team_runs: vec![Vec::new(); teams],
            matrix: FxHashMap::default(),
            common: FxHashMap::default(),
            split: Vec::new(),
        }
    }

    /// Adds one LSOA's runs of (key, patients), all of one LSOA, placed by `place`.
    fn add_lsoa(&mut self, code: &LsoaCode, lsoa_runs: &[(u64, u64)], place: &LsoaTeams) {
        for &(k, n) in lsoa_runs {
            self.accounting.patients_read += n;
            if let Some(pcn) = pcn_index(k) {
                self.list_size[pcn] += n;
            }
        }
        let pieces = match place {
            LsoaTeams::Unknown => {
                self.accounting.patients_unknown_lsoa += lsoa_runs.iter().map(|r| r.1).sum::<u64>();
                return;
            }
            LsoaTeams::Pieces(p) => p,
        };
        for &(k, n) in lsoa_runs {
            if let Some(pcn) = pcn_index(k) {
                self.pcn_in_known[pcn] += n;
            }
        }
        let division = divide(lsoa_runs, pieces);
        self.give(pieces, &division);
        self.add_common(pieces, lsoa_runs, &division.per_piece);
        if place.is_split() {
            self.split.push(split_lsoa(code, pieces, &division));
        }
    }

    /// Books the patients given to each piece to its team (or to no team).
    fn give(&mut self, pieces: &[(u32, f64)], division: &Division) {
        let outside = division.weights.len() - 1;
        self.accounting.patients_no_team += division.per_piece[outside];
        for &(i, pcn, part) in &division.given {
            if i == outside {
                continue;
            }
            let team = pieces[i].0;
            self.accounting.patients_in_teams += part;
            self.team_runs[team as usize].push((u64::from(pcn), part));
            if pcn != NO_PCN {
                *self.matrix.entry((team, pcn)).or_default() += part;
            }
        }
    }

    /// Adds, per (team, PCN) pair, min(team's residents here, PCN's patients here).
    fn add_common(&mut self, pieces: &[(u32, f64)], lsoa_runs: &[(u64, u64)], per_piece: &[u64]) {
        for (i, piece) in pieces.iter().enumerate() {
            for &(k, n) in lsoa_runs {
                let pcn = k as u32;
                if pcn != NO_PCN && per_piece[i] > 0 {
                    *self.common.entry((piece.0, pcn)).or_default() += per_piece[i].min(n);
                }
            }
        }
    }
}

/// The PCN index of a run key, `None` for patients of no PCN.
fn pcn_index(key: u64) -> Option<usize> {
    let pcn = key as u32;
    (pcn != NO_PCN).then_some(pcn as usize)
}

/// Divides each run of one LSOA between its pieces and the remainder outside every team, in whole
/// patients by largest remainder.
fn divide(lsoa_runs: &[(u64, u64)], pieces: &[(u32, f64)]) -> Division {
    let mut weights: Vec<f64> = pieces.iter().map(|p| p.1).collect();
    weights.push((1.0 - weights.iter().sum::<f64>()).max(0.0));
    let mut per_piece = vec![0u64; weights.len()];
    let mut given: Vec<(usize, u32, u64)> = Vec::new();
    for &(k, n) in lsoa_runs {
        let pcn = k as u32;
        // The usual case, an LSOA wholly in one team (or none): no division to make.
        if weights.len() <= 2 && weights.last() == Some(&0.0) {
            per_piece[0] += n;
            given.push((0, pcn, n));
            continue;
        }
        for (i, part) in largest_remainder(n, &weights).into_iter().enumerate() {
            per_piece[i] += part;
            if part > 0 {
                given.push((i, pcn, part));
            }
        }
    }
    Division { weights, per_piece, given }
}

/// The record of an LSOA split between pieces.
fn split_lsoa(code: &LsoaCode, pieces: &[(u32, f64)], division: &Division) -> SplitLsoa {
    let outside = division.weights.len() - 1;
    let population: u64 = division.per_piece.iter().sum();
    let mut parts: Vec<(Option<u32>, f64, u64)> =
        pieces.iter().zip(&division.per_piece).map(|(p, &n)| (Some(p.0), p.1, n)).collect();
    if division.weights[outside] > 0.0 {
        parts.push((None, division.weights[outside], division.per_piece[outside]));
    }
    SplitLsoa { lsoa: code.clone(), population, pieces: parts }
}

/// Each team's overlap measures, core PCNs and home share, from its runs of (PCN, patients).
fn team_measures(
    team_runs: Vec<Vec<(u64, u64)>>,
    list_size: &[u64],
    thresholds: &[Threshold],
    core_share: Threshold,
) -> Vec<TeamMeasures> {
    team_runs
        .into_iter()
        .enumerate()
        .map(|(t, mut runs)| {
            runs.sort_unstable_by_key(|r| r.0);
            let summed = footprint_overlap::sum_runs(runs, 0);
            let overlap = measure(footprint_ingest::AreaId(t as u32), &summed, thresholds);
            let core_pcns = core_share.core(&overlap.pcn_patients, overlap.population);
            let home: u64 =
                overlap.pcn_patients.iter().filter(|(p, n)| 2 * n > list_size[p.index()]).map(|(_, n)| n).sum();
            let home_share = ratio(home, overlap.population);
            TeamMeasures { overlap, core_pcns, home_share }
        })
        .collect()
}

/// Every team–PCN pair with patients in common, by team then PCN.
fn pairs(
    matrix: &FxHashMap<(u32, u32), u64>,
    common: &FxHashMap<(u32, u32), u64>,
    team_measures: &[TeamMeasures],
    pcn_in_known: &[u64],
) -> Vec<PairMeasures> {
    let mut pairs: Vec<PairMeasures> = matrix
        .iter()
        .map(|(&(team, pcn), &patients)| {
            let c = common.get(&(team, pcn)).copied().unwrap_or(0);
            let (team_population, pcn_population) =
                (team_measures[team as usize].overlap.population, pcn_in_known[pcn as usize]);
            PairMeasures {
                team,
                pcn: PcnId(pcn),
                patients,
                common: c,
                union: team_population + pcn_population - c,
                team_population,
                pcn_population,
            }
        })
        .collect();
    pairs.sort_by_key(|p| (p.team, p.pcn));
    pairs
}

/// Each PCN with patients: its teams, most patients first, and how many reach each threshold of its list.
fn pcn_measures(
    pairs: &[PairMeasures],
    team_measures: &[TeamMeasures],
    list_size: &[u64],
    thresholds: &[Threshold],
) -> Vec<PcnMeasures> {
    let mut serves = vec![false; list_size.len()];
    if let Some(first) = thresholds.first() {
        for m in team_measures {
            for &(p, n) in &m.overlap.pcn_patients {
                serves[p.index()] |= first.is_met(n, m.overlap.population);
            }
        }
    }
    let mut by_pcn: Vec<Vec<(u32, u64)>> = vec![Vec::new(); list_size.len()];
    for p in pairs {
        by_pcn[p.pcn.index()].push((p.team, p.patients));
    }
    by_pcn
        .into_iter()
        .enumerate()
        .filter(|(p, _)| list_size[*p] > 0)
        .map(|(p, mut teams_of)| {
            teams_of.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let teams_at_or_above = thresholds
                .iter()
                .map(|t| teams_of.iter().filter(|(_, n)| t.is_met(*n, list_size[p])).count() as u32)
                .collect();
            PcnMeasures {
                pcn: PcnId(p as u32),
                list_size: list_size[p],
                in_teams: teams_of.iter().map(|t| t.1).sum(),
                teams: teams_of,
                teams_at_or_above,
                serves_teams: serves[p],
            }
        })
        .collect()
}
