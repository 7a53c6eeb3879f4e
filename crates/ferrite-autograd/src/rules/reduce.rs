//! Rules of reductions: sum, prod, max/min (over dims, and along one dim with indices), cumsum.
//! Each first brings the output gradient back to the input's rank ([`keepdim_grad`]) so it
//! broadcasts over the reduced dims.

use super::{Ctx, Grads};
use crate::Result;
use ferrite_tensor::{Shape, Tensor};

/// The input's shape with the reduced dims (all when `dims` is empty) set to 1.
fn keepdim_shape(input: &Shape, dims: &[usize]) -> Shape {
    let all = dims.is_empty();
    let d: Vec<usize> =
        input.dims().iter().enumerate().map(|(i, &n)| if all || dims.contains(&i) { 1 } else { n }).collect();
    Shape::from(d)
}

/// A reduced tensor (output or its gradient) reshaped to the keepdim shape, so it broadcasts
/// against the input; a no-op when the op kept the dims.
fn keepdim_grad(t: &Tensor, input: &Shape, dims: &[usize], keepdim: bool) -> Result<Tensor> {
    if keepdim {
        return Ok(t.clone());
    }
    Ok(t.reshape(keepdim_shape(input, dims))?)
}

/// Reduced dims as the `isize` list the reduction methods take (empty means all).
fn as_isize(dims: &[usize]) -> Vec<isize> {
    dims.iter().map(|&d| d as isize).collect()
}

/// Every element of a reduced group receives the group's gradient.
pub(super) fn sum(ctx: &Ctx<'_>, dims: &[usize], keepdim: bool) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let shape = ctx.shape(0)?;
        Ok(keepdim_grad(ctx.grad, shape, dims, keepdim)?.expand(shape)?)
    })?])
}

/// `d prod / d x_i` is the product of the group's other elements. Dividing the product by `x_i`
/// fails at zeros, so, as PyTorch's `prod_backward`, count a group's zeros: with none, it is
/// `prod / x_i`; with exactly one, only the zero gets a gradient, the product of the non-zeros;
/// with two or more, every element's is 0.
pub(super) fn prod(ctx: &Ctx<'_>, dims: &[usize], keepdim: bool) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let x = ctx.value(0)?;
        let shape = ctx.shape(0)?;
        let d = as_isize(dims);
        let nonzero = x.ne(0.0)?;
        let zeros = nonzero.logical_not()?.sum(&d, true)?;
        // The product of the non-zero elements of each group (zeros replaced by 1).
        let x_safe = x.where_(&nonzero, 1.0)?;
        let others = x_safe.prod(&d, true)?;
        let at_nonzero = others.div(&x_safe)?.where_(&zeros.eq(0)?, 0.0)?;
        let at_zero = others.where_(&zeros.eq(1)?, 0.0)?;
        let local = at_nonzero.where_(&nonzero, &at_zero)?;
        Ok(keepdim_grad(ctx.grad, shape, dims, keepdim)?.mul(&local)?)
    })?])
}

/// `max`/`min`/`amax` over dims: the gradient is split evenly among every element equal to the
/// extremum. `max_all`/`min_all` follow PyTorch's `evenly_distribute_backward`, where NaN counts as
/// equal to a NaN result; `amax`/`amin` follow its `scale_grad_by_count(.., result == self, ..)`,
/// where nothing equals a NaN result, so that group's gradient is NaN (`g / 0 * 0`).
pub(super) fn extremum(ctx: &Ctx<'_>, dims: &[usize], keepdim: bool) -> Result<Grads> {
    let nan_matches = matches!(ctx.node, "MaxBackward1" | "MinBackward1");
    Ok(vec![ctx.if_needed(0, || {
        let x = ctx.value(0)?;
        let shape = ctx.shape(0)?;
        let out = keepdim_grad(ctx.output()?, shape, dims, keepdim)?;
        let mut hit = x.eq(&out)?;
        if nan_matches {
            hit = hit.logical_or(&x.ne(x)?.logical_and(&out.ne(&out)?)?)?;
        }
        let count = hit.sum(&as_isize(dims), true)?;
        let g = keepdim_grad(ctx.grad, shape, dims, keepdim)?;
        let share = g.div(&count.to_dtype(g.dtype())?)?;
        Ok(share.mul(&hit.to_dtype(g.dtype())?)?)
    })?])
}

/// A p-norm: `d|x|_p / dx = sign(x) |x|^(p-1) / |x|_p^(p-1)` (`x / |x|_2` for p = 2), and 0 for a
/// group whose norm is 0, as PyTorch's `norm_backward`.
pub(super) fn norm(ctx: &Ctx<'_>, p: f64, dims: &[usize], keepdim: bool) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let x = ctx.value(0)?;
        let shape = ctx.shape(0)?;
        let out = keepdim_grad(ctx.output()?, shape, dims, keepdim)?;
        let g = keepdim_grad(ctx.grad, shape, dims, keepdim)?;
        let (num, den) = if p == 2.0 {
            (x.clone(), out)
        } else {
            (x.sign()?.mul(&x.abs()?.pow(p - 1.0)?)?, out.pow(p - 1.0)?)
        };
        let nonzero = den.ne(0.0)?;
        let scale = g.div(&den.where_(&nonzero, 1.0)?)?.where_(&nonzero, 0.0)?;
        Ok(num.mul(&scale)?)
    })?])
}

/// `max(dim)`/`min(dim)`: the gradient goes to the element the saved index picked.
pub(super) fn extremum_dim(ctx: &Ctx<'_>, dim: usize, keepdim: bool) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let shape = ctx.shape(0)?;
        if shape.rank() == 0 {
            return Ok(ctx.grad.reshape(shape)?);
        }
        let idx = ctx.saved_indices()?;
        let (g, idx) = if keepdim {
            (ctx.grad.clone(), idx.clone())
        } else {
            (ctx.grad.unsqueeze(dim as isize)?, idx.unsqueeze(dim as isize)?)
        };
        Ok(Tensor::scatter_add_zeros(shape, dim, &idx, &g)?)
    })?])
}

/// The adjoint of a cumulative sum is the reversed cumulative sum: `x_i` feeds every output from
/// `i` on.
pub(super) fn cumsum(ctx: &Ctx<'_>, dim: usize) -> Result<Grads> {
    Ok(vec![ctx.if_needed(0, || {
        let g = ctx.grad;
        // The core has no `flip`; index_select with reversed indices is one.
        let n = g.dims().get(dim).copied().unwrap_or(1) as i64;
        let reversed = Tensor::arange_step(n - 1, -1, -1)?;
        let flip = |t: &Tensor| t.index_select(dim as isize, &reversed);
        Ok(flip(&flip(g)?.cumsum(dim as isize)?)?)
    })?])
}
