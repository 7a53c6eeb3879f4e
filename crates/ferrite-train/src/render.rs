//! Rendering a `Figure` to SVG, and writing files atomically.
//!
//! plotters draws the frame: background, axes, ticks, tick labels (powers of ten on a log axis),
//! axis labels and grid. The series and the legend are then written as SVG elements of their own,
//! because plotters' SVG polylines cannot be dashed or clipped: each series is one
//! `<polyline class="series">` clipped to the plot area, so a point outside the limits is cut off
//! as matplotlib does, and a series is always one element with one point per drawable data point.

use crate::figure::{Dash, Figure, LegendLoc, Scale, Series, Style};
use crate::{Error, Result};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

const FUNC: &str = "Figure::to_svg";

/// One axis's shown range and scale.
#[derive(Debug, Clone, Copy)]
struct AxisRange {
    lo: f64,
    hi: f64,
    scale: Scale,
}

impl AxisRange {
    /// The given limits, checked, or the data's range with matplotlib's 5% margin.
    fn resolve(
        name: &str,
        limit: Option<(f64, f64)>,
        scale: Scale,
        values: impl Iterator<Item = f64>,
    ) -> Result<AxisRange> {
        if let Some((lo, hi)) = limit {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::invalid(
                    FUNC,
                    format!("{name}lim ({lo}, {hi}) must be finite with lo < hi"),
                ));
            }
            if scale == Scale::Log && lo <= 0.0 {
                return Err(Error::invalid(
                    FUNC,
                    format!("{name}lim ({lo}, {hi}) must be positive on a log scale"),
                ));
            }
            return Ok(AxisRange { lo, hi, scale });
        }
        let probe = AxisRange { lo: 1.0, hi: 10.0, scale };
        let (min, max) = values
            .filter_map(|v| probe.transform(v))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| (a.min(t), b.max(t)));
        // No drawable data: 0..1 (1..10 on a log axis), as matplotlib's empty axes.
        let (mut min, mut max) = if min > max { (0.0, 1.0) } else { (min, max) };
        if min == max {
            (min, max) = (min - 0.5, max + 0.5);
        }
        let margin = 0.05 * (max - min);
        let (lo, hi) = (probe.inverse(min - margin), probe.inverse(max + margin));
        Ok(AxisRange { lo, hi, scale })
    }

    /// The value in the axis's linear space (its log10 on a log axis); `None` if not drawable.
    fn transform(&self, v: f64) -> Option<f64> {
        match self.scale {
            _ if !v.is_finite() => None,
            Scale::Linear => Some(v),
            Scale::Log if v > 0.0 => Some(v.log10()),
            Scale::Log => None,
        }
    }

    fn inverse(&self, t: f64) -> f64 {
        match self.scale {
            Scale::Linear => t,
            Scale::Log => 10f64.powf(t),
        }
    }

    /// Where `v` falls between the limits: 0 at `lo`, 1 at `hi`.
    fn fraction(&self, v: f64) -> Option<f64> {
        let (lo, hi) = (self.transform(self.lo)?, self.transform(self.hi)?);
        Some((self.transform(v)? - lo) / (hi - lo))
    }

    /// A tick's text: the number, shortest first; on a log axis a power of ten as `10⁻²`, and
    /// the ticks between powers of ten only when fewer than two powers are shown.
    fn tick_label(&self, v: f64) -> String {
        match self.scale {
            Scale::Linear if v.abs() < 1e-9 * (self.hi - self.lo) => "0".into(),
            Scale::Linear => short_number(v),
            Scale::Log => {
                let k = v.log10().round();
                if (v - 10f64.powf(k)).abs() <= 1e-9 * v {
                    return power_of_ten(k as i32);
                }
                let powers = self.hi.log10().floor() - self.lo.log10().ceil() + 1.0;
                if powers < 2.0 { short_number(v) } else { String::new() }
            }
        }
    }
}

/// `v` to 6 significant digits, without trailing zeros (`0.3`, not `0.30000000000000004`).
fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = 5 - v.abs().log10().floor() as i32;
    let rounded = (v * 10f64.powi(digits)).round() / 10f64.powi(digits);
    if rounded.abs() >= 1e6 || rounded.abs() < 1e-4 { format!("{rounded:e}") } else { format!("{rounded}") }
}

