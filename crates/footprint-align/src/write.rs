//! The team-alignment outputs: the team layer with its measures (GeoJSON and CSV), the team × PCN matrix,
//! the PCN–team links, the PCN measures, the split LSOAs, and a plain-language report.

use std::fmt::Write as _;

use footprint_ingest::{AreaLayer, PracticeMap};
use rayon::prelude::*;

use footprint_overlap::ratio;
use footprint_overlap::write::{Feature, FileBytes, Table, feature_collection, thousands};

use crate::Alignment;

/// One value of a row, rendered the same way in the CSV and the GeoJSON properties.
enum Field {
    Text(String),
    Int(u64),
    Float(Option<f64>),
}

/// The fields of each team, in team order.
fn team_rows(a: &Alignment, practices: &PracticeMap) -> (Vec<String>, Vec<Vec<Field>>) {
    let mut names: Vec<String> = ["team", "population", "pcns_all"].map(String::from).to_vec();
    names.extend(a.thresholds.iter().map(|t| t.column_name()));
    names.extend(
        [
            "hhi",
            "effective_pcns",
            "top_pcn",
            "top_share",
            "core_pcns",
            "core_pcn_codes",
            "home_pcn_share",
            "patients_no_pcn",
            "least_aligned_rank",
        ]
        .map(String::from),
    );
    let mut rank = vec![0u64; a.teams.len()];
    for (r, &t) in a.teams_ranked().iter().enumerate() {
        rank[t as usize] = r as u64 + 1;
    }
    let code = |p: footprint_ingest::PcnId| practices.pcns[p.index()].code.as_str().to_owned();
    let rows = a
        .team_measures
        .iter()
        .enumerate()
        .map(|(t, m)| {
            let o = &m.overlap;
            let mut row =
                vec![Field::Text(a.teams[t].clone()), Field::Int(o.population), Field::Int(u64::from(o.pcns_all))];
            row.extend(o.pcns_at_or_above.iter().map(|&n| Field::Int(u64::from(n))));
            row.extend([
                Field::Float(o.hhi),
                Field::Float(o.effective_pcns),
                Field::Text(o.top.map(|(p, _)| code(p)).unwrap_or_default()),
                Field::Float(o.top.and_then(|(_, n)| ratio(n, o.population))),
                Field::Int(m.core_pcns.len() as u64),
                Field::Text(m.core_pcns.iter().map(|&p| code(p)).collect::<Vec<_>>().join(";")),
                Field::Float(m.home_share),
                Field::Int(o.patients_no_pcn),
                Field::Int(rank[t]),
            ]);
            row
        })
        .collect();
    (names, rows)
}

fn table_of(names: &[String], rows: &[Vec<Field>]) -> Table {
    let mut csv = Table::new(names);
    for row in rows {
        for field in row {
            match field {
                Field::Text(s) => csv.text(s),
                Field::Int(n) => csv.int(*n),
                Field::Float(v) => csv.float(*v),
            }
        }
        csv.end_row();
    }
    csv
}

/// Renders `team_alignment.csv` ([`team_alignment_table`]).
#[must_use]
pub fn team_alignment_csv(a: &Alignment, practices: &PracticeMap) -> Vec<u8> {
    team_alignment_table(a, practices).finish()
}

/// The rows of `team_alignment.csv` (and the attributes of the `team_alignment` layer): one row per
/// team (in name order) with its measures.
#[must_use]
pub fn team_alignment_table(a: &Alignment, practices: &PracticeMap) -> Table {
    let (names, rows) = team_rows(a, practices);
    table_of(&names, &rows)
}

/// Renders `team_alignment.geojson`: the team polygons (WGS84, RFC 7946) with the measures of
/// `team_alignment.csv` as properties (`team` holds the name).
#[must_use]
pub fn team_alignment_geojson(a: &Alignment, teams: &AreaLayer, practices: &PracticeMap) -> FileBytes<'static> {
    let (names, rows) = team_rows(a, practices);
    let features: Vec<Vec<u8>> = rows
        .par_iter()
        .zip(&teams.areas)
        .map(|(row, team)| {
            let mut feature = Feature::new(1024);
            for (name, field) in names.iter().zip(row) {
                match field {
                    Field::Text(s) => feature.text(name, s),
                    Field::Int(n) => feature.int(name, *n),
                    Field::Float(v) => feature.opt(name, *v),
                };
            }
            feature.geometry(&team.geometry.0, teams.crs)
        })
        .collect();
    feature_collection(features)
}

/// Renders `team_pcn_matrix.csv` ([`team_pcn_matrix_table`]).
#[must_use]
pub fn team_pcn_matrix_csv(a: &Alignment, practices: &PracticeMap) -> Vec<u8> {
    team_pcn_matrix_table(a, practices).finish()
}

