//! The functional API (PyTorch's `torch.nn.functional`): activations, dropout, linear, and losses.

use crate::{Error, Result};
use ferrite_tensor::{DType, Tensor};

/// How a loss reduces over the batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// Per-element losses.
    None,
    /// The mean (PyTorch's default).
    #[default]
    Mean,
    /// The sum.
    Sum,
}

impl Reduction {
    fn apply(self, t: Tensor) -> Result<Tensor> {
        Ok(match self {
            Reduction::None => t,
            Reduction::Mean => t.mean_all()?,
            Reduction::Sum => t.sum_all()?,
        })
    }

    pub(crate) fn repr(self) -> &'static str {
        match self {
            Reduction::None => "reduction=none",
            Reduction::Mean => "",
            Reduction::Sum => "reduction=sum",
        }
    }
}

/// `max(x, 0)`.
pub fn relu(x: &Tensor) -> Result<Tensor> {
    Ok(x.relu()?)
}

/// Logistic sigmoid.
pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    Ok(x.sigmoid()?)
}

/// Hyperbolic tangent.
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    Ok(x.tanh()?)
}

/// Softmax along `dim`.
pub fn softmax(x: &Tensor, dim: isize) -> Result<Tensor> {
    Ok(x.softmax(dim)?)
}

/// Log-softmax along `dim`.
pub fn log_softmax(x: &Tensor, dim: isize) -> Result<Tensor> {
    Ok(x.log_softmax(dim)?)
}

/// `x @ weight.T + bias` (PyTorch's `F.linear`); the transpose is a view, not a copy. A batch of
/// vectors with a bias goes through `addmm`, as in PyTorch, so the output shows
/// `grad_fn=<AddmmBackward0>`.
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    if let (2, Some(b)) = (x.dim(), bias) {
        return Ok(b.addmm(x, &weight.t()?)?);
    }
    let y = x.matmul(&weight.t()?)?;
    Ok(match bias {
        Some(b) => y.add(b)?,
        None => y,
    })
}

/// Zeroes each element with probability `p` and scales the rest by `1 / (1 - p)`, in training
/// only (d2l's `dropout_layer`). `p = 1` gives zeros.
///
/// ```
/// use ferrite_nn::functional::dropout;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::ones([1000]);
/// let y = dropout(&x, 0.5, true)?;
/// let kept: f32 = y.gt(0.0)?.float()?.sum_all()?.item()?;
/// assert!((kept - 500.0).abs() < 100.0);
/// assert_eq!(dropout(&x, 0.5, false)?.sum_all()?.item::<f32>()?, 1000.0);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub fn dropout(x: &Tensor, p: f64, training: bool) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::InvalidArgument {
            op: "dropout",
            reason: format!("dropout probability has to be between 0 and 1, but got {p}"),
        });
    }
    if !training || p == 0.0 {
        return Ok(x.clone());
    }
    if p == 1.0 {
        return Ok(x.mul(0.0)?);
    }
    let keep = Tensor::rand(x.shape().clone()).to_device(x.device())?.ge(p)?.to_dtype(x.dtype())?;
    Ok(x.mul(&keep)?.mul(1.0 / (1.0 - p))?)
}

/// Mean squared error (PyTorch's `F.mse_loss`).
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    if input.shape() != target.shape() {
        return Err(ferrite_tensor::Error::ShapeMismatch {
            op: "mse_loss",
            lhs: input.shape().clone(),
            rhs: target.shape().clone(),
        }
        .into());
    }
    reduction.apply(input.sub(target)?.square()?)
}

/// Cross-entropy of logits `[N, C]` against class indices `[N]` (i64) or class probabilities
/// `[N, C]` (float), computed stably through log-softmax (PyTorch's `F.cross_entropy`).
pub fn cross_entropy(logits: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let logp = logits.log_softmax(1)?;
    if target.dtype().is_float() {
        if target.shape() != logits.shape() {
            return Err(ferrite_tensor::Error::ShapeMismatch {
                op: "cross_entropy",
                lhs: logits.shape().clone(),
                rhs: target.shape().clone(),
            }
            .into());
        }
        return reduction.apply(logp.mul(target)?.sum(&[1], false)?.neg()?);
    }
    if target.dim() + 1 != logits.dim() || target.dims().first() != logits.dims().first() {
        return Err(ferrite_tensor::Error::ShapeMismatch {
            op: "cross_entropy",
            lhs: logits.shape().clone(),
            rhs: target.shape().clone(),
        }
        .into());
    }
    let picked = logp.gather(1, &target.to_dtype(DType::I64)?.unsqueeze(1)?)?.squeeze(1)?;
    reduction.apply(picked.neg()?)
}