/// `10` with `k` in superscript digits, as matplotlib labels a log axis (`10⁻²`).
fn power_of_ten(k: i32) -> String {
    const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::from("10");
    if k < 0 {
        s.push('⁻');
    }
    for d in k.unsigned_abs().to_string().bytes() {
        s.push(SUPERSCRIPT[usize::from(d - b'0')]);
    }
    s
}

/// The plot area in SVG pixels (where the limits fall).
#[derive(Debug, Clone, Copy)]
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// The figure as an SVG document.
pub(crate) fn figure_svg(fig: &Figure) -> Result<String> {
    if fig.width < 100 || fig.height < 80 {
        let reason = format!(
            "a figure of {} x {} pixels is too small to draw (at least 100 x 80)",
            fig.width, fig.height
        );
        return Err(Error::invalid(FUNC, reason));
    }
    let axes = &fig.axes;
    let points = || axes.series.iter().flat_map(|s| s.points.iter());
    let xr = AxisRange::resolve("x", axes.xlim, axes.xscale, points().map(|p| p.0))?;
    let yr = AxisRange::resolve("y", axes.ylim, axes.yscale, points().map(|p| p.1))?;
    let mut svg = String::new();
    let frame = match (xr.scale, yr.scale) {
        (Scale::Linear, Scale::Linear) => draw_frame(&mut svg, fig, xr.lo..xr.hi, yr.lo..yr.hi, xr, yr),
        (Scale::Log, Scale::Linear) => {
            draw_frame(&mut svg, fig, (xr.lo..xr.hi).log_scale(), yr.lo..yr.hi, xr, yr)
        }
        (Scale::Linear, Scale::Log) => {
            draw_frame(&mut svg, fig, xr.lo..xr.hi, (yr.lo..yr.hi).log_scale(), xr, yr)
        }
        (Scale::Log, Scale::Log) => {
            draw_frame(&mut svg, fig, (xr.lo..xr.hi).log_scale(), (yr.lo..yr.hi).log_scale(), xr, yr)
        }
    }?;
    let mut overlay = String::new();
    write_series(&mut overlay, &axes.series, frame, xr, yr);
    write_legend(&mut overlay, axes, frame, xr, yr);
    let end =
        svg.rfind("</svg>").ok_or_else(|| Error::invalid(FUNC, "plotters wrote no closing </svg> tag"))?;
    svg.insert_str(end, &overlay);
    Ok(svg)
}

/// Draws background, axes, ticks, labels and grid with plotters; returns the plot area.
fn draw_frame<X, Y>(svg: &mut String, fig: &Figure, x: X, y: Y, xr: AxisRange, yr: AxisRange) -> Result<Frame>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let err = |e| Error::plot(FUNC, e);
    let axes = &fig.axes;
    let root = SVGBackend::with_string(svg, (fig.width, fig.height)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(if axes.xlabel.is_some() { 44 } else { 28 })
        .y_label_area_size(if axes.ylabel.is_some() { 68 } else { 52 })
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    let x_ticks = |v: &f64| xr.tick_label(*v);
    let y_ticks = |v: &f64| yr.tick_label(*v);
    let grid = RGBColor(176, 176, 176).mix(if axes.grid { 0.6 } else { 0.0 });
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .bold_line_style(grid)
        .light_line_style(TRANSPARENT)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15));
    if let Some(label) = &axes.xlabel {
        mesh.x_desc(label.as_str());
    }
    if let Some(label) = &axes.ylabel {
        mesh.y_desc(label.as_str());
    }
    mesh.draw().map_err(err)?;
    let (left, bottom) = chart.backend_coord(&(xr.lo, yr.lo));
    let (right, top) = chart.backend_coord(&(xr.hi, yr.hi));
    root.present().map_err(err)?;
    Ok(Frame {
        left: f64::from(left),
        right: f64::from(right),
        top: f64::from(top),
        bottom: f64::from(bottom),
    })
}

/// A data point in SVG pixels, `None` if it cannot be drawn.
fn to_pixels(p: (f64, f64), frame: Frame, xr: AxisRange, yr: AxisRange) -> Option<(f64, f64)> {
    let (fx, fy) = (xr.fraction(p.0)?, yr.fraction(p.1)?);
    Some((frame.left + fx * (frame.right - frame.left), frame.bottom - fy * (frame.bottom - frame.top)))
}

