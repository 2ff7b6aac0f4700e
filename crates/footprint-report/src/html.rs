//! The self-contained HTML report: summary and accounting tables, histograms and density deciles as
//! static HTML and inline SVG, and an interactive SVG map drawn by a small inline script from data
//! embedded as JSON. Nothing is fetched: a Content-Security-Policy forbids every network request.

use std::collections::HashMap;
use std::fmt::Write;

use geo::MultiPolygon;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::classes::{self, Classes, hex};
use crate::geometry::{Simplified, SvgFrame, extent};
use crate::run::RunData;

/// The display tolerance is the larger side of the map's extent divided by this (65 m for England).
pub const HTML_TOLERANCE_DIVISOR: f64 = 10_000.0;
/// SVG units per display tolerance (England: 13 m per unit).
const UNITS_PER_TOLERANCE: f64 = 5.0;

const STYLE: &str = include_str!("../assets/report.css");
const SCRIPT: &str = include_str!("../assets/report.js");
/// Records errors before anything else runs, for the self-check (`#selftest`).
const ERROR_HOOK: &str = "window.__errors=[];addEventListener('error',function(e){__errors.push(String(e.message))});\
(function(){var f=console.error;console.error=function(){__errors.push([].slice.call(arguments).join(' '));f.apply(console,arguments)}})();\
document.addEventListener('securitypolicyviolation',function(e){__errors.push('blocked by the page policy: '+e.blockedURI)});";

#[derive(Serialize)]
struct Data<'a> {
    view: [i64; 2],
    unit: f64,
    measures: Vec<MeasureData<'a>>,
    initial: usize,
    no_data: String,
    areas: Vec<AreaJson<'a>>,
    pcns: Vec<[&'a str; 2]>,
    footprints: Option<OutlineLayer>,
    teams: Option<OutlineLayer>,
}

#[derive(Serialize)]
struct MeasureData<'a> {
    column: &'a str,
    label: &'a str,
    lower: Vec<u32>,
    colours: Vec<String>,
    labels: Vec<String>,
}

#[derive(Serialize)]
struct AreaJson<'a> {
    c: &'a str,
    n: &'a str,
    p: u64,
    k: &'a [u32],
    d: Option<f64>,
    /// PCN index and patients, alternately, largest first.
    s: Vec<u64>,
    g: &'a str,
}

#[derive(Serialize)]
struct OutlineLayer {
    /// The groups (footprint methods), in order of first appearance.
    groups: Vec<String>,
    /// Key (PCN code or team name), group index, SVG path, label position (teams only).
    items: Vec<(String, usize, String, [i64; 2])>,
}

/// Renders the report of a run as one HTML document.
#[must_use]
pub fn render_html(run: &RunData) -> String {
    let data = data(run);
    let mut json = serde_json::to_string(&data).unwrap_or_default();
    // Nothing in the data may end the script element it sits in.
    json = json.replace("</", "<\\/");
    let title = TITLE;
    let mut html = String::with_capacity(json.len() + 200_000);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n<script>{ERROR_HOOK}</script>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<header><h1>{t}</h1><p>{sub}</p></header>\n",
        t = esc(title),
        sub = esc(&format!("{}; the run in {}", subtitle(run), run.dir.display())),
    );
    map_section(&mut html, run, &data);
    summary_section(&mut html, run);
    histogram_section(&mut html, run);
    decile_section(&mut html, run);
    crate::context::context_section(&mut html, run);
    let _ = write!(
        html,
        "<footer><p>{}</p></footer>\n<pre id=\"selftest\" hidden></pre>\n<script type=\"application/json\" id=\"data\">{json}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        esc(ATTRIBUTION)
    );
    html
}

/// The title of the pictures.
pub(crate) const TITLE: &str = "How many PCNs serve each MSOA's residents";

/// The attribution the report and the PNG carry.
pub(crate) const ATTRIBUTION: &str = "Patients registered at GP practices: NHS Digital. Boundaries: Office for National Statistics. \
Contains public sector information licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right. Made with footprint.";

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Registrations and practice map extract dates, from `summary.json`.
pub(crate) fn subtitle(run: &RunData) -> String {
    let s = &run.summary;
    let mut parts = vec![format!("{} MSOAs", thousands(run.areas.len() as u64))];
    if let Some(d) = str_at(s, &["inputs", "registrations", "extract_date"]) {
        parts.push(format!("registrations of {d}"));
    }
    if let Some(d) = str_at(s, &["inputs", "practice_map", "extract_date"]) {
        parts.push(format!("practice map of {d}"));
    }
    parts.join(", ")
}

