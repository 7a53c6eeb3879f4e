//! 2-D convolution (`Conv2d`, PyTorch's `nn.Conv2d`) as im2col over strided views plus one
//! batched `matmul`, and the window machinery (padding, output sizes, window views) that the
//! pooling layers share.
//!
//! Everything is a composition of differentiable primitives (`cat`, `slice`, `stack`, `reshape`,
//! `matmul`, `add`), so autograd differentiates a convolution without a rule of its own.

use crate::module::ModuleBase;
use crate::{Error, Module, Parameter, Result, impl_module_display};
use ferrite_tensor::{Scalar, Tensor, no_grad};
use std::any::Any;
use std::fmt;

/// A 2-D size given either as one number for both dims or as `(height, width)`: PyTorch's
/// `_size_2_t` (`kernel_size=3` or `kernel_size=(3, 5)`).
///
/// It remembers which form it was given in, because pooling layers print it back that way
/// (`MaxPool2d(kernel_size=2, ...)` but `MaxPool2d(kernel_size=(2, 3), ...)`).
///
/// ```
/// use ferrite_nn::Size2d;
/// assert_eq!(Size2d::from(3).hw(), (3, 3));
/// assert_eq!(Size2d::from((2, 5)).hw(), (2, 5));
/// assert_eq!(Size2d::from(3).to_string(), "3");
/// assert_eq!(Size2d::from([2, 5]).to_string(), "(2, 5)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size2d {
    /// The same size for height and width, given as one number.
    Square(usize),
    /// `(height, width)`.
    Pair(usize, usize),
}

impl Size2d {
    /// `(height, width)`.
    pub fn hw(self) -> (usize, usize) {
        match self {
            Size2d::Square(k) => (k, k),
            Size2d::Pair(h, w) => (h, w),
        }
    }

    /// The pair form, as `Conv2d` stores every size (`_pair` in PyTorch).
    pub fn to_pair(self) -> Size2d {
        let (h, w) = self.hw();
        Size2d::Pair(h, w)
    }
}

impl From<usize> for Size2d {
    fn from(k: usize) -> Self {
        Size2d::Square(k)
    }
}

impl From<(usize, usize)> for Size2d {
    fn from((h, w): (usize, usize)) -> Self {
        Size2d::Pair(h, w)
    }
}

impl From<[usize; 2]> for Size2d {
    fn from([h, w]: [usize; 2]) -> Self {
        Size2d::Pair(h, w)
    }
}

/// Python's repr of an int or a tuple: `3` or `(3, 5)`.
impl fmt::Display for Size2d {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Size2d::Square(k) => write!(f, "{k}"),
            Size2d::Pair(h, w) => write!(f, "({h}, {w})"),
        }
    }
}

/// The options of a [`Conv2d`] besides its channels and kernel size; the default is PyTorch's
/// (`stride=1, padding=0, dilation=1, groups=1, bias=True`). Set fields directly or chain:
///
/// ```
/// use ferrite_nn::{Conv2d, Conv2dConfig};
/// let cfg = Conv2dConfig::default().stride(2).padding((1, 0)).bias(false);
/// let conv = Conv2d::with_config(3, 8, 3, cfg)?;
/// assert_eq!(
///     conv.to_string(),
///     "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 0), bias=False)"
/// );
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dConfig {
    /// Step between windows.
    pub stride: Size2d,
    /// Zeros added on each side of the input.
    pub padding: Size2d,
    /// Spacing between kernel taps.
    pub dilation: Size2d,
    /// Number of channel groups: input and output channels are split into `groups` blocks and
    /// block `g` of the output sees only block `g` of the input.
    pub groups: usize,
    /// Whether the layer adds a learnable bias.
    pub bias: bool,
}

impl Default for Conv2dConfig {
    fn default() -> Self {
        Conv2dConfig {
            stride: Size2d::Square(1),
            padding: Size2d::Square(0),
            dilation: Size2d::Square(1),
            groups: 1,
            bias: true,
        }
    }
}

impl Conv2dConfig {
    /// Sets the stride.
    pub fn stride(mut self, stride: impl Into<Size2d>) -> Self {
        self.stride = stride.into();
        self
    }

    /// Sets the zero padding.
    pub fn padding(mut self, padding: impl Into<Size2d>) -> Self {
        self.padding = padding.into();
        self
    }

    /// Sets the dilation.
    pub fn dilation(mut self, dilation: impl Into<Size2d>) -> Self {
        self.dilation = dilation.into();
        self
    }