/// The SVG attributes of a line style.
fn stroke_attributes(style: &Style) -> String {
    // matplotlib's dash patterns, in multiples of the line width.
    let pattern: &[f64] = match style.dash {
        Dash::Solid => &[],
        Dash::Dashed => &[3.7, 1.6],
        Dash::DashDot => &[6.4, 1.6, 1.0, 1.6],
        Dash::Dotted => &[1.0, 1.65],
    };
    let mut s = format!(r#"fill="none" stroke="{}" stroke-width="{}""#, style.color.hex(), style.width);
    if !pattern.is_empty() {
        let dashes: Vec<String> = pattern.iter().map(|d| format!("{:.2}", d * style.width)).collect();
        write!(s, r#" stroke-dasharray="{}""#, dashes.join(",")).expect("writing to a String");
    }
    s
}

/// One clipped `<polyline class="series">` per series, after a clip path for the plot area.
fn write_series(out: &mut String, series: &[Series], frame: Frame, xr: AxisRange, yr: AxisRange) {
    let (w, h) = (frame.right - frame.left, frame.bottom - frame.top);
    let _ = writeln!(
        out,
        r#"<defs><clipPath id="plot-area"><rect x="{}" y="{}" width="{w}" height="{h}"/></clipPath></defs>"#,
        frame.left, frame.top
    );
    for s in series {
        let mut points = String::new();
        for (x, y) in s.points.iter().filter_map(|&p| to_pixels(p, frame, xr, yr)) {
            let _ = write!(points, "{}{x:.2},{y:.2}", if points.is_empty() { "" } else { " " });
        }
        let label = s.label.as_deref().map(|l| format!(r#" data-label="{}""#, escape(l))).unwrap_or_default();
        let _ = writeln!(
            out,
            r#"<polyline class="series"{label} {} clip-path="url(#plot-area)" points="{points}"/>"#,
            stroke_attributes(&s.style)
        );
    }
}

const LEGEND_FONT: f64 = 12.0;
const LEGEND_ROW: f64 = 18.0;
const LEGEND_SAMPLE: f64 = 24.0;
const LEGEND_PAD: f64 = 6.0;
const LEGEND_INSET: f64 = 8.0;

/// The legend box (labelled series only) at `axes.legend_loc`, "best" choosing the corner that
/// covers the fewest points, in matplotlib's order of preference on a tie.
fn write_legend(out: &mut String, axes: &crate::Axes, frame: Frame, xr: AxisRange, yr: AxisRange) {
    let entries: Vec<(&str, &Style)> =
        axes.series.iter().filter_map(|s| s.label.as_deref().map(|l| (l, &s.style))).collect();
    if entries.is_empty() || axes.legend_loc == LegendLoc::Hidden {
        return;
    }
    // The width of a label, estimated: SVG cannot measure text without a font.
    let widest = entries.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0) as f64 * 0.6 * LEGEND_FONT;
    let (w, h) = (
        2.0 * LEGEND_PAD + LEGEND_SAMPLE + 6.0 + widest,
        2.0 * LEGEND_PAD + entries.len() as f64 * LEGEND_ROW,
    );
    let corner = |loc: LegendLoc| {
        let x = match loc {
            LegendLoc::UpperLeft | LegendLoc::LowerLeft => frame.left + LEGEND_INSET,
            _ => frame.right - LEGEND_INSET - w,
        };
        let y = match loc {
            LegendLoc::LowerLeft | LegendLoc::LowerRight => frame.bottom - LEGEND_INSET - h,
            _ => frame.top + LEGEND_INSET,
        };
        (x, y)
    };
    // Samples along every line, so a segment crossing a corner counts, not only its ends.
    let mut samples = Vec::new();
    for s in &axes.series {
        let pixels: Vec<(f64, f64)> = s.points.iter().filter_map(|&p| to_pixels(p, frame, xr, yr)).collect();
        samples.extend(pixels.first());
        for pair in pixels.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            samples.extend(
                (1..=16).map(|i| f64::from(i) / 16.0).map(|t| (x0 + t * (x1 - x0), y0 + t * (y1 - y0))),
            );
        }
    }
    let covered = |loc: LegendLoc| {
        let (x, y) = corner(loc);
        samples.iter().filter(|&&(px, py)| px >= x && px <= x + w && py >= y && py <= y + h).count()
    };
    let loc = match axes.legend_loc {
        LegendLoc::Best => {
            [LegendLoc::UpperRight, LegendLoc::UpperLeft, LegendLoc::LowerLeft, LegendLoc::LowerRight]
                .into_iter()
                .min_by_key(|&loc| covered(loc))
                .unwrap_or(LegendLoc::UpperRight)
        }
        loc => loc,
    };
    let (x, y) = corner(loc);
    let _ = writeln!(out, r#"<g class="legend">"#);
    let _ = writeln!(
        out,
        r##"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}" fill="#ffffff" fill-opacity="0.8" stroke="#cccccc"/>"##
    );
    for (i, (label, style)) in entries.iter().enumerate() {
        let row = y + LEGEND_PAD + (i as f64 + 0.5) * LEGEND_ROW;
        let x1 = x + LEGEND_PAD;
        let _ = writeln!(
            out,
            r#"<line x1="{x1:.2}" y1="{row:.2}" x2="{:.2}" y2="{row:.2}" {}/>"#,
            x1 + LEGEND_SAMPLE,
            stroke_attributes(style)
        );
        let _ = writeln!(
            out,
            r##"<text class="legend-label" x="{:.2}" y="{:.2}" font-family="sans-serif" font-size="{LEGEND_FONT}" fill="#000000">{}</text>"##,
            x1 + LEGEND_SAMPLE + 6.0,
            row + 0.35 * LEGEND_FONT,
            escape(label)
        );
    }
    let _ = writeln!(out, "</g>");
}

/// Escapes text for SVG content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            c => s.push(c),
        }
    }
    s
}

