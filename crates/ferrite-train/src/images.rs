//! `show_images`: d2l's grid of grayscale images with titles (Fashion-MNIST samples and their
//! labels), kept as an `ImageGrid` and rendered to SVG with plotters, one rectangle per pixel.

use crate::{Error, Result, render};
use ferrite_tensor::Tensor;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const FUNC: &str = "show_images";
const TITLE_HEIGHT: u32 = 18;
const PAD: u32 = 6;

/// One image of a grid: its pixels (row-major, as given) and its title.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageCell {
    /// Rows of pixels.
    pub height: usize,
    /// Columns of pixels.
    pub width: usize,
    /// `height * width` values, row-major; drawn from black (the image's minimum) to white (its
    /// maximum), as matplotlib's `imshow` scales each image.
    pub pixels: Vec<f64>,
    /// The title drawn above the image.
    pub title: Option<String>,
}

impl ImageCell {
    /// The pixels as gray levels `0..=255`, scaled from the image's finite minimum to its
    /// maximum (a constant image is black; a NaN pixel is black).
    pub fn gray_levels(&self) -> Vec<u8> {
        let finite = self.pixels.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        self.pixels
            .iter()
            .map(|&v| if v.is_finite() && hi > lo { (255.0 * (v - lo) / (hi - lo)).round() as u8 } else { 0 })
            .collect()
    }
}

/// A grid of images, `rows` × `cols`, filled row by row (d2l's `show_images` figure).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageGrid {
    /// Rows of cells.
    pub rows: usize,
    /// Columns of cells.
    pub cols: usize,
    /// The images, at most `rows * cols`; cells past the last image stay empty.
    pub cells: Vec<ImageCell>,
    /// The side of one image pixel in SVG pixels.
    pub pixel_size: u32,
}

impl ImageGrid {
    /// A grid of the first `rows * cols` images of `imgs`, shaped `(N, H, W)` or `(N, 1, H, W)`,
    /// titled by `titles` (one per image shown, or more).
    pub fn new(imgs: &Tensor, rows: usize, cols: usize, titles: Option<&[&str]>) -> Result<ImageGrid> {
        let (n, h, w) = match *imgs.dims() {
            [n, h, w] | [n, 1, h, w] => (n, h, w),
            _ => {
                let reason =
                    format!("expected images of shape (N, H, W) or (N, 1, H, W), got {}", imgs.shape());
                return Err(Error::invalid(FUNC, reason));
            }
        };
        if rows == 0 || cols == 0 || h == 0 || w == 0 {
            let reason = format!("cannot draw a {rows} x {cols} grid of {h} x {w} images");
            return Err(Error::invalid(FUNC, reason));
        }
        let shown = n.min(rows * cols);
        if let Some(titles) = titles
            && titles.len() < shown
        {
            let what = format!("titles (for {shown} images)");
            return Err(Error::LengthMismatch { func: FUNC, what, expected: shown, got: titles.len() });
        }
        let values = imgs.to_vec::<f64>()?;
        let cells = values
            .chunks(h * w)
            .take(shown)
            .enumerate()
            .map(|(i, pixels)| ImageCell {
                height: h,
                width: w,
                pixels: pixels.to_vec(),
                title: titles.map(|t| t[i].to_string()),
            })
            .collect();
        // About 100 SVG pixels per image, as d2l's 1.5-inch cells.
        let pixel_size = (100 / h.max(w)).clamp(1, 8) as u32;
        Ok(ImageGrid { rows, cols, cells, pixel_size })
    }

