//! The layers' styles, so that they open drawn as the report draws them: QGIS's QML and OGC's SLD, written
//! beside the layers and held in the GeoPackage's `layer_styles` table as each layer's default.
//!
//! - `msoa_overlap`: filled by the count of PCNs at the first threshold (`pcns_ge_1pct`, or `pcns_all`
//!   when the run has no threshold), in the report's colour classes; MSOAs with no residents grey.
//! - `pcn_footprints`: outlines, one colour per method.
//! - `team_alignment`: filled by `home_pcn_share`, from red (poorly aligned) to green.
//!
//! A style is a list of rules, each a filter over the layer's columns and a symbol; both formats are
//! rendered from the same rules.

use std::fmt::Write;

use footprint_overlap::Threshold;
use footprint_overlap::classes::{Classes, NO_DATA, hex};
use footprint_overlap::write::schema::{PCNS_ALL, POPULATION, layers};
use footprint_overlap::write::{Layer, Value};

/// What a rule selects: a conjunction of comparisons of a column with a literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// The column equals a number.
    Equals(String, f64),
    /// The column equals a text.
    Is(String, String),
    /// The column is at least a number.
    AtLeast(String, f64),
    /// The column is below a number.
    Below(String, f64),
    /// Every filter holds.
    All(Vec<Filter>),
}

/// How a rule draws: a fill with a thin white outline, or an outline alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// Filled in this colour.
    Fill([u8; 3]),
    /// Not filled, outlined in this colour.
    Outline([u8; 3]),
}

/// One class of a style.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The legend label.
    pub label: String,
    /// Which features it draws.
    pub filter: Filter,
    /// How.
    pub symbol: Symbol,
}

/// The style of one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    /// The layer (table) it styles.
    pub layer: String,
    /// A sentence saying what it shows.
    pub description: String,
    /// Its rules, drawn in order.
    pub rules: Vec<Rule>,
}

/// The colours of the footprint methods, in the order of their names in [`METHODS`].
const METHOD_COLOURS: [[u8; 3]; 3] = [[227, 26, 28], [31, 120, 180], [51, 160, 44]];
/// The footprint methods as `pcn_footprints` names them.
const METHODS: [&str; 3] = ["threshold", "core", "plurality"];
/// `home_pcn_share` classes: their lower bounds and colours (ColorBrewer RdYlGn, 5 classes).
const ALIGNMENT_CLASSES: [(f64, [u8; 3]); 5] =
    [(0.0, [215, 25, 28]), (0.5, [253, 174, 97]), (0.7, [255, 255, 191]), (0.8, [166, 217, 106]), (0.9, [26, 150, 65])];

/// The style of `layer`, for the layers that have one.
///
/// ```
/// use footprint_overlap::write::{Layer, Records, Value};
/// let records = Records::typed(
///     &["msoa_code".into(), "population".into(), "pcns_all".into(), "pcns_ge_1pct".into()],
///     vec![
///         vec![Value::Text("E02000001".into()), Value::Int(100), Value::Int(9), Value::Int(3)],
///         vec![Value::Text("E02000002".into()), Value::Int(0), Value::Int(0), Value::Int(0)],
///     ],
/// );
/// let layer = Layer { name: "msoa_overlap", records: &records, geometry: None, crs: footprint_ingest::Crs::Wgs84 };
/// let style = footprint_gis::style::style(&layer).unwrap();
/// assert_eq!(style.rules.len(), 2);
/// assert_eq!(style.rules[0].label, "no residents");
/// assert_eq!(style.rules[1].label, "3");
/// ```
#[must_use]
pub fn style(layer: &Layer) -> Option<Style> {
    match layer.name {
        layers::MSOA_OVERLAP => overlap_style(layer),
        layers::PCN_FOOTPRINTS => Some(footprint_style(layer.name)),
        layers::TEAM_ALIGNMENT => Some(alignment_style(layer.name)),
        _ => None,
    }
}

