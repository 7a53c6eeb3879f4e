//! The plot data model (`Figure`, `Axes`, `Series`, `Style`, `Scale`, `LegendLoc`) and `plot`,
//! d2l's `d2l.plot`: plain data that tests can inspect, rendered to SVG by `render.rs`.

use crate::{Error, Result, render};
use ferrite_tensor::Tensor;
use std::path::Path;

/// How an axis maps values to positions (matplotlib's `xscale`/`yscale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Evenly spaced powers of ten; values `<= 0` are not drawn.
    Log,
}

/// A line's dash pattern (matplotlib's `-`, `--`, `-.`, `:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dash {
    /// `-`
    #[default]
    Solid,
    /// `--`
    Dashed,
    /// `-.`
    DashDot,
    /// `:`
    Dotted,
}

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, as SVG writes colours.
    ///
    /// ```
    /// assert_eq!(ferrite_train::Rgb(31, 119, 180).hex(), "#1f77b4");
    /// ```
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// matplotlib's default colour cycle (`tab10`); `C0` is what an uncoloured `-` draws in.
const TAB10: [Rgb; 10] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

/// How a series is drawn: colour, dash pattern and line width in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// The line's colour.
    pub color: Rgb,
    /// The dash pattern.
    pub dash: Dash,
    /// The stroke width in pixels.
    pub width: f64,
}

impl Style {
    /// A line of `color` and `dash`, 1.5 pixels wide (matplotlib's default width).
    pub fn new(color: Rgb, dash: Dash) -> Self {
        Style { color, dash, width: 1.5 }
    }

    /// Parses a matplotlib format string: an optional colour letter (`b g r c m y k w`) and an
    /// optional line style (`-`, `--`, `-.`, `:`), in either order, as d2l's `fmts`
    /// (`'-', 'm--', 'g-.', 'r:'`). Without a colour the line takes matplotlib's first colour;
    /// markers (`o`, `x`, ...) are not supported and are an error.
    ///
    /// ```
    /// use ferrite_train::{Dash, Rgb, Style};
    /// assert_eq!(Style::from_fmt("m--")?, Style::new(Rgb(191, 0, 191), Dash::Dashed));
    /// assert_eq!(Style::from_fmt(":r")?.dash, Dash::Dotted);
    /// assert!(Style::from_fmt("o-").is_err());
    /// # Ok::<(), ferrite_train::Error>(())
    /// ```
    pub fn from_fmt(fmt: &str) -> Result<Style> {
        let bad = || Error::invalid("Style::from_fmt", format!("cannot parse format string {fmt:?}"));
        let mut color = None;
        let mut rest = fmt;
        if let Some(c) = fmt.chars().next().and_then(color_letter) {
            color = Some(c);
            rest = &fmt[1..];
        } else if let Some(c) = fmt.chars().last().and_then(color_letter) {
            color = Some(c);
            rest = &fmt[..fmt.len() - 1];
        }
        let dash = match rest {
            "" | "-" => Dash::Solid,
            "--" => Dash::Dashed,
            "-." => Dash::DashDot,
            ":" => Dash::Dotted,
            _ => return Err(bad()),
        };
        Ok(Style::new(color.unwrap_or(TAB10[0]), dash))
    }

    /// The style of the `i`-th series when none is given: d2l's `fmts` (`-` in blue, `m--`, `g-.`,
    /// `r:`) for the first four, then matplotlib's colour cycle with the four dashes in turn.
    ///
    /// ```
    /// use ferrite_train::{Dash, Style};
    /// assert_eq!(Style::cycle(1), Style::from_fmt("m--")?);
    /// assert_eq!(Style::cycle(4).dash, Dash::Solid);
    /// # Ok::<(), ferrite_train::Error>(())
    /// ```
    pub fn cycle(i: usize) -> Style {
        const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::DashDot, Dash::Dotted];
        const D2L: [Rgb; 4] = [TAB10[0], Rgb(191, 0, 191), Rgb(0, 128, 0), Rgb(255, 0, 0)];
        let color = if i < 4 { D2L[i] } else { TAB10[i % TAB10.len()] };
        Style::new(color, DASHES[i % 4])
    }
}

