//! `show_images`: the grid's cells, and the written SVG's pixels, frames and titles.

mod svg;

use ferrite_tensor::Tensor;
use ferrite_train::{ImageGrid, Result, show_images};
use svg::{elements, texts};

const LABELS: [&str; 10] =
    ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"];

/// d2l's `show_images(X.reshape(18, 28, 28), 2, 9, titles=get_fashion_mnist_labels(y))`, on
/// made-up images: image `i` is a gradient of brightness `i`.
#[test]
fn eighteen_fashion_mnist_sized_images_in_two_rows() -> Result<()> {
    let n = 18;
    let ramp = Tensor::arange(28 * 28)?.float()?.reshape([1, 1, 28, 28])?;
    let scale = Tensor::arange_step(1.0, 19.0, 1.0)?.reshape([n, 1, 1, 1])?;
    let imgs = ramp.mul(&scale)?;
    let titles: Vec<&str> = (0..n).map(|i| LABELS[i % 10]).collect();
    let dir = svg::temp_dir("images");
    let path = dir.join("fashion.svg");
    let grid = show_images(&imgs.reshape([n, 28, 28])?, 2, 9, Some(&titles), &path)?;

    assert_eq!((grid.rows, grid.cols, grid.cells.len()), (2, 9, n));
    let cell = &grid.cells[17];
    assert_eq!((cell.height, cell.width, cell.pixels.len()), (28, 28, 784));
    assert_eq!(cell.title.as_deref(), Some("sneaker"));
    assert_eq!((cell.pixels[0], cell.pixels[783]), (0.0, 783.0 * 18.0));
    let gray = cell.gray_levels();
    assert_eq!((gray[0], gray[783]), (0, 255));

    let svg = std::fs::read_to_string(&path).expect("show_images wrote the SVG");
    assert_eq!(texts(&svg), titles, "one title per image, in order");
    let rects = elements(&svg, "rect");
    let frames: Vec<_> = rects.iter().filter(|r| r.attr("fill") == Some("none")).collect();
    assert_eq!(frames.len(), n, "one frame per image cell");
    let s = f64::from(grid.pixel_size);
    let pixels: Vec<_> =
        rects.iter().filter(|r| r.num("width") == s && r.attr("fill") != Some("none")).collect();
    assert_eq!(pixels.len(), n * 784, "one square per pixel");
    // Each frame holds 28 x 28 squares; the grid has 9 columns and 2 rows.
    assert!(frames.iter().all(|f| f.num("width") == 28.0 * s && f.num("height") == 28.0 * s));
    let xs: std::collections::BTreeSet<i64> = frames.iter().map(|f| f.num("x") as i64).collect();
    let ys: std::collections::BTreeSet<i64> = frames.iter().map(|f| f.num("y") as i64).collect();
    assert_eq!((xs.len(), ys.len()), (9, 2));
    // The first pixel of each image is black, the last white.
    let first = &pixels[0];
    let last = &pixels[783];
    assert_eq!((first.attr("fill"), last.attr("fill")), (Some("#000000"), Some("#FFFFFF")));
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[test]
fn a_grid_shows_at_most_rows_times_cols_images_and_leaves_the_rest_empty() -> Result<()> {
    let imgs = Tensor::rand([5, 1, 4, 3]);
    let grid = ImageGrid::new(&imgs, 1, 3, None)?;
    assert_eq!(grid.cells.len(), 3);
    assert_eq!(grid.cells[2].pixels, imgs.select(0, 2)?.to_vec::<f64>()?);
    let svg = grid.to_svg()?;
    assert!(texts(&svg).is_empty(), "no titles");
    let grid = ImageGrid::new(&imgs.narrow(0, 0, 2)?, 2, 2, None)?;
    let frames =
        elements(&grid.to_svg()?, "rect").into_iter().filter(|r| r.attr("fill") == Some("none")).count();
    assert_eq!(frames, 2);
    Ok(())
}
