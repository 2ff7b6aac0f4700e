//! The report's context section: mean PCNs per MSOA by IMD decile and by Rural-Urban class (bar charts),
//! the count against population density (a binned scatter), and the PCN list sizes with the recommended
//! 30,000–50,000 band marked (histogram), beside the 2020 reference analysis' PCN figures.

use std::fmt::Write;

use serde_json::Value;

use crate::html::{esc, initial_measure};
use crate::run::{ContextClass, RunData};
use footprint_overlap::write::thousands;

/// The reference analysis' PCN figures (PCN interim report, 2020, chapter 6; January 2020 data).
const REFERENCE: [(&str, &str); 8] = [
    ("PCNs with 30,000–50,000 patients", "58%"),
    ("below 30,000", "7%"),
    ("above 50,000", "35%"),
    ("mean list size", "48,000"),
    ("median list size", "44,000"),
    ("P10 – P90", "31,100 – 69,200"),
    ("practices per PCN: mean (median)", "5.4 (5)"),
    ("single-practice PCNs; more than ten practices", "34; 77"),
];

const BAR_COLOUR: &str = "#3b6ea8";
const BAND_COLOUR: &str = "#f2d492";

/// Writes the section, when the run has context tables.
pub(crate) fn context_section(html: &mut String, run: &RunData) {
    if run.context.is_empty() && run.pcn_sizes.is_empty() {
        return;
    }
    let m = initial_measure(run);
    let label = run.measures.get(m).map_or("", |x| x.label.as_str());
    let _ = write!(
        html,
        "<section id=\"context\"><h2>Why overlap differs between places</h2>\n<p>Mean PCNs per MSOA ({}) by deprivation \
(IMD decile of the MSOAs, 1 = most deprived) and by Rural-Urban Classification; the count against population \
density; and the PCNs' registered lists against the recommended 30,000–50,000 (docs/context.md).</p><div class=\"charts\">\n",
        esc(label)
    );
    for (context, caption) in [
        ("imd_decile", "IMD decile (1 = most deprived)"),
        ("ruc", "Rural-Urban Classification"),
        ("urban_rural", "urban or rural"),
    ] {
        let rows: Vec<&ContextClass> = run.context.iter().filter(|c| c.context == context).collect();
        if !rows.is_empty() {
            let _ = writeln!(
                html,
                "<figure><figcaption>Mean PCNs per MSOA by {caption}</figcaption>{}</figure>",
                bars_svg(context, &rows, m)
            );
        }
    }
    let association = spearman_text(run, m);
    let _ = writeln!(
        html,
        "<figure><figcaption>PCNs per MSOA against residents per km² (log scale; darker: more MSOAs){association}</figcaption>{}</figure>",
        density_svg(run, m)
    );
    if !run.pcn_sizes.is_empty() {
        let _ = writeln!(
            html,
            "<figure><figcaption>PCNs by registered patients (bands of 5,000; the recommended 30,000–50,000 shaded)</figcaption>{}</figure>",
            sizes_svg(&run.pcn_sizes)
        );
    }
    html.push_str("</div>\n");
    pcn_table(html, run);
    html.push_str("</section>\n");
}

/// A bar per class: the mean of measure `m`.
fn bars_svg(context: &str, rows: &[&ContextClass], m: usize) -> String {
    let (w, ht, left, bottom, top) = (560.0, 220.0, 40.0, 40.0, 12.0);
    let peak = rows.iter().map(|r| r.means.get(m).copied().unwrap_or(0.0)).fold(0.0, f64::max).max(1e-9);
    let bar = (w - left - 8.0) / rows.len() as f64;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {ht}\" class=\"hist context-chart\" data-chart=\"{}\" role=\"img\">",
        esc(context)
    );
    for (i, r) in rows.iter().enumerate() {
        let v = r.means.get(m).copied().unwrap_or(0.0);
        let bh = (ht - bottom - top) * v / peak;
        let x = left + bar * i as f64;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{BAR_COLOUR}\"><title>{}: {v:.2} PCNs ({} MSOAs, {} residents)</title></rect>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.1}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            ht - bottom - bh,
            (bar * 0.8).max(0.5),
            esc(&r.class),
            thousands(r.msoas),
            thousands(r.residents),
            x + bar * 0.4,
            ht - bottom - bh - 2.0,
            x + bar * 0.4,
            ht - bottom + 14.0,
            esc(&short(&r.class)),
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" class=\"axis\"/></svg>",
        y = ht - bottom,
        x2 = w - 8.0
    );
    svg
}