/// matplotlib's single-letter colours.
fn color_letter(c: char) -> Option<Rgb> {
    Some(match c {
        'b' => Rgb(0, 0, 255),
        'g' => Rgb(0, 128, 0),
        'r' => Rgb(255, 0, 0),
        'c' => Rgb(0, 191, 191),
        'm' => Rgb(191, 0, 191),
        'y' => Rgb(191, 191, 0),
        'k' => Rgb(0, 0, 0),
        'w' => Rgb(255, 255, 255),
        _ => return None,
    })
}

/// One line: its legend label, its points in data coordinates, and its style.
///
/// Points are drawn in order and joined; a point that cannot be drawn (a NaN or infinite
/// coordinate, or a value `<= 0` on a log axis) is left out of the line.
///
/// ```
/// use ferrite_train::{Series, Style};
/// let s = Series::new(vec![(0.0, 1.0), (1.0, 2.0)], Style::cycle(0)).label("train loss");
/// assert_eq!((s.label.as_deref(), s.points.len()), (Some("train loss"), 2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend entry; a series without one is left out of the legend.
    pub label: Option<String>,
    /// `(x, y)` points in data coordinates.
    pub points: Vec<(f64, f64)>,
    /// How the line is drawn.
    pub style: Style,
}

impl Series {
    /// An unlabelled series.
    pub fn new(points: Vec<(f64, f64)>, style: Style) -> Self {
        Series { label: None, points, style }
    }

    /// Sets the legend label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

/// Where the legend goes inside the plot area (matplotlib's `loc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendLoc {
    /// The corner that covers the fewest points (matplotlib's default, `best`).
    #[default]
    Best,
    /// Top right.
    UpperRight,
    /// Top left.
    UpperLeft,
    /// Bottom left.
    LowerLeft,
    /// Bottom right.
    LowerRight,
    /// No legend.
    Hidden,
}

/// One plot: axis labels, limits, scales, legend placement, grid and the series (matplotlib's
/// `Axes` as d2l's `set_axes` configures it).
///
/// The builder methods share the fields' names; the fields stay public so tests and users can
/// read and change a figure after it was built.
///
/// ```
/// use ferrite_train::{Axes, Scale};
/// let axes = Axes::new().xlabel("epoch").ylabel("loss").xlim(1.0, 10.0).yscale(Scale::Log);
/// assert_eq!(axes.xlim, Some((1.0, 10.0)));
/// assert_eq!(axes.ylim, None); // from the data
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Axes {
    /// The x axis label.
    pub xlabel: Option<String>,
    /// The y axis label.
    pub ylabel: Option<String>,
    /// The x range shown; `None` fits the data with a 5% margin.
    pub xlim: Option<(f64, f64)>,
    /// The y range shown; `None` fits the data with a 5% margin.
    pub ylim: Option<(f64, f64)>,
    /// The x scale.
    pub xscale: Scale,
    /// The y scale.
    pub yscale: Scale,
    /// Where the legend of the labelled series goes.
    pub legend_loc: LegendLoc,
    /// Grid lines at the major ticks (on, as d2l's `set_axes` turns them on).
    pub grid: bool,
    /// The lines, drawn in order.
    pub series: Vec<Series>,
}

impl Default for Axes {
    fn default() -> Self {
        Axes {
            xlabel: None,
            ylabel: None,
            xlim: None,
            ylim: None,
            xscale: Scale::Linear,
            yscale: Scale::Linear,
            legend_loc: LegendLoc::Best,
            grid: true,
            series: Vec::new(),
        }
    }
}

impl Axes {
    /// Empty axes: linear scales, limits from the data, grid on, legend at the best corner.
    pub fn new() -> Self {
        Axes::default()
    }

