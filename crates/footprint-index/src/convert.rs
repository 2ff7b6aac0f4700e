//! LSOA codes of one census placed in the areas of the other, through the ONS exact-fit lookup: exactly
//! where every piece of an LSOA lies in one area, else apportioned in whole patients.

use std::path::Path;

use footprint_ingest::{
    CodeVintage, Crs, IngestError, LsoaCode, LsoaId, LsoaPopulations, PracticeId, RegistrationTable, Vintage,
    VintageLookup, VintageMix,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::{Assignment, LsoaPlaces, Placement, largest_remainder, round_rows};

/// What converts codes of the other vintage: the exact-fit lookup, the weights, and the geography's vintage.
#[derive(Clone, Copy, Debug)]
pub struct Conversion<'a> {
    /// The exact-fit lookup (every piece shared by a 2011 and a 2021 LSOA).
    pub lookup: &'a VintageLookup,
    /// 2011 LSOA populations, weighting the pieces of a 2021 LSOA that spans 2011 areas.
    pub populations: &'a LsoaPopulations,
    /// The vintage of the areas (and of what places LSOAs in them).
    pub geography: Vintage,
}

/// How the pieces of an apportioned LSOA are weighted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weighting {
    /// A 2021 LSOA over its 2011 pieces: each 2011 LSOA's population (mid-2015), shared equally among
    /// the 2021 LSOAs it became part of.
    Population2011,
    /// Equal shares of the LSOA for each of its pieces (a 2011 LSOA over its 2021 pieces: ONS split an
    /// LSOA whose population had grown into pieces of similar population; or a 2021 LSOA whose 2011
    /// pieces have no population in the weights).
    EqualPieces,
}

/// An LSOA of the other vintage whose pieces lie in more than one area: its patients apportioned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apportioned {
    /// The code, as in the registrations.
    pub code: LsoaCode,
    /// Its index among the registrations' codes.
    pub lsoa: LsoaId,
    /// Where its patients go (areas in code order, then outside the layer, then unknown), with the
    /// integer weight of each.
    pub targets: Vec<(Placement, u64)>,
    /// How the weights were made.
    pub weighting: Weighting,
    /// Its pieces: the code of the geography's vintage and the target it lies in (an index into `targets`).
    pub pieces: Vec<(LsoaCode, usize)>,
    /// Its patients at each practice (in practice code order), split over the targets.
    pub practices: Vec<(PracticeId, Vec<u64>)>,
    /// Its patients per target: the largest-remainder split of its total.
    pub patients: Vec<u64>,
}

impl Apportioned {
    /// All its patients.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.patients.iter().sum()
    }
}

/// What the conversion did, kept with the assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// The vintage of the areas.
    pub geography: Vintage,
    /// The registrations' codes by the vintages that know them.
    pub mix: VintageMix,
    /// Per code of the registrations: whether it was of the other vintage and converted.
    pub converted: Vec<bool>,
    /// The converted codes that span areas, in code order ([`Placement::Apportioned`] indexes this).
    pub apportioned: Vec<Apportioned>,
}

