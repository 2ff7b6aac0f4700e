//! Compares our PCN footprints with published ones: West Sussex (2022, one PCN per LSOA) and
//! Nottinghamshire (2019, LSOA footprints at a 5% threshold), by area-based intersection over union.
//!
//! `cargo run --release -p footprint-run --example compare_footprints` (reads ../shared/data);
//! prints the markdown tables reported in docs/footprint-comparison.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use footprint_footprints::{FootprintLevel, FootprintSpec, Method};
use footprint_ingest::{AreaFields, InputFile, LookupColumns, area_km2, read_area_layer, read_lookup};
use footprint_overlap::Threshold;
use footprint_run::{AssignmentSource, FootprintJob, OverlapJob};
use geo::BooleanOps;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = root.join("fixtures/england-2011");
    let shared = |p: &str| -> PathBuf { root.join("../shared/data").join(p) };
    let job = OverlapJob {
        registrations: fixtures.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz"),
        practices: fixtures.join("gp-reg-pat-prac-map_01Jan2022.csv.gz"),
        areas: fixtures.join("msoa11_england_generalised_clipped.geojson.gz"),
        area_fields: AreaFields::default(),
        assignment: AssignmentSource::LsoaAreas {
            path: shared("england-2011/lsoa11_england_generalised_clipped.geojson.gz"),
            fields: AreaFields::default(),
            snap_metres: 100.0,
        },
        thresholds: vec![Threshold::ONE_PERCENT],
        footprints: Some(FootprintJob {
            level: FootprintLevel::Lsoa,
            spec: FootprintSpec {
                methods: vec![Method::Threshold, Method::Plurality],
                threshold: "0.05".parse()?,
                ..FootprintSpec::default()
            },
        }),
        output: Default::default(),
        vintage: footprint_run::VintageRule::AsGiven,
        context: Vec::new(),
        prepared: Default::default(),
    };
    let loaded = footprint_run::load(&job)?;
    let analysis = footprint_run::analyse(&loaded, &job)?;
    let lsoas = loaded.places.lsoa_layer().ok_or("no LSOA layer")?;
    let fp = analysis.footprints.as_ref().ok_or("no footprints")?;
    let (_, lsoa_km2) = fp.lsoa_counts().ok_or("no LSOA counts")?;
    let code_of = |pcn: footprint_ingest::PcnId| loaded.practices.pcns[pcn.index()].code.0.clone();

    // West Sussex: the published boundaries are unions of LSOAs, one PCN per LSOA, so the IoU is exact on LSOA sets.
    let published = read_lookup(
        &InputFile::read(shared("west-sussex-pcn-footprints/lsoa_pcn_lookup_Feb_22.csv"))?,
        &LookupColumns { lsoa: Some("LSOA11CD".into()), area: Some("PCN_Code".into()) },
    )?;
    let mut theirs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (lsoa, pcn) in &published.map {
        if let Some(id) = lsoas.find(lsoa.as_str()) {
            theirs.entry(pcn.0.clone()).or_default().push(id.index());
        }
    }
    println!("### West Sussex (20 PCNs, February 2022 LSOA assignment) vs our LSOA plurality footprints\n");
    println!("| PCN | name | their LSOAs | our LSOAs | IoU (area) |\n|---|---|---:|---:|---:|");
    let mut ious = Vec::new();
    for (code, their_lsoas) in &theirs {
        let ours: Vec<usize> = fp
            .footprints
            .iter()
            .filter(|f| f.method == Method::Plurality && code_of(f.pcn) == *code)
            .flat_map(|f| f.areas.iter().map(|a| a.index()))
            .collect();
        let (a, b): (std::collections::BTreeSet<usize>, std::collections::BTreeSet<usize>) =
            (their_lsoas.iter().copied().collect(), ours.iter().copied().collect());
        let km2 = |s: &mut dyn Iterator<Item = &usize>| s.map(|&i| lsoa_km2[i]).sum::<f64>();
        let inter = km2(&mut a.intersection(&b));
        let union = km2(&mut a.union(&b));
        let iou = if union > 0.0 { inter / union } else { 0.0 };
        ious.push(iou);
        let name = loaded.practices.pcns.iter().find(|p| p.code.0 == *code).map_or("", |p| p.name.as_str());
        println!("| {code} | {name} | {} | {} | {iou:.3} |", a.len(), b.len());
    }
    ious.sort_by(f64::total_cmp);
    println!("\nmedian IoU {:.3}, min {:.3}, max {:.3}\n", ious[ious.len() / 2], ious[0], ious[ious.len() - 1]);

    // Nottinghamshire 2019: polygons with local codes; matched to 2022 PCNs by name.
    let (notts, _) = read_area_layer(
        &shared("nottinghamshire-pcn-footprints/pcn_fpp_20190703_notts_bassetlaw.geojson"),
        &AreaFields {
            code: Some("pcn_code_reg".into()),
            name: Some("pcn_name_reg".into()),
            crs: None,
            kind: footprint_ingest::LayerKind::Areas,
        },
    )?;
    let norm = |s: &str| {
        s.to_uppercase()
            .replace('&', "AND")
            .replace(" NEIGHBOURHOOD", "")
            .replace(" PCN", "")
            .replace("PCN", "")
            .trim()
            .to_owned()
    };
    println!("### Nottinghamshire (27 footprints, July 2019, LSOAs at 5%) vs our LSOA threshold-5% footprints\n");
    println!("| 2019 footprint | matched 2022 PCN | their km² | our km² | IoU (area) |\n|---|---|---:|---:|---:|");
    let mut notts_ious = Vec::new();
    for area in &notts.areas {
        // Names repeat across England (a Beeston in Leeds and one in Nottinghamshire): of the 2022 PCNs of
        // that name, the one whose footprint overlaps this one most.
        let their_km2 = area_km2(&area.geometry, notts.crs);
        let best = loaded
            .practices
            .pcns
            .iter()
            .enumerate()
            .filter(|(_, p)| norm(&p.name) == norm(&area.name))
            .filter_map(|(pcn, p)| {
                let f = fp.footprints.iter().find(|f| f.method == Method::Threshold && f.pcn.index() == pcn)?;
                let inter = area_km2(&f.shape.intersection(&area.geometry), lsoas.crs);
                let our = area_km2(&f.shape, lsoas.crs);
                Some((p, our, (inter / (our + their_km2 - inter)).max(0.0)))
            })
            .max_by(|a, b| a.2.total_cmp(&b.2));
        let Some((p, our_km2, iou)) = best.filter(|b| b.2 > 0.0) else {
            let elsewhere = best.map(|b| format!("; {} {} is elsewhere", b.0.code, b.0.name)).unwrap_or_default();
            println!("| {} | (no 2022 PCN of that name here{elsewhere}) | {their_km2:.1} | | |", area.name);
            continue;
        };
        notts_ious.push(iou);
        println!("| {} | {} {} | {their_km2:.1} | {our_km2:.1} | {iou:.3} |", area.name, p.code, p.name);
    }
    notts_ious.sort_by(f64::total_cmp);
    if !notts_ious.is_empty() {
        println!(
            "\n{} matched; median IoU {:.3}, min {:.3}, max {:.3}",
            notts_ious.len(),
            notts_ious[notts_ious.len() / 2],
            notts_ious[0],
            notts_ious[notts_ious.len() - 1]
        );
    }
    Ok(())
}
