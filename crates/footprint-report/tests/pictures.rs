//! The report and the PNG of a small hand-made run: what they hold, checked against the inputs.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use footprint_report::{LayerPictures, MapOptions, ReportError, RunData, render_html, render_png};
use geo::Coord;

#[test]
fn the_run_is_read_back_with_its_shares_footprints_and_teams() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunData::read(&common::small_run(dir.path())).unwrap();
    let codes: Vec<&str> = run.areas.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, common::SQUARES.map(|s| s.0));
    let columns: Vec<&str> = run.measures.iter().map(|m| m.column.as_str()).collect();
    assert_eq!(columns, ["pcns_all", "pcns_ge_1pct"]);
    let at_one: Vec<u32> = run.areas.iter().map(|a| a.counts[1]).collect();
    assert_eq!(at_one, common::AT_ONE_PERCENT);
    // The first square's shares, largest first: Alpha 600, Beta 300, Gamma 100 of 1,000.
    let first: Vec<(&str, u64, f64)> =
        run.shares[0].iter().map(|s| (run.pcns[s.pcn as usize].code.as_str(), s.patients, s.share)).collect();
    assert_eq!(first, [("P1", 600, 0.6), ("P2", 300, 0.3), ("P3", 100, 0.1)]);
    assert_eq!(run.areas[2].population, 1000);
    assert!(run.areas.iter().all(|a| a.geometry.0.len() == 1));
    let footprints = run.footprints.as_ref().unwrap();
    assert!(footprints.iter().any(|f| f.key == "P1" && f.group == "plurality"));
    let teams: Vec<&str> = run.teams.as_ref().unwrap().iter().map(|t| t.key.as_str()).collect();
    assert_eq!(teams, ["West team", "East team"]);
}

#[test]
fn the_report_is_self_contained_and_holds_every_area_share_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunData::read(&common::small_run(dir.path())).unwrap();
    let html = render_html(&run);
    // Nothing to fetch: no URL, no src or href attribute, and a policy forbidding any request.
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains(" src=") && !html.contains(" href="));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // The data: three areas with their paths, the PCN names, the teams.
    let start = html.find("<script type=\"application/json\" id=\"data\">").unwrap();
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let areas = data["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 3);
    assert!(areas.iter().all(|a| a["g"].as_str().unwrap().starts_with('M')));
    // The first square's shares as PCN index and patients: Alpha (P1) 600 first.
    let pcns = data["pcns"].as_array().unwrap();
    let first = areas[0]["s"].as_array().unwrap();
    assert_eq!(pcns[first[0].as_u64().unwrap() as usize][1], "Alpha PCN");
    assert_eq!(first[1], 600);
    assert_eq!(data["teams"]["items"].as_array().unwrap().len(), 2);
    // Tables: the summary's mean at 1% (by hand: (3 + 1 + 2) / 3 = 2.00), the accounting, deciles absent
    // (fewer than ten areas).
    assert!(html.contains("<tr><th>share ≥ 1%</th><td>3</td><td>2.00</td>"), "summary row");
    assert!(html.contains("<tr><th>patients read</th><td>3,000</td></tr>"));
    assert!(!html.contains("id=\"deciles\""));
    // A histogram per count; at 1%, one bar per value 1, 2, 3 with one MSOA each.
    let histograms = &html[html.find("id=\"histograms\"").unwrap()..];
    let histograms = &histograms[..histograms.find("</section>").unwrap()];
    assert_eq!(histograms.matches("<figure>").count(), 2);
    // The context section of a run with no context files: density and the PCN sizes only.
    assert!(html.contains("data-chart=\"density\"") && html.contains("data-chart=\"pcn_sizes\""));
    assert!(!html.contains("data-chart=\"imd_decile\""));
    for v in 1..=3 {
        assert!(html.contains(&format!("<title>{v} PCNs: 1 MSOAs</title>")), "bar {v}");
    }
}

#[test]
fn the_png_colours_each_area_as_its_legend_class_says() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunData::read(&common::small_run(dir.path())).unwrap();
    let options = MapOptions { width: 800, ..MapOptions::new(&run) };
    assert_eq!(run.measures[options.measure].column, "pcns_ge_1pct");
    let map = render_png(&run, &options).unwrap();
    let pixmap = tiny_skia::Pixmap::decode_png(&map.png).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), map.size);
    assert_eq!(map.size.0, 800);
    // Three counts, three classes, three distinct colours.
    assert_eq!(map.classes.lower, [1, 2, 3]);
    for ((_, _, w, e), count) in common::SQUARES.iter().zip(common::AT_ONE_PERCENT) {
        let centre = Coord { x: (w + e) / 2.0, y: (common::SOUTH + common::NORTH) / 2.0 };
        let (x, y) = map.frame.to_pixel(centre);
        let pixel = pixmap.pixel(x as u32, y as u32).unwrap();
        let expected = map.classes.colour_of(count);
        assert_eq!([pixel.red(), pixel.green(), pixel.blue()], expected, "square with {count} PCNs");
    }
    // Text was drawn: the title's band holds dark pixels.
    let dark = (0..60 * 800).filter(|&i| pixmap.pixels()[i].red() < 100).count();
    assert!(dark > 100, "{dark} dark pixels in the title band");
}

#[test]
fn thresholds_are_chosen_as_typed_and_missing_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunData::read(&common::small_run(dir.path())).unwrap();
    assert_eq!(run.measure_index("1%").unwrap(), 1);
    assert_eq!(run.measure_index("0.01").unwrap(), 1);
    assert_eq!(run.measure_index("all").unwrap(), 0);
    let e = run.measure_index("5%").unwrap_err();
    assert!(matches!(e, ReportError::NoSuchThreshold { .. }));
    assert!(e.to_string().ends_with("has no count at threshold 5%; it has: all, 1%"), "{e}");
}