    /// The size of one cell (image, title and padding) in SVG pixels, saturating.
    fn cell_size(&self) -> (u32, u32) {
        let (h, w) = self.cells.first().map_or((1, 1), |c| (c.height, c.width));
        let side = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).saturating_mul(self.pixel_size);
        (side(w).saturating_add(2 * PAD), side(h).saturating_add(TITLE_HEIGHT + 2 * PAD))
    }

    /// The SVG size, after checking what `new` ensures (the fields are public, so they may have
    /// been changed since): cells of one nonzero size with all their pixels, and a grid that
    /// holds them in at most 2¹⁶ pixels a side.
    fn check(&self) -> Result<(u32, u32)> {
        let bad = |reason: String| Err(Error::invalid("ImageGrid::to_svg", reason));
        if let Some(c) =
            self.cells.iter().find(|c| c.height == 0 || c.width == 0 || c.pixels.len() != c.height * c.width)
        {
            return bad(format!(
                "a {} x {} image needs {} pixels, has {}",
                c.height,
                c.width,
                c.height * c.width,
                c.pixels.len()
            ));
        }
        if let (Some(a), Some(b)) = (
            self.cells.first(),
            self.cells.iter().find(|c| (c.height, c.width) != (self.cells[0].height, self.cells[0].width)),
        ) {
            return bad(format!(
                "images of different sizes: {} x {} and {} x {}",
                a.height, a.width, b.height, b.width
            ));
        }
        if self.cells.len() > self.rows.saturating_mul(self.cols) || self.pixel_size == 0 {
            let (n, r, c, s) = (self.cells.len(), self.rows, self.cols, self.pixel_size);
            return bad(format!("cannot draw {n} images in a {r} x {c} grid at {s} pixels a pixel"));
        }
        let (cw, ch) = self.cell_size();
        let side = |cell: u32, n: usize| {
            u32::try_from(n).ok().and_then(|n| cell.checked_mul(n)).filter(|&s| s <= 1 << 16)
        };
        match (side(cw, self.cols), side(ch, self.rows)) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => bad(format!("a {} x {} grid of {cw} x {ch} cells is too large", self.rows, self.cols)),
        }
    }

    /// The grid as an SVG document: per image a frame, one filled square per pixel and the title.
    pub fn to_svg(&self) -> Result<String> {
        let err = |e| Error::plot(FUNC, e);
        let size = self.check()?;
        let (cw, ch) = self.cell_size();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            let title_style =
                ("sans-serif", 13).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
            for (i, cell) in self.cells.iter().enumerate() {
                let x0 = (i % self.cols) as i32 * cw as i32 + PAD as i32;
                let y0 = (i / self.cols) as i32 * ch as i32 + PAD as i32;
                if let Some(title) = &cell.title {
                    let center = x0 + (cw - 2 * PAD) as i32 / 2;
                    root.draw(&Text::new(title.as_str(), (center, y0), title_style.clone())).map_err(err)?;
                }
                let top = y0 + TITLE_HEIGHT as i32;
                let s = self.pixel_size as i32;
                for (j, &g) in cell.gray_levels().iter().enumerate() {
                    let (x, y) = (x0 + (j % cell.width) as i32 * s, top + (j / cell.width) as i32 * s);
                    root.draw(&Rectangle::new([(x, y), (x + s, y + s)], RGBColor(g, g, g).filled()))
                        .map_err(err)?;
                }
                let (x1, y1) = (x0 + cell.width as i32 * s, top + cell.height as i32 * s);
                root.draw(&Rectangle::new([(x0, top), (x1, y1)], BLACK.stroke_width(1))).map_err(err)?;
            }
            root.present().map_err(err)?;
        }
        Ok(svg)
    }

    /// Writes the SVG document to `path` atomically (see [`crate::Figure::save_svg`]).
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        render::write_atomic(path.as_ref(), &self.to_svg()?, "ImageGrid::save_svg")
    }
}

/// Draws the first `num_rows * num_cols` of `imgs` (shaped `(N, H, W)` or `(N, 1, H, W)`) in a
/// grid, each under its title, and writes the SVG to `path` (d2l's `show_images`). Returns the
/// grid, to inspect.
///
/// d2l shows 18 Fashion-MNIST images with `show_images(X.reshape(18, 28, 28), 2, 9,
/// titles=get_fashion_mnist_labels(y))`; with two made-up images:
///
/// ```
/// use ferrite_tensor::Tensor;
/// let imgs = Tensor::rand([2, 1, 28, 28]);
/// let path = std::env::temp_dir().join("ferrite_train_show_images_doc.svg");
/// let grid = ferrite_train::show_images(&imgs, 1, 2, Some(&["t-shirt", "ankle boot"]), &path)?;
/// assert_eq!(grid.cells[1].title.as_deref(), Some("ankle boot"));
/// assert!(std::fs::read_to_string(&path)?.contains("ankle boot"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn show_images(
    imgs: &Tensor,
    num_rows: usize,
    num_cols: usize,
    titles: Option<&[&str]>,
    path: impl AsRef<Path>,
) -> Result<ImageGrid> {
    let grid = ImageGrid::new(imgs, num_rows, num_cols, titles)?;
    grid.save_svg(path)?;
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrite_tensor::tensor;

    #[test]
    fn gray_levels_span_each_image_from_black_to_white() {
        let cell = ImageCell { height: 1, width: 4, pixels: vec![2.0, 4.0, 3.0, f64::NAN], title: None };
        assert_eq!(cell.gray_levels(), vec![0, 255, 128, 0]);
    }

    #[test]
    fn bad_shapes_and_short_titles_are_errors() {
        let err = ImageGrid::new(&Tensor::zeros([2, 3]), 1, 1, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "show_images: expected images of shape (N, H, W) or (N, 1, H, W), got [2, 3]"
        );
        let imgs = tensor!([[[1.0]], [[2.0]], [[3.0]]]);
        let err = ImageGrid::new(&imgs, 1, 2, Some(&["a"])).unwrap_err();
        assert_eq!(err.to_string(), "show_images: titles (for 2 images) has 1 values, expected 2");
        let err = ImageGrid::new(&imgs, 0, 2, None).unwrap_err();
        assert_eq!(err.to_string(), "show_images: cannot draw a 0 x 2 grid of 1 x 1 images");
    }

    #[test]
    fn a_grid_changed_by_hand_is_checked_before_drawing() -> Result<()> {
        let mut grid = ImageGrid::new(&Tensor::zeros([2, 2, 2]), 1, 2, None)?;
        grid.cells[1].pixels.pop();
        let err = grid.to_svg().unwrap_err();
        assert_eq!(err.to_string(), "ImageGrid::to_svg: a 2 x 2 image needs 4 pixels, has 3");
        grid.cells[1] = ImageCell { height: 1, width: 4, pixels: vec![0.0; 4], title: None };
        let err = grid.to_svg().unwrap_err();
        assert_eq!(err.to_string(), "ImageGrid::to_svg: images of different sizes: 2 x 2 and 1 x 4");
        grid.cells.truncate(1);
        grid.cols = usize::MAX;
        assert!(grid.to_svg().unwrap_err().to_string().ends_with("is too large"));
        Ok(())
    }
}