/// Where column `name` is in `layer`.
fn column(layer: &Layer, name: &str) -> Option<usize> {
    layer.records.columns.iter().position(|c| c.name == name)
}

fn overlap_style(layer: &Layer) -> Option<Style> {
    let count = layer
        .records
        .columns
        .iter()
        .find(|c| c.name.starts_with(Threshold::COLUMN_PREFIX))
        .map_or(PCNS_ALL, |c| c.name.as_str())
        .to_owned();
    let (p, c) = (column(layer, POPULATION)?, column(layer, &count)?);
    let int = |v: &Value| match v {
        Value::Int(n) => Some(*n),
        _ => None,
    };
    let values: Vec<u32> = layer
        .records
        .rows
        .iter()
        .filter(|row| int(&row[p]).is_some_and(|n| n > 0))
        .filter_map(|row| int(&row[c]).and_then(|n| u32::try_from(n).ok()))
        .collect();
    let classes = Classes::of(&values);
    let mut rules = vec![Rule {
        label: "no residents".to_owned(),
        filter: Filter::Equals(POPULATION.to_owned(), 0.0),
        symbol: Symbol::Fill(NO_DATA),
    }];
    for (i, &lower) in classes.lower.iter().enumerate().filter(|_| !values.is_empty()) {
        let mut all =
            vec![Filter::AtLeast(POPULATION.to_owned(), 1.0), Filter::AtLeast(count.clone(), f64::from(lower))];
        if let Some(&next) = classes.lower.get(i + 1) {
            all.push(Filter::Below(count.clone(), f64::from(next)));
        }
        rules.push(Rule { label: classes.label(i), filter: Filter::All(all), symbol: Symbol::Fill(classes.colour(i)) });
    }
    Some(Style {
        layer: layer.name.to_owned(),
        description: format!("MSOAs by {count}, the PCNs with at least that share of their registered residents"),
        rules,
    })
}

fn footprint_style(name: &str) -> Style {
    let rules = METHODS
        .iter()
        .zip(METHOD_COLOURS)
        .map(|(method, colour)| Rule {
            label: format!("{method} footprints"),
            filter: Filter::Is("method".to_owned(), (*method).to_owned()),
            symbol: Symbol::Outline(colour),
        })
        .collect();
    Style { layer: name.to_owned(), description: "PCN footprints, outlined by method".to_owned(), rules }
}

fn alignment_style(name: &str) -> Style {
    let field = "home_pcn_share";
    let rules = ALIGNMENT_CLASSES
        .iter()
        .enumerate()
        .map(|(i, &(lower, colour))| {
            let next = ALIGNMENT_CLASSES.get(i + 1).map(|c| c.0);
            let mut all = vec![Filter::AtLeast(field.to_owned(), lower)];
            all.extend(next.map(|n| Filter::Below(field.to_owned(), n)));
            let label = match next {
                Some(n) => format!("{:.0}–{:.0}% of residents with a home PCN", lower * 100.0, n * 100.0),
                None => format!("{:.0}% or more of residents with a home PCN", lower * 100.0),
            };
            Rule { label, filter: Filter::All(all), symbol: Symbol::Fill(colour) }
        })
        .collect();
    Style { layer: name.to_owned(), description: "Teams by the share of residents with a home PCN".to_owned(), rules }
}

/// Text escaped for an XML attribute or element.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// A number as QGIS and SLD read it: whole numbers without a point.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{x:.0}") } else { format!("{x}") }
}

impl Filter {
    /// The filter as a QGIS expression.
    #[must_use]
    pub fn expression(&self) -> String {
        let field = |f: &str| format!("\"{}\"", f.replace('"', "\"\""));
        match self {
            Filter::Equals(f, x) => format!("{} = {}", field(f), number(*x)),
            Filter::Is(f, t) => format!("{} = '{}'", field(f), t.replace('\'', "''")),
            Filter::AtLeast(f, x) => format!("{} >= {}", field(f), number(*x)),
            Filter::Below(f, x) => format!("{} < {}", field(f), number(*x)),
            Filter::All(all) => all.iter().map(Filter::expression).collect::<Vec<_>>().join(" AND "),
        }
    }