pub(crate) fn initial_measure(run: &RunData) -> usize {
    usize::from(run.measures.len() > 1)
}

/// The extent of the projected areas (west, south; east, north), a unit square when there is none.
fn corners(projected: &[MultiPolygon<f64>]) -> ((f64, f64), (f64, f64)) {
    extent(projected).map_or(((0.0, 0.0), (1.0, 1.0)), |r| ((r.min().x, r.min().y), (r.max().x, r.max().y)))
}

/// The SVG frame of the report's map of areas with these `corners`, simplified as `base`.
fn svg_frame(((min_x, _), (_, max_y)): ((f64, f64), (f64, f64)), base: &Simplified) -> SvgFrame {
    SvgFrame { min_x, max_y, unit: base.tolerance() / UNITS_PER_TOLERANCE }
}

/// The SVG path of each of the projected areas on the report's map, simplified as `base` (the display's
/// base simplification): what the report draws of the layer alone.
pub(crate) fn area_paths(projected: &[MultiPolygon<f64>], base: &Simplified) -> Vec<String> {
    let frame = svg_frame(corners(projected), base);
    base.polygons(projected).par_iter().map(|g| frame.path(g)).collect()
}

/// The tolerance outlines are simplified at over areas simplified as `base`: twice as much as the areas,
/// since they are drawn over them, thin.
pub(crate) fn outline_tolerance(base: &Simplified) -> f64 {
    2.0 * base.tolerance()
}

fn data(run: &RunData) -> Data<'_> {
    let display = run.display();
    let projected = &display.areas;
    let (min, max) = corners(projected);
    let frame = svg_frame((min, max), &display.base);
    let paths = display.area_paths();
    let view = [((max.0 - min.0) / frame.unit).ceil() as i64, ((max.1 - min.1) / frame.unit).ceil() as i64];
    let measures = run
        .measures
        .iter()
        .zip(classes::classes(run))
        .map(|(m, c)| MeasureData {
            column: &m.column,
            label: &m.label,
            colours: (0..c.lower.len()).map(|i| hex(c.colour(i))).collect(),
            labels: (0..c.lower.len()).map(|i| c.label(i)).collect(),
            lower: c.lower,
        })
        .collect();
    let areas = run
        .areas
        .iter()
        .zip(&run.shares)
        .zip(paths)
        .map(|((a, shares), g)| AreaJson {
            c: &a.code,
            n: &a.name,
            p: a.population,
            k: &a.counts,
            d: a.density,
            s: shares.iter().flat_map(|s| [u64::from(s.pcn), s.patients]).collect(),
            g,
        })
        .collect();
    let outline_simplified = std::sync::OnceLock::new();
    let outlines = |items: &[crate::run::Outline], labelled: bool| {
        let simplified =
            outline_simplified.get_or_init(|| display.simplified(outline_tolerance(&display.base), |_| true));
        let projected = display.outlines(run, simplified, &items.iter().map(|o| &o.geometry).collect::<Vec<_>>());
        let mut groups: Vec<String> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for o in items {
            if !index.contains_key(o.group.as_str()) {
                index.insert(&o.group, groups.len());
                groups.push(o.group.clone());
            }
        }
        let drawn: Vec<(String, [i64; 2])> = projected
            .par_iter()
            .map(|g| {
                let at = if labelled { label_point(&frame, g) } else { [0, 0] };
                (frame.path(g), at)
            })
            .collect();
        OutlineLayer {
            items: items
                .iter()
                .zip(drawn)
                .map(|(o, (path, at))| (o.key.clone(), index[o.group.as_str()], path, at))
                .collect(),
            groups,
        }
    };
    Data {
        view,
        unit: frame.unit,
        measures,
        initial: initial_measure(run),
        no_data: hex(classes::NO_DATA),
        areas,
        pcns: run.pcns.iter().map(|p| [p.code.as_str(), p.name.as_str()]).collect(),
        footprints: run.footprints.as_deref().map(|f| outlines(f, false)),
        teams: run.teams.as_deref().map(|t| outlines(t, true)),
    }
}

fn label_point(frame: &SvgFrame, g: &MultiPolygon<f64>) -> [i64; 2] {
    use geo::InteriorPoint;
    g.interior_point().map_or([0, 0], |p| {
        [((p.x() - frame.min_x) / frame.unit).round() as i64, ((frame.max_y - p.y()) / frame.unit).round() as i64]
    })
}

