//! The report opened in headless Chromium, offline: no console errors, every MSOA drawn, the shares
//! panel answering a hover, a search, the context section's charts drawn, screenshots saved under
//! target/tmp; the national report loads in under 2 s, is under 15 MB, and at the national zoom shows
//! London's small MSOAs in their class colour; the series report draws its line chart and its change map.
//!
//! The page checks itself when its address ends in
//! `#selftest=[<MSOA code>][,<search>[,controls]][&sample=<MSOA code>+…]` and writes the result into
//! `<pre id="selftest">`, which `chromium --dump-dom` prints (it waits for the sample's image to load). Without Chromium the tests
//! are skipped with a message, except under CI (`CI=true`), where they fail: `.ci/run` installs it.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use footprint_report::{RunData, render_html};

/// The tests of this file one at a time: the national report is timed, and a national series or another
/// browser on the same two cores would be timed with it.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FOOTPRINT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Chromium, or `None` (after saying why) when it is missing outside CI.
fn chromium() -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Chromium is not installed, and CI=true: .ci/run should have installed it (apt-get install -y chromium)"
        );
        eprintln!(
            "SKIPPED: Chromium is not installed (apt-get install -y chromium); the report was not opened in a browser"
        );
    }
    found
}

/// Headless, sandbox off (CI runs as root), nothing that would reach the network.
fn browser(chromium: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--window-size=1400,1000",
        "--enable-logging=stderr",
        "--v=0",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c
}

struct Opened {
    result: serde_json::Value,
    wall: Duration,
}

/// Opens `html` with `#selftest=<args>` and returns what the page found.
fn selftest(chromium: &Path, html: &Path, args: &str) -> Opened {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#selftest={args}", html.display());
    let start = Instant::now();
    let out = browser(chromium, profile.path()).arg("--dump-dom").arg(&url).output().unwrap();
    let wall = start.elapsed();
    let dom = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    // Chromium logs uncaught script errors on stderr with --enable-logging.
    assert!(!stderr.contains("Uncaught"), "script error: {stderr}");
    let open = "<pre id=\"selftest\">";
    let start =
        dom.find(open).unwrap_or_else(|| panic!("no self-check result in the page: {}", &dom[..dom.len().min(2000)]));
    let text = &dom[start + open.len()..];
    let text = &text[..text.find("</pre>").unwrap()];
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    Opened { result: serde_json::from_str(&text).unwrap(), wall }
}

/// Saves a 1400 × 1000 screenshot of `html` (after `#selftest=<args>`) under target/tmp.
fn screenshot(chromium: &Path, html: &Path, args: &str, name: &str) -> PathBuf {
    let profile = tempfile::tempdir().unwrap();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_file(&shot);
    let out = browser(chromium, profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}#selftest={args}", html.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let image = tiny_skia::Pixmap::decode_png(&std::fs::read(&shot).unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (1400, 1000));
    // The map is drawn: many pixels of the palette's colours, not a blank page.
    let coloured = image.pixels().iter().filter(|p| p.blue() < 180 && p.red() > 180).count();
    assert!(coloured > 10_000, "only {coloured} map-coloured pixels in {}", shot.display());
    eprintln!("screenshot: {}", shot.display());
    shot
}

/// The controls answered: + zoomed in, the count selector recoloured the hovered MSOA (area `i`) with
/// its "every PCN" class colour and changed the legend, and "all" drew every footprint of the first method.
fn check_controls(run: &RunData, r: &serde_json::Value, i: usize) {
    // + shows 1/1.6 of the width it showed.
    let factor = r["zoom_in_factor"].as_f64().unwrap();
    assert!((factor - 1.0 / 1.6).abs() < 1e-9, "zoom in by {factor}");
    let classes = footprint_report::classes::classes(run);
    let expected = footprint_report::classes::hex(classes[0].colour_of(run.areas[i].counts[0]));
    assert_eq!(r["fill_every_pcn"], expected.as_str(), "{r}");
    assert!(r["legend_every_pcn"].as_str().unwrap().starts_with("PCNs per MSOA, every PCN"), "{r}");
    let footprints = run.footprints.as_ref().unwrap();
    let first = footprints.iter().filter(|f| f.group == footprints[0].group).count();
    assert_eq!(r["all_footprints_drawn"].as_u64().unwrap() as usize, first, "{r}");
}