/// A class label short enough for its bar.
fn short(class: &str) -> String {
    if class.chars().count() <= 10 { class.to_owned() } else { class.chars().take(9).collect::<String>() + "…" }
}

/// MSOAs binned by log₁₀ density (48 bins) and by the count: a cell per (bin, count), shaded by its MSOAs.
fn density_svg(run: &RunData, m: usize) -> String {
    let points: Vec<(f64, u32)> = run
        .areas
        .iter()
        .filter(|a| a.population > 0)
        .filter_map(|a| a.density.filter(|d| *d > 0.0).map(|d| (d.log10(), a.counts.get(m).copied().unwrap_or(0))))
        .collect();
    let (w, ht, left, bottom, top) = (560.0, 260.0, 40.0, 28.0, 8.0);
    let mut svg =
        format!("<svg viewBox=\"0 0 {w} {ht}\" class=\"hist context-chart\" data-chart=\"density\" role=\"img\">");
    let (lo, hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| (l.min(p.0), h.max(p.0)));
    let max_count = points.iter().map(|p| p.1).max().unwrap_or(0);
    if points.is_empty() {
        return svg + "</svg>";
    }
    let (lo, hi) = (lo.floor(), hi.ceil().max(lo.floor() + 1.0));
    const BINS: usize = 48;
    let rows = max_count as usize + 1;
    let mut cells = vec![0u32; BINS * rows];
    for &(x, c) in &points {
        let b = (((x - lo) / (hi - lo)) * BINS as f64).floor().clamp(0.0, (BINS - 1) as f64) as usize;
        cells[b * rows + c as usize] += 1;
    }
    let busiest = f64::from(cells.iter().copied().max().unwrap_or(1).max(1));
    let (cw, ch) = ((w - left - 8.0) / BINS as f64, (ht - bottom - top) / rows as f64);
    for (i, &n) in cells.iter().enumerate().filter(|(_, n)| **n > 0) {
        let (b, c) = (i / rows, i % rows);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{BAR_COLOUR}\" fill-opacity=\"{:.3}\"><title>{c} PCNs, {:.0}–{:.0} per km²: {n} MSOAs</title></rect>",
            left + cw * b as f64,
            ht - bottom - ch * (c + 1) as f64,
            cw,
            ch,
            0.15 + 0.85 * (f64::from(n) / busiest).sqrt(),
            10f64.powf(lo + (hi - lo) * b as f64 / BINS as f64),
            10f64.powf(lo + (hi - lo) * (b + 1) as f64 / BINS as f64),
        );
    }
    let mut x_labels = String::new();
    for e in (lo as i32)..=(hi as i32) {
        let x = left + (w - left - 8.0) * (f64::from(e) - lo) / (hi - lo);
        let anchor = if f64::from(e) >= hi { "end" } else { "middle" };
        let _ = write!(
            x_labels,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            ht - 8.0,
            thousands(10u64.pow(e.max(0) as u32))
        );
    }
    close(&mut svg, &x_labels, (w, ht, left, bottom, top), &max_count.to_string());
    svg
}

