//! QGIS itself opens the national run's layers: `footprint.gpkg` with the default style of its
//! `layer_styles` applied, the FlatGeobuf layers with the `.qml` beside them, the `.sld` files loaded; each
//! layer is rendered headless (`QT_QPA_PLATFORM=offscreen`) to a PNG saved under target/tmp, whose pixels
//! show every colour class the run's own counts call for.
//!
//! PyQGIS lives in Debian's `/usr/bin/python3` (packages qgis and python3-qgis). Without it the test says
//! so and returns; under `CI=true` it fails (`.ci/run` installs them).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::{output_of, require_tool};
use footprint_footprints::{FootprintLevel, FootprintSpec};
use footprint_overlap::classes::{Classes, NO_DATA, hex};
use footprint_overlap::write::Format;
use footprint_run::{FootprintJob, OverlapJob};

/// The class colours the run's counts at 1% call for, from `msoa_overlap.csv` (MSOAs with residents),
/// with each class's MSOAs.
fn expected_classes(csv: &Path) -> Vec<(String, String, usize)> {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (population, count) = (at("population"), at("pcns_ge_1pct"));
    let values: Vec<u32> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| r[population].parse::<u64>().unwrap() > 0)
        .map(|r| r[count].parse().unwrap())
        .collect();
    let classes = Classes::of(&values);
    (0..classes.lower.len())
        .map(|i| {
            let members = values.iter().filter(|&&v| classes.class_of(v) == i).count();
            (classes.label(i), hex(classes.colour(i)), members)
        })
        .collect()
}

#[test]
fn qgis_opens_the_layers_styled_and_draws_every_class() {
    let Some(python) = require_tool("/usr/bin/python3", "apt-get install python3") else { return };
    let qgis = "/usr/lib/python3/dist-packages/qgis/core/__init__.py";
    if require_tool(qgis, "apt-get install qgis python3-qgis").is_none() {
        return;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let mut job = OverlapJob::england_by_lookup(&fixtures);
    job.footprints = Some(FootprintJob { level: FootprintLevel::Msoa, spec: FootprintSpec::default() });
    job.output.formats = vec![Format::GeoJson, Format::Gpkg, Format::Fgb];
    let dir = tempfile::tempdir().unwrap();
    footprint_run::run(&job, dir.path()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qgis/open_styled.py");
    let pictures = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let text =
        output_of(&python, &[&script.to_string_lossy(), &dir.path().to_string_lossy(), &pictures.to_string_lossy()]);
    let found: serde_json::Value = serde_json::from_str(&text[text.find('{').unwrap()..]).unwrap();
    let classes = expected_classes(&dir.path().join("msoa_overlap.csv"));
    for source in ["gpkg", "fgb"] {
        let overlap = &found[format!("{source}:msoa_overlap")];
        assert_eq!(overlap["valid"], true, "{source}: {overlap}");
        assert_eq!(overlap["features"], 6_791, "{source}");
        assert_eq!(overlap["crs"], "EPSG:4326", "{source}");
        assert_eq!(overlap["renderer"], "RuleRenderer", "{source}: the default style was not applied");
        let rules: Vec<(String, String)> = overlap["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["label"].as_str().unwrap().to_owned(), r["colour"].as_str().unwrap().to_owned()))
            .collect();
        let mut expected = vec![("no residents".to_owned(), hex(NO_DATA))];
        expected.extend(classes.iter().map(|(label, colour, _)| (label.clone(), colour.clone())));
        assert_eq!(rules, expected, "{source}: the rules QGIS read");
        // Every class with 100 MSOAs or more shows in the 800 × 800 picture (sampled every 2nd pixel).
        let colours = &overlap["colours"];
        for (label, colour, members) in classes.iter().filter(|c| c.2 >= 100) {
            let drawn = colours[colour.as_str()].as_u64().unwrap_or(0);
            assert!(drawn >= 50, "{source}: class {label} ({members} MSOAs, {colour}) drew {drawn} pixels");
        }
        let footprints = &found[format!("{source}:pcn_footprints")];
        assert_eq!(footprints["features"], 3_755, "{source}");
        assert_eq!(footprints["renderer"], "RuleRenderer", "{source}");
        for colour in ["#e31a1c", "#1f78b4", "#33a02c"] {
            let drawn = footprints["colours"][colour].as_u64().unwrap_or(0);
            assert!(drawn >= 500, "{source}: footprint outline {colour} drew {drawn} pixels");
        }
    }
    for (layer, rules) in [("msoa_overlap", classes.len() + 1), ("pcn_footprints", 3)] {
        let sld = &found[format!("sld:{layer}")];
        assert_eq!(sld["loaded"], true, "{layer}.sld: {sld}");
        assert_eq!(sld["rules"], rules, "{layer}.sld");
    }
    eprintln!("pictures: {}/qgis-*.png", pictures.display());
}