    /// The filter as an OGC Filter Encoding element.
    fn ogc(&self) -> String {
        let compare = |op: &str, f: &str, literal: &str| {
            format!(
                "<ogc:{op}><ogc:PropertyName>{}</ogc:PropertyName><ogc:Literal>{}</ogc:Literal></ogc:{op}>",
                xml(f),
                xml(literal)
            )
        };
        match self {
            Filter::Equals(f, x) => compare("PropertyIsEqualTo", f, &number(*x)),
            Filter::Is(f, t) => compare("PropertyIsEqualTo", f, t),
            Filter::AtLeast(f, x) => compare("PropertyIsGreaterThanOrEqualTo", f, &number(*x)),
            Filter::Below(f, x) => compare("PropertyIsLessThan", f, &number(*x)),
            Filter::All(all) => format!("<ogc:And>{}</ogc:And>", all.iter().map(Filter::ogc).collect::<String>()),
        }
    }
}

impl Style {
    /// The style as a QGIS layer definition (`.qml`): a rule-based renderer.
    #[must_use]
    pub fn qml(&self) -> String {
        let mut s = String::from(
            "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" styleCategories=\"Symbology\">\n \
             <renderer-v2 type=\"RuleRenderer\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\">\n  <rules key=\"root\">\n",
        );
        for (i, rule) in self.rules.iter().enumerate() {
            let _ = writeln!(
                s,
                "   <rule key=\"rule{i}\" symbol=\"{i}\" label=\"{}\" filter=\"{}\"/>",
                xml(&rule.label),
                xml(&rule.filter.expression())
            );
        }
        s.push_str("  </rules>\n  <symbols>\n");
        for (i, rule) in self.rules.iter().enumerate() {
            // A fill has no outline, so that small areas keep their colour at any scale (as in the report).
            let rgba = |[r, g, b]: [u8; 3]| format!("{r},{g},{b},255");
            let (fill, fill_style, outline_style, width) = match rule.symbol {
                Symbol::Fill(c) => (rgba(c), "solid", "no", "0"),
                Symbol::Outline(c) => (rgba(c), "no", "solid", "0.4"),
            };
            let outline = fill.clone();
            let _ = write!(
                s,
                "   <symbol type=\"fill\" name=\"{i}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n    \
                 <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n     \
                 <prop k=\"color\" v=\"{fill}\"/>\n     <prop k=\"style\" v=\"{fill_style}\"/>\n     \
                 <prop k=\"outline_color\" v=\"{outline}\"/>\n     <prop k=\"outline_style\" v=\"{outline_style}\"/>\n     \
                 <prop k=\"outline_width\" v=\"{width}\"/>\n     <prop k=\"outline_width_unit\" v=\"MM\"/>\n     \
                 <prop k=\"joinstyle\" v=\"bevel\"/>\n    </layer>\n   </symbol>\n"
            );
        }
        s.push_str("  </symbols>\n </renderer-v2>\n</qgis>\n");
        s
    }