impl LsoaPlaces {
    /// Places every LSOA code of `registrations` in an area of `layer` as [`LsoaPlaces::assign`] does,
    /// converting codes of the other vintage through `conversion`: each piece of such an LSOA is placed
    /// as a code of the geography's vintage; when all lie in one area the LSOA goes there, else its
    /// patients are apportioned by the pieces' weights in whole patients ([`largest_remainder`], then
    /// [`round_rows`] over its practices). A code the exact-fit lookup knows as the geography's own but
    /// the lookup does not place (a Welsh LSOA against English MSOAs) is outside the layer.
    ///
    /// # Errors
    /// As [`LsoaPlaces::assign`].
    pub fn assign_converting(
        &self,
        registrations: &RegistrationTable,
        layer: &footprint_ingest::AreaLayer,
        path: &Path,
        conversion: &Conversion<'_>,
    ) -> Result<(Assignment, Option<Crs>), IngestError> {
        let (lookup, to, from) = (conversion.lookup, conversion.geography, conversion.geography.other());
        let codes = &registrations.lsoas;
        let convert: Vec<bool> = codes.par_iter().map(|c| lookup.vintage_of(c) == CodeVintage::Only(from)).collect();
        // Where each placed code is among those placed: the codes themselves when none is converted,
        // else the codes kept and the pieces of those converted, by code.
        let (placed, index, crs) = if convert.contains(&true) {
            let (to_place, index) = codes_to_place(codes, &convert, from, lookup);
            let (placed, crs) = self.assign(&to_place, layer, path)?;
            (placed, Some(index), crs)
        } else {
            let (placed, crs) = self.assign(codes, layer, path)?;
            (placed, None, crs)
        };
        let outside = |code: &LsoaCode, p: Placement| match p {
            Placement::UnknownLsoa if lookup.pieces(code, to).is_some() => Placement::OutsideLayer,
            p => p,
        };
        let at = |i: usize, code: &LsoaCode| index.as_ref().map_or(i, |index| index[code]);
        let place = |code: &LsoaCode| {
            let found = index.as_ref().and_then(|index| index.get(code));
            outside(code, found.map_or(Placement::UnknownLsoa, |&k| placed.placements[k]))
        };
        let mut placements = Vec::with_capacity(codes.len());
        let mut apportioned = Vec::new();
        for (i, (code, &c)) in codes.iter().zip(&convert).enumerate() {
            if !c {
                placements.push(outside(code, placed.placements[at(i, code)]));
                continue;
            }
            let spread = spread(code, from, conversion, place);
            if spread.targets.len() == 1 {
                placements.push(spread.targets[0].0);
            } else {
                placements.push(Placement::Apportioned(apportioned.len() as u32));
                apportioned.push(spread.into_apportioned(code, LsoaId(i as u32)));
            }
        }
        sort_by_code(&mut placements, &mut apportioned);
        split_practices(registrations, &mut apportioned);
        let converted = Converted { geography: to, mix: lookup.mix(registrations), converted: convert, apportioned };
        Ok((Assignment { placements, conversion: Some(converted), ..placed }, crs))
    }
}

/// Every code of the geography's vintage to place, each once: the codes not converted, and the pieces of
/// those converted; with where each is among them.
fn codes_to_place<'a>(
    codes: &'a [LsoaCode],
    convert: &[bool],
    from: Vintage,
    lookup: &'a VintageLookup,
) -> (Vec<LsoaCode>, FxHashMap<&'a LsoaCode, usize>) {
    let mut to_place: Vec<LsoaCode> = Vec::new();
    let mut index: FxHashMap<&LsoaCode, usize> = FxHashMap::default();
    for (code, &c) in codes.iter().zip(convert) {
        let own = if c {
            lookup.pieces(code, from).unwrap_or_default().iter().map(|&p| lookup.counterpart(p, from)).collect()
        } else {
            vec![code]
        };
        for code in own {
            index.entry(code).or_insert_with(|| {
                to_place.push(code.clone());
                to_place.len() - 1
            });
        }
    }
    (to_place, index)
}

/// Puts the apportioned codes in code order, and the placements' indices with them.
fn sort_by_code(placements: &mut [Placement], apportioned: &mut Vec<Apportioned>) {
    let mut order: Vec<usize> = (0..apportioned.len()).collect();
    order.sort_by(|&a, &b| apportioned[a].code.cmp(&apportioned[b].code));
    let mut new_index = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    for p in placements.iter_mut() {
        if let Placement::Apportioned(k) = p {
            *k = new_index[*k as usize];
        }
    }
    let mut taken: Vec<Option<Apportioned>> = std::mem::take(apportioned).into_iter().map(Some).collect();
    apportioned.extend(order.iter().filter_map(|&old| taken[old].take()));
}

/// Where the pieces of one LSOA of the other vintage lie, with their weights.
struct Spread {
    targets: Vec<(Placement, u64)>,
    weighting: Weighting,
    pieces: Vec<(LsoaCode, usize)>,
}

