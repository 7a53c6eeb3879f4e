//! torchvision's `Resize` on tensors: separable, antialiased bilinear interpolation
//! (`interpolate(x, size, mode='bilinear', antialias=True, align_corners=False)`).
//!
//! Each output pixel along a dim is a normalized triangle-filter average of the input pixels
//! around its center; when shrinking by a factor `s`, the filter's support widens by `s`, so every
//! input pixel contributes (PIL's resampling, which PyTorch's `_upsample_bilinear2d_aa` copies).
//! When growing, this is plain bilinear interpolation. The weights depend only on the sizes, so
//! [`Resize`] computes them once per output row and column and reuses them for every image.

use crate::{Error, Result};
use ferrite_tensor::{DType, Tensor};

/// The target of a resize, as torchvision's `Resize(size)` takes it.
///
/// `Size::Edge(s)` (from a `usize`) scales the smaller edge to `s` and the other edge to
/// `floor(s * long / short)`, keeping the aspect ratio; `Size::Exact(h, w)` (from a tuple) gives
/// exactly `h × w`.
///
/// ```
/// use ferrite_data::vision::Size;
/// assert_eq!(Size::from(64).output_size((28, 28)), (64, 64));
/// assert_eq!(Size::from(16).output_size((30, 22)), (21, 16));
/// assert_eq!(Size::from((20, 17)).output_size((28, 28)), (20, 17));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// The smaller edge's new length; the other edge keeps the aspect ratio.
    Edge(usize),
    /// The exact output height and width.
    Exact(usize, usize),
}

impl Size {
    /// The output `(height, width)` for an input of `(height, width)`.
    pub fn output_size(self, (h, w): (usize, usize)) -> (usize, usize) {
        match self {
            Size::Exact(oh, ow) => (oh, ow),
            Size::Edge(s) => {
                let (short, long) = if w <= h { (w, h) } else { (h, w) };
                // torchvision computes `int(s * long / short)` in Python floats.
                let new_long = if short == 0 { 0 } else { ((s * long) as f64 / short as f64) as usize };
                if w <= h { (new_long, s) } else { (s, new_long) }
            }
        }
    }
}

impl From<usize> for Size {
    fn from(s: usize) -> Size {
        Size::Edge(s)
    }
}

impl From<(usize, usize)> for Size {
    fn from((h, w): (usize, usize)) -> Size {
        Size::Exact(h, w)
    }
}

/// The taps of a 1-d antialiased bilinear resampling: for each output index, the first input
/// index it reads and its normalized weights.
#[derive(Debug, Clone)]
struct Taps {
    start: Vec<usize>,
    len: Vec<usize>,
    /// `stride` weights per output index, the first `len[i]` of them used.
    weights: Vec<f32>,
    stride: usize,
    /// The same taps widened to one fixed width (the longest `len`) by zero weights on input
    /// pixels next to the real ones, so the row kernel runs a fixed-length, unrolled loop.
    /// A zero weight adds exactly nothing for finite pixels, so the result does not change.
    width: usize,
    wide_start: Vec<usize>,
    wide_weights: Vec<f32>,
}

impl Taps {
    /// Mirrors PyTorch's `_compute_indices_min_size_weights_aa` for floats, including where it
    /// computes in `f32` and where C++ promotes to `f64`, so that the chosen taps agree exactly.
    fn new(input: usize, output: usize) -> Taps {
        let scale = input as f32 / output as f32;
        let support: f32 = if scale >= 1.0 { scale } else { 1.0 };
        let stride = support.ceil() as usize * 2 + 1;
        let invscale = if scale >= 1.0 { (1.0 / f64::from(scale)) as f32 } else { 1.0 };
        let mut taps = Taps {
            start: vec![0; output],
            len: vec![0; output],
            weights: vec![0.0; output * stride],
            stride,
            width: 0,
            wide_start: Vec::new(),
            wide_weights: Vec::new(),
        };
        for i in 0..output {
            let center = (f64::from(scale) * (i as f64 + 0.5)) as f32;
            let xmin = (f64::from(center - support) + 0.5).max(0.0) as usize;
            let xmax = ((f64::from(center + support) + 0.5) as usize).min(input);
            let len = xmax.saturating_sub(xmin).min(stride);
            let w = &mut taps.weights[i * stride..i * stride + len];
            for (j, w) in w.iter_mut().enumerate() {
                let x = ((f64::from((j + xmin) as f32 - center) + 0.5) * f64::from(invscale)) as f32;
                *w = (1.0 - x.abs()).max(0.0);
            }
            let total: f32 = w.iter().sum();
            if total != 0.0 {
                w.iter_mut().for_each(|w| *w /= total);
            }
            (taps.start[i], taps.len[i]) = (xmin, len);
        }
        taps.widen(input);
        taps
    }

