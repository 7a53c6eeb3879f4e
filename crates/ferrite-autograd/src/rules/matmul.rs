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

pub(super) fn matmul(ctx: &Ctx<'_>) -> Result<Grads> {
    let (a_shape, b_shape) = (ctx.shape(0)?, ctx.shape(1)?);
    let g = grad_as_matrix(ctx.grad, a_shape.rank(), b_shape.rank())?;
    let ga = ctx.if_needed(0, || {
        let a_mat = as_matrix(ctx.input(0)?, true)?;
        let b_mat = as_matrix(ctx.value(1)?, false)?;
        let full = g.matmul(&mt(&b_mat)?)?;
        Ok(sum_to(&full, a_mat.shape())?.reshape(a_shape)?)
    })?;
    let gb = ctx.if_needed(1, || {
        let a_mat = as_matrix(ctx.value(0)?, true)?;
        let b_mat = as_matrix(ctx.input(1)?, false)?;
        let full = mt(&a_mat)?.matmul(&g)?;
        Ok(sum_to(&full, b_mat.shape())?.reshape(b_shape)?)
    })?;
    Ok(vec![ga, gb])
}