fn map_section(html: &mut String, run: &RunData, data: &Data<'_>) {
    let options: String = run
        .measures
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let selected = if i == data.initial { " selected" } else { "" };
            format!("<option value=\"{i}\"{selected}>PCNs per MSOA, {}</option>", esc(&m.label))
        })
        .collect();
    let footprint_control = run.footprints.as_ref().map_or(String::new(), |_| {
        let groups = data.footprints.as_ref().map_or(&[][..], |f| &f.groups[..]);
        let opts: String = groups
            .iter()
            .enumerate()
            .map(|(i, g)| format!("<option value=\"{i}\">{} method</option>", esc(g)))
            .collect();
        format!(
            "<label>PCN footprints <select id=\"fp-method\">{opts}</select></label>\
<label><input type=\"checkbox\" id=\"fp-all\"> all</label>"
        )
    });
    let team_control = run.teams.as_ref().map_or(String::new(), |t| {
        format!("<label><input type=\"checkbox\" id=\"teams-on\" checked> team alignment ({} teams)</label>", t.len())
    });
    let [w, h] = data.view;
    let _ = write!(
        html,
        "<section id=\"map-section\">\n<div class=\"toolbar\">\
<select id=\"measure\" aria-label=\"count shown\">{options}</select>\
<span class=\"search\"><input id=\"search\" type=\"search\" placeholder=\"Find an MSOA or a PCN (code or name)\" autocomplete=\"off\" aria-label=\"search\"><span id=\"results\"></span></span>\
<button id=\"zoom-in\" title=\"zoom in\">+</button><button id=\"zoom-out\" title=\"zoom out\">−</button><button id=\"zoom-reset\" title=\"whole map\">⤢</button>\
{footprint_control}{team_control}</div>\n\
<div class=\"map-row\"><div class=\"map-wrap\"><svg id=\"map\" viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"map of PCNs per MSOA\">\
<g id=\"areas\"></g><g id=\"fp\"></g><g id=\"teams\"></g><g id=\"hl\"></g></svg><div id=\"legend\"></div></div>\
<aside id=\"panel\"><p class=\"hint\">Point at an MSOA to see the PCNs whose patients live there. Scroll or use + and − to zoom; drag to pan.</p></aside></div>\n</section>\n"
    );
}

fn num(v: Option<&Value>, decimals: usize) -> String {
    match v {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(i) => thousands(i),
            None => n.as_f64().map_or_else(String::new, |f| format!("{f:.decimals$}")),
        },
        _ => String::new(),
    }
}

