//! The short plain-text summary printed at the end of a run.

use std::fmt::Write;

use footprint_run::RunReport;

pub(crate) use footprint_overlap::write::thousands;

/// The summary: areas, the patient accounting, and the distribution of each count.
pub(crate) fn summary_text(report: &RunReport) -> String {
    let table = &report.analysis.table;
    let a = &table.accounting;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} areas; {} patients read on {} rows: {} assigned, {} with an unknown LSOA code, {} outside the area layer{}",
        thousands(table.areas.len() as u64),
        thousands(a.patients_read),
        thousands(a.rows_read),
        thousands(a.patients_assigned),
        thousands(a.patients_unknown_lsoa),
        thousands(a.patients_outside_layer),
        if a.balances() { "" } else { " (DOES NOT BALANCE)" }
    );
    let _ = writeln!(
        s,
        "patients assigned at practices in no PCN: {} (PCN code U: {}, practice not in the map: {} at {} practices)",
        thousands(a.patients_practice_no_pcn + a.patients_practice_not_in_map),
        thousands(a.patients_practice_no_pcn),
        thousands(a.patients_practice_not_in_map),
        a.practices_not_in_map.len()
    );
    if let Some(c) = &report.analysis.assignment.conversion {
        let from = c.geography.other();
        let converted = c.converted.iter().filter(|&&x| x).count() as u64;
        if converted > 0 {
            let _ = writeln!(
                s,
                "LSOA {from} codes converted to the {} geography: {} patients on {} codes, of them {} on {} LSOAs apportioned between areas (summary.json lists them)",
                c.geography,
                thousands(a.patients_converted),
                thousands(converted),
                thousands(a.patients_apportioned),
                c.apportioned.len()
            );
        }
    }
    let labels =
        std::iter::once("every PCN:".to_owned()).chain(table.thresholds.iter().map(|t| format!("share ≥ {t}:")));
    for (label, (_, d)) in labels.zip(table.distributions()) {
        let _ = writeln!(
            s,
            "PCNs per area, {label:<14} mean {:.2} (SD {:.2}), median {}, p10 {}, p90 {}, range {}–{} ({} areas with residents)",
            d.mean, d.sd, d.median, d.p10, d.p90, d.min, d.max, d.n
        );
    }
    let _ = writeln!(s, "wrote:");
    for path in &report.written {
        let _ = writeln!(s, "  {}", path.display());
    }
    s
}

/// The terminal summary of an alignment run.
pub(crate) fn alignment_text(report: &footprint_run::AlignReport) -> String {
    let a = &report.alignment;
    let acc = &a.accounting;
    let mut s = format!(
        "{} teams; {} patients read: {} in a team, {} in no team, {} in an unknown LSOA; {} LSOAs split by a team boundary\n",
        a.teams.len(),
        thousands(acc.patients_read),
        thousands(acc.patients_in_teams),
        thousands(acc.patients_no_team),
        thousands(acc.patients_unknown_lsoa),
        a.split.len()
    );
    s.push_str(&format!(
        "alignment index: {}\n",
        a.index().map_or_else(|| "none (no team residents)".to_owned(), |v| format!("{:.3}", v))
    ));
    s.push_str("wrote:\n");
    for path in &report.written {
        s.push_str(&format!("  {}\n", path.display()));
    }
    s
}

/// The terminal summary of a design: regions, patches and their fit, the index, the files.
pub(crate) fn design_text(report: &footprint_run::DesignReport) -> String {
    let d = &report.design;
    let outside = d.patches.iter().filter(|p| p.fit != footprint_design::Fit::Within).count();
    let bridges: usize = d.regions.iter().map(|r| r.bridges.len()).sum();
    let mut s = format!(
        "{} regions, {} patches ({} outside the bounds), {} pieces joined across a gap\n",
        d.regions.len(),
        d.patches.len(),
        outside,
        bridges
    );
    let pct = |v: Option<f64>| v.map_or_else(|| "none".to_owned(), |v| format!("{:.1}%", v * 100.0));
    if let [r] = d.regions.as_slice() {
        s.push_str(&format!("region {}: bounds {}–{}\n", r.name, thousands(r.bounds.min), thousands(r.bounds.max)));
    }
    s.push_str(&format!(
        "alignment index of the designed layer: {} (each region on its own: {}; its plurality footprints: {})\n",
        pct(report.alignment.index()),
        pct(d.regional_index()),
        pct(d.plurality_index())
    ));
    s.push_str("wrote:\n");
    for path in &report.written {
        s.push_str(&format!("  {}\n", path.display()));
    }
    s
}

/// The terminal summary of a series: one line per publication.
pub(crate) fn series_text(report: &footprint_run::SeriesReport) -> String {
    let mut s = String::new();
    for p in &report.publications {
        let a = &p.accounting;
        let mean = |i: usize| p.distributions.get(i).map_or(f64::NAN, |d| d.1.mean);
        let _ = writeln!(
            s,
            "{}: {} patients read, {} assigned ({} apportioned), {} unknown, {} outside; PCNs per MSOA {:.2}, at the first threshold {:.2}",
            p.label,
            thousands(a.patients_read),
            thousands(a.patients_assigned),
            thousands(a.patients_apportioned),
            thousands(a.patients_unknown_lsoa),
            thousands(a.patients_outside_layer),
            mean(0),
            mean(1)
        );
    }
    let _ = writeln!(s, "wrote:");
    for path in &report.written {
        let _ = writeln!(s, "  {}", path.display());
    }
    s
}