    /// Fills the fixed-width copy of the taps; a window at the input's right edge starts
    /// earlier instead of reading past it.
    fn widen(&mut self, input: usize) {
        let width = self.len.iter().copied().max().unwrap_or(0);
        let mut wide_weights = vec![0.0; self.start.len() * width];
        let mut wide_start = Vec::with_capacity(self.start.len());
        for (i, w) in wide_weights.chunks_exact_mut(width.max(1)).enumerate() {
            let start = self.start[i].min(input - width);
            let offset = self.start[i] - start;
            w[offset..offset + self.len[i]].copy_from_slice(self.weights(i));
            wide_start.push(start);
        }
        (self.width, self.wide_start, self.wide_weights) = (width, wide_start, wide_weights);
    }

    /// Resamples each row of `src` (rows of `row_len`) into the rows of `dst`.
    fn resample_rows(&self, src: &[f32], row_len: usize, dst: &mut [f32]) {
        match self.width {
            1 => self.rows_fixed::<1>(src, row_len, dst),
            2 => self.rows_fixed::<2>(src, row_len, dst),
            3 => self.rows_fixed::<3>(src, row_len, dst),
            4 => self.rows_fixed::<4>(src, row_len, dst),
            5 => self.rows_fixed::<5>(src, row_len, dst),
            6 => self.rows_fixed::<6>(src, row_len, dst),
            _ => {
                let out_len = self.start.len();
                for (row_in, row_out) in src.chunks_exact(row_len).zip(dst.chunks_exact_mut(out_len)) {
                    for (x, out) in row_out.iter_mut().enumerate() {
                        *out = dot(self.weights(x), &row_in[self.start[x]..]);
                    }
                }
            }
        }
    }

    fn rows_fixed<const K: usize>(&self, src: &[f32], row_len: usize, dst: &mut [f32]) {
        debug_assert_eq!(self.width, K);
        let (weights, _) = self.wide_weights.as_chunks::<K>();
        for (row_in, row_out) in src.chunks_exact(row_len).zip(dst.chunks_exact_mut(self.start.len())) {
            for ((out, &start), w) in row_out.iter_mut().zip(&self.wide_start).zip(weights) {
                let x: &[f32; K] = row_in[start..start + K].try_into().expect("a window inside the row");
                // Accumulated from the first tap, as PyTorch does.
                let mut acc = x[0] * w[0];
                for k in 1..K {
                    acc += x[k] * w[k];
                }
                *out = acc;
            }
        }
    }

    fn weights(&self, i: usize) -> &[f32] {
        &self.weights[i * self.stride..i * self.stride + self.len[i]]
    }
}

/// A resize from one image size to another, with its weights precomputed.
///
/// Apply it to one `f32` plane with [`Resize::apply`], or use [`resize`] on a tensor.
///
/// ```
/// use ferrite_data::vision::Resize;
/// let r = Resize::new((2, 2), (4, 4))?;
/// let src = [0.0f32, 1.0, 1.0, 0.0];
/// let mut dst = [0.0f32; 16];
/// r.apply(&src, &mut dst, &mut Vec::new());
/// assert_eq!(&dst[..4], &[0.0, 0.25, 0.75, 1.0]);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Resize {
    input: (usize, usize),
    output: (usize, usize),
    rows: Option<Taps>,
    cols: Option<Taps>,
}

impl Resize {
    /// A resize of `input = (height, width)` images to `size`; an error if either size has a 0.
    pub fn new(input: (usize, usize), size: impl Into<Size>) -> Result<Resize> {
        let output = size.into().output_size(input);
        if input.0 == 0 || input.1 == 0 || output.0 == 0 || output.1 == 0 {
            return Err(Error::InvalidResize { input, output });
        }
        // A dim that keeps its size is skipped, as PyTorch skips it (its weights would be the
        // identity anyway).
        let taps = |i, o| (i != o).then(|| Taps::new(i, o));
        Ok(Resize { input, output, rows: taps(input.0, output.0), cols: taps(input.1, output.1) })
    }

    /// The input `(height, width)`.
    pub fn input_size(&self) -> (usize, usize) {
        self.input
    }

    /// The output `(height, width)`.
    pub fn output_size(&self) -> (usize, usize) {
        self.output
    }

    /// Resizes one row-major plane `src` of the input size into `dst` of the output size.
    /// `scratch` holds the intermediate plane; pass the same one to reuse its allocation.
    ///
    /// Panics if `src` or `dst` has the wrong length.
    pub fn apply(&self, src: &[f32], dst: &mut [f32], scratch: &mut Vec<f32>) {
        let ((ih, iw), (oh, ow)) = (self.input, self.output);
        assert_eq!(src.len(), ih * iw, "Resize::apply: source plane length");
        assert_eq!(dst.len(), oh * ow, "Resize::apply: destination plane length");
        // Width first, then height, in PyTorch's order, so rounding matches too.
        let horizontal: &[f32] = match &self.cols {
            None => src,
            Some(cols) => {
                scratch.resize(ih * ow, 0.0);
                cols.resample_rows(src, iw, scratch);
                scratch
            }
        };
        match &self.rows {
            None => dst.copy_from_slice(horizontal),
            Some(rows) => {
                for (y, row_out) in dst.chunks_exact_mut(ow).enumerate() {
                    let (start, w) = (rows.start[y], rows.weights(y));
                    // Row-wise accumulation, in the same order per element as PyTorch's loop.
                    let first = &horizontal[start * ow..(start + 1) * ow];
                    row_out.iter_mut().zip(first).for_each(|(o, &v)| *o = v * w[0]);
                    for (k, &wk) in w.iter().enumerate().skip(1) {
                        let row_in = &horizontal[(start + k) * ow..(start + k + 1) * ow];
                        row_out.iter_mut().zip(row_in).for_each(|(o, &v)| *o += v * wk);
                    }
                }
            }
        }
    }
}