impl Spread {
    fn into_apportioned(self, code: &LsoaCode, lsoa: LsoaId) -> Apportioned {
        Apportioned {
            code: code.clone(),
            lsoa,
            targets: self.targets,
            weighting: self.weighting,
            pieces: self.pieces,
            practices: Vec::new(),
            patients: Vec::new(),
        }
    }
}

/// The targets of `code`'s pieces, each with the sum of its pieces' weights.
fn spread(
    code: &LsoaCode,
    from: Vintage,
    conversion: &Conversion<'_>,
    place: impl Fn(&LsoaCode) -> Placement,
) -> Spread {
    let lookup = conversion.lookup;
    let pieces: Vec<u32> = lookup.pieces(code, from).unwrap_or_default().to_vec();
    let (weights, weighting) = weights(&pieces, from, conversion);
    let mut targets: Vec<(Placement, u64)> = Vec::new();
    let mut piece_targets = Vec::with_capacity(pieces.len());
    for (&p, w) in pieces.iter().zip(weights) {
        let other = lookup.counterpart(p, from);
        let target = place(other);
        piece_targets.push((other.clone(), target));
        match targets.iter_mut().find(|t| t.0 == target) {
            Some(t) => t.1 += w,
            None => targets.push((target, w)),
        }
    }
    targets.sort_by_key(|t| rank(t.0));
    let pieces = piece_targets
        .into_iter()
        .map(|(c, target)| (c, targets.iter().position(|t| t.0 == target).unwrap_or(0)))
        .collect();
    Spread { targets, weighting, pieces }
}

/// Areas in code order, then outside the layer, then unknown.
fn rank(p: Placement) -> (u8, u32) {
    match p {
        Placement::Area(a) => (0, a.0),
        Placement::OutsideLayer => (1, 0),
        Placement::UnknownLsoa => (2, 0),
        Placement::Apportioned(k) => (3, k),
    }
}

