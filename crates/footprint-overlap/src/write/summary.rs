//! `summary.json`: the inputs (paths, sha256, extract dates), the patient accounting and the statistics.

use std::collections::BTreeMap;

use footprint_index::{Apportioned, Assignment, AssignmentMethod, Converted, LsoaPlaces, Placement, Weighting};
use footprint_ingest::{
    AreaLayer, ContextLevel, ContextTable, Crs, FileInfo, LsoaPopulations, PracticeMap, RegistrationTable, Tally,
};
use serde::Serialize;

use crate::{AreaContext, Correlation, Distribution, OverlapTable, PcnSummary};

/// What `summary.json` describes: the inputs of a run, read, and what was made of them.
#[derive(Clone, Copy)]
pub struct SummaryInputs<'a> {
    /// The registrations and their file.
    pub registrations: (&'a RegistrationTable, &'a FileInfo),
    /// The practice map and its file.
    pub practices: (&'a PracticeMap, &'a FileInfo),
    /// The area layer and its file.
    pub layer: (&'a AreaLayer, &'a FileInfo),
    /// What placed LSOAs in areas, and its file.
    pub places: (&'a LsoaPlaces, &'a FileInfo),
    /// Where each LSOA went.
    pub assignment: &'a Assignment,
    /// The CRS centroids were read in, when LSOAs were placed by points.
    pub centroid_crs: Option<Crs>,
    /// The counts.
    pub table: &'a OverlapTable,
    /// When the codes were checked against the census of the areas: how that census was decided and
    /// the files that convert codes of the other.
    pub geography: Option<GeographyInputs<'a>>,
    /// The contexts of the MSOAs, their association with the counts, and the PCN summary.
    pub context: Option<ContextInputs<'a>>,
}

/// What `summary.json` says of the contexts and the PCNs.
#[derive(Clone, Copy)]
pub struct ContextInputs<'a> {
    /// Each context read from a file, with its file, in the order of `contexts`.
    pub files: &'a [(ContextTable, FileInfo)],
    /// The contexts over the areas: those of `files`, then density.
    pub contexts: &'a [AreaContext],
    /// The Spearman correlations.
    pub correlations: &'a [Correlation],
    /// The PCN summary.
    pub pcns: &'a PcnSummary,
}

/// The files and choices behind a check of the registrations' census vintage.
#[derive(Clone, Copy)]
pub struct GeographyInputs<'a> {
    /// How the areas' census was decided, in words (`given`, `the lookup's codes`).
    pub decided: &'static str,
    /// The exact-fit lookup's file.
    pub vintage_lookup: &'a FileInfo,
    /// The 2011 populations weighting apportioned LSOAs, and their file.
    pub populations: (&'a LsoaPopulations, &'a FileInfo),
}

#[derive(Serialize)]
struct Summary<'a> {
    tool: Tool,
    inputs: BTreeMap<&'static str, InputSummary<'a>>,
    assignment: AssignmentSummary,
    thresholds: Vec<String>,
    accounting: AccountingSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    geography: Option<GeographySummary>,
    statistics: Statistics,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<ContextSummary<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pcns: Option<&'a PcnSummary>,
}

#[derive(Serialize)]
struct ContextSummary<'a> {
    weights: &'static str,
    deciles: &'static str,
    no_class: &'static str,
    contexts: Vec<OneContext>,
    association: &'a [Correlation],
}

#[derive(Serialize)]
struct OneContext {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    columns: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codes_in_file: Option<usize>,
    msoas_with_value: u64,
    msoas_without_value: u64,
    codes_without_value: u64,
    residents_without_value: u64,
}

#[derive(Serialize)]
struct GeographySummary {
    areas: String,
    areas_census_from: &'static str,
    registrations: String,
    codes: BTreeMap<&'static str, Tally>,
    conversion: ConversionSummary,
    apportioned_lsoas: Vec<ApportionedSummary>,
}

#[derive(Serialize)]
struct ConversionSummary {
    rule: &'static str,
    weights: &'static str,
    codes_converted: u64,
    patients_converted: u64,
    codes_apportioned: u64,
    patients_apportioned: u64,
}

#[derive(Serialize)]
struct ApportionedSummary {
    lsoa: String,
    patients: u64,
    weighting: &'static str,
    pieces: Vec<PieceSummary>,
    shares: Vec<ShareSummary>,
}

#[derive(Serialize)]
struct PieceSummary {
    lsoa: String,
    area: String,
}

#[derive(Serialize)]
struct ShareSummary {
    area: String,
    weight: u64,
    share: f64,
    patients: u64,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct InputSummary<'a> {
    path: String,
    sha256: &'a str,
    bytes: u64,
    gzip: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    extract_date: Option<&'a str>,
    #[serde(flatten)]
    counts: BTreeMap<&'static str, u64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    layer: Option<LayerSummary>,
}