    /// The style as an OGC Styled Layer Descriptor 1.1 (`.sld`), as ArcGIS Pro, GeoServer and QGIS read it.
    #[must_use]
    pub fn sld(&self) -> String {
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StyledLayerDescriptor version=\"1.1.0\" \
             xmlns=\"http://www.opengis.net/sld\" xmlns:se=\"http://www.opengis.net/se\" \
             xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n \
             <NamedLayer>\n  <se:Name>{0}</se:Name>\n  <UserStyle>\n   <se:Name>{0}</se:Name>\n   \
             <se:Description><se:Title>{1}</se:Title></se:Description>\n   <se:FeatureTypeStyle>\n",
            xml(&self.layer),
            xml(&self.description)
        );
        for rule in &self.rules {
            let paint = match rule.symbol {
                Symbol::Fill(c) => {
                    format!("<se:Fill><se:SvgParameter name=\"fill\">{}</se:SvgParameter></se:Fill>", hex(c))
                }
                Symbol::Outline(c) => format!(
                    "<se:Stroke><se:SvgParameter name=\"stroke\">{}</se:SvgParameter>\
                     <se:SvgParameter name=\"stroke-width\">1.5</se:SvgParameter></se:Stroke>",
                    hex(c)
                ),
            };
            let _ = writeln!(
                s,
                "    <se:Rule>\n     <se:Name>{0}</se:Name>\n     <se:Description><se:Title>{0}</se:Title></se:Description>\n     \
                 <ogc:Filter>{1}</ogc:Filter>\n     <se:PolygonSymbolizer>{paint}</se:PolygonSymbolizer>\n    </se:Rule>",
                xml(&rule.label),
                rule.filter.ogc(),
            );
        }
        s.push_str("   </se:FeatureTypeStyle>\n  </UserStyle>\n </NamedLayer>\n</StyledLayerDescriptor>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use footprint_overlap::write::Records;

    fn check(filter: Filter, expression: &str) {
        assert_eq!(filter.expression(), expression);
    }

    #[test]
    fn filters_read_as_qgis_expressions() {
        check(Filter::Equals("population".into(), 0.0), "\"population\" = 0");
        check(Filter::Is("method".into(), "core".into()), "\"method\" = 'core'");
        check(Filter::Is("name".into(), "St John's".into()), "\"name\" = 'St John''s'");
        check(
            Filter::All(vec![Filter::AtLeast("share".into(), 0.5), Filter::Below("share".into(), 0.7)]),
            "\"share\" >= 0.5 AND \"share\" < 0.7",
        );
    }

    /// Counts 1, 2, 2, 3, 9 at 1% in five MSOAs with residents, and one without: one class per value
    /// (at most eight values), the last class open above.
    #[test]
    fn the_overlap_style_has_the_reports_classes_and_a_grey_class_for_no_residents() {
        let rows = [(10, 1), (20, 2), (30, 2), (40, 3), (50, 9), (0, 0)]
            .iter()
            .map(|&(population, count)| vec![Value::Int(population), Value::Int(count)])
            .collect();
        let records = Records::typed(&["population".into(), "pcns_ge_1pct".into()], rows);
        let layer =
            Layer { name: layers::MSOA_OVERLAP, records: &records, geometry: None, crs: footprint_ingest::Crs::Wgs84 };
        let style = style(&layer).unwrap_or_else(|| panic!("no style"));
        let labels: Vec<&str> = style.rules.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["no residents", "1", "2", "3–8", "9"]);
        assert_eq!(
            style.rules[2].filter.expression(),
            "\"population\" >= 1 AND \"pcns_ge_1pct\" >= 2 AND \"pcns_ge_1pct\" < 3"
        );
        assert_eq!(style.rules[4].filter.expression(), "\"population\" >= 1 AND \"pcns_ge_1pct\" >= 9");
        assert_eq!(style.rules[0].symbol, Symbol::Fill(NO_DATA));
        let classes = Classes::of(&[1, 2, 2, 3, 9]);
        assert_eq!(style.rules[4].symbol, Symbol::Fill(classes.colour(3)));
        let qml = style.qml();
        assert!(qml.contains("filter=\"&quot;population&quot; = 0\""), "{qml}");
        assert!(qml.contains("<prop k=\"color\" v=\"204,204,204,255\"/>"), "{qml}");
        let sld = style.sld();
        assert!(
            sld.contains(
                "<ogc:PropertyIsLessThan><ogc:PropertyName>pcns_ge_1pct</ogc:PropertyName><ogc:Literal>3</ogc:Literal>"
            ),
            "{sld}"
        );
    }
}