/// The small dense London MSOAs of the darkest class of the count the map shows first: London's MSOAs
/// (E02000001 to E02000983: ONS numbered the 2011 MSOAs by local authority, the 33 E09 boroughs first)
/// with residents, in the last class of the initial count, and smaller than London's median MSOA;
/// smallest first, with their area in km².
fn small_dark_london_msoas(run: &RunData, measure: usize) -> Vec<(usize, f64)> {
    use geo::Area;
    let classes = footprint_report::classes::classes(run);
    let darkest = classes[measure].lower.len() - 1;
    let london: Vec<(usize, f64)> = (0..run.areas.len())
        .filter(|&i| run.areas[i].code.as_str() <= "E02000983")
        .map(|i| (i, footprint_report::geometry::to_bng(&run.areas[i].geometry).unsigned_area() / 1e6))
        .collect();
    let mut sizes: Vec<f64> = london.iter().map(|&(_, km2)| km2).collect();
    sizes.sort_by(f64::total_cmp);
    let median = sizes[sizes.len() / 2];
    let mut small: Vec<(usize, f64)> = london
        .into_iter()
        .filter(|&(i, km2)| {
            let a = &run.areas[i];
            a.population > 0 && classes[measure].class_of(a.counts[measure]) == darkest && km2 < median
        })
        .collect();
    small.sort_by(|a, b| a.1.total_cmp(&b.1));
    small
}

/// The context section's charts are drawn: a bar per IMD decile, RUC class and urban/rural class, the
/// density cells, and the PCN size bars with the recommended band.
fn check_context_charts(run: &RunData, r: &serde_json::Value) {
    let charts = &r["context_charts"];
    let classes = |context: &str| run.context.iter().filter(|c| c.context == context).count() as u64;
    assert_eq!((classes("imd_decile"), classes("ruc"), classes("urban_rural")), (10, 8, 2));
    for context in ["imd_decile", "ruc", "urban_rural"] {
        assert_eq!(charts[context].as_u64(), Some(classes(context)), "{context}: {charts}");
    }
    assert!(charts["density"].as_u64().unwrap_or(0) > 100, "density: {charts}");
    let size_bins: std::collections::BTreeSet<u64> = run.pcn_sizes.iter().map(|s| s / 5_000).collect();
    assert_eq!(charts["pcn_sizes"].as_u64(), Some(size_bins.len() as u64 + 1), "PCN sizes and the band: {charts}");
}

/// At the national zoom, the colour a user sees inside each small dense London MSOA of the darkest class
/// is that class's colour, exactly: the self-check rasterises the map as drawn into a canvas and reads
/// the pixel at an interior point of each (the pixel centre it holds nearest its box's centre; MSOAs
/// smaller than a pixel there hold none and are not sampled). White outlines drawn over these MSOAs,
/// a pixel or two across, turn them pale pink and fail this.
fn check_national_colours(chromium: &Path, html: &Path, run: &RunData) {
    let measure = usize::from(run.measures.len() > 1); // the map's first count, as the report chooses it
    let classes = footprint_report::classes::classes(run);
    let candidates = small_dark_london_msoas(run, measure);
    assert!(candidates.len() >= 20, "{} small dark London MSOAs", candidates.len());
    let (first, km2) = candidates[0];
    eprintln!(
        "{} small dark London MSOAs, from {} {} ({km2:.2} km²) to {:.2} km²",
        candidates.len(),
        run.areas[first].code,
        run.areas[first].name,
        candidates[candidates.len() - 1].1
    );
    let codes: Vec<&str> = candidates.iter().map(|&(i, _)| run.areas[i].code.as_str()).collect();
    let r = selftest(chromium, html, &format!("&sample={}", codes.join("+"))).result;
    assert!(errors(&r).is_empty(), "console errors: {r}");
    let samples = r["sample"]["areas"].as_array().unwrap_or_else(|| panic!("no samples: {r}"));
    assert_eq!(samples.len(), candidates.len(), "{r}");
    let mut sampled = 0;
    let mut wrong = Vec::new();
    for (s, &(i, km2)) in samples.iter().zip(&candidates) {
        let a = &run.areas[i];
        assert_eq!(s["code"], a.code.as_str());
        let expected = footprint_report::classes::hex(classes[measure].colour_of(a.counts[measure]));
        assert_eq!(s["fill"], expected.as_str(), "{s}");
        if s["inside"] != true {
            continue;
        }
        if sampled == 0 {
            eprintln!(
                "smallest sampled: {} {} ({km2:.2} km², {} per km², box {} px): class colour {expected}, seen {}",
                a.code,
                a.name,
                a.density.unwrap_or(0.0).round(),
                s["box_px"],
                s["colour"].as_str().unwrap_or("none")
            );
        }
        sampled += 1;
        if s["colour"] != expected.as_str() {
            wrong.push(format!(
                "{} {} ({km2:.2} km²): {expected} drawn as {}",
                a.code,
                a.name,
                s["colour"].as_str().unwrap_or("none")
            ));
        }
    }
    eprintln!(
        "national zoom: {} small dark London MSOAs, {sampled} hold a pixel centre, {} of them in another colour",
        candidates.len(),
        wrong.len()
    );
    assert!(sampled >= 10, "only {sampled} of {} MSOAs sampled: {r}", candidates.len());
    assert!(wrong.is_empty(), "{} of {sampled} MSOAs not in their class colour:\n{}", wrong.len(), wrong.join("\n"));
}

