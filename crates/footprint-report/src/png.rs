//! The PNG choropleth: MSOAs filled by class on the British National Grid, with a title, a legend and
//! the attribution, drawn with tiny-skia and text rasterised from the embedded DejaVu Sans.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use geo::{Coord, MultiPolygon};
use rayon::prelude::*;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, PremultipliedColorU8, Rect, Stroke, Transform};

use crate::ReportError;
use crate::classes::{self, Classes};
use crate::geometry::extent;
use crate::html::{ATTRIBUTION, TITLE, subtitle, thousands};
use crate::run::{Display, RunData};

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const INK: [u8; 3] = [34, 34, 34];
const GREY: [u8; 3] = [102, 102, 102];
/// Maps wider or taller than this (metres) get an inset of the densest cluster of areas…
const INSET_FROM_METRES: f64 = 150_000.0;
/// …this many metres across.
const INSET_METRES: f64 = 40_000.0;
/// The picture's width unless asked otherwise, in pixels.
const DEFAULT_WIDTH: u32 = 1600;

/// What to draw.
#[derive(Clone, Debug)]
pub struct MapOptions {
    /// Image width in pixels (the height follows from the map's shape).
    pub width: u32,
    /// Which count colours the areas (index into [`RunData::measures`]).
    pub measure: usize,
    /// The title (default: "How many PCNs serve each MSOA's residents").
    pub title: Option<String>,
}

impl MapOptions {
    /// 1600 pixels wide, coloured by the first threshold's count (or by every PCN if the run has no threshold).
    #[must_use]
    pub fn new(run: &RunData) -> Self {
        Self { width: DEFAULT_WIDTH, measure: usize::from(run.measures.len() > 1), title: None }
    }
}

/// Where the map sits in the image: British National Grid metres to pixels.
#[derive(Clone, Copy, Debug)]
pub struct MapFrame {
    /// Pixels per metre.
    pub scale: f64,
    /// The easting at the map's left edge.
    pub min_x: f64,
    /// The northing at the map's top edge.
    pub max_y: f64,
    /// The map's left edge in pixels.
    pub left: f64,
    /// The map's top edge in pixels.
    pub top: f64,
}

impl MapFrame {
    /// The pixel of a WGS84 longitude/latitude.
    #[must_use]
    pub fn to_pixel(&self, lonlat: Coord<f64>) -> (f64, f64) {
        let en = footprint_ingest::wgs84_to_bng(lonlat);
        self.bng_to_pixel(en)
    }

    fn bng_to_pixel(&self, en: Coord<f64>) -> (f64, f64) {
        (self.left + (en.x - self.min_x) * self.scale, self.top + (self.max_y - en.y) * self.scale)
    }
}

/// A rendered map.
#[derive(Clone, Debug)]
pub struct RenderedMap {
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    /// Image width and height in pixels.
    pub size: (u32, u32),
    /// Where the map sits in the image.
    pub frame: MapFrame,
    /// The classes of the legend.
    pub classes: Classes,
}

fn paint(rgb: [u8; 3]) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(rgb[0], rgb[1], rgb[2], 255);
    p.anti_alias = true;
    p
}