    /// Sets the number of groups.
    pub fn groups(mut self, groups: usize) -> Self {
        self.groups = groups;
        self
    }

    /// Sets whether the layer has a bias.
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }
}

/// 2-D convolution over `[N, C, H, W]` (or unbatched `[C, H, W]`) input, PyTorch's
/// `nn.Conv2d`. `weight` is `[out_channels, in_channels / groups, kh, kw]`; both it and the bias
/// start as U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with `fan_in = in_channels / groups * kh * kw`,
/// which is PyTorch's `kaiming_uniform_(a=sqrt(5))`.
///
/// ```
/// use ferrite_nn::{Conv2d, Module};
/// use ferrite_tensor::Tensor;
/// let conv = Conv2d::new(1, 6, 5)?;
/// assert_eq!(conv.to_string(), "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))");
/// assert_eq!(conv.forward(&Tensor::rand([2, 1, 28, 28]))?.dims(), &[2, 6, 24, 24]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub struct Conv2d {
    /// `[out_channels, in_channels / groups, kh, kw]`.
    pub weight: Parameter,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Parameter>,
    in_channels: usize,
    out_channels: usize,
    kernel_size: (usize, usize),
    stride: (usize, usize),
    padding: (usize, usize),
    dilation: (usize, usize),
    groups: usize,
}

impl Conv2d {
    /// A layer with PyTorch's default options (stride 1, no padding, a bias).
    pub fn new(in_channels: usize, out_channels: usize, kernel_size: impl Into<Size2d>) -> Result<Conv2d> {
        Conv2d::with_config(in_channels, out_channels, kernel_size, Conv2dConfig::default())
    }

    /// A layer with the given options; an error when groups do not divide the channels or a
    /// kernel size, stride or dilation is zero.
    pub fn with_config(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Size2d>,
        cfg: Conv2dConfig,
    ) -> Result<Conv2d> {
        let invalid = |reason: String| Err(Error::InvalidArgument { op: "Conv2d", reason });
        let kernel_size = kernel_size.into().hw();
        if cfg.groups == 0 {
            return invalid("groups must be a positive integer".into());
        }
        if !in_channels.is_multiple_of(cfg.groups) {
            return invalid(format!(
                "in_channels ({in_channels}) must be divisible by groups ({})",
                cfg.groups
            ));
        }
        if !out_channels.is_multiple_of(cfg.groups) {
            return invalid(format!(
                "out_channels ({out_channels}) must be divisible by groups ({})",
                cfg.groups
            ));
        }
        let (stride, dilation) = (cfg.stride.hw(), cfg.dilation.hw());
        check_positive("Conv2d", "kernel_size", kernel_size)?;
        check_positive("Conv2d", "stride", stride)?;
        check_positive("Conv2d", "dilation", dilation)?;
        let fan_in = in_channels / cfg.groups * kernel_size.0 * kernel_size.1;
        let bound = if fan_in > 0 { 1.0 / (fan_in as f64).sqrt() } else { 0.0 };
        let _g = no_grad();
        let w = Tensor::zeros([out_channels, in_channels / cfg.groups, kernel_size.0, kernel_size.1]);
        w.uniform_(-bound, bound)?;
        let bias = if cfg.bias {
            let b = Tensor::zeros([out_channels]);
            b.uniform_(-bound, bound)?;
            Some(Parameter::new(b)?)
        } else {
            None
        };
        Ok(Conv2d {
            weight: Parameter::new(w)?,
            bias,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding: cfg.padding.hw(),
            dilation,
            groups: cfg.groups,
        })
    }

    /// The weight tensor (a handle; PyTorch's `conv.weight`).
    pub fn weight(&self) -> Result<Tensor> {
        self.weight.tensor()
    }

    /// The bias tensor, if any.
    pub fn bias(&self) -> Result<Option<Tensor>> {
        self.bias.as_ref().map(Parameter::tensor).transpose()
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// Output channels.
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }

    /// `(kh, kw)`.
    pub fn kernel_size(&self) -> (usize, usize) {
        self.kernel_size
    }

    /// `(sh, sw)`.
    pub fn stride(&self) -> (usize, usize) {
        self.stride
    }

    /// `(ph, pw)`.
    pub fn padding(&self) -> (usize, usize) {
        self.padding
    }

    /// `(dh, dw)`.
    pub fn dilation(&self) -> (usize, usize) {
        self.dilation
    }

    /// Number of channel groups.
    pub fn groups(&self) -> usize {
        self.groups
    }
}

