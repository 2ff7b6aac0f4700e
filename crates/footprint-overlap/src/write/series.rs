//! The outputs of a series of runs: one row per publication (`series_summary.csv`), publication × MSOA
//! (`series_msoa.csv`), first against last (`msoa_change.csv`, `msoa_change.geojson`) and `series.json`.

use footprint_ingest::{AreaLayer, FileInfo, PracticeMap};
use rayon::prelude::*;
use serde::Serialize;

use super::{Feature, FileBytes, Table, feature_collection, schema};
use crate::{Accounting, Distribution, OverlapTable, Threshold};

/// One area's figures in one publication.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaFigures {
    /// Registered residents.
    pub population: u64,
    /// PCNs with a resident.
    pub pcns_all: u32,
    /// PCNs at or above each threshold.
    pub at_or_above: Vec<u32>,
    /// Σ share².
    pub hhi: Option<f64>,
    /// The PCN with most residents (its code).
    pub top_pcn: Option<String>,
}

/// What a series keeps of one publication: its dates, accounting, statistics and per-area figures.
#[derive(Clone, Debug)]
pub struct PublicationFigures {
    /// The label.
    pub label: String,
    /// The registrations' date (the manifest's, else their `EXTRACT_DATE`).
    pub extract_date: Option<String>,
    /// The practice map's `EXTRACT_DATE`.
    pub map_date: Option<String>,
    /// The census of the areas, when checked (`2011`, `2021`).
    pub geography: Option<String>,
    /// The files read: registrations, practice map, and the edit file of a scenario.
    pub inputs: Vec<(&'static str, FileInfo)>,
    /// Where every patient went.
    pub accounting: Accounting,
    /// `pcns_all` and each threshold's distribution over the areas with residents.
    pub distributions: Vec<(String, Distribution)>,
    /// Mean hhi over the areas with PCN residents.
    pub hhi_mean: Option<f64>,
    /// Per area, in layer order.
    pub areas: Vec<AreaFigures>,
    /// The LSOAs apportioned between areas: code and patients.
    pub apportioned: Vec<(String, u64)>,
    /// What a reader should know (a practice map of another date than the registrations).
    pub warnings: Vec<String>,
}

impl PublicationFigures {
    /// The figures of a counted publication (dates, inputs, geography, apportioned and warnings left empty).
    #[must_use]
    pub fn of(label: &str, table: &OverlapTable, practices: &PracticeMap) -> Self {
        let areas: Vec<AreaFigures> = table
            .areas
            .iter()
            .map(|r| AreaFigures {
                population: r.population,
                pcns_all: r.pcns_all,
                at_or_above: r.pcns_at_or_above.clone(),
                hhi: r.hhi,
                top_pcn: r.top.map(|(p, _)| practices.pcns[p.index()].code.0.clone()),
            })
            .collect();
        let hhis: Vec<f64> = areas.iter().filter_map(|a| a.hhi).collect();
        let hhi_mean = (!hhis.is_empty()).then(|| hhis.iter().sum::<f64>() / hhis.len() as f64);
        Self {
            label: label.to_owned(),
            extract_date: None,
            map_date: None,
            geography: None,
            inputs: Vec::new(),
            accounting: table.accounting.clone(),
            distributions: table.distributions(),
            hhi_mean,
            areas,
            apportioned: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// `series_summary.csv`: one row per publication.
#[must_use]
pub fn series_summary_csv(publications: &[PublicationFigures], thresholds: &[Threshold]) -> Vec<u8> {
    let mut csv = Table::new(&schema::series_summary_columns(thresholds));
    for p in publications {
        let a = &p.accounting;
        csv.text(&p.label);
        csv.text(p.extract_date.as_deref().unwrap_or(""));
        csv.text(p.map_date.as_deref().unwrap_or(""));
        csv.text(p.geography.as_deref().unwrap_or(""));
        csv.int(p.areas.len());
        csv.int(p.areas.iter().filter(|r| r.population > 0).count());
        for n in [a.patients_read, a.patients_assigned, a.patients_apportioned, a.patients_unknown_lsoa] {
            csv.int(n);
        }
        csv.int(a.patients_outside_layer);
        csv.int(a.patients_practice_no_pcn + a.patients_practice_not_in_map);
        for (_, d) in &p.distributions {
            csv.statistics(d);
        }
        csv.float(p.hhi_mean);
        csv.end_row();
    }
    csv.finish()
}

/// `series_msoa.csv`: one row per publication × area, publications in series order, areas in code order.
#[must_use]
pub fn series_msoa_csv(layer: &AreaLayer, publications: &[PublicationFigures], thresholds: &[Threshold]) -> Vec<u8> {
    let mut csv = Table::new(&schema::series_msoa_columns(thresholds));
    for p in publications {
        for (area, r) in layer.areas.iter().zip(&p.areas) {
            csv.text(&p.label);
            csv.text(area.code.as_str());
            csv.int(r.population);
            csv.int(r.pcns_all);
            for &n in &r.at_or_above {
                csv.int(n);
            }
            csv.float(r.hhi);
            csv.text(r.top_pcn.as_deref().unwrap_or(""));
            csv.end_row();
        }
    }
    csv.finish()
}

/// One area, first publication against last.
struct Change<'a> {
    first: &'a AreaFigures,
    last: &'a AreaFigures,
}

impl Change<'_> {
    fn counts(&self) -> impl Iterator<Item = (u32, u32, i64)> + '_ {
        self.first.at_or_above.iter().zip(&self.last.at_or_above).map(|(&a, &b)| (a, b, i64::from(b) - i64::from(a)))
    }