/// Draws the choropleth of `options.measure`.
///
/// # Errors
/// [`ReportError::NothingToDraw`] if no area has a polygon; [`ReportError::Image`] if the size is
/// unusable or the PNG cannot be encoded.
pub fn render_png(run: &RunData, options: &MapOptions) -> Result<RenderedMap, ReportError> {
    let width = options.width;
    let image_error = |message: &str| ReportError::Image { width, message: message.to_owned() };
    if !(400..=12_000).contains(&width) {
        return Err(image_error("the width must be between 400 and 12000 pixels"));
    }
    let measure = run.measures.get(options.measure).ok_or_else(|| image_error("no such count in the run"))?;
    let font = FontRef::try_from_slice(FONT).map_err(|e| image_error(&e.to_string()))?;
    let display = run.display();
    let projected = &display.areas;
    let bounds = extent(projected).ok_or_else(|| ReportError::NothingToDraw { path: run.dir.clone() })?;
    let page = Page::new(width, bounds, &font);
    let mut pixmap = Pixmap::new(width, page.height).ok_or_else(|| image_error("the image would be too large"))?;
    pixmap.fill(Color::WHITE);

    let classes = Classes::of(&classes::values(run, options.measure));
    let colours: Vec<[u8; 3]> = run
        .areas
        .iter()
        .map(|a| if a.population > 0 { classes.colour_of(a.counts[options.measure]) } else { classes::NO_DATA })
        .collect();
    draw_areas(&mut pixmap, projected, &colours, &page.frame, display, None);
    let title = options.title.clone().unwrap_or_else(|| TITLE.to_owned());
    draw_heading(&mut pixmap, &font, &page, &title, &measure.label, run);
    let legend_end = draw_legend(&mut pixmap, &font, &page, &measure.label, run, options.measure, &classes);
    // A national map leaves cities a few pixels wide: an inset shows the densest cluster larger.
    let inset_top = f64::from(legend_end) + page.margin * 1.5;
    let inset_side = inset_side(&page);
    if bounds.width().max(bounds.height()) > INSET_FROM_METRES
        && inset_top + inset_side + page.margin <= page.header + page.map_h
        && let Some((centre, name)) = densest_centre(run, projected)
    {
        let inset = Inset { centre, name, top: inset_top, side: inset_side };
        draw_inset(&mut pixmap, &font, &page, &inset, projected, &colours, display)
            .ok_or_else(|| image_error("no mask"))?;
    }
    let mut ay = (page.header + page.map_h + page.margin / 2.0) as f32 + page.small_size;
    for line in &page.attribution {
        text(&mut pixmap, &font, page.small_size, line, page.margin as f32, ay, GREY);
        ay += page.small_size * 1.4;
    }
    let png = encode_rgb(&pixmap).map_err(|e| image_error(&e.to_string()))?;
    Ok(RenderedMap { png, size: (width, page.height), frame: page.frame, classes })
}

/// The layout of the picture: sizes of text, margins, the map's frame and the legend's column.
struct Page {
    width: f64,
    height: u32,
    margin: f64,
    title_size: f32,
    text_size: f32,
    small_size: f32,
    legend_width: f64,
    header: f64,
    map_h: f64,
    attribution: Vec<String>,
    frame: MapFrame,
}

/// Pixels per metre of the map of `bounds` on a picture `width` pixels wide.
fn map_scale(width: u32, bounds: geo::Rect<f64>) -> f64 {
    let w = f64::from(width);
    let (margin, legend_width) = ((w / 50.0).round(), (w * 0.2).round());
    let (ext_w, ext_h) = (bounds.width().max(1.0), bounds.height().max(1.0));
    let map_w = w - 2.0 * margin - legend_width;
    (map_w / ext_w).min(1.6 * map_w / ext_h)
}

/// The side of the inset's square, in pixels, on a page.
fn inset_side(page: &Page) -> f64 {
    f64::from(page.legend_width as f32 - page.margin as f32 / 2.0)
}

/// The simplification tolerance (metres) of the areas at `scale` pixels per metre: half a pixel.
fn tolerance_at(scale: f64) -> f64 {
    0.5 / scale
}

/// The tolerances the map of areas with extent `bounds` draws them at, `DEFAULT_WIDTH` pixels wide:
/// the map's, and the inset's.
pub(crate) fn default_tolerances(bounds: geo::Rect<f64>) -> [f64; 2] {
    let font = FontRef::try_from_slice(FONT).ok();
    let inset = font.map(|font| inset_side(&Page::new(DEFAULT_WIDTH, bounds, &font)) / INSET_METRES);
    [tolerance_at(map_scale(DEFAULT_WIDTH, bounds)), inset.map_or(f64::NAN, tolerance_at)]
}