    /// Sets the x axis label.
    pub fn xlabel(mut self, label: impl Into<String>) -> Self {
        self.xlabel = Some(label.into());
        self
    }

    /// Sets the y axis label.
    pub fn ylabel(mut self, label: impl Into<String>) -> Self {
        self.ylabel = Some(label.into());
        self
    }

    /// Shows `lo..=hi` on the x axis (checked when rendering: finite, `lo < hi`, positive on a
    /// log scale).
    pub fn xlim(mut self, lo: f64, hi: f64) -> Self {
        self.xlim = Some((lo, hi));
        self
    }

    /// Shows `lo..=hi` on the y axis.
    pub fn ylim(mut self, lo: f64, hi: f64) -> Self {
        self.ylim = Some((lo, hi));
        self
    }

    /// Sets the x scale.
    pub fn xscale(mut self, scale: Scale) -> Self {
        self.xscale = scale;
        self
    }

    /// Sets the y scale.
    pub fn yscale(mut self, scale: Scale) -> Self {
        self.yscale = scale;
        self
    }

    /// Sets where the legend goes.
    pub fn legend_loc(mut self, loc: LegendLoc) -> Self {
        self.legend_loc = loc;
        self
    }

    /// Turns the grid on or off.
    pub fn grid(mut self, on: bool) -> Self {
        self.grid = on;
        self
    }

    /// Adds a series.
    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }
}

/// A figure: a size in pixels and one [`Axes`], rendered to SVG with plotters.
///
/// ```
/// use ferrite_train::{Axes, Figure, Series, Style};
/// let fig = Figure::new(Axes::new().series(Series::new(vec![(0.0, 0.0), (1.0, 1.0)], Style::cycle(0))));
/// let svg = fig.to_svg()?;
/// assert!(svg.starts_with("<svg") && svg.contains("<polyline class=\"series\""));
/// fig.save_svg(std::env::temp_dir().join("ferrite_train_figure_doc.svg"))?;
/// # Ok::<(), ferrite_train::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The plot.
    pub axes: Axes,
}

impl Figure {
    /// A figure of 490 × 350 pixels: d2l's `figsize=(3.5, 2.5)` inches at 140 pixels an inch.
    pub fn new(axes: Axes) -> Self {
        Figure { width: 490, height: 350, axes }
    }

    /// Sets the size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// The figure as an SVG document. Errors name the limits that cannot be shown (empty,
    /// not finite, or not positive on a log scale) or a size too small to draw in.
    pub fn to_svg(&self) -> Result<String> {
        render::figure_svg(self)
    }

    /// Writes the SVG document to `path`, atomically: to a temporary file in the same folder,
    /// renamed over `path`, so a browser reloading the file never sees half of it.
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        render::write_atomic(path.as_ref(), &self.to_svg()?, "Figure::save_svg")
    }
}

/// Numbers that can be plotted: tensors (flattened, any dtype, any device) and `f64`/`f32`
/// vectors, arrays and slices.
pub trait PlotData {
    /// The values as `f64`, in order.
    fn values(&self) -> Result<Vec<f64>>;
}

impl PlotData for Tensor {
    fn values(&self) -> Result<Vec<f64>> {
        Ok(self.to_vec::<f64>()?)
    }
}

macro_rules! plot_data {
    ($($t:ty),*) => {$(
        impl PlotData for [$t] {
            fn values(&self) -> Result<Vec<f64>> {
                Ok(self.iter().map(|&v| f64::from(v)).collect())
            }
        }
        impl PlotData for &[$t] {
            fn values(&self) -> Result<Vec<f64>> {
                (**self).values()
            }
        }
        impl PlotData for Vec<$t> {
            fn values(&self) -> Result<Vec<f64>> {
                self.as_slice().values()
            }
        }
        impl<const N: usize> PlotData for [$t; N] {
            fn values(&self) -> Result<Vec<f64>> {
                self.as_slice().values()
            }
        }
    )*};
}
plot_data!(f64, f32);