#[derive(Serialize)]
struct LayerSummary {
    code_field: String,
    name_field: Option<String>,
    crs: String,
    crs_from: &'static str,
    repaired_polygons: Vec<RepairSummary>,
}

#[derive(Serialize)]
struct RepairSummary {
    area: String,
    feature: usize,
    problem: String,
    parts_before: usize,
    parts_after: usize,
}

#[derive(Serialize)]
struct AssignmentSummary {
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    snap_metres: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    centroid_crs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    boundary_rule: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapped: Option<Vec<SnappedSummary>>,
}

#[derive(Serialize)]
struct SnappedSummary {
    lsoa: String,
    area: String,
    metres: f64,
}

#[derive(Serialize)]
struct AccountingSummary {
    rows_read: u64,
    patients_read: u64,
    patients_assigned: u64,
    patients_unknown_lsoa: u64,
    patients_outside_layer: u64,
    balanced: bool,
    patients_no_pcn: NoPcn,
    practices_not_in_map: Vec<PracticeSummary>,
    unplaced_by_kind: Vec<KindSummary>,
    duplicate_rows: DuplicateSummary,
}

#[derive(Serialize)]
struct NoPcn {
    total: u64,
    practice_pcn_u: u64,
    practice_not_in_map: u64,
}

#[derive(Serialize)]
struct PracticeSummary {
    practice: String,
    patients: u64,
}

#[derive(Serialize)]
struct KindSummary {
    kind: String,
    reason: &'static str,
    codes: u64,
    rows: u64,
    patients: u64,
}

#[derive(Serialize)]
struct DuplicateSummary {
    rule: &'static str,
    rows: u64,
    first_lines: Vec<u64>,
}

#[derive(Serialize)]
struct Statistics {
    over: &'static str,
    areas: usize,
    areas_with_no_patients: usize,
    counts: BTreeMap<String, Distribution>,
}

/// The kind of a code that was placed nowhere: the 3-character prefix of a GSS-style code (`W01`,
/// `S01`, `E01`, `N21`), else the code itself (`NO2011`, `CLOSED`, `EMPTY`, and the pseudo-codes
/// `L99999999` and `M99999999`).
fn kind_of(code: &str) -> String {
    let b = code.as_bytes();
    let pseudo = b.len() == 9 && &code[1..] == "99999999";
    if !pseudo && b.len() == 9 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit) {
        code[..3].to_owned()
    } else {
        code.to_owned()
    }
}

fn input<'a>(meta: &'a FileInfo, extract_date: Option<&'a str>, counts: &[(&'static str, u64)]) -> InputSummary<'a> {
    InputSummary {
        path: meta.path.display().to_string(),
        sha256: &meta.sha256,
        bytes: meta.stored_len,
        gzip: meta.gzip,
        extract_date,
        counts: counts.iter().copied().collect(),
        layer: None,
    }
}