impl Page {
    fn new(width: u32, bounds: geo::Rect<f64>, font: &FontRef<'_>) -> Self {
        let w = f64::from(width);
        let margin = (w / 50.0).round();
        let title_size = (w / 42.0) as f32;
        let text_size = (w / 85.0) as f32;
        let small_size = (w / 115.0) as f32;
        let legend_width = (w * 0.2).round();
        let header = margin + f64::from(title_size) * 1.2 + f64::from(text_size) * 1.6 + margin / 2.0;
        let (ext_w, ext_h) = (bounds.width().max(1.0), bounds.height().max(1.0));
        let map_w = w - 2.0 * margin - legend_width;
        let scale = map_scale(width, bounds);
        let map_h = ext_h * scale;
        let attribution = wrap(font, small_size, ATTRIBUTION, (w - 2.0 * margin) as f32);
        let footer = f64::from(small_size) * 1.4 * attribution.len() as f64 + margin;
        let frame = MapFrame {
            scale,
            min_x: bounds.min().x,
            max_y: bounds.max().y,
            left: margin + (map_w - ext_w * scale) / 2.0,
            top: header,
        };
        let height = (header + map_h + footer).ceil() as u32;
        Page {
            width: w,
            height,
            margin,
            title_size,
            text_size,
            small_size,
            legend_width,
            header,
            map_h,
            attribution,
            frame,
        }
    }

    /// The left edge of the legend's column.
    fn legend_x(&self) -> f32 {
        (self.width - self.margin - self.legend_width + self.margin / 2.0) as f32
    }
}

/// Title and subtitle: what is counted, and the run's figures.
fn draw_heading(pixmap: &mut Pixmap, font: &FontRef<'_>, page: &Page, title: &str, label: &str, run: &RunData) {
    let mut y = page.margin as f32 + page.title_size;
    text(pixmap, font, page.title_size, title, page.margin as f32, y, INK);
    y += page.text_size * 1.5;
    let counting = match label.strip_prefix("share ≥ ") {
        Some(t) => format!("Counting PCNs with at least {t} of the MSOA's registered residents"),
        None => "Counting every PCN with a registered resident in the MSOA".to_owned(),
    };
    let sub = format!("{counting} · {}", subtitle(run));
    text(pixmap, font, page.text_size, &sub, page.margin as f32, y, GREY);
}

/// The legend: a swatch per class with its label and how many MSOAs it holds. Returns where it ends.
fn draw_legend(
    pixmap: &mut Pixmap,
    font: &FontRef<'_>,
    page: &Page,
    label: &str,
    run: &RunData,
    measure: usize,
    classes: &Classes,
) -> f32 {
    let (lx, text_size, small_size) = (page.legend_x(), page.text_size, page.small_size);
    let mut ly = (page.header + page.margin) as f32;
    text(pixmap, font, text_size * 1.1, "PCNs per MSOA", lx, ly, INK);
    ly += text_size * 1.4;
    let short = match label.strip_prefix("share ") {
        Some(t) => format!("counting PCNs with a share {t}"),
        None => "counting every PCN with patients there".to_owned(),
    };
    text(pixmap, font, small_size, &short, lx, ly, GREY);
    ly += small_size * 1.2;
    let values = classes::values(run, measure);
    let swatch = (text_size * 1.6, text_size * 1.2);
    let mut rows: Vec<(String, usize, [u8; 3])> = (0..classes.lower.len())
        .map(|i| (classes.label(i), values.iter().filter(|&&v| classes.class_of(v) == i).count(), classes.colour(i)))
        .collect();
    let empty = run.areas.iter().filter(|a| a.population == 0).count();
    if empty > 0 {
        rows.push(("no residents".to_owned(), empty, classes::NO_DATA));
    }
    for (label, count, rgb) in rows {
        ly += swatch.1 * 0.4;
        if let Some(r) = Rect::from_xywh(lx, ly, swatch.0, swatch.1) {
            pixmap.fill_rect(r, &paint(rgb), Transform::identity(), None);
        }
        let baseline = ly + swatch.1 * 0.8;
        text(pixmap, font, text_size, &label, lx + swatch.0 * 1.4, baseline, INK);
        let n = format!("{} MSOAs", thousands(count as u64));
        text(pixmap, font, small_size, &n, lx + swatch.0 * 4.2, baseline, GREY);
        ly += swatch.1;
    }
    ly
}

/// Where the inset goes and what it shows.
struct Inset {
    centre: Coord<f64>,
    name: String,
    top: f64,
    side: f64,
}

