//! 2-D pooling: `MaxPool2d` and `AvgPool2d` (PyTorch's `nn.MaxPool2d`, `nn.AvgPool2d`), as a
//! reduction over the stacked window views that `Conv2d` also uses.
//!
//! Max pooling reduces with `max(dim)`, whose gradient goes to the first maximum of each window,
//! as PyTorch's `max_pool2d` does for ties (`amax` would split it among them).

use crate::conv::{Window, batched, out_len, pad2d, windows};
use crate::module::ModuleBase;
use crate::{Error, Module, Result, Size2d, impl_module_display};
use ferrite_tensor::Tensor;
use std::any::Any;

/// Max over `kernel_size` windows of `[N, C, H, W]` (or `[C, H, W]`) input, PyTorch's
/// `nn.MaxPool2d`. The stride defaults to the kernel size; padding is implicit `-inf`.
///
/// ```
/// use ferrite_nn::{MaxPool2d, Module};
/// use ferrite_tensor::Tensor;
/// let pool = MaxPool2d::new(3).stride(2).padding(1);
/// assert_eq!(pool.to_string(), "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)");
/// assert_eq!(pool.forward(&Tensor::rand([1, 64, 56, 56]))?.dims(), &[1, 64, 28, 28]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MaxPool2d {
    kernel_size: Size2d,
    stride: Size2d,
    padding: Size2d,
    dilation: Size2d,
    ceil_mode: bool,
}

impl MaxPool2d {
    /// Pooling over `kernel_size` windows with stride `kernel_size`, no padding, dilation 1.
    pub fn new(kernel_size: impl Into<Size2d>) -> MaxPool2d {
        let kernel_size = kernel_size.into();
        MaxPool2d {
            kernel_size,
            stride: kernel_size,
            padding: Size2d::Square(0),
            dilation: Size2d::Square(1),
            ceil_mode: false,
        }
    }

    /// Sets the stride.
    pub fn stride(mut self, stride: impl Into<Size2d>) -> Self {
        self.stride = stride.into();
        self
    }

    /// Sets the implicit `-inf` padding on each side (at most half the kernel size).
    pub fn padding(mut self, padding: impl Into<Size2d>) -> Self {
        self.padding = padding.into();
        self
    }

    /// Sets the spacing between window elements.
    pub fn dilation(mut self, dilation: impl Into<Size2d>) -> Self {
        self.dilation = dilation.into();
        self
    }

    /// Rounds the output size up instead of down, so a last partial window (starting inside the
    /// input) is kept.
    pub fn ceil_mode(mut self, ceil_mode: bool) -> Self {
        self.ceil_mode = ceil_mode;
        self
    }

    fn window(&self) -> Window {
        Window {
            kernel: self.kernel_size.hw(),
            stride: self.stride.hw(),
            padding: self.padding.hw(),
            dilation: self.dilation.hw(),
        }
    }
}

/// Mean over `kernel_size` windows of `[N, C, H, W]` (or `[C, H, W]`) input, PyTorch's
/// `nn.AvgPool2d` with its defaults: zero padding counts in the mean (`count_include_pad=True`)
/// and the output size rounds down (`ceil_mode=False`). The stride defaults to the kernel size.
///
/// ```
/// use ferrite_nn::{AvgPool2d, Module};
/// use ferrite_tensor::Tensor;
/// let pool = AvgPool2d::new(2);
/// assert_eq!(pool.to_string(), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
/// let y = pool.forward(&Tensor::arange(16.0)?.reshape([1, 1, 4, 4])?)?;
/// assert_eq!(y.to_vec::<f32>()?, vec![2.5, 4.5, 10.5, 12.5]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AvgPool2d {
    kernel_size: Size2d,
    stride: Size2d,
    padding: Size2d,
}

impl AvgPool2d {
    /// Pooling over `kernel_size` windows with stride `kernel_size` and no padding.
    pub fn new(kernel_size: impl Into<Size2d>) -> AvgPool2d {
        let kernel_size = kernel_size.into();
        AvgPool2d { kernel_size, stride: kernel_size, padding: Size2d::Square(0) }
    }

    /// Sets the stride.
    pub fn stride(mut self, stride: impl Into<Size2d>) -> Self {
        self.stride = stride.into();
        self
    }

    /// Sets the zero padding on each side (at most half the kernel size).
    pub fn padding(mut self, padding: impl Into<Size2d>) -> Self {
        self.padding = padding.into();
        self
    }

