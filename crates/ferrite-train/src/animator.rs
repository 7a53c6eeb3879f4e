//! `Animator`: d2l's incrementally drawn plot, kept as a `Figure` and re-rendered to an SVG file
//! after every `add`.

use crate::figure::{Axes, Figure, Series, Style};
use crate::{Error, Result, render};
use std::path::{Path, PathBuf};

/// Draws data incrementally (d2l's `Animator`): each [`add`](Animator::add) appends one point to
/// each series and, when a path is set, rewrites the SVG file atomically, so a browser tab on the
/// file (reloaded, or with an auto-refresh extension) shows the progress.
///
/// The series are created by the first `add`, one per value, labelled from `legend` in order and
/// styled with d2l's `fmts` (`-`, `m--`, `g-.`, `r:`; see [`Style::cycle`]) unless
/// [`with_styles`](Animator::with_styles) gives others. Every later `add` must pass as many values.
///
/// ```
/// use ferrite_train::{Animator, Axes};
/// let path = std::env::temp_dir().join("ferrite_train_animator_doc.svg");
/// let mut animator = Animator::new(Axes::new().xlabel("epoch").xlim(1.0, 3.0), &["train", "test"])
///     .with_path(&path);
/// for epoch in 1..=3 {
///     let test = if epoch == 2 { None } else { Some(0.5) }; // a missing point
///     animator.add(epoch as f64, [Some(1.0 / epoch as f64), test])?;
/// }
/// let series = &animator.figure().axes.series;
/// assert_eq!(series[0].points.len(), 3);
/// assert_eq!(series[1].points, vec![(1.0, 0.5), (3.0, 0.5)]);
/// assert!(std::fs::read_to_string(&path)?.contains(">train</text>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Animator {
    figure: Figure,
    legend: Vec<String>,
    styles: Vec<Style>,
    path: Option<PathBuf>,
    first_series: usize,
}

impl Animator {
    /// An animator drawing into `axes` (labels, limits, scales), its series to be labelled by
    /// `legend` in order. It writes no file until [`with_path`](Animator::with_path) sets one.
    pub fn new(axes: Axes, legend: &[&str]) -> Self {
        let first_series = axes.series.len();
        Animator {
            figure: Figure::new(axes),
            legend: legend.iter().map(|l| l.to_string()).collect(),
            styles: Vec::new(),
            path: None,
            first_series,
        }
    }

    /// Rewrites the SVG file at `path` after every `add`.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Styles for the series, in order (d2l's `fmts`); series past the end use [`Style::cycle`].
    pub fn with_styles(mut self, styles: Vec<Style>) -> Self {
        self.styles = styles;
        self
    }

    /// Sets the figure's size in pixels.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.figure = self.figure.size(width, height);
        self
    }

    /// Adds the point `(x, ys[i])` to series `i`, skipping the series whose value is `None`
    /// (d2l's `add(x, y)` with `None` for a missing value), then rewrites the file if a path is
    /// set. Values may be `f64` or `Option<f64>`: `add(1.0, [0.5, 0.7])`.
    ///
    /// The first call fixes the number of series; a later call with another number is an error
    /// and adds nothing.
    pub fn add<I>(&mut self, x: f64, ys: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Into<Option<f64>>,
    {
        let ys: Vec<Option<f64>> = ys.into_iter().map(Into::into).collect();
        let series = &mut self.figure.axes.series;
        if series.len() == self.first_series {
            for i in 0..ys.len() {
                let style = self.styles.get(i).copied().unwrap_or_else(|| Style::cycle(i));
                let mut s = Series::new(Vec::new(), style);
                s.label = self.legend.get(i).cloned();
                series.push(s);
            }
        }
        let mine = &mut series[self.first_series..];
        if mine.len() != ys.len() {
            return Err(Error::LengthMismatch {
                func: "Animator::add",
                what: "ys".into(),
                expected: mine.len(),
                got: ys.len(),
            });
        }
        for (s, y) in mine.iter_mut().zip(ys) {
            if let Some(y) = y {
                s.points.push((x, y));
            }
        }
        match &self.path {
            Some(path) => render::write_atomic(path, &self.figure.to_svg()?, "Animator::add"),
            None => Ok(()),
        }
    }

    /// The figure drawn so far.
    pub fn figure(&self) -> &Figure {
        &self.figure
    }

    /// The figure, giving up the animator.
    pub fn into_figure(self) -> Figure {
        self.figure
    }

    /// The SVG file rewritten after every `add`, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_are_created_by_the_first_add_and_keep_their_number() -> Result<()> {
        let mut a = Animator::new(Axes::new(), &["a"]);
        a.add(1.0, [1.0, 2.0])?;
        a.add(2.0, [Some(3.0), None])?;
        let s = &a.figure().axes.series;
        assert_eq!((s[0].label.as_deref(), s[1].label.as_deref()), (Some("a"), None));
        assert_eq!(s[0].points, vec![(1.0, 1.0), (2.0, 3.0)]);
        assert_eq!(s[1].points, vec![(1.0, 2.0)]);
        assert_eq!(s[1].style, Style::cycle(1));
        let err = a.add(3.0, [1.0]).unwrap_err();
        assert_eq!(err.to_string(), "Animator::add: ys has 1 values, expected 2");
        assert_eq!(a.figure().axes.series[0].points.len(), 2);
        Ok(())
    }
}