/// List sizes in bands of 5,000, the recommended band shaded behind the bars.
fn sizes_svg(sizes: &[u64]) -> String {
    const STEP: u64 = 5_000;
    let bins = (sizes.iter().copied().max().unwrap_or(0) / STEP + 1) as usize;
    let mut counts = vec![0u64; bins];
    for &s in sizes {
        counts[(s / STEP) as usize] += 1;
    }
    let (w, ht, left, bottom, top) = (560.0, 220.0, 40.0, 28.0, 8.0);
    let peak = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bar = (w - left - 8.0) / bins as f64;
    let x_of = |patients: u64| left + bar * patients as f64 / STEP as f64;
    let (b0, b1) = footprint_overlap::BAND;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {ht}\" class=\"hist context-chart\" data-chart=\"pcn_sizes\" role=\"img\">\
<rect class=\"band\" x=\"{:.1}\" y=\"{top}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{BAND_COLOUR}\"><title>30,000–50,000 patients</title></rect>",
        x_of(b0),
        x_of(b1) - x_of(b0),
        ht - bottom - top
    );
    for (i, &n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        let bh = (ht - bottom - top) * n as f64 / peak;
        let from = i as u64 * STEP;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{bh:.1}\" fill=\"{BAR_COLOUR}\"><title>{}–{}: {n} PCNs</title></rect>",
            x_of(from),
            ht - bottom - bh,
            (bar * 0.9).max(0.5),
            thousands(from),
            thousands(from + STEP - 1),
        );
    }
    let mut labels = String::new();
    for k in (0..=bins as u64 * STEP).step_by(50_000) {
        let _ = write!(
            labels,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}k</text>",
            x_of(k),
            ht - 8.0,
            k / 1000
        );
    }
    close(&mut svg, &labels, (w, ht, left, bottom, top), &thousands(peak as u64));
    svg
}

/// Ends a chart of frame `(width, height, left, bottom, top)`: the x labels, the axis, the y axis' top
/// (`peak`) and 0.
fn close(svg: &mut String, labels: &str, (w, ht, left, bottom, top): (f64, f64, f64, f64, f64), peak: &str) {
    let _ = write!(
        svg,
        "{labels}<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" class=\"axis\"/><text x=\"{lx}\" y=\"{py}\" text-anchor=\"end\">{peak}</text><text x=\"{lx}\" y=\"{y}\" text-anchor=\"end\">0</text></svg>",
        y = ht - bottom,
        x2 = w - 8.0,
        lx = left - 4.0,
        py = top + 10.0,
    );
}

/// `; Spearman's rho … (95% …)` of the measure with density and with deprivation, from `summary.json`.
fn spearman_text(run: &RunData, m: usize) -> String {
    let Some(column) = run.measures.get(m).map(|x| x.column.as_str()) else { return String::new() };
    let Some(list) = run.summary.pointer("/context/association").and_then(Value::as_array) else {
        return String::new();
    };
    let parts: Vec<String> = list
        .iter()
        .filter(|a| a.get("count").and_then(Value::as_str) == Some(column))
        .filter_map(|a| {
            let with = a.get("with")?.as_str()?;
            let rho = a.get("rho")?.as_f64()?;
            let ci = a.get("ci95")?.as_array()?;
            Some(format!(
                "with {}: {rho:.3} ({:.3} to {:.3})",
                with.replace('_', " "),
                ci.first()?.as_f64()?,
                ci.get(1)?.as_f64()?
            ))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        esc(&format!("; Spearman's rho {} (95% bootstrap intervals)", parts.join(", ")))
    }
}

/// The PCN figures of this run beside the reference analysis' (January 2020).
fn pcn_table(html: &mut String, run: &RunData) {
    let Some(p) = run.summary.get("pcns") else { return };
    let f = |path: &str| p.pointer(path).and_then(Value::as_f64);
    let pct = |path: &str| f(path).map_or(String::new(), |v| format!("{:.0}%", v * 100.0));
    let n = |path: &str| f(path).map_or(String::new(), |v| thousands(v.round() as u64));
    let ours = [
        pct("/bands/1/share"),
        pct("/bands/0/share"),
        pct("/bands/2/share"),
        n("/list_size/mean"),
        n("/list_size/median"),
        format!("{} – {}", n("/list_size/p10"), n("/list_size/p90")),
        format!("{:.1} ({})", f("/practices/mean").unwrap_or(f64::NAN), n("/practices/median")),
        format!("{}; {}", n("/practices/single_practice"), n("/practices/more_than_ten")),
    ];
    let _ = write!(
        html,
        "<table class=\"stats\"><thead><tr><th>PCNs ({} with patients)</th><th>this run</th><th>reference analysis, January 2020</th></tr></thead><tbody>",
        n("/pcns")
    );
    for ((label, reference), ours) in REFERENCE.iter().zip(ours) {
        let _ = write!(html, "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", esc(label), esc(&ours), esc(reference));
    }
    html.push_str("</tbody></table>\n");
}