/// 2-D convolution of `[N, C, H, W]` (or unbatched `[C, H, W]`) input with a weight
/// `[out, C / groups, kh, kw]` and an optional bias `[out]` (PyTorch's `F.conv2d`, same argument
/// order). Built from differentiable views and one matmul, so it has gradients for free.
///
/// ```
/// use ferrite_nn::functional::conv2d;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::arange(16.0)?.reshape([1, 1, 4, 4])?;
/// let w = Tensor::ones([1, 1, 2, 2]);
/// let y = conv2d(&x, &w, None, 2, 0, 1, 1)?;
/// assert_eq!(y.to_vec::<f32>()?, vec![10.0, 18.0, 42.0, 50.0]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub fn conv2d(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: impl Into<crate::Size2d>,
    padding: impl Into<crate::Size2d>,
    dilation: impl Into<crate::Size2d>,
    groups: usize,
) -> Result<Tensor> {
    let geom = crate::conv::Window {
        kernel: (1, 1), // replaced by the weight's kernel size
        stride: stride.into().hw(),
        padding: padding.into().hw(),
        dilation: dilation.into().hw(),
    };
    crate::conv::conv2d(crate::conv::ConvArgs { op: "conv2d", x: input, weight, bias, geom, groups })
}

/// 2-D max pooling (PyTorch's `F.max_pool2d`). PyTorch's `stride=None` means the kernel size;
/// here the stride is always given. Padding is implicit `-inf`; the gradient goes to the first
/// maximum of each window, as PyTorch's.
///
/// ```
/// use ferrite_nn::functional::max_pool2d;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::arange(16.0)?.reshape([1, 1, 4, 4])?;
/// assert_eq!(max_pool2d(&x, 2, 2, 0, 1, false)?.to_vec::<f32>()?, vec![5.0, 7.0, 13.0, 15.0]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub fn max_pool2d(
    input: &Tensor,
    kernel_size: impl Into<crate::Size2d>,
    stride: impl Into<crate::Size2d>,
    padding: impl Into<crate::Size2d>,
    dilation: impl Into<crate::Size2d>,
    ceil_mode: bool,
) -> Result<Tensor> {
    let geom = crate::conv::Window {
        kernel: kernel_size.into().hw(),
        stride: stride.into().hw(),
        padding: padding.into().hw(),
        dilation: dilation.into().hw(),
    };
    crate::pool::max_pool2d("max_pool2d", input, geom, ceil_mode)
}

/// 2-D average pooling with zero padding counted (PyTorch's `F.avg_pool2d` with its defaults
/// `ceil_mode=False, count_include_pad=True`); the stride is always given.
///
/// ```
/// use ferrite_nn::functional::avg_pool2d;
/// use ferrite_tensor::Tensor;
/// let x = Tensor::arange(16.0)?.reshape([1, 1, 4, 4])?;
/// assert_eq!(avg_pool2d(&x, 2, 2, 0)?.to_vec::<f32>()?, vec![2.5, 4.5, 10.5, 12.5]);
/// # Ok::<(), ferrite_nn::Error>(())
/// ```
pub fn avg_pool2d(
    input: &Tensor,
    kernel_size: impl Into<crate::Size2d>,
    stride: impl Into<crate::Size2d>,
    padding: impl Into<crate::Size2d>,
) -> Result<Tensor> {
    let geom = crate::conv::Window {
        kernel: kernel_size.into().hw(),
        stride: stride.into().hw(),
        padding: padding.into().hw(),
        dilation: (1, 1),
    };
    crate::pool::avg_pool2d("avg_pool2d", input, geom)
}