/// The rows of `team_pcn_matrix.csv`: `team, pcn_code, pcn_name, patients, share_of_team, share_of_pcn`, one row per
/// team and PCN with patients in common, by team then PCN code.
#[must_use]
pub fn team_pcn_matrix_table(a: &Alignment, practices: &PracticeMap) -> Table {
    let names = ["team", "pcn_code", "pcn_name", "patients", "share_of_team", "share_of_pcn"].map(String::from);
    let list = |p: footprint_ingest::PcnId| a.pcn_measures.iter().find(|m| m.pcn == p).map_or(0, |m| m.list_size);
    let rows: Vec<Vec<Field>> = a
        .pairs
        .iter()
        .map(|p| {
            let pcn = &practices.pcns[p.pcn.index()];
            vec![
                Field::Text(a.teams[p.team as usize].clone()),
                Field::Text(pcn.code.as_str().to_owned()),
                Field::Text(pcn.name.clone()),
                Field::Int(p.patients),
                Field::Float(ratio(p.patients, a.team_measures[p.team as usize].overlap.population)),
                Field::Float(ratio(p.patients, list(p.pcn))),
            ]
        })
        .collect();
    table_of(&names, &rows)
}

/// Renders `pcn_team_links.csv` ([`pcn_team_links_table`]).
#[must_use]
pub fn pcn_team_links_csv(a: &Alignment, practices: &PracticeMap) -> Vec<u8> {
    pcn_team_links_table(a, practices).finish()
}

/// The rows of `pcn_team_links.csv`: for every PCN (code order) and each team its patients live in (most first):
/// `pcn_code, pcn_name, team, patients, share_of_pcn, share_of_team, jaccard, team_in_pcn, pcn_in_team`.
#[must_use]
pub fn pcn_team_links_table(a: &Alignment, practices: &PracticeMap) -> Table {
    let names = [
        "pcn_code",
        "pcn_name",
        "team",
        "patients",
        "share_of_pcn",
        "share_of_team",
        "jaccard",
        "team_in_pcn",
        "pcn_in_team",
    ]
    .map(String::from);
    let mut rows = Vec::new();
    for m in &a.pcn_measures {
        let pcn = &practices.pcns[m.pcn.index()];
        for &(team, patients) in &m.teams {
            let Ok(i) = a.pairs.binary_search_by_key(&(team, m.pcn), |p| (p.team, p.pcn)) else { continue };
            let pair = &a.pairs[i];
            let team_population = a.team_measures[team as usize].overlap.population;
            rows.push(vec![
                Field::Text(pcn.code.as_str().to_owned()),
                Field::Text(pcn.name.clone()),
                Field::Text(a.teams[team as usize].clone()),
                Field::Int(patients),
                Field::Float(ratio(patients, m.list_size)),
                Field::Float(ratio(patients, team_population)),
                Field::Float(pair.jaccard()),
                Field::Float(pair.team_in_pcn()),
                Field::Float(pair.pcn_in_team()),
            ]);
        }
    }
    table_of(&names, &rows)
}

/// Renders `pcn_alignment.csv` ([`pcn_alignment_table`]).
#[must_use]
pub fn pcn_alignment_csv(a: &Alignment, practices: &PracticeMap) -> Vec<u8> {
    pcn_alignment_table(a, practices).finish()
}

/// The rows of `pcn_alignment.csv`: one row per PCN with patients (code order): its list, patients in teams and in
/// none, the teams it must work with (every team, and at or above each threshold of its list), its main team.
#[must_use]
pub fn pcn_alignment_table(a: &Alignment, practices: &PracticeMap) -> Table {
    let mut names: Vec<String> =
        ["pcn_code", "pcn_name", "list_size", "patients_in_teams", "patients_no_team", "teams_all"]
            .map(String::from)
            .to_vec();
    names.extend(a.thresholds.iter().map(|t| format!("teams_ge_{}pct", t.percent_label())));
    names.extend(["main_team", "main_team_share", "serves_teams", "least_aligned_rank"].map(String::from));
    let mut rank = vec![0u64; a.pcn_measures.len()];
    for (r, &i) in a.pcns_ranked().iter().enumerate() {
        rank[i] = r as u64 + 1;
    }
    let rows: Vec<Vec<Field>> = a
        .pcn_measures
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let pcn = &practices.pcns[m.pcn.index()];
            let mut row = vec![
                Field::Text(pcn.code.as_str().to_owned()),
                Field::Text(pcn.name.clone()),
                Field::Int(m.list_size),
                Field::Int(m.in_teams),
                Field::Int(m.list_size - m.in_teams),
                Field::Int(m.teams.len() as u64),
            ];
            row.extend(m.teams_at_or_above.iter().map(|&n| Field::Int(u64::from(n))));
            row.extend([
                Field::Text(m.teams.first().map(|t| a.teams[t.0 as usize].clone()).unwrap_or_default()),
                Field::Float(m.main_share()),
                Field::Int(u64::from(m.serves_teams)),
                Field::Text(if m.serves_teams { rank[i].to_string() } else { String::new() }),
            ]);
            row
        })
        .collect();
    table_of(&names, &rows)
}