    fn window(&self) -> Window {
        Window {
            kernel: self.kernel_size.hw(),
            stride: self.stride.hw(),
            padding: self.padding.hw(),
            dilation: (1, 1),
        }
    }
}

impl ModuleBase for MaxPool2d {
    fn type_name(&self) -> String {
        "MaxPool2d".into()
    }
    fn extra_repr(&self) -> String {
        let ceil = if self.ceil_mode { "True" } else { "False" };
        format!(
            "kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={ceil}",
            self.kernel_size, self.stride, self.padding, self.dilation
        )
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl ModuleBase for AvgPool2d {
    fn type_name(&self) -> String {
        "AvgPool2d".into()
    }
    fn extra_repr(&self) -> String {
        format!("kernel_size={}, stride={}, padding={}", self.kernel_size, self.stride, self.padding)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Module for MaxPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        max_pool2d("MaxPool2d", x, self.window(), self.ceil_mode)
    }
}

impl Module for AvgPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        avg_pool2d("AvgPool2d", x, self.window())
    }
}

impl_module_display!(MaxPool2d, AvgPool2d);

/// Max pooling (the layer's and `functional::max_pool2d`'s implementation). Padding, and in ceil
/// mode the extra cells a last partial window reaches, are `-inf`, so they never win.
pub(crate) fn max_pool2d(op: &'static str, x: &Tensor, geom: Window, ceil_mode: bool) -> Result<Tensor> {
    let (x4, unbatched) = batched(op, x)?;
    let (h, w) = (x4.dims()[2], x4.dims()[3]);
    let (oh, ow) = pool_out(op, &x4, &geom, ceil_mode)?;
    let (ph, pw) = geom.padding;
    let (span_h, span_w) = geom.span();
    // Cells past the bottom/right padding that ceil mode's last window covers.
    let extra_h = ((oh - 1) * geom.stride.0 + span_h).saturating_sub(h + 2 * ph);
    let extra_w = ((ow - 1) * geom.stride.1 + span_w).saturating_sub(w + 2 * pw);
    let xp = pad2d(&x4, (ph, ph + extra_h, pw, pw + extra_w), f64::NEG_INFINITY)?;
    let (y, _) = windows(&xp, &geom, (oh, ow))?.max(2, false)?;
    Ok(if unbatched { y.squeeze(0)? } else { y })
}

/// Average pooling with zero padding counted in every window (`count_include_pad=True`).
pub(crate) fn avg_pool2d(op: &'static str, x: &Tensor, geom: Window) -> Result<Tensor> {
    let (x4, unbatched) = batched(op, x)?;
    let out = pool_out(op, &x4, &geom, false)?;
    let (ph, pw) = geom.padding;
    let xp = pad2d(&x4, (ph, ph, pw, pw), 0.0)?;
    let y = windows(&xp, &geom, out)?.mean(&[2], false)?;
    Ok(if unbatched { y.squeeze(0)? } else { y })
}

/// The output `(OH, OW)` of a pooling, with PyTorch's checks: positive sizes, padding at most half
/// the kernel, and at least one output element per dim.
fn pool_out(op: &'static str, x4: &Tensor, geom: &Window, ceil_mode: bool) -> Result<(usize, usize)> {
    geom.check(op)?;
    let (kh, kw) = geom.kernel;
    let (ph, pw) = geom.padding;
    if ph > kh / 2 || pw > kw / 2 {
        return Err(Error::InvalidArgument {
            op,
            reason: format!(
                "pad should be at most half of effective kernel size, but got pad=({ph}, {pw}), \
                 kernel_size=({kh}, {kw}) and dilation=({}, {})",
                geom.dilation.0, geom.dilation.1
            ),
        });
    }
    let d = x4.dims();
    let (c, h, w) = (d[1], d[2], d[3]);
    let (span_h, span_w) = geom.span();
    let len = |len: usize, pad: usize, span: usize, stride: usize| -> usize {
        let padded = len + 2 * pad;
        if padded < span {
            return 0;
        }
        if !ceil_mode {
            return out_len(len, span, stride, pad, 1);
        }
        let o = (padded - span).div_ceil(stride) + 1;
        // PyTorch drops a last window that would start in the right padding.
        if (o - 1) * stride >= len + pad { o - 1 } else { o }
    };
    let (oh, ow) = (len(h, ph, span_h, geom.stride.0), len(w, pw, span_w, geom.stride.1));
    if oh == 0 || ow == 0 {
        return Err(Error::InvalidArgument {
            op,
            reason: format!(
                "Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{oh}x{ow}). Output size is too small"
            ),
        });
    }
    Ok((oh, ow))
}