/// Plots each of `ys` against `x` (d2l's `d2l.plot(x, [y1, y2], ..., legend=...)`): series `i`
/// gets `legend[i]` as its label (if there is one) and [`Style::cycle`]`(i)` as its style; `axes`
/// gives the labels, limits and scales, and any series it already has stay in front.
///
/// Returns the figure, to inspect or to [`Figure::save_svg`]. Every `y` must have as many values
/// as `x`, and there may not be more legend labels than series.
///
/// d2l's ReLU and its gradient:
///
/// ```
/// use ferrite_autograd::Backward;
/// use ferrite_tensor::Tensor;
/// use ferrite_train::{plot, Axes};
/// let x = Tensor::arange_step(-8.0, 8.0, 0.1)?.requires_grad_(true)?;
/// let y = x.relu()?;
/// y.sum_all()?.backward()?;
/// let grad = x.grad().expect("backward filled x.grad");
/// let fig = plot(&x, &[&y.detach(), &grad], &["relu(x)", "grad of relu"], Axes::new().xlabel("x"))?;
/// assert_eq!(fig.axes.series.len(), 2);
/// assert_eq!(fig.axes.series[1].points[100], (x.to_vec::<f64>()?[100], 1.0));
/// fig.save_svg(std::env::temp_dir().join("ferrite_train_relu.svg"))?;
/// # Ok::<(), ferrite_train::Error>(())
/// ```
pub fn plot(x: &dyn PlotData, ys: &[&dyn PlotData], legend: &[&str], mut axes: Axes) -> Result<Figure> {
    if legend.len() > ys.len() {
        return Err(Error::LengthMismatch {
            func: "plot",
            what: "legend".into(),
            expected: ys.len(),
            got: legend.len(),
        });
    }
    let xs = x.values()?;
    for (i, y) in ys.iter().enumerate() {
        let y = y.values()?;
        if y.len() != xs.len() {
            return Err(Error::LengthMismatch {
                func: "plot",
                what: format!("y[{i}] (x has {})", xs.len()),
                expected: xs.len(),
                got: y.len(),
            });
        }
        let mut series = Series::new(xs.iter().copied().zip(y).collect(), Style::cycle(i));
        series.label = legend.get(i).map(|l| l.to_string());
        axes.series.push(series);
    }
    Ok(Figure::new(axes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_strings_parse_as_matplotlib_reads_them() -> Result<()> {
        assert_eq!(Style::from_fmt("-")?, Style::cycle(0));
        assert_eq!(Style::from_fmt("g-.")?, Style::cycle(2));
        assert_eq!(Style::from_fmt("r:")?, Style::cycle(3));
        assert_eq!(Style::from_fmt("k")?, Style::new(Rgb(0, 0, 0), Dash::Solid));
        let err = Style::from_fmt("m-o").unwrap_err();
        assert_eq!(err.to_string(), "Style::from_fmt: cannot parse format string \"m-o\"");
        Ok(())
    }

    #[test]
    fn plot_pairs_each_y_with_x_and_names_mismatched_lengths() -> Result<()> {
        let fig = plot(&[1.0, 2.0, 3.0], &[&vec![1.0f32, 4.0, 9.0]], &["square"], Axes::new())?;
        let s = &fig.axes.series[0];
        assert_eq!(s.points, vec![(1.0, 1.0), (2.0, 4.0), (3.0, 9.0)]);
        assert_eq!(s.label.as_deref(), Some("square"));
        let err = plot(&[1.0, 2.0], &[&[1.0, 2.0], &[1.0]], &[], Axes::new()).unwrap_err();
        assert_eq!(err.to_string(), "plot: y[1] (x has 2) has 1 values, expected 2");
        let err = plot(&[1.0], &[&[1.0]], &["a", "b"], Axes::new()).unwrap_err();
        assert_eq!(err.to_string(), "plot: legend has 2 values, expected 1");
        Ok(())
    }
}