fn errors(result: &serde_json::Value) -> &Vec<serde_json::Value> {
    result["errors"].as_array().unwrap()
}

#[test]
fn the_small_report_draws_every_msoa_and_answers_a_hover_and_a_search() {
    let _one = one_at_a_time();
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = common::small_run(dir.path());
    let run = RunData::read(&out).unwrap();
    let html = out.join("report.html");
    std::fs::write(&html, render_html(&run)).unwrap();

    let r = selftest(&chromium, &html, "E02000001,Beta,controls").result;
    assert!(errors(&r).is_empty(), "console errors: {r}");
    assert_eq!(r["areas"], 3);
    assert_eq!(r["paths"], 3);
    assert_eq!(r["drawn"], 3);
    // Hovering the first square lists its PCNs with their shares: 600, 300 and 100 of 1,000 residents.
    let panel = r["panel"].as_str().unwrap();
    for expected in [
        "Alpha 001",
        "1,000 registered residents",
        "Alpha PCN (P1)60060.0%",
        "Beta PCN (P2)30030.0%",
        "Gamma PCN (P3)10010.0%",
    ] {
        assert!(panel.contains(expected), "panel {panel:?} lacks {expected:?}");
    }
    // Searching "Beta" finds the MSOA "Beta 002" and the PCN "Beta PCN"; the first is chosen and shown.
    assert_eq!(r["search_results"], 2);
    assert!(r["search_panel"].as_str().unwrap().starts_with("Beta 002E02000002"), "{r}");
    // The hand-made team layer is drawn.
    assert_eq!(r["teams_drawn"], 2);
    check_controls(&run, &r, 0);

    // A PCN: Beta PCN has at least 1% in the first two squares (30%, 0.5%: only the first) and the third (69%).
    let r = selftest(&chromium, &html, "E02000002,P2").result;
    assert!(errors(&r).is_empty(), "console errors: {r}");
    assert!(r["panel"].as_str().unwrap().contains("Alpha PCN (P1)99599.5%"), "{r}");
    assert_eq!(r["highlighted"], 2, "{r}");
    assert_eq!(r["footprints_drawn"], 1, "{r}");
    assert!(r["search_panel"].as_str().unwrap().starts_with("Beta PCNP2 · 995 patients"), "{r}");

    screenshot(&chromium, &html, "E02000001", "report-small.png");
}

#[test]
fn the_national_report_opens_in_under_two_seconds_and_weighs_under_15_mb() {
    let _one = one_at_a_time();
    let Some(chromium) = chromium() else { return };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let dir = tempfile::tempdir().unwrap();
    let mut job = footprint_run::OverlapJob::england_by_lookup(&fixtures);
    job.footprints = Some(footprint_run::FootprintJob {
        level: footprint_footprints::FootprintLevel::Msoa,
        spec: footprint_footprints::FootprintSpec::default(),
    });
    footprint_run::run(&job, dir.path()).unwrap();
    let run = RunData::read(dir.path()).unwrap();
    let html = dir.path().join("report.html");
    let text = render_html(&run);
    std::fs::write(&html, &text).unwrap();
    let megabytes = text.len() as f64 / 1e6;
    assert!(megabytes < 15.0, "{megabytes:.1} MB");

    // E02000001 is the City of London; U07169 Shoreditch Park PCN, its largest.
    let opened = selftest(&chromium, &html, "E02000001,U07169,controls");
    let r = &opened.result;
    assert!(errors(r).is_empty(), "console errors: {r}");
    assert_eq!(r["paths"], 6791);
    assert_eq!(r["drawn"], 6791);
    // The panel lists the largest PCN with its share, from the run's own shares table.
    let top = run.shares[0][0];
    let pcn = &run.pcns[top.pcn as usize];
    let row = format!("{} ({})", pcn.name, pcn.code);
    let panel = r["panel"].as_str().unwrap();
    assert!(panel.contains(&row) && panel.contains(&format!("{:.1}%", 100.0 * top.share)), "{panel}");
    let ready = r["ready_ms"].as_f64().unwrap();
    eprintln!(
        "national report: {megabytes:.1} MB, map ready {ready} ms after navigation, chromium run {:.2} s",
        opened.wall.as_secs_f64()
    );
    assert!(ready < 2000.0, "the map took {ready} ms");
    check_controls(&run, r, 0);
    check_context_charts(&run, r);
    check_national_colours(&chromium, &html, &run);
    screenshot(&chromium, &html, "E02000001,U07169", "report-england.png");
    // The whole map at the national zoom, nothing hovered.
    screenshot(&chromium, &html, "", "report-england-national.png");
}