/// The integer weight of each piece (exact: the 2011 populations are scaled by the least common
/// multiple of the shares' denominators).
fn weights(pieces: &[u32], from: Vintage, conversion: &Conversion<'_>) -> (Vec<u64>, Weighting) {
    let equal = (vec![1; pieces.len()], Weighting::EqualPieces);
    if from == Vintage::Census2011 {
        return equal;
    }
    let lookup = conversion.lookup;
    // Each 2011 piece: its population and the number of 2021 LSOAs it is part of.
    let mut shares = Vec::with_capacity(pieces.len());
    for &p in pieces {
        let lsoa11 = lookup.counterpart(p, from);
        let Some(&population) = conversion.populations.map.get(lsoa11) else { return equal };
        let parts = lookup.pieces(lsoa11, Vintage::Census2011).map_or(1, <[u32]>::len) as u64;
        shares.push((population, parts));
    }
    if shares.iter().all(|s| s.0 == 0) {
        return equal;
    }
    let lcm = shares.iter().fold(1u64, |l, s| l / gcd(l, s.1) * s.1);
    (shares.iter().map(|&(population, parts)| population * (lcm / parts)).collect(), Weighting::Population2011)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Each apportioned LSOA's patients by practice (summed over repeated rows, in practice code order),
/// split over its targets: the total by largest remainder, then each practice's share of it.
fn split_practices(registrations: &RegistrationTable, apportioned: &mut [Apportioned]) {
    if apportioned.is_empty() {
        return;
    }
    let which: FxHashMap<LsoaId, usize> = apportioned.iter().enumerate().map(|(k, a)| (a.lsoa, k)).collect();
    let mut by_practice: Vec<FxHashMap<PracticeId, u64>> = vec![FxHashMap::default(); apportioned.len()];
    for row in &registrations.rows {
        if let Some(&k) = which.get(&row.lsoa) {
            *by_practice[k].entry(row.practice).or_default() += u64::from(row.patients);
        }
    }
    for (a, practices) in apportioned.iter_mut().zip(by_practice) {
        let mut practices: Vec<(PracticeId, u64)> = practices.into_iter().collect();
        practices.sort_by(|x, y| registrations.practices[x.0.index()].cmp(&registrations.practices[y.0.index()]));
        let rows: Vec<u64> = practices.iter().map(|p| p.1).collect();
        let weights: Vec<u64> = a.targets.iter().map(|t| t.1).collect();
        a.patients = largest_remainder(rows.iter().sum(), &weights);
        a.practices = practices.iter().map(|p| p.0).zip(round_rows(&rows, &a.patients)).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use footprint_ingest::{Area, AreaCode, AreaLayer, AreaLookup, InputFile, read_registrations, read_vintage_lookup};

    /// The exact-fit pieces: unchanged A, B split in two, C and D merged, E and F redrawn (X), W Welsh.
    const PIECES: &str =
        "LSOA11CD,CHGIND,LSOA21CD\nA,U,A\nB,S,B1\nB,S,B2\nC,M,CD\nD,M,CD\nE,X,EF\nF,X,EF\nF,X,F2\nW,U,W\n";

    fn layer(codes: &[&str]) -> AreaLayer {
        let area = |c: &&str| Area {
            code: AreaCode::from(*c),
            name: String::new(),
            geometry: geo::MultiPolygon(Vec::new()),
            feature_index: 0,
        };
        AreaLayer { areas: codes.iter().map(area).collect(), ..AreaLayer::default() }
    }

    fn lookup(pairs: &[(&str, &str)]) -> LsoaPlaces {
        let mut l = AreaLookup::default();
        for (lsoa, area) in pairs {
            l.map.insert((*lsoa).into(), (*area).into());
        }
        LsoaPlaces::Lookup(l)
    }

    /// What the conversion gave each code: its area, `unknown`, `outside`, or `a|b…` for an apportioned
    /// code with the patients per target (`M1:8,M2:2`), and per practice.
    fn describe(layer: &AreaLayer, regs: &RegistrationTable, a: &Assignment) -> Vec<String> {
        let conv = a.conversion.as_ref().unwrap();
        let name = |p: Placement| match p {
            Placement::Area(id) => layer.areas[id.index()].code.0.clone(),
            Placement::OutsideLayer => "outside".into(),
            Placement::UnknownLsoa => "unknown".into(),
            Placement::Apportioned(_) => "?".into(),
        };
        regs.lsoas
            .iter()
            .zip(&a.placements)
            .map(|(code, &p)| match p {
                Placement::Apportioned(k) => {
                    let ap = &conv.apportioned[k as usize];
                    let parts = |v: &[u64]| {
                        ap.targets
                            .iter()
                            .zip(v)
                            .map(|(t, n)| format!("{}:{n}", name(t.0)))
                            .collect::<Vec<_>>()
                            .join(",")
                    };
                    let practices: Vec<String> = ap
                        .practices
                        .iter()
                        .map(|(id, v)| format!("{}[{}]", regs.practices[id.index()], parts(v)))
                        .collect();
                    format!("{code} {} {}", parts(&ap.patients), practices.join(" "))
                }
                p => format!("{code} {}", name(p)),
            })
            .collect()
    }

    fn check(geography: Vintage, registrations: &str, places: &LsoaPlaces, areas: &[&str], expected: &[&str]) {
        let vintage = read_vintage_lookup(&InputFile::from_bytes("x.csv", PIECES.as_bytes().to_vec())).unwrap();
        let populations = LsoaPopulations {
            map: [("C", 300), ("D", 100), ("E", 200), ("F", 400)].into_iter().map(|(c, n)| (c.into(), n)).collect(),
            column: "POPULATION".into(),
        };
        let regs = read_registrations(&InputFile::from_bytes(
            "r.csv",
            format!("PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n{registrations}").into_bytes(),
        ))
        .unwrap();
        let layer = layer(areas);
        let conversion = Conversion { lookup: &vintage, populations: &populations, geography };
        let (a, _) = places.assign_converting(&regs, &layer, Path::new("l.csv"), &conversion).unwrap();
        assert_eq!(describe(&layer, &regs, &a), expected);
    }

    #[test]
    fn lsoa_2021_codes_onto_2011_areas() {
        let places =
            lookup(&[("A", "M1"), ("B", "M1"), ("C", "M1"), ("D", "M2"), ("E", "M2"), ("F", "M3"), ("W", "W2")]);
        check(
            Vintage::Census2011,
            "P,A,5\nP,B1,7\nP,CD,10\nQ,CD,10\nQ,EF,9\nQ,F2,4\nQ,NO2011,3\nQ,W,1\n",
            &places,
            &["M1", "M2", "M3"],
            &[
                "A M1",
                "B1 M1",
                // C (300) in M1 and D (100) in M2: 3:1 of 20 is 15 and 5; each practice's 7.5 and 2.5 rounded
                // so both add up.
                "CD M1:15,M2:5 P[M1:8,M2:2] Q[M1:7,M2:3]",
                // E (200, all of it in EF) in M2 and F (400, half of it in EF) in M3: 1:1 of 9, the tie to M2.
                "EF M2:5,M3:4 Q[M2:5,M3:4]",
                "F2 M3",
                "NO2011 unknown",
                "W outside",
            ],
        );
    }

    #[test]
    fn lsoa_2011_codes_onto_2021_areas() {
        // W is a 2021 code the lookup does not place: outside the layer, not unknown.
        let places = lookup(&[("A", "N1"), ("B1", "N1"), ("B2", "N2"), ("CD", "N2"), ("EF", "N2"), ("F2", "N3")]);
        check(
            Vintage::Census2021,
            "P,B,5\nQ,B,4\nP,C,6\nP,F,3\nP,W,2\nP,Z,1\n",
            &places,
            &["N1", "N2", "N3"],
            &[
                // B split in two pieces of equal weight: 9 is 5 and 4 (the tie to N1); each practice its share of those.
                "B N1:5,N2:4 P[N1:3,N2:2] Q[N1:2,N2:2]",
                "C N2",
                "F N2:2,N3:1 P[N2:2,N3:1]",
                "W outside",
                "Z unknown",
            ],
        );
    }

    /// The apportioned codes are listed in code order, whatever their order in the file.
    #[test]
    fn apportioned_codes_are_in_code_order() {
        let vintage = read_vintage_lookup(&InputFile::from_bytes("x.csv", PIECES.as_bytes().to_vec())).unwrap();
        let populations = LsoaPopulations::default();
        let regs = read_registrations(&InputFile::from_bytes(
            "r.csv",
            b"PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS
Q,EF,9
P,CD,10
"
            .to_vec(),
        ))
        .unwrap();
        let layer = layer(&["M1", "M2", "M3"]);
        let places = lookup(&[("C", "M1"), ("D", "M2"), ("E", "M2"), ("F", "M3")]);
        let conversion = Conversion { lookup: &vintage, populations: &populations, geography: Vintage::Census2011 };
        let (a, _) = places.assign_converting(&regs, &layer, Path::new("l.csv"), &conversion).unwrap();
        let conv = a.conversion.unwrap();
        let codes: Vec<&str> = conv.apportioned.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["CD", "EF"]);
        assert_eq!(a.placements, [Placement::Apportioned(1), Placement::Apportioned(0)]);
        // No populations: equal weights for the pieces.
        assert!(conv.apportioned.iter().all(|x| x.weighting == Weighting::EqualPieces));
        assert_eq!(conv.apportioned[0].patients, [5, 5]);
    }

    /// Row order changes nothing: practices are taken in code order, whatever their order in the file.
    #[test]
    fn the_file_order_does_not_matter() {
        let places = lookup(&[("C", "M1"), ("D", "M2")]);
        for rows in ["Q,CD,10\nP,CD,10\n", "P,CD,10\nQ,CD,10\n"] {
            check(Vintage::Census2011, rows, &places, &["M1", "M2"], &["CD M1:15,M2:5 P[M1:8,M2:2] Q[M1:7,M2:3]"]);
        }
    }
}