/// Draws the inset below the legend and marks its square on the main map. `None` if no mask could be made.
fn draw_inset(
    pixmap: &mut Pixmap,
    font: &FontRef<'_>,
    page: &Page,
    inset: &Inset,
    projected: &[MultiPolygon<f64>],
    colours: &[[u8; 3]],
    display: &Display,
) -> Option<()> {
    let (lx, half) = (page.legend_x(), INSET_METRES / 2.0);
    let label = format!("{} km around {}", INSET_METRES / 1000.0, inset.name);
    text(pixmap, font, page.small_size, &label, lx, (inset.top - f64::from(page.small_size) * 0.6) as f32, GREY);
    // The inset is drawn on a layer of its own size, whole pixels from the picture's origin.
    let (left, top) = (f64::from(lx), inset.top);
    let (ox, oy) = (left.floor(), top.floor());
    let frame = MapFrame {
        scale: inset.side / INSET_METRES,
        min_x: inset.centre.x - half,
        max_y: inset.centre.y + half,
        left: left - ox,
        top: top - oy,
    };
    let window = (frame.left, frame.top, frame.left + inset.side, frame.top + inset.side);
    let size = |edge: f64| (edge.ceil() as u32).saturating_add(1);
    let mut layer = Pixmap::new(size(window.2), size(window.3))?;
    draw_areas(&mut layer, projected, colours, &frame, display, Some(window));
    let Some(clip) = Rect::from_ltrb(window.0 as f32, window.1 as f32, window.2 as f32, window.3 as f32) else {
        return Some(());
    };
    let mut mask = tiny_skia::Mask::new(layer.width(), layer.height())?;
    mask.fill_path(&PathBuilder::from_rect(clip), FillRule::Winding, false, Transform::identity());
    layer.apply_mask(&mask);
    let (x, y) = (ox as i32, oy as i32);
    pixmap.draw_pixmap(x, y, layer.as_ref(), &tiny_skia::PixmapPaint::default(), Transform::identity(), None);
    let clip = Rect::from_ltrb(left as f32, top as f32, (left + inset.side) as f32, (top + inset.side) as f32)?;
    let frame_stroke = Stroke { width: 1.2, ..Stroke::default() };
    let ink = paint(GREY);
    pixmap.stroke_path(&PathBuilder::from_rect(clip), &ink, &frame_stroke, Transform::identity(), None);
    let (a, b) = (
        page.frame.bng_to_pixel(Coord { x: inset.centre.x - half, y: inset.centre.y + half }),
        page.frame.bng_to_pixel(Coord { x: inset.centre.x + half, y: inset.centre.y - half }),
    );
    if let Some(r) = Rect::from_ltrb(a.0 as f32, a.1 as f32, b.0 as f32, b.1 as f32) {
        pixmap.stroke_path(&PathBuilder::from_rect(r), &ink, &frame_stroke, Transform::identity(), None);
    }
    Some(())
}

/// Encodes an opaque pixmap as an 8-bit RGB PNG (a quarter smaller than RGBA), compressed hard.
fn encode_rgb(pixmap: &Pixmap) -> Result<Vec<u8>, png::EncodingError> {
    let rgb: Vec<u8> = pixmap.pixels().iter().flat_map(|p| [p.red(), p.green(), p.blue()]).collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Default);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(out)
}

/// The centre of the densest cluster of areas (British National Grid) and the name of the area there:
/// among the tenth of areas with the most residents per km², the one with most others of that tenth
/// within half an inset of it. The name loses a trailing number (`Southwark 001` → `Southwark`).
fn densest_centre(run: &RunData, projected: &[MultiPolygon<f64>]) -> Option<(Coord<f64>, String)> {
    use geo::BoundingRect;
    let mut dense: Vec<(f64, usize)> =
        run.areas.iter().enumerate().filter_map(|(i, a)| a.density.map(|d| (d, i))).collect();
    dense.sort_by(|a, b| b.0.total_cmp(&a.0));
    dense.truncate(dense.len() / 10);
    let centres: Vec<(Coord<f64>, usize)> =
        dense.iter().filter_map(|&(_, i)| projected[i].bounding_rect().map(|r| (r.center(), i))).collect();
    let half = INSET_METRES / 2.0;
    let &(centre, i) = centres.iter().max_by_key(|(c, _)| {
        centres.iter().filter(|(o, _)| (o.x - c.x).abs() < half && (o.y - c.y).abs() < half).count()
    })?;
    let name = run.areas[i].name.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    Some((centre, name.to_owned()))
}

