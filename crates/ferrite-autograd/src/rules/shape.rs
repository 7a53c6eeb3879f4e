//! Rules of shape and view ops (reshape, permute, expand, slice, select, cat), and [`sum_to`],
//! the adjoint of broadcasting that every broadcasting rule ends with.

use super::{Ctx, Grads};
use crate::{Error, Result};
use ferrite_tensor::{Layout, Scalar, Shape, Tensor};

/// Sums `grad` down to `shape`, the adjoint of broadcasting `shape` up to `grad`'s shape: leading
/// dims are summed away, and dims where `shape` has 1 are summed with keepdim.
///
/// Returns `grad` itself when the shapes already match.
pub(crate) fn sum_to(grad: &Tensor, shape: &Shape) -> Result<Tensor> {
    if grad.shape() == shape {
        return Ok(grad.clone());
    }
    let mismatch = || Error::GradShape { grad: grad.shape().clone(), tensor: shape.clone() };
    let lead = grad.dim().checked_sub(shape.rank()).ok_or_else(mismatch)?;
    let mut dims: Vec<isize> = (0..lead as isize).collect();
    for (i, (&want, &have)) in shape.dims().iter().zip(&grad.dims()[lead..]).enumerate() {
        match (want, have) {
            _ if want == have => {}
            (1, _) => dims.push((lead + i) as isize),
            _ => return Err(mismatch()),
        }
    }
    // `sum` over no dims would sum over all of them, so only call it with some.
    let summed = if dims.is_empty() { grad.clone() } else { grad.sum(&dims, true)? };
    Ok(summed.reshape(shape)?)
}

pub(super) fn reshape(ctx: &Ctx<'_>) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || Ok(ctx.grad.reshape(ctx.shape(0)?)?))?])
}

/// Output dim `i` was input dim `perm[i]`, so the inverse permutation puts each back.
pub(super) fn permute(ctx: &Ctx<'_>, perm: &[usize]) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let mut inverse = vec![0isize; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i as isize;
        }
        Ok(ctx.grad.permute(&inverse)?)
    })?])
}

pub(super) fn expand(ctx: &Ctx<'_>) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || sum_to(ctx.grad, ctx.shape(0)?))?])
}

/// Zeros of `shape` with `grad` written into the view `region` of them: the adjoint of taking
/// that view.
pub(super) fn embed(grad: &Tensor, shape: &Shape, region: Layout) -> Result<Tensor> {
    let zeros = Tensor::full_on(shape.clone(), Scalar::Float(0.0), grad.dtype(), grad.device())?;
    zeros.as_strided(region)?.copy_(grad)?;
    Ok(zeros)
}

pub(super) fn slice(ctx: &Ctx<'_>, dim: usize, start: usize, step: usize) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let shape = ctx.shape(0)?;
        let len = ctx.grad.dims().get(dim).copied().unwrap_or(0);
        embed(ctx.grad, shape, Layout::contiguous(shape.clone()).slice(dim, start, len, step))
    })?])
}

pub(super) fn select(ctx: &Ctx<'_>, dim: usize, index: usize) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let shape = ctx.shape(0)?;
        embed(ctx.grad, shape, Layout::contiguous(shape.clone()).select(dim, index))
    })?])
}

/// Each input gets its own slab of the gradient along `dim`.
pub(super) fn cat(ctx: &Ctx<'_>, dim: usize) -> Result<Grads> {
    let mut start = 0;
    (0..ctx.arity())
        .map(|i| {
            let len = ctx.shape(i)?.dims().get(dim).copied().unwrap_or(0);
            let g = ctx.if_needed(i, || Ok(ctx.grad.narrow(dim as isize, start, len)?))?;
            start += len;
            Ok(g)
        })
        .collect()
}