/// Renders `summary.json` for a run.
#[must_use]
pub fn summary_json(run: &SummaryInputs<'_>) -> Vec<u8> {
    let table = run.table;
    let a = &table.accounting;
    let (regs, _) = run.registrations;
    let summary = Summary {
        tool: Tool { name: "footprint", version: env!("CARGO_PKG_VERSION") },
        inputs: inputs(run),
        assignment: assignment(run),
        thresholds: table.thresholds.iter().map(|t| t.fraction_label()).collect(),
        accounting: AccountingSummary {
            rows_read: a.rows_read,
            patients_read: a.patients_read,
            patients_assigned: a.patients_assigned,
            patients_unknown_lsoa: a.patients_unknown_lsoa,
            patients_outside_layer: a.patients_outside_layer,
            balanced: a.balances(),
            patients_no_pcn: NoPcn {
                total: a.patients_practice_no_pcn + a.patients_practice_not_in_map,
                practice_pcn_u: a.patients_practice_no_pcn,
                practice_not_in_map: a.patients_practice_not_in_map,
            },
            practices_not_in_map: a
                .practices_not_in_map
                .iter()
                .map(|(p, n)| PracticeSummary { practice: p.0.clone(), patients: *n })
                .collect(),
            unplaced_by_kind: unplaced_by_kind(table),
            duplicate_rows: DuplicateSummary {
                rule: "rows repeating a practice x LSOA pair are summed",
                rows: regs.duplicate_rows.count,
                first_lines: regs.duplicate_rows.first_lines.clone(),
            },
        },
        geography: run.assignment.conversion.as_ref().zip(run.geography).map(|(c, g)| geography(run, c, g)),
        statistics: Statistics {
            over: "areas with at least one registered resident",
            areas: table.areas.len(),
            areas_with_no_patients: table.areas.iter().filter(|r| r.population == 0).count(),
            counts: table.distributions().into_iter().collect(),
        },
        context: run.context.map(|c| context_summary(table, c)),
        pcns: run.context.map(|c| c.pcns),
    };
    let mut out = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The contexts: each one's file, level and coverage, and the correlations.
fn context_summary<'a>(table: &OverlapTable, c: ContextInputs<'a>) -> ContextSummary<'a> {
    let contexts = c
        .contexts
        .iter()
        .enumerate()
        .map(|(i, context)| {
            let file = c.files.get(i);
            let populated = |valued: bool| {
                let (_, of) = context.classes();
                table.areas.iter().zip(&of).filter(|(r, k)| r.population > 0 && k.is_some() == valued).count() as u64
            };
            OneContext {
                name: context.name.clone(),
                file: file.map(|(_, f)| f.path.display().to_string()),
                sha256: file.map(|(_, f)| f.sha256.clone()),
                level: match context.level {
                    Some(ContextLevel::Lsoa) => "lsoa",
                    Some(ContextLevel::Msoa) => "msoa",
                    None => "msoa (from the run: residents per km²)",
                },
                columns: file.map(|(t, _)| [t.columns.0.clone(), t.columns.1.clone()]),
                codes_in_file: file.map(|(t, _)| t.values.len()),
                msoas_with_value: populated(true),
                msoas_without_value: populated(false),
                codes_without_value: context.codes_without_value,
                residents_without_value: context.residents_without_value.iter().sum(),
            }
        })
        .collect();
    ContextSummary {
        weights: "an MSOA's score is the mean of its LSOAs' scores weighted by their registered residents (from the registrations); a code the file does not hold is valued by its pieces of the other census that it does, equally; an LSOA-level class goes to the class of most of the MSOA's residents (ties to the first in label order)",
        deciles: "MSOAs with residents and a score ranked by it (deprivation: 1 = highest score, most deprived; density: 1 = sparsest), ties in code order; decile d holds ranks d*n/10 to (d+1)*n/10",
        no_class: "MSOAs with no value are the class 'no class'; residents of LSOAs with no value are counted in residents_without_value",
        contexts,
        association: c.correlations,
    }
}

/// Every input file with what was read from it.
fn inputs<'a>(run: &SummaryInputs<'a>) -> BTreeMap<&'static str, InputSummary<'a>> {
    let ((regs, regs_file), (practices, practices_file)) = (run.registrations, run.practices);
    let mut inputs = BTreeMap::new();
    inputs.insert(
        "registrations",
        input(
            regs_file,
            regs.extract_date.as_deref(),
            &[
                ("rows", regs.rows.len() as u64),
                ("practices", regs.practices.len() as u64),
                ("lsoa_codes", regs.lsoas.len() as u64),
            ],
        ),
    );
    inputs.insert(
        "practice_map",
        input(
            practices_file,
            practices.extract_date.as_deref(),
            &[("practices", practices.practices.len() as u64), ("pcns", practices.pcns.len() as u64)],
        ),
    );
    let (layer, layer_file) = run.layer;
    let mut areas = input(layer_file, None, &[("features", layer.areas.len() as u64)]);
    areas.layer = Some(LayerSummary {
        code_field: layer.code_field.clone(),
        name_field: layer.name_field.clone(),
        crs: layer.crs.to_string(),
        crs_from: layer.crs_evidence.describe(),
        repaired_polygons: layer
            .repairs
            .iter()
            .map(|r| RepairSummary {
                area: r.code.clone(),
                feature: r.feature,
                problem: r.problem.clone(),
                parts_before: r.parts.0,
                parts_after: r.parts.1,
            })
            .collect(),
    });
    inputs.insert("areas", areas);
    let (places, places_file) = run.places;
    let (role, count) = match places {
        LsoaPlaces::Lookup(_) => ("lookup", places.len() as u64),
        LsoaPlaces::Polygons { .. } => ("lsoa_areas", places.len() as u64),
        LsoaPlaces::Centroids { .. } => ("centroids", places.len() as u64),
    };
    inputs.insert(role, input(places_file, None, &[("lsoas", count)]));
    if let Some(g) = &run.geography {
        inputs.insert("vintage_lookup", input(g.vintage_lookup, None, &[]));
        let (populations, file) = g.populations;
        inputs.insert("conversion_weights", input(file, None, &[("lsoas", populations.map.len() as u64)]));
    }
    inputs
}