/// Writes `contents` to a temporary file next to `path`, then renames it over `path`, so a
/// reader (a browser tab reloading an SVG) sees the old file or the new one, never half of one.
pub(crate) fn write_atomic(path: &Path, contents: &str, func: &'static str) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let io = |path: &Path, source| Error::Io { func, path: path.to_path_buf(), source };
    let Some(name) = path.file_name() else {
        return Err(Error::invalid(func, format!("{} does not name a file", path.display())));
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{}.{}-{n}.tmp", name.to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, contents).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short() {
        let lin = AxisRange { lo: 0.0, hi: 1.0, scale: Scale::Linear };
        assert_eq!(lin.tick_label(0.1 + 0.2), "0.3");
        assert_eq!(lin.tick_label(-1e-17), "0");
        assert_eq!(lin.tick_label(1234567.0), "1.23457e6");
        let log = AxisRange { lo: 1e-3, hi: 10.0, scale: Scale::Log };
        assert_eq!(log.tick_label(0.01), "10⁻²");
        assert_eq!(log.tick_label(1.0), "10⁰");
        assert_eq!(log.tick_label(10.0), "10¹");
        assert_eq!(log.tick_label(0.02), "", "minor ticks are unlabelled across decades");
        let narrow = AxisRange { lo: 2.0, hi: 50.0, scale: Scale::Log };
        assert_eq!(narrow.tick_label(20.0), "20");
    }

    #[test]
    fn automatic_limits_fit_the_data_with_a_margin() -> Result<()> {
        let r = AxisRange::resolve("x", None, Scale::Linear, [0.0, 10.0].into_iter())?;
        assert_eq!((r.lo, r.hi), (-0.5, 10.5));
        let r = AxisRange::resolve("y", None, Scale::Log, [0.0, 1.0, 100.0, f64::NAN].into_iter())?;
        assert!((r.lo - 10f64.powf(-0.1)).abs() < 1e-12 && (r.hi - 10f64.powf(2.1)).abs() < 1e-9, "{r:?}");
        let r = AxisRange::resolve("y", None, Scale::Linear, [3.0].into_iter())?;
        assert!((r.lo - 2.45).abs() < 1e-12 && (r.hi - 3.55).abs() < 1e-12, "{r:?}");
        let r = AxisRange::resolve("y", None, Scale::Linear, std::iter::empty())?;
        assert_eq!((r.lo, r.hi), (-0.05, 1.05));
        let err = AxisRange::resolve("y", Some((0.0, 1.0)), Scale::Log, std::iter::empty()).unwrap_err();
        assert_eq!(err.to_string(), "Figure::to_svg: ylim (0, 1) must be positive on a log scale");
        Ok(())
    }
}