/// Renders `split_lsoas.csv` ([`split_lsoas_table`]).
#[must_use]
pub fn split_lsoas_csv(a: &Alignment) -> Vec<u8> {
    split_lsoas_table(a).finish()
}

/// The rows of `split_lsoas.csv`: `lsoa_code, population, team, area_share, patients`, one row per piece of each LSOA
/// split by a team boundary (`team` empty for the piece in no team).
#[must_use]
pub fn split_lsoas_table(a: &Alignment) -> Table {
    let names = ["lsoa_code", "population", "team", "area_share", "patients"].map(String::from);
    let rows: Vec<Vec<Field>> = a
        .split
        .iter()
        .flat_map(|s| {
            s.pieces.iter().map(|&(team, share, patients)| {
                vec![
                    Field::Text(s.lsoa.as_str().to_owned()),
                    Field::Int(s.population),
                    Field::Text(team.map(|t| a.teams[t as usize].clone()).unwrap_or_default()),
                    Field::Float(Some(share)),
                    Field::Int(patients),
                ]
            })
        })
        .collect();
    table_of(&names, &rows)
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// Renders `team_alignment.md`: the findings in plain language, for a reader without GIS software.
#[must_use]
pub fn team_alignment_md(a: &Alignment, practices: &PracticeMap, how: &str) -> Vec<u8> {
    let acc = &a.accounting;
    let first = a.thresholds.first().map(|t| t.percent_label()).unwrap_or_default();
    let mut s = String::new();
    let _ = writeln!(s, "# How well the team areas line up with the PCNs\n");
    let _ = writeln!(
        s,
        "{} team areas; {} patients read. {} live in a team area, {} in no team area and {} in an LSOA \
         the apportionment does not know. LSOAs were apportioned {how}; {} LSOAs are split by a team \
         boundary ({} patients).\n",
        a.teams.len(),
        thousands(acc.patients_read),
        thousands(acc.patients_in_teams),
        thousands(acc.patients_no_team),
        thousands(acc.patients_unknown_lsoa),
        a.split.len(),
        thousands(a.split.iter().map(|s| s.population).sum()),
    );
    let _ = writeln!(
        s,
        "**Alignment index: {}.** Of the team residents registered with a PCN, this share are registered \
         with a PCN whose patients live mostly in their own team area (100% would mean every PCN's patients \
         live in one team area).\n",
        pct(a.index())
    );
    let _ = writeln!(s, "## Each team area\n");
    let _ = writeln!(
        s,
        "| team | residents | PCNs serving them | PCNs with ≥ {first}% | PCNs covering {}% | residents with a 'home' PCN |",
        a.core_share.percent_label()
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
    for &t in &a.teams_ranked() {
        let m = &a.team_measures[t as usize];
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} ({}) | {} |",
            a.teams[t as usize],
            thousands(m.overlap.population),
            m.overlap.pcns_all,
            m.overlap.pcns_at_or_above.first().copied().unwrap_or(0),
            m.core_pcns.len(),
            m.core_pcns.iter().map(|p| practices.pcns[p.index()].name.as_str()).collect::<Vec<_>>().join(", "),
            pct(m.home_share),
        );
    }
    let _ = writeln!(
        s,
        "\nTeams are listed from least to best aligned. A 'home' PCN has more than half of its registered \
         patients living in the team area.\n"
    );
    let _ = writeln!(
        s,
        "## PCNs serving the team areas (least aligned first)\n\nPCNs with at least {first}% of some team area's \
         residents. 'Main team area' is where most of its patients living in a team area live.\n"
    );
    let _ = writeln!(
        s,
        "| PCN | registered patients | in a team area | team areas | with ≥ {first}% of its list | main team area (share) |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
    for &i in &a.pcns_ranked() {
        let m = &a.pcn_measures[i];
        let pcn = &practices.pcns[m.pcn.index()];
        let _ = writeln!(
            s,
            "| {} ({}) | {} | {} | {} | {} | {} ({}) |",
            pcn.name,
            pcn.code.as_str(),
            thousands(m.list_size),
            thousands(m.in_teams),
            m.teams.len(),
            m.teams_at_or_above.first().copied().unwrap_or(0),
            m.teams.first().map_or("–", |t| a.teams[t.0 as usize].as_str()),
            pct(m.main_share()),
        );
    }
    let _ = writeln!(
        s,
        "\nThe full tables: team_alignment.csv (every team), pcn_alignment.csv (every PCN), team_pcn_matrix.csv \
         (patients of each PCN in each team), pcn_team_links.csv (with population-weighted Jaccard and \
         containment), split_lsoas.csv (LSOAs cut by a team boundary)."
    );
    s.into_bytes()
}