/// The registrations' census against the areas', and every LSOA apportioned.
fn geography(run: &SummaryInputs<'_>, c: &Converted, g: GeographyInputs<'_>) -> GeographySummary {
    let a = &run.table.accounting;
    let mix = &c.mix;
    GeographySummary {
        areas: c.geography.to_string(),
        areas_census_from: g.decided,
        registrations: mix.vintage().to_string(),
        codes: [
            ("only_2011", mix.only_2011),
            ("only_2021", mix.only_2021),
            ("both", mix.both),
            ("neither", mix.neither),
        ]
        .into_iter()
        .collect(),
        conversion: ConversionSummary {
            rule: "codes of the other census are placed through the ONS exact-fit LSOA 2011 -> 2021 lookup: an LSOA whose pieces lie in one area goes there; one whose pieces lie in several is apportioned in whole patients by largest remainder",
            weights: "a 2021 LSOA over 2011 areas: each 2011 piece's mid-2015 population, shared equally among the 2021 LSOAs it is part of; a 2011 LSOA over 2021 areas: equal shares for its 2021 pieces",
            codes_converted: c.converted.iter().filter(|&&x| x).count() as u64,
            patients_converted: a.patients_converted,
            codes_apportioned: c.apportioned.len() as u64,
            patients_apportioned: a.patients_apportioned,
        },
        apportioned_lsoas: c.apportioned.iter().map(|ap| apportioned(run.layer.0, ap)).collect(),
    }
}

fn apportioned(layer: &AreaLayer, ap: &Apportioned) -> ApportionedSummary {
    let name = |p: Placement| match p {
        Placement::Area(id) => layer.areas[id.index()].code.0.clone(),
        Placement::UnknownLsoa => "unknown_lsoa".into(),
        Placement::OutsideLayer | Placement::Apportioned(_) => "outside_layer".into(),
    };
    let total: u64 = ap.targets.iter().map(|t| t.1).sum();
    ApportionedSummary {
        lsoa: ap.code.0.clone(),
        patients: ap.total(),
        weighting: match ap.weighting {
            Weighting::Population2011 => "population_2011",
            Weighting::EqualPieces => "equal_pieces",
        },
        pieces: ap
            .pieces
            .iter()
            .map(|(code, t)| PieceSummary { lsoa: code.0.clone(), area: name(ap.targets[*t].0) })
            .collect(),
        shares: ap
            .targets
            .iter()
            .zip(&ap.patients)
            .map(|(&(p, weight), &patients)| ShareSummary {
                area: name(p),
                weight,
                share: crate::ratio(weight, total).unwrap_or(0.0),
                patients,
            })
            .collect(),
    }
}

/// How LSOAs were placed, with every snapped centroid.
fn assignment(run: &SummaryInputs<'_>) -> AssignmentSummary {
    let (places, _) = run.places;
    let (layer, _) = run.layer;
    match run.assignment.method {
        AssignmentMethod::Lookup => AssignmentSummary {
            method: "lookup",
            snap_metres: None,
            centroid_crs: None,
            boundary_rule: None,
            snapped: None,
        },
        AssignmentMethod::Centroids { snap_metres } => AssignmentSummary {
            method: if places.lsoa_layer().is_some() { "lsoa_polygon_interior_points" } else { "centroids" },
            snap_metres: Some(snap_metres),
            centroid_crs: run.centroid_crs.map(|c| c.to_string()),
            boundary_rule: Some(
                "a centroid on a boundary shared by two areas belongs to the area east of it (on an east-west boundary, north of it)",
            ),
            snapped: Some(
                run.assignment
                    .snapped
                    .iter()
                    .map(|s| SnappedSummary {
                        lsoa: s.lsoa.0.clone(),
                        area: layer.areas[s.area.index()].code.0.clone(),
                        metres: (s.metres * 10.0).round() / 10.0,
                    })
                    .collect(),
            ),
        },
    }
}

/// The codes placed nowhere, grouped by kind and reason.
fn unplaced_by_kind(table: &OverlapTable) -> Vec<KindSummary> {
    let mut kinds: BTreeMap<(String, &'static str), KindSummary> = BTreeMap::new();
    for u in &table.accounting.unplaced {
        let reason = match u.placement {
            Placement::UnknownLsoa => "unknown_lsoa",
            _ => "outside_layer",
        };
        let kind = kind_of(u.code.as_str());
        let entry =
            kinds.entry((kind.clone(), reason)).or_insert(KindSummary { kind, reason, codes: 0, rows: 0, patients: 0 });
        entry.codes += 1;
        entry.rows += u.rows;
        entry.patients += u.patients;
    }

    kinds.into_values().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds() {
        assert_eq!(super::kind_of("W01000001"), "W01");
        assert_eq!(super::kind_of("NO2011"), "NO2011");
        assert_eq!(super::kind_of("L99999999"), "L99999999");
        assert_eq!(super::kind_of("N21000001"), "N21");
        assert_eq!(super::kind_of("CLOSED"), "CLOSED");
        assert_eq!(super::kind_of("E0100000"), "E0100000");
    }
}