/// Fills the areas whose bounding box meets `window` (pixels: x0, y0, x1, y1; `None`: all of them),
/// simplified to half a pixel on their coverage `topology`, in their colours; a hairline of their own
/// colour closes the seams anti-aliasing leaves between neighbours.
fn draw_areas(
    pixmap: &mut Pixmap,
    projected: &[MultiPolygon<f64>],
    colours: &[[u8; 3]],
    frame: &MapFrame,
    display: &Display,
    window: Option<(f64, f64, f64, f64)>,
) {
    let tolerance = tolerance_at(frame.scale);
    let simplified = match window {
        None => display.simplified(tolerance, |_| true),
        Some(window) => {
            let inside = in_window(projected, frame, window);
            display.simplified(tolerance, |a| inside[a])
        }
    };
    let shapes: Vec<Option<tiny_skia::Path>> =
        simplified.polygons(projected).par_iter().map(|g| path(g, frame)).collect();
    fill(pixmap, colours, &shapes);
}

/// Per area, whether its bounding box meets `window`.
fn in_window(projected: &[MultiPolygon<f64>], frame: &MapFrame, window: (f64, f64, f64, f64)) -> Vec<bool> {
    use geo::BoundingRect;
    projected
        .iter()
        .map(|g| {
            let (x0, y0, x1, y1) = window;
            g.bounding_rect().is_some_and(|r| {
                let (a, b) = (frame.bng_to_pixel(r.min()), frame.bng_to_pixel(r.max()));
                a.0 <= x1 && b.0 >= x0 && b.1 <= y1 && a.1 >= y0
            })
        })
        .collect()
}

/// Fills the shapes in their colours, each closed by a hairline of its own colour.
fn fill(pixmap: &mut Pixmap, colours: &[[u8; 3]], shapes: &[Option<tiny_skia::Path>]) {
    let seam = Stroke { width: 0.6, ..Stroke::default() };
    for (rgb, shape) in colours.iter().zip(shapes) {
        let Some(shape) = shape else { continue };
        let p = paint(*rgb);
        pixmap.fill_path(shape, &p, FillRule::EvenOdd, Transform::identity(), None);
        pixmap.stroke_path(shape, &p, &seam, Transform::identity(), None);
    }
}

fn path(geometry: &MultiPolygon<f64>, frame: &MapFrame) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    for polygon in &geometry.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for (i, &c) in ring.0.iter().enumerate() {
                let (x, y) = frame.bng_to_pixel(c);
                if i == 0 {
                    pb.move_to(x as f32, y as f32);
                } else {
                    pb.line_to(x as f32, y as f32);
                }
            }
            pb.close();
        }
    }
    pb.finish()
}

/// The width of `s` at `size` pixels.
fn text_width(font: &FontRef<'_>, size: f32, s: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut previous = None;
    for c in s.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

/// Splits `s` into lines no wider than `max` pixels, at spaces.
fn wrap(font: &FontRef<'_>, size: f32, s: &str, max: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if text_width(font, size, &candidate) > max && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    lines
}

/// Draws `s` with its baseline at `y`, blending each glyph's coverage over the pixels below.
fn text(pixmap: &mut Pixmap, font: &FontRef<'_>, size: f32, s: &str, x: f32, y: f32, rgb: [u8; 3]) {
    let scaled = font.as_scaled(PxScale::from(size));
    let (w, h) = (pixmap.width() as i32, pixmap.height() as i32);
    let pixels = pixmap.pixels_mut();
    let mut caret = x;
    let mut previous = None;
    for c in s.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(size, ab_glyph::point(caret, y));
        caret += scaled.h_advance(id);
        previous = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
            if px < 0 || py < 0 || px >= w || py >= h {
                return;
            }
            let pixel = &mut pixels[(py * w + px) as usize];
            let a = coverage.clamp(0.0, 1.0);
            let mix = |src: u8, dst: u8| (f32::from(src) * a + f32::from(dst) * (1.0 - a)).round() as u8;
            if let Some(p) = PremultipliedColorU8::from_rgba(
                mix(rgb[0], pixel.red()),
                mix(rgb[1], pixel.green()),
                mix(rgb[2], pixel.blue()),
                255,
            ) {
                *pixel = p;
            }
        });
    }
}