/// How many pixels of `shot` are within 8 of colour `rgb` in every channel.
fn pixels_of(shot: &tiny_skia::Pixmap, rgb: (u8, u8, u8)) -> usize {
    let near = |a: u8, b: u8| a.abs_diff(b) <= 8;
    shot.pixels().iter().filter(|p| near(p.red(), rgb.0) && near(p.green(), rgb.1) && near(p.blue(), rgb.2)).count()
}

/// The series report of the national July 2022 registrations under the January 2022 map, then a scenario
/// merging the first half of the PCNs (by code) into the first: Chromium draws the line chart (the red
/// line of the 1% count) and the change map, where the merged PCNs' MSOAs have fewer PCNs (blue) and the
/// others the same (grey). Measured: 76,895 grey, 19,596 dark blue pixels.
#[test]
fn the_series_report_draws_its_chart_and_its_change_map() {
    let _one = one_at_a_time();
    let Some(chromium) = chromium() else { return };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/england-2011");
    let dir = tempfile::tempdir().unwrap();
    let practices = fixtures.join("gp-reg-pat-prac-map_01Jan2022.csv.gz");
    let map = footprint_ingest::read_practice_map(&footprint_ingest::InputFile::read(&practices).unwrap()).unwrap();
    let pcns: Vec<&str> = map.pcns.iter().map(|p| p.code.as_str()).filter(|c| *c != "U").collect();
    let half = &pcns[..pcns.len() / 2];
    let mut edits = String::from("practice_code,pcn_code\n");
    let mut moved: Vec<String> = map
        .practices
        .iter()
        .filter_map(|(practice, pcn)| match pcn {
            footprint_ingest::PracticePcn::Pcn(id) if half.contains(&map.pcns[id.0 as usize].code.as_str()) => {
                Some(format!("{},{}\n", practice.as_str(), half[0]))
            }
            _ => None,
        })
        .collect();
    moved.sort();
    edits.extend(moved);
    std::fs::write(dir.path().join("merge.csv"), edits).unwrap();
    let registrations = fixtures.join("gp-reg-pat-prac-lsoa-all_Jul2022.csv.gz");
    let publication = |label: &str, edits: Option<PathBuf>| footprint_run::Publication {
        label: label.to_owned(),
        registrations: registrations.clone(),
        practices: practices.clone(),
        date: None,
        edits,
    };
    let job = footprint_run::SeriesJob {
        geography: footprint_run::OverlapJob::england_by_lookup(&fixtures),
        publications: vec![publication("Jul2022", None), publication("merged", Some(dir.path().join("merge.csv")))],
    };
    let thresholds = job.geography.thresholds.clone();
    let out = dir.path().join("out");
    footprint_run::series_run_with(&job, &out, |layer, publications| {
        vec![("report.html", footprint_report::render_series_html(layer, publications, &thresholds).into_bytes())]
    })
    .unwrap();
    let html = out.join("report.html");
    let profile = tempfile::tempdir().unwrap();
    let shot_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("series-report.png");
    let run = browser(&chromium, profile.path())
        .arg("--window-size=1400,2400")
        .arg(format!("--screenshot={}", shot_path.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "chromium failed: {stderr}");
    assert!(!stderr.contains("Uncaught") && !stderr.contains("Refused"), "page error: {stderr}");
    let shot = tiny_skia::Pixmap::decode_png(&std::fs::read(&shot_path).unwrap()).unwrap();
    eprintln!("screenshot: {}", shot_path.display());
    // The 1% line (#b2182b) and the every-PCN line (#444) of the chart.
    assert!(pixels_of(&shot, (0xb2, 0x18, 0x2b)) > 500, "no 1% line in {}", shot_path.display());
    assert!(pixels_of(&shot, (0x44, 0x44, 0x44)) > 500, "no every-PCN line in {}", shot_path.display());
    // The map: MSOAs with the same count (#e0e0e0), with 1 fewer (#92c5de) and 2 or more fewer (#2166ac).
    let same = pixels_of(&shot, (0xe0, 0xe0, 0xe0));
    let fewer = [pixels_of(&shot, (0x92, 0xc5, 0xde)), pixels_of(&shot, (0x21, 0x66, 0xac))];
    assert!(
        same > 20_000 && fewer.iter().all(|&n| n > 10_000),
        "same {same}, fewer {fewer:?} pixels in {}",
        shot_path.display()
    );
}