fn summary_section(html: &mut String, run: &RunData) {
    let s = &run.summary;
    html.push_str("<section id=\"summary\"><h2>National summary</h2>\n<table class=\"stats\"><thead><tr><th>PCNs per MSOA</th><th>areas</th><th>mean</th><th>SD</th><th>median</th><th>p10</th><th>p90</th><th>min</th><th>max</th></tr></thead><tbody>");
    for m in &run.measures {
        let d = s.get("statistics").and_then(|st| st.get("counts")).and_then(|c| c.get(&m.column));
        let f = |k: &str, dec| num(d.and_then(|d| d.get(k)), dec);
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.label),
            f("n", 0),
            f("mean", 2),
            f("sd", 2),
            f("median", 0),
            f("p10", 0),
            f("p90", 0),
            f("min", 0),
            f("max", 0)
        );
    }
    html.push_str("</tbody></table>\n<h3>Where every patient went</h3>\n<table class=\"accounting\"><tbody>");
    let a = s.get("accounting");
    let g = |k: &str| a.and_then(|a| a.get(k));
    let rows: [(&str, Option<&Value>); 7] = [
        ("rows read", g("rows_read")),
        ("patients read", g("patients_read")),
        ("assigned to an MSOA", g("patients_assigned")),
        ("with an unknown LSOA code", g("patients_unknown_lsoa")),
        ("resident outside the area layer", g("patients_outside_layer")),
        ("assigned, at practices in no PCN (code U)", a.and_then(|a| a.pointer("/patients_no_pcn/practice_pcn_u"))),
        (
            "assigned, at practices not in the practice map",
            a.and_then(|a| a.pointer("/patients_no_pcn/practice_not_in_map")),
        ),
    ];
    for (label, v) in rows {
        let _ = write!(html, "<tr><th>{label}</th><td>{}</td></tr>", num(v, 0));
    }
    let balanced = g("balanced").and_then(Value::as_bool);
    let _ = write!(
        html,
        "</tbody></table>\n<p>{}</p>",
        match balanced {
            Some(true) => "Patients read = assigned + unknown LSOA + outside the layer: the accounting balances.",
            Some(false) => "The accounting DOES NOT BALANCE: see summary.json.",
            None => "",
        }
    );
    if let Some(kinds) = a.and_then(|a| a.get("unplaced_by_kind")).and_then(Value::as_array).filter(|k| !k.is_empty()) {
        html.push_str("<table class=\"accounting\"><thead><tr><th>codes not placed</th><th>reason</th><th>codes</th><th>patients</th></tr></thead><tbody>");
        for k in kinds {
            let _ = write!(
                html,
                "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(k.get("kind").and_then(Value::as_str).unwrap_or("")),
                esc(&k.get("reason").and_then(Value::as_str).unwrap_or("").replace('_', " ")),
                num(k.get("codes"), 0),
                num(k.get("patients"), 0)
            );
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("</section>\n");
}

fn histogram_section(html: &mut String, run: &RunData) {
    html.push_str("<section id=\"histograms\"><h2>How many PCNs serve an MSOA</h2><div class=\"charts\">\n");
    for (m, (measure, c)) in run.measures.iter().zip(classes::classes(run)).enumerate() {
        let h = classes::histogram(run, m);
        let _ = writeln!(
            html,
            "<figure><figcaption>PCNs per MSOA, {}</figcaption>{}</figure>",
            esc(&measure.label),
            histogram_svg(&h, &c)
        );
    }
    html.push_str("</div></section>\n");
}

/// A bar per value (areas with that many PCNs), coloured as on the map, with axis labels.
fn histogram_svg(h: &[u64], c: &Classes) -> String {
    let (w, ht, left, bottom, top) = (560.0, 220.0, 48.0, 28.0, 8.0);
    let n = h.len().max(1) as f64;
    let peak = h.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bar = (w - left - 8.0) / n;
    let mut svg = format!("<svg viewBox=\"0 0 {w} {ht}\" class=\"hist\" role=\"img\">");
    for (v, &count) in h.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let bh = (ht - bottom - top) * count as f64 / peak;
        let colour = hex(c.colour_of(u32::try_from(v).unwrap_or(u32::MAX)));
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{bh:.1}\" fill=\"{colour}\"><title>{v} PCNs: {} MSOAs</title></rect>",
            left + bar * v as f64,
            ht - bottom - bh,
            (bar * 0.9).max(0.5),
            thousands(count)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" class=\"axis\"/><text x=\"{left}\" y=\"{ty}\">0</text><text x=\"{x2}\" y=\"{ty}\" text-anchor=\"end\">{last}</text>\
<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\">PCNs</text><text x=\"{lx}\" y=\"{py}\" text-anchor=\"end\">{peak}</text><text x=\"{lx}\" y=\"{y}\" text-anchor=\"end\">0</text></svg>",
        y = ht - bottom,
        x2 = left + bar * n,
        ty = ht - 8.0,
        last = h.len().saturating_sub(1),
        tx = left + (w - left) / 2.0,
        lx = left - 4.0,
        py = top + 10.0,
        peak = thousands(peak as u64),
    );
    svg
}

fn decile_section(html: &mut String, run: &RunData) {
    let deciles = classes::density_deciles(run);
    if deciles.is_empty() {
        return;
    }
    html.push_str("<section id=\"deciles\"><h2>By population density</h2>\n<p>MSOAs with residents in ten equal groups by registered residents per km² (1 = sparsest); the mean number of PCNs serving them.</p>\n<table class=\"stats\"><thead><tr><th>decile</th><th>MSOAs</th><th>residents per km²</th><th>residents</th>");
    for m in &run.measures {
        let _ = write!(html, "<th>mean PCNs, {}</th>", esc(&m.label));
    }
    html.push_str("</tr></thead><tbody>");
    for d in &deciles {
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td><td>{:.0}–{:.0}</td><td>{}</td>",
            d.decile,
            d.areas,
            d.density.0,
            d.density.1,
            thousands(d.population)
        );
        for m in &d.mean {
            let _ = write!(html, "<td>{m:.2}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></section>\n");
}

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Formats an integer with thousands separators (one definition, in the writers).
pub use footprint_overlap::write::thousands;