/// The classes of a designed patch's alignment (its residents in their PCN's main patch), lower bounds.
const DESIGN_CLASSES: [(f64, &str, [u8; 3]); 5] = [
    (0.0, "under 50%", [215, 48, 39]),
    (0.5, "50–70%", [252, 141, 89]),
    (0.7, "70–80%", [254, 224, 139]),
    (0.8, "80–90%", [145, 207, 96]),
    (0.9, "90% or more", [26, 152, 80]),
];

/// Draws a design's patches (`shapes` in `crs`, each with its alignment) filled by class of alignment,
/// outlined in white, with a title, a legend of the classes and the attribution: the PNG of
/// `footprint design`.
///
/// # Errors
/// [`ReportError::Image`] if the width is outside 400–12000 pixels, there is no patch to draw or the PNG
/// cannot be encoded.
pub fn render_design_png(
    shapes: &[MultiPolygon<f64>],
    alignments: &[Option<f64>],
    crs: footprint_ingest::Crs,
    title: &str,
    width: u32,
) -> Result<Vec<u8>, ReportError> {
    let image_error = |message: &str| ReportError::Image { width, message: message.to_owned() };
    if !(400..=12_000).contains(&width) {
        return Err(image_error("the width must be between 400 and 12000 pixels"));
    }
    let font = FontRef::try_from_slice(FONT).map_err(|e| image_error(&e.to_string()))?;
    let projected: Vec<MultiPolygon<f64>> = shapes
        .par_iter()
        .map(|s| footprint_ingest::reproject(s, crs, footprint_ingest::Crs::BritishNationalGrid).into_owned())
        .collect();
    let bounds = extent(&projected).ok_or_else(|| image_error("no patch to draw"))?;
    let page = Page::new(width, bounds, &font);
    let mut pixmap = Pixmap::new(width, page.height).ok_or_else(|| image_error("the image would be too large"))?;
    pixmap.fill(Color::WHITE);
    let class_of = |a: Option<f64>| a.map(|v| DESIGN_CLASSES.iter().rposition(|c| v >= c.0).unwrap_or(0));
    let colours: Vec<[u8; 3]> =
        alignments.iter().map(|&a| class_of(a).map_or(classes::NO_DATA, |c| DESIGN_CLASSES[c].2)).collect();
    let paths: Vec<Option<tiny_skia::Path>> = projected.par_iter().map(|g| path(g, &page.frame)).collect();
    fill(&mut pixmap, &colours, &paths);
    let outline = Stroke { width: (f64::from(width) / 1600.0).max(0.8) as f32, ..Stroke::default() };
    for shape in paths.iter().flatten() {
        pixmap.stroke_path(shape, &paint([255, 255, 255]), &outline, Transform::identity(), None);
    }
    let (m, ts) = (page.margin as f32, page.text_size);
    text(&mut pixmap, &font, page.title_size, title, m, m + page.title_size, INK);
    let subtitle =
        format!("{} patches, each coloured by the share of its residents in their PCN's main patch", shapes.len());
    text(&mut pixmap, &font, ts, &subtitle, m, m + page.title_size * 1.2 + ts * 1.3, GREY);
    let (lx, mut ly) = (page.legend_x(), (page.header + page.margin) as f32);
    text(&mut pixmap, &font, ts * 1.1, "Patch alignment", lx, ly, INK);
    let swatch = (ts * 1.6, ts * 1.2);
    for (i, (_, label, rgb)) in DESIGN_CLASSES.iter().enumerate().rev() {
        ly += swatch.1 * 1.4;
        if let Some(r) = Rect::from_xywh(lx, ly, swatch.0, swatch.1) {
            pixmap.fill_rect(r, &paint(*rgb), Transform::identity(), None);
        }
        let n = alignments.iter().filter(|&&a| class_of(a) == Some(i)).count();
        text(&mut pixmap, &font, ts, &format!("{label}  ({n})"), lx + swatch.0 * 1.4, ly + swatch.1 * 0.8, INK);
    }
    let mut ay = (page.header + page.map_h + page.margin / 2.0) as f32 + page.small_size;
    for line in &page.attribution {
        text(&mut pixmap, &font, page.small_size, line, m, ay, GREY);
        ay += page.small_size * 1.4;
    }
    encode_rgb(&pixmap).map_err(|e| image_error(&e.to_string()))
}