impl ModuleBase for Conv2d {
    fn type_name(&self) -> String {
        "Conv2d".into()
    }
    /// PyTorch's `_ConvNd.extra_repr`: padding, dilation and groups only when not their default,
    /// bias only when absent.
    fn extra_repr(&self) -> String {
        let pair = |(h, w): (usize, usize)| format!("({h}, {w})");
        let mut s = format!(
            "{}, {}, kernel_size={}, stride={}",
            self.in_channels,
            self.out_channels,
            pair(self.kernel_size),
            pair(self.stride)
        );
        if self.padding != (0, 0) {
            s += &format!(", padding={}", pair(self.padding));
        }
        if self.dilation != (1, 1) {
            s += &format!(", dilation={}", pair(self.dilation));
        }
        if self.groups != 1 {
            s += &format!(", groups={}", self.groups);
        }
        if self.bias.is_none() {
            s += ", bias=False";
        }
        s
    }
    fn own_parameters(&self) -> Vec<(String, Parameter)> {
        let mut v = vec![("weight".to_string(), self.weight.clone())];
        if let Some(b) = &self.bias {
            v.push(("bias".to_string(), b.clone()));
        }
        v
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let b = self.bias()?;
        let geom = Window {
            kernel: self.kernel_size,
            stride: self.stride,
            padding: self.padding,
            dilation: self.dilation,
        };
        conv2d(ConvArgs {
            op: "Conv2d",
            x,
            weight: &self.weight()?,
            bias: b.as_ref(),
            geom,
            groups: self.groups,
        })
    }
}

impl_module_display!(Conv2d);

/// The geometry of a sliding window over H and W, each as `(h, w)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
}

impl Window {
    /// The span of the dilated kernel: `dilation * (kernel - 1) + 1` per dim.
    pub fn span(&self) -> (usize, usize) {
        let s = |k: usize, d: usize| d * (k.max(1) - 1) + 1;
        (s(self.kernel.0, self.dilation.0), s(self.kernel.1, self.dilation.1))
    }

    /// Checks that kernel, stride and dilation are positive.
    pub fn check(&self, op: &'static str) -> Result<()> {
        check_positive(op, "kernel_size", self.kernel)?;
        check_positive(op, "stride", self.stride)?;
        check_positive(op, "dilation", self.dilation)
    }
}

fn check_positive(op: &'static str, what: &str, (h, w): (usize, usize)) -> Result<()> {
    if h == 0 || w == 0 {
        return Err(Error::InvalidArgument {
            op,
            reason: format!("{what} must be positive, but got ({h}, {w})"),
        });
    }
    Ok(())
}

/// The arguments of [`conv2d`] (the layer's and the functional API's shared implementation).
pub(crate) struct ConvArgs<'a> {
    /// The name errors carry (`Conv2d` for the layer, `conv2d` for the function).
    pub op: &'static str,
    pub x: &'a Tensor,
    pub weight: &'a Tensor,
    pub bias: Option<&'a Tensor>,
    pub geom: Window,
    pub groups: usize,
}

/// Convolution as im2col: the padded input's `kh * kw` strided views, stacked, are the columns
/// `[N, groups, C/groups * kh * kw, OH * OW]`, and one batched matmul with the weight viewed as
/// `[groups, out/groups, C/groups * kh * kw]` gives `[N, groups, out/groups, OH * OW]`.
pub(crate) fn conv2d(a: ConvArgs<'_>) -> Result<Tensor> {
    let ConvArgs { op, x, weight, bias, geom, groups } = a;
    let invalid = |reason: String| Err(Error::InvalidArgument { op, reason });
    if weight.dim() != 4 {
        return invalid(format!(
            "expected a 4-D weight [out, in/groups, kh, kw], but got {}",
            weight.shape()
        ));
    }
    let (x4, unbatched) = batched(op, x)?;
    let wd = weight.dims();
    let (out_c, cg, kh, kw) = (wd[0], wd[1], wd[2], wd[3]);
    let geom = Window { kernel: (kh, kw), ..geom };
    geom.check(op)?;
    if groups == 0 || !out_c.is_multiple_of(groups) {
        return invalid(format!(
            "groups ({groups}) must be positive and divide the weight's {out_c} output channels"
        ));
    }
    let (n, c, h, w) = (x4.dims()[0], x4.dims()[1], x4.dims()[2], x4.dims()[3]);
    if c != cg * groups {
        return invalid(format!(
            "Given groups={groups}, weight of size {}, expected input{} to have {} channels, but got {c} channels instead",
            weight.shape(),
            x4.shape(),
            cg * groups
        ));
    }
    if let Some(b) = bias
        && b.dims() != [out_c]
    {
        return invalid(format!("expected a bias of shape [{out_c}], but got {}", b.shape()));
    }
    let (ph, pw) = geom.padding;
    let (span_h, span_w) = geom.span();
    if h + 2 * ph < span_h || w + 2 * pw < span_w {
        return invalid(format!(
            "calculated padded input size per channel: ({} x {}). Kernel size: ({span_h} x {span_w}). \
             Kernel size can't be greater than actual input size",
            h + 2 * ph,
            w + 2 * pw
        ));
    }
    let out = (
        out_len(h, kh, geom.stride.0, ph, geom.dilation.0),
        out_len(w, kw, geom.stride.1, pw, geom.dilation.1),
    );
    let xp = pad2d(&x4, (ph, ph, pw, pw), 0.0)?;
    let cols = windows(&xp, &geom, out)?.reshape([n, groups, cg * kh * kw, out.0 * out.1])?;
    let wm = weight.reshape([groups, out_c / groups, cg * kh * kw])?;
    let mut y = wm.matmul(&cols)?.reshape([n, out_c, out.0, out.1])?;
    if let Some(b) = bias {
        y = y.add(&b.reshape([1, out_c, 1, 1])?)?;
    }
    Ok(if unbatched { y.squeeze(0)? } else { y })
}