    fn hhi_change(&self) -> Option<f64> {
        self.first.hhi.zip(self.last.hhi).map(|(a, b)| b - a)
    }

    fn top_changed(&self) -> Option<bool> {
        match (&self.first.top_pcn, &self.last.top_pcn) {
            (Some(a), Some(b)) => Some(a != b),
            _ => None,
        }
    }
}

fn changes<'a>(first: &'a PublicationFigures, last: &'a PublicationFigures) -> impl Iterator<Item = Change<'a>> {
    first.areas.iter().zip(&last.areas).map(|(first, last)| Change { first, last })
}

/// `msoa_change.csv`: every area, the first publication of the series against the last.
#[must_use]
pub fn msoa_change_csv(
    layer: &AreaLayer,
    first: &PublicationFigures,
    last: &PublicationFigures,
    thresholds: &[Threshold],
) -> Vec<u8> {
    let mut csv = Table::new(&schema::change_columns(thresholds));
    for (area, c) in layer.areas.iter().zip(changes(first, last)) {
        csv.text(area.code.as_str());
        csv.text(&area.name);
        csv.int(c.first.population);
        csv.int(c.last.population);
        for (a, b, d) in c.counts() {
            csv.int(a);
            csv.int(b);
            csv.int(d);
        }
        csv.float(c.first.hhi);
        csv.float(c.last.hhi);
        csv.float(c.hhi_change());
        csv.text(c.first.top_pcn.as_deref().unwrap_or(""));
        csv.text(c.last.top_pcn.as_deref().unwrap_or(""));
        csv.text(c.top_changed().map_or("", |x| if x { "true" } else { "false" }));
        csv.end_row();
    }
    csv.finish()
}

/// `msoa_change.geojson`: the same as features with the area's boundary.
#[must_use]
pub fn msoa_change_geojson(
    layer: &AreaLayer,
    first: &PublicationFigures,
    last: &PublicationFigures,
    thresholds: &[Threshold],
) -> FileBytes<'static> {
    let columns = schema::change_columns(thresholds);
    let pairs: Vec<(usize, Change<'_>)> = changes(first, last).enumerate().collect();
    let features: Vec<Vec<u8>> = pairs
        .par_iter()
        .map(|(i, c)| {
            let area = &layer.areas[*i];
            let mut names = columns.iter().map(String::as_str);
            let mut name = || names.next().unwrap_or("");
            let mut f = Feature::new(4096);
            f.text(name(), area.code.as_str())
                .text(name(), &area.name)
                .int(name(), c.first.population)
                .int(name(), c.last.population);
            for (a, b, d) in c.counts() {
                f.int(name(), a).int(name(), b).int(name(), d);
            }
            f.opt(name(), c.first.hhi).opt(name(), c.last.hhi).opt(name(), c.hhi_change());
            f.text_or_null(name(), c.first.top_pcn.as_deref()).text_or_null(name(), c.last.top_pcn.as_deref());
            let changed = c.top_changed().map(|x| if x { "true" } else { "false" });
            f.text_or_null(name(), changed);
            f.geometry(&area.geometry.0, layer.crs)
        })
        .collect();
    feature_collection(features)
}

#[derive(Serialize)]
struct SeriesSummary<'a> {
    tool: &'static str,
    version: &'static str,
    first: &'a str,
    last: &'a str,
    publications: Vec<PublicationSummary<'a>>,
}

#[derive(Serialize)]
struct PublicationSummary<'a> {
    label: &'a str,
    extract_date: Option<&'a str>,
    map_date: Option<&'a str>,
    geography: Option<&'a str>,
    inputs: Vec<InputFileSummary<'a>>,
    patients_read: u64,
    patients_assigned: u64,
    patients_converted: u64,
    patients_apportioned: u64,
    patients_unknown_lsoa: u64,
    patients_outside_layer: u64,
    balanced: bool,
    apportioned_lsoas: Vec<(&'a str, u64)>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct InputFileSummary<'a> {
    role: &'static str,
    path: String,
    sha256: &'a str,
}

/// `series.json`: every publication's inputs, accounting, apportioned LSOAs and warnings.
#[must_use]
pub fn series_json(publications: &[PublicationFigures]) -> Vec<u8> {
    let summary = SeriesSummary {
        tool: "footprint",
        version: env!("CARGO_PKG_VERSION"),
        first: publications.first().map_or("", |p| p.label.as_str()),
        last: publications.last().map_or("", |p| p.label.as_str()),
        publications: publications
            .iter()
            .map(|p| {
                let a = &p.accounting;
                PublicationSummary {
                    label: &p.label,
                    extract_date: p.extract_date.as_deref(),
                    map_date: p.map_date.as_deref(),
                    geography: p.geography.as_deref(),
                    inputs: p
                        .inputs
                        .iter()
                        .map(|(role, f)| InputFileSummary {
                            role,
                            path: f.path.display().to_string(),
                            sha256: &f.sha256,
                        })
                        .collect(),
                    patients_read: a.patients_read,
                    patients_assigned: a.patients_assigned,
                    patients_converted: a.patients_converted,
                    patients_apportioned: a.patients_apportioned,
                    patients_unknown_lsoa: a.patients_unknown_lsoa,
                    patients_outside_layer: a.patients_outside_layer,
                    balanced: a.balances(),
                    apportioned_lsoas: p.apportioned.iter().map(|(c, n)| (c.as_str(), *n)).collect(),
                    warnings: &p.warnings,
                }
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    out.push(b'\n');
    out
}