/// `sum_k w[k] * x[k]`, accumulated from the first tap as PyTorch does.
fn dot(w: &[f32], x: &[f32]) -> f32 {
    debug_assert!(!w.is_empty(), "every output reads at least one input");
    let mut acc = x[0] * w[0];
    for (&wk, &xk) in w.iter().zip(x).skip(1) {
        acc += xk * wk;
    }
    acc
}

/// torchvision's `Resize(size)` (antialias on) of an `f32` tensor of shape `(..., H, W)`: the same
/// values as `interpolate(x, size, mode='bilinear', antialias=True, align_corners=False)`, to
/// float rounding (a golden test checks 1e-5; the differences seen are about 1e-7). Shrinking
/// averages over the wider filter, so each output below mixes three inputs.
///
/// One difference from PyTorch, for non-finite inputs only: a NaN or infinite pixel can also
/// spoil an output that gives it a zero weight, next to the outputs it really feeds.
///
/// ```
/// use ferrite_data::vision::resize;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [1, 1, 1, 4])?;
/// let y = resize(&x, (1, 2))?;
/// assert_eq!(y.dims(), &[1, 1, 1, 2]);
/// // PyTorch: tensor([[[[0.7143, 2.2857]]]]), i.e. (1 * 3 + 2) / 7 and (1 + 2 * 3 + 3 * 3) / 7.
/// let y = y.to_vec::<f32>()?;
/// assert!((y[0] - 5.0 / 7.0).abs() < 1e-6 && (y[1] - 16.0 / 7.0).abs() < 1e-6);
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn resize(x: &Tensor, size: impl Into<Size>) -> Result<Tensor> {
    if x.dtype() != DType::F32 {
        return Err(ferrite_tensor::Error::UnsupportedDType { op: "resize", dtype: x.dtype() }.into());
    }
    let dims = x.dims();
    if dims.len() < 2 {
        return Err(ferrite_tensor::Error::DimOutOfRange { op: "resize", dim: -2, rank: dims.len() }.into());
    }
    let (lead, input) = (&dims[..dims.len() - 2], (dims[dims.len() - 2], dims[dims.len() - 1]));
    let r = Resize::new(input, size)?;
    let (oh, ow) = r.output_size();
    let src = x.to_vec::<f32>()?;
    let mut out = vec![0.0f32; lead.iter().product::<usize>() * oh * ow];
    let mut scratch = Vec::new();
    for (plane_in, plane_out) in src.chunks_exact(input.0 * input.1).zip(out.chunks_exact_mut(oh * ow)) {
        r.apply(plane_in, plane_out, &mut scratch);
    }
    let shape: Vec<usize> = lead.iter().copied().chain([oh, ow]).collect();
    Ok(Tensor::from_vec(out, shape)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_normalized_and_cover_the_input() {
        for (i, o) in [(28, 64), (28, 14), (28, 17), (5, 3), (3, 5), (1, 7), (7, 1)] {
            let t = Taps::new(i, o);
            for y in 0..o {
                let s: f32 = t.weights(y).iter().sum();
                assert!((s - 1.0).abs() < 1e-6, "{i}->{o} row {y}: weights sum to {s}");
                assert!(t.start[y] + t.len[y] <= i);
            }
        }
    }

    #[test]
    fn fixed_width_rows_equal_the_exact_taps_bit_for_bit() {
        for (i, o) in [(28, 64), (28, 14), (28, 17), (30, 11), (5, 3), (3, 5), (7, 1), (28, 5)] {
            let t = Taps::new(i, o);
            let src: Vec<f32> = (0..3 * i).map(|k| ((k * 7919) % 1009) as f32 / 1009.0).collect();
            let mut fast = vec![0.0; 3 * o];
            t.resample_rows(&src, i, &mut fast);
            for (r, row) in fast.chunks_exact(o).enumerate() {
                for (x, &v) in row.iter().enumerate() {
                    let exact = dot(t.weights(x), &src[r * i + t.start[x]..]);
                    assert_eq!(v.to_bits(), exact.to_bits(), "{i}->{o} row {r} col {x} (width {})", t.width);
                }
            }
        }
    }

    #[test]
    fn halving_averages_pairs() {
        let r = Resize::new((1, 4), (1, 2)).unwrap();
        let mut out = [0.0; 2];
        r.apply(&[1.0, 3.0, 5.0, 7.0], &mut out, &mut Vec::new());
        // Support 2 around centers 1 and 3: weights 1/8, 3/8, 3/8, 1/8 (cut at the border).
        assert!((out[0] - (1.0 * 3.0 + 3.0 * 3.0 + 5.0) / 7.0).abs() < 1e-6, "{out:?}");
    }
}