/// Output length of a floor-mode window along one dim (the caller has checked that the padded
/// input holds one window).
pub(crate) fn out_len(len: usize, k: usize, stride: usize, pad: usize, dilation: usize) -> usize {
    (len + 2 * pad - dilation * (k - 1) - 1) / stride + 1
}

/// `x` as `[N, C, H, W]`, and whether it was unbatched `[C, H, W]`; any other rank is an error.
pub(crate) fn batched(op: &'static str, x: &Tensor) -> Result<(Tensor, bool)> {
    match x.dim() {
        4 => Ok((x.clone(), false)),
        3 => Ok((x.unsqueeze(0)?, true)),
        _ => Err(Error::InvalidArgument {
            op,
            reason: format!(
                "expected a 3-D (unbatched [C, H, W]) or 4-D (batched [N, C, H, W]) input, but got input of size {}",
                x.shape()
            ),
        }),
    }
}

/// Pads the last two dims of `[N, C, H, W]` with `value`: `(top, bottom, left, right)`.
/// Concatenation with constant blocks keeps the input's gradient a plain slice of the output's.
pub(crate) fn pad2d(
    x: &Tensor,
    (top, bottom, left, right): (usize, usize, usize, usize),
    value: f64,
) -> Result<Tensor> {
    let block = |dims: [usize; 4]| Tensor::full_on(dims, Scalar::from(value), x.dtype(), x.device());
    let d = x.dims();
    let (n, c, h, w) = (d[0], d[1], d[2], d[3]);
    let mut x = x.clone();
    if top + bottom > 0 {
        let (t, b) = (block([n, c, top, w])?, block([n, c, bottom, w])?);
        x = Tensor::cat(&[&t, &x, &b], 2)?;
    }
    if left + right > 0 {
        let hp = h + top + bottom;
        let (l, r) = (block([n, c, hp, left])?, block([n, c, hp, right])?);
        x = Tensor::cat(&[&l, &x, &r], 3)?;
    }
    Ok(x)
}

/// The windows of padded `[N, C, Hp, Wp]` input as `[N, C, kh * kw, OH, OW]`: for each kernel
/// tap `(i, j)`, the strided view of the input elements that tap sees, stacked in row-major tap
/// order (PyTorch's order, which max pooling's tie-breaking relies on).
pub(crate) fn windows(xp: &Tensor, geom: &Window, (oh, ow): (usize, usize)) -> Result<Tensor> {
    let (kh, kw) = geom.kernel;
    let (sh, sw) = geom.stride;
    let (dh, dw) = geom.dilation;
    let mut taps = Vec::with_capacity(kh * kw);
    for i in 0..kh {
        let rows = strided(xp, 2, i * dh, oh, sh)?;
        for j in 0..kw {
            taps.push(strided(&rows, 3, j * dw, ow, sw)?);
        }
    }
    let refs: Vec<&Tensor> = taps.iter().collect();
    Ok(Tensor::stack(&refs, 2)?)
}

/// `count` elements of `dim` from `start`, `step` apart (a view).
fn strided(x: &Tensor, dim: isize, start: usize, count: usize, step: usize) -> Result<Tensor> {
    let end = start + (count - 1) * step + 1;
    Ok(x.slice(dim, Some(start as isize), Some(end as isize), step)?)
}