#[test]
fn a_missing_layer_is_named_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let e = RunData::read(dir.path()).unwrap_err();
    assert!(matches!(e, ReportError::Read { .. }));
    assert!(e.to_string().contains("msoa_overlap.csv"), "{e}");
}

#[test]
fn the_national_png_is_1600_pixels_wide_under_1_mb_with_each_area_in_its_class_colour() {
    use geo::{Area, InteriorPoint};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let dir = tempfile::tempdir().unwrap();
    let job = footprint_run::OverlapJob::england_by_lookup(&fixtures);
    footprint_run::run(&job, dir.path()).unwrap();
    let run = RunData::read(dir.path()).unwrap();
    let map = render_png(&run, &MapOptions::new(&run)).unwrap();
    assert_eq!(map.size.0, 1600);
    assert!(map.png.len() < 1_000_000, "{} bytes", map.png.len());
    let pixmap = tiny_skia::Pixmap::decode_png(&map.png).unwrap();
    // The hundred largest MSOAs (rural, many pixels each): the pixel at a point inside each has the
    // colour of its class.
    let mut areas: Vec<_> = run.areas.iter().collect();
    areas.sort_by(|a, b| b.geometry.unsigned_area().total_cmp(&a.geometry.unsigned_area()));
    for area in &areas[..100] {
        let inside = area.geometry.interior_point().unwrap();
        let (x, y) = map.frame.to_pixel(inside.0);
        let pixel = pixmap.pixel(x.round() as u32, y.round() as u32).unwrap();
        let expected = map.classes.colour_of(area.counts[1]);
        assert_eq!([pixel.red(), pixel.green(), pixel.blue()], expected, "{} ({} PCNs)", area.code, area.counts[1]);
    }
}

#[test]
fn teams_are_named_by_team_else_name_else_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::small_run(dir.path());
    let square = r#"{"type":"Polygon","coordinates":[[[-1.5,52.5],[-1.48,52.5],[-1.48,52.52],[-1.5,52.5]]]}"#;
    let features = [r#"{"team":7}"#, r#"{"name":"Named"}"#, r#"{"other":"x"}"#]
        .map(|p| format!(r#"{{"type":"Feature","properties":{p},"geometry":{square}}}"#));
    let teams = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
    std::fs::write(out.join("team_alignment.geojson"), teams).unwrap();
    let run = RunData::read(&out).unwrap();
    let names: Vec<&str> = run.teams.as_ref().unwrap().iter().map(|t| t.key.as_str()).collect();
    assert_eq!(names, ["7", "Named", "team 3"]);
}

/// The default run draws its pictures from the analysis in memory; they must be exactly those drawn from
/// its output directory read back, whether the areas' polygons are read back from the prepared layer's
/// texts or snapped again.
#[test]
fn the_national_pictures_from_memory_equal_those_from_the_written_run() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut job = footprint_run::OverlapJob::england_by_lookup(&fixtures);
    job.prepared = footprint_run::PreparedCache::In(dir.path().join("cache"));
    job.footprints = Some(footprint_run::FootprintJob {
        level: footprint_footprints::FootprintLevel::Msoa,
        spec: footprint_footprints::FootprintSpec::default(),
    });
    let report = footprint_run::run(&job, &out).unwrap();
    assert!(report.loaded.areas_prepared.is_some());
    let read = RunData::read(&out).unwrap();
    let layer = LayerPictures::of(&report.loaded);
    let prepared = RunData::from_analysis(&out, &report.loaded, &report.analysis, layer).unwrap();
    // The display's shape (projected areas, topology, simplifications, the report's paths) made and kept
    // beside the prepared layer, then loaded.
    let kept = |loaded: &footprint_run::Loaded| {
        let layer = LayerPictures::kept(loaded, &job.prepared, &job.area_fields);
        RunData::from_analysis(&out, loaded, &report.analysis, layer).unwrap()
    };
    let derived = || {
        let files = std::fs::read_dir(dir.path().join("cache")).unwrap().flatten();
        files.filter(|f| f.path().extension().is_some_and(|e| e == "derived")).count()
    };
    // The run kept the footprints' coverage and its grid check; the pictures keep their shape beside
    // them, once.
    assert_eq!(derived(), 2);
    let made_and_kept = kept(&report.loaded);
    assert_eq!(derived(), 3);
    let loaded_back = kept(&report.loaded);
    assert_eq!(derived(), 3);
    let unprepared = footprint_run::Loaded { areas_prepared: None, ..report.loaded };
    let layer = LayerPictures::of(&unprepared);
    let snapped = RunData::from_analysis(&out, &unprepared, &report.analysis, layer).unwrap();
    for memory in [&prepared, &snapped, &made_and_kept, &loaded_back] {
        assert_eq!(memory.areas.len(), 6_791);
        assert!(memory.areas.iter().zip(&read.areas).all(|(a, b)| a.geometry == b.geometry), "areas differ");
        assert_eq!(memory.footprints.as_ref().map(Vec::len), read.footprints.as_ref().map(Vec::len));
        assert!(render_html(memory) == render_html(&read), "report.html differs");
    }
    let png = |run: &RunData| render_png(run, &MapOptions::new(run)).unwrap().png;
    let from_files = png(&read);
    assert!([&prepared, &loaded_back].into_iter().all(|run| png(run) == from_files), "map.png differs");
}
