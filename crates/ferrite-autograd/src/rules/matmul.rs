//! The rule of `matmul` in all of PyTorch's rank cases: 1-D operands are promoted to matrices
//! (as the forward did), the matrix rule `dA = dC Bᵀ`, `dB = Aᵀ dC` runs batched, and batch dims
//! that the forward broadcast are summed back with [`sum_to`].

use super::shape::sum_to;
use super::{Ctx, Grads};
use crate::Result;
use ferrite_tensor::Tensor;

/// A 1-D operand as the matrix the forward used: `[k]` is `[1, k]` on the left, `[k, 1]` on the
/// right.
fn as_matrix(t: &Tensor, left: bool) -> Result<Tensor> {
    Ok(match (t.dim(), left) {
        (1, true) => t.unsqueeze(0)?,
        (1, false) => t.unsqueeze(1)?,
        _ => t.clone(),
    })
}

/// The output gradient with the dims a 1-D operand removed put back: `[.., m, n]`.
fn grad_as_matrix(g: &Tensor, a_rank: usize, b_rank: usize) -> Result<Tensor> {
    let g = if b_rank == 1 { g.unsqueeze(-1)? } else { g.clone() };
    Ok(if a_rank == 1 { g.unsqueeze(-2)? } else { g })
}

/// The transpose of the last two dims.
fn mt(t: &Tensor) -> Result<Tensor> {
    Ok(t.transpose(-1, -2)?)
}

/// True when `t`'s last two dims are stored transposed (the second-to-last dense, the last
/// strided), as a weight `W.t()` in `x @ W.t()`.
fn stored_transposed(t: &Tensor) -> bool {
    let (d, s) = (t.dims(), t.layout().strides());
    let r = d.len();
    r >= 2 && d[r - 2] > 1 && d[r - 1] > 1 && s[r - 2] == 1 && s[r - 1] != 1
}

/// A gradient in the shape of `shape`, from `full` (of the matrix shape the forward used).
fn fit(full: &Tensor, mat: &Tensor, shape: &ferrite_tensor::Shape) -> Result<Tensor> {
    let g = sum_to(full, mat.shape())?;
    // A same-shape reshape would copy a transposed gradient: keep its layout.
    Ok(if g.shape() == shape { g } else { g.reshape(shape)? })
}

pub(super) fn matmul(ctx: &Ctx<'_>) -> Result<Grads> {
    let (a_shape, b_shape) = (ctx.shape(0)?, ctx.shape(1)?);
    let g = grad_as_matrix(ctx.grad, a_shape.rank(), b_shape.rank())?;
    let ga = ctx.if_needed(0, || {
        let a_mat = as_matrix(ctx.input(0)?, true)?;
        let b_mat = as_matrix(ctx.value(1)?, false)?;
        // As PyTorch's `mm_mat1_backward`: an operand stored transposed gets its gradient in the
        // same layout, `(B gᵀ)ᵀ`, so it reaches its base without a transposing copy.
        let full =
            if stored_transposed(&a_mat) { mt(&b_mat.matmul(&mt(&g)?)?)? } else { g.matmul(&mt(&b_mat)?)? };
        fit(&full, &a_mat, a_shape)
    })?;
    let gb = ctx.if_needed(1, || {
        let a_mat = as_matrix(ctx.value(0)?, true)?;
        let b_mat = as_matrix(ctx.input(1)?, false)?;
        // As PyTorch's `mm_mat2_backward`: for a weight used as `W.t()`, `(gᵀ A)ᵀ` is `W`'s
        // gradient already dense, where `Aᵀ g` would need a transposing copy on its way to `W.grad`.
        let full =
            if stored_transposed(&b_mat) { mt(&mt(&g)?.matmul(&a_mat)?)? } else { mt(&a_mat)?.matmul(&g)? };
        fit(&full, &b_mat, b_shape)
    })?;
    Ok(vec![ga, gb])
}
