//! The report of a series: a table and a line chart of each publication's figures, and a map of the
//! change in each MSOA from the first publication to the last, as one self-contained HTML file.

use std::fmt::Write;

use footprint_ingest::{AreaLayer, Crs};
use footprint_overlap::Threshold;
use footprint_overlap::write::PublicationFigures;

use crate::geometry::{Projection, SvgFrame, extent, simplify_coverage};

/// The colours of a change in a PCN count: fewer (blue), the same (grey), more (red).
const CHANGE_CLASSES: [(&str, &str); 5] = [
    ("#2166ac", "2 or more fewer"),
    ("#92c5de", "1 fewer"),
    ("#e0e0e0", "the same"),
    ("#f4a582", "1 more"),
    ("#b2182b", "2 or more more"),
];

fn change_class(change: i64) -> usize {
    usize::try_from(change.clamp(-2, 2) + 2).unwrap_or(2)
}

/// The series report: the publications' table, a line chart of the mean count at each threshold and of
/// every PCN, and the change map at the first threshold.
///
/// ```
/// let html = footprint_report::render_series_html(&footprint_ingest::AreaLayer::default(), &[], &[]);
/// assert!(html.contains("<h1>"));
/// ```
#[must_use]
pub fn render_series_html(layer: &AreaLayer, publications: &[PublicationFigures], thresholds: &[Threshold]) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>footprint series</title><style>body{font:14px sans-serif;margin:2em;max-width:1100px}\
         table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}\
         td:first-child,th:first-child{text-align:left}</style></head><body>\n<h1>How PCN overlap changed across the series</h1>\n",
    );
    table(&mut s, publications, thresholds);
    line_chart(&mut s, publications, thresholds);
    if let (Some(first), Some(last), Some(t)) = (publications.first(), publications.last(), thresholds.first()) {
        change_map(&mut s, layer, first, last, t);
    }
    s.push_str("</body></html>\n");
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn table(s: &mut String, publications: &[PublicationFigures], thresholds: &[Threshold]) {
    s.push_str("<h2>Publications</h2>\n<table><tr><th>label</th><th>registrations</th><th>map</th><th>patients assigned</th><th>PCNs per MSOA</th>");
    for t in thresholds {
        let _ = write!(s, "<th>share ≥ {}</th>", escape(&t.to_string()));
    }
    s.push_str("<th>hhi mean</th></tr>\n");
    for p in publications {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(&p.label),
            escape(p.extract_date.as_deref().unwrap_or("")),
            escape(p.map_date.as_deref().unwrap_or("")),
            crate::thousands(p.accounting.patients_assigned)
        );
        for (_, d) in &p.distributions {
            let _ = write!(s, "<td>{:.2} ({:.2})</td>", d.mean, d.sd);
        }
        let _ = writeln!(s, "<td>{}</td></tr>", p.hhi_mean.map_or(String::new(), |h| format!("{h:.3}")));
    }
    s.push_str("</table>\n");
}

/// Each count's mean over the publications, one line each, on one axis from 0.
fn line_chart(s: &mut String, publications: &[PublicationFigures], thresholds: &[Threshold]) {
    let (w, h, pad) = (900.0, 300.0, 50.0);
    let series: Vec<(String, Vec<f64>)> = (0..=thresholds.len())
        .map(|i| {
            let name = if i == 0 { "every PCN".to_owned() } else { format!("share ≥ {}", thresholds[i - 1]) };
            (name, publications.iter().map(|p| p.distributions.get(i).map_or(f64::NAN, |d| d.1.mean)).collect())
        })
        .collect();
    let top = series.iter().flat_map(|(_, v)| v.iter().copied()).filter(|v| v.is_finite()).fold(1.0, f64::max) * 1.1;
    let n = publications.len().max(2) - 1;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / n as f64;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * v / top;
    let _ = write!(s, "<h2>Mean PCNs per MSOA</h2>\n<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">");
    let _ = write!(s, "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>", y(0.0), w - pad, y(0.0));
    for (i, p) in publications.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x(i),
            h - pad / 2.0,
            escape(&p.label)
        );
    }
    let colours = ["#444", "#b2182b", "#2166ac", "#1b7837", "#762a83"];
    for (k, (name, values)) in series.iter().enumerate() {
        let colour = colours[k % colours.len()];
        let points: Vec<String> = values.iter().enumerate().map(|(i, &v)| format!("{:.1},{:.1}", x(i), y(v))).collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
        for (i, &v) in values.iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{colour}\">{v:.2}</text>",
                x(i) + 4.0,
                y(v) - 4.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{pad}\" y=\"{}\" font-size=\"12\" fill=\"{colour}\">{}</text>",
            14 + 14 * k,
            escape(name)
        );
    }
    s.push_str("</svg>\n");
}

/// The MSOAs coloured by the change of their count at `threshold` from `first` to `last`.
fn change_map(
    s: &mut String,
    layer: &AreaLayer,
    first: &PublicationFigures,
    last: &PublicationFigures,
    threshold: &Threshold,
) {
    let projected = match layer.crs {
        Crs::Wgs84 => {
            let wgs84: Vec<&geo::MultiPolygon<f64>> = layer.areas.iter().map(|a| &a.geometry).collect();
            Projection::over(&wgs84).all(&wgs84)
        }
        Crs::BritishNationalGrid => layer.areas.iter().map(|a| a.geometry.clone()).collect(),
    };
    let Some(bounds) = extent(&projected) else { return };
    let width = 700.0;
    let unit = (bounds.width() / width).max(1.0);
    let shapes = simplify_coverage(&projected, unit * 1.5);
    let frame = SvgFrame { min_x: bounds.min().x, max_y: bounds.max().y, unit };
    let height = (bounds.height() / unit).ceil();
    let _ = write!(
        s,
        "<h2>Change in PCNs with a share ≥ {}, {} to {}</h2>\n<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">",
        escape(&threshold.to_string()),
        escape(&first.label),
        escape(&last.label)
    );
    let mut by_class: Vec<String> = vec![String::new(); CHANGE_CLASSES.len()];
    for ((a, b), shape) in first.areas.iter().zip(&last.areas).zip(&shapes) {
        let (Some(&x), Some(&y)) = (a.at_or_above.first(), b.at_or_above.first()) else { continue };
        by_class[change_class(i64::from(y) - i64::from(x))].push_str(&frame.path(shape));
    }
    for ((colour, _), d) in CHANGE_CLASSES.iter().zip(&by_class) {
        let _ = write!(s, "<path fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"0.3\" d=\"{d}\"/>");
    }
    s.push_str("</svg>\n<p>");
    for (colour, label) in CHANGE_CLASSES {
        let _ = write!(s, "<span style=\"background:{colour};padding:0 1em\"></span> {label} &nbsp; ");
    }
    s.push_str("</p>\n");
}
